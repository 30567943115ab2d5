/*
 * store-activate.c: Set as active.  The checks come first: a key that
 * does not belong to the certificate is always refused (the mail server
 * would not start); an expired, not-yet-valid or misnamed certificate or
 * an incomplete chain needs force.  server.crt is written as the leaf
 * followed by the intermediates that chain it, through the journal.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

int
store_activate_preview(struct store *st, const char *name,
    struct store_entry **out, char **cause)
{
	int	ret;

	if ((ret = store_show_entry(st, STORE_AREA_SERVER, name, out,
	    cause)) != STORE_OK)
		return ret;
	if ((*out)->kind == STORE_KIND_REQUEST) {
		util_set_cause(cause, "'%s' is a request, not a certificate: "
		    "send %s.csr to a certificate authority and import its "
		    "answer first", name, name);
		store_entry_free(*out);
		*out = NULL;
		return STORE_FAIL;
	}
	return STORE_OK;
}

/* The reasons that need force, joined; NULL when there are none. */
static char *
activate_blockers(const struct store_entry *e)
{
	static const enum store_check_id ids[] = { STORE_CHECK_DATE_VALID,
	    STORE_CHECK_NAME_MATCHES, STORE_CHECK_CHAIN_COMPLETE };
	struct util_buf	b = { 0 };
	size_t		i;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		if (e->checks[ids[i]].ok)
			continue;
		util_buf_printf(&b, "%s%s", b.len > 0 ? "; " : "",
		    e->checks[ids[i]].why);
	}
	return b.len > 0 ? util_buf_take_string(&b) : NULL;
}

/* The bytes of the new server.crt: leaf, then the chain above it. */
static int
activate_chain_pem(struct store *st, const char *path, struct util_buf *out,
    unsigned *n_intermediates, char **cause)
{
	gnutls_x509_crt_t	*certs, *chain = NULL;
	unsigned		 n, n_chain, i, leaf;
	bool			 complete;
	char			*why = NULL;
	int			 ret = STORE_FAIL;

	if (x509_certs_load(path, &certs, &n, cause) != STORE_OK)
		return STORE_FAIL;
	x509_chain_order(certs, n, &leaf);
	if (store_build_chain(st, certs[0], certs + 1, n - 1, &chain, &n_chain,
	    &complete, &why) != STORE_OK) {
		util_set_cause(cause, "%s", why);
		goto out;
	}
	for (i = 0; i < n_chain; i++) {
		if (x509_crt_export(chain[i], GNUTLS_X509_FMT_PEM, out,
		    cause) != STORE_OK)
			goto out;
	}
	*n_intermediates = n_chain - 1;
	ret = STORE_OK;
out:
	free(why);
	free(chain);
	x509_certs_free(certs, n);
	return ret;
}

int
store_activate(struct store *st, const char *name, bool force, char **note,
    char **cause)
{
	struct store_entry	*e = NULL;
	struct util_buf		 crt = { 0 };
	unsigned char		*key = NULL;
	size_t			 key_len = 0;
	unsigned		 n_inter = 0;
	char			*blockers, *kept = NULL;
	int			 ret;

	if (note != NULL)
		*note = NULL;
	if (strcmp(name, "server") == 0) {
		util_set_cause(note, "'server' is already the active pair");
		return STORE_OK;
	}
	if ((ret = store_activate_preview(st, name, &e, cause)) != STORE_OK)
		return ret;
	ret = STORE_FAIL;
	if (!e->has_key) {
		util_set_cause(cause, "not activated: '%s' has no private key "
		    "(%s.key); import the certificate with its key", name,
		    name);
		goto out;
	}
	if (!e->checks[STORE_CHECK_KEY_MATCHES].ok) {
		util_set_cause(cause, "not activated: %s; the mail server "
		    "cannot use a certificate with another key",
		    e->checks[STORE_CHECK_KEY_MATCHES].why);
		goto out;
	}
	if (!force && (blockers = activate_blockers(e)) != NULL) {
		util_set_cause(cause, "not activated: %s; use --force to "
		    "activate it anyway", blockers);
		free(blockers);
		goto out;
	}
	if (activate_chain_pem(st, e->path, &crt, &n_inter, cause) != STORE_OK ||
	    util_read_file(e->key_path, STORE_MAX_INPUT, &key, &key_len,
	    cause) != STORE_OK)
		goto out;
	if (store_lock(st, cause) != STORE_OK)
		goto out;
	ret = store_replace_active(st, crt.data, crt.len, key, key_len,
	    "activate", &kept, cause);
	store_unlock(st);
	store_forget_cache(st);
	if (ret == STORE_OK && note != NULL)
		xasprintf(note, "'%s' is now the active pair (server.crt: the "
		    "certificate and %u intermediate%s)%s%s; the mail server "
		    "uses it after a restart (certdesk engine restart)", name,
		    n_inter, n_inter == 1 ? "" : "s", kept != NULL ?
		    "; the previous pair was kept in " : "", kept != NULL ?
		    kept : "");
out:
	free(kept);
	util_free_secret(key, key_len);
	util_buf_done(&crt);
	store_entry_free(e);
	return ret;
}

/* The newest backup folder that holds a replaced active pair. */
static char *
activate_newest_backup(struct store *st)
{
	struct dirent	*de;
	DIR		*d;
	char		*best = NULL, *crt, *key, *dir;

	if ((d = opendir(st->backup_dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, "-activate") == NULL &&
		    strstr(de->d_name, "-restore") == NULL)
			continue;
		if (best != NULL && strcmp(de->d_name, best) <= 0)
			continue;
		dir = util_path_join(st->backup_dir, de->d_name);
		crt = util_path_join(dir, "server.crt");
		key = util_path_join(dir, "server.key");
		if (util_file_exists(crt) && util_file_exists(key)) {
			free(best);
			best = xstrdup(de->d_name);
		}
		free(crt);
		free(key);
		free(dir);
	}
	closedir(d);
	return best;
}

int
store_restore_previous(struct store *st, char **note, char **cause)
{
	unsigned char	*crt = NULL, *key = NULL;
	size_t		 crt_len = 0, key_len = 0;
	char		*name, *dir = NULL, *crt_path = NULL, *key_path = NULL;
	char		*kept = NULL;
	int		 ret = STORE_FAIL;

	if (note != NULL)
		*note = NULL;
	if (store_lock(st, cause) != STORE_OK)
		return STORE_FAIL;
	if ((name = activate_newest_backup(st)) == NULL) {
		util_set_cause(cause, "no previous pair was kept in %s",
		    st->backup_dir);
		goto out;
	}
	dir = util_path_join(st->backup_dir, name);
	crt_path = util_path_join(dir, "server.crt");
	key_path = util_path_join(dir, "server.key");
	if (util_read_file(crt_path, STORE_MAX_INPUT, &crt, &crt_len,
	    cause) != STORE_OK ||
	    util_read_file(key_path, STORE_MAX_INPUT, &key, &key_len,
	    cause) != STORE_OK)
		goto out;
	ret = store_replace_active(st, crt, crt_len, key, key_len, "restore",
	    &kept, cause);
	if (ret == STORE_OK && note != NULL)
		xasprintf(note, "put back the pair kept in %s; the replaced "
		    "pair was kept in %s", dir, kept);
out:
	store_unlock(st);
	store_forget_cache(st);
	free(kept);
	free(crt);
	util_free_secret(key, key_len);
	free(crt_path);
	free(key_path);
	free(dir);
	free(name);
	return ret;
}
