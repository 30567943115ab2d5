/*
 * store-info.c: everything an administrator asks of one entry, and the
 * checks a browser or mail client would make: trusted, date valid, name
 * matches, plus key matches and chain complete.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "store-internal.h"

const char *const store_check_names[STORE_CHECK_COUNT] = {
	"trusted", "date_valid", "name_matches", "key_matches",
	"chain_complete"
};

static void
info_strings_add(struct store_strings *s, const char *v)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = xstrdup(v);
}

static void
info_strings_done(struct store_strings *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void
info_check(struct store_entry *e, enum store_check_id id, bool ok,
    char *why)
{
	e->checks[id].ok = ok;
	free(e->checks[id].why);
	e->checks[id].why = ok ? NULL : (why != NULL ? why :
	    xstrdup("failed"));
	if (ok)
		free(why);
}

/* A subjectAltName value as text: DNS names as they are, IPs printed. */
static char *
info_san_text(int type, const unsigned char *v, size_t len)
{
	char	addr[INET6_ADDRSTRLEN], *s;

	switch (type) {
	case GNUTLS_SAN_DNSNAME:
		return xstrndup((const char *)v, len);
	case GNUTLS_SAN_IPADDRESS:
		if (len == 4 && inet_ntop(AF_INET, v, addr, sizeof addr))
			return xstrdup(addr);
		if (len == 16 && inet_ntop(AF_INET6, v, addr, sizeof addr))
			return xstrdup(addr);
		return xstrdup("IP:?");
	case GNUTLS_SAN_RFC822NAME:
		xasprintf(&s, "email:%.*s", (int)len, v);
		return s;
	case GNUTLS_SAN_URI:
		xasprintf(&s, "URI:%.*s", (int)len, v);
		return s;
	default:
		return NULL;
	}
}

static void
info_key_type(int pk, unsigned bits, gnutls_ecc_curve_t curve,
    struct store_entry *e)
{
	switch (pk) {
	case GNUTLS_PK_RSA:
		e->key_type = xstrdup("rsa");
		break;
	case GNUTLS_PK_ECDSA:
		e->key_type = xstrdup("ecdsa");
		bits = gnutls_ecc_curve_get_size(curve) * 8;
		if (curve == GNUTLS_ECC_CURVE_SECP521R1)
			bits = 521;
		break;
	case GNUTLS_PK_EDDSA_ED25519:
		e->key_type = xstrdup("ed25519");
		bits = 256;
		break;
	case GNUTLS_PK_EDDSA_ED448:
		e->key_type = xstrdup("ed448");
		bits = 456;
		break;
	default:
		e->key_type = xstrdup(gnutls_pk_get_name(pk) != NULL ?
		    gnutls_pk_get_name(pk) : "unknown");
		break;
	}
	e->key_bits = bits;
}

/* The DANE 3 1 1 value: SHA-256 of the SubjectPublicKeyInfo. */
static void
info_tlsa(gnutls_pubkey_t pub, char out[65])
{
	gnutls_datum_t	d;
	unsigned char	h[32];

	out[0] = '\0';
	if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d) < 0)
		return;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, d.data, d.size, h) == 0)
		util_hex(h, 32, out);
	gnutls_free(d.data);
}

static const struct {
	unsigned	 bit;
	const char	*name;
} info_key_usages[] = {
	{ GNUTLS_KEY_DIGITAL_SIGNATURE, "digitalSignature" },
	{ GNUTLS_KEY_NON_REPUDIATION, "nonRepudiation" },
	{ GNUTLS_KEY_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ GNUTLS_KEY_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ GNUTLS_KEY_KEY_AGREEMENT, "keyAgreement" },
	{ GNUTLS_KEY_KEY_CERT_SIGN, "keyCertSign" },
	{ GNUTLS_KEY_CRL_SIGN, "cRLSign" },
};

static const char *
info_purpose_name(const char *oid)
{
	if (strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) == 0)
		return "serverAuth";
	if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0)
		return "clientAuth";
	if (strcmp(oid, GNUTLS_KP_EMAIL_PROTECTION) == 0)
		return "emailProtection";
	if (strcmp(oid, GNUTLS_KP_CODE_SIGNING) == 0)
		return "codeSigning";
	if (strcmp(oid, GNUTLS_KP_OCSP_SIGNING) == 0)
		return "OCSPSigning";
	if (strcmp(oid, GNUTLS_KP_ANY) == 0)
		return "anyExtendedKeyUsage";
	return oid;
}

