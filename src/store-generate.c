/*
 * store-generate.c: New certificate and New certificate request, from the
 * Generate Certificate form's fields, and the first-run pair.  Every field
 * is checked before a key is made; nothing is written until both files
 * are ready.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "store-internal.h"
#include "certdesk/validate.h"

#define GENERATE_DEFAULT_DAYS	365
#define GENERATE_FIRST_RUN_DAYS	730

const char *const store_key_types[] = {
	"rsa2048", "rsa3072", "rsa4096", "ecdsa-p256", "ecdsa-p384",
	"ed25519", NULL
};

int
store_generate_key(const char *key_type, gnutls_x509_privkey_t *key,
    char **cause)
{
	gnutls_pk_algorithm_t	pk;
	unsigned		bits;
	int			ret;

	*key = NULL;
	if (key_type == NULL)
		key_type = "rsa3072";
	if (strcmp(key_type, "rsa2048") == 0) {
		pk = GNUTLS_PK_RSA;
		bits = 2048;
	} else if (strcmp(key_type, "rsa3072") == 0) {
		pk = GNUTLS_PK_RSA;
		bits = 3072;
	} else if (strcmp(key_type, "rsa4096") == 0) {
		pk = GNUTLS_PK_RSA;
		bits = 4096;
	} else if (strcmp(key_type, "ecdsa-p256") == 0) {
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	} else if (strcmp(key_type, "ecdsa-p384") == 0) {
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1);
	} else if (strcmp(key_type, "ed25519") == 0) {
		pk = GNUTLS_PK_EDDSA_ED25519;
		bits = 256;
	} else {
		util_set_cause(cause, "key type: '%s' is not one of rsa2048, "
		    "rsa3072, rsa4096, ecdsa-p256, ecdsa-p384, ed25519",
		    key_type);
		return STORE_INVALID;
	}
	if ((ret = gnutls_x509_privkey_init(key)) < 0 ||
	    (ret = gnutls_x509_privkey_generate2(*key, pk, bits, 0, NULL,
	    0)) < 0) {
		util_set_cause(cause, "cannot generate a %s key: %s", key_type,
		    gnutls_strerror(ret));
		if (*key != NULL)
			gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		return STORE_FAIL;
	}
	return STORE_OK;
}

/* Check one field with a validator; the message names the field. */
static int
generate_check(const char *label, const char *value, validate_fn fn,
    char **cause)
{
	char	*why = NULL;

	if (fn(value, &why) == STORE_OK)
		return STORE_OK;
	util_set_cause(cause, "%s: %s", label, why);
	free(why);
	return STORE_INVALID;
}

static int
generate_validate(const struct store_new_params *p, bool request,
    char **cause)
{
	char	 days[16];
	size_t	 i;

	if (p->hostname == NULL || *p->hostname == '\0') {
		util_set_cause(cause, "hostname: required; give the server's "
		    "DNS name, e.g. mail.example.com");
		return STORE_INVALID;
	}
	if (p->country == NULL || *p->country == '\0') {
		util_set_cause(cause, "country: required; give a two-letter "
		    "ISO 3166 code, e.g. DE");
		return STORE_INVALID;
	}
	if (generate_check("hostname", p->hostname, validate_alt_name,
	    cause) != STORE_OK ||
	    generate_check("country", p->country, validate_country,
	    cause) != STORE_OK)
		return STORE_INVALID;
	if ((p->org != NULL && generate_check("organization", p->org,
	    validate_text, cause) != STORE_OK) ||
	    (p->unit != NULL && generate_check("organization unit", p->unit,
	    validate_text, cause) != STORE_OK) ||
	    (p->city != NULL && generate_check("city", p->city, validate_text,
	    cause) != STORE_OK) ||
	    (p->state != NULL && generate_check("state or province", p->state,
	    validate_text, cause) != STORE_OK))
		return STORE_INVALID;
	for (i = 0; i < p->n_alt_names; i++) {
		if (generate_check("additional names", p->alt_names[i],
		    validate_alt_name, cause) != STORE_OK)
			return STORE_INVALID;
	}
	if (p->key_type != NULL && generate_check("key type", p->key_type,
	    validate_key_type, cause) != STORE_OK)
		return STORE_INVALID;
	if (!request && p->days != 0) {
		snprintf(days, sizeof days, "%d", p->days);
		if (generate_check("days", days, validate_days, cause) !=
		    STORE_OK)
			return STORE_INVALID;
	}
	if (p->name != NULL && store_check_name(p->name, cause) != STORE_OK)
		return STORE_INVALID;
	if (p->name != NULL && strcmp(p->name, "server") == 0) {
		util_set_cause(cause, "name: 'server' is the active pair; "
		    "create the entry under another name, then activate it");
		return STORE_INVALID;
	}
	return STORE_OK;
}

