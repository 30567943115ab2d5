/*
 * cli-transfer: import, export and ca import on the command line.  The
 * store decides and words everything; these parse options, read password
 * files (never a password argument: other users can read the process
 * list) and write the export where asked.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certdesk/util.h"
#include "cli.h"

static void
transfer_free_password(char *password)
{
	if (password != NULL)
		util_free_secret(password, strlen(password));
}

static int
transfer_read_password(const char *file, char **password)
{
	char	*cause = NULL;

	*password = NULL;
	if (file == NULL)
		return EXIT_DONE;
	if (util_read_password_file(file, password, &cause) != 0) {
		cli_error("%s", cause != NULL ? cause :
		    "cannot read the password file");
		free(cause);
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}

/*
 * Refuse --password (and what getopt would take for an abbreviation of
 * --password-file, like --pass=x): a password in the arguments can be
 * read by every user in the process list.
 */
static bool
transfer_refuse_password_argument(const char *command, int argc, char **argv,
    int *ret)
{
	const char	*arg, *eq;
	size_t		 len;
	int		 i;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--") == 0)
			break;
		if (strncmp(arg, "--", 2) != 0)
			continue;
		arg += 2;
		eq = strchr(arg, '=');
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (len >= 4 && len <= 8 && strncmp(arg, "password", len) == 0) {
			*ret = cli_usage(command, "a password is never given "
			    "as an argument (other users can read it); put it "
			    "in a file and give --password-file FILE");
			return true;
		}
	}
	return false;
}

static int
transfer_import(struct cli_ctx *ctx, const char *command, bool ca_only,
    int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_import_options	 opts = { .ca_only = ca_only };
	struct store_import_plan	*plan = NULL;
	const char			*password_file = NULL;
	char				*password = NULL, *cause = NULL;
	char				*note = NULL;
	int				 ch, status, ret;

	if (transfer_refuse_password_argument(command, argc, argv, &ret))
		return ret;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ca_only ? ":h" : ":k:p:n:h",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			opts.key_file = optarg;
			break;
		case 'p':
			password_file = optarg;
			break;
		case 'n':
			opts.name = optarg;
			break;
		case 'h':
			printf("usage: certdesk %s FILE%s\n", command, ca_only ?
			    "" : " [--key KEYFILE] [--password-file F] "
			    "[--name NAME]");
			return EXIT_DONE;
		case ':':
			return cli_usage(command, "%s needs a value",
			    argv[optind - 1]);
		default:
			return cli_usage(command, "unknown option %s",
			    argv[optind - 1]);
		}
	}
	if (ca_only && (opts.key_file != NULL || password_file != NULL ||
	    opts.name != NULL))
		return cli_usage(command, "ca import takes only a file");
	if (argc - optind != 1)
		return cli_usage(command, argc - optind == 0 ? "which file? "
		    "give the file to import" : "give one file to import");

	if ((ret = transfer_read_password(password_file, &password)) !=
	    EXIT_DONE)
		return ret;
	opts.password = password;
	if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
		goto out;

	status = store_import_prepare(ctx->store, argv[optind], &opts, &plan,
	    &cause);
	if (status != STORE_OK) {
		cli_error("%s", cause != NULL ? cause : "import failed");
		ret = cli_exit_code(status);
		goto out;
	}
	fputs(store_import_summary(plan), stdout);
	fflush(stdout);
	status = store_import_commit(ctx->store, plan, &note, &cause);
	if (status != STORE_OK) {
		cli_error("%s", cause != NULL ? cause : "import failed");
		ret = cli_exit_code(status);
		goto out;
	}
	if (note != NULL)
		cli_note(note);
	ret = EXIT_DONE;
out:
	store_import_plan_free(plan);
	transfer_free_password(password);
	free(note);
	free(cause);
	return ret;
}

int
cli_cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	return transfer_import(ctx, "import", false, argc, argv);
}

int
cli_ca_import(struct cli_ctx *ctx, int argc, char **argv)
{
	return transfer_import(ctx, "ca import", true, argc, argv);
}

/* Write data to standard output, all of it. */
static int
transfer_write_stdout(const unsigned char *data, size_t len)
{
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		cli_error("cannot write to standard output: %s",
		    strerror(errno));
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}

static const char *const transfer_whats[] = {
	[STORE_EXPORT_CERTIFICATE] = "certificate",
	[STORE_EXPORT_CHAIN] = "chain",
	[STORE_EXPORT_REQUEST] = "request",
	[STORE_EXPORT_KEY] = "key",
	[STORE_EXPORT_PKCS12] = "pkcs12",
};