/* Does a name from a certificate (maybe a wildcard) cover host? */
static bool
info_name_covers(const char *pattern, const char *host)
{
	const char	*dot;

	if (strcasecmp(pattern, host) == 0)
		return true;
	if (strncmp(pattern, "*.", 2) != 0 || (dot = strchr(host, '.')) ==
	    NULL || dot == host)
		return false;
	return strcasecmp(pattern + 1, dot) == 0;
}

static char *
info_names_text(const struct store_entry *e)
{
	struct util_buf	b = { 0 };
	size_t		i;

	for (i = 0; i < e->alt_names.n; i++)
		util_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
		    e->alt_names.v[i]);
	if (e->alt_names.n == 0)
		util_buf_printf(&b, "%s", e->common_name);
	return util_buf_take_string(&b);
}

static char *
info_day_text(time_t t)
{
	char	*s = util_format_time(t);

	s[10] = '\0';	/* the date is enough in a reason */
	return s;
}

void
store_entry_date_check(struct store *st, struct store_entry *e)
{
	time_t	 now = store_now(st);
	char	*why = NULL, *day;
	long	 days;

	/* Whole days, rounded up: a new 365-day certificate has 365 left. */
	e->days_left = (long)((e->not_after - now + 86399) / 86400);
	if (e->not_after < now) {
		day = info_day_text(e->not_after);
		days = (long)((now - e->not_after) / 86400);
		xasprintf(&why, "expired on %s (%ld day%s ago): renew it", day,
		    days, days == 1 ? "" : "s");
		free(day);
		e->days_left = -days - ((now - e->not_after) % 86400 ? 1 : 0);
	} else if (e->not_before > now) {
		day = info_day_text(e->not_before);
		xasprintf(&why, "not valid until %s: check the server's clock "
		    "or wait", day);
		free(day);
	}
	info_check(e, STORE_CHECK_DATE_VALID, why == NULL, why);
}

static void
info_key_check(struct store *st, struct store_entry *e, const char *name,
    const unsigned char *id)
{
	gnutls_x509_privkey_t	 key;
	unsigned char		 kid[32];
	char			*why = NULL, *path;

	path = store_entry_file(st, e->area, name, ".key");
	if (!util_file_exists(path)) {
		xasprintf(&why, "no private key: %s.key is missing", name);
		info_check(e, STORE_CHECK_KEY_MATCHES, false, why);
		free(path);
		return;
	}
	e->has_key = true;
	e->key_path = path;
	if (x509_key_load(path, &key, &why) != STORE_OK) {
		info_check(e, STORE_CHECK_KEY_MATCHES, false, why);
		return;
	}
	if (id == NULL || x509_key_id(key, kid) != STORE_OK ||
	    memcmp(kid, id, 32) != 0)
		xasprintf(&why, "%s.key is not the key of this %s", name,
		    e->kind == STORE_KIND_REQUEST ? "request" : "certificate");
	info_check(e, STORE_CHECK_KEY_MATCHES, why == NULL, why);
	gnutls_x509_privkey_deinit(key);
}

