/*
 * ui-dialog: the popups every view uses (a message, a question, a line of
 * input, a choice) and the spinner shown while long store work runs in a
 * worker thread.  Each popup is a CDK widget run through ui_widget_run and
 * rebuilt when the terminal is resized.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/util.h"

void
ui_clear_message(struct ui *ui)
{
	free(ui->message);
	ui->message = NULL;
	ui->message_error = false;
}

void
ui_set_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	ui_clear_message(ui);
	ui->message_error = error;
	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	ui->message = util_escape(text);
	free(text);
}

/* A centred bold title for CDK, escaped. */
char *
ui_cdk_title(const char *title)
{
	char	*t, *out;

	t = ui_cdk_escape(title);
	xasprintf(&out, "<C></B>%s<!B>", t);
	free(t);
	return out;
}

void
ui_redraw(struct ui *ui)
{
	erase();
	if (ui->draw != NULL)
		ui->draw(ui, ui->draw_arg);
	ui_refresh();
}

/* Split text into lines of at most width columns, at blanks if possible. */
char **
ui_wrap(const char *text, int width, size_t *n)
{
	char		**lines = NULL;
	const char	 *p, *start, *brk;
	char		 *chunk, *line;
	size_t		  count = 0, len;

	if (width < 10)
		width = 10;
	for (p = text;;) {
		start = p;
		while (*p != '\0' && *p != '\n')
			p++;
		chunk = xstrndup(start, (size_t)(p - start));
		/* Cut the chunk into pieces that fit. */
		line = chunk;
		for (;;) {
			if (util_display_width(line) <= width) {
				lines = xreallocarray(lines, count + 1,
				    sizeof *lines);
				lines[count++] = xstrdup(line);
				break;
			}
			/* The longest prefix that fits, back to a blank. */
			len = strlen(line);
			while (len > 0) {
				char	save = line[len];

				line[len] = '\0';
				if (util_display_width(line) <= width) {
					line[len] = save;
					break;
				}
				line[len] = save;
				len--;
			}
			brk = NULL;
			for (start = line + len; start > line; start--) {
				if (*start == ' ') {
					brk = start;
					break;
				}
			}
			if (brk != NULL && brk > line)
				len = (size_t)(brk - line);
			while (len > 0 && (((unsigned char)line[len]) & 0xc0) ==
			    0x80)
				len--;
			if (len == 0)
				len = 1;
			lines = xreallocarray(lines, count + 1, sizeof *lines);
			lines[count++] = xstrndup(line, len);
			line += len;
			while (*line == ' ')
				line++;
			if (*line == '\0')
				break;
		}
		free(chunk);
		if (*p == '\0')
			break;
		p++;
	}
	*n = count;
	return lines;
}

