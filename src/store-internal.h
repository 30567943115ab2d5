/*
 * What the store's own files share: the open root, locking, the journal,
 * backups, and GnuTLS helpers.  Nothing outside src/store-*.c includes it;
 * the faces see only include/certdesk/store.h.
 */
#ifndef CERTDESK_STORE_INTERNAL_H
#define CERTDESK_STORE_INTERNAL_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "certdesk/store.h"
#include "certdesk/util.h"

/* Inputs larger than this are refused: no certificate file is this big. */
#define STORE_MAX_INPUT		(4 * 1024 * 1024)

struct store_config_item {
	char	*section;
	char	*key;
	char	*value;
};

struct store {
	char				*root;
	char				*sslcert;	/* <root>/sslcert */
	char				*sslca;		/* <root>/sslca */
	char				*backup_dir;	/* <root>/certdesk-backup */
	char				*hostname;

	struct store_config_item	*config;
	size_t				 n_config;

	bool				 now_fixed;	/* $CERTDESK_NOW */
	time_t				 fixed_now;

	int				 lock_fd;	/* -1 when not held */
	int				 lock_depth;
	int				 lock_wait_ms;

	/* Loaded on first use: the system trust store and sslca/. */
	gnutls_x509_trust_list_t	 system_trust;
	bool				 system_trust_loaded;
	char				*trust_error;	/* trust_file unusable */
	gnutls_x509_crt_t		*ca_pool;
	unsigned			 n_ca_pool;
	bool				 ca_pool_loaded;

	/* The active leaf's SHA-256, found once per scan. */
	char				 active_sha256[65];
	bool				 active_known;
};

/* store-open.c: sslcert/ and sslca/ are made by the first writer. */
int	store_make_dirs(struct store *, char **cause);

/* store-lock.c: flock on <root>/.certdesk.lock serializes writers. */
int	store_lock(struct store *, char **cause);
void	store_unlock(struct store *);

/* store-journal.c: the active pair is replaced through a journal. */
int	store_journal_recover(struct store *, char **note, char **cause);
int	store_replace_active(struct store *, const void *crt, size_t crt_len,
	    const void *key, size_t key_len, const char *why, char **kept,
	    char **cause);

/*
 * store-backup.c: copy files into a new dated folder under
 * <root>/certdesk-backup before they are replaced or removed; *dir names
 * the folder for the message.
 */
int	store_backup(struct store *, const char *what, const char *const *paths,
	    size_t n, char **dir, char **cause);

/* store-paths.c: entry names and their files. */
int	store_check_name(const char *name, char **cause);
char	*store_entry_file(const struct store *, enum store_area,
	    const char *name, const char *ext);	/* ".crt", ".key", ".csr" */
char	*store_name_from_hostname(const char *hostname);

/* store-x509.c: GnuTLS helpers.  All return STORE_OK or STORE_FAIL. */
int	x509_certs_import(const unsigned char *data, size_t len,
	    gnutls_x509_crt_t **certs, unsigned *n, char **cause);
int	x509_certs_load(const char *path, gnutls_x509_crt_t **certs,
	    unsigned *n, char **cause);
void	x509_certs_free(gnutls_x509_crt_t *certs, unsigned n);
int	x509_key_load(const char *path, gnutls_x509_privkey_t *key,
	    char **cause);
int	x509_crq_load(const char *path, gnutls_x509_crq_t *crq, char **cause);
/* The SHA-256 public key id of a key, certificate or request. */
int	x509_key_id(gnutls_x509_privkey_t, unsigned char id[32]);
int	x509_crt_key_id(gnutls_x509_crt_t, unsigned char id[32]);
int	x509_crq_key_id(gnutls_x509_crq_t, unsigned char id[32]);
bool	x509_key_matches_crt(gnutls_x509_privkey_t, gnutls_x509_crt_t);
int	x509_crt_export(gnutls_x509_crt_t, gnutls_x509_crt_fmt_t,
	    struct util_buf *, char **cause);
int	x509_key_export_pkcs8(gnutls_x509_privkey_t, const char *password,
	    gnutls_x509_crt_fmt_t, struct util_buf *, char **cause);
int	x509_crt_sha256_hex(gnutls_x509_crt_t, char hex[65]);
bool	x509_crt_is_self_signed(gnutls_x509_crt_t);
bool	x509_crt_is_ca(gnutls_x509_crt_t);
char	*x509_crt_common_name(gnutls_x509_crt_t);	/* "" when none */
char	*x509_crt_subject(gnutls_x509_crt_t);		/* RFC 4514 */
char	*x509_crt_issuer(gnutls_x509_crt_t);		/* RFC 4514 */
char	*x509_crt_issuer_common_name(gnutls_x509_crt_t);
/* Put a leaf's chain in order: the leaf first, each issuer after it. */
int	x509_chain_order(gnutls_x509_crt_t *certs, unsigned n,
	    unsigned *leaf_index);

/* store-trust.c: the system trust store and sslca/, loaded once. */
int	store_load_ca_pool(struct store *, char **cause);
/*
 * Build the chain of leaf from extra (certificates that came with it) and
 * sslca/: chain[0] is the leaf, then each issuer, up to and excluding a
 * root in the system trust store.  *complete says the top was reached (a
 * self-signed root, or an issuer in the system trust store).  The chain
 * borrows the certificates; free only the array.
 */
int	store_build_chain(struct store *, gnutls_x509_crt_t leaf,
	    gnutls_x509_crt_t *extra, unsigned n_extra,
	    gnutls_x509_crt_t **chain, unsigned *n, bool *complete,
	    char **why);
int	store_chain_trusted(struct store *, gnutls_x509_crt_t *chain,
	    unsigned n, bool *trusted, char **why);
/* [server] trust_file as a path (relative to the root), or NULL. */
char	*store_trust_file(const struct store *);
/* Forget what was loaded from sslca/ and sslcert/server.crt. */
void	store_forget_cache(struct store *);
/* The active leaf's SHA-256 ("" when there is none). */
const char *store_active_sha256(struct store *);

/* store-info.c: fill an entry from its files. */
int	store_entry_fill(struct store *, enum store_area, const char *name,
	    struct store_entry *, char **cause);

/* Move an entry's strings into one allocation (listed entries). */
void	store_entry_compact(struct store_entry *);

/* Recompute the date check and days left of an entry for store_now. */
void	store_entry_date_check(struct store *, struct store_entry *);

/* store-cache.c: described entries, reused while their files stay. */
struct store_cache;
struct store_cache *store_cache_open(struct store *, enum store_area);
bool	store_cache_get(struct store *, struct store_cache *, enum store_area,
	    const char *name, struct store_entry *);
void	store_cache_put(struct store *, struct store_cache *, enum store_area,
	    const struct store_entry *);
void	store_cache_close(struct store *, struct store_cache *,
	    enum store_area, const struct store_list *);

/* store-generate.c: make a key of a named type. */
int	store_generate_key(const char *key_type, gnutls_x509_privkey_t *,
	    char **cause);

#endif
