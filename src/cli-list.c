/*
 * cli-list.c: list and show, as text for people and as JSON for scripts.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "certdesk/util.h"
#include "cli.h"
#include "cli-json.h"

static json_t *
list_json_strings(const struct store_strings *s)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

/* JSON strings must be UTF-8; anything else is shown escaped. */
json_t *
cli_json_text(const char *s)
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

static json_t *
list_json_time(time_t t)
{
	char	*s = util_format_time(t);
	json_t	*j = json_string(s);

	free(s);
	return j;
}

static json_t *
list_json_entry(const struct store_entry *e)
{
	json_t	*o = json_object(), *checks;
	char	 key[64];
	int	 i;

	json_object_set_new(o, "name", cli_json_text(e->name));
	json_object_set_new(o, "kind", json_string(e->kind ==
	    STORE_KIND_REQUEST ? "request" : "certificate"));
	json_object_set_new(o, "area", json_string(e->area == STORE_AREA_CA ?
	    "sslca" : "sslcert"));
	json_object_set_new(o, "active", json_boolean(e->active));
	json_object_set_new(o, "path", cli_json_text(e->path));
	if (e->error != NULL) {
		json_object_set_new(o, "error", cli_json_text(e->error));
		return o;
	}
	checks = json_object();
	json_object_set_new(o, "has_key", json_boolean(e->has_key));
	json_object_set_new(o, "key_path", cli_json_text(e->key_path));
	json_object_set_new(o, "common_name", cli_json_text(e->common_name));
	json_object_set_new(o, "subject", cli_json_text(e->subject));
	json_object_set_new(o, "issuer", cli_json_text(e->issuer));
	json_object_set_new(o, "alt_names", list_json_strings(&e->alt_names));
	json_object_set_new(o, "self_signed", json_boolean(e->self_signed));
	json_object_set_new(o, "is_ca", json_boolean(e->is_ca));
	if (e->kind == STORE_KIND_CERTIFICATE) {
		json_object_set_new(o, "serial", json_string(e->serial));
		json_object_set_new(o, "not_before",
		    list_json_time(e->not_before));
		json_object_set_new(o, "not_after",
		    list_json_time(e->not_after));
		json_object_set_new(o, "days_left", json_integer(e->days_left));
		json_object_set_new(o, "chain_in_file",
		    json_integer(e->chain_in_file));
	}
	json_object_set_new(o, "key_type", json_string(e->key_type));
	json_object_set_new(o, "key_bits", json_integer(e->key_bits));
	json_object_set_new(o, "signature_algorithm",
	    cli_json_text(e->signature_algorithm));
	json_object_set_new(o, "key_usage", list_json_strings(&e->key_usage));
	json_object_set_new(o, "ext_key_usage",
	    list_json_strings(&e->ext_key_usage));
	json_object_set_new(o, "sha256", json_string(e->sha256));
	json_object_set_new(o, "sha1", json_string(e->sha1));
	json_object_set_new(o, "tlsa_311", json_string(e->tlsa_311));
	for (i = 0; i < STORE_CHECK_COUNT; i++) {
		json_object_set_new(checks, store_check_names[i],
		    json_boolean(e->checks[i].ok));
		if (!e->checks[i].ok) {
			snprintf(key, sizeof key, "%s_why",
			    store_check_names[i]);
			json_object_set_new(checks, key,
			    cli_json_text(e->checks[i].why));
		}
	}
	json_object_set_new(o, "checks", checks);
	return o;
}

/*
 * The array one entry at a time, in the bytes json_dumpf would write for
 * the whole array: a tree of 10,000 entries held ~4.5 KiB each at once.
 */
static void
list_json_stream(const struct store_list *list)
{
	json_t	*o;
	char	*s, *p;
	size_t	 i;

	if (list->n == 0) {
		fputs("[]\n", stdout);
		return;
	}
	fputs("[\n", stdout);
	for (i = 0; i < list->n; i++) {
		o = list_json_entry(&list->v[i]);
		s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		    JSON_ENSURE_ASCII);
		json_decref(o);
		if (s == NULL)
			continue;
		fputs("  ", stdout);
		for (p = s; *p != '\0'; p++) {
			putchar(*p);
			if (*p == '\n')
				fputs("  ", stdout);
		}
		free(s);
		fputs(i + 1 < list->n ? ",\n" : "\n", stdout);
	}
	fputs("]\n", stdout);
}

