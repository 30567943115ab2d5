/*
 * ui-input: the one input seam.  Every key the console reads comes through
 * ui_getkey, and every CDK widget is run by ui_widget_run, which feeds it
 * keys one at a time: no CDK widget ever reads the keyboard by itself.
 * This is where resizing, Ctrl-L, signals and scripted keys are handled.
 *
 * Scripted keys (for tests, tig's way): $CERTDESK_UI_SCRIPT names a file
 * with one key or text per line, read only when the console waits for a
 * key, so each key arrives after the previous action has finished.  A
 * line is either a key name in angle brackets (<Enter>, <Esc>, <Tab>,
 * <BTab>, <Up>, <Down>, <Left>, <Right>, <PgUp>, <PgDn>, <Home>, <End>,
 * <BSpace>, <Delete>, <F1>..<F12>, <Dump>) or text typed as it stands.
 * <Dump> appends the screen as text to $CERTDESK_UI_DUMP.  When the script
 * ends the console reads the terminal again.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui.h"
#include "certdesk/util.h"

#define UI_KEY_DUMP	(KEY_MAX + 2)

static int	*ui_script;
static size_t	 ui_script_n;
static size_t	 ui_script_pos;

static const struct {
	const char	*name;
	int		 key;
} ui_key_names[] = {
	{ "Enter", '\n' }, { "Esc", UI_KEY_ESC }, { "Tab", '\t' },
	{ "BTab", KEY_BTAB }, { "Up", KEY_UP }, { "Down", KEY_DOWN },
	{ "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE },
	{ "PgDn", KEY_NPAGE }, { "Home", KEY_HOME }, { "End", KEY_END },
	{ "BSpace", KEY_BACKSPACE }, { "Delete", KEY_DC },
	{ "Space", ' ' }, { "Dump", UI_KEY_DUMP }
};

static void
ui_script_add(int key)
{
	ui_script = xreallocarray(ui_script, ui_script_n + 1,
	    sizeof *ui_script);
	ui_script[ui_script_n++] = key;
}

static void
ui_script_line(const char *line)
{
	size_t	i, len = strlen(line);
	int	f;

	if (len > 2 && line[0] == '<' && line[len - 1] == '>') {
		for (i = 0; i < sizeof ui_key_names / sizeof ui_key_names[0];
		    i++) {
			if (strlen(ui_key_names[i].name) == len - 2 &&
			    strncmp(line + 1, ui_key_names[i].name,
			    len - 2) == 0) {
				ui_script_add(ui_key_names[i].key);
				return;
			}
		}
		if (line[1] == 'F' && sscanf(line + 2, "%d>", &f) == 1 &&
		    f >= 1 && f <= 12) {
			ui_script_add(KEY_F(f));
			return;
		}
	}
	for (i = 0; i < len; i++)
		ui_script_add((unsigned char)line[i]);
}

void
ui_input_init(void)
{
	const char	*path;
	FILE		*f;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 len;

	path = getenv("CERTDESK_UI_SCRIPT");
	if (path == NULL || *path == '\0' || ui_script != NULL)
		return;
	if ((f = fopen(path, "r")) == NULL)
		return;
	while ((len = getline(&line, &size, f)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len > 0)
			ui_script_line(line);
	}
	free(line);
	fclose(f);
}

/* Append what the terminal shows (curses' copy of it) to a file. */
static void
ui_dump_screen(void)
{
	const char	*path;
	FILE		*f;
	chtype		 ch;
	int		 y, x, end;
	char		 c;

	path = getenv("CERTDESK_UI_DUMP");
	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	for (y = 0; y < LINES; y++) {
		end = COLS;
		while (end > 0 && (mvwinch(curscr, y, end - 1) & A_CHARTEXT) ==
		    ' ')
			end--;
		for (x = 0; x < end; x++) {
			ch = mvwinch(curscr, y, x);
			c = (char)(ch & A_CHARTEXT);
			fputc(c, f);
		}
		fputc('\n', f);
	}
	fputs("--\n", f);
	fclose(f);
}

/* The terminal is below 80x24: say so until it grows (q quits). */
static void
ui_wait_big_enough(void)
{
	int	k;

	while (ui_screen_too_small()) {
		ui_screen_show_too_small();
		wtimeout(stdscr, 250);
		k = wgetch(stdscr);
		if (ui_screen_signal() != 0)
			return;
		if (k == 'q' || k == KEY_F(10)) {
			ui_screen_end();
			fprintf(stderr, "certdesk: quit: the terminal was too "
			    "small (%dx%d)\n", COLS, LINES);
			exit(EXIT_DONE);
		}
	}
	erase();
}

/* A signal asked us to stop: no store call is running here, so stop. */
static void
ui_stop_on_signal(void)
{
	int	sig = ui_screen_signal();

	if (sig == 0)
		return;
	ui_screen_end();
	fprintf(stderr, "certdesk: stopped by signal %d; nothing was left "
	    "half-written\n", sig);
	exit(128 + sig);
}

/* Monotonic milliseconds. */
static long long
ui_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A read that fails at once, again and again, means the terminal is gone
 * (a dropped session without SIGHUP): stop as SIGHUP would, instead of
 * spinning.
 */
static void
ui_check_terminal_gone(int k, long long started, int ms)
{
	static int	quick_errors;

	if (k != ERR || ui_now_ms() - started >= (ms < 0 ? 250 : ms) / 2) {
		quick_errors = 0;
		return;
	}
	if (++quick_errors < 100)
		return;
	ui_screen_end();
	fprintf(stderr, "certdesk: the terminal is gone; stopped, nothing "
	    "was left half-written\n");
	exit(128 + SIGHUP);
}

