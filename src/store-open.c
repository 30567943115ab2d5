/*
 * store-open.c: find and open a server root, read its certdesk.conf, and
 * keep the clock that every date check uses.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "store-internal.h"

struct store_conf_read {
	struct store_config_item	*items;
	size_t				 n;
};

static int
store_conf_item_cb(void *arg, const char *section, const char *key,
    const char *value)
{
	struct store_conf_read		*r = arg;
	struct store_config_item	*it;

	r->items = xreallocarray(r->items, r->n + 1, sizeof *r->items);
	it = &r->items[r->n++];
	it->section = xstrdup(section);
	it->key = xstrdup(key);
	it->value = xstrdup(value);
	return 1;
}

static void
store_conf_free(struct store_config_item *items, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(items[i].section);
		free(items[i].key);
		free(items[i].value);
	}
	free(items);
}

/* Read an INI file; a missing file is no error (defaults apply). */
static int
store_conf_read(const char *path, struct store_config_item **items,
    size_t *n, char **cause)
{
	struct store_conf_read	r = { NULL, 0 };
	int			line;

	*items = NULL;
	*n = 0;
	if (access(path, F_OK) != 0)
		return STORE_OK;
	line = ini_parse(path, store_conf_item_cb, &r);
	if (line != 0) {
		if (line < 0)
			util_set_cause(cause, "cannot read %s: %s", path,
			    strerror(errno));
		else
			util_set_cause(cause, "%s line %d: not valid INI "
			    "(expected [section] or key = value); fix that "
			    "line", path, line);
		store_conf_free(r.items, r.n);
		return STORE_FAIL;
	}
	*items = r.items;
	*n = r.n;
	return STORE_OK;
}

static const char *
store_conf_lookup(struct store_config_item *items, size_t n,
    const char *section, const char *key)
{
	size_t		i;
	const char	*found = NULL;

	/* The last setting wins, as in most INI readers. */
	for (i = 0; i < n; i++) {
		if (strcmp(items[i].section, section) == 0 &&
		    strcmp(items[i].key, key) == 0)
			found = items[i].value;
	}
	return found;
}

/* The root: --root, else $CERTDESK_ROOT, else root = in the system file. */
static int
store_find_root(const struct store_options *opts, char **root, char **cause)
{
	struct store_config_item	*items;
	size_t				 n;
	const char			*conf, *value;

	if (opts->root != NULL && *opts->root != '\0') {
		*root = xstrdup(opts->root);
		return STORE_OK;
	}
	if ((value = getenv("CERTDESK_ROOT")) != NULL && *value != '\0') {
		*root = xstrdup(value);
		return STORE_OK;
	}
	conf = opts->system_conf != NULL ? opts->system_conf :
	    SYSCONFDIR "/certdesk.conf";
	if (store_conf_read(conf, &items, &n, cause) != STORE_OK)
		return STORE_FAIL;
	value = store_conf_lookup(items, n, "", "root");
	if (value == NULL)
		value = store_conf_lookup(items, n, "server", "root");
	if (value == NULL || *value == '\0') {
		store_conf_free(items, n);
		util_set_cause(cause, "no server root given: use --root DIR, "
		    "set CERTDESK_ROOT, or put root = DIR in %s", conf);
		return STORE_INVALID;
	}
	*root = xstrdup(value);
	store_conf_free(items, n);
	return STORE_OK;
}

static int
store_make_dir(const char *path, char **cause)
{
	struct stat	sb;

	if (lstat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return STORE_OK;
		util_set_cause(cause, "%s is not a folder; move it away so "
		    "certdesk can keep certificates there", path);
		return STORE_FAIL;
	}
	if (mkdir(path, 0755) == -1) {
		util_set_cause(cause, "cannot create %s: %s", path,
		    strerror(errno));
		return STORE_FAIL;
	}
	return STORE_OK;
}

int
store_make_dirs(struct store *st, char **cause)
{
	if (store_make_dir(st->sslcert, cause) != STORE_OK ||
	    store_make_dir(st->sslca, cause) != STORE_OK)
		return STORE_FAIL;
	return STORE_OK;
}

int
store_open(const struct store_options *opts, struct store **out, char **note,
    char **cause)
{
	struct store	*st;
	struct stat	 sb;
	const char	*value;
	char		*root, *conf, host[256], *end;
	long long	 now;

	*out = NULL;
	if (note != NULL)
		*note = NULL;
	if (store_find_root(opts, &root, cause) != STORE_OK)
		return STORE_INVALID;
	if (stat(root, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		util_set_cause(cause, "server root %s is not a folder: create "
		    "it, or give the mail server's installation folder", root);
		free(root);
		return STORE_FAIL;
	}
	/* Messages name absolute paths: they are read after a cd. */
	if ((end = realpath(root, NULL)) != NULL) {
		free(root);
		root = end;
	}

	st = xcalloc(1, sizeof *st);
	st->root = root;
	st->sslcert = util_path_join(root, "sslcert");
	st->sslca = util_path_join(root, "sslca");
	st->backup_dir = util_path_join(root, "certdesk-backup");
	st->lock_fd = -1;
	st->lock_wait_ms = opts->lock_wait_ms > 0 ? opts->lock_wait_ms : 5000;

	conf = util_path_join(root, "certdesk.conf");
	if (store_conf_read(conf, &st->config, &st->n_config,
	    cause) != STORE_OK) {
		free(conf);
		goto fail;
	}
	free(conf);

	value = store_config_get(st, "server", "hostname");
	if (value != NULL && *value != '\0')
		st->hostname = xstrdup(value);
	else if (gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		st->hostname = xstrdup(host);
	} else
		st->hostname = xstrdup("localhost");

	if ((value = getenv("CERTDESK_NOW")) != NULL && *value != '\0') {
		errno = 0;
		now = strtoll(value, &end, 10);
		if (errno != 0 || *end != '\0' || now < 0) {
			util_set_cause(cause, "CERTDESK_NOW=%s is not a time in "
			    "seconds since 1970; unset it", value);
			goto fail;
		}
		st->now_fixed = true;
		st->fixed_now = (time_t)now;
	}

	if (store_journal_recover(st, note, cause) != STORE_OK)
		goto fail;
	*out = st;
	return STORE_OK;

fail:
	store_free(st);
	return STORE_FAIL;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	if (st->lock_fd != -1)
		close(st->lock_fd);
	if (st->system_trust_loaded)
		gnutls_x509_trust_list_deinit(st->system_trust, 1);
	x509_certs_free(st->ca_pool, st->n_ca_pool);
	free(st->trust_error);
	store_conf_free(st->config, st->n_config);
	free(st->hostname);
	free(st->backup_dir);
	free(st->sslca);
	free(st->sslcert);
	free(st->root);
	free(st);
}

const char *
store_root(const struct store *st)
{
	return st->root;
}

const char *
store_hostname(const struct store *st)
{
	return st->hostname;
}

const char *
store_config_get(const struct store *st, const char *section,
    const char *key)
{
	return store_conf_lookup(st->config, st->n_config, section, key);
}

time_t
store_now(const struct store *st)
{
	return st->now_fixed ? st->fixed_now : time(NULL);
}
