/*
 * cli-engine.c: `engine status [--json]`, `engine restart`, and the
 * restart that follows `activate NAME --restart`.  The work is
 * engine-control's; this prints what it found: what the engine serves,
 * and whether that is the active certificate.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "certdesk/engine.h"
#include "certdesk/util.h"
#include "cli.h"

/* Progress goes to a person watching, not into a script's log. */
static void
engine_cli_progress_cb(const char *msg, void *arg)
{
	if (!isatty(STDERR_FILENO))
		return;
	fputs("certdesk: ", stderr);
	cli_print_escaped(stderr, msg);
	fputc('\n', stderr);
}

static int
engine_cli_config(struct cli_ctx *ctx, struct engine_config *config)
{
	char	*cause = NULL;

	if (engine_config_load(ctx->store, config, &cause) != STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_FAILED;
	}
	if (!config->configured) {
		cause = engine_config_missing(config);
		cli_error("%s", cause);
		free(cause);
		engine_config_done(config);
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}

static json_t *
engine_cli_json_text(const char *s)
{
	json_t	*j;
	char	*e;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	e = util_escape(s);
	j = json_string(e);
	free(e);
	return j;
}

static void
engine_cli_print_json(const struct engine_config *config,
    const struct engine_status *status, bool good)
{
	const struct engine_probe_result	*r;
	json_t					*o, *a, *p;
	size_t					 i;

	o = json_object();
	json_object_set_new(o, "state",
	    json_string(engine_state_name(status->state)));
	json_object_set_new(o, "running",
	    json_boolean(status->state == ENGINE_STATE_RUNNING));
	json_object_set_new(o, "pid", status->pid != 0 ?
	    json_integer(status->pid) : json_null());
	json_object_set_new(o, "pidfile", engine_cli_json_text(config->pidfile));
	json_object_set_new(o, "why", engine_cli_json_text(status->state_why));
	json_object_set_new(o, "active_common_name",
	    engine_cli_json_text(status->active_cn));
	json_object_set_new(o, "active_sha256", status->active_sha256[0] !=
	    '\0' ? json_string(status->active_sha256) : json_null());
	json_object_set_new(o, "active_chain_length",
	    json_integer(status->active_chain_length));
	a = json_array();
	for (i = 0; i < status->n_probes; i++) {
		r = &status->probes[i];
		p = json_object();
		json_object_set_new(p, "probe", engine_cli_json_text(
		    config->probes[i]));
		json_object_set_new(p, "starttls",
		    json_string(engine_starttls_name(
		    config->probe_starttls[i])));
		json_object_set_new(p, "ok", json_boolean(r->ok));
		if (r->ok) {
			json_object_set_new(p, "common_name",
			    engine_cli_json_text(r->common_name));
			json_object_set_new(p, "issuer_cn",
			    engine_cli_json_text(r->issuer_cn));
			json_object_set_new(p, "sha256",
			    json_string(r->sha256));
			json_object_set_new(p, "chain_length",
			    json_integer(r->chain_length));
			json_object_set_new(p, "serves_active",
			    json_boolean(r->serves_active));
		} else
			json_object_set_new(p, "error",
			    engine_cli_json_text(r->error));
		json_array_append_new(a, p);
	}
	json_object_set_new(o, "probes", a);
	json_object_set_new(o, "ok", json_boolean(good));
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
}

static void
engine_cli_print_status(const struct engine_config *config,
    const struct engine_status *status)
{
	const struct engine_probe_result	*r;
	size_t					 i;

	printf("engine: %s\n", engine_state_name(status->state));
	fputs("  ", stdout);
	cli_print_escaped(stdout, status->state_why);
	fputc('\n', stdout);
	if (status->active_sha256[0] != '\0') {
		fputs("active certificate: ", stdout);
		cli_print_escaped(stdout, status->active_cn);
		printf(", SHA-256 %s\n", status->active_sha256);
	} else
		printf("active certificate: none (no sslcert/server.crt)\n");
	if (status->active_sha256[0] != '\0')
		printf("  server.crt holds a chain of %u\n",
		    status->active_chain_length);
	if (config->n_probes == 0)
		printf("probe: none configured (set probe = HOST:PORT in "
		    "[engine] to see what the engine serves)\n");
	for (i = 0; i < status->n_probes; i++) {
		r = &status->probes[i];
		printf("probe %s (starttls %s): ", r->hostport,
		    engine_starttls_name(config->probe_starttls[i]));
		if (!r->ok) {
			cli_print_escaped(stdout, r->error);
			fputc('\n', stdout);
			continue;
		}
		fputs("serves ", stdout);
		cli_print_escaped(stdout, r->common_name);
		printf(", SHA-256 %s, chain of %u: %s", r->sha256,
		    r->chain_length, r->serves_active ? "the active "
		    "certificate" : "NOT the active certificate");
		/* A leaf sent without its intermediates fails in clients. */
		if (r->serves_active &&
		    r->chain_length < status->active_chain_length)
			printf(", but without all the intermediates of "
			    "server.crt (%u certificates)",
			    status->active_chain_length);
		fputc('\n', stdout);
	}
}

/* One line on stderr saying why the status is not good. */
static void
engine_cli_status_why(const struct engine_config *config,
    const struct engine_status *status)
{
	const struct engine_probe_result	*r;
	size_t					 i;

	if (status->state != ENGINE_STATE_RUNNING &&
	    status->state != ENGINE_STATE_UNKNOWN) {
		cli_error("%s", status->state_why);
		return;
	}
	for (i = 0; i < status->n_probes; i++) {
		r = &status->probes[i];
		if (!r->ok) {
			cli_error("%s", r->error);
			return;
		}
		if (!r->serves_active) {
			cli_error("the engine at %s serves %s (SHA-256 %s), "
			    "not the active certificate%s%s%s", r->hostport,
			    r->common_name, r->sha256,
			    status->active_sha256[0] != '\0' ? " (SHA-256 " :
			    "", status->active_sha256, status->active_sha256[0]
			    != '\0' ? "); restart it: certdesk engine restart" :
			    "");
			return;
		}
	}
	if (status->state == ENGINE_STATE_UNKNOWN && config->n_probes == 0)
		cli_error("nothing in [engine] of %s tells whether the engine "
		    "runs: set pidfile or probe", config->conf_path);
}

static int
engine_cli_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct engine_config		 config;
	struct engine_status		 status;
	char				*cause = NULL;
	bool				 json = false, good;
	int				 ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return cli_usage("engine status", "unknown option '%s'",
			    argv[optind - 1]);
		json = true;
	}
	if (optind != argc)
		return cli_usage("engine status", "unexpected '%s'",
		    argv[optind]);
	if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
		return ret;
	if ((ret = engine_cli_config(ctx, &config)) != EXIT_DONE)
		return ret;
	if (engine_status(ctx->store, &config, &status, &good, &cause) !=
	    STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		engine_config_done(&config);
		return EXIT_FAILED;
	}
	if (json)
		engine_cli_print_json(&config, &status, good);
	else
		engine_cli_print_status(&config, &status);
	if (!good)
		engine_cli_status_why(&config, &status);
	engine_status_done(&status);
	engine_config_done(&config);
	return good ? EXIT_DONE : EXIT_FAILED;
}