static int
info_fill_certificate(struct store *st, struct store_entry *e,
    const char *name, char **cause)
{
	gnutls_x509_crt_t	*certs = NULL, *chain = NULL;
	gnutls_x509_crt_t	 crt;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 der;
	gnutls_ecc_curve_t	 curve = GNUTLS_ECC_CURVE_INVALID;
	unsigned char		 buf[1024], serial[64], id[32];
	char			 oid[256], *why = NULL, *names;
	size_t			 size, i;
	unsigned		 n = 0, n_chain = 0, bits = 0, usage = 0, critical;
	unsigned		 leaf;
	bool			 complete, trusted;
	int			 ret, pk;

	if (x509_certs_load(e->path, &certs, &n, cause) != STORE_OK)
		return STORE_FAIL;
	x509_chain_order(certs, n, &leaf);
	crt = certs[0];
	e->chain_in_file = n - 1;
	e->common_name = x509_crt_common_name(crt);
	e->subject = x509_crt_subject(crt);
	e->issuer = x509_crt_issuer(crt);
	e->issuer_cn = x509_crt_issuer_common_name(crt);
	e->self_signed = x509_crt_is_self_signed(crt);
	e->is_ca = x509_crt_is_ca(crt);
	e->not_before = gnutls_x509_crt_get_activation_time(crt);
	e->not_after = gnutls_x509_crt_get_expiration_time(crt);

	size = sizeof serial;
	if (gnutls_x509_crt_get_serial(crt, serial, &size) >= 0) {
		e->serial = xmalloc(2 * size + 1);
		util_hex(serial, size, e->serial);
	} else
		e->serial = xstrdup("");

	for (i = 0;; i++) {
		size = sizeof buf;
		ret = gnutls_x509_crt_get_subject_alt_name(crt, (unsigned)i,
		    buf, &size, &critical);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		/* Skip a name too long for buf; stop at a broken extension,
		   which fails the same way at every index (it would loop). */
		if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (ret < 0)
			break;
		if ((names = info_san_text(ret, buf, size)) != NULL) {
			info_strings_add(&e->alt_names, names);
			free(names);
		}
	}

	pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	if (pk == GNUTLS_PK_ECDSA)
		gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, NULL, NULL);
	info_key_type(pk, bits, curve, e);
	ret = gnutls_x509_crt_get_signature_algorithm(crt);
	e->signature_algorithm = xstrdup(ret >= 0 &&
	    gnutls_sign_get_name(ret) != NULL ? gnutls_sign_get_name(ret) :
	    "unknown");

	if (gnutls_x509_crt_get_key_usage(crt, &usage, &critical) >= 0) {
		for (i = 0; i < sizeof info_key_usages /
		    sizeof info_key_usages[0]; i++) {
			if (usage & info_key_usages[i].bit)
				info_strings_add(&e->key_usage,
				    info_key_usages[i].name);
		}
	}
	for (i = 0;; i++) {
		size = sizeof oid;
		ret = gnutls_x509_crt_get_key_purpose_oid(crt, (unsigned)i,
		    oid, &size, &critical);
		if (ret < 0)
			break;
		info_strings_add(&e->ext_key_usage, info_purpose_name(oid));
	}

	/* Both fingerprints from one encoding of the certificate. */
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) >= 0) {
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size,
		    buf) == 0)
			util_hex(buf, 32, e->sha256);
		if (gnutls_hash_fast(GNUTLS_DIG_SHA1, der.data, der.size,
		    buf) == 0)
			util_hex(buf, 20, e->sha1);
		gnutls_free(der.data);
	}
	if (gnutls_pubkey_init(&pub) >= 0) {
		if (gnutls_pubkey_import_x509(pub, crt, 0) >= 0)
			info_tlsa(pub, e->tlsa_311);
		gnutls_pubkey_deinit(pub);
	}
	e->active = e->area == STORE_AREA_SERVER &&
	    (strcmp(name, "server") == 0 ||
	    strcmp(e->sha256, store_active_sha256(st)) == 0);

	/* The checks. */
	store_entry_date_check(st, e);
	if (e->area == STORE_AREA_CA) {
		/* An intermediate is judged by its chain only. */
		info_check(e, STORE_CHECK_NAME_MATCHES, true, NULL);
		info_check(e, STORE_CHECK_KEY_MATCHES, true, NULL);
	} else if (gnutls_x509_crt_check_hostname2(crt, st->hostname, 0) != 0)
		info_check(e, STORE_CHECK_NAME_MATCHES, true, NULL);
	else {
		names = info_names_text(e);
		xasprintf(&why, "issued for %s, not %s (the server's "
		    "hostname)", names[0] != '\0' ? names : "no name",
		    st->hostname);
		free(names);
		info_check(e, STORE_CHECK_NAME_MATCHES, false, why);
		why = NULL;
	}
	if (e->area == STORE_AREA_CA)
		;
	else if (x509_crt_key_id(crt, id) == STORE_OK)
		info_key_check(st, e, name, id);
	else
		info_key_check(st, e, name, NULL);

	if (store_build_chain(st, crt, certs + 1, n - 1, &chain, &n_chain,
	    &complete, &why) != STORE_OK) {
		info_check(e, STORE_CHECK_CHAIN_COMPLETE, false, why);
		info_check(e, STORE_CHECK_TRUSTED, false, xstrdup("the chain "
		    "could not be built"));
		x509_certs_free(certs, n);
		return STORE_OK;
	}
	info_check(e, STORE_CHECK_CHAIN_COMPLETE, complete, why);
	why = NULL;
	store_chain_trusted(st, chain, n_chain, &trusted, &why);
	info_check(e, STORE_CHECK_TRUSTED, trusted, why);
	free(chain);
	x509_certs_free(certs, n);
	return STORE_OK;
}

