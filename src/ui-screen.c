/*
 * ui-screen: the terminal.  Start and stop curses and CDK, pick colours or
 * monochrome attributes, restore the terminal on SIGINT, SIGHUP and
 * SIGTERM, and draw UTF-8 text in the right columns although Debian's CDK
 * is built on narrow ncurses (which counts bytes, not columns).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"
#include "certdesk/util.h"

/* term.h defines macros such as lines and columns: keep it last. */
#include <term.h>

static bool		 ui_started;
static bool		 ui_colour;
static volatile sig_atomic_t ui_signal;

enum {
	PAIR_TITLE = 1,
	PAIR_HEADER,
	PAIR_SELECTED,
	PAIR_ACTIVE,
	PAIR_WARN,
	PAIR_CRIT,
	PAIR_GOOD,
	PAIR_KEY,
	PAIR_KEYLABEL,
	PAIR_ERROR
};

static void
ui_signal_cb(int sig)
{
	ui_signal = sig;
}

int
ui_screen_signal(void)
{
	return ui_signal;
}

static void
ui_screen_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ui_signal_cb;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read returns so the flag is seen. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * Narrow ncurses believes every byte is a column, so after a multibyte
 * character its idea of the cursor is ahead of the terminal's.  Stop it
 * from jumping over runs of blanks (erase/repeat characters, clearing to
 * the start of a line) so that rows are written from their start.
 */
static void
ui_screen_tame_optimizer(void)
{
	if (cur_term == NULL)
		return;
	erase_chars = NULL;
	repeat_char = NULL;
	clr_bol = NULL;
	idcok(stdscr, FALSE);
	idlok(stdscr, FALSE);
}

static void
ui_screen_colours(void)
{
	const char	*no_colour;

	no_colour = getenv("NO_COLOR");
	ui_colour = has_colors() && (no_colour == NULL || *no_colour == '\0');
	if (!ui_colour)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_HEADER, COLOR_CYAN, -1);
	init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_ACTIVE, COLOR_GREEN, -1);
	init_pair(PAIR_WARN, COLOR_YELLOW, -1);
	init_pair(PAIR_CRIT, COLOR_RED, -1);
	init_pair(PAIR_GOOD, COLOR_GREEN, -1);
	init_pair(PAIR_KEY, -1, -1);
	init_pair(PAIR_KEYLABEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_ERROR, COLOR_WHITE, COLOR_RED);
}

int
ui_screen_start(char **cause)
{
	const char	*term;

	term = getenv("TERM");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		util_set_cause(cause, "the console needs a terminal; use a "
		    "command instead (certdesk --help)");
		return STORE_FAIL;
	}
	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0) {
		util_set_cause(cause, "the console needs a terminal type: "
		    "set TERM (for example TERM=vt100)");
		return STORE_FAIL;
	}
	if (newterm(NULL, stdout, stdin) == NULL) {
		util_set_cause(cause, "cannot start the console on terminal "
		    "type '%s': set TERM to one in the terminfo database",
		    term);
		return STORE_FAIL;
	}
	ui_started = true;
	ui_screen_signals();
	/* cbreak, not raw: Ctrl-C stays a signal and quits cleanly. */
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	/* Pass UTF-8 bytes through instead of showing them as M-x. */
	use_legacy_coding(2);
	ui_screen_tame_optimizer();
	/* Not initCDKColor(): it would redefine our colour pairs. */
	ui_screen_colours();
	ui_input_init();
	return STORE_OK;
}

void
ui_screen_end(void)
{
	if (!ui_started)
		return;
	ui_started = false;
	curs_set(1);
	endwin();
	fflush(stdout);
}



int
ui_attr(enum ui_role role)
{
	if (ui_colour) {
		switch (role) {
		case UI_NORMAL:
			return (int)A_NORMAL;
		case UI_TITLE:
			return COLOR_PAIR(PAIR_TITLE) | A_BOLD;
		case UI_HEADER:
			return COLOR_PAIR(PAIR_HEADER) | A_BOLD;
		case UI_SELECTED:
			return COLOR_PAIR(PAIR_SELECTED);
		case UI_ACTIVE:
			return COLOR_PAIR(PAIR_ACTIVE) | A_BOLD;
		case UI_WARN:
			return COLOR_PAIR(PAIR_WARN) | A_BOLD;
		case UI_CRIT:
			return COLOR_PAIR(PAIR_CRIT) | A_BOLD;
		case UI_GOOD:
			return COLOR_PAIR(PAIR_GOOD);
		case UI_KEY:
			return COLOR_PAIR(PAIR_KEY) | A_BOLD;
		case UI_KEYLABEL:
			return COLOR_PAIR(PAIR_KEYLABEL);
		case UI_ERROR:
			return COLOR_PAIR(PAIR_ERROR) | A_BOLD;
		case UI_DIM:
			return (int)A_DIM;
		}
		return (int)A_NORMAL;
	}
	/* Monochrome: meaning must survive without colour (TERM=vt100). */
	switch (role) {
	case UI_TITLE:
	case UI_SELECTED:
	case UI_KEYLABEL:
		return (int)A_REVERSE;
	case UI_HEADER:
		return (int)A_UNDERLINE;
	case UI_ACTIVE:
	case UI_CRIT:
	case UI_ERROR:
	case UI_KEY:
		return (int)A_BOLD;
	default:
		return (int)A_NORMAL;
	}
}

