/*
 * view-form: the Generate Certificate form, for New certificate and New
 * certificate request.  The fields come from forms/generate.form (labels,
 * help lines, required, limits, validators), so a site can reword or
 * translate the form without recompiling; each field becomes a CDK entry
 * (or an item list for a choice).  On submit every value is checked with
 * form_check_value, the same check the command line makes, and the reason
 * is shown under the field; nothing is written until all are valid.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/forms.h"
#include "certdesk/util.h"

#define FORM_TOP	4	/* the first field's row */

struct form_slot {
	const struct form_field	*f;
	char			*value;
	int			 choice;	/* FORM_FIELD_CHOICE */
	char			*error;		/* or NULL */
	CDKOBJS			*w;
	int			 y;
};

struct form_view {
	struct ui		*ui;
	struct form		*form;
	bool			 request;
	struct form_slot	*s;
	size_t			 n;
	size_t			 focus;		/* n+: buttons */
	int			 label_width;
	int			 buttons_y;
	char			*status;	/* a line above the help */
};

static bool
form_slot_shown(const struct form_field *f, bool request)
{
	if (f->only == NULL)
		return true;
	return strcmp(f->only, request ? "request" : "certificate") == 0;
}

/* Copy what the widgets hold into the slots. */
static void
form_save(struct form_view *v)
{
	struct form_slot	*s;
	size_t			 i;

	for (i = 0; i < v->n; i++) {
		s = &v->s[i];
		if (s->w == NULL)
			continue;
		if (s->f->type == FORM_FIELD_CHOICE)
			s->choice = getCDKItemlistCurrentItem(
			    (CDKITEMLIST *)s->w);
		else {
			free(s->value);
			s->value = xstrdup(getCDKEntryValue((CDKENTRY *)s->w));
		}
	}
}

static void
form_destroy_widgets(struct form_view *v)
{
	size_t	i;

	form_save(v);
	for (i = 0; i < v->n; i++) {
		if (v->s[i].w == NULL)
			continue;
		if (v->s[i].f->type == FORM_FIELD_CHOICE)
			destroyCDKItemlist((CDKITEMLIST *)v->s[i].w);
		else
			destroyCDKEntry((CDKENTRY *)v->s[i].w);
		v->s[i].w = NULL;
	}
}

static void
form_layout(struct form_view *v)
{
	size_t	i;
	int	y = FORM_TOP, room;

	/* Reasons go under their field, while there is room. */
	room = LINES - 4 - FORM_TOP - (int)v->n - 1;
	for (i = 0; i < v->n; i++) {
		v->s[i].y = y++;
		if (v->s[i].error != NULL && room > 0) {
			y++;
			room--;
		}
	}
	v->buttons_y = y + 1 < LINES - 3 ? y + 1 : LINES - 3;
}

static int
form_field_x(struct form_view *v)
{
	return 2 + v->label_width + 2;
}

static int
form_field_width(struct form_view *v)
{
	int	w = COLS - form_field_x(v) - 2;

	return w > 48 ? 48 : w;
}

/* Make the widgets at the current layout.  Returns false when too small. */
static bool
form_build(struct form_view *v)
{
	struct form_slot	*s;
	char			**items;
	size_t			 i, j;
	int			 x = form_field_x(v), width, max;

	form_layout(v);
	width = form_field_width(v);
	for (i = 0; i < v->n; i++) {
		s = &v->s[i];
		if (s->f->type == FORM_FIELD_CHOICE) {
			items = xcalloc(s->f->n_choices + 1, sizeof *items);
			for (j = 0; j < s->f->n_choices; j++)
				items[j] = ui_cdk_escape(s->f->choices[j]);
			s->w = (CDKOBJS *)newCDKItemlist(v->ui->cdk, x, s->y,
			    NULL, NULL, (CDK_CSTRING2)items,
			    (int)s->f->n_choices, s->choice, FALSE, FALSE);
			for (j = 0; j < s->f->n_choices; j++)
				free(items[j]);
			free(items);
		} else {
			/* Characters may take 4 bytes; the check counts. */
			max = s->f->max_length > 0 ? (int)s->f->max_length * 4 :
			    1024;
			s->w = (CDKOBJS *)newCDKEntry(v->ui->cdk, x, s->y, NULL,
			    NULL, A_UNDERLINE, '_', s->f->type ==
			    FORM_FIELD_NUMBER ? vINT : vMIXED, width, 0, max,
			    FALSE, FALSE);
			if (s->w != NULL)
				setCDKEntryValue((CDKENTRY *)s->w, s->value);
		}
		if (s->w == NULL) {
			form_destroy_widgets(v);
			return false;
		}
	}
	return true;
}

