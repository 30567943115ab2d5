/*
 * view-list: the main screen.  One row per certificate and request in
 * sslcert/ (Tab: the intermediates in sslca/), the active pair first and
 * marked, a details pane for the highlighted entry, a status line, a
 * message line and the key bar.  It dispatches the actions to the views,
 * and asks before Remove and Set as active.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui.h"
#include "certdesk/util.h"

#define PANE_ROWS	8	/* the details pane, with its separator */

struct view_list {
	struct store_list	*list;
	size_t			*shown;		/* into list */
	size_t			 n_shown;
	bool			 filtering;	/* typing a filter */
	char			*load_error;
};

static struct view_list	vl;

/* The column widths, fitted to the terminal's width. */
struct view_list_cols {
	int	status, name, to, by, expires, key;
};

static void
view_list_cols(struct view_list_cols *c)
{
	int	extra;

	/*
	 * Two columns stay free: curses counts a multibyte character as
	 * several cells, so a row with accents needs a few cells more.
	 */
	c->status = 13;
	c->name = 10;
	c->to = 12;
	c->by = 11;
	c->expires = 19;
	c->key = 8;
	extra = COLS - 2 - (c->status + c->name + c->to + c->by +
	    c->expires + c->key + 5);
	if (extra > 0) {
		c->name += extra / 3;
		c->to += extra / 3;
		c->by += extra - 2 * (extra / 3);
	}
}

static int
view_list_rows(void)
{
	int	rows = LINES - 3 - PANE_ROWS - 3;

	return rows < 1 ? 1 : rows;
}

static const struct store_entry *
view_list_selected(struct ui *ui)
{
	if (vl.n_shown == 0 || ui->selected < 0 ||
	    (size_t)ui->selected >= vl.n_shown)
		return NULL;
	return &vl.list->v[vl.shown[ui->selected]];
}

/* Case-insensitive substring, for the filter. */
static bool
view_list_contains(const char *hay, const char *needle)
{
	size_t	i, n;

	if (hay == NULL)
		return false;
	n = strlen(needle);
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n; i++) {
			if (tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		}
		if (i == n)
			return true;
	}
	return false;
}

static bool
view_list_matches(const struct store_entry *e, const char *filter)
{
	size_t	i;

	if (filter == NULL || *filter == '\0')
		return true;
	if (view_list_contains(e->name, filter) ||
	    view_list_contains(e->common_name, filter) ||
	    view_list_contains(e->subject, filter) ||
	    view_list_contains(e->issuer, filter) ||
	    view_list_contains(e->sha256, filter))
		return true;
	for (i = 0; i < e->alt_names.n; i++) {
		if (view_list_contains(e->alt_names.v[i], filter))
			return true;
	}
	return false;
}

/* Show the entries matching the filter; keep (may be NULL) stays selected. */
static void
view_list_filter_keep(struct ui *ui, const char *keep)
{
	size_t	i;

	free(vl.shown);
	vl.shown = NULL;
	vl.n_shown = 0;
	if (vl.list != NULL) {
		vl.shown = xcalloc(vl.list->n + 1, sizeof *vl.shown);
		for (i = 0; i < vl.list->n; i++) {
			if (view_list_matches(&vl.list->v[i], ui->filter))
				vl.shown[vl.n_shown++] = i;
		}
	}
	ui->selected = 0;
	for (i = 0; keep != NULL && i < vl.n_shown; i++) {
		if (strcmp(vl.list->v[vl.shown[i]].name, keep) == 0)
			ui->selected = (int)i;
	}
}

static void
view_list_apply_filter(struct ui *ui)
{
	const struct store_entry	*cur;
	char				*keep = NULL;

	cur = view_list_selected(ui);
	if (cur != NULL)
		keep = xstrdup(cur->name);
	view_list_filter_keep(ui, keep);
	free(keep);
}

