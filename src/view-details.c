/*
 * view-details: every field the store gives for one entry, in a scrollable
 * page (Enter or F3 in the list), and the pager it shares with the help.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/util.h"

#define LABEL_WIDTH	14

struct view_lines {
	char	**v;
	size_t	  n;
	int	  width;
};

static void
view_lines_add(struct view_lines *l, char *line)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = line;
}

/* "Label:        value", the value escaped and wrapped under itself. */
static void
view_lines_field(struct view_lines *l, const char *label, const char *value)
{
	char	**wrapped, *safe;
	size_t	  n, i;

	safe = util_escape(value != NULL && *value != '\0' ? value : "-");
	wrapped = ui_wrap(safe, l->width - LABEL_WIDTH, &n);
	for (i = 0; i < n; i++) {
		char	*line;

		xasprintf(&line, "%-*s%s", LABEL_WIDTH, i == 0 ? label : "",
		    wrapped[i]);
		view_lines_add(l, line);
	}
	ui_free_lines(wrapped, n);
	free(safe);
}

static void
view_lines_strings(struct view_lines *l, const char *label,
    const struct store_strings *s)
{
	struct util_buf	 b = { 0 };
	char		*text;
	size_t		 i;

	for (i = 0; i < s->n; i++) {
		if (i > 0)
			util_buf_add(&b, ", ", 2);
		util_buf_add(&b, s->v[i], strlen(s->v[i]));
	}
	text = util_buf_take_string(&b);
	view_lines_field(l, label, text);
	free(text);
}

/* "AB:CD:...", as openssl x509 -fingerprint prints it. */
static char *
view_details_openssl_hex(const char *hex)
{
	struct util_buf	b = { 0 };
	size_t		i;
	char		c;

	for (i = 0; hex[i] != '\0'; i++) {
		if (i > 0 && i % 2 == 0)
			util_buf_add(&b, ":", 1);
		c = hex[i];
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		util_buf_add(&b, &c, 1);
	}
	return util_buf_take_string(&b);
}

char **
view_details_lines(const struct store_entry *e, int width, size_t *n)
{
	static const char *const	 labels[STORE_CHECK_COUNT] = {
		"trusted", "date valid", "name matches", "key matches",
		"chain complete"
	};
	struct view_lines		 l = { .width = width };
	char				*text, *from, *to;
	int				 i;

	view_lines_field(&l, "Name", e->name);
	xasprintf(&text, "%s%s (%s)", e->kind == STORE_KIND_REQUEST ?
	    "certificate request" : "certificate", e->active ? ", ACTIVE" :
	    "", e->area == STORE_AREA_SERVER ? "sslcert/" : "sslca/");
	view_lines_field(&l, "Kind", text);
	free(text);
	view_lines_field(&l, "File", e->path);
	view_lines_field(&l, "Key file", e->key_path != NULL ? e->key_path :
	    "(none)");
	view_lines_add(&l, xstrdup(""));
	view_lines_field(&l, "Common name", e->common_name);
	view_lines_field(&l, "Subject", e->subject);
	if (e->kind == STORE_KIND_CERTIFICATE) {
		view_lines_field(&l, "Issuer", e->issuer);
		view_lines_field(&l, "Self-signed", e->self_signed ? "yes" :
		    "no");
		view_lines_field(&l, "CA", e->is_ca ? "yes" : "no");
		view_lines_field(&l, "Serial", e->serial);
		from = util_format_time(e->not_before);
		to = util_format_time(e->not_after);
		view_lines_field(&l, "Valid from", from);
		if (e->days_left < 0)
			xasprintf(&text, "%s (EXPIRED %ld days ago)", to,
			    -e->days_left);
		else
			xasprintf(&text, "%s (%ld days left)", to,
			    e->days_left);
		view_lines_field(&l, "Valid until", text);
		free(text);
		free(from);
		free(to);
	}
	view_lines_strings(&l, "Alt names", &e->alt_names);
	xasprintf(&text, "%s, %u bits", e->key_type != NULL ? e->key_type :
	    "?", e->key_bits);
	view_lines_field(&l, "Key", text);
	free(text);
	view_lines_field(&l, "Signature", e->signature_algorithm);
	view_lines_strings(&l, "Key usage", &e->key_usage);
	view_lines_strings(&l, "Extended use", &e->ext_key_usage);
	view_lines_add(&l, xstrdup(""));
	view_lines_field(&l, "SHA-256", e->sha256);
	text = view_details_openssl_hex(e->sha256);
	view_lines_field(&l, "  (OpenSSL)", text);
	free(text);
	view_lines_field(&l, "SHA-1", e->sha1);
	xasprintf(&text, "3 1 1 %s", e->tlsa_311);
	view_lines_field(&l, "DANE TLSA", text);
	free(text);
	if (e->kind == STORE_KIND_CERTIFICATE) {
		xasprintf(&text, "%u more certificate%s in the file",
		    e->chain_in_file, e->chain_in_file == 1 ? "" : "s");
		view_lines_field(&l, "Chain", text);
		free(text);
		view_lines_add(&l, xstrdup(""));
		view_lines_add(&l, xstrdup("Checks"));
		for (i = 0; i < STORE_CHECK_COUNT; i++) {
			if (e->checks[i].ok)
				xasprintf(&text, "[ok] %s", labels[i]);
			else
				xasprintf(&text, "[NO] %s: %s", labels[i],
				    e->checks[i].why != NULL ?
				    e->checks[i].why : "failed");
			view_lines_field(&l, "", text);
			free(text);
		}
	}
	*n = l.n;
	return l.v;
}