static void
list_json_print(json_t *j)
{
	/*
	 * ASCII only: jansson escapes C0 controls but passes C1 ones (U+009B
	 * is CSI) through raw, and a certificate's fields are a stranger's.
	 */
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(j);
}

/* Print s escaped and padded to width display columns. */
static void
list_print_cell(const char *s, int width)
{
	char	*e = util_escape(s);
	int	 w = util_display_width(e);

	fputs(e, stdout);
	for (; w < width; w++)
		fputc(' ', stdout);
	free(e);
}

static const char *
list_status(const struct store_entry *e)
{
	if (e->error != NULL)
		return "unreadable";
	if (e->area == STORE_AREA_CA)
		return "intermediate";
	if (e->active)
		return "active";
	return e->kind == STORE_KIND_REQUEST ? "request" : "certificate";
}

static void
list_print_table(const struct store_list *list)
{
	const struct store_entry	*e;
	char				*to, *by, *expires, key[32];
	int				 w_name = 4, w_to = 9, w_by = 9, w;
	size_t				 i;

	for (i = 0; i < list->n; i++) {
		e = &list->v[i];
		if ((w = util_display_width(e->name)) > w_name)
			w_name = w;
		if ((w = util_display_width(e->common_name)) + 4 > w_to)
			w_to = w + 4;
		if (e->issuer_cn != NULL &&
		    (w = util_display_width(e->issuer_cn)) > w_by)
			w_by = w;
	}
	if (w_by < 11)
		w_by = 11;
	list_print_cell("STATUS", 13);
	list_print_cell("NAME", w_name + 2);
	list_print_cell("ISSUED TO", w_to + 2);
	list_print_cell("ISSUED BY", w_by + 2);
	list_print_cell("EXPIRES", 23);
	fputs("KEY\n", stdout);
	for (i = 0; i < list->n; i++) {
		e = &list->v[i];
		list_print_cell(list_status(e), 13);
		list_print_cell(e->name, w_name + 2);
		if (e->error != NULL) {
			cli_print_escaped(stdout, e->error);
			fputc('\n', stdout);
			continue;
		}
		if (e->alt_names.n > 1)
			xasprintf(&to, "%s +%zu", e->common_name,
			    e->alt_names.n - 1);
		else
			to = xstrdup(e->common_name);
		list_print_cell(to, w_to + 2);
		free(to);
		if (e->kind == STORE_KIND_REQUEST)
			by = xstrdup("(request)");
		else if (e->self_signed)
			by = xstrdup("self-signed");
		else
			by = xstrdup(e->issuer_cn);
		list_print_cell(by, w_by + 2);
		free(by);
		if (e->kind == STORE_KIND_REQUEST)
			expires = xstrdup("-");
		else {
			expires = util_format_time(e->not_after);
			expires[10] = '\0';
			by = expires;
			if (e->days_left < 0)
				xasprintf(&expires, "%s EXPIRED", by);
			else
				xasprintf(&expires, "%s (%ld d)", by,
				    e->days_left);
			free(by);
		}
		list_print_cell(expires, 23);
		free(expires);
		snprintf(key, sizeof key, "%s %u", e->key_type, e->key_bits);
		fputs(key, stdout);
		fputc('\n', stdout);
	}
}

static int
list_run(struct cli_ctx *ctx, enum store_area area, bool json)
{
	struct store_list	*list;
	char			*cause = NULL;
	int			 ret;

	if ((ret = cli_open_store(ctx, true)) != EXIT_DONE)
		return ret;
	if ((ret = store_list_entries(ctx->store, area, &list, &cause)) !=
	    STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return cli_exit_code(ret);
	}
	if (json)
		list_json_stream(list);
	else if (list->n == 0)
		printf("no entries in %s/%s\n", store_root(ctx->store),
		    area == STORE_AREA_CA ? "sslca" : "sslcert");
	else
		list_print_table(list);
	store_list_free(list);
	return EXIT_DONE;
}

