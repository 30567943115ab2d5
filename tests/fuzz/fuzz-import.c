/*
 * fuzz-import.c: a libFuzzer target for every parser a stranger's bytes
 * reach.  Each input is seen as the import path sees a file handed to it
 * and as list and show see a file copied into sslcert/ or sslca/ by hand:
 *
 *   - x509_certs_import (PEM lists and DER) and the DN, fingerprint and
 *     chain-order helpers on whatever it accepts;
 *   - x509_key_load and x509_crq_load (PEM, then DER) from a file;
 *   - store_show_entry on a scratch root where the bytes are at once
 *     sslcert/x.crt + x.key, sslcert/y.csr + y.key and sslca/z.crt, so
 *     store-info.c (alt names, key usages, key types, the checks, chain
 *     building through a hostile sslca/) runs on hostile certificates;
 *   - util_escape on every string taken from a certificate;
 *   - store_import_prepare with the password "fuzz" (the seeds' PKCS#12
 *     and encrypted keys use it), once store-import.c provides it
 *     (FUZZ_HAVE_IMPORT, set by run.sh).
 *
 * Built by tests/fuzz/run.sh, not by automake.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-internal.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct store	*fz_store;
static char		 fz_root[] = "/tmp/certdesk-fuzz.XXXXXX";
static char		*fz_input, *fz_crt, *fz_key, *fz_csr, *fz_csr_key;
static char		*fz_ca;

static void
fz_write(const char *path, const uint8_t *data, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		abort();
	}
	if (len > 0 && fwrite(data, 1, len, f) != len)
		abort();
	if (fclose(f) != 0)
		abort();
}

static void
fz_escape(const char *s)
{
	if (s != NULL)
		free(util_escape(s));
}

/* Touch every string of an entry the way the faces print it. */
static void
fz_entry(const struct store_entry *e)
{
	size_t	i;
	int	c;

	fz_escape(e->name);
	fz_escape(e->common_name);
	fz_escape(e->subject);
	fz_escape(e->issuer);
	fz_escape(e->issuer_cn);
	fz_escape(e->serial);
	fz_escape(e->key_type);
	fz_escape(e->signature_algorithm);
	for (i = 0; i < e->alt_names.n; i++)
		fz_escape(e->alt_names.v[i]);
	for (i = 0; i < e->key_usage.n; i++)
		fz_escape(e->key_usage.v[i]);
	for (i = 0; i < e->ext_key_usage.n; i++)
		fz_escape(e->ext_key_usage.v[i]);
	for (c = 0; c < STORE_CHECK_COUNT; c++)
		fz_escape(e->checks[c].why);
	if (e->sha256[64] != '\0' || e->sha1[40] != '\0' ||
	    e->tlsa_311[64] != '\0')
		abort();
}

static void
fz_certs(const uint8_t *data, size_t len)
{
	gnutls_x509_crt_t	*certs;
	unsigned		 n, i, leaf;
	char			*cause = NULL, hex[65];

	if (x509_certs_import(data, len, &certs, &n, &cause) != STORE_OK) {
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		free(x509_crt_common_name(certs[i]));
		free(x509_crt_issuer_common_name(certs[i]));
		free(x509_crt_subject(certs[i]));
		free(x509_crt_issuer(certs[i]));
		x509_crt_sha256_hex(certs[i], hex);
		x509_crt_is_self_signed(certs[i]);
		x509_crt_is_ca(certs[i]);
	}
	x509_chain_order(certs, n, &leaf);
	x509_certs_free(certs, n);
}

static void
fz_keys(void)
{
	gnutls_x509_privkey_t	 key;
	gnutls_x509_crq_t	 crq;
	unsigned char		 id[32];
	char			*cause = NULL;

	if (x509_key_load(fz_input, &key, &cause) == STORE_OK) {
		x509_key_id(key, id);
		gnutls_x509_privkey_deinit(key);
	}
	free(cause);
	cause = NULL;
	if (x509_crq_load(fz_input, &crq, &cause) == STORE_OK) {
		x509_crq_key_id(crq, id);
		gnutls_x509_crq_deinit(crq);
	}
	free(cause);
}