struct ui_pager {
	const char	*title;
	char		**lines;
	size_t		  n;
	int		  top;
};

static void
ui_pager_draw_cb(struct ui *ui, void *arg)
{
	struct ui_pager	*p = arg;
	int		 rows = LINES - 3, i, attr;
	char		*line, *title;

	if (p->top > (int)p->n - rows)
		p->top = (int)p->n - rows;
	if (p->top < 0)
		p->top = 0;
	erase();
	title = util_escape(p->title);
	xasprintf(&line, " %s", title);
	free(title);
	ui_put_padded(0, 0, COLS, line, ui_attr(UI_TITLE));
	free(line);
	for (i = 0; i < rows && (size_t)(p->top + i) < p->n; i++) {
		line = p->lines[p->top + i];
		attr = A_NORMAL;
		if (strncmp(line, "[NO]", 4) == 0 ||
		    strstr(line, "  [NO]") != NULL)
			attr = ui_attr(UI_CRIT);
		ui_put(1 + i, 0, COLS, line, attr);
	}
	xasprintf(&line, "Lines %d-%d of %zu   Up Down PgUp PgDn Home End "
	    "scroll, Esc or q closes", p->n == 0 ? 0 : p->top + 1,
	    p->top + i, p->n);
	ui_put(LINES - 2, 0, COLS, line, ui_attr(UI_DIM));
	free(line);
	move(LINES - 1, 0);
	ui_put(-1, 0, 3, "Esc", ui_attr(UI_KEY));
	ui_put(-1, 0, 6, "Close", ui_attr(UI_KEYLABEL));
}

void
ui_pager_run(struct ui *ui, const char *title, char **lines, size_t n)
{
	struct ui_pager	  p = { title, lines, n, 0 };
	void		(*old_draw)(struct ui *, void *) = ui->draw;
	void		 *old_arg = ui->draw_arg;
	int		  k, rows;

	ui->draw = ui_pager_draw_cb;
	ui->draw_arg = &p;
	for (;;) {
		rows = LINES - 3;
		ui_pager_draw_cb(ui, &p);
		ui_refresh();
		k = ui_getkey();
		if (k == UI_KEY_ESC || k == 'q' || k == KEY_F(10) ||
		    k == KEY_F(3) || ui_key_is_enter(k))
			break;
		switch (k) {
		case KEY_UP:
		case 'k':
			p.top--;
			break;
		case KEY_DOWN:
		case 'j':
			p.top++;
			break;
		case KEY_PPAGE:
			p.top -= rows;
			break;
		case KEY_NPAGE:
		case ' ':
			p.top += rows;
			break;
		case KEY_HOME:
			p.top = 0;
			break;
		case KEY_END:
			p.top = (int)n;
			break;
		}
	}
	ui->draw = old_draw;
	ui->draw_arg = old_arg;
}

void
view_details_run(struct ui *ui, enum store_area area, const char *name)
{
	struct store_entry	*e = NULL;
	char			*cause = NULL, **lines, *title;
	size_t			 n;
	int			 width;

	if (store_show_entry(ui->store, area, name, &e, &cause) != STORE_OK) {
		ui_dialog_message(ui, "Details", cause);
		free(cause);
		return;
	}
	width = COLS;
	lines = view_details_lines(e, width, &n);
	xasprintf(&title, "Details: %s", name);
	ui_pager_run(ui, title, lines, n);
	free(title);
	ui_free_lines(lines, n);
	store_entry_free(e);
}
