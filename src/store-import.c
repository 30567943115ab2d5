/*
 * store-import: take whatever a CA or another server sent (PEM, DER,
 * PKCS#7, PKCS#12, keys in every encoding), recognised by its bytes and
 * never by its name, and route each part to its place: the leaf with its
 * key to sslcert/, an answer to a pending request beside that request's
 * key, CA certificates to sslca/.  Prepare reads and decides without
 * writing; commit writes, under the lock, only new files, so a failure
 * can be undone by removing what was written.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/pkcs12.h>
#include <gnutls/pkcs7.h>

#include "store-internal.h"

/* What one or two input files held, once decoded. */
struct import_input {
	gnutls_x509_crt_t	*certs;
	unsigned		 n_certs;
	gnutls_x509_privkey_t	 key;
	const char		*key_from;	/* the file that held the key */
	const char		*format;	/* of the main file, for people */
};

/* A new file that commit creates. */
struct import_write {
	char		*path;
	unsigned char	*data;
	size_t		 len;
	mode_t		 mode;
};

/* A file whose content must not change between prepare and commit. */
struct import_keep {
	char		*path;
	unsigned char	*data;
	size_t		 len;
};

struct store_import_plan {
	char			*summary;
	char			*name;		/* the entry, NULL if CA only */

	struct import_write	*writes;
	size_t			 n_writes;
	struct import_keep	*keeps;
	size_t			 n_keeps;
	char			**retire;	/* backed up, then removed */
	size_t			 n_retire;
	char			*retire_what;

	unsigned		 n_ca_added;
	unsigned		 n_ca_present;
	bool			 leaf_present;
};

/* An entry already in sslcert/ or sslca/, for matching and dedup. */
struct import_known {
	char		*name;
	enum store_area	 area;
	char		 **fps;		/* every certificate in its .crt */
	size_t		 n_fps;
	bool		 has_crt;
	bool		 has_csr;
	bool		 has_key;
	bool		 key_ok;	/* the key loaded (unencrypted) */
	unsigned char	 key_id[32];
};

static void
import_input_done(struct import_input *in)
{
	x509_certs_free(in->certs, in->n_certs);
	in->certs = NULL;
	in->n_certs = 0;
	if (in->key != NULL)
		gnutls_x509_privkey_deinit(in->key);
	in->key = NULL;
}

static void
import_add_cert(struct import_input *in, gnutls_x509_crt_t crt)
{
	in->certs = xreallocarray(in->certs, in->n_certs + 1,
	    sizeof *in->certs);
	in->certs[in->n_certs++] = crt;
}

static int
import_add_cert_data(struct import_input *in, const char *file,
    const gnutls_datum_t *d, gnutls_x509_crt_fmt_t fmt, char **cause)
{
	gnutls_x509_crt_t	crt;
	int			ret;

	if ((ret = gnutls_x509_crt_init(&crt)) < 0) {
		util_set_cause(cause, "%s", gnutls_strerror(ret));
		return STORE_FAIL;
	}
	if ((ret = gnutls_x509_crt_import(crt, d, fmt)) < 0) {
		gnutls_x509_crt_deinit(crt);
		util_set_cause(cause, "%s is corrupt: a certificate in it "
		    "cannot be read (%s)", file, gnutls_strerror(ret));
		return STORE_FAIL;
	}
	import_add_cert(in, crt);
	return STORE_OK;
}

static int
import_set_key(struct import_input *in, const char *file,
    gnutls_x509_privkey_t key, char **cause)
{
	if (in->key != NULL) {
		gnutls_x509_privkey_deinit(key);
		util_set_cause(cause, "%s holds more than one private key; "
		    "give only the certificate's key", file);
		return STORE_FAIL;
	}
	in->key = key;
	in->key_from = file;
	return STORE_OK;
}

static int
import_need_password(const char *file, char **cause)
{
	util_set_cause(cause, "%s is encrypted: give its password with "
	    "--password-file FILE", file);
	return STORE_NEED_PASSWORD;
}

static int
import_wrong_password(const char *file, char **cause)
{
	util_set_cause(cause, "the password for %s is wrong", file);
	return STORE_FAIL;
}

/*
 * Decode a private key.  encrypted says the input is known to be
 * encrypted (an ENCRYPTED PRIVATE KEY or Proc-Type block, an encrypted
 * PKCS#8 structure), so a failure to decrypt is a wrong password.
 */
static int
import_key_data(struct import_input *in, const char *file,
    const gnutls_datum_t *d, gnutls_x509_crt_fmt_t fmt, bool encrypted,
    const char *password, char **cause)
{
	gnutls_x509_privkey_t	key;
	int			ret;

	if (encrypted && password == NULL)
		return import_need_password(file, cause);
	if ((ret = gnutls_x509_privkey_init(&key)) < 0) {
		util_set_cause(cause, "%s", gnutls_strerror(ret));
		return STORE_FAIL;
	}
	ret = gnutls_x509_privkey_import2(key, d, fmt,
	    encrypted ? password : NULL, 0);
	if (ret < 0) {
		gnutls_x509_privkey_deinit(key);
		if (encrypted && ret == GNUTLS_E_DECRYPTION_FAILED)
			return import_wrong_password(file, cause);
		if (ret == GNUTLS_E_DECRYPTION_FAILED)
			return import_need_password(file, cause);
		util_set_cause(cause, "%s is corrupt: its private key cannot "
		    "be read (%s)", file, gnutls_strerror(ret));
		return STORE_FAIL;
	}
	return import_set_key(in, file, key, cause);
}

static int
import_pkcs7(struct import_input *in, const char *file,
    const gnutls_datum_t *d, gnutls_x509_crt_fmt_t fmt, char **cause)
{
	gnutls_pkcs7_t	p7;
	gnutls_datum_t	raw = { NULL, 0 };
	int		ret, n, i, status = STORE_FAIL;

	if ((ret = gnutls_pkcs7_init(&p7)) < 0) {
		util_set_cause(cause, "%s", gnutls_strerror(ret));
		return STORE_FAIL;
	}
	if ((ret = gnutls_pkcs7_import(p7, d, fmt)) < 0) {
		util_set_cause(cause, "%s is corrupt: its PKCS#7 structure "
		    "cannot be read (%s)", file, gnutls_strerror(ret));
		goto fail;
	}
	if ((n = gnutls_pkcs7_get_crt_count(p7)) < 0) {
		util_set_cause(cause, "%s is corrupt: %s", file,
		    gnutls_strerror(n));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if ((ret = gnutls_pkcs7_get_crt_raw2(p7, i, &raw)) < 0) {
			util_set_cause(cause, "%s is corrupt: %s", file,
			    gnutls_strerror(ret));
			goto fail;
		}
		if (import_add_cert_data(in, file, &raw, GNUTLS_X509_FMT_DER,
		    cause) != STORE_OK)
			goto fail;
		gnutls_free(raw.data);
		raw.data = NULL;
	}
	status = STORE_OK;
fail:
	gnutls_free(raw.data);
	gnutls_pkcs7_deinit(p7);
	return status;
}