static void
form_draw_cb(struct ui *ui, void *arg)
{
	struct form_view	*v = arg;
	struct form_slot	*s;
	const char		*help = NULL;
	char			*line, *t;
	size_t			 i;
	int			 attr, next_y;

	ui_clear_line(LINES - 3);
	ui_clear_line(LINES - 2);
	t = util_escape(v->form->title != NULL ? v->form->title :
	    "Generate Certificate");
	xasprintf(&line, " %s: %s", t, v->request ?
	    "New certificate request" : "New certificate");
	free(t);
	ui_put_padded(0, 0, COLS, line, ui_attr(UI_TITLE));
	free(line);
	t = util_escape(v->form->help != NULL ? v->form->help : "");
	xasprintf(&line, " %s.", t);
	free(t);
	ui_put(1, 0, COLS, line, A_NORMAL);
	free(line);
	ui_put(2, 0, COLS, " Fields marked * are required.", ui_attr(UI_DIM));

	for (i = 0; i < v->n; i++) {
		s = &v->s[i];
		t = util_escape(s->f->label);
		xasprintf(&line, "%s%s", t, s->f->required ? " *" : "");
		free(t);
		attr = i == v->focus ? ui_attr(UI_SELECTED) : (int)A_BOLD;
		move(s->y, 0);
		ui_put_padded(-1, 0, 2, s->error != NULL ? "! " : "",
		    ui_attr(UI_CRIT));
		ui_put_padded(-1, 0, v->label_width + 1, line, attr);
		free(line);
		next_y = i + 1 < v->n ? v->s[i + 1].y : v->buttons_y;
		if (s->error != NULL && next_y > s->y + 1)
			ui_put(s->y + 1, form_field_x(v), COLS -
			    form_field_x(v) - 1, s->error, ui_attr(UI_CRIT));
		if (i == v->focus)
			help = s->f->help;
	}
	move(v->buttons_y, form_field_x(v));
	ui_put(-1, 0, 8, "[  OK  ]", v->focus == v->n ?
	    ui_attr(UI_SELECTED) : (int)A_BOLD);
	ui_put(-1, 0, 3, "   ", A_NORMAL);
	ui_put(-1, 0, 10, "[ Cancel ]", v->focus == v->n + 1 ?
	    ui_attr(UI_SELECTED) : (int)A_BOLD);

	if (v->status != NULL)
		ui_put(LINES - 3, 0, COLS, v->status, ui_attr(UI_ERROR));
	if (v->focus < v->n && v->s[v->focus].error != NULL)
		ui_put(LINES - 2, 0, COLS, v->s[v->focus].error,
		    ui_attr(UI_CRIT));
	else if (help != NULL) {
		t = util_escape(help);
		if (v->focus < v->n &&
		    v->s[v->focus].f->type == FORM_FIELD_CHOICE)
			xasprintf(&line, "%s (Left, Right or Space "
			    "chooses)", t);
		else
			line = xstrdup(t);
		ui_put(LINES - 2, 0, COLS, line, ui_attr(UI_DIM));
		free(line);
		free(t);
	} else if (v->focus >= v->n)
		ui_put(LINES - 2, 0, COLS, "Enter on OK creates it; Esc "
		    "cancels and nothing is written.", ui_attr(UI_DIM));
	move(LINES - 1, 0);
	ui_put(-1, 0, 2, "F2", ui_attr(UI_KEY));
	ui_put(-1, 0, 10, " Submit ", ui_attr(UI_KEYLABEL));
	ui_put(-1, 0, 3, " ", A_NORMAL);
	ui_put(-1, 0, 3, "Esc", ui_attr(UI_KEY));
	ui_put(-1, 0, 10, " Cancel ", ui_attr(UI_KEYLABEL));
	ui_put(-1, 0, 3, " ", A_NORMAL);
	ui_put(-1, 0, 8, "Tab Down", ui_attr(UI_KEY));
	ui_put(-1, 0, 12, " Next field ", ui_attr(UI_KEYLABEL));
	ui_put(-1, 0, 3, " ", A_NORMAL);
	ui_put(-1, 0, 9, "BTab Up", ui_attr(UI_KEY));
	ui_put(-1, 0, 12, " Previous ", ui_attr(UI_KEYLABEL));
	ui_put(-1, 0, 3, " ", A_NORMAL);
	ui_put(-1, 0, 2, "F1", ui_attr(UI_KEY));
	ui_put(-1, 0, 8, " Help ", ui_attr(UI_KEYLABEL));
}

