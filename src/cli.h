/*
 * The command line: one function per command, each parsing its own
 * options and returning the exit code (0 done, 1 failed, 2 usage).  All
 * certificate work is the store's; these only parse, call and print.
 */
#ifndef CERTDESK_CLI_H
#define CERTDESK_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "certdesk/store.h"

#define EXIT_DONE	0
#define EXIT_FAILED	1
#define EXIT_USAGE	2

struct cli_ctx {
	const char	*root;		/* --root, or NULL */
	const char	*progname;
	struct store	*store;		/* opened by cli_open_store */
};

/*
 * Open the store (recovering an interrupted activation, and with
 * first_run, creating the first-run pair).  Prints the store's notes and
 * its error; returns an exit code.
 */
int	cli_open_store(struct cli_ctx *, bool first_run);
/*
 * The first-run pair, for commands that open the store without it so that
 * a refused command changes nothing.
 */
int	cli_first_run(struct cli_ctx *);

/* Print a message from the store on stderr, escaped, as one line. */
void	cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a note (what was done, where things were kept) on stderr. */
void	cli_note(const char *note);
/* A usage error: the message, a hint to --help, and EXIT_USAGE. */
int	cli_usage(const char *command, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Map a store status to an exit code. */
int	cli_exit_code(int status);
/* Print s to f with control characters escaped. */
void	cli_print_escaped(FILE *f, const char *s);
/* Parse a number option; returns false (and prints usage) when bad. */
bool	cli_parse_int(const char *command, const char *option,
	    const char *value, int min, int max, int *out);

int	cli_cmd_list(struct cli_ctx *, int, char **);
int	cli_cmd_show(struct cli_ctx *, int, char **);
int	cli_cmd_new(struct cli_ctx *, int, char **);
int	cli_cmd_request(struct cli_ctx *, int, char **);
int	cli_cmd_remove(struct cli_ctx *, int, char **);
int	cli_cmd_activate(struct cli_ctx *, int, char **);
int	cli_cmd_ca(struct cli_ctx *, int, char **);
int	cli_cmd_check(struct cli_ctx *, int, char **);
int	cli_cmd_import(struct cli_ctx *, int, char **);
int	cli_cmd_export(struct cli_ctx *, int, char **);
int	cli_cmd_engine(struct cli_ctx *, int, char **);

/* cli-list.c: list one area (list, ca list). */
int	cli_list_area(struct cli_ctx *, const char *command, enum store_area,
	    int, char **);

/* cli-transfer.c: ca import, shared with cli_cmd_ca. */
int	cli_ca_import(struct cli_ctx *, int, char **);
/*
 * cli-engine.c: after activate --restart, restart the engine and confirm
 * it serves the new certificate; returns an exit code.
 */
int	cli_engine_restart_and_confirm(struct cli_ctx *);

/* ui-main.c: the console.  Returns an exit code. */
int	ui_main(struct cli_ctx *);

#endif