int
view_list_reload(struct ui *ui)
{
	const struct store_entry	*cur;
	struct store_list		*list = NULL;
	char				*cause = NULL, *keep;
	int				 status;

	view_engine_refresh_state(ui);
	status = store_list_entries(ui->store, ui->area, &list, &cause);
	free(vl.load_error);
	vl.load_error = NULL;
	if (status != STORE_OK) {
		vl.load_error = util_escape(cause != NULL ? cause :
		    "cannot read the folder");
		free(cause);
		list = NULL;
	}
	/* The selection is remembered by name: the old list goes now. */
	cur = view_list_selected(ui);
	keep = xstrdup(ui->select_name != NULL ? ui->select_name :
	    (cur != NULL ? cur->name : ""));
	free(ui->select_name);
	ui->select_name = NULL;
	if (vl.list != NULL)
		store_list_free(vl.list);
	vl.list = list;
	view_list_filter_keep(ui, keep);
	free(keep);
	return status;
}

/* "2027-11-27" from a time. */
static void
view_list_date(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* The expires column, and its role ('!' marks it readable without colour). */
static enum ui_role
view_list_expiry(const struct store_entry *e, char *buf, size_t len,
    char *mark)
{
	char	date[16];

	*mark = ' ';
	if (e->kind == STORE_KIND_REQUEST) {
		snprintf(buf, len, "(request)");
		return UI_NORMAL;
	}
	view_list_date(e->not_after, date, sizeof date);
	if (e->days_left < 0) {
		snprintf(buf, len, "%s EXPIRED", date);
		*mark = '!';
		return UI_CRIT;
	}
	snprintf(buf, len, "%s %ldd", date, e->days_left);
	if (e->days_left <= 7) {
		*mark = '!';
		return UI_CRIT;
	}
	if (e->days_left <= 30) {
		*mark = '!';
		return UI_WARN;
	}
	return UI_NORMAL;
}

static void
view_list_key_text(const struct store_entry *e, char *buf, size_t len)
{
	if (e->key_type == NULL)
		snprintf(buf, len, "?");
	else if (strcmp(e->key_type, "rsa") == 0)
		snprintf(buf, len, "RSA %u", e->key_bits);
	else if (strncmp(e->key_type, "ecdsa-p", 7) == 0)
		snprintf(buf, len, "EC P-%s", e->key_type + 7);
	else if (strcmp(e->key_type, "ecdsa") == 0)
		snprintf(buf, len, "EC P-%u", e->key_bits);
	else if (strcmp(e->key_type, "ed25519") == 0)
		snprintf(buf, len, "Ed25519");
	else
		snprintf(buf, len, "%s", e->key_type);
}

/* "CN +N": the common name cut to fit, the count of other names kept. */
static char *
view_list_issued_to(const struct store_entry *e, int width)
{
	const char	*cn;
	char		*safe, *fitted, *out, more[32] = "";
	size_t		 others = 0, i;

	if (e->common_name != NULL && *e->common_name != '\0')
		cn = e->common_name;
	else if (e->alt_names.n > 0)
		cn = e->alt_names.v[0];
	else
		return xstrdup("-");
	for (i = 0; i < e->alt_names.n; i++) {
		if (strcasecmp(e->alt_names.v[i], cn) != 0)
			others++;
	}
	if (others > 0)
		snprintf(more, sizeof more, " +%zu", others);
	safe = util_escape(cn);
	fitted = ui_fit(safe, width - (int)strlen(more));
	xasprintf(&out, "%s%s", fitted, more);
	free(fitted);
	free(safe);
	return out;
}

static const char *
view_list_status_text(const struct store_entry *e)
{
	if (e->active)
		return "* active";
	if (e->kind == STORE_KIND_REQUEST)
		return "  request";
	return "  certificate";
}

static void
view_list_draw_header(const struct view_list_cols *c, int y)
{
	int	attr = ui_attr(UI_HEADER);

	move(y, 0);
	ui_put_padded(-1, 0, c->status, "  status", attr);
	ui_put_padded(-1, 0, 1, "", attr);
	ui_put_padded(-1, 0, c->name, "name", attr);
	ui_put_padded(-1, 0, 1, "", attr);
	ui_put_padded(-1, 0, c->to, "issued to", attr);
	ui_put_padded(-1, 0, 1, "", attr);
	ui_put_padded(-1, 0, c->by, "issued by", attr);
	ui_put_padded(-1, 0, 1, "", attr);
	ui_put_padded(-1, 0, c->expires, " expires", attr);
	ui_put_padded(-1, 0, 1, "", attr);
	ui_put_padded(-1, 0, c->key, "key", attr);
	clrtoeol();
}

static void
view_list_draw_row(struct ui *ui, const struct view_list_cols *c, int y,
    const struct store_entry *e, bool selected)
{
	char		 buf[64], expires[80], *to, *by, *name, mark;
	int		 base, attr, exp_attr;
	enum ui_role	 role;

	base = selected ? ui_attr(UI_SELECTED) : (int)A_NORMAL;
	role = view_list_expiry(e, buf, sizeof buf, &mark);
	snprintf(expires, sizeof expires, "%c%s", mark, buf);
	exp_attr = role == UI_NORMAL ? base : ui_attr(role) |
	    (selected ? (int)A_REVERSE : 0);

	name = util_escape(e->name);
	to = view_list_issued_to(e, c->to);
	if (e->kind == STORE_KIND_REQUEST)
		by = xstrdup("-");
	else if (e->self_signed)
		by = xstrdup("self-signed");
	else
		by = util_escape(e->issuer_cn != NULL && *e->issuer_cn != '\0' ?
		    e->issuer_cn : (e->issuer != NULL ? e->issuer : "?"));

	move(y, 0);
	attr = e->active ? (ui_attr(UI_ACTIVE) | (selected ?
	    (int)A_REVERSE : 0)) : base;
	ui_put_padded(-1, 0, c->status, view_list_status_text(e), attr);
	ui_put_padded(-1, 0, 1, "", base);
	ui_put_padded(-1, 0, c->name, name, e->active ? attr : base);
	ui_put_padded(-1, 0, 1, "", base);
	ui_put_padded(-1, 0, c->to, to, base);
	ui_put_padded(-1, 0, 1, "", base);
	ui_put_padded(-1, 0, c->by, by, base);
	ui_put_padded(-1, 0, 1, "", base);
	ui_put_padded(-1, 0, c->expires, expires, exp_attr);
	ui_put_padded(-1, 0, 1, "", base);
	view_list_key_text(e, buf, sizeof buf);
	/* What the cells left allow, cut visibly rather than silently. */
	ui_put_padded(-1, 0, c->key < COLS - getcurx(stdscr) ? c->key :
	    COLS - getcurx(stdscr), buf, base);
	if (getcury(stdscr) == y)
		clrtoeol();
	free(name);
	free(to);
	free(by);
	(void)ui;
}

/* One labelled line of the pane: "Subject   CN=...". */
static void
view_list_pane_line(int y, const char *label, const char *value, int attr)
{
	char	*safe;

	safe = util_escape(value != NULL ? value : "");
	move(y, 0);
	ui_put_padded(-1, 0, 10, label, ui_attr(UI_HEADER));
	ui_put(-1, 0, COLS - 11, safe, attr);
	if (getcury(stdscr) == y)
		clrtoeol();
	free(safe);
}

static void
view_list_pane_check(int y, const struct store_entry *e,
    enum store_check_id id, const char *label)
{
	const struct store_check	*c = &e->checks[id];
	char				*line, *why;

	move(y, 0);
	ui_put_padded(-1, 0, 10, id == STORE_CHECK_TRUSTED ? "Checks" : "",
	    ui_attr(UI_HEADER));
	if (c->ok) {
		ui_put_padded(-1, 0, 5, "[ok]", ui_attr(UI_GOOD));
		ui_put(-1, 0, COLS - 16, label, A_NORMAL);
	} else {
		why = util_escape(c->why != NULL ? c->why : "failed");
		xasprintf(&line, "%s: %s", label, why);
		ui_put_padded(-1, 0, 5, "[NO]", ui_attr(UI_CRIT));
		ui_put(-1, 0, COLS - 16, line, A_NORMAL);
		free(line);
		free(why);
	}
	if (getcury(stdscr) == y)
		clrtoeol();
}

static void
view_list_draw_pane(struct ui *ui, int y)
{
	const struct store_entry	*e = view_list_selected(ui);
	struct util_buf			 b = { 0 };
	char				*title, *text, from[16], to[16];
	size_t				 i;
	int				 x;

	move(y, 0);
	for (x = 0; x < COLS; x++)
		addch(ACS_HLINE);
	if (e == NULL) {
		for (i = 1; i < PANE_ROWS; i++)
			ui_clear_line(y + (int)i);
		return;
	}
	text = util_escape(e->path != NULL ? e->path : e->name);
	xasprintf(&title, " %s ", text);
	free(text);
	ui_put(y, 2, COLS - 4, title, A_BOLD);
	free(title);

	view_list_pane_line(y + 1, "Subject", e->subject, A_NORMAL);
	if (e->kind == STORE_KIND_REQUEST)
		view_list_pane_line(y + 2, "Issuer", "(a request: the "
		    "authority that signs it)", A_NORMAL);
	else if (e->self_signed) {
		xasprintf(&text, "self-signed (%s)", e->issuer != NULL ?
		    e->issuer : "");
		view_list_pane_line(y + 2, "Issuer", text, A_NORMAL);
		free(text);
	} else
		view_list_pane_line(y + 2, "Issuer", e->issuer, A_NORMAL);
	if (e->kind == STORE_KIND_REQUEST)
		view_list_pane_line(y + 3, "Valid", "(set by the authority)",
		    A_NORMAL);
	else {
		view_list_date(e->not_before, from, sizeof from);
		view_list_date(e->not_after, to, sizeof to);
		if (e->days_left < 0)
			xasprintf(&text, "%s to %s, EXPIRED %ld days ago", from,
			    to, -e->days_left);
		else
			xasprintf(&text, "%s to %s, %ld days left", from, to,
			    e->days_left);
		view_list_pane_line(y + 3, "Valid", text, A_NORMAL);
		free(text);
	}
	for (i = 0; i < e->alt_names.n; i++) {
		if (i > 0)
			util_buf_add(&b, ", ", 2);
		util_buf_add(&b, e->alt_names.v[i], strlen(e->alt_names.v[i]));
	}
	text = util_buf_take_string(&b);
	view_list_pane_line(y + 4, "Names", *text != '\0' ? text : "(none)",
	    A_NORMAL);
	free(text);
	if (e->kind == STORE_KIND_REQUEST) {
		view_list_pane_line(y + 5, "Key", e->has_key ? "kept beside "
		    "the request" : "missing", A_NORMAL);
		ui_clear_line(y + 6);
		ui_clear_line(y + 7);
		return;
	}
	view_list_pane_check(y + 5, e, STORE_CHECK_TRUSTED, "trusted");
	view_list_pane_check(y + 6, e, STORE_CHECK_DATE_VALID, "date valid");
	view_list_pane_check(y + 7, e, STORE_CHECK_NAME_MATCHES,
	    "name matches");
}

static void
view_list_draw_status(struct ui *ui)
{
	char	*root, *host, *line;
	int	 attr = ui_attr(UI_TITLE);

	move(0, 0);
	ui_put(-1, 0, 20, " certdesk ", attr);
	ui_put(-1, 0, 40, ui->area == STORE_AREA_SERVER ?
	    "Server certificates (sslcert/)" :
	    "Intermediate certificates (sslca/)", attr);
	ui_put(-1, 0, 20, "  Tab switches", attr);
	xasprintf(&line, "engine: %s ", view_engine_state(ui));
	ui_put_padded(-1, 0, COLS - getcurx(stdscr) -
	    util_display_width(line), "", attr);
	ui_put(-1, 0, COLS - getcurx(stdscr), line, attr);
	free(line);

	root = util_escape(store_root(ui->store));
	host = util_escape(store_hostname(ui->store));
	xasprintf(&line, " Root: %s   Hostname: %s", root, host);
	move(1, 0);
	ui_put(-1, 0, COLS, line, A_NORMAL);
	free(line);
	if (ui->filter != NULL) {
		char	*f = util_escape(ui->filter);

		xasprintf(&line, "   Filter: %s%s", f, vl.filtering ? "_" :
		    "");
		ui_put(-1, 0, COLS - getcurx(stdscr), line, A_BOLD);
		free(line);
		free(f);
	}
	if (getcury(stdscr) == 1)
		clrtoeol();
	free(root);
	free(host);
}

/* The message line: two rows, so the store's notes are read whole. */
static void
view_list_draw_message(struct ui *ui)
{
	char	**lines;
	size_t	  n, i;
	int	  y = LINES - 3;

	ui_clear_line(y);
	ui_clear_line(y + 1);
	if (vl.filtering) {
		ui_put(y + 1, 0, COLS, "Filter: type to narrow the list; Enter "
		    "keeps it, Esc clears it", ui_attr(UI_DIM));
		return;
	}
	if (ui->message == NULL)
		return;
	lines = ui_wrap(ui->message, COLS - 1, &n);
	for (i = 0; i < n && i < 2; i++) {
		if (i == 1 && n > 2) {
			char	*cut;

			xasprintf(&cut, "%s ...", lines[i]);
			ui_put(y + (int)i, 0, COLS, cut, ui->message_error ?
			    ui_attr(UI_ERROR) : (int)A_BOLD);
			free(cut);
		} else
			ui_put(y + (int)i, 0, COLS, lines[i],
			    ui->message_error ? ui_attr(UI_ERROR) :
			    (int)A_BOLD);
	}
	ui_free_lines(lines, n);
}

static void	view_list_draw(struct ui *);

static void
view_list_draw_cb(struct ui *ui, void *arg)
{
	view_list_draw(ui);
}

static void
view_list_draw(struct ui *ui)
{
	struct view_list_cols	c;
	int			rows, i, y;
	size_t			idx;

	erase();
	view_list_cols(&c);
	rows = view_list_rows();
	if (ui->selected >= (int)vl.n_shown)
		ui->selected = (int)vl.n_shown - 1;
	if (ui->selected < 0)
		ui->selected = 0;
	if (ui->selected < ui->top)
		ui->top = ui->selected;
	if (ui->selected >= ui->top + rows)
		ui->top = ui->selected - rows + 1;
	if (ui->top < 0)
		ui->top = 0;

	view_list_draw_status(ui);
	view_list_draw_header(&c, 2);
	for (i = 0; i < rows; i++) {
		y = 3 + i;
		idx = (size_t)(ui->top + i);
		if (idx >= vl.n_shown)
			break;
		view_list_draw_row(ui, &c, y, &vl.list->v[vl.shown[idx]],
		    (int)idx == ui->selected);
	}
	if (vl.n_shown == 0) {
		if (vl.load_error != NULL)
			ui_put(3, 2, COLS - 4, vl.load_error, ui_attr(UI_CRIT));
		else if (ui->filter != NULL && *ui->filter != '\0')
			ui_put(3, 2, COLS - 4, "Nothing matches the filter "
			    "(Esc clears it).", A_NORMAL);
		else
			ui_put(3, 2, COLS - 4, ui->area == STORE_AREA_SERVER ?
			    "No certificates: F2 creates one, F5 imports one." :
			    "No intermediate certificates: F5 imports one.",
			    A_NORMAL);
	}
	view_list_draw_pane(ui, 3 + rows);
	view_list_draw_message(ui);
	ui_keybar_draw(LINES - 1);
}

/* Typing a filter: each key narrows the list at once. */
static void
view_list_filter_key(struct ui *ui, int k)
{
	size_t	len;

	if (k == UI_KEY_ESC) {
		free(ui->filter);
		ui->filter = NULL;
		vl.filtering = false;
	} else if (ui_key_is_enter(k)) {
		vl.filtering = false;
		if (ui->filter != NULL && *ui->filter == '\0') {
			free(ui->filter);
			ui->filter = NULL;
		}
	} else if (k == KEY_BACKSPACE) {
		len = strlen(ui->filter);
		while (len > 0 && (((unsigned char)ui->filter[len - 1]) &
		    0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		ui->filter[len] = '\0';
	} else if (k >= 0x20 && k < 0x100 && k != 0x7f) {
		len = strlen(ui->filter);
		if (len < 200) {
			ui->filter = xreallocarray(ui->filter, len + 2, 1);
			ui->filter[len] = (char)k;
			ui->filter[len + 1] = '\0';
		}
	} else if (k == KEY_UP || k == KEY_DOWN) {
		vl.filtering = false;
		return;
	}
	view_list_apply_filter(ui);
}

void
view_list_remove(struct ui *ui, const struct store_entry *e)
{
	char	*text, *name, *note = NULL, *cause = NULL;
	int	 status;

	name = xstrdup(e->name);
	if (e->active) {
		/*
		 * Ask the store anyway: its refusal carries the reason the
		 * command line gives too.
		 */
		status = store_remove(ui->store, e->area, name, &note, &cause);
		if (status != STORE_OK) {
			ui_dialog_message(ui, "Remove refused", cause != NULL ?
			    cause : "the active pair cannot be removed");
			ui_set_message(ui, true, "%s", cause != NULL ? cause :
			    "the active pair cannot be removed");
			goto out;
		}
	} else {
		xasprintf(&text, "Remove %s (%s)? It is kept recoverable in "
		    "the backup folder.", name, e->kind == STORE_KIND_REQUEST ?
		    "a certificate request and its key" : (e->area ==
		    STORE_AREA_CA ? "an intermediate certificate" :
		    "a certificate and its key"));
		if (!ui_dialog_confirm(ui, "Remove", text, "Remove",
		    "Cancel")) {
			free(text);
			ui_set_message(ui, false, "Nothing removed.");
			goto out;
		}
		free(text);
		status = store_remove(ui->store, e->area, name, &note, &cause);
		if (status != STORE_OK) {
			ui_dialog_message(ui, "Remove failed", cause);
			ui_set_message(ui, true, "%s", cause);
			goto out;
		}
	}
	if (note != NULL)
		ui_set_message(ui, false, "%s", note);
	else
		ui_set_message(ui, false, "Removed %s.", name);
	view_list_reload(ui);
out:
	free(name);
	free(note);
	free(cause);
}

struct view_list_activate {
	struct store	*store;
	const char	*name;
	bool		 force;
	char		*note;
	char		*cause;
	int		 status;
};

static void
view_list_activate_cb(void *arg)
{
	struct view_list_activate	*a = arg;

	a->status = store_activate(a->store, a->name, a->force, &a->note,
	    &a->cause);
}

void
view_list_activate(struct ui *ui, const struct store_entry *e)
{
	struct view_list_activate	 a = { 0 };
	struct store_entry		*p = NULL;
	struct util_buf			 b = { 0 };
	char				*name, *cause = NULL, *text;
	bool				 failed = false, refused = false;
	int				 i;
	static const char *const	 labels[STORE_CHECK_COUNT] = {
		"trusted", "date valid", "name matches", "key matches",
		"chain complete"
	};
	static const enum store_check_id order[STORE_CHECK_COUNT] = {
		STORE_CHECK_KEY_MATCHES, STORE_CHECK_CHAIN_COMPLETE,
		STORE_CHECK_TRUSTED, STORE_CHECK_DATE_VALID,
		STORE_CHECK_NAME_MATCHES
	};

	if (e->area != STORE_AREA_SERVER) {
		ui_set_message(ui, true, "Only a server certificate can be "
		    "active: press Tab for sslcert/ and choose one there.");
		return;
	}
	name = xstrdup(e->name);
	if (store_activate_preview(ui->store, name, &p, &cause) != STORE_OK) {
		ui_dialog_message(ui, "Cannot set as active", cause);
		ui_set_message(ui, true, "%s", cause);
		goto out;
	}
	util_buf_printf(&b, "Set %s as the active certificate (server.crt "
	    "and server.key)?\n\nPre-activation checks:\n", name);
	for (i = 0; i < STORE_CHECK_COUNT; i++) {
		const struct store_check *c = &p->checks[order[i]];

		if (c->ok)
			util_buf_printf(&b, "  [ok] %s\n", labels[order[i]]);
		else {
			util_buf_printf(&b, "  [NO] %s: %s\n",
			    labels[order[i]], c->why != NULL ? c->why :
			    "failed");
			failed = true;
			if (order[i] == STORE_CHECK_KEY_MATCHES)
				refused = true;
		}
	}
	if (refused) {
		util_buf_printf(&b, "\nA certificate whose key does not match "
		    "is never activated.");
		text = util_buf_take_string(&b);
		ui_dialog_message(ui, "Set as active: refused", text);
		free(text);
		ui_set_message(ui, true, "Not activated: the key does not "
		    "match the certificate.");
		goto out;
	}
	if (failed)
		util_buf_printf(&b, "\nSome checks failed. Activate anyway "
		    "(override)?");
	text = util_buf_take_string(&b);
	if (!ui_dialog_confirm(ui, failed ? "Set as active: checks failed" :
	    "Set as active", text, failed ? "Override" : "Activate",
	    "Cancel")) {
		free(text);
		ui_set_message(ui, false, "Nothing changed.");
		goto out;
	}
	free(text);
	a.store = ui->store;
	a.name = name;
	a.force = true;		/* the checks were shown and accepted */
	ui_run_long(ui, "Setting the active certificate", view_list_activate_cb,
	    &a);
	if (a.status != STORE_OK) {
		ui_dialog_message(ui, "Set as active failed", a.cause);
		ui_set_message(ui, true, "%s", a.cause);
		goto out;
	}
	if (a.note != NULL)
		ui_set_message(ui, false, "%s", a.note);
	else
		ui_set_message(ui, false, "%s is now active.", name);
	ui->select_name = xstrdup("server");
	view_list_reload(ui);
	ui_redraw(ui);
	if (ui_dialog_confirm(ui, "Restart the engine?", "A new certificate "
	    "will be used the next time the Engine is started. Restart the "
	    "Engine now?", "Restart now", "Later"))
		view_engine_run(ui, true);
out:
	free(name);
	free(cause);
	free(a.note);
	free(a.cause);
	if (p != NULL)
		store_entry_free(p);
}

static void
view_list_move(struct ui *ui, enum ui_action a)
{
	int	page = view_list_rows();

	switch (a) {
	case UI_ACTION_UP:
		ui->selected--;
		break;
	case UI_ACTION_DOWN:
		ui->selected++;
		break;
	case UI_ACTION_PGUP:
		ui->selected -= page;
		break;
	case UI_ACTION_PGDN:
		ui->selected += page;
		break;
	case UI_ACTION_HOME:
		ui->selected = 0;
		break;
	case UI_ACTION_END:
		ui->selected = (int)vl.n_shown - 1;
		break;
	default:
		break;
	}
	if (ui->selected >= (int)vl.n_shown)
		ui->selected = (int)vl.n_shown - 1;
	if (ui->selected < 0)
		ui->selected = 0;
}

static void
view_list_dispatch(struct ui *ui, enum ui_action a)
{
	const struct store_entry	*e = view_list_selected(ui);
	struct store_entry		 copy;
	char				*name;

	switch (a) {
	case UI_ACTION_HELP:
		view_help_run(ui);
		break;
	case UI_ACTION_NEW:
	case UI_ACTION_REQUEST:
		view_form_run(ui, a == UI_ACTION_REQUEST);
		view_list_reload(ui);
		break;
	case UI_ACTION_DETAILS:
		if (e == NULL)
			break;
		name = xstrdup(e->name);
		view_details_run(ui, ui->area, name);
		free(name);
		break;
	case UI_ACTION_IMPORT:
		view_import_run(ui);
		view_list_reload(ui);
		break;
	case UI_ACTION_EXPORT:
		if (e == NULL)
			break;
		name = xstrdup(e->name);
		view_export_run(ui, ui->area, name);
		free(name);
		break;
	case UI_ACTION_ACTIVATE:
		if (e == NULL)
			break;
		copy = *e;
		view_list_activate(ui, &copy);
		view_list_reload(ui);
		break;
	case UI_ACTION_REMOVE:
		if (e == NULL)
			break;
		copy = *e;
		view_list_remove(ui, &copy);
		view_list_reload(ui);
		break;
	case UI_ACTION_ENGINE:
		view_engine_run(ui, false);
		break;
	case UI_ACTION_QUIT:
		ui->quit = true;
		break;
	case UI_ACTION_AREA:
		ui->area = ui->area == STORE_AREA_SERVER ? STORE_AREA_CA :
		    STORE_AREA_SERVER;
		ui->selected = 0;
		ui->top = 0;
		view_list_reload(ui);
		break;
	case UI_ACTION_FILTER:
		vl.filtering = true;
		if (ui->filter == NULL)
			ui->filter = xstrdup("");
		break;
	case UI_ACTION_REDRAW:
		break;
	default:
		view_list_move(ui, a);
		break;
	}
}

void
view_list_run(struct ui *ui)
{
	enum ui_action	a;
	int		k;

	view_list_reload(ui);
	while (!ui->quit) {
		ui->draw = view_list_draw_cb;
		ui->draw_arg = NULL;
		view_list_draw(ui);
		ui_refresh();
		k = ui_getkey();
		if (k == KEY_RESIZE) {
			/* Resize or Ctrl-L: read the folder again too. */
			view_list_reload(ui);
			continue;
		}
		if (vl.filtering) {
			view_list_filter_key(ui, k);
			if (vl.filtering || (k != KEY_UP && k != KEY_DOWN))
				continue;
		}
		if (k == UI_KEY_ESC && ui->filter != NULL) {
			free(ui->filter);
			ui->filter = NULL;
			view_list_apply_filter(ui);
			continue;
		}
		a = ui_action_for_key(k);
		if (a == UI_ACTION_NONE)
			continue;
		/* A new action replaces the last message. */
		if (a != UI_ACTION_UP && a != UI_ACTION_DOWN &&
		    a != UI_ACTION_PGUP && a != UI_ACTION_PGDN &&
		    a != UI_ACTION_HOME && a != UI_ACTION_END &&
		    a != UI_ACTION_REDRAW)
			ui_clear_message(ui);
		view_list_dispatch(ui, a);
	}
	if (vl.list != NULL)
		store_list_free(vl.list);
	vl.list = NULL;
	free(vl.shown);
	vl.shown = NULL;
	free(vl.load_error);
	vl.load_error = NULL;
}