/*
 * Draw the form: stdscr first, then the widgets over it.  full repaints
 * all; otherwise only what the focus changes (labels, help) is redrawn,
 * so the widgets are not blanked out and drawn again on each key.
 */
static void
form_draw(struct form_view *v, bool full)
{
	size_t	i;

	if (full)
		erase();
	form_draw_cb(v->ui, v);
	ui_refresh();
	for (i = 0; i < v->n; i++) {
		if (v->s[i].w != NULL && i != v->focus && full)
			v->s[i].w->fn->drawObj(v->s[i].w, FALSE);
	}
	/* The focused one last, so the cursor ends up in it. */
	if (v->focus < v->n && v->s[v->focus].w != NULL) {
		curs_set(1);
		v->s[v->focus].w->fn->drawObj(v->s[v->focus].w, FALSE);
	} else
		curs_set(0);
}

static const char *
form_value(struct form_view *v, const char *id)
{
	size_t	i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->s[i].f->id, id) != 0)
			continue;
		if (v->s[i].f->type == FORM_FIELD_CHOICE)
			return v->s[i].f->n_choices > 0 ? v->s[i].f->choices[
			    v->s[i].choice] : NULL;
		if (v->s[i].value == NULL || *v->s[i].value == '\0')
			return NULL;
		return v->s[i].value;
	}
	return NULL;
}

/* Check every field; returns the first bad one, or v->n. */
static size_t
form_check(struct form_view *v)
{
	struct form_slot	*s;
	char			*cause, *c;
	size_t			 i, first = v->n;

	for (i = 0; i < v->n; i++) {
		s = &v->s[i];
		free(s->error);
		s->error = NULL;
		if (s->f->type == FORM_FIELD_CHOICE)
			continue;
		/* Country codes are upper case, as on the command line. */
		if (strcmp(s->f->id, "country") == 0 && s->value != NULL) {
			for (c = s->value; *c != '\0'; c++)
				*c = (char)toupper((unsigned char)*c);
		}
		cause = NULL;
		if (form_check_value(s->f, s->value, &cause) != STORE_OK) {
			s->error = util_escape(cause != NULL ? cause :
			    "invalid");
			if (first == v->n)
				first = i;
		}
		free(cause);
	}
	for (i = 0; i < v->n; i++) {
		s = &v->s[i];
		if (s->f->type != FORM_FIELD_CHOICE || s->f->n_choices == 0)
			continue;
		cause = NULL;
		if (form_check_value(s->f, s->f->choices[s->choice],
		    &cause) != STORE_OK) {
			s->error = util_escape(cause != NULL ? cause :
			    "invalid");
			if (first == v->n)
				first = i;
		}
		free(cause);
	}
	return first;
}

