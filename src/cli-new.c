/*
 * cli-new.c: new and request, the command-line face of the Generate
 * Certificate form.  Each value is checked against forms/generate.form,
 * the same definition the console shows, so both refuse the same input
 * with the same words.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "certdesk/forms.h"
#include "certdesk/util.h"
#include "cli.h"

enum {
	OPT_HOSTNAME = 256, OPT_COUNTRY, OPT_ORG, OPT_UNIT, OPT_CITY,
	OPT_STATE, OPT_ALT, OPT_KEY_TYPE, OPT_DAYS, OPT_NAME, OPT_REUSE_KEY
};

/* The option, the form field that judges it. */
static const struct option new_options[] = {
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "country", required_argument, NULL, OPT_COUNTRY },
	{ "org", required_argument, NULL, OPT_ORG },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "city", required_argument, NULL, OPT_CITY },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "alt", required_argument, NULL, OPT_ALT },
	{ "key-type", required_argument, NULL, OPT_KEY_TYPE },
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "reuse-key", required_argument, NULL, OPT_REUSE_KEY },
	{ NULL, 0, NULL, 0 }
};

static const char *const new_field_ids[] = {
	"hostname", "country", "org", "unit", "city", "state", "alt",
	"key_type", "days", "name"
};

struct new_values {
	const char	*v[10];		/* by OPT_* - OPT_HOSTNAME */
	char		**alts;
	size_t		 n_alts;
	const char	*reuse_key;
};

/*
 * --alt may be given many times, and each may hold several names separated
 * by commas or spaces, as the form's list field takes them.
 */
static void
new_add_alts(struct new_values *nv, const char *arg)
{
	const char	*p = arg, *end;

	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		end = p + strcspn(p, ", \t");
		nv->alts = xreallocarray(nv->alts, nv->n_alts + 1,
		    sizeof *nv->alts);
		nv->alts[nv->n_alts++] = xstrndup(p, (size_t)(end - p));
		p = end;
	}
	/* An empty --alt is an error the form reports, not silence. */
	if (nv->n_alts == 0 || strspn(arg, ", \t") == strlen(arg)) {
		nv->alts = xreallocarray(nv->alts, nv->n_alts + 1,
		    sizeof *nv->alts);
		nv->alts[nv->n_alts++] = xstrdup(arg);
	}
}

/* Check every value the form knows, given or not (required fields). */
static int
new_check_form(const char *command, const struct new_values *nv,
    bool request)
{
	const struct form_field	*f;
	struct form		*form;
	char			*cause = NULL;
	size_t			 i, j;
	int			 ret = EXIT_DONE;

	if (form_load(forms_dir(), "generate", &form, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_FAILED;
	}
	for (i = 0; i < sizeof new_field_ids / sizeof new_field_ids[0]; i++) {
		if ((f = form_find_field(form, new_field_ids[i])) == NULL)
			continue;
		if (f->only != NULL && strcmp(f->only, request ? "request" :
		    "certificate") != 0) {
			if (nv->v[i] != NULL) {
				ret = cli_usage(command, "%s (%s) is only for "
				    "a %s", f->option != NULL ? f->option :
				    f->id, f->label, f->only);
				break;
			}
			continue;
		}
		if (strcmp(f->id, "alt") == 0) {
			for (j = 0; j < nv->n_alts && ret == EXIT_DONE; j++) {
				if (form_check_value(f, nv->alts[j],
				    &cause) != 0)
					ret = cli_usage(command, "%s", cause);
			}
			if (ret != EXIT_DONE)
				break;
			continue;
		}
		if (form_check_value(f, nv->v[i], &cause) != 0) {
			ret = cli_usage(command, "%s", cause);
			break;
		}
	}
	free(cause);
	form_free(form);
	return ret;
}

static int
new_run(struct cli_ctx *ctx, int argc, char **argv, bool request)
{
	const char		*command = request ? "request" : "new";
	struct new_values	 nv = { 0 };
	struct store_new_params	 p = { 0 };
	char			*country = NULL, *cause = NULL, *note = NULL;
	char			*name = NULL, *c;
	int			 ch, ret, days = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", new_options, NULL)) != -1) {
		if (ch == OPT_ALT)
			new_add_alts(&nv, optarg);
		else if (ch == OPT_REUSE_KEY && request)
			nv.reuse_key = optarg;
		else if (ch == OPT_DAYS && request) {
			ret = cli_usage(command, "--days is only for a "
			    "self-signed certificate ('new'); the certificate "
			    "authority sets the validity of what it signs");
			goto out;
		} else if (ch == OPT_REUSE_KEY) {
			ret = cli_usage(command, "--reuse-key is only for a "
			    "request ('request')");
			goto out;
		}
		else if (ch >= OPT_HOSTNAME && ch <= OPT_NAME &&
		    !(ch == OPT_DAYS && request))
			nv.v[ch - OPT_HOSTNAME] = optarg;
		else {
			ret = cli_usage(command, "unknown option '%s'",
			    argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc) {
		ret = cli_usage(command, "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	/* Country codes are upper case; "de" is surely meant as "DE". */
	if (nv.v[1] != NULL) {
		country = xstrdup(nv.v[1]);
		for (c = country; *c != '\0'; c++)
			*c = (char)toupper((unsigned char)*c);
		nv.v[1] = country;
	}
	if ((ret = new_check_form(command, &nv, request)) != EXIT_DONE)
		goto out;
	if (nv.v[8] != NULL && !cli_parse_int(command, "--days", nv.v[8], 1,
	    3650, &days)) {
		ret = EXIT_USAGE;
		goto out;
	}
	/* The first-run pair comes after the fields pass, never before. */
	if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
		goto out;
	p.hostname = nv.v[0];
	p.country = nv.v[1];
	p.org = nv.v[2];
	p.unit = nv.v[3];
	p.city = nv.v[4];
	p.state = nv.v[5];
	p.alt_names = (const char *const *)nv.alts;
	p.n_alt_names = nv.n_alts;
	p.key_type = nv.v[7];
	p.days = days;
	p.name = nv.v[9];
	p.reuse_key = nv.reuse_key;
	if (request)
		ret = store_new_request(ctx->store, &p, &name, &note, &cause);
	else
		ret = store_new_certificate(ctx->store, &p, &name, &note,
		    &cause);
	if (ret != STORE_OK) {
		cli_error("%s", cause);
		ret = cli_exit_code(ret);
		goto out;
	}
	cli_note(note);
	cli_print_escaped(stdout, name);
	fputc('\n', stdout);
	ret = cli_first_run(ctx);
out:
	free(name);
	free(note);
	free(cause);
	free(country);
	for (size_t i = 0; i < nv.n_alts; i++)
		free(nv.alts[i]);
	free(nv.alts);
	return ret;
}

int
cli_cmd_new(struct cli_ctx *ctx, int argc, char **argv)
{
	return new_run(ctx, argc, argv, false);
}

int
cli_cmd_request(struct cli_ctx *ctx, int argc, char **argv)
{
	return new_run(ctx, argc, argv, true);
}