void
ui_free_lines(char **lines, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Text as CDK dialog rows: wrapped, escaped. */
static char **
ui_dialog_rows(const char *title, const char *text, size_t *n)
{
	char	**wrapped, **rows;
	size_t	  nw, i, count = 0;

	wrapped = ui_wrap(text, COLS - 10, &nw);
	rows = xcalloc(nw + 2, sizeof *rows);
	if (title != NULL)
		rows[count++] = ui_cdk_title(title);
	for (i = 0; i < nw; i++)
		rows[count++] = ui_cdk_escape(wrapped[i]);
	ui_free_lines(wrapped, nw);
	*n = count;
	return rows;
}

/* Run a dialog of text with buttons; returns the button or -1 for Esc. */
int
ui_dialog_buttons(struct ui *ui, const char *title, const char *text,
    const char *const *buttons, int n_buttons, const int *letters)
{
	CDKDIALOG	*d;
	char		**rows, **labels;
	size_t		  n_rows;
	int		  i, key, choice;
	enum ui_run_result r;

	labels = xcalloc((size_t)n_buttons, sizeof *labels);
	for (i = 0; i < n_buttons; i++)
		labels[i] = ui_cdk_escape(buttons[i]);
	for (;;) {
		rows = ui_dialog_rows(title, text, &n_rows);
		if ((size_t)LINES - 4 < n_rows)
			n_rows = (size_t)LINES - 4;
		d = newCDKDialog(ui->cdk, CENTER, CENTER,
		    (CDK_CSTRING2)rows, (int)n_rows, (CDK_CSTRING2)labels,
		    n_buttons, A_REVERSE, TRUE, TRUE, FALSE);
		ui_free_lines(rows, n_rows);
		if (d == NULL) {
			/* Too small for it: the resize handler says so. */
			key = ui_getkey();
			if (key == KEY_RESIZE) {
				ui_redraw(ui);
				continue;
			}
			choice = -1;
			break;
		}
		drawCDKDialog(d, TRUE);
		r = ui_widget_run(ObjOf(d), letters, &key);
		choice = d->currentButton;
		destroyCDKDialog(d);
		ui_redraw(ui);
		if (r == UI_RUN_RESIZE)
			continue;
		if (r == UI_RUN_CANCEL)
			choice = -1;
		else if (r == UI_RUN_KEY) {
			for (i = 0; letters[i] != 0; i++) {
				if (letters[i] == key)
					break;
			}
			choice = i < n_buttons ? i : -1;
		}
		break;
	}
	for (i = 0; i < n_buttons; i++)
		free(labels[i]);
	free(labels);
	return choice;
}

void
ui_dialog_message(struct ui *ui, const char *title, const char *text)
{
	static const char *const ok[] = { "OK" };
	static const int	 keys[] = { 0 };

	ui_dialog_buttons(ui, title, text, ok, 1, keys);
}

bool
ui_dialog_confirm(struct ui *ui, const char *title, const char *text,
    const char *yes, const char *no)
{
	const char	*buttons[2] = { yes, no };
	int		 keys[3] = { 0, 0, 0 };

	/* The buttons' first letters answer too, when they differ. */
	if (yes[0] != no[0]) {
		keys[0] = yes[0] | 0x20;
		keys[1] = no[0] | 0x20;
	}
	return ui_dialog_buttons(ui, title, text, buttons, 2, keys) == 0;
}

char *
ui_dialog_prompt(struct ui *ui, const char *title, const char *label,
    const char *initial, bool masked)
{
	CDKENTRY	*e;
	char		*t, *l, *value = NULL, *keep;
	int		 width;
	enum ui_run_result r;

	keep = xstrdup(initial != NULL ? initial : "");
	for (;;) {
		t = ui_cdk_title(title);
		l = ui_cdk_escape(label);
		width = COLS - 8 - util_display_width(label);
		if (width > 60)
			width = 60;
		e = newCDKEntry(ui->cdk, CENTER, CENTER, t, l, A_UNDERLINE,
		    masked ? ' ' : '_', masked ? vHMIXED : vMIXED, width, 0,
		    4096, TRUE, FALSE);
		free(t);
		free(l);
		if (e == NULL) {
			if (ui_getkey() == KEY_RESIZE) {
				ui_redraw(ui);
				continue;
			}
			break;
		}
		if (masked)
			setCDKEntryHiddenChar(e, '*');
		setCDKEntryValue(e, keep);
		curs_set(1);
		drawCDKEntry(e, TRUE);
		r = ui_widget_run(ObjOf(e), NULL, NULL);
		curs_set(0);
		if (masked)
			util_free_secret(keep, strlen(keep));
		else
			free(keep);
		keep = xstrdup(getCDKEntryValue(e));
		/* CDK frees its copy without wiping it. */
		if (masked && e->info != NULL)
			explicit_bzero(e->info, strlen(e->info));
		destroyCDKEntry(e);
		ui_redraw(ui);
		if (r == UI_RUN_RESIZE)
			continue;
		if (r == UI_RUN_DONE)
			value = xstrdup(keep);
		break;
	}
	if (masked)
		util_free_secret(keep, strlen(keep));
	else
		free(keep);
	return value;
}

int
ui_dialog_choose(struct ui *ui, const char *title,
    const char *const *items, size_t n, int initial)
{
	CDKSCROLL	*s;
	char		**rows, *t;
	size_t		  i;
	int		  choice = -1, width = 0, w, height;
	int		  current = initial;
	enum ui_run_result r;

	rows = xcalloc(n, sizeof *rows);
	for (i = 0; i < n; i++) {
		rows[i] = ui_cdk_escape(items[i]);
		w = util_display_width(items[i]);
		if (w > width)
			width = w;
	}
	w = util_display_width(title);
	if (w > width)
		width = w;
	for (;;) {
		t = ui_cdk_title(title);
		height = (int)n + 4;
		if (height > LINES - 4)
			height = LINES - 4;
		s = newCDKScroll(ui->cdk, CENTER, CENTER, RIGHT, height,
		    width + 6 > COLS - 4 ? COLS - 4 : width + 6, t,
		    (CDK_CSTRING2)rows, (int)n, FALSE, A_REVERSE, TRUE, FALSE);
		free(t);
		if (s == NULL) {
			if (ui_getkey() == KEY_RESIZE) {
				ui_redraw(ui);
				continue;
			}
			break;
		}
		if (current > 0 && (size_t)current < n)
			setCDKScrollCurrent(s, current);
		drawCDKScroll(s, TRUE);
		r = ui_widget_run(ObjOf(s), NULL, NULL);
		current = getCDKScrollCurrentItem(s);
		destroyCDKScroll(s);
		ui_redraw(ui);
		if (r == UI_RUN_RESIZE)
			continue;
		if (r == UI_RUN_DONE)
			choice = current;
		break;
	}
	for (i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	return choice;
}

/*
 * Long work: the worker runs the store call, the UI thread spins.  The
 * worker may report progress (ui_long_progress); the UI thread shows it.
 */
static pthread_mutex_t	 ui_progress_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*ui_progress;

void
ui_long_progress(const char *msg)
{
	pthread_mutex_lock(&ui_progress_lock);
	free(ui_progress);
	ui_progress = msg != NULL ? util_escape(msg) : NULL;
	pthread_mutex_unlock(&ui_progress_lock);
}

struct ui_long {
	void		(*fn)(void *);
	void		*arg;
	pthread_mutex_t	 lock;
	bool		 done;
};

static void *
ui_long_cb(void *arg)
{
	struct ui_long	*l = arg;

	l->fn(l->arg);
	pthread_mutex_lock(&l->lock);
	l->done = true;
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static bool
ui_long_done(struct ui_long *l)
{
	bool	done;

	pthread_mutex_lock(&l->lock);
	done = l->done;
	pthread_mutex_unlock(&l->lock);
	return done;
}

void
ui_run_long(struct ui *ui, const char *what, void (*fn)(void *), void *arg)
{
	static const char	 spin[] = "|/-\\";
	struct ui_long		 l = { .fn = fn, .arg = arg };
	pthread_t		 t;
	char			*line;
	int			 i = 0, k, secs = 0;

	pthread_mutex_init(&l.lock, NULL);
	if (pthread_create(&t, NULL, ui_long_cb, &l) != 0) {
		/* No thread: do the work here, the screen just waits. */
		fn(arg);
		pthread_mutex_destroy(&l.lock);
		return;
	}
	while (!ui_long_done(&l)) {
		pthread_mutex_lock(&ui_progress_lock);
		xasprintf(&line, "%c %s (%d s)%s%s", spin[i % 4], what,
		    secs / 10, ui_progress != NULL ? ": " : "",
		    ui_progress != NULL ? ui_progress : "");
		pthread_mutex_unlock(&ui_progress_lock);
		ui_put_padded(LINES - 2, 0, COLS, line, ui_attr(UI_WARN));
		free(line);
		ui_refresh();
		/*
		 * Keys wait until the work is done, except a resize, which
		 * redraws now.  A signal is noticed once the work is done, so
		 * no file is left half-written.
		 */
		wtimeout(stdscr, 100);
		k = wgetch(stdscr);
		if (k == KEY_RESIZE && !ui_screen_too_small())
			ui_redraw(ui);
		i++;
		secs++;
	}
	pthread_join(t, NULL);
	pthread_mutex_destroy(&l.lock);
	ui_long_progress(NULL);
	flushinp();
}