static int
info_fill_request(struct store *st, struct store_entry *e, const char *name,
    char **cause)
{
	gnutls_x509_crq_t	 crq;
	gnutls_pubkey_t		 pub = NULL;
	gnutls_datum_t		 d;
	gnutls_ecc_curve_t	 curve = GNUTLS_ECC_CURVE_INVALID;
	unsigned char		 buf[1024], h[32], id[32];
	char			*text, *why = NULL, *names;
	size_t			 size, i;
	unsigned		 bits = 0, critical, type;
	bool			 matches = false;
	int			 ret, pk;

	if (x509_crq_load(e->path, &crq, cause) != STORE_OK)
		return STORE_FAIL;
	if (gnutls_x509_crq_get_dn3(crq, &d, 0) >= 0) {
		e->subject = xstrndup((char *)d.data, d.size);
		gnutls_free(d.data);
	} else
		e->subject = xstrdup("");
	size = sizeof buf - 1;
	if (gnutls_x509_crq_get_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, buf, &size) >= 0)
		e->common_name = xstrndup((char *)buf, size);
	else
		e->common_name = xstrdup("");
	for (i = 0;; i++) {
		size = sizeof buf;
		ret = gnutls_x509_crq_get_subject_alt_name(crq, (unsigned)i,
		    buf, &size, &type, &critical);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		/* As for certificates: a broken extension would loop. */
		if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (ret < 0)
			break;
		if ((text = info_san_text((int)type, buf, size)) != NULL) {
			info_strings_add(&e->alt_names, text);
			free(text);
		}
	}
	pk = gnutls_x509_crq_get_pk_algorithm(crq, &bits);
	ret = gnutls_x509_crq_get_signature_algorithm(crq);
	e->signature_algorithm = xstrdup(ret >= 0 &&
	    gnutls_sign_get_name(ret) != NULL ? gnutls_sign_get_name(ret) :
	    "unknown");
	e->serial = xstrdup("");
	if (gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &d) >= 0) {
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, d.data, d.size, h) == 0)
			util_hex(h, 32, e->sha256);
		if (gnutls_hash_fast(GNUTLS_DIG_SHA1, d.data, d.size, h) == 0)
			util_hex(h, 20, e->sha1);
		gnutls_free(d.data);
	}
	if (gnutls_pubkey_init(&pub) >= 0) {
		if (gnutls_pubkey_import_x509_crq(pub, crq, 0) >= 0) {
			info_tlsa(pub, e->tlsa_311);
			if (pk == GNUTLS_PK_ECDSA)
				gnutls_pubkey_export_ecc_raw(pub, &curve, NULL,
				    NULL);
		}
		gnutls_pubkey_deinit(pub);
	}
	info_key_type(pk, bits, curve, e);

	for (i = 0; i < e->alt_names.n; i++) {
		if (info_name_covers(e->alt_names.v[i], st->hostname))
			matches = true;
	}
	if (e->alt_names.n == 0 && info_name_covers(e->common_name,
	    st->hostname))
		matches = true;
	if (!matches) {
		names = info_names_text(e);
		xasprintf(&why, "requested for %s, not %s (the server's "
		    "hostname)", names[0] != '\0' ? names : "no name",
		    st->hostname);
		free(names);
	}
	info_check(e, STORE_CHECK_NAME_MATCHES, matches, why);
	xasprintf(&why, "a request, not yet a certificate: send %s.csr to a "
	    "certificate authority, then import its answer", name);
	info_check(e, STORE_CHECK_TRUSTED, false, xstrdup(why));
	info_check(e, STORE_CHECK_DATE_VALID, false, xstrdup(why));
	info_check(e, STORE_CHECK_CHAIN_COMPLETE, false, why);
	if (x509_crq_key_id(crq, id) == STORE_OK)
		info_key_check(st, e, name, id);
	else
		info_key_check(st, e, name, NULL);
	gnutls_x509_crq_deinit(crq);
	return STORE_OK;
}

int
store_entry_fill(struct store *st, enum store_area area, const char *name,
    struct store_entry *e, char **cause)
{
	char	*crt, *csr;
	int	 ret;