/* A PKCS#12 error other than a wrong password: unsupported or corrupt. */
static int
import_pkcs12_error(const char *file, int ret, char **cause)
{
	switch (ret) {
	case GNUTLS_E_UNKNOWN_CIPHER_TYPE:
	case GNUTLS_E_UNKNOWN_HASH_ALGORITHM:
	case GNUTLS_E_UNKNOWN_ALGORITHM:
	case GNUTLS_E_UNKNOWN_PKCS_CONTENT_TYPE:
	case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
	case GNUTLS_E_UNIMPLEMENTED_FEATURE:
		util_set_cause(cause, "%s is in an unsupported format: its "
		    "PKCS#12 protection is one certdesk cannot open (%s)",
		    file, gnutls_strerror(ret));
		break;
	default:
		util_set_cause(cause, "%s is corrupt: its PKCS#12 content "
		    "cannot be read (%s)", file, gnutls_strerror(ret));
		break;
	}
	return STORE_FAIL;
}

static int
import_pkcs12_bag(struct import_input *in, const char *file,
    gnutls_pkcs12_bag_t bag, const char *password, char **cause)
{
	gnutls_x509_privkey_t	key;
	gnutls_datum_t		d;
	int			ret, n, i, type;

	type = gnutls_pkcs12_bag_get_type(bag, 0);
	if (type == GNUTLS_BAG_ENCRYPTED) {
		if (password == NULL)
			return import_need_password(file, cause);
		ret = gnutls_pkcs12_bag_decrypt(bag, password);
		if (ret == GNUTLS_E_DECRYPTION_FAILED)
			return import_wrong_password(file, cause);
		if (ret < 0)
			return import_pkcs12_error(file, ret, cause);
	}
	if ((n = gnutls_pkcs12_bag_get_count(bag)) < 0) {
		util_set_cause(cause, "%s is corrupt: %s", file,
		    gnutls_strerror(n));
		return STORE_FAIL;
	}
	for (i = 0; i < n; i++) {
		type = gnutls_pkcs12_bag_get_type(bag, i);
		if (type != GNUTLS_BAG_CERTIFICATE &&
		    type != GNUTLS_BAG_PKCS8_KEY &&
		    type != GNUTLS_BAG_PKCS8_ENCRYPTED_KEY)
			continue;	/* CRLs and secrets are not ours */
		if ((ret = gnutls_pkcs12_bag_get_data(bag, i, &d)) < 0) {
			util_set_cause(cause, "%s is corrupt: %s", file,
			    gnutls_strerror(ret));
			return STORE_FAIL;
		}
		if (type == GNUTLS_BAG_CERTIFICATE) {
			if (import_add_cert_data(in, file, &d,
			    GNUTLS_X509_FMT_DER, cause) != STORE_OK)
				return STORE_FAIL;
			continue;
		}
		if (type == GNUTLS_BAG_PKCS8_ENCRYPTED_KEY && password == NULL)
			return import_need_password(file, cause);
		if ((ret = gnutls_x509_privkey_init(&key)) < 0) {
			util_set_cause(cause, "%s", gnutls_strerror(ret));
			return STORE_FAIL;
		}
		if (type == GNUTLS_BAG_PKCS8_KEY)
			ret = gnutls_x509_privkey_import_pkcs8(key, &d,
			    GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN);
		else
			ret = gnutls_x509_privkey_import_pkcs8(key, &d,
			    GNUTLS_X509_FMT_DER, password, 0);
		if (ret < 0) {
			gnutls_x509_privkey_deinit(key);
			if (ret == GNUTLS_E_DECRYPTION_FAILED)
				return import_wrong_password(file, cause);
			util_set_cause(cause, "%s is corrupt: its private key "
			    "cannot be read (%s)", file, gnutls_strerror(ret));
			return STORE_FAIL;
		}
		if (import_set_key(in, file, key, cause) != STORE_OK)
			return STORE_FAIL;
	}
	return STORE_OK;
}

/* Walk the bags ourselves: a bundle may hold certificates and no key. */
static int
import_pkcs12(struct import_input *in, const char *file,
    gnutls_pkcs12_t p12, const char *password, char **cause)
{
	gnutls_pkcs12_bag_t	 bag;
	unsigned		 mac, salt_size = 0, iter;
	char			*oid = NULL;
	int			 ret, i, status;

	/* Ask for the OID: GnuTLS leaks it otherwise. */
	ret = gnutls_pkcs12_mac_info(p12, &mac, NULL, &salt_size, &iter, &oid);
	gnutls_free(oid);
	if (ret >= 0) {
		/* Windows exports "without password" use an empty one. */
		if (password == NULL && gnutls_pkcs12_verify_mac(p12, "") == 0)
			password = "";
		if (password == NULL)
			return import_need_password(file, cause);
		ret = gnutls_pkcs12_verify_mac(p12, password);
		if (ret == GNUTLS_E_MAC_VERIFY_FAILED) {
			/* A damaged bundle fails its MAC the same way. */
			util_set_cause(cause, "the password for %s is wrong "
			    "(or the file is damaged)", file);
			return STORE_FAIL;
		}
		if (ret < 0)
			return import_pkcs12_error(file, ret, cause);
	}
	for (i = 0;; i++) {
		if ((ret = gnutls_pkcs12_bag_init(&bag)) < 0) {
			util_set_cause(cause, "%s", gnutls_strerror(ret));
			return STORE_FAIL;
		}
		ret = gnutls_pkcs12_get_bag(p12, i, bag);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			gnutls_pkcs12_bag_deinit(bag);
			break;
		}
		if (ret < 0) {
			gnutls_pkcs12_bag_deinit(bag);
			util_set_cause(cause, "%s is corrupt: %s", file,
			    gnutls_strerror(ret));
			return STORE_FAIL;
		}
		status = import_pkcs12_bag(in, file, bag, password, cause);
		gnutls_pkcs12_bag_deinit(bag);
		if (status != STORE_OK)
			return status;
	}
	return STORE_OK;
}

/*
 * The length a DER SEQUENCE says it has, header included, or 0 when the
 * header itself is malformed.
 */
static size_t
import_der_length(const unsigned char *data, size_t len)
{
	size_t	n, i, body;

	if (len < 2 || data[0] != 0x30)
		return 0;
	if (data[1] < 0x80)
		return 2 + (size_t)data[1];
	n = data[1] & 0x7f;
	if (n == 0 || n > 4 || len < 2 + n)
		return 0;
	body = 0;
	for (i = 0; i < n; i++)
		body = (body << 8) | data[2 + i];
	return 2 + n + body;
}