int
cli_list_area(struct cli_ctx *ctx, const char *command, enum store_area area,
    int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "ca", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	bool				 json = false;
	int				 ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			area = STORE_AREA_CA;
			break;
		case 'j':
			json = true;
			break;
		default:
			return cli_usage(command, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(command, "unexpected argument '%s'",
		    argv[optind]);
	return list_run(ctx, area, json);
}

int
cli_cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_list_area(ctx, "list", STORE_AREA_SERVER, argc, argv);
}

static void
show_line(const char *label, const char *value)
{
	printf("%-20s ", label);
	cli_print_escaped(stdout, value != NULL ? value : "");
	fputc('\n', stdout);
}

static void
show_strings(const char *label, const struct store_strings *s)
{
	struct util_buf	b = { 0 };
	size_t		i;
	char		*text;

	for (i = 0; i < s->n; i++)
		util_buf_printf(&b, "%s%s", i > 0 ? ", " : "", s->v[i]);
	text = util_buf_take_string(&b);
	show_line(label, s->n > 0 ? text : "(none)");
	free(text);
}

static void
show_text(const struct store_entry *e)
{
	char	*s, buf[64];
	int	 i;

	show_line("Name:", e->name);
	show_line("Kind:", e->area == STORE_AREA_CA ? "intermediate" :
	    e->kind == STORE_KIND_REQUEST ? "certificate request" :
	    e->active ? "certificate (active)" : "certificate");
	show_line("File:", e->path);
	show_line("Private key:", e->has_key ? e->key_path : "(none)");
	show_line("Subject:", e->subject);
	show_strings("Alternative names:", &e->alt_names);
	if (e->kind == STORE_KIND_CERTIFICATE) {
		show_line("Issuer:", e->self_signed ? "(self-signed)" :
		    e->issuer);
		show_line("Serial:", e->serial);
		s = util_format_time(e->not_before);
		show_line("Valid from:", s);
		free(s);
		s = util_format_time(e->not_after);
		snprintf(buf, sizeof buf, "%s (%ld days left)", s, e->days_left);
		show_line("Valid until:", buf);
		free(s);
	}
	snprintf(buf, sizeof buf, "%s %u bits", e->key_type, e->key_bits);
	show_line("Key:", buf);
	show_line("Signature:", e->signature_algorithm);
	show_strings("Key usage:", &e->key_usage);
	show_strings("Extended key usage:", &e->ext_key_usage);
	if (e->kind == STORE_KIND_CERTIFICATE) {
		snprintf(buf, sizeof buf, "%u", e->chain_in_file);
		show_line("Chain in file:", buf);
	}
	show_line("SHA-256:", e->sha256);
	show_line("SHA-1:", e->sha1);
	xasprintf(&s, "3 1 1 %s", e->tlsa_311);
	show_line("DANE TLSA:", s);
	free(s);
	printf("Checks:\n");
	for (i = 0; i < STORE_CHECK_COUNT; i++) {
		printf("  %-16s %s", store_check_names[i], e->checks[i].ok ?
		    "yes" : "NO: ");
		if (!e->checks[i].ok)
			cli_print_escaped(stdout, e->checks[i].why);
		fputc('\n', stdout);
	}
}

int
cli_cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "ca", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_entry		*e;
	enum store_area			 area = STORE_AREA_SERVER;
	char				*cause = NULL;
	bool				 json = false;
	int				 ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			area = STORE_AREA_CA;
			break;
		case 'j':
			json = true;
			break;
		default:
			return cli_usage("show", "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage("show", "give one entry NAME");
	/*
	 * Only 'show server' makes the first-run pair: a name that is
	 * wrong must leave the folder as it was.
	 */
	if ((ret = cli_open_store(ctx, area == STORE_AREA_SERVER &&
	    strcmp(argv[optind], "server") == 0)) != EXIT_DONE)
		return ret;
	if ((ret = store_show_entry(ctx->store, area, argv[optind], &e,
	    &cause)) != STORE_OK) {
		cli_error("%s", cause);
		free(cause);
		return cli_exit_code(ret);
	}
	if (json)
		list_json_print(list_json_entry(e));
	else
		show_text(e);
	store_entry_free(e);
	return EXIT_DONE;
}