bool
ui_screen_too_small(void)
{
	return COLS < UI_MIN_COLS || LINES < UI_MIN_LINES;
}

void
ui_screen_show_too_small(void)
{
	char	*line;
	int	 y;

	erase();
	y = LINES / 2 - 1;
	if (y < 0)
		y = 0;
	xasprintf(&line, "The console needs at least %dx%d;", UI_MIN_COLS,
	    UI_MIN_LINES);
	ui_put(y, 0, COLS, line, A_BOLD);
	free(line);
	xasprintf(&line, "this terminal is %dx%d. Enlarge it, or press q.",
	    COLS, LINES);
	ui_put(y + 1, 0, COLS, line, A_NORMAL);
	free(line);
	ui_refresh();
}

static bool
ui_row_has_multibyte(int y)
{
	chtype	ch;
	int	x;

	for (x = 0; x < COLS; x++) {
		ch = mvwinch(stdscr, y, x);
		if ((ch & A_ALTCHARSET) == 0 && (ch & A_CHARTEXT) >= 0x80)
			return true;
	}
	return false;
}

/*
 * Refresh stdscr.  From the first row holding a multibyte character down,
 * make curses forget what the terminal shows, so every such row is
 * written whole from its first column and the columns stay where the
 * terminal (not curses) puts them.
 */
void
ui_refresh(void)
{
	int	y;

	/*
	 * Park the cursor at the start of the bottom row (plain text):
	 * after a multibyte row curses' idea of the column is off, and a
	 * move to column 0 ends where it should either way.
	 */
	move(LINES - 1, 0);
	for (y = 0; y < LINES; y++) {
		if (ui_row_has_multibyte(y)) {
			wnoutrefresh(stdscr);
			wredrawln(stdscr, y, LINES - y);
			break;
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* Write row y whole, stdscr's text with win (a popup, a field) over it. */
void
ui_refresh_row(int y, WINDOW *win)
{
	wredrawln(stdscr, y, 1);
	wnoutrefresh(stdscr);
	if (win != NULL) {
		touchwin(win);
		wnoutrefresh(win);
	}
	doupdate();
}

void
ui_clear_line(int y)
{
	move(y, 0);
	clrtoeol();
}


/* Bytes of the UTF-8 character starting at s (1 for anything invalid). */
static size_t
ui_utf8_len(const char *s)
{
	unsigned char	c = (unsigned char)*s;
	size_t		n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 1;
	for (i = 1; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	}
	return n;
}

/* The display width of one UTF-8 character of n bytes. */
static int
ui_char_width(const char *s, size_t n)
{
	char	buf[8];

	if (n == 1)
		return 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return util_display_width(buf);
}

char *
ui_fit(const char *text, int width)
{
	struct util_buf	 b = { 0 };
	size_t		 n;
	int		 used = 0, w;

	if (width <= 0)
		return xstrdup("");
	if (util_display_width(text) <= width)
		return xstrdup(text);
	while (*text != '\0') {
		n = ui_utf8_len(text);
		w = ui_char_width(text, n);
		if (used + w > width - 1)
			break;
		util_buf_add(&b, text, n);
		used += w;
		text += n;
	}
	util_buf_add(&b, "~", 1);
	return util_buf_take_string(&b);
}

/*
 * Put text at y, x (y < 0: at the cursor) in at most width columns (cut
 * with '~'); returns the columns used.  Each byte goes out as is: with
 * legacy coding 2 curses passes UTF-8 through and the terminal joins the
 * bytes.  Curses then counts a multibyte character as several cells, so
 * a row must be drawn left to right, each piece at the cursor, for the
 * terminal's columns to line up.
 */
int
ui_put(int y, int x, int width, const char *text, int attr)
{
	char		*fitted;
	const char	*p;
	int		 used, row;

	if (y >= 0) {
		if (y >= LINES || x >= COLS)
			return 0;
		move(y, x);
	}
	row = getcury(stdscr);
	fitted = ui_fit(text, width);
	/* Stop at the end of the row rather than wrap onto the next. */
	for (p = fitted; *p != '\0' && getcury(stdscr) == row; p++)
		addch((chtype)(unsigned char)*p | attr);
	used = util_display_width(fitted);
	free(fitted);
	return used;
}

/* Put text and pad it with blanks to width columns (the terminal's). */
int
ui_put_padded(int y, int x, int width, const char *text, int attr)
{
	int	used, i, row;

	row = y >= 0 ? y : getcury(stdscr);
	used = ui_put(y, x, width, text, attr);
	for (i = used; i < width && getcury(stdscr) == row; i++)
		addch(' ' | attr);
	return width;
}

char *
ui_cdk_escape(const char *text)
{
	struct util_buf	 b = { 0 };
	char		*safe;
	const char	*p;

	safe = util_escape(text != NULL ? text : "");
	for (p = safe; *p != '\0'; p++) {
		/*
		 * CDK reads "</", "<!", "<#" and a leading "<C>" as markup.
		 * Its escape "\\<" yields '<' but also swallows the next
		 * character (CDK 5.0.20180306), hence the spare blank.
		 */
		if (*p == '<')
			util_buf_add(&b, "\\< ", 3);
		else
			util_buf_add(&b, p, 1);
	}
	free(safe);
	return util_buf_take_string(&b);
}