static int
ui_getkey_timeout(int ms)
{
	long long	started;
	int		k;

	for (;;) {
		ui_stop_on_signal();
		if (ui_script_pos < ui_script_n) {
			k = ui_script[ui_script_pos++];
			if (k == UI_KEY_DUMP) {
				ui_dump_screen();
				continue;
			}
			return k;
		}
		wtimeout(stdscr, ms < 0 ? 250 : ms);
		started = ui_now_ms();
		k = wgetch(stdscr);
		ui_stop_on_signal();
		ui_check_terminal_gone(k, started, ms);
		if (k == ERR) {
			if (ms >= 0)
				return UI_KEY_NONE;
			continue;
		}
		switch (k) {
		case 127:
		case 8:
			return KEY_BACKSPACE;
		case '\r':
		case KEY_ENTER:
			return '\n';
		case UI_KEY_CTRL('l'):
			/* Forget what the terminal shows, then redraw all. */
			wredrawln(stdscr, 0, LINES);
			return KEY_RESIZE;
		case KEY_RESIZE:
			ui_wait_big_enough();
			return KEY_RESIZE;
		}
		return k;
	}
}

int
ui_getkey(void)
{
	return ui_getkey_timeout(-1);
}

bool
ui_key_is_enter(int k)
{
	return k == '\n' || k == '\r' || k == KEY_ENTER;
}


static bool
ui_is_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static int
ui_entry_cursor(CDKENTRY *e)
{
	return e->screenCol + e->leftChar;
}

/*
 * CDK's entry edits bytes; narrow ncurses cannot tell it better.  Repeat
 * a deletion or a move until a whole UTF-8 character is deleted or passed.
 */
static bool	ui_entry_inject_bytes(CDKENTRY *, int);

static bool
ui_has_multibyte(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return true;
	}
	return false;
}

bool
ui_entry_inject(CDKENTRY *e, int key)
{
	bool	done;

	done = ui_entry_inject_bytes(e, key);
	/*
	 * Curses thinks each byte is a column: after a multibyte character
	 * it would put later changes a column off.  Rewrite the row whole.
	 */
	if (!done && e->win != NULL && ui_has_multibyte(e->info))
		ui_refresh_row(getbegy(e->fieldWin), e->win);
	return done;
}

static bool
ui_entry_inject_bytes(CDKENTRY *e, int key)
{
	CDKOBJS	*o = ObjOf(e);
	bool	 done = false;
	int	 pos, guard;
	char	 c;

	switch (key) {
	case KEY_BACKSPACE:
		for (guard = 0; guard < 4; guard++) {
			pos = ui_entry_cursor(e);
			if (pos <= 0 || e->info == NULL)
				break;
			c = e->info[pos - 1];
			done = o->fn->injectObj(o, (chtype)key);
			if (!ui_is_continuation(c))
				break;
		}
		return done;
	case KEY_DC:
		for (guard = 0; guard < 4; guard++) {
			pos = ui_entry_cursor(e);
			if (e->info == NULL || e->info[pos] == '\0')
				break;
			done = o->fn->injectObj(o, (chtype)key);
			if (!ui_is_continuation(e->info[pos]))
				break;
		}
		return done;
	case KEY_LEFT:
	case KEY_RIGHT:
		for (guard = 0; guard < 4; guard++) {
			done = o->fn->injectObj(o, (chtype)key);
			pos = ui_entry_cursor(e);
			if (e->info == NULL ||
			    !ui_is_continuation(e->info[pos]))
				break;
		}
		return done;
	}
	return o->fn->injectObj(o, (chtype)key);
}

static bool
ui_key_in(int key, const int *keys)
{
	if (keys == NULL)
		return false;
	for (; *keys != 0; keys++) {
		if (*keys == key)
			return true;
	}
	return false;
}

int
ui_widget_feed(CDKOBJS *o, int k)
{
	bool	done;

	/* CDK's own reader turns Return into KEY_ENTER; its widgets want it. */
	if (k == '\n')
		k = KEY_ENTER;
	if (o->fn->objectType == vENTRY)
		done = ui_entry_inject((CDKENTRY *)o, k);
	else
		done = o->fn->injectObj(o, (chtype)k);
	/* Escape ends a widget without a result, so check how it ended. */
	if (o->exitType == vESCAPE_HIT)
		return UI_RUN_CANCEL;
	if (!done)
		return UI_RUN_MORE;
	switch (o->exitType) {
	case vNORMAL:
		return UI_RUN_DONE;
	case vESCAPE_HIT:
	case vEARLY_EXIT:
	case vERROR:
	case vNEVER_ACTIVATED:
		return UI_RUN_CANCEL;
	}
	return UI_RUN_CANCEL;
}

enum ui_run_result
ui_widget_run(CDKOBJS *o, const int *exit_keys, int *key)
{
	int	k, r;

	if (key != NULL)
		*key = 0;
	for (;;) {
		k = ui_getkey();
		if (k == KEY_RESIZE)
			return UI_RUN_RESIZE;
		if (ui_key_in(k, exit_keys)) {
			if (key != NULL)
				*key = k;
			return UI_RUN_KEY;
		}
		if ((r = ui_widget_feed(o, k)) == UI_RUN_MORE)
			continue;
		if (key != NULL)
			*key = k;
		return r;
	}
}
