/*
 * certdesk: the entry point.  With no command it opens the console; with
 * one it runs that command of the command line.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_command {
	const char	*name;
	int		(*run)(struct cli_ctx *, int, char **);
	const char	*synopsis;
};

static const struct cli_command cli_commands[] = {
	{ "list", cli_cmd_list, "list [--ca] [--json]" },
	{ "show", cli_cmd_show, "show NAME [--ca] [--json]" },
	{ "new", cli_cmd_new, "new --hostname H --country CC [--org O] "
	    "[--unit U] [--city C] [--state S] [--alt NAME]... "
	    "[--key-type T] [--days N] [--name NAME]" },
	{ "request", cli_cmd_request, "request --hostname H --country CC "
	    "[--org O] [--unit U] [--city C] [--state S] [--alt NAME]... "
	    "[--key-type T] [--name NAME] [--reuse-key NAME]" },
	{ "import", cli_cmd_import, "import FILE [--key KEYFILE] "
	    "[--password-file F] [--name NAME]" },
	{ "export", cli_cmd_export, "export NAME --what certificate|chain|"
	    "request|key|pkcs12 [--format pem|der] [--profile modern|legacy] "
	    "[--password-file F] [--force] --out FILE" },
	{ "remove", cli_cmd_remove, "remove NAME" },
	{ "activate", cli_cmd_activate, "activate NAME [--force] [--restart]" },
	{ "ca", cli_cmd_ca, "ca list [--json] | ca import FILE | "
	    "ca remove NAME" },
	{ "engine", cli_cmd_engine, "engine status [--json] | engine restart" },
	{ "check", cli_cmd_check, "check [--warn-days N] [--crit-days N]" },
};
#define N_COMMANDS (sizeof cli_commands / sizeof cli_commands[0])

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: certdesk [--root DIR] [COMMAND [ARGS]]\n"
	    "With no command, certdesk opens the console.\n\ncommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  certdesk %s\n", cli_commands[i].synopsis);
	fprintf(f, "\nThe server root is --root DIR, else $CERTDESK_ROOT, else "
	    "root = in %s/certdesk.conf.\n"
	    "Exit codes: 0 done, 1 failed, 2 usage error "
	    "(check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).\n"
	    "See certdesk(1).\n", SYSCONFDIR);
}

/* Take --root DIR (or --root=DIR) out of argv wherever it stands. */
static int
take_root_option(int *argc, char **argv, const char **root)
{
	int	i, j;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--root") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "certdesk: --root needs a "
				    "folder; try 'certdesk --help'\n");
				return -1;
			}
			*root = argv[i + 1];
			for (j = i; j + 2 <= *argc; j++)
				argv[j] = argv[j + 2];
			*argc -= 2;
			i--;
		} else if (strncmp(argv[i], "--root=", 7) == 0) {
			*root = argv[i] + 7;
			for (j = i; j + 1 <= *argc; j++)
				argv[j] = argv[j + 1];
			*argc -= 1;
			i--;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli_ctx	 ctx = { .progname = "certdesk" };
	size_t		 i;
	int		 ret;

	setlocale(LC_ALL, "");
	if (take_root_option(&argc, argv, &ctx.root) != 0)
		return EXIT_USAGE;

	if (argc < 2)
		ret = ui_main(&ctx);
	else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		ret = EXIT_DONE;
	} else if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "-V") == 0) {
		printf("certdesk %s\n", PACKAGE_VERSION);
		ret = EXIT_DONE;
	} else {
		for (i = 0; i < N_COMMANDS; i++) {
			if (strcmp(argv[1], cli_commands[i].name) == 0)
				break;
		}
		if (i == N_COMMANDS) {
			fprintf(stderr, "certdesk: unknown command '%s'; try "
			    "'certdesk --help'\n", argv[1]);
			return EXIT_USAGE;
		}
		ret = cli_commands[i].run(&ctx, argc - 1, argv + 1);
	}
	if (ctx.store != NULL)
		store_free(ctx.store);
	return ret;
}
