/*
 * store-trust.c: chains and trust.  The intermediates in sslca/ and the
 * system trust store are loaded once per open store; a chain is built
 * from the leaf upwards by issuer, the way a TLS client would.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

static bool
store_trust_is_cert_file(const char *name)
{
	size_t	len = strlen(name);

	if (name[0] == '.' || len < 5)
		return false;
	return strcmp(name + len - 4, ".crt") == 0 ||
	    strcmp(name + len - 4, ".pem") == 0 ||
	    strcmp(name + len - 4, ".cer") == 0;
}

int
store_load_ca_pool(struct store *st, char **cause)
{
	struct dirent		*de;
	DIR			*d;
	gnutls_x509_crt_t	*certs;
	unsigned		 n, i;
	char			*path;

	if (st->ca_pool_loaded)
		return STORE_OK;
	st->ca_pool_loaded = true;
	if ((d = opendir(st->sslca)) == NULL)
		return STORE_OK;
	while ((de = readdir(d)) != NULL) {
		if (!store_trust_is_cert_file(de->d_name))
			continue;
		path = util_path_join(st->sslca, de->d_name);
		/* An unreadable file there is shown by list; skip it here. */
		if (x509_certs_load(path, &certs, &n, NULL) == STORE_OK) {
			st->ca_pool = gnutls_realloc(st->ca_pool,
			    (st->n_ca_pool + n) * sizeof *st->ca_pool);
			if (st->ca_pool == NULL)
				abort();
			for (i = 0; i < n; i++)
				st->ca_pool[st->n_ca_pool++] = certs[i];
			gnutls_free(certs);
		}
		free(path);
	}
	closedir(d);
	return STORE_OK;
}

/* The system trust store, or [server] trust_file when configured. */
char *
store_trust_file(const struct store *st)
{
	const char	*file = store_config_get(st, "server", "trust_file");

	if (file == NULL || *file == '\0')
		return NULL;
	/* A relative path is relative to the server root, not the cwd. */
	if (file[0] == '/')
		return xstrdup(file);
	return util_path_join(st->root, file);
}

static int
store_load_system_trust(struct store *st, char **cause)
{
	char	*path;
	int	 ret;

	if (st->system_trust_loaded)
		return STORE_OK;
	if ((ret = gnutls_x509_trust_list_init(&st->system_trust, 0)) < 0) {
		util_set_cause(cause, "cannot load the trust store: %s",
		    gnutls_strerror(ret));
		return STORE_FAIL;
	}
	st->system_trust_loaded = true;
	if ((path = store_trust_file(st)) != NULL) {
		ret = gnutls_x509_trust_list_add_trust_file(st->system_trust,
		    path, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		/* Say so, rather than calling every chain untrusted. */
		if (ret <= 0)
			xasprintf(&st->trust_error, "trust_file %s in "
			    "certdesk.conf holds no readable certificate; fix "
			    "the path or remove the setting", path);
		free(path);
	}
	else
		ret = gnutls_x509_trust_list_add_system_trust(st->system_trust,
		    0, 0);
	/* No system store at all is not fatal: nothing is trusted then. */
	(void)ret;
	return STORE_OK;
}

void
store_forget_cache(struct store *st)
{
	x509_certs_free(st->ca_pool, st->n_ca_pool);
	st->ca_pool = NULL;
	st->n_ca_pool = 0;
	st->ca_pool_loaded = false;
	st->active_known = false;
}

const char *
store_active_sha256(struct store *st)
{
	gnutls_x509_crt_t	*certs;
	unsigned		 n;
	char			*path;

	if (st->active_known)
		return st->active_sha256;
	st->active_known = true;
	st->active_sha256[0] = '\0';
	path = util_path_join(st->sslcert, "server.crt");
	if (x509_certs_load(path, &certs, &n, NULL) == STORE_OK) {
		x509_crt_sha256_hex(certs[0], st->active_sha256);
		x509_certs_free(certs, n);
	}
	free(path);
	return st->active_sha256;
}

static bool
store_chain_contains(gnutls_x509_crt_t *chain, unsigned n,
    gnutls_x509_crt_t crt)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		/* By identity: each certificate is parsed once per store. */
		if (chain[i] == crt)
			return true;
	}
	return false;
}

static gnutls_x509_crt_t
store_find_issuer(gnutls_x509_crt_t crt, gnutls_x509_crt_t *pool, unsigned n,
    gnutls_x509_crt_t *chain, unsigned n_chain)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		if (gnutls_x509_crt_check_issuer(crt, pool[i]) == 1 &&
		    !store_chain_contains(chain, n_chain, pool[i]))
			return pool[i];
	}
	return NULL;
}

