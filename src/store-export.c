/*
 * store-export: an entry's certificate, chain, request, key or PKCS#12
 * bundle as bytes for the faces to write.  The PKCS#12 profiles exist
 * because old Windows servers and appliances reject AES/SHA-256 bundles
 * as "invalid password": legacy gives them 3DES and a SHA-1 MAC.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/pkcs12.h>

#include "store-internal.h"

static void
export_take(struct util_buf *b, unsigned char **data, size_t *len)
{
	*len = b->len;
	*data = b->data;
	if (*data == NULL)
		*data = xcalloc(1, 1);
	memset(b, 0, sizeof *b);
}

static void
export_buf_free(struct util_buf *b, bool secret)
{
	if (secret && b->data != NULL) {
		util_free_secret(b->data, b->size);
		memset(b, 0, sizeof *b);
	} else
		util_buf_done(b);
}

/* Load an entry's certificate file; *certs[0] is its certificate. */
static int
export_load_certs(struct store *s, enum store_area area, const char *name,
    gnutls_x509_crt_t **certs, unsigned *n, char **cause)
{
	char	*path, *csr;
	int	 status;

	path = store_entry_file(s, area, name, ".crt");
	if (!util_file_exists(path)) {
		csr = store_entry_file(s, area, name, ".csr");
		if (area == STORE_AREA_SERVER && util_file_exists(csr))
			util_set_cause(cause, "%s is a pending request: it has "
			    "no certificate yet (export --what request)", name);
		else
			util_set_cause(cause, "no entry named %s in %s", name,
			    area == STORE_AREA_CA ? "sslca/" : "sslcert/");
		free(csr);
		free(path);
		return STORE_FAIL;
	}
	status = x509_certs_load(path, certs, n, cause);
	free(path);
	if (status == STORE_OK && *n == 0) {
		x509_certs_free(*certs, *n);
		util_set_cause(cause, "the certificate file of %s is empty",
		    name);
		return STORE_FAIL;
	}
	return status;
}

static int
export_load_key(struct store *s, const char *name, gnutls_x509_privkey_t *key,
    char **cause)
{
	char	*path;
	int	 status;

	path = store_entry_file(s, STORE_AREA_SERVER, name, ".key");
	if (!util_file_exists(path)) {
		util_set_cause(cause, "%s has no private key in sslcert/",
		    name);
		free(path);
		return STORE_FAIL;
	}
	status = x509_key_load(path, key, cause);
	free(path);
	return status;
}

/*
 * The chain a server sends: the leaf, then its issuers from the file and
 * sslca/, without a self-signed root (clients have it or must not get it
 * from the server).
 */
static int
export_chain(struct store *s, gnutls_x509_crt_t *certs, unsigned n,
    gnutls_x509_crt_t **chain, unsigned *n_chain, char **cause)
{
	bool	 complete;
	char	*why = NULL;

	if (store_build_chain(s, certs[0], certs + 1, n - 1, chain, n_chain,
	    &complete, &why) != STORE_OK) {
		util_set_cause(cause, "cannot build the chain: %s",
		    why != NULL ? why : "unknown reason");
		free(why);
		return STORE_FAIL;
	}
	free(why);
	while (*n_chain > 1 && x509_crt_is_self_signed((*chain)[*n_chain - 1]))
		(*n_chain)--;
	return STORE_OK;
}

static int
export_request(struct store *s, const char *name, gnutls_x509_crt_fmt_t fmt,
    struct util_buf *b, char **cause)
{
	gnutls_x509_crq_t	crq;
	gnutls_datum_t		out = { NULL, 0 };
	char			*path;
	int			 ret, status;

