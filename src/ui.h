/*
 * The console: an ncurses + libcdk face over the store.  Everything here
 * only displays what the store says and passes on what the administrator
 * types; no certificate logic lives in the console.
 *
 * ui-screen.c	the terminal: start, stop, colours, signals, drawing text
 * ui-input.c	the one input seam: every key and every CDK widget
 * ui-actions.c	the actions (one X-macro list: enum, key bar, help)
 * ui-dialog.c	messages, questions, prompts and the long-work spinner
 * view-*.c	one file per view
 */
#ifndef CERTDESK_UI_H
#define CERTDESK_UI_H

#include <stdbool.h>
#include <stddef.h>

#include <cdk.h>

#include "cli.h"
#include "certdesk/store.h"

/* The smallest terminal the console draws in. */
#define UI_MIN_COLS	80
#define UI_MIN_LINES	24

/* Keys of our own, beyond curses' range. */
#define UI_KEY_NONE	(KEY_MAX + 1)	/* nothing: a handled key */
#define UI_KEY_ESC	27
#define UI_KEY_CTRL(c)	((c) & 0x1f)

/* What the console shares between its views. */
struct ui {
	struct cli_ctx	*ctx;
	struct store	*store;
	CDKSCREEN	*cdk;
	enum store_area	 area;		/* what the list shows */
	char		*message;	/* the message line (escaped) */
	bool		 message_error;
	bool		 quit;
	int		 selected;	/* index in the shown list */
	int		 top;		/* first shown row */
	char		*filter;	/* NULL: no filter */
	char		*select_name;	/* select it after a reload */
	/* The view under any popup, redrawn after a popup or a resize. */
	void		(*draw)(struct ui *, void *);
	void		*draw_arg;
};

/* Visual roles; ui_attr maps them to colour or to monochrome attributes. */
enum ui_role {
	UI_NORMAL,
	UI_TITLE,	/* the status lines */
	UI_HEADER,	/* column headings */
	UI_SELECTED,	/* the highlighted row */
	UI_ACTIVE,	/* the active pair */
	UI_WARN,	/* expires within 30 days */
	UI_CRIT,	/* expired or within 7 days, a failed check */
	UI_GOOD,	/* a passed check */
	UI_KEY,		/* key bar: the key */
	UI_KEYLABEL,	/* key bar: the label */
	UI_ERROR,	/* an error in the message line */
	UI_DIM		/* help text, hints */
};

/* ui-screen.c */
int	 ui_screen_start(char **cause);
void	 ui_screen_end(void);
int	 ui_attr(enum ui_role);
bool	 ui_screen_too_small(void);
void	 ui_screen_show_too_small(void);
void	 ui_refresh(void);
void	 ui_refresh_row(int y, WINDOW *over);
void	 ui_clear_line(int y);
int	 ui_put(int y, int x, int width, const char *text, int attr);
int	 ui_put_padded(int y, int x, int width, const char *text, int attr);
/* A copy of text fitted into width columns ('~' marks a cut). */
char	*ui_fit(const char *text, int width);
/* text escaped for CDK markup ('<' and '>' doubled up) and for control. */
char	*ui_cdk_escape(const char *text);
/* The signal that asked us to stop, or 0. */
int	 ui_screen_signal(void);

/* ui-input.c: the one input seam. */
void	 ui_input_init(void);
int	 ui_getkey(void);
/* The same key for function keys and their letter twins, etc. */
bool	 ui_key_is_enter(int);
/* How a widget run ended. */
enum ui_run_result {
	UI_RUN_DONE,		/* the widget finished normally */
	UI_RUN_CANCEL,		/* Esc */
	UI_RUN_RESIZE,		/* the terminal changed: rebuild */
	UI_RUN_KEY,		/* *key ended the run (an exit key) */
	UI_RUN_MORE		/* (ui_widget_feed) the widget wants more */
};
/* Feed one key to a widget; UI_RUN_MORE until it finishes. */
int	 ui_widget_feed(CDKOBJS *, int key);
/*
 * Run a CDK widget: feed it keys one at a time until it finishes or one
 * of exit_keys (0-terminated, may be NULL) is pressed; *key tells which.
 */
enum ui_run_result ui_widget_run(CDKOBJS *, const int *exit_keys, int *key);
/* Feed one key to an entry, keeping UTF-8 characters whole. */
bool	 ui_entry_inject(CDKENTRY *, int key);

