/*
 * cli-manage.c: remove, activate, the sslca/ commands and the monitoring
 * check.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
manage_remove(struct cli_ctx *ctx, const char *command, enum store_area area,
    int argc, char **argv)
{
	char	*note = NULL, *cause = NULL;
	int	 ret;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(command, "give one entry NAME");
	if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
		return ret;
	ret = store_remove(ctx->store, area, argv[1], &note, &cause);
	if (ret != STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return cli_exit_code(ret);
	}
	cli_note(note);
	free(note);
	return EXIT_DONE;
}

int
cli_cmd_remove(struct cli_ctx *ctx, int argc, char **argv)
{
	return manage_remove(ctx, "remove", STORE_AREA_SERVER, argc, argv);
}

int
cli_cmd_activate(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "restart", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	char				*note = NULL, *cause = NULL;
	bool				 force = false, restart = false;
	int				 ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 'r':
			restart = true;
			break;
		default:
			return cli_usage("activate", "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage("activate", "give one entry NAME");
	/* Activation writes the pair itself: no first-run pair first. */
	if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
		return ret;
	ret = store_activate(ctx->store, argv[optind], force, &note, &cause);
	if (ret != STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return cli_exit_code(ret);
	}
	cli_note(note);
	free(note);
	if (restart)
		return cli_engine_restart_and_confirm(ctx);
	return EXIT_DONE;
}

int
cli_cmd_ca(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("ca", "give list, import FILE or remove NAME");
	if (strcmp(argv[1], "list") == 0)
		return cli_list_area(ctx, "ca list", STORE_AREA_CA, argc - 1,
		    argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return cli_ca_import(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)
		return manage_remove(ctx, "ca remove", STORE_AREA_CA, argc - 1,
		    argv + 1);
	return cli_usage("ca", "unknown subcommand '%s' (list, import, "
	    "remove)", argv[1]);
}

int
cli_cmd_check(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "warn-days", required_argument, NULL, 'w' },
		{ "crit-days", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	char				*line = NULL;
	int				 ch, warn = 30, crit = 7, state;
	bool				 warn_given = false;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (!cli_parse_int("check", "--warn-days", optarg, 0,
			    3650, &warn))
				return 3;
			warn_given = true;
			break;
		case 'c':
			if (!cli_parse_int("check", "--crit-days", optarg, 0,
			    3650, &crit))
				return 3;
			break;
		default:
			cli_usage("check", "unknown option '%s'",
			    argv[optind - 1]);
			return 3;	/* UNKNOWN, as a plugin must */
		}
	}
	if (optind != argc) {
		cli_usage("check", "unexpected argument '%s'", argv[optind]);
		return 3;
	}
	/* A critical threshold alone above the default warning raises it. */
	if (crit > warn && !warn_given)
		warn = crit;
	if (crit > warn) {
		cli_usage("check", "--crit-days (%d) must not exceed "
		    "--warn-days (%d)", crit, warn);
		return 3;
	}
	if (cli_open_store(ctx, false) != EXIT_DONE) {
		printf("CERTIFICATE UNKNOWN: cannot open the server root\n");
		return 3;
	}
	state = store_monitor(ctx->store, warn, crit, &line);
	cli_print_escaped(stdout, line);
	fputc('\n', stdout);
	free(line);
	return state;
}