static int
import_der(struct import_input *in, const char *file,
    const unsigned char *data, size_t len, const char *password,
    char **cause)
{
	gnutls_datum_t	 d = { (unsigned char *)data, (unsigned)len };
	gnutls_x509_crt_t crt;
	gnutls_pkcs7_t	 p7;
	gnutls_pkcs12_t	 p12;
	unsigned	 schema, cipher;
	size_t		 want;
	int		 status;

	want = import_der_length(data, len);
	if (want == 0 || want > len) {
		util_set_cause(cause, "%s is corrupt: truncated or damaged "
		    "DER data (%zu bytes, its header says %zu)", file, len,
		    want);
		return STORE_FAIL;
	}
	if (want < len) {
		util_set_cause(cause, "%s is corrupt: %zu unexpected bytes "
		    "after its DER data", file, len - want);
		return STORE_FAIL;
	}

	if (gnutls_x509_crt_init(&crt) >= 0) {
		if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0) {
			import_add_cert(in, crt);
			in->format = "DER certificate";
			return STORE_OK;
		}
		gnutls_x509_crt_deinit(crt);
	}
	if (gnutls_pkcs7_init(&p7) >= 0) {
		if (gnutls_pkcs7_import(p7, &d, GNUTLS_X509_FMT_DER) >= 0) {
			gnutls_pkcs7_deinit(p7);
			in->format = "PKCS#7 (DER)";
			return import_pkcs7(in, file, &d, GNUTLS_X509_FMT_DER,
			    cause);
		}
		gnutls_pkcs7_deinit(p7);
	}
	if (gnutls_pkcs12_init(&p12) >= 0) {
		if (gnutls_pkcs12_import(p12, &d, GNUTLS_X509_FMT_DER, 0) >= 0) {
			in->format = "PKCS#12";
			status = import_pkcs12(in, file, p12, password, cause);
			gnutls_pkcs12_deinit(p12);
			return status;
		}
		gnutls_pkcs12_deinit(p12);
	}
	if (gnutls_pkcs8_info(&d, GNUTLS_X509_FMT_DER, &schema, &cipher,
	    NULL, NULL, NULL, NULL) >= 0) {
		in->format = "encrypted PKCS#8 key (DER)";
		return import_key_data(in, file, &d, GNUTLS_X509_FMT_DER,
		    true, password, cause);
	}
	{
		gnutls_x509_privkey_t	key;

		if (gnutls_x509_privkey_init(&key) >= 0) {
			if (gnutls_x509_privkey_import2(key, &d,
			    GNUTLS_X509_FMT_DER, NULL, 0) >= 0) {
				in->format = "private key (DER)";
				return import_set_key(in, file, key, cause);
			}
			gnutls_x509_privkey_deinit(key);
		}
	}
	util_set_cause(cause, "%s is in an unsupported format: DER data that "
	    "is not a certificate, PKCS#7, PKCS#12 or private key", file);
	return STORE_FAIL;
}

static bool
import_b64_char(int c)
{
	return isalnum(c) || c == '+' || c == '/';
}

/*
 * Check a PEM block's body: optional "Name: value" headers, then base64
 * only.  Return the reason it is bad, or NULL.
 */
static const char *
import_pem_check_body(const char *p, const char *end, bool *encrypted)
{
	const char	*line, *eol, *c;
	size_t		 n = 0, pad = 0;
	bool		 headers = true;

	*encrypted = false;
	for (line = p; line < end; line = eol + 1) {
		eol = memchr(line, '\n', end - line);
		if (eol == NULL)
			eol = end;
		if (headers) {
			c = memchr(line, ':', eol - line);
			if (c != NULL) {
				if ((size_t)(eol - line) >= 9 &&
				    strncmp(line, "Proc-Type", 9) == 0 &&
				    memmem(line, eol - line, "ENCRYPTED", 9) !=
				    NULL)
					*encrypted = true;
				continue;
			}
			headers = false;
		}
		for (c = line; c < eol; c++) {
			if (*c == ' ' || *c == '\t' || *c == '\r')
				continue;
			if (*c == '=') {
				pad++;
				continue;
			}
			if (!import_b64_char((unsigned char)*c) || pad != 0)
				return "not valid base64";
			n++;
		}
	}
	if (pad > 2 || (n + pad) % 4 != 0 || n == 0)
		return "not valid base64 (wrong length)";
	return NULL;
}

static int
import_pem_block(struct import_input *in, const char *file,
    const char *label, const char *block, size_t block_len, bool encrypted,
    const char *password, char **cause)
{
	gnutls_datum_t	d = { (unsigned char *)block, (unsigned)block_len };

	if (strcmp(label, "CERTIFICATE") == 0 ||
	    strcmp(label, "X509 CERTIFICATE") == 0)
		return import_add_cert_data(in, file, &d, GNUTLS_X509_FMT_PEM,
		    cause);
	if (strcmp(label, "PKCS7") == 0 || strcmp(label, "PKCS #7 SIGNED DATA")
	    == 0) {
		/* GnuTLS wants the PKCS7 label; decode the body ourselves. */
		gnutls_datum_t	der;
		int		ret, status;

		if (in->format != NULL && strcmp(in->format, "PEM") == 0)
			in->format = "PKCS#7 (PEM)";
		ret = gnutls_pem_base64_decode2(label, &d, &der);
		if (ret < 0) {
			util_set_cause(cause, "%s is corrupt: its %s block "
			    "cannot be decoded (%s)", file, label,
			    gnutls_strerror(ret));
			return STORE_FAIL;
		}
		status = import_pkcs7(in, file, &der, GNUTLS_X509_FMT_DER,
		    cause);
		gnutls_free(der.data);
		return status;
	}
	if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
		encrypted = true;
	if (strcmp(label, "PRIVATE KEY") == 0 ||
	    strcmp(label, "ENCRYPTED PRIVATE KEY") == 0 ||
	    strcmp(label, "RSA PRIVATE KEY") == 0 ||
	    strcmp(label, "EC PRIVATE KEY") == 0 ||
	    strcmp(label, "DSA PRIVATE KEY") == 0)
		return import_key_data(in, file, &d, GNUTLS_X509_FMT_PEM,
		    encrypted, password, cause);
	if (strcmp(label, "EC PARAMETERS") == 0)
		return STORE_OK;	/* openssl ecparam -genkey writes it */
	if (strcmp(label, "CERTIFICATE REQUEST") == 0 ||
	    strcmp(label, "NEW CERTIFICATE REQUEST") == 0) {
		util_set_cause(cause, "%s is a certificate request, not a "
		    "certificate: have a CA sign it, then import what the CA "
		    "sends back", file);
		return STORE_FAIL;
	}
	util_set_cause(cause, "%s is in an unsupported format: it holds a "
	    "PEM block \"%s\", which certdesk does not import", file, label);
	return STORE_FAIL;
}

static int
import_pem(struct import_input *in, const char *file, const char *text,
    size_t len, const char *password, char **cause)
{
	const char	*p = text, *end = text + len, *begin, *lab, *lab_end;
	const char	*body, *stop, *next, *why;
	char		*label = NULL, *marker = NULL;
	bool		 encrypted;
	int		 status;
	unsigned	 n_blocks = 0;

	while ((begin = memmem(p, end - p, "-----BEGIN ", 11)) != NULL) {
		lab = begin + 11;
		lab_end = memmem(lab, end - lab, "-----", 5);
		if (lab_end == NULL || memchr(lab, '\n', lab_end - lab) != NULL) {
			util_set_cause(cause, "%s is corrupt: truncated or "
			    "corrupt PEM block (a BEGIN line without its "
			    "dashes)", file);
			return STORE_FAIL;
		}
		label = xstrndup(lab, lab_end - lab);
		xasprintf(&marker, "-----END %s-----", label);
		body = lab_end + 5;
		stop = memmem(body, end - body, marker, strlen(marker));
		/* The body starts on the line after BEGIN. */
		if ((lab = memchr(body, '\n', end - body)) != NULL &&
		    (stop == NULL || lab < stop))
			body = lab + 1;
		next = memmem(body, end - body, "-----BEGIN ", 11);
		if (stop == NULL || (next != NULL && next < stop)) {
			util_set_cause(cause, "%s is corrupt: truncated or "
			    "corrupt PEM block (BEGIN %s without its END)",
			    file, label);
			goto fail;
		}
		if ((why = import_pem_check_body(body, stop, &encrypted)) !=
		    NULL) {
			util_set_cause(cause, "%s is corrupt: %s in its %s "
			    "block", file, why, label);
			goto fail;
		}
		status = import_pem_block(in, file, label, begin,
		    stop + strlen(marker) - begin, encrypted, password, cause);
		if (status != STORE_OK) {
			free(label);
			free(marker);
			return status;
		}
		n_blocks++;
		p = stop + strlen(marker);
		free(label);
		free(marker);
		label = marker = NULL;
	}
	if (n_blocks == 0) {
		util_set_cause(cause, "%s is in an unsupported format: no "
		    "certificate, key or PKCS#7 block in it", file);
		return STORE_FAIL;
	}
	return STORE_OK;
fail:
	free(label);
	free(marker);
	return STORE_FAIL;
}