/* Split the additional names at commas and blanks. */
static char **
form_split_names(const char *value, size_t *n)
{
	char	**v = NULL, *copy, *p, *tok;

	*n = 0;
	if (value == NULL)
		return NULL;
	copy = xstrdup(value);
	for (p = copy; (tok = strsep(&p, ", \t")) != NULL;) {
		if (*tok == '\0')
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = xstrdup(tok);
	}
	free(copy);
	return v;
}

struct form_job {
	struct store		*store;
	struct store_new_params	*p;
	bool			 request;
	char			*name;
	char			*note;
	char			*cause;
	int			 status;
};

static void
form_job_cb(void *arg)
{
	struct form_job	*j = arg;

	if (j->request)
		j->status = store_new_request(j->store, j->p, &j->name,
		    &j->note, &j->cause);
	else
		j->status = store_new_certificate(j->store, j->p, &j->name,
		    &j->note, &j->cause);
}

/* Everything is valid: generate.  Returns true when it was created. */
static bool
form_create(struct form_view *v)
{
	struct store_new_params	 p = { 0 };
	struct form_job		 j = { 0 };
	char			**alts, *what;
	size_t			 n_alts, i;
	const char		*days;

	p.hostname = form_value(v, "hostname");
	p.country = form_value(v, "country");
	p.org = form_value(v, "org");
	p.unit = form_value(v, "unit");
	p.city = form_value(v, "city");
	p.state = form_value(v, "state");
	alts = form_split_names(form_value(v, "alt"), &n_alts);
	p.alt_names = (const char *const *)alts;
	p.n_alt_names = n_alts;
	p.key_type = form_value(v, "key_type");
	days = form_value(v, "days");
	p.days = days != NULL && !v->request ? atoi(days) : 0;
	p.name = form_value(v, "name");

	j.store = v->ui->store;
	j.p = &p;
	j.request = v->request;
	xasprintf(&what, "Generating a %s key and %s (RSA 4096 takes a "
	    "while)", p.key_type != NULL ? p.key_type : "new", v->request ?
	    "the request" : "the certificate");
	ui_run_long(v->ui, what, form_job_cb, &j);
	free(what);
	for (i = 0; i < n_alts; i++)
		free(alts[i]);
	free(alts);

	if (j.status != STORE_OK) {
		free(v->status);
		v->status = util_escape(j.cause != NULL ? j.cause :
		    "the store refused it");
		ui_dialog_message(v->ui, v->request ? "New certificate request "
		    "failed" : "New certificate failed", j.cause);
		free(j.cause);
		free(j.note);
		free(j.name);
		return false;
	}
	/* The store's own words, as the command line prints them. */
	if (j.note != NULL)
		ui_set_message(v->ui, false, "%s", j.note);
	else
		ui_set_message(v->ui, false, "Created %s%s", j.name,
		    v->request ? ".csr" : ".crt");
	free(v->ui->select_name);
	v->ui->select_name = j.name;
	free(j.note);
	return true;
}

/* Submit: check, show the reasons, or create. */
static bool
form_submit(struct form_view *v)
{
	size_t	bad;

	form_save(v);
	bad = form_check(v);
	free(v->status);
	v->status = NULL;
	if (bad < v->n) {
		v->focus = bad;
		xasprintf(&v->status, "Not created: correct the fields marked "
		    "with ! (nothing was written).");
		return false;
	}
	return form_create(v);
}