/* ui-actions.c */
#define UI_ACTIONS(X)							\
	X(HELP, "Help", KEY_F(1), '?', "F1 ?",				\
	    "Help: this list of every key")				\
	X(NEW, "New", KEY_F(2), 'n', "F2 n",				\
	    "New certificate (the Generate Certificate form)")		\
	X(DETAILS, "Details", KEY_F(3), '\n', "F3 Enter",		\
	    "Details of the highlighted entry, every field")		\
	X(REQUEST, "Request", KEY_F(4), 'r', "F4 r",			\
	    "New certificate request (the same form)")			\
	X(IMPORT, "Import", KEY_F(5), 'i', "F5 i",			\
	    "Import a certificate, chain, PKCS#12 or key")		\
	X(EXPORT, "Export", KEY_F(6), 'e', "F6 e",			\
	    "Export a certificate, chain, request, key or PKCS#12")	\
	X(ACTIVATE, "Active", KEY_F(7), 'a', "F7 a",			\
	    "Set as active (shows the pre-activation checks first)")	\
	X(REMOVE, "Remove", KEY_F(8), 'd', "F8 d Delete",		\
	    "Remove the highlighted entry (asks first)")		\
	X(ENGINE, "Engine", KEY_F(9), 'R', "F9 R",			\
	    "Engine: status and restart")				\
	X(QUIT, "Quit", KEY_F(10), 'q', "F10 q",			\
	    "Quit the console")						\
	X(AREA, NULL, '\t', 0, "Tab",					\
	    "Switch between server certificates (sslcert/) and "	\
	    "intermediates (sslca/)")					\
	X(FILTER, NULL, '/', 0, "/",					\
	    "Filter as you type; Enter keeps the filter, Esc clears it")\
	X(UP, NULL, KEY_UP, 'k', "Up k", "Previous entry")		\
	X(DOWN, NULL, KEY_DOWN, 'j', "Down j", "Next entry")		\
	X(PGUP, NULL, KEY_PPAGE, 0, "PgUp", "Page up")			\
	X(PGDN, NULL, KEY_NPAGE, 0, "PgDn", "Page down")		\
	X(HOME, NULL, KEY_HOME, 'g', "Home g", "First entry")		\
	X(END, NULL, KEY_END, 'G', "End G", "Last entry")		\
	X(REDRAW, NULL, UI_KEY_CTRL('l'), 0, "Ctrl-L",			\
	    "Redraw the screen")

enum ui_action {
	UI_ACTION_NONE = -1,
#define UI_ACTION_ENUM(id, label, key, letter, keys, help) UI_ACTION_##id,
	UI_ACTIONS(UI_ACTION_ENUM)
#undef UI_ACTION_ENUM
	UI_ACTION_COUNT
};

struct ui_action_info {
	const char	*name;
	const char	*label;		/* key bar label, or NULL */
	int		 key;
	int		 letter;
	const char	*keys;		/* as shown in the help */
	const char	*help;
};
extern const struct ui_action_info ui_actions[UI_ACTION_COUNT];

enum ui_action	 ui_action_for_key(int key);
void		 ui_keybar_draw(int y);
/* The help text, one line per key, for the help view. */
char		**ui_actions_help_lines(size_t *n);

/* ui-dialog.c */
char	**ui_wrap(const char *text, int width, size_t *n);
void	 ui_free_lines(char **, size_t);
char	*ui_cdk_title(const char *);
void	 ui_set_message(struct ui *, bool error, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 ui_clear_message(struct ui *);
/* A message box with OK; lines are plain text (escaped here). */
void	 ui_dialog_message(struct ui *, const char *title,
	    const char *text);
/* Buttons: returns the one chosen, -1 on Esc; letters (0-ended) may be
 * NULL, else letters[i] picks button i. */
int	 ui_dialog_buttons(struct ui *, const char *title, const char *text,
	    const char *const *buttons, int n, const int *letters);
/* Yes/no: true for yes.  Text is plain (escaped here). */
bool	 ui_dialog_confirm(struct ui *, const char *title, const char *text,
	    const char *yes, const char *no);
/* One line of input; NULL on Esc.  masked hides what is typed. */
char	*ui_dialog_prompt(struct ui *, const char *title, const char *label,
	    const char *initial, bool masked);
/* Pick one of items; -1 on Esc. */
int	 ui_dialog_choose(struct ui *, const char *title,
	    const char *const *items, size_t n, int initial);
/* Run fn(arg) in a worker thread while a spinner shows what. */
void	 ui_run_long(struct ui *, const char *what, void (*fn)(void *),
	    void *arg);
/* From the worker: a line of progress for the spinner (may be NULL). */
void	 ui_long_progress(const char *);
/* Redraw the current view (after a popup or a resize). */
void	 ui_redraw(struct ui *);

/* ui-main.c */
int	 ui_main(struct cli_ctx *);

/* view-list.c */
void	 view_list_run(struct ui *);
int	 view_list_reload(struct ui *);

/* view-details.c, view-help.c: full-screen scrollable text. */
void	 view_details_run(struct ui *, enum store_area, const char *name);
/* Lines for the details pane and view (escaped, owned by the caller). */
char	**view_details_lines(const struct store_entry *, int width,
	    size_t *n);
void	 view_help_run(struct ui *);
/* The pager both use: lines of plain (already escaped) text. */
void	 ui_pager_run(struct ui *, const char *title, char **lines,
	    size_t n);

/* view-form.c: the Generate Certificate form. */
void	 view_form_run(struct ui *, bool request);

/* view-import.c, view-export.c, view-engine.c */
char	*ui_choose_file(struct ui *, const char *title, const char *start);
void	 view_import_run(struct ui *);
void	 view_export_run(struct ui *, enum store_area, const char *name);
void	 view_engine_run(struct ui *, bool after_activate);

/* view-list.c: confirmations for Remove and Set as active. */
void	 view_list_remove(struct ui *, const struct store_entry *);
void	 view_list_activate(struct ui *, const struct store_entry *);

/* The engine's state for the status line ("running", ...). */
const char *view_engine_state(struct ui *);
/* Look again (the pid file only, no network): after a reload. */
void	 view_engine_refresh_state(struct ui *);

#endif