static bool
import_is_text(const unsigned char *data, size_t len)
{
	return memmem(data, len, "-----BEGIN ", 11) != NULL;
}

/* Read one input file into in, recognising its format by its content. */
static int
import_read(struct import_input *in, const char *file, const char *password,
    char **cause)
{
	unsigned char	*data = NULL;
	size_t		 len = 0;
	int		 status;

	if (util_read_file(file, STORE_MAX_INPUT, &data, &len, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	if (len == 0) {
		util_set_cause(cause, "%s is empty", file);
		status = STORE_FAIL;
	} else if (import_is_text(data, len)) {
		if (in->format == NULL)
			in->format = "PEM";
		status = import_pem(in, file, (const char *)data, len,
		    password, cause);
	} else if (data[0] == 0x30)
		status = import_der(in, file, data, len, password, cause);
	else {
		util_set_cause(cause, "%s is in an unsupported format: not "
		    "PEM, DER, PKCS#7 or PKCS#12", file);
		status = STORE_FAIL;
	}
	util_free_secret(data, len);
	return status;
}

/* ------------------------------------------------------------------ */
/* What is already stored. */

static void
import_known_free(struct import_known *k, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		free(k[i].name);
		for (j = 0; j < k[i].n_fps; j++)
			free(k[i].fps[j]);
		free(k[i].fps);
	}
	free(k);
}

static bool
import_has_suffix(const char *s, const char *suffix)
{
	size_t	a = strlen(s), b = strlen(suffix);

	return a > b && strcmp(s + a - b, suffix) == 0;
}

static struct import_known *
import_known_find(struct import_known *k, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(k[i].name, name) == 0)
			return &k[i];
	}
	return NULL;
}

/*
 * Scan one area: the entries' names, the fingerprints of the
 * certificates in each .crt, and the public key id of each key.  Files
 * that cannot be read are skipped: they are not ours to judge here.
 */
static int
import_scan(struct store *s, enum store_area area, struct import_known **out,
    size_t *n_out, char **cause)
{
	const char		*dir = area == STORE_AREA_CA ? s->sslca :
				    s->sslcert;
	struct import_known	*k = NULL, *e;
	size_t			 n = 0, i;
	DIR			*d;
	struct dirent		*de;
	char			*name, *path;
	const char		*ext;
	gnutls_x509_crt_t	*certs;
	gnutls_x509_privkey_t	 key;
	unsigned		 nc, j;
	char			 hex[65];

	if ((d = opendir(dir)) == NULL) {
		util_set_cause(cause, "cannot read %s: %s", dir,
		    strerror(errno));
		return STORE_FAIL;
	}
	while ((de = readdir(d)) != NULL) {
		if (import_has_suffix(de->d_name, ".crt"))
			ext = ".crt";
		else if (import_has_suffix(de->d_name, ".csr"))
			ext = ".csr";
		else if (import_has_suffix(de->d_name, ".key"))
			ext = ".key";
		else
			continue;
		name = xstrndup(de->d_name, strlen(de->d_name) - 4);
		if ((e = import_known_find(k, n, name)) == NULL) {
			k = xreallocarray(k, n + 1, sizeof *k);
			e = &k[n++];
			memset(e, 0, sizeof *e);
			e->name = name;
			e->area = area;
		} else
			free(name);
		if (strcmp(ext, ".crt") == 0)
			e->has_crt = true;
		else if (strcmp(ext, ".csr") == 0)
			e->has_csr = true;
		else
			e->has_key = true;
	}
	closedir(d);

	for (i = 0; i < n; i++) {
		e = &k[i];
		if (e->has_crt) {
			path = store_entry_file(s, area, e->name, ".crt");
			if (x509_certs_load(path, &certs, &nc, NULL) ==
			    STORE_OK) {
				for (j = 0; j < nc; j++) {
					if (x509_crt_sha256_hex(certs[j], hex)
					    != STORE_OK)
						continue;
					e->fps = xreallocarray(e->fps,
					    e->n_fps + 1, sizeof *e->fps);
					e->fps[e->n_fps++] = xstrdup(hex);
				}
				x509_certs_free(certs, nc);
			}
			free(path);
		}
		if (e->has_key && area == STORE_AREA_SERVER) {
			path = store_entry_file(s, area, e->name, ".key");
			if (x509_key_load(path, &key, NULL) == STORE_OK) {
				if (x509_key_id(key, e->key_id) == STORE_OK)
					e->key_ok = true;
				gnutls_x509_privkey_deinit(key);
			}
			free(path);
		}
	}
	*out = k;
	*n_out = n;
	return STORE_OK;
}

/* ------------------------------------------------------------------ */
/* The plan. */

void
store_import_plan_free(struct store_import_plan *plan)
{
	size_t	i;

	if (plan == NULL)
		return;
	free(plan->summary);
	free(plan->name);
	for (i = 0; i < plan->n_writes; i++) {
		free(plan->writes[i].path);
		if (plan->writes[i].mode == 0600)
			util_free_secret(plan->writes[i].data,
			    plan->writes[i].len);
		else
			free(plan->writes[i].data);
	}
	free(plan->writes);
	for (i = 0; i < plan->n_keeps; i++) {
		free(plan->keeps[i].path);
		util_free_secret(plan->keeps[i].data, plan->keeps[i].len);
	}
	free(plan->keeps);
	for (i = 0; i < plan->n_retire; i++)
		free(plan->retire[i]);
	free(plan->retire);
	free(plan->retire_what);
	free(plan);
}

const char *
store_import_summary(const struct store_import_plan *plan)
{
	return plan->summary;
}

static void
import_plan_write(struct store_import_plan *plan, char *path,
    struct util_buf *b, mode_t mode)
{
	struct import_write	*w;

	plan->writes = xreallocarray(plan->writes, plan->n_writes + 1,
	    sizeof *plan->writes);
	w = &plan->writes[plan->n_writes++];
	w->path = path;
	w->data = b->data;
	w->len = b->len;
	w->mode = mode;
	memset(b, 0, sizeof *b);
}

static bool
import_plan_writes_to(const struct store_import_plan *plan, const char *path)
{
	size_t	i;

	for (i = 0; i < plan->n_writes; i++) {
		if (strcmp(plan->writes[i].path, path) == 0)
			return true;
	}
	return false;
}