/* Is any file of entry name present in sslcert/? */
static bool
generate_name_taken(struct store *st, const char *name)
{
	static const char *const exts[] = { ".crt", ".csr", ".key" };
	char	*path;
	bool	 taken = false;
	size_t	 i;

	for (i = 0; i < 3 && !taken; i++) {
		path = store_entry_file(st, STORE_AREA_SERVER, name, exts[i]);
		taken = util_file_exists(path);
		free(path);
	}
	return taken;
}

/* The entry's name: given, or from the hostname, with -2, -3 if taken. */
static int
generate_pick_name(struct store *st, const struct store_new_params *p,
    char **name, char **cause)
{
	char	*base, *candidate;
	int	 i;

	*name = NULL;
	if (p->name != NULL) {
		if (generate_name_taken(st, p->name)) {
			util_set_cause(cause, "an entry named '%s' exists; "
			    "choose another --name or remove it first",
			    p->name);
			return STORE_FAIL;
		}
		*name = xstrdup(p->name);
		return STORE_OK;
	}
	base = store_name_from_hostname(p->hostname);
	if (strcmp(base, "server") != 0 && !generate_name_taken(st, base)) {
		*name = base;
		return STORE_OK;
	}
	for (i = 2; i < 1000; i++) {
		xasprintf(&candidate, "%.60s-%d", base, i);
		if (!generate_name_taken(st, candidate)) {
			free(base);
			*name = candidate;
			return STORE_OK;
		}
		free(candidate);
	}
	free(base);
	util_set_cause(cause, "too many entries named after %s; give --name",
	    p->hostname);
	return STORE_FAIL;
}

struct generate_names {
	const char	*oid;
	const char	*value;
};

/* The subject's attributes in the order X.500 names list them. */
static void
generate_dn(const struct store_new_params *p, struct generate_names dn[6])
{
	dn[0] = (struct generate_names){ GNUTLS_OID_X520_COUNTRY_NAME,
	    p->country };
	dn[1] = (struct generate_names){ GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME,
	    p->state };
	dn[2] = (struct generate_names){ GNUTLS_OID_X520_LOCALITY_NAME,
	    p->city };
	dn[3] = (struct generate_names){ GNUTLS_OID_X520_ORGANIZATION_NAME,
	    p->org };
	dn[4] = (struct generate_names){
	    GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, p->unit };
	dn[5] = (struct generate_names){ GNUTLS_OID_X520_COMMON_NAME,
	    p->hostname };
}

/* The hostname and the additional names, each once, in order. */
static void
generate_alt_list(const struct store_new_params *p, const char ***list,
    size_t *n)
{
	size_t	i, j;
	bool	dup;

	*list = xcalloc(p->n_alt_names + 1, sizeof **list);
	(*list)[0] = p->hostname;
	*n = 1;
	for (i = 0; i < p->n_alt_names; i++) {
		for (j = 0, dup = false; j < *n; j++) {
			if (strcasecmp((*list)[j], p->alt_names[i]) == 0)
				dup = true;
		}
		if (!dup)
			(*list)[(*n)++] = p->alt_names[i];
	}
}