/* Print a report of several lines, each escaped. */
static void
engine_cli_print_lines(const char *text)
{
	char	*copy = xstrdup(text), *line, *next;

	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		cli_print_escaped(stdout, line);
		fputc('\n', stdout);
	}
	free(copy);
}

/* Reload or restart, wait until the active certificate is served. */
static int
engine_cli_restart(struct cli_ctx *ctx)
{
	struct engine_config	 config;
	char			*report = NULL, *cause = NULL;
	int			 ret;

	if ((ret = engine_cli_config(ctx, &config)) != EXIT_DONE)
		return ret;
	if (engine_restart_and_confirm(ctx->store, &config,
	    engine_cli_progress_cb, NULL, &report, &cause) != STORE_OK) {
		cli_error("%s", cause);
		ret = EXIT_FAILED;
	} else
		engine_cli_print_lines(report);
	free(report);
	free(cause);
	engine_config_done(&config);
	return ret;
}

int
cli_cmd_engine(struct cli_ctx *ctx, int argc, char **argv)
{
	int	ret;

	if (argc < 2)
		return cli_usage("engine", "give status or restart");
	if (strcmp(argv[1], "status") == 0)
		return engine_cli_status(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "restart") == 0) {
		if (argc > 2)
			return cli_usage("engine restart", "unexpected '%s'",
			    argv[2]);
		if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
			return ret;
		return engine_cli_restart(ctx);
	}
	return cli_usage("engine", "unknown subcommand '%s' (status, restart)",
	    argv[1]);
}

int
cli_engine_restart_and_confirm(struct cli_ctx *ctx)
{
	char	*dir = NULL, *entry = NULL, *cause = NULL;
	int	 ret;

	ret = engine_cli_restart(ctx);
	if (ret == EXIT_DONE)
		return ret;
	/*
	 * The new pair stays active: the command line asks nothing.  Say
	 * where the previous pair is and the commands that put it back.
	 */
	if (engine_previous_pair(ctx->store, &dir, &entry, &cause) !=
	    STORE_OK)
		cli_error("the new pair stays active; %s", cause);
	else if (entry != NULL)
		cli_error("the new pair stays active; the previous pair is "
		    "still stored as '%s' (and was kept in %s): to put it "
		    "back, 'certdesk activate %s --restart'", entry, dir,
		    entry);
	else
		cli_error("the new pair stays active; the previous pair was "
		    "kept in %s: to put it back, 'certdesk import "
		    "%s/server.crt --key %s/server.key --name previous', then "
		    "'certdesk activate previous --restart'", dir, dir, dir);
	free(cause);
	free(dir);
	free(entry);
	return ret;
}