/* Remember a file's bytes, so commit can see it did not change. */
static int
import_plan_keep(struct store_import_plan *plan, const char *path,
    unsigned char **data, size_t *len, char **cause)
{
	struct import_keep	*k;
	unsigned char		*d;
	size_t			 l;

	if (util_read_file(path, STORE_MAX_INPUT, &d, &l, cause) != STORE_OK)
		return STORE_FAIL;
	plan->keeps = xreallocarray(plan->keeps, plan->n_keeps + 1,
	    sizeof *plan->keeps);
	k = &plan->keeps[plan->n_keeps++];
	k->path = xstrdup(path);
	k->data = d;
	k->len = l;
	if (data != NULL) {
		*data = d;
		*len = l;
	}
	return STORE_OK;
}

/* A relative path for people: "sslcert/mail.crt". */
static const char *
import_rel(const struct store *s, const char *path)
{
	size_t	n = strlen(s->root);

	if (strncmp(path, s->root, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* A name for a CA certificate in sslca/ from its CN. */
static char *
import_ca_name(gnutls_x509_crt_t crt, const char *fp)
{
	char	*cn, *name, *p;
	size_t	 i, n = 0;

	cn = x509_crt_common_name(crt);
	name = xmalloc(strlen(cn) + 1);
	for (i = 0; cn[i] != '\0' && n < 64; i++) {
		if (isalnum((unsigned char)cn[i]) || cn[i] == '-' ||
		    cn[i] == '_' || cn[i] == '.')
			name[n++] = cn[i];
		else if ((cn[i] == ' ' || cn[i] == '/') && n > 0 &&
		    name[n - 1] != '-')
			name[n++] = '-';
	}
	name[n] = '\0';
	while (n > 0 && (name[n - 1] == '-' || name[n - 1] == '.'))
		name[--n] = '\0';
	p = name;
	while (*p == '-' || *p == '.')
		p++;
	if (*p == '\0' || store_check_name(p, NULL) != STORE_OK) {
		free(name);
		xasprintf(&name, "ca-%.12s", fp);
	} else if (p != name)
		memmove(name, p, strlen(p) + 1);
	free(cn);
	return name;
}

static void
import_describe_crt(struct util_buf *b, const char *what,
    gnutls_x509_crt_t crt)
{
	gnutls_datum_t	 d = { NULL, 0 };
	char		*subject, *issuer, *from, *to, *e1, *e2;

	subject = x509_crt_subject(crt);
	if (gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) >= 0) {
		issuer = xstrndup((char *)d.data, d.size);
		gnutls_free(d.data);
	} else
		issuer = xstrdup("?");
	from = util_format_time(gnutls_x509_crt_get_activation_time(crt));
	to = util_format_time(gnutls_x509_crt_get_expiration_time(crt));
	e1 = util_escape(subject);
	e2 = util_escape(issuer);
	util_buf_printf(b, "  %s\n    subject:  %s\n    issuer:   %s\n"
	    "    valid:    %s to %s\n", what, e1, e2, from, to);
	free(e1);
	free(e2);
	free(subject);
	free(issuer);
	free(from);
	free(to);
}

/* Append each issuer found among certs after the last one of chain. */
static unsigned
import_order_chain(gnutls_x509_crt_t *certs, unsigned n, unsigned leaf,
    unsigned *order)
{
	bool		*used;
	unsigned	 len = 0, i, last;

	used = xcalloc(n, sizeof *used);
	order[len++] = leaf;
	used[leaf] = true;
	for (;;) {
		last = order[len - 1];
		if (x509_crt_is_self_signed(certs[last]))
			break;
		for (i = 0; i < n; i++) {
			if (!used[i] && gnutls_x509_crt_check_issuer(
			    certs[last], certs[i]))
				break;
		}
		if (i == n)
			break;
		used[i] = true;
		order[len++] = i;
	}
	free(used);
	return len;
}

static bool
import_known_has_fp(struct import_known *k, size_t n, const char *fp,
    const char **name)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k[i].n_fps; j++) {
			if (strcmp(k[i].fps[j], fp) == 0) {
				if (name != NULL)
					*name = k[i].name;
				return true;
			}
		}
	}
	return false;
}

static int
import_plan_ca(struct store *s, struct store_import_plan *plan,
    struct import_known *ca, size_t n_ca, gnutls_x509_crt_t crt,
    struct util_buf *sum, char **cause)
{
	struct util_buf	 b = { 0 };
	const char	*have;
	char		 fp[65], *name, *try, *path, *e;
	unsigned	 i;

	if (x509_crt_sha256_hex(crt, fp) != STORE_OK) {
		util_set_cause(cause, "cannot compute a certificate's "
		    "fingerprint");
		return STORE_FAIL;
	}
	if (import_known_has_fp(ca, n_ca, fp, &have)) {
		e = util_escape(have);
		util_buf_printf(sum, "  CA certificate already present: "
		    "sslca/%s.crt\n", e);
		free(e);
		plan->n_ca_present++;
		return STORE_OK;
	}
	name = import_ca_name(crt, fp);
	try = xstrdup(name);
	for (i = 2;; i++) {
		path = store_entry_file(s, STORE_AREA_CA, try, ".crt");
		if (!util_file_exists(path) && !import_plan_writes_to(plan,
		    path))
			break;
		free(path);
		free(try);
		xasprintf(&try, "%s-%u", name, i);
	}
	free(name);
	if (x509_crt_export(crt, GNUTLS_X509_FMT_PEM, &b, cause) != STORE_OK) {
		free(path);
		free(try);
		return STORE_FAIL;
	}
	import_describe_crt(sum, x509_crt_is_self_signed(crt) ?
	    "root CA certificate:" : "intermediate CA certificate:", crt);
	e = util_escape(import_rel(s, path));
	util_buf_printf(sum, "    -> %s\n", e);
	free(e);
	import_plan_write(plan, path, &b, 0644);
	plan->n_ca_added++;
	free(try);
	return STORE_OK;
}

static bool
import_id_eq(const unsigned char *a, const unsigned char *b)
{
	return memcmp(a, b, 32) == 0;
}

static const char *
import_key_kind(int algo)
{
	switch (algo) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		return "RSA";
	case GNUTLS_PK_ECDSA:
		return "EC";
	case GNUTLS_PK_EDDSA_ED25519:
		return "Ed25519";
	case GNUTLS_PK_EDDSA_ED448:
		return "Ed448";
	case GNUTLS_PK_DSA:
		return "DSA";
	default:
		return "unknown";
	}
}

/* Does the certificate name a host (a DNS or IP subjectAltName)? */
static bool
import_names_hosts(gnutls_x509_crt_t crt)
{
	char		buf[256];
	size_t		size;
	unsigned	i;
	int		ret;

	for (i = 0;; i++) {
		size = sizeof buf;
		ret = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size,
		    NULL);
		if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (ret < 0)
			return false;
		if (ret == GNUTLS_SAN_DNSNAME || ret == GNUTLS_SAN_IPADDRESS)
			return true;
	}
}

/* Did certs[i] issue another certificate of the input? */
static bool
import_issued_any(const struct import_input *in, unsigned i)
{
	unsigned	j;

	for (j = 0; j < in->n_certs; j++) {
		if (j != i && gnutls_x509_crt_check_issuer(in->certs[j],
		    in->certs[i]))
			return true;
	}
	return false;
}

/* Choose the leaf; *leaf is -1 when there is none (CA certificates only). */
static int
import_find_leaf(const char *file, struct import_input *in,
    struct import_known *srv, size_t n_srv, int *leaf, char **cause)
{
	unsigned char	 id[32], kid[32];
	unsigned	 i, n_leaf = 0;
	size_t		 j;
	int		 algo, calgo;

