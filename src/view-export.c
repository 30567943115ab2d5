/*
 * view-export: choose what to export (certificate, chain, request, key,
 * PKCS#12 with its profile), the format, the destination and a password
 * where one is needed (masked, asked twice), confirm before overwriting,
 * then write the store's bytes atomically (0600 when they hold a key).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"
#include "certdesk/util.h"

struct view_export_choice {
	const char		*label;
	enum store_export_what	 what;
	const char		*ext;
};

static const struct view_export_choice view_export_certificate[] = {
	{ "Certificate", STORE_EXPORT_CERTIFICATE, ".crt" },
	{ "Chain (the certificate and its intermediates)",
	    STORE_EXPORT_CHAIN, "-chain.pem" },
	{ "Private key", STORE_EXPORT_KEY, ".key" },
	{ "PKCS#12 (certificate, chain and key)", STORE_EXPORT_PKCS12,
	    ".p12" },
};
static const struct view_export_choice view_export_request[] = {
	{ "Certificate request (send it to an authority)",
	    STORE_EXPORT_REQUEST, ".csr" },
	{ "Private key", STORE_EXPORT_KEY, ".key" },
};
static const struct view_export_choice view_export_ca[] = {
	{ "Certificate", STORE_EXPORT_CERTIFICATE, ".crt" },
	{ "Chain", STORE_EXPORT_CHAIN, "-chain.pem" },
};

/* A password asked twice; NULL on Esc.  empty_ok allows no password. */
static char *
view_export_password(struct ui *ui, const char *why, bool empty_ok)
{
	char	*a, *b;

	for (;;) {
		a = ui_dialog_prompt(ui, why, "Password: ", NULL, true);
		if (a == NULL)
			return NULL;
		if (*a == '\0') {
			if (empty_ok)
				return a;
			free(a);
			ui_dialog_message(ui, "Export", "A PKCS#12 file "
			    "needs a password: give one, or Esc to cancel.");
			continue;
		}
		b = ui_dialog_prompt(ui, why, "Again: ", NULL, true);
		if (b == NULL) {
			util_free_secret(a, strlen(a));
			return NULL;
		}
		if (strcmp(a, b) == 0) {
			util_free_secret(b, strlen(b));
			return a;
		}
		util_free_secret(a, strlen(a));
		util_free_secret(b, strlen(b));
		ui_dialog_message(ui, "Export", "The two passwords differ; "
		    "type them again.");
	}
}

struct view_export_job {
	struct store			*store;
	enum store_area			 area;
	const char			*name;
	struct store_export_options	*opts;
	unsigned char			*data;
	size_t				 len;
	bool				 secret;
	char				*cause;
	int				 status;
};

static void
view_export_job_cb(void *arg)
{
	struct view_export_job	*j = arg;

	j->status = store_export_data(j->store, j->area, j->name, j->opts,
	    &j->data, &j->len, &j->secret, &j->cause);
}

