/*
 * ui-main: the console's entry point.  Open the store (errors before the
 * screen starts go to stderr, as the command line prints them), start
 * the screen, create the first-run pair as the mail server does at its
 * first start, then run the list until the administrator quits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "certdesk/util.h"

struct ui_first_run {
	struct store	*store;
	bool		 created;
	char		*note;
	char		*cause;
	int		 status;
};

static void
ui_first_run_cb(void *arg)
{
	struct ui_first_run	*f = arg;

	f->status = store_ensure_active(f->store, &f->created, &f->note,
	    &f->cause);
}

static void
ui_print_error(const char *what, const char *cause)
{
	char	*safe;

	safe = util_escape(cause != NULL ? cause : "unknown error");
	fprintf(stderr, "certdesk: %s%s\n", what, safe);
	free(safe);
}

int
ui_main(struct cli_ctx *ctx)
{
	struct store_options	 opts = { 0 };
	struct ui		 ui;
	struct ui_first_run	 f = { 0 };
	char			*note = NULL, *cause = NULL;
	int			 status, ret = EXIT_DONE;
	WINDOW			*win;

	memset(&ui, 0, sizeof ui);
	ui.ctx = ctx;
	ui.area = STORE_AREA_SERVER;

	opts.root = ctx->root;
	status = store_open(&opts, &ctx->store, &note, &cause);
	if (status != STORE_OK) {
		ui_print_error("", cause);
		free(cause);
		free(note);
		return status == STORE_INVALID ? EXIT_USAGE : EXIT_FAILED;
	}
	ui.store = ctx->store;

	if (ui_screen_start(&cause) != STORE_OK) {
		ui_print_error("", cause);
		free(cause);
		free(note);
		return EXIT_FAILED;
	}
	win = stdscr;
	ui.cdk = initCDKScreen(win);
	if (note != NULL)
		ui_set_message(&ui, false, "%s", note);

	/* First start: the self-signed pair, with a spinner meanwhile. */
	f.store = ui.store;
	ui_run_long(&ui, "Checking the active certificate", ui_first_run_cb,
	    &f);
	if (f.status != STORE_OK) {
		ui_dialog_message(&ui, "Cannot start", f.cause);
		destroyCDKScreen(ui.cdk);
		ui_screen_end();
		ui_print_error("", f.cause);
		free(f.cause);
		free(f.note);
		free(note);
		return EXIT_FAILED;
	}
	if (f.created) {
		ui_set_message(&ui, false, "%s", f.note != NULL ? f.note :
		    "First start: created the self-signed certificate "
		    "server.crt");
	} else if (f.note != NULL)
		ui_set_message(&ui, false, "%s", f.note);
	free(f.note);
	free(note);

	view_list_run(&ui);

	destroyCDKScreen(ui.cdk);
	ui_screen_end();
	free(ui.message);
	free(ui.filter);
	free(ui.select_name);
	return ret;
}