static int
generate_san_value(const char *name, unsigned char *ip, unsigned *len,
    gnutls_x509_subject_alt_name_t *type)
{
	if (inet_pton(AF_INET, name, ip) == 1) {
		*len = 4;
		*type = GNUTLS_SAN_IPADDRESS;
	} else if (inet_pton(AF_INET6, name, ip) == 1) {
		*len = 16;
		*type = GNUTLS_SAN_IPADDRESS;
	} else {
		*len = (unsigned)strlen(name);
		*type = GNUTLS_SAN_DNSNAME;
	}
	return STORE_OK;
}

static gnutls_digest_algorithm_t
generate_digest(gnutls_x509_privkey_t key)
{
	unsigned	bits = 0;
	int		pk = gnutls_x509_privkey_get_pk_algorithm2(key, &bits);

	if (pk == GNUTLS_PK_EDDSA_ED25519 || pk == GNUTLS_PK_EDDSA_ED448)
		return GNUTLS_DIG_UNKNOWN;	/* EdDSA hashes by itself */
	if (pk == GNUTLS_PK_ECDSA && bits > 256)
		return GNUTLS_DIG_SHA384;
	return GNUTLS_DIG_SHA256;
}

static unsigned
generate_key_usage(gnutls_x509_privkey_t key)
{
	/* RSA key exchange still needs keyEncipherment for old clients. */
	if (gnutls_x509_privkey_get_pk_algorithm(key) == GNUTLS_PK_RSA)
		return GNUTLS_KEY_DIGITAL_SIGNATURE |
		    GNUTLS_KEY_KEY_ENCIPHERMENT;
	return GNUTLS_KEY_DIGITAL_SIGNATURE;
}

#define GENERATE_CHECK(call) do {					\
	if ((ret = (call)) < 0) {					\
		util_set_cause(cause, "cannot build the %s: %s",	\
		    what, gnutls_strerror(ret));			\
		goto fail;						\
	}								\
} while (0)

/* Build and sign a self-signed certificate for the fields. */
static int
generate_certificate(struct store *st, const struct store_new_params *p,
    gnutls_x509_privkey_t key, gnutls_x509_crt_t *out, char **cause)
{
	const char		*what = "certificate";
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_privkey_t	 signer = NULL;
	gnutls_x509_subject_alt_name_t type;
	struct generate_names	 dn[6];
	const char		**alts;
	unsigned char		 serial[16], id[64], ip[16];
	size_t			 n_alts, i, id_size = sizeof id;
	unsigned		 len;
	time_t			 now = store_now(st);
	int			 ret, days = p->days > 0 ? p->days :
				    GENERATE_DEFAULT_DAYS;

	*out = NULL;
	generate_alt_list(p, &alts, &n_alts);
	generate_dn(p, dn);

	GENERATE_CHECK(gnutls_x509_crt_init(&crt));
	GENERATE_CHECK(gnutls_x509_crt_set_version(crt, 3));
	GENERATE_CHECK(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial));
	serial[0] &= 0x7f;	/* a positive serial number */
	serial[0] |= 0x01;
	GENERATE_CHECK(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
	GENERATE_CHECK(gnutls_x509_crt_set_activation_time(crt, now - 60));
	GENERATE_CHECK(gnutls_x509_crt_set_expiration_time(crt,
	    now + (time_t)days * 86400));
	for (i = 0; i < 6; i++) {
		if (dn[i].value == NULL || *dn[i].value == '\0')
			continue;
		/* Only the country must be given as a country code. */
		GENERATE_CHECK(gnutls_x509_crt_set_dn_by_oid(crt, dn[i].oid, 0,
		    dn[i].value, (unsigned)strlen(dn[i].value)));
	}
	for (i = 0; i < n_alts; i++) {
		generate_san_value(alts[i], ip, &len, &type);
		GENERATE_CHECK(gnutls_x509_crt_set_subject_alt_name(crt, type,
		    type == GNUTLS_SAN_IPADDRESS ? (const void *)ip :
		    (const void *)alts[i], len, GNUTLS_FSAN_APPEND));
	}
	GENERATE_CHECK(gnutls_x509_crt_set_key(crt, key));
	GENERATE_CHECK(gnutls_x509_crt_set_basic_constraints(crt, 0, -1));
	GENERATE_CHECK(gnutls_x509_crt_set_key_usage(crt,
	    generate_key_usage(key)));
	GENERATE_CHECK(gnutls_x509_crt_set_key_purpose_oid(crt,
	    GNUTLS_KP_TLS_WWW_SERVER, 0));
	GENERATE_CHECK(gnutls_x509_crt_get_key_id(crt, 0, id, &id_size));
	GENERATE_CHECK(gnutls_x509_crt_set_subject_key_id(crt, id, id_size));
	GENERATE_CHECK(gnutls_x509_crt_set_authority_key_id(crt, id, id_size));
	GENERATE_CHECK(gnutls_privkey_init(&signer));
	GENERATE_CHECK(gnutls_privkey_import_x509(signer, key, 0));
	GENERATE_CHECK(gnutls_x509_crt_privkey_sign(crt, crt, signer,
	    generate_digest(key), 0));
	gnutls_privkey_deinit(signer);
	free(alts);
	*out = crt;
	return STORE_OK;

fail:
	if (signer != NULL)
		gnutls_privkey_deinit(signer);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	free(alts);
	return STORE_FAIL;
}

