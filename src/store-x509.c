/*
 * store-x509.c: the GnuTLS helpers the store's files share: reading
 * certificates, keys and requests, comparing keys, fingerprints and
 * chain order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

int
x509_certs_import(const unsigned char *data, size_t len,
    gnutls_x509_crt_t **certs, unsigned *n, char **cause)
{
	gnutls_datum_t	 d = { (unsigned char *)data, (unsigned)len };
	gnutls_x509_crt_t crt;
	int		 ret;

	*certs = NULL;
	*n = 0;
	if (memmem(data, len, "-----BEGIN", 10) != NULL) {
		ret = gnutls_x509_crt_list_import2(certs, n, &d,
		    GNUTLS_X509_FMT_PEM, 0);
		if (ret < 0) {
			util_set_cause(cause, "not a readable PEM certificate "
			    "(%s)", gnutls_strerror(ret));
			return STORE_FAIL;
		}
		return STORE_OK;
	}
	if ((ret = gnutls_x509_crt_init(&crt)) < 0) {
		util_set_cause(cause, "%s", gnutls_strerror(ret));
		return STORE_FAIL;
	}
	if ((ret = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0) {
		gnutls_x509_crt_deinit(crt);
		util_set_cause(cause, "not a readable certificate (%s)",
		    gnutls_strerror(ret));
		return STORE_FAIL;
	}
	*certs = gnutls_malloc(sizeof **certs);
	if (*certs == NULL) {
		gnutls_x509_crt_deinit(crt);
		util_set_cause(cause, "out of memory");
		return STORE_FAIL;
	}
	(*certs)[0] = crt;
	*n = 1;
	return STORE_OK;
}

int
x509_certs_load(const char *path, gnutls_x509_crt_t **certs, unsigned *n,
    char **cause)
{
	unsigned char	*data;
	size_t		 len;
	char		*why = NULL;
	int		 ret;

	*certs = NULL;
	*n = 0;
	if (util_read_file(path, STORE_MAX_INPUT, &data, &len, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	ret = x509_certs_import(data, len, certs, n, &why);
	free(data);
	if (ret == STORE_OK && *n == 0) {
		util_set_cause(cause, "%s holds no certificate", path);
		return STORE_FAIL;
	}
	if (ret != STORE_OK) {
		util_set_cause(cause, "%s: %s", path, why);
		free(why);
	}
	return ret;
}

void
x509_certs_free(gnutls_x509_crt_t *certs, unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	gnutls_free(certs);
}

int
x509_key_load(const char *path, gnutls_x509_privkey_t *key, char **cause)
{
	unsigned char	*data;
	size_t		 len;
	gnutls_datum_t	 d;
	int		 ret;

	*key = NULL;
	if (util_read_file(path, STORE_MAX_INPUT, &data, &len, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	d.data = data;
	d.size = (unsigned)len;
	if ((ret = gnutls_x509_privkey_init(key)) < 0)
		goto fail;
	ret = gnutls_x509_privkey_import2(*key, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0);
	if (ret < 0)
		ret = gnutls_x509_privkey_import2(*key, &d,
		    GNUTLS_X509_FMT_DER, NULL, 0);
	if (ret < 0)
		goto fail;
	util_free_secret(data, len);
	return STORE_OK;

fail:
	util_set_cause(cause, "%s: not a readable private key (%s)", path,
	    gnutls_strerror(ret));
	if (*key != NULL)
		gnutls_x509_privkey_deinit(*key);
	*key = NULL;
	util_free_secret(data, len);
	return STORE_FAIL;
}

int
x509_crq_load(const char *path, gnutls_x509_crq_t *crq, char **cause)
{
	unsigned char	*data;
	size_t		 len;
	gnutls_datum_t	 d;
	int		 ret;

	*crq = NULL;
	if (util_read_file(path, STORE_MAX_INPUT, &data, &len, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	d.data = data;
	d.size = (unsigned)len;
	if ((ret = gnutls_x509_crq_init(crq)) < 0)
		goto fail;
	ret = gnutls_x509_crq_import(*crq, &d, GNUTLS_X509_FMT_PEM);
	if (ret < 0)
		ret = gnutls_x509_crq_import(*crq, &d, GNUTLS_X509_FMT_DER);
	if (ret < 0)
		goto fail;
	free(data);
	return STORE_OK;

fail:
	util_set_cause(cause, "%s: not a readable certificate request (%s)",
	    path, gnutls_strerror(ret));
	if (*crq != NULL)
		gnutls_x509_crq_deinit(*crq);
	*crq = NULL;
	free(data);
	return STORE_FAIL;
}

int
x509_key_id(gnutls_x509_privkey_t key, unsigned char id[32])
{
	size_t	size = 32;

	if (gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id,
	    &size) < 0 || size != 32)
		return STORE_FAIL;
	return STORE_OK;
}

int
x509_crt_key_id(gnutls_x509_crt_t crt, unsigned char id[32])
{
	size_t	size = 32;

	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id,
	    &size) < 0 || size != 32)
		return STORE_FAIL;
	return STORE_OK;
}

int
x509_crq_key_id(gnutls_x509_crq_t crq, unsigned char id[32])
{
	size_t	size = 32;

	if (gnutls_x509_crq_get_key_id(crq, GNUTLS_KEYID_USE_SHA256, id,
	    &size) < 0 || size != 32)
		return STORE_FAIL;
	return STORE_OK;
}

bool
x509_key_matches_crt(gnutls_x509_privkey_t key, gnutls_x509_crt_t crt)
{
	unsigned char	a[32], b[32];

	if (x509_key_id(key, a) != STORE_OK ||
	    x509_crt_key_id(crt, b) != STORE_OK)
		return false;
	return memcmp(a, b, sizeof a) == 0;
}

int
x509_crt_export(gnutls_x509_crt_t crt, gnutls_x509_crt_fmt_t fmt,
    struct util_buf *b, char **cause)
{
	gnutls_datum_t	d;
	int		ret;

	if ((ret = gnutls_x509_crt_export2(crt, fmt, &d)) < 0) {
		util_set_cause(cause, "cannot encode a certificate: %s",
		    gnutls_strerror(ret));
		return STORE_FAIL;
	}
	util_buf_add(b, d.data, d.size);
	gnutls_free(d.data);
	return STORE_OK;
}

int
x509_key_export_pkcs8(gnutls_x509_privkey_t key, const char *password,
    gnutls_x509_crt_fmt_t fmt, struct util_buf *b, char **cause)
{
	gnutls_datum_t	d;
	int		ret;

	ret = gnutls_x509_privkey_export2_pkcs8(key, fmt, password,
	    password != NULL ? GNUTLS_PKCS_PBES2_AES_256 : GNUTLS_PKCS_PLAIN,
	    &d);
	if (ret < 0) {
		util_set_cause(cause, "cannot encode the private key: %s",
		    gnutls_strerror(ret));
		return STORE_FAIL;
	}
	util_buf_add(b, d.data, d.size);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
	return STORE_OK;
}

int
x509_crt_sha256_hex(gnutls_x509_crt_t crt, char hex[65])
{
	unsigned char	fp[32];
	size_t		size = sizeof fp;

	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
	    &size) < 0 || size != 32) {
		hex[0] = '\0';
		return STORE_FAIL;
	}
	util_hex(fp, 32, hex);
	return STORE_OK;
}

bool
x509_crt_is_self_signed(gnutls_x509_crt_t crt)
{
	return gnutls_x509_crt_check_issuer(crt, crt) == 1;
}

bool
x509_crt_is_ca(gnutls_x509_crt_t crt)
{
	unsigned	ca = 0;

	return gnutls_x509_crt_get_basic_constraints(crt, NULL, &ca,
	    NULL) >= 0 && ca != 0;
}

/* A DN attribute of a certificate as a new string, "" when absent. */
static char *
x509_crt_dn_attr(gnutls_x509_crt_t crt, bool issuer, const char *oid)
{
	char	*buf;
	size_t	 size = 0;
	int	 ret;

	ret = issuer ?
	    gnutls_x509_crt_get_issuer_dn_by_oid(crt, oid, 0, 0, NULL, &size) :
	    gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, NULL, &size);
	if (ret != GNUTLS_E_SHORT_MEMORY_BUFFER)
		return xstrdup("");
	buf = xmalloc(size + 1);
	ret = issuer ?
	    gnutls_x509_crt_get_issuer_dn_by_oid(crt, oid, 0, 0, buf, &size) :
	    gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, buf, &size);
	if (ret < 0) {
		free(buf);
		return xstrdup("");
	}
	buf[size] = '\0';
	return buf;
}