	*leaf = -1;
	if (in->key != NULL) {
		if (x509_key_id(in->key, kid) != STORE_OK) {
			util_set_cause(cause, "cannot read the key in %s",
			    in->key_from);
			return STORE_FAIL;
		}
		for (i = 0; i < in->n_certs; i++) {
			if (x509_crt_key_id(in->certs[i], id) == STORE_OK &&
			    import_id_eq(id, kid)) {
				*leaf = i;
				return STORE_OK;
			}
		}
		if (in->n_certs == 0) {
			util_set_cause(cause, "%s holds only a private key: "
			    "import it with its certificate (import CERT "
			    "--key KEYFILE)", file);
			return STORE_FAIL;
		}
		/* Blame the certificate that would have been the leaf. */
		for (i = 0; i < in->n_certs; i++) {
			if (!x509_crt_is_ca(in->certs[i]))
				break;
		}
		if (i == in->n_certs)
			i = 0;
		algo = gnutls_x509_privkey_get_pk_algorithm(in->key);
		calgo = gnutls_x509_crt_get_pk_algorithm(in->certs[i], NULL);
		if (strcmp(import_key_kind(algo), import_key_kind(calgo)) != 0)
			util_set_cause(cause, "the key in %s does not belong "
			    "to the certificate: it is an %s key, the "
			    "certificate's is %s", in->key_from,
			    import_key_kind(algo), import_key_kind(calgo));
		else
			util_set_cause(cause, "the key in %s does not belong "
			    "to the certificate", in->key_from);
		return STORE_FAIL;
	}
	if (in->n_certs == 0) {
		util_set_cause(cause, "%s holds no certificate", file);
		return STORE_FAIL;
	}
	for (i = 0; i < in->n_certs; i++) {
		if (!x509_crt_is_ca(in->certs[i])) {
			n_leaf++;
			*leaf = i;
		}
	}
	if (n_leaf > 1) {
		util_set_cause(cause, "%s holds %u server certificates; "
		    "import them one at a time", file, n_leaf);
		return STORE_FAIL;
	}
	if (n_leaf == 1)
		return STORE_OK;

	/*
	 * Only CA certificates: one of them may still be a server's own
	 * (openssl req -x509 marks self-signed certificates CA:TRUE): it is
	 * when a key in sslcert/ belongs to it, or when it names hosts and
	 * issued nothing in the input.
	 */
	for (i = 0; i < in->n_certs; i++) {
		if (x509_crt_key_id(in->certs[i], id) != STORE_OK)
			continue;
		for (j = 0; j < n_srv; j++) {
			if (srv[j].key_ok && import_id_eq(srv[j].key_id, id)) {
				*leaf = i;
				return STORE_OK;
			}
		}
	}
	for (i = 0; i < in->n_certs; i++) {
		if (import_names_hosts(in->certs[i]) &&
		    !import_issued_any(in, i)) {
			n_leaf++;
			*leaf = i;
		}
	}
	if (n_leaf > 1)
		*leaf = -1;	/* no way to tell: they go to sslca/ */
	return STORE_OK;
}

/*
 * Where the leaf's key comes from: the pending request it answers (whose
 * files are retired), the input, or a stored entry with the same key.
 * Leaves in b the bytes of NAME.key when one must be written.
 */
static int
import_plan_key(struct store *s, struct store_import_plan *plan,
    const char *name, struct import_input *in, struct import_known *req,
    struct import_known *pair, struct util_buf *b, struct util_buf *sum,
    char **cause)
{
	unsigned char	*kdata = NULL;
	size_t		 klen = 0;
	char		*e, *oldkey, *oldcsr;
	int		 status;

	if (req != NULL) {
		e = util_escape(req->name);
		util_buf_printf(sum, "  answers the pending request %s: "
		    "paired with its key sslcert/%s.key\n", e, e);
		free(e);
		oldkey = store_entry_file(s, STORE_AREA_SERVER, req->name,
		    ".key");
		oldcsr = store_entry_file(s, STORE_AREA_SERVER, req->name,
		    ".csr");
		if (import_plan_keep(plan, oldcsr, NULL, NULL, cause) !=
		    STORE_OK ||
		    import_plan_keep(plan, oldkey, &kdata, &klen, cause) !=
		    STORE_OK) {
			free(oldkey);
			free(oldcsr);
			return STORE_FAIL;
		}
		plan->retire = xreallocarray(plan->retire, 2,
		    sizeof *plan->retire);
		plan->retire[plan->n_retire++] = oldcsr;
		plan->retire_what = xstrdup("import");	/* the backup's tag */
		if (strcmp(req->name, name) != 0) {
			/* The key moves to the new name with the request. */
			plan->retire[plan->n_retire++] = oldkey;
			util_buf_add(b, kdata, klen);
		} else
			free(oldkey);
		e = util_escape(req->name);
		util_buf_printf(sum, "  the request sslcert/%s.csr is retired "
		    "(kept in the backup folder)\n", e);
		free(e);
	} else if (in->key != NULL) {
		if (x509_key_export_pkcs8(in->key, NULL, GNUTLS_X509_FMT_PEM,
		    b, cause) != STORE_OK)
			return STORE_FAIL;
		e = util_escape(in->key_from);
		util_buf_printf(sum, "  private key from %s (matches the "
		    "certificate)\n", e);
		free(e);
	} else if (pair != NULL) {
		oldkey = store_entry_file(s, STORE_AREA_SERVER, pair->name,
		    ".key");
		status = import_plan_keep(plan, oldkey, &kdata, &klen, cause);
		free(oldkey);
		if (status != STORE_OK)
			return STORE_FAIL;
		util_buf_add(b, kdata, klen);
		e = util_escape(pair->name);
		util_buf_printf(sum, "  its key is the key of entry %s: "
		    "copied from sslcert/%s.key\n", e, e);
		free(e);
	} else
		util_buf_printf(sum, "  no private key in the input and no "
		    "pending request for it: stored without a key\n");

	return STORE_OK;
}

/*
 * An entry name from the certificate: its CN, else its first DNS
 * subjectAltName (certificates may carry no CN at all).
 */
static char *
import_host_name(gnutls_x509_crt_t crt)
{
	char		*cn, *name, buf[256];
	size_t		 size;
	unsigned	 i;
	int		 ret;

	cn = x509_crt_common_name(crt);
	for (i = 0; *cn == '\0'; i++) {
		size = sizeof buf;
		ret = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size,
		    NULL);
		if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (ret < 0)
			break;
		if (ret == GNUTLS_SAN_DNSNAME) {
			free(cn);
			cn = xstrndup(buf, size);
		}
	}
	if (*cn == '\0') {
		free(cn);
		return NULL;
	}
	name = store_name_from_hostname(cn);
	free(cn);
	if (name != NULL && store_check_name(name, NULL) != STORE_OK) {
		free(name);
		return NULL;
	}
	return name;
}