/* Build and sign a certificate request for the fields. */
static int
generate_request(const struct store_new_params *p, gnutls_x509_privkey_t key,
    gnutls_x509_crq_t *out, char **cause)
{
	const char		*what = "request";
	gnutls_x509_crq_t	 crq = NULL;
	gnutls_privkey_t	 signer = NULL;
	gnutls_x509_subject_alt_name_t type;
	struct generate_names	 dn[6];
	const char		**alts;
	unsigned char		 ip[16];
	size_t			 n_alts, i;
	unsigned		 len;
	int			 ret;

	*out = NULL;
	generate_alt_list(p, &alts, &n_alts);
	generate_dn(p, dn);

	GENERATE_CHECK(gnutls_x509_crq_init(&crq));
	GENERATE_CHECK(gnutls_x509_crq_set_version(crq, 1));
	for (i = 0; i < 6; i++) {
		if (dn[i].value == NULL || *dn[i].value == '\0')
			continue;
		GENERATE_CHECK(gnutls_x509_crq_set_dn_by_oid(crq, dn[i].oid, 0,
		    dn[i].value, (unsigned)strlen(dn[i].value)));
	}
	for (i = 0; i < n_alts; i++) {
		generate_san_value(alts[i], ip, &len, &type);
		GENERATE_CHECK(gnutls_x509_crq_set_subject_alt_name(crq, type,
		    type == GNUTLS_SAN_IPADDRESS ? (const void *)ip :
		    (const void *)alts[i], len, GNUTLS_FSAN_APPEND));
	}
	GENERATE_CHECK(gnutls_x509_crq_set_key(crq, key));
	GENERATE_CHECK(gnutls_x509_crq_set_key_usage(crq,
	    generate_key_usage(key)));
	GENERATE_CHECK(gnutls_x509_crq_set_key_purpose_oid(crq,
	    GNUTLS_KP_TLS_WWW_SERVER, 0));
	GENERATE_CHECK(gnutls_privkey_init(&signer));
	GENERATE_CHECK(gnutls_privkey_import_x509(signer, key, 0));
	GENERATE_CHECK(gnutls_x509_crq_privkey_sign(crq, signer,
	    generate_digest(key), 0));
	gnutls_privkey_deinit(signer);
	free(alts);
	*out = crq;
	return STORE_OK;

fail:
	if (signer != NULL)
		gnutls_privkey_deinit(signer);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	free(alts);
	return STORE_FAIL;
}