static void
fz_show(enum store_area area, const char *name)
{
	struct store_entry	*e;
	char			*cause = NULL;

	if (store_show_entry(fz_store, area, name, &e, &cause) == STORE_OK) {
		fz_entry(e);
		store_entry_free(e);
	} else if (cause == NULL)
		abort();	/* a failure always says why */
	free(cause);
}

#ifdef FUZZ_HAVE_IMPORT
static void
fz_import(const char *key_file)
{
	struct store_import_options	 o;
	struct store_import_plan	*plan = NULL;
	char				*cause = NULL;
	const char			*summary;

	memset(&o, 0, sizeof o);
	o.password = "fuzz";
	o.key_file = key_file;
	if (store_import_prepare(fz_store, fz_input, &o, &plan, &cause) ==
	    STORE_OK) {
		summary = store_import_summary(plan);
		if (summary == NULL)
			abort();
		fz_escape(summary);
		store_import_plan_free(plan);
	} else if (cause == NULL)
		abort();
	free(cause);
}
#endif

static void
fz_cleanup(void)
{
	unlink(fz_input);
	unlink(fz_crt);
	unlink(fz_key);
	unlink(fz_csr);
	unlink(fz_csr_key);
	unlink(fz_ca);
	store_free(fz_store);
	/* Whatever else a store call left (a lock file, a journal). */
	if (strncmp(fz_root, "/tmp/certdesk-fuzz.", 19) == 0) {
		char	*cmd;

		xasprintf(&cmd, "rm -rf '%s'", fz_root);
		if (system(cmd) != 0)
			;
		free(cmd);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_options	 o;
	char			*path, *note = NULL, *cause = NULL;
	static const char	 conf[] = "[server]\nhostname = "
	    "mail.example.com\n";

	if (mkdtemp(fz_root) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	path = util_path_join(fz_root, "sslcert");
	mkdir(path, 0755);
	free(path);
	path = util_path_join(fz_root, "sslca");
	mkdir(path, 0755);
	free(path);
	path = util_path_join(fz_root, "certdesk.conf");
	fz_write(path, (const uint8_t *)conf, sizeof conf - 1);
	free(path);
	/* A fixed clock: the same input takes the same path every run. */
	setenv("CERTDESK_NOW", "1800000000", 1);
	/* The entry cache, if list uses it, stays in the scratch root. */
	path = util_path_join(fz_root, "cache");
	setenv("CERTDESK_CACHE", path, 1);
	free(path);
	unsetenv("CERTDESK_ROOT");

	memset(&o, 0, sizeof o);
	o.root = fz_root;
	o.system_conf = "/nonexistent/certdesk.conf";
	if (store_open(&o, &fz_store, &note, &cause) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", cause);
		exit(1);
	}
	free(note);
	fz_input = util_path_join(fz_root, "input");
	xasprintf(&fz_crt, "%s/sslcert/x.crt", fz_root);
	xasprintf(&fz_key, "%s/sslcert/x.key", fz_root);
	xasprintf(&fz_csr, "%s/sslcert/y.csr", fz_root);
	xasprintf(&fz_csr_key, "%s/sslcert/y.key", fz_root);
	xasprintf(&fz_ca, "%s/sslca/z.crt", fz_root);
	atexit(fz_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* Real files are small; big inputs only slow the search down. */
	if (len > 65536)
		return 0;

	fz_certs(data, len);

	fz_write(fz_input, data, len);
	fz_keys();

	fz_write(fz_crt, data, len);
	fz_write(fz_key, data, len);
	fz_write(fz_csr, data, len);
	fz_write(fz_csr_key, data, len);
	fz_write(fz_ca, data, len);
	fz_show(STORE_AREA_SERVER, "x");
	fz_show(STORE_AREA_SERVER, "y");
	fz_show(STORE_AREA_CA, "z");

#ifdef FUZZ_HAVE_IMPORT
	fz_import(NULL);
	fz_import(fz_input);
#endif
	return 0;
}