char *
x509_crt_common_name(gnutls_x509_crt_t crt)
{
	return x509_crt_dn_attr(crt, false, GNUTLS_OID_X520_COMMON_NAME);
}

char *
x509_crt_issuer_common_name(gnutls_x509_crt_t crt)
{
	return x509_crt_dn_attr(crt, true, GNUTLS_OID_X520_COMMON_NAME);
}

char *
x509_crt_subject(gnutls_x509_crt_t crt)
{
	gnutls_datum_t	 d;
	char		*s;

	if (gnutls_x509_crt_get_dn3(crt, &d, 0) < 0)
		return xstrdup("");
	s = xstrndup((char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

char *
x509_crt_issuer(gnutls_x509_crt_t crt)
{
	gnutls_datum_t	 d;
	char		*s;

	if (gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) < 0)
		return xstrdup("");
	s = xstrndup((char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

int
x509_chain_order(gnutls_x509_crt_t *certs, unsigned n, unsigned *leaf_index)
{
	gnutls_x509_crt_t	 tmp;
	unsigned		 i, j, leaf = 0, placed;
	bool			 issues_other;

	*leaf_index = 0;
	if (n < 2)
		return STORE_OK;
	/* The leaf issued nothing else here; prefer one that is not a CA. */
	for (i = 0, leaf = n; i < n; i++) {
		issues_other = false;
		for (j = 0; j < n; j++) {
			if (i != j && gnutls_x509_crt_check_issuer(certs[j],
			    certs[i]) == 1 && !x509_crt_is_self_signed(certs[j]))
				issues_other = true;
		}
		if (!issues_other && (leaf == n || !x509_crt_is_ca(certs[i])))
			leaf = i;
	}
	if (leaf == n)
		leaf = 0;
	tmp = certs[0];
	certs[0] = certs[leaf];
	certs[leaf] = tmp;
	/* Then each issuer after the certificate it issued. */
	for (placed = 1; placed < n; placed++) {
		for (j = placed; j < n; j++) {
			if (gnutls_x509_crt_check_issuer(certs[placed - 1],
			    certs[j]) == 1)
				break;
		}
		if (j == n)
			break;
		tmp = certs[placed];
		certs[placed] = certs[j];
		certs[j] = tmp;
	}
	return STORE_OK;
}