/* Write NAME.key then NAME.<ext>; undo the key if the second fails. */
static int
generate_write_pair(struct store *st, const char *name, const char *ext,
    struct util_buf *body, gnutls_x509_privkey_t key, char **cause)
{
	struct util_buf	 kb = { 0 };
	char		*key_path, *body_path;
	int		 ret = STORE_FAIL;

	key_path = store_entry_file(st, STORE_AREA_SERVER, name, ".key");
	body_path = store_entry_file(st, STORE_AREA_SERVER, name, ext);
	if (x509_key_export_pkcs8(key, NULL, GNUTLS_X509_FMT_PEM, &kb,
	    cause) != STORE_OK)
		goto out;
	if (util_write_atomic(key_path, kb.data, kb.len, 0600, false,
	    cause) != STORE_OK)
		goto out;
	if (util_write_atomic(body_path, body->data, body->len, 0644, false,
	    cause) != STORE_OK) {
		unlink(key_path);
		goto out;
	}
	ret = STORE_OK;
out:
	if (kb.data != NULL)
		gnutls_memset(kb.data, 0, kb.len);
	util_buf_done(&kb);
	free(key_path);
	free(body_path);
	return ret;
}

/* The key of an existing entry, for a renewal that keeps it. */
static int
generate_reuse_key(struct store *st, const char *entry,
    gnutls_x509_privkey_t *key, char **cause)
{
	char	*path;
	int	 ret;

	*key = NULL;
	if (store_check_name(entry, cause) != STORE_OK)
		return STORE_INVALID;
	path = store_entry_file(st, STORE_AREA_SERVER, entry, ".key");
	if (!util_file_exists(path)) {
		util_set_cause(cause, "reuse-key: no entry '%s' with a private "
		    "key in sslcert/; see 'certdesk list'", entry);
		free(path);
		return STORE_FAIL;
	}
	ret = x509_key_load(path, key, cause);
	free(path);
	return ret;
}

static int
generate_entry(struct store *st, const struct store_new_params *p,
    bool request, char **name_out, char **note, char **cause)
{
	gnutls_x509_privkey_t	 key = NULL;
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_x509_crq_t	 crq = NULL;
	struct util_buf		 body = { 0 };
	gnutls_datum_t		 d;
	char			*name = NULL;
	int			 ret;

	if (name_out != NULL)
		*name_out = NULL;
	if (note != NULL)
		*note = NULL;
	if ((ret = generate_validate(p, request, cause)) != STORE_OK)
		return ret;
	if (p->reuse_key != NULL && !request) {
		util_set_cause(cause, "reuse-key: only a request can reuse "
		    "a key");
		return STORE_INVALID;
	}
	if (p->reuse_key != NULL)
		ret = generate_reuse_key(st, p->reuse_key, &key, cause);
	else
		ret = store_generate_key(p->key_type, &key, cause);
	if (ret != STORE_OK)
		return ret;

	if (request)
		ret = generate_request(p, key, &crq, cause);
	else
		ret = generate_certificate(st, p, key, &crt, cause);
	if (ret != STORE_OK)
		goto out;
	if (request) {
		if ((ret = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM,
		    &d)) < 0) {
			util_set_cause(cause, "cannot encode the request: %s",
			    gnutls_strerror(ret));
			ret = STORE_FAIL;
			goto out;
		}
		util_buf_add(&body, d.data, d.size);
		gnutls_free(d.data);
	} else if ((ret = x509_crt_export(crt, GNUTLS_X509_FMT_PEM, &body,
	    cause)) != STORE_OK)
		goto out;

	/* The key took seconds; only now take the lock and pick a name. */
	if ((ret = store_lock(st, cause)) != STORE_OK)
		goto out;
	if ((ret = generate_pick_name(st, p, &name, cause)) == STORE_OK)
		ret = generate_write_pair(st, name, request ? ".csr" : ".crt",
		    &body, key, cause);
	store_unlock(st);
	if (ret != STORE_OK)
		goto out;
	if (note != NULL && request)
		xasprintf(note, "created request '%s': send sslcert/%s.csr to "
		    "a certificate authority, then import its answer", name,
		    name);
	else if (note != NULL)
		xasprintf(note, "created self-signed certificate '%s' "
		    "(sslcert/%s.crt and %s.key); activate it to use it", name,
		    name, name);
	if (name_out != NULL) {
		*name_out = name;
		name = NULL;
	}