static int
import_plan_leaf(struct store *s, struct store_import_plan *plan,
    const struct store_import_options *opts, const char *file,
    struct import_input *in, unsigned leaf, struct import_known *srv,
    size_t n_srv, struct util_buf *sum, char **cause)
{
	gnutls_x509_crt_t	 crt = in->certs[leaf];
	struct import_known	*req = NULL, *pair = NULL, *same, *k;
	struct util_buf		 b = { 0 };
	unsigned char		 id[32];
	size_t			 j;
	const char		*have;
	char			 fp[65], *name = NULL, *path, *kpath;
	char			*e;
	int			 status = STORE_FAIL;
	bool			 key_only = false, orphan;

	if (x509_crt_sha256_hex(crt, fp) != STORE_OK ||
	    x509_crt_key_id(crt, id) != STORE_OK) {
		util_set_cause(cause, "cannot read the certificate in %s",
		    file);
		return STORE_FAIL;
	}

	/*
	 * Its key: a pending request's (the input may hold that key too),
	 * the input's, or a stored entry's.
	 */
	for (j = 0; j < n_srv; j++) {
		k = &srv[j];
		if (!k->key_ok || !import_id_eq(k->key_id, id))
			continue;
		if (k->has_csr && req == NULL)
			req = k;
		else if (k->has_crt && pair == NULL)
			pair = k;
	}
	if (req != NULL || in->key != NULL)
		pair = NULL;

	/* The name: --name, the request's, or the certificate's host. */
	if (opts->name != NULL) {
		if (store_check_name(opts->name, cause) != STORE_OK)
			return STORE_INVALID;
		name = xstrdup(opts->name);
	} else if (req != NULL)
		name = xstrdup(req->name);
	else if ((name = import_host_name(crt)) == NULL) {
		util_set_cause(cause, "the certificate in %s names no host to "
		    "name its entry after; choose a name with --name", file);
		return STORE_INVALID;
	}
	plan->name = name;

	/* Already stored? */
	same = import_known_find(srv, n_srv, name);
	if (import_known_has_fp(srv, n_srv, fp, &have) &&
	    (k = import_known_find(srv, n_srv, have))->n_fps > 0 &&
	    strcmp(k->fps[0], fp) == 0) {
		if (k->has_key || (in->key == NULL && req == NULL &&
		    pair == NULL)) {
			e = util_escape(have);
			util_buf_printf(sum, "  the certificate is already "
			    "stored as %s (sslcert/%s.crt): not stored again\n",
			    e, e);
			free(e);
			free(plan->name);
			plan->name = xstrdup(have);
			plan->leaf_present = true;
			return STORE_OK;
		}
		if (opts->name == NULL || strcmp(opts->name, have) == 0) {
			/* Stored without its key, which came now. */
			free(plan->name);
			name = plan->name = xstrdup(have);
			same = k;
			key_only = true;
		}
	}
	if (!key_only && strcmp(name, "server") == 0) {
		util_set_cause(cause, "\"server\" is the active pair: import "
		    "under another name (--name NAME), then activate it");
		return STORE_INVALID;
	}
	/*
	 * A key alone under the name, and it is ours: the first half of an
	 * import interrupted before the certificate landed.
	 */
	orphan = !key_only && same != NULL && same->has_key &&
	    !same->has_crt && !same->has_csr && same->key_ok &&
	    import_id_eq(same->key_id, id);
	if (!key_only && !orphan && same != NULL && (same->has_crt ||
	    (same->has_key && req != same) || (same->has_csr && req != same))) {
		e = util_escape(name);
		util_set_cause(cause, "an entry named %s already exists and "
		    "holds something else; choose another name with --name",
		    e);
		free(e);
		return STORE_INVALID;
	}

	path = store_entry_file(s, STORE_AREA_SERVER, name, ".crt");
	kpath = store_entry_file(s, STORE_AREA_SERVER, name, ".key");
	import_describe_crt(sum, "certificate:", crt);
	e = util_escape(name);
	util_buf_printf(sum, "    entry:    %s\n", e);
	if (key_only)
		util_buf_printf(sum, "    already stored as sslcert/%s.crt "
		    "without its key: the key is added\n", e);
	free(e);
	if (!key_only) {
		if (x509_crt_export(crt, GNUTLS_X509_FMT_PEM, &b, cause) !=
		    STORE_OK)
			goto fail;
		e = util_escape(import_rel(s, path));
		util_buf_printf(sum, "    -> %s\n", e);
		free(e);
		import_plan_write(plan, path, &b, 0644);
		path = NULL;
	}

	if (orphan) {
		if (import_plan_keep(plan, kpath, NULL, NULL, cause) != STORE_OK)
			goto fail;
		e = util_escape(name);
		util_buf_printf(sum, "  its key is already in sslcert/%s.key "
		    "(left by an interrupted import)\n", e);
		free(e);
	} else if (import_plan_key(s, plan, name, in, req, pair, &b, sum,
	    cause) != STORE_OK)
		goto fail;

	if (b.len > 0) {
		if (util_file_exists(kpath)) {
			e = util_escape(import_rel(s, kpath));
			util_set_cause(cause, "%s already exists; choose "
			    "another name with --name", e);
			free(e);
			goto fail;
		}
		e = util_escape(import_rel(s, kpath));
		util_buf_printf(sum, "    -> %s (mode 0600)\n", e);
		free(e);
		import_plan_write(plan, kpath, &b, 0600);
		kpath = NULL;
	}
	status = STORE_OK;
fail:
	if (b.data != NULL)
		util_free_secret(b.data, b.len);
	free(path);
	free(kpath);
	return status;
}

/*
 * The order commit writes in: CA certificates (harmless alone), then the
 * key, then its certificate, so an entry never shows without its key.
 */
static int
import_write_rank(const struct store *s, const struct import_write *w)
{
	size_t	n = strlen(s->sslca);

	if (strncmp(w->path, s->sslca, n) == 0 && w->path[n] == '/')
		return 0;
	return w->mode == 0600 ? 1 : 2;
}

static void
import_plan_sort(const struct store *s, struct store_import_plan *plan)
{
	struct import_write	w;
	size_t			i, j;

	for (i = 1; i < plan->n_writes; i++) {
		w = plan->writes[i];
		for (j = i; j > 0 && import_write_rank(s, &plan->writes[j - 1]) >
		    import_write_rank(s, &w); j--)
			plan->writes[j] = plan->writes[j - 1];
		plan->writes[j] = w;
	}
}