	path = store_entry_file(s, STORE_AREA_SERVER, name, ".csr");
	if (!util_file_exists(path)) {
		util_set_cause(cause, "%s has no pending request (no %s.csr "
		    "in sslcert/)", name, name);
		free(path);
		return STORE_FAIL;
	}
	status = x509_crq_load(path, &crq, cause);
	free(path);
	if (status != STORE_OK)
		return STORE_FAIL;
	ret = gnutls_x509_crq_export2(crq, fmt, &out);
	gnutls_x509_crq_deinit(crq);
	if (ret < 0) {
		util_set_cause(cause, "cannot export the request: %s",
		    gnutls_strerror(ret));
		return STORE_FAIL;
	}
	util_buf_add(b, out.data, out.size);
	gnutls_free(out.data);
	return STORE_OK;
}

static int
export_pkcs12(const char *name, gnutls_x509_crt_t *chain, unsigned n,
    gnutls_x509_privkey_t key, const char *password,
    enum store_export_profile profile, struct util_buf *b, char **cause)
{
	gnutls_pkcs12_t		p12 = NULL;
	gnutls_pkcs12_bag_t	cbag = NULL, kbag = NULL;
	gnutls_datum_t		out = { NULL, 0 }, kid;
	unsigned char		id[64];
	size_t			id_size = sizeof id;
	unsigned		flags, i;
	int			ret, idx, status = STORE_FAIL;
	gnutls_mac_algorithm_t	mac;

	if (profile == STORE_PROFILE_LEGACY) {
		flags = GNUTLS_PKCS_PKCS12_3DES;
		mac = GNUTLS_MAC_SHA1;
	} else {
		flags = GNUTLS_PKCS_PBES2_AES_256;
		mac = GNUTLS_MAC_SHA256;
	}

	/* The local key id ties the key to its certificate. */
	if ((ret = gnutls_x509_crt_get_key_id(chain[0], 0, id, &id_size)) < 0)
		goto gnutls_fail;
	kid.data = id;
	kid.size = id_size;

	if ((ret = gnutls_pkcs12_init(&p12)) < 0 ||
	    (ret = gnutls_pkcs12_bag_init(&cbag)) < 0 ||
	    (ret = gnutls_pkcs12_bag_init(&kbag)) < 0)
		goto gnutls_fail;

	for (i = 0; i < n; i++) {
		if ((idx = gnutls_pkcs12_bag_set_crt(cbag, chain[i])) < 0) {
			ret = idx;
			goto gnutls_fail;
		}
		if (i == 0 &&
		    ((ret = gnutls_pkcs12_bag_set_friendly_name(cbag, idx,
		    name)) < 0 ||
		    (ret = gnutls_pkcs12_bag_set_key_id(cbag, idx, &kid)) < 0))
			goto gnutls_fail;
	}
	if ((ret = gnutls_pkcs12_bag_encrypt(cbag, password, flags)) < 0 ||
	    (ret = gnutls_pkcs12_set_bag(p12, cbag)) < 0)
		goto gnutls_fail;

	if ((idx = gnutls_pkcs12_bag_set_privkey(kbag, key, password,
	    flags)) < 0) {
		ret = idx;
		goto gnutls_fail;
	}
	if ((ret = gnutls_pkcs12_bag_set_friendly_name(kbag, idx, name)) < 0 ||
	    (ret = gnutls_pkcs12_bag_set_key_id(kbag, idx, &kid)) < 0 ||
	    (ret = gnutls_pkcs12_set_bag(p12, kbag)) < 0)
		goto gnutls_fail;

	if ((ret = gnutls_pkcs12_generate_mac2(p12, mac, password)) < 0 ||
	    (ret = gnutls_pkcs12_export2(p12, GNUTLS_X509_FMT_DER, &out)) < 0)
		goto gnutls_fail;
	util_buf_add(b, out.data, out.size);
	gnutls_free(out.data);
	status = STORE_OK;
	goto fail;

gnutls_fail:
	util_set_cause(cause, "cannot make the PKCS#12 bundle: %s",
	    gnutls_strerror(ret));
fail:
	if (kbag != NULL)
		gnutls_pkcs12_bag_deinit(kbag);
	if (cbag != NULL)
		gnutls_pkcs12_bag_deinit(cbag);
	if (p12 != NULL)
		gnutls_pkcs12_deinit(p12);
	return status;
}