	memset(e, 0, sizeof *e);
	e->area = area;
	e->name = xstrdup(name);
	crt = store_entry_file(st, area, name, ".crt");
	csr = store_entry_file(st, area, name, ".csr");
	if (area == STORE_AREA_CA && !util_file_exists(crt)) {
		/* Intermediates copied by hand may be .pem or .cer. */
		free(crt);
		crt = store_entry_file(st, area, name, ".pem");
		if (!util_file_exists(crt)) {
			free(crt);
			crt = store_entry_file(st, area, name, ".cer");
		}
	}
	if (util_file_exists(crt)) {
		e->kind = STORE_KIND_CERTIFICATE;
		e->path = crt;
		free(csr);
		ret = info_fill_certificate(st, e, name, cause);
	} else if (area == STORE_AREA_SERVER && util_file_exists(csr)) {
		e->kind = STORE_KIND_REQUEST;
		e->path = csr;
		free(crt);
		ret = info_fill_request(st, e, name, cause);
	} else {
		free(crt);
		free(csr);
		util_set_cause(cause, "no %s named '%s' in %s; see 'certdesk "
		    "list%s'", area == STORE_AREA_CA ? "intermediate "
		    "certificate" : "certificate or request", name,
		    area == STORE_AREA_CA ? "sslca/" : "sslcert/",
		    area == STORE_AREA_CA ? " --ca" : "");
		ret = STORE_FAIL;
	}
	if (ret != STORE_OK)
		store_entry_done(e);
	return ret;
}

/* Every string field of an entry, for compaction. */
static size_t
info_string_fields(struct store_entry *e, char ***out)
{
	size_t	n = 0;
	int	i;

	out[n++] = &e->name;
	out[n++] = &e->error;
	out[n++] = &e->path;
	out[n++] = &e->key_path;
	out[n++] = &e->common_name;
	out[n++] = &e->subject;
	out[n++] = &e->issuer;
	out[n++] = &e->issuer_cn;
	out[n++] = &e->serial;
	out[n++] = &e->key_type;
	out[n++] = &e->signature_algorithm;
	for (i = 0; i < STORE_CHECK_COUNT; i++)
		out[n++] = &e->checks[i].why;
	return n;
}

/*
 * Move all of an entry's strings into one allocation.  A list of many
 * thousands of entries then costs one block each instead of some thirty
 * small ones, each with its allocator overhead.
 */
void
store_entry_compact(struct store_entry *e)
{
	struct store_strings	*arrays[3] = { &e->alt_names, &e->key_usage,
				    &e->ext_key_usage };
	char			**fields[11 + STORE_CHECK_COUNT];
	size_t			 n_fields, i, j, size = 0, len;
	char			*p, **v;

	if (e->block != NULL)
		return;
	n_fields = info_string_fields(e, fields);
	for (j = 0; j < 3; j++) {
		size += arrays[j]->n * sizeof (char *);
		for (i = 0; i < arrays[j]->n; i++)
			size += strlen(arrays[j]->v[i]) + 1;
	}
	for (i = 0; i < n_fields; i++) {
		if (*fields[i] != NULL)
			size += strlen(*fields[i]) + 1;
	}
	e->block = xmalloc(size);
	/* The pointer arrays first, where they are aligned. */
	v = e->block;
	p = (char *)(v + arrays[0]->n + arrays[1]->n + arrays[2]->n);
	for (j = 0; j < 3; j++) {
		for (i = 0; i < arrays[j]->n; i++) {
			len = strlen(arrays[j]->v[i]) + 1;
			memcpy(p, arrays[j]->v[i], len);
			free(arrays[j]->v[i]);
			v[i] = p;
			p += len;
		}
		free(arrays[j]->v);
		arrays[j]->v = arrays[j]->n > 0 ? v : NULL;
		v += arrays[j]->n;
	}
	for (i = 0; i < n_fields; i++) {
		if (*fields[i] == NULL)
			continue;
		len = strlen(*fields[i]) + 1;
		memcpy(p, *fields[i], len);
		free(*fields[i]);
		*fields[i] = p;
		p += len;
	}
}

void
store_entry_done(struct store_entry *e)
{
	int	i;

	if (e->block != NULL) {
		free(e->block);
		memset(e, 0, sizeof *e);
		return;
	}
	free(e->name);
	free(e->error);
	free(e->path);
	free(e->key_path);
	free(e->common_name);
	free(e->subject);
	free(e->issuer);
	free(e->issuer_cn);
	free(e->serial);
	free(e->key_type);
	free(e->signature_algorithm);
	info_strings_done(&e->alt_names);
	info_strings_done(&e->key_usage);
	info_strings_done(&e->ext_key_usage);
	for (i = 0; i < STORE_CHECK_COUNT; i++)
		free(e->checks[i].why);
	memset(e, 0, sizeof *e);
}

void
store_entry_free(struct store_entry *e)
{
	if (e == NULL)
		return;
	store_entry_done(e);
	free(e);
}