/* Was crt issued by a certificate already in the chain (a loop)? */
static bool
store_chain_issued_by(gnutls_x509_crt_t crt, gnutls_x509_crt_t *chain,
    unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		if (gnutls_x509_crt_check_issuer(crt, chain[i]) == 1)
			return true;
	}
	return false;
}

int
store_build_chain(struct store *st, gnutls_x509_crt_t leaf,
    gnutls_x509_crt_t *extra, unsigned n_extra, gnutls_x509_crt_t **chain,
    unsigned *n, bool *complete, char **why)
{
	gnutls_x509_crt_t	 cur, next, trusted_issuer;
	char			*name;
	unsigned		 depth;

	*complete = false;
	if (store_load_ca_pool(st, why) != STORE_OK)
		return STORE_FAIL;
	*chain = xcalloc(18, sizeof **chain);
	(*chain)[0] = leaf;
	*n = 1;
	for (cur = leaf, depth = 0; depth < 16; depth++) {
		if (x509_crt_is_self_signed(cur)) {
			*complete = true;
			break;
		}
		next = store_find_issuer(cur, extra, n_extra, *chain, *n);
		if (next == NULL)
			next = store_find_issuer(cur, st->ca_pool,
			    st->n_ca_pool, *chain, *n);
		if (next == NULL) {
			/* The system store is loaded only when it is needed. */
			if (store_load_system_trust(st, why) != STORE_OK)
				break;
			if (gnutls_x509_trust_list_get_issuer(st->system_trust,
			    cur, &trusted_issuer, 0) == 0) {
				*complete = true;
				break;
			}
			name = x509_crt_issuer(cur);
			if (store_chain_issued_by(cur, *chain, *n))
				util_set_cause(why, "the chain loops: %s is "
				    "issued by a certificate below it; remove "
				    "the cross-signed certificate from sslca/",
				    name);
			else
				util_set_cause(why, "the issuer %s is not in "
				    "sslca/ or the system trust store; add its "
				    "certificate to sslca/", name);
			free(name);
			break;
		}
		/* The root closes the chain but is not sent by a server. */
		if (x509_crt_is_self_signed(next)) {
			*complete = true;
			break;
		}
		(*chain)[(*n)++] = next;
		cur = next;
	}
	if (depth == 16)
		util_set_cause(why, "the chain is longer than 16 "
		    "certificates");
	return STORE_OK;
}

int
store_chain_trusted(struct store *st, gnutls_x509_crt_t *chain, unsigned n,
    bool *trusted, char **why)
{
	unsigned	 status = 0;
	char		*name;
	int		 ret;

	*trusted = false;
	/*
	 * A self-signed leaf is trusted only if it is itself in the trust
	 * store, which a server certificate never is: say so without loading
	 * the store.
	 */
	if (n == 1 && x509_crt_is_self_signed(chain[0]) &&
	    store_config_get(st, "server", "trust_file") == NULL) {
		util_set_cause(why, "self-signed: clients warn until they "
		    "install this certificate or you get one from a "
		    "certificate authority");
		return STORE_OK;
	}
	if (store_load_system_trust(st, why) != STORE_OK)
		return STORE_FAIL;
	/* Dates are their own check: trust here means the chain alone. */
	ret = gnutls_x509_trust_list_verify_crt2(st->system_trust, chain, n,
	    NULL, 0, GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &status, NULL);
	if (ret < 0) {
		util_set_cause(why, "cannot verify the chain: %s",
		    gnutls_strerror(ret));
		return STORE_OK;
	}
	if (status == 0) {
		*trusted = true;
		return STORE_OK;
	}
	if (st->trust_error != NULL) {
		util_set_cause(why, "%s", st->trust_error);
		return STORE_OK;
	}
	if (n == 1 && x509_crt_is_self_signed(chain[0]))
		util_set_cause(why, "self-signed: clients warn until they "
		    "install this certificate or you get one from a "
		    "certificate authority");
	else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
		name = x509_crt_issuer(chain[n - 1]);
		util_set_cause(why, "chains to %s, which is not a root in the "
		    "system trust store: clients warn unless they install it",
		    name);
		free(name);
	} else if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		util_set_cause(why, "signed with an insecure algorithm that "
		    "clients reject");
	else if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		util_set_cause(why, "a signature in the chain does not "
		    "verify");
	else if (status & GNUTLS_CERT_REVOKED)
		util_set_cause(why, "revoked");
	else
		util_set_cause(why, "the chain does not verify to a root in "
		    "the system trust store");
	return STORE_OK;
}