out:
	free(name);
	util_buf_done(&body);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return ret;
}

int
store_new_certificate(struct store *st, const struct store_new_params *p,
    char **name, char **note, char **cause)
{
	return generate_entry(st, p, false, name, note, cause);
}

int
store_new_request(struct store *st, const struct store_new_params *p,
    char **name, char **note, char **cause)
{
	return generate_entry(st, p, true, name, note, cause);
}

int
store_ensure_active(struct store *st, bool *created, char **note,
    char **cause)
{
	struct store_new_params	 p = { 0 };
	gnutls_x509_privkey_t	 key = NULL;
	gnutls_x509_crt_t	 crt = NULL;
	struct util_buf		 cb = { 0 }, kb = { 0 };
	char			*crt_path, *kept = NULL, *why = NULL;
	const char		*type;
	int			 ret;

	*created = false;
	if (note != NULL)
		*note = NULL;
	crt_path = util_path_join(st->sslcert, "server.crt");
	if (util_file_exists(crt_path)) {
		free(crt_path);
		return STORE_OK;
	}
	p.hostname = st->hostname;
	if (validate_alt_name(p.hostname, &why) != STORE_OK) {
		util_set_cause(cause, "cannot make the first-run certificate: "
		    "hostname '%s' is not a DNS name (%s); set [server] "
		    "hostname in %s/certdesk.conf", p.hostname, why, st->root);
		free(why);
		free(crt_path);
		return STORE_FAIL;
	}
	p.days = GENERATE_FIRST_RUN_DAYS;
	type = store_config_get(st, "server", "key_type");
	if ((ret = store_generate_key(type, &key, cause)) != STORE_OK)
		goto out;
	if ((ret = generate_certificate(st, &p, key, &crt, cause)) != STORE_OK ||
	    (ret = x509_crt_export(crt, GNUTLS_X509_FMT_PEM, &cb, cause)) !=
	    STORE_OK ||
	    (ret = x509_key_export_pkcs8(key, NULL, GNUTLS_X509_FMT_PEM, &kb,
	    cause)) != STORE_OK)
		goto out;
	if ((ret = store_lock(st, cause)) != STORE_OK)
		goto out;
	/* Another certdesk may have made it while we generated. */
	if (!util_file_exists(crt_path)) {
		ret = store_replace_active(st, cb.data, cb.len, kb.data, kb.len,
		    "first-run", &kept, cause);
		if (ret == STORE_OK) {
			*created = true;
			if (note != NULL)
				xasprintf(note, "first run: created the "
				    "self-signed certificate for %s in "
				    "sslcert/server.crt and server.key%s%s",
				    st->hostname, kept != NULL ?
				    "; the old server.key was kept in " : "",
				    kept != NULL ? kept : "");
		}
	}
	store_unlock(st);
	store_forget_cache(st);

out:
	free(kept);
	if (kb.data != NULL)
		gnutls_memset(kb.data, 0, kb.len);
	util_buf_done(&kb);
	util_buf_done(&cb);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	free(crt_path);
	return ret;
}