int
cli_cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "what", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "ca", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_export_options	 opts = { .format = STORE_FORMAT_PEM,
					     .profile = STORE_PROFILE_MODERN };
	enum store_area			 area = STORE_AREA_SERVER;
	const char			*password_file = NULL, *out = NULL;
	const char			*what = NULL, *name;
	char				*password = NULL, *cause = NULL;
	unsigned char			*data = NULL;
	size_t				 len = 0, i;
	bool				 force = false, secret = false;
	int				 ch, status, ret;

	if (transfer_refuse_password_argument("export", argc, argv, &ret))
		return ret;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			what = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "pem") == 0)
				opts.format = STORE_FORMAT_PEM;
			else if (strcmp(optarg, "der") == 0)
				opts.format = STORE_FORMAT_DER;
			else
				return cli_usage("export", "--format is pem "
				    "or der, not '%s'", optarg);
			break;
		case 'P':
			if (strcmp(optarg, "modern") == 0)
				opts.profile = STORE_PROFILE_MODERN;
			else if (strcmp(optarg, "legacy") == 0)
				opts.profile = STORE_PROFILE_LEGACY;
			else
				return cli_usage("export", "--profile is "
				    "modern or legacy, not '%s'", optarg);
			break;
		case 'p':
			password_file = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			area = STORE_AREA_CA;
			break;
		case 'h':
			printf("usage: certdesk export NAME --what certificate|"
			    "chain|request|key|pkcs12 [--format pem|der] "
			    "[--profile modern|legacy] [--password-file F] "
			    "[--force] [--ca] --out FILE\n");
			return EXIT_DONE;
		case ':':
			return cli_usage("export", "%s needs a value",
			    argv[optind - 1]);
		default:
			return cli_usage("export", "unknown option %s",
			    argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("export", argc - optind == 0 ? "which entry? "
		    "give its name" : "give one entry name");
	name = argv[optind];
	if (what == NULL)
		return cli_usage("export", "say what to export with --what "
		    "certificate|chain|request|key|pkcs12");
	for (i = 0; i < sizeof transfer_whats / sizeof transfer_whats[0];
	    i++) {
		if (strcmp(what, transfer_whats[i]) == 0)
			break;
	}
	if (i == sizeof transfer_whats / sizeof transfer_whats[0])
		return cli_usage("export", "--what is certificate, chain, "
		    "request, key or pkcs12, not '%s'", what);
	opts.what = i;
	if (out == NULL)
		return cli_usage("export", "say where to write with --out "
		    "FILE (- for standard output)");
	if (opts.what == STORE_EXPORT_PKCS12 && password_file == NULL)
		return cli_usage("export", "a PKCS#12 bundle needs a "
		    "password: give one with --password-file FILE");
	if (area == STORE_AREA_CA && opts.what != STORE_EXPORT_CERTIFICATE &&
	    opts.what != STORE_EXPORT_CHAIN)
		return cli_usage("export", "--ca exports a certificate or a "
		    "chain only");

	/* Refuse early: no password is read for a file that is kept. */
	if (strcmp(out, "-") != 0 && !force && util_file_exists(out)) {
		cli_error("%s exists; use --force to replace it", out);
		return EXIT_FAILED;
	}
	if ((ret = transfer_read_password(password_file, &password)) !=
	    EXIT_DONE)
		return ret;
	opts.password = password;
	if ((ret = cli_open_store(ctx, false)) != EXIT_DONE)
		goto done;

	status = store_export_data(ctx->store, area, name, &opts, &data, &len,
	    &secret, &cause);
	if (status != STORE_OK) {
		cli_error("%s", cause != NULL ? cause : "export failed");
		ret = cli_exit_code(status);
		goto done;
	}
	if (strcmp(out, "-") == 0)
		ret = transfer_write_stdout(data, len);
	else if (util_write_atomic(out, data, len, secret ? 0600 : 0644,
	    force, &cause) != 0) {
		if (!force && util_file_exists(out))
			cli_error("%s exists; use --force to replace it", out);
		else
			cli_error("%s", cause != NULL ? cause :
			    "cannot write the export");
		ret = EXIT_FAILED;
	} else {
		char	*note;

		xasprintf(&note, "wrote the %s of %s to %s%s", what, name, out,
		    secret ? " (mode 0600)" : "");
		cli_note(note);
		free(note);
		ret = EXIT_DONE;
	}
done:
	if (data != NULL) {
		if (secret)
			util_free_secret(data, len);
		else
			free(data);
	}
	transfer_free_password(password);
	free(cause);
	return ret;
}