int
store_import_prepare(struct store *s, const char *file,
    const struct store_import_options *opts, struct store_import_plan **out,
    char **cause)
{
	struct import_input		 in = { 0 };
	struct store_import_plan	*plan;
	struct import_known		*srv = NULL, *ca = NULL;
	size_t				 n_srv = 0, n_ca = 0;
	struct util_buf			 sum = { 0 };
	unsigned			*order = NULL, n_order = 0, i, j;
	int				 leaf, status;
	char				*e, *c;

	*out = NULL;
	plan = xcalloc(1, sizeof *plan);
	if ((status = import_read(&in, file, opts->password, cause)) !=
	    STORE_OK)
		goto fail;
	if (opts->key_file != NULL) {
		const char	*format = in.format;

		if (in.key != NULL) {
			util_set_cause(cause, "%s already holds a private "
			    "key; --key is not needed", file);
			status = STORE_INVALID;
			goto fail;
		}
		if ((status = import_read(&in, opts->key_file, opts->password,
		    cause)) != STORE_OK)
			goto fail;
		in.format = format;
		if (in.key == NULL) {
			util_set_cause(cause, "%s holds no private key",
			    opts->key_file);
			status = STORE_FAIL;
			goto fail;
		}
	}
	status = STORE_FAIL;

	if (opts->ca_only) {
		if (in.key != NULL) {
			util_set_cause(cause, "%s holds a private key: a "
			    "server certificate with its key is imported with "
			    "'certdesk import'", in.key_from);
			goto fail;
		}
		for (i = 0; i < in.n_certs; i++) {
			if (!x509_crt_is_ca(in.certs[i])) {
				c = x509_crt_common_name(in.certs[i]);
				util_set_cause(cause, "%s holds a server "
				    "certificate (%s), not a CA certificate: "
				    "use 'certdesk import' for it", file, c);
				free(c);
				goto fail;
			}
		}
		if (in.n_certs == 0) {
			util_set_cause(cause, "%s holds no certificate", file);
			goto fail;
		}
	}

	if (import_scan(s, STORE_AREA_SERVER, &srv, &n_srv, cause) !=
	    STORE_OK ||
	    import_scan(s, STORE_AREA_CA, &ca, &n_ca, cause) != STORE_OK)
		goto fail;

	leaf = -1;
	if (!opts->ca_only && (status = import_find_leaf(file, &in, srv,
	    n_srv, &leaf, cause)) != STORE_OK)
		goto fail;
	status = STORE_FAIL;

	e = util_escape(file);
	util_buf_printf(&sum, "Import of %s (%s, %u certificate%s%s):\n", e,
	    in.format != NULL ? in.format : "?", in.n_certs,
	    in.n_certs == 1 ? "" : "s", in.key != NULL ? " and a key" : "");
	free(e);

	order = xcalloc(in.n_certs + 1, sizeof *order);
	if (leaf >= 0) {
		n_order = import_order_chain(in.certs, in.n_certs, leaf, order);
		if ((status = import_plan_leaf(s, plan, opts, file, &in, leaf,
		    srv, n_srv, &sum, cause)) != STORE_OK)
			goto fail;
		status = STORE_FAIL;
		if (n_order > 1)
			util_buf_printf(&sum, "  chain: %u issuer%s found in "
			    "the input\n", n_order - 1, n_order == 2 ? "" :
			    "s");
	} else if (!opts->ca_only)
		util_buf_printf(&sum, "  no server certificate in it: CA "
		    "certificates only\n");

	/* CA certificates: the leaf's issuers first, then the others. */
	for (i = 1; i < n_order; i++) {
		if (x509_crt_is_ca(in.certs[order[i]]) &&
		    import_plan_ca(s, plan, ca, n_ca, in.certs[order[i]], &sum,
		    cause) != STORE_OK)
			goto fail;
	}
	for (i = 0; i < in.n_certs; i++) {
		if ((int)i == leaf)
			continue;
		for (j = 0; j < n_order; j++) {
			if (order[j] == i)
				break;
		}
		if (j < n_order)
			continue;
		if (!x509_crt_is_ca(in.certs[i]))
			continue;
		/* The same certificate twice in the input: once is enough. */
		for (j = 0; j < i; j++) {
			if (gnutls_x509_crt_equals(in.certs[i], in.certs[j]))
				break;
		}
		if (j < i)
			continue;
		if (import_plan_ca(s, plan, ca, n_ca, in.certs[i], &sum,
		    cause) != STORE_OK)
			goto fail;
	}
	if (plan->n_writes == 0)
		util_buf_printf(&sum, "  everything in it is already stored: "
		    "nothing to do\n");
	import_plan_sort(s, plan);
	plan->summary = util_buf_take_string(&sum);
	status = STORE_OK;
	*out = plan;
	plan = NULL;
fail:
	free(order);
	util_buf_done(&sum);
	import_known_free(srv, n_srv);
	import_known_free(ca, n_ca);
	import_input_done(&in);
	store_import_plan_free(plan);
	return status;
}

static bool
import_keep_unchanged(const struct import_keep *k)
{
	unsigned char	*d;
	size_t		 l;
	bool		 same;

	if (util_read_file(k->path, STORE_MAX_INPUT, &d, &l, NULL) !=
	    STORE_OK)
		return false;
	same = l == k->len && memcmp(d, k->data, l) == 0;
	util_free_secret(d, l);
	return same;
}

int
store_import_commit(struct store *s, struct store_import_plan *plan,
    char **note, char **cause)
{
	struct util_buf	 b = { 0 };
	size_t		 i, done = 0;
	char		*dir = NULL, *e;
	int		 status = STORE_FAIL;

	if (note != NULL)
		*note = NULL;
	if (store_lock(s, cause) != STORE_OK)
		return STORE_FAIL;

	/* Nothing we rely on may have changed since prepare. */
	for (i = 0; i < plan->n_writes; i++) {
		if (util_file_exists(plan->writes[i].path)) {
			util_set_cause(cause, "%s appeared while importing; "
			    "nothing was imported, try again",
			    import_rel(s, plan->writes[i].path));
			goto fail;
		}
	}
	for (i = 0; i < plan->n_keeps; i++) {
		if (!import_keep_unchanged(&plan->keeps[i])) {
			util_set_cause(cause, "%s changed while importing; "
			    "nothing was imported, try again",
			    import_rel(s, plan->keeps[i].path));
			goto fail;
		}
	}

	/* In import_write_rank's order. */
	for (i = 0; i < plan->n_writes; i++) {
		if (util_write_atomic(plan->writes[i].path,
		    plan->writes[i].data, plan->writes[i].len,
		    plan->writes[i].mode, false, cause) != STORE_OK)
			goto undo;
		done++;
	}
	if (plan->n_retire > 0) {
		if (store_backup(s, plan->retire_what,
		    (const char *const *)plan->retire, plan->n_retire, &dir,
		    cause) != STORE_OK)
			goto undo;
		for (i = 0; i < plan->n_retire; i++) {
			if (unlink(plan->retire[i]) != 0 && errno != ENOENT) {
				util_set_cause(cause, "cannot remove %s: %s",
				    plan->retire[i], strerror(errno));
				goto undo;
			}
		}
		util_sync_dir_of(plan->retire[0], NULL);
	}

	if (plan->name != NULL && plan->leaf_present)
		util_buf_printf(&b, "%s is already stored", plan->name);
	else if (plan->name != NULL)
		util_buf_printf(&b, "imported %s into sslcert/", plan->name);
	else if (plan->n_ca_added == 0)
		util_buf_printf(&b, "nothing imported: everything in it is "
		    "already stored");
	if (plan->n_ca_added > 0)
		util_buf_printf(&b, "%s%u CA certificate%s added to sslca/",
		    b.len > 0 ? ", " : "", plan->n_ca_added,
		    plan->n_ca_added == 1 ? "" : "s");
	if (plan->n_ca_present > 0)
		util_buf_printf(&b, " (%u CA certificate%s already in sslca/)",
		    plan->n_ca_present, plan->n_ca_present == 1 ? "" : "s");
	if (dir != NULL)
		util_buf_printf(&b, "; the request was retired, kept in %s",
		    import_rel(s, dir));
	e = util_buf_take_string(&b);
	if (note != NULL)
		*note = e;
	else
		free(e);
	status = STORE_OK;
	goto fail;

undo:
	/* Every written file was new: removing it puts things back. */
	while (done > 0) {
		done--;
		unlink(plan->writes[done].path);
	}
fail:
	util_buf_done(&b);
	free(dir);
	store_unlock(s);
	return status;
}