void
view_form_run(struct ui *ui, bool request)
{
	struct form_view	 v;
	const struct form_field	*f;
	struct form_slot	*s;
	char			*cause = NULL;
	size_t			 i, j;
	int			 k, w, r;
	bool			 rebuild = true, done = false, full = true;
	size_t			 focus = 0;
	void			(*old_draw)(struct ui *, void *) = ui->draw;
	void			*old_arg = ui->draw_arg;

	memset(&v, 0, sizeof v);
	v.ui = ui;
	v.request = request;
	if (form_load(forms_dir(), "generate", &v.form, &cause) != STORE_OK) {
		ui_dialog_message(ui, "Generate Certificate", cause);
		ui_set_message(ui, true, "%s", cause);
		free(cause);
		return;
	}
	v.s = xcalloc(v.form->n_fields, sizeof *v.s);
	for (i = 0; i < v.form->n_fields; i++) {
		f = &v.form->fields[i];
		if (!form_slot_shown(f, request))
			continue;
		s = &v.s[v.n++];
		s->f = f;
		s->value = xstrdup(f->default_value != NULL ?
		    f->default_value : "");
		for (j = 0; j < f->n_choices; j++) {
			if (f->default_value != NULL &&
			    strcmp(f->choices[j], f->default_value) == 0)
				s->choice = (int)j;
		}
		w = util_display_width(f->label) + (f->required ? 2 : 0);
		if (w > v.label_width)
			v.label_width = w;
	}
	if (v.label_width > 30)
		v.label_width = 30;
	/* The first-run hostname is the likely one for a new certificate. */
	for (i = 0; i < v.n; i++) {
		if (strcmp(v.s[i].f->id, "hostname") == 0 &&
		    *v.s[i].value == '\0') {
			free(v.s[i].value);
			v.s[i].value = xstrdup(store_hostname(ui->store));
		}
	}
	ui->draw = form_draw_cb;
	ui->draw_arg = &v;

	while (!done) {
		if (rebuild) {
			form_destroy_widgets(&v);
			erase();
			if (!form_build(&v)) {
				/* The resize handler says it is too small. */
				if (ui_getkey() == KEY_RESIZE)
					continue;
				break;
			}
			rebuild = false;
			full = true;
		}
		if (full || focus != v.focus)
			form_draw(&v, full);
		full = false;
		focus = v.focus;
		k = ui_getkey();
		switch (k) {
		case KEY_RESIZE:
			rebuild = true;
			continue;
		case UI_KEY_ESC:
			done = true;
			ui_set_message(ui, false, "Cancelled: nothing was "
			    "created.");
			continue;
		case '\t':
		case KEY_DOWN:
			v.focus = (v.focus + 1) % (v.n + 2);
			continue;
		case KEY_BTAB:
		case KEY_UP:
			v.focus = (v.focus + v.n + 1) % (v.n + 2);
			continue;
		case KEY_F(2):
			if (form_submit(&v))
				done = true;
			rebuild = true;
			continue;
		case KEY_F(1):
			/* Help over the form; the widgets are built again. */
			form_save(&v);
			view_help_run(ui);
			ui->draw = form_draw_cb;
			ui->draw_arg = &v;
			rebuild = true;
			continue;
		}
		if (v.focus >= v.n) {
			/* The buttons. */
			if (k == KEY_LEFT || k == KEY_RIGHT)
				v.focus = v.focus == v.n ? v.n + 1 : v.n;
			else if (ui_key_is_enter(k) || k == ' ') {
				if (v.focus == v.n + 1) {
					done = true;
					ui_set_message(ui, false, "Cancelled: "
					    "nothing was created.");
				} else {
					if (form_submit(&v))
						done = true;
					rebuild = true;
				}
			}
			continue;
		}
		if (ui_key_is_enter(k)) {
			v.focus++;
			continue;
		}
		r = ui_widget_feed(v.s[v.focus].w, k);
		if (r == UI_RUN_CANCEL) {
			done = true;
			ui_set_message(ui, false, "Cancelled: nothing was "
			    "created.");
		} else if (r == UI_RUN_DONE)
			v.focus++;
		else if (v.s[v.focus].error != NULL) {
			/* Editing a refused field: its reason stays shown. */
		}
	}
	form_destroy_widgets(&v);
	curs_set(0);
	for (i = 0; i < v.n; i++) {
		free(v.s[i].value);
		free(v.s[i].error);
	}
	free(v.s);
	free(v.status);
	form_free(v.form);
	ui->draw = old_draw;
	ui->draw_arg = old_arg;
}