void
view_export_run(struct ui *ui, enum store_area area, const char *name)
{
	const struct view_export_choice	*choices, *c;
	struct store_export_options	 opts = { 0 };
	struct view_export_job		 j = { 0 };
	struct store_entry		*e = NULL;
	const char			*items[8];
	char				*cause = NULL, *path = NULL, *cwd;
	char				*def = NULL, *text;
	char				*password = NULL;
	size_t				 n, i;
	int				 pick;
	bool				 replace = false;
	static const char *const	 formats[] = {
		"PEM (text, -----BEGIN ...)", "DER (binary)"
	};
	static const char *const	 profiles[] = {
		"Modern (AES-256, SHA-256)",
		"Legacy (3DES, SHA-1: old Windows and appliances)"
	};

	if (store_show_entry(ui->store, area, name, &e, &cause) != STORE_OK) {
		ui_dialog_message(ui, "Export", cause);
		free(cause);
		return;
	}
	if (area == STORE_AREA_CA) {
		choices = view_export_ca;
		n = sizeof view_export_ca / sizeof view_export_ca[0];
	} else if (e->kind == STORE_KIND_REQUEST) {
		choices = view_export_request;
		n = sizeof view_export_request / sizeof view_export_request[0];
	} else {
		choices = view_export_certificate;
		n = sizeof view_export_certificate /
		    sizeof view_export_certificate[0];
	}
	store_entry_free(e);
	for (i = 0; i < n; i++)
		items[i] = choices[i].label;
	text = NULL;
	xasprintf(&text, "Export %s: what?", name);
	pick = ui_dialog_choose(ui, text, items, n, 0);
	free(text);
	if (pick < 0)
		goto cancel;
	c = &choices[pick];
	opts.what = c->what;
	opts.format = STORE_FORMAT_PEM;
	opts.profile = STORE_PROFILE_MODERN;

	if (c->what == STORE_EXPORT_PKCS12) {
		pick = ui_dialog_choose(ui, "PKCS#12 profile", profiles, 2, 0);
		if (pick < 0)
			goto cancel;
		opts.profile = pick == 1 ? STORE_PROFILE_LEGACY :
		    STORE_PROFILE_MODERN;
		password = view_export_password(ui, "PKCS#12 password "
		    "(required)", false);
		if (password == NULL)
			goto cancel;
	} else {
		pick = ui_dialog_choose(ui, "Format", formats, 2, 0);
		if (pick < 0)
			goto cancel;
		opts.format = pick == 1 ? STORE_FORMAT_DER : STORE_FORMAT_PEM;
		if (c->what == STORE_EXPORT_KEY) {
			password = view_export_password(ui, "Encrypt the key "
			    "(empty: not encrypted)", true);
			if (password == NULL)
				goto cancel;
		}
	}
	if (password != NULL && *password != '\0')
		opts.password = password;

	cwd = getcwd(NULL, 0);
	xasprintf(&text, "%s%s", name, opts.format == STORE_FORMAT_DER &&
	    c->what != STORE_EXPORT_PKCS12 ? ".der" : c->ext);
	def = util_path_join(cwd != NULL ? cwd : ".", text);
	free(text);
	free(cwd);
	for (;;) {
		free(path);
		path = ui_dialog_prompt(ui, "Export: destination file",
		    "File: ", def, false);
		if (path == NULL || *path == '\0')
			goto cancel;
		if (!util_file_exists(path))
			break;
		xasprintf(&text, "%s exists. Replace it?", path);
		replace = ui_dialog_confirm(ui, "Export", text, "Replace",
		    "Choose another");
		free(text);
		if (replace)
			break;
		free(def);
		def = xstrdup(path);
	}

	j.store = ui->store;
	j.area = area;
	j.name = name;
	j.opts = &opts;
	ui_run_long(ui, "Exporting", view_export_job_cb, &j);
	if (j.status != STORE_OK) {
		ui_dialog_message(ui, "Export failed", j.cause);
		ui_set_message(ui, true, "%s", j.cause != NULL ? j.cause :
		    "export failed");
		goto out;
	}
	if (util_write_atomic(path, j.data, j.len, j.secret ? 0600 : 0644,
	    replace, &cause) != STORE_OK) {
		ui_dialog_message(ui, "Export failed", cause);
		ui_set_message(ui, true, "%s", cause);
		goto out;
	}
	ui_set_message(ui, false, "Exported %s to %s%s", name, path,
	    j.secret ? " (mode 0600: it holds a private key)" : "");
	goto out;

cancel:
	ui_set_message(ui, false, "Nothing exported.");
out:
	if (j.data != NULL) {
		if (j.secret)
			util_free_secret(j.data, j.len);
		else
			free(j.data);
	}
	if (password != NULL)
		util_free_secret(password, strlen(password));
	free(j.cause);
	free(cause);
	free(path);
	free(def);
}