int
store_export_data(struct store *s, enum store_area area, const char *name,
    const struct store_export_options *opts, unsigned char **data,
    size_t *len, bool *secret, char **cause)
{
	gnutls_x509_crt_t	*certs = NULL, *chain = NULL;
	gnutls_x509_privkey_t	 key = NULL;
	gnutls_x509_crt_fmt_t	 fmt;
	struct util_buf		 b = { 0 };
	unsigned		 n = 0, n_chain = 0, i;
	int			 status = STORE_FAIL;

	*data = NULL;
	*len = 0;
	*secret = opts->what == STORE_EXPORT_KEY ||
	    opts->what == STORE_EXPORT_PKCS12;
	fmt = opts->format == STORE_FORMAT_DER ? GNUTLS_X509_FMT_DER :
	    GNUTLS_X509_FMT_PEM;

	if (store_check_name(name, cause) != STORE_OK)
		return STORE_INVALID;
	if (area == STORE_AREA_CA && opts->what != STORE_EXPORT_CERTIFICATE &&
	    opts->what != STORE_EXPORT_CHAIN) {
		util_set_cause(cause, "a CA certificate in sslca/ has no key "
		    "or request: export its certificate or chain");
		return STORE_INVALID;
	}
	if (opts->what == STORE_EXPORT_CHAIN && fmt == GNUTLS_X509_FMT_DER) {
		util_set_cause(cause, "a chain is exported as PEM only (DER "
		    "holds one certificate)");
		return STORE_INVALID;
	}
	if (opts->what == STORE_EXPORT_PKCS12 && (opts->password == NULL ||
	    *opts->password == '\0')) {
		util_set_cause(cause, "a PKCS#12 bundle needs a password: give "
		    "one with --password-file FILE");
		return STORE_INVALID;
	}

	switch (opts->what) {
	case STORE_EXPORT_CERTIFICATE:
		if (export_load_certs(s, area, name, &certs, &n, cause) !=
		    STORE_OK)
			goto fail;
		if (x509_crt_export(certs[0], fmt, &b, cause) != STORE_OK)
			goto fail;
		break;
	case STORE_EXPORT_CHAIN:
		if (export_load_certs(s, area, name, &certs, &n, cause) !=
		    STORE_OK ||
		    export_chain(s, certs, n, &chain, &n_chain, cause) !=
		    STORE_OK)
			goto fail;
		for (i = 0; i < n_chain; i++) {
			if (x509_crt_export(chain[i], GNUTLS_X509_FMT_PEM, &b,
			    cause) != STORE_OK)
				goto fail;
		}
		break;
	case STORE_EXPORT_REQUEST:
		if (export_request(s, name, fmt, &b, cause) != STORE_OK)
			goto fail;
		break;
	case STORE_EXPORT_KEY:
		if (export_load_key(s, name, &key, cause) != STORE_OK ||
		    x509_key_export_pkcs8(key, opts->password, fmt, &b,
		    cause) != STORE_OK)
			goto fail;
		break;
	case STORE_EXPORT_PKCS12:
		if (export_load_certs(s, area, name, &certs, &n, cause) !=
		    STORE_OK ||
		    export_load_key(s, name, &key, cause) != STORE_OK)
			goto fail;
		if (!x509_key_matches_crt(key, certs[0])) {
			util_set_cause(cause, "the key of %s does not belong "
			    "to its certificate", name);
			goto fail;
		}
		if (export_chain(s, certs, n, &chain, &n_chain, cause) !=
		    STORE_OK ||
		    export_pkcs12(name, chain, n_chain, key, opts->password,
		    opts->profile, &b, cause) != STORE_OK)
			goto fail;
		break;
	default:
		util_set_cause(cause, "unknown export");
		status = STORE_INVALID;
		goto fail;
	}
	export_take(&b, data, len);
	status = STORE_OK;
fail:
	export_buf_free(&b, *secret);
	free(chain);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	x509_certs_free(certs, n);
	return status;
}
