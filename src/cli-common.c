/*
 * cli-common.c: what every command shares: opening the store, printing
 * the store's messages escaped on one line, usage errors.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "certdesk/util.h"
#include "cli.h"

void
cli_print_escaped(FILE *f, const char *s)
{
	char	*e = util_escape(s);

	fputs(e, f);
	free(e);
}

void
cli_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("certdesk: ", stderr);
	cli_print_escaped(stderr, msg);
	fputc('\n', stderr);
	free(msg);
}

void
cli_note(const char *note)
{
	if (note == NULL || *note == '\0')
		return;
	fputs("certdesk: ", stderr);
	cli_print_escaped(stderr, note);
	fputc('\n', stderr);
}

int
cli_usage(const char *command, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("certdesk: ", stderr);
	if (command != NULL)
		fprintf(stderr, "%s: ", command);
	cli_print_escaped(stderr, msg);
	fprintf(stderr, "; see 'certdesk --help'\n");
	free(msg);
	return EXIT_USAGE;
}

int
cli_exit_code(int status)
{
	switch (status) {
	case STORE_OK:
		return EXIT_DONE;
	case STORE_INVALID:
	case STORE_NEED_PASSWORD:
		return EXIT_USAGE;
	default:
		return EXIT_FAILED;
	}
}

bool
cli_parse_int(const char *command, const char *option, const char *value,
    int min, int max, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		cli_usage(command, "%s: '%s' is not a whole number from %d to "
		    "%d", option, value, min, max);
		return false;
	}
	*out = (int)v;
	return true;
}

int
cli_open_store(struct cli_ctx *ctx, bool first_run)
{
	struct store_options	 opts = { .root = ctx->root };
	char			*note = NULL, *cause = NULL;
	int			 ret;

	if (ctx->store != NULL)
		return EXIT_DONE;
	ret = store_open(&opts, &ctx->store, &note, &cause);
	cli_note(note);
	free(note);
	note = NULL;
	if (ret != STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return cli_exit_code(ret);
	}
	if (!first_run)
		return EXIT_DONE;
	return cli_first_run(ctx);
}

int
cli_first_run(struct cli_ctx *ctx)
{
	char	*note = NULL, *cause = NULL;
	bool	 created;
	int	 ret;

	ret = store_ensure_active(ctx->store, &created, &note, &cause);
	cli_note(note);
	free(note);
	if (ret != STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}
