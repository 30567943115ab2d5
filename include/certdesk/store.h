/*
 * The certificate store: one server root (sslcert/, sslca/, certdesk.conf)
 * and every operation on it.  It never touches the terminal, never prints
 * and never exits; every fallible call returns a status and fills *cause
 * with a one-line message that the caller owns and frees.  Both faces (the
 * command line and the console) show that message as it is.
 */
#ifndef CERTDESK_STORE_H
#define CERTDESK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Return values of every fallible store call. */
#define STORE_OK		0
#define STORE_FAIL		-1	/* the operation failed: exit 1 */
#define STORE_INVALID		-2	/* the caller's input is invalid: exit 2 */
#define STORE_NEED_PASSWORD	-3	/* an encrypted input needs a password */

struct store;

struct store_options {
	const char	*root;		/* --root; NULL: $CERTDESK_ROOT, then
					   system_conf's root = */
	const char	*system_conf;	/* NULL: SYSCONFDIR/certdesk.conf */
	int		 lock_wait_ms;	/* how long a writer waits; 0: 5000 */
};

/*
 * Open a server root.  Any interrupted activation found in its journal is
 * finished (rolled forward) first, so the active pair always matches.
 * *note (may be NULL) says when a recovery happened.
 */
int		 store_open(const struct store_options *, struct store **,
		     char **note, char **cause);
void		 store_free(struct store *);
const char	*store_root(const struct store *);
const char	*store_hostname(const struct store *);
/* A value from <root>/certdesk.conf, or NULL. */
const char	*store_config_get(const struct store *, const char *section,
		     const char *key);
/* The clock: $CERTDESK_NOW (seconds since the epoch) pins it for tests. */
time_t		 store_now(const struct store *);

/*
 * First run: when sslcert/server.crt is missing, generate the self-signed
 * active pair for the configured hostname, as the mail server does at its
 * first start.  Returns STORE_OK and sets *created when it did.
 */
int		 store_ensure_active(struct store *, bool *created, char **note,
		     char **cause);

enum store_area {
	STORE_AREA_SERVER,	/* sslcert/ */
	STORE_AREA_CA		/* sslca/ */
};

enum store_kind {
	STORE_KIND_CERTIFICATE,
	STORE_KIND_REQUEST
};

enum store_check_id {
	STORE_CHECK_TRUSTED,
	STORE_CHECK_DATE_VALID,
	STORE_CHECK_NAME_MATCHES,
	STORE_CHECK_KEY_MATCHES,
	STORE_CHECK_CHAIN_COMPLETE,
	STORE_CHECK_COUNT
};
/* "trusted", "date_valid", ... indexed by enum store_check_id. */
extern const char *const store_check_names[STORE_CHECK_COUNT];

struct store_check {
	bool	 ok;
	char	*why;		/* one line in plain words when !ok */
};

struct store_strings {
	char	**v;
	size_t	  n;
};

/* Everything known of one entry: plain data, owned by whoever got it. */
struct store_entry {
	char			*name;		/* "server" for the active pair */
	enum store_area		 area;
	enum store_kind		 kind;
	bool			 active;
	bool			 has_key;
	char			*path;		/* the .crt or .csr file */
	char			*key_path;	/* NULL when there is no key */

	char			*common_name;
	char			*subject;	/* RFC 4514 */
	char			*issuer;	/* RFC 4514; NULL for requests */
	char			*issuer_cn;
	struct store_strings	 alt_names;	/* DNS:..., IP:... as "a.b" */
	bool			 self_signed;
	bool			 is_ca;
	char			*serial;	/* hex, colon-free */
	time_t			 not_before;	/* 0 for requests */
	time_t			 not_after;
	long			 days_left;
	char			*key_type;	/* "rsa", "ecdsa-p256", ... */
	unsigned		 key_bits;
	char			*signature_algorithm;
	struct store_strings	 key_usage;
	struct store_strings	 ext_key_usage;
	char			 sha256[65];	/* lowercase hex */
	char			 sha1[41];
	char			 tlsa_311[65];	/* DANE 3 1 1: SHA-256 of SPKI */
	unsigned		 chain_in_file;	/* extra certificates in the file */
	char			*error;		/* set when the file is unreadable:
						   then only name, path, kind */
	void			*block;		/* the store's: holds the strings
						   of a listed entry in one
						   allocation */
	struct store_check	 checks[STORE_CHECK_COUNT];
};

struct store_list {
	struct store_entry	*v;
	size_t			 n;
};

/* The entries of one area, the active pair first, then by name. */
int	store_list_entries(struct store *, enum store_area,
	    struct store_list **, char **cause);
void	store_list_free(struct store_list *);
int	store_show_entry(struct store *, enum store_area, const char *name,
	    struct store_entry **, char **cause);
void	store_entry_free(struct store_entry *);
/* Free what an entry holds, for entries embedded in a list. */
void	store_entry_done(struct store_entry *);

/* The Generate Certificate form's fields, as the store takes them. */
struct store_new_params {
	const char		*hostname;	/* required */
	const char		*country;	/* required, ISO 3166 alpha-2 */
	const char		*org;
	const char		*unit;
	const char		*city;
	const char		*state;
	const char *const	*alt_names;	/* DNS names, wildcards, IPs */
	size_t			 n_alt_names;
	const char		*key_type;	/* NULL: rsa3072 */
	int			 days;		/* 0: 365; certificates only */
	const char		*name;		/* NULL: from the hostname */
	const char		*reuse_key;	/* requests only: entry name */
};

/* The key types, NULL-terminated: "rsa2048", "rsa3072", ... */
extern const char *const store_key_types[];

int	store_new_certificate(struct store *, const struct store_new_params *,
	    char **name, char **note, char **cause);
int	store_new_request(struct store *, const struct store_new_params *,
	    char **name, char **note, char **cause);

/* Remove an entry; the active pair is refused.  It is kept recoverable. */
int	store_remove(struct store *, enum store_area, const char *name,
	    char **note, char **cause);

/*
 * Set as active.  store_activate_preview gives the entry with the checks
 * that activation will apply.  A mismatched key is always refused; an
 * expired or not-yet-valid certificate, a name mismatch or an incomplete
 * chain needs force.  The replaced pair is kept (the note says where).
 */
int	store_activate_preview(struct store *, const char *name,
	    struct store_entry **, char **cause);
int	store_activate(struct store *, const char *name, bool force,
	    char **note, char **cause);
/* Put back the pair that the last activation replaced. */
int	store_restore_previous(struct store *, char **note, char **cause);

/* The monitoring check: returns 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
int	store_monitor(struct store *, int warn_days, int crit_days,
	    char **line);

/*
 * Import.  Prepare reads and sorts the input without writing anything;
 * the plan's summary says what will be stored where; commit writes it.
 */
struct store_import_plan;

struct store_import_options {
	const char	*key_file;	/* NULL: the key, if any, is in file */
	const char	*password;	/* NULL: none given */
	const char	*name;		/* NULL: derived */
	bool		 ca_only;	/* ca import: only CA certificates */
};

int		 store_import_prepare(struct store *, const char *file,
		     const struct store_import_options *,
		     struct store_import_plan **, char **cause);
const char	*store_import_summary(const struct store_import_plan *);
int		 store_import_commit(struct store *, struct store_import_plan *,
		     char **note, char **cause);
void		 store_import_plan_free(struct store_import_plan *);

/* Export. */
enum store_export_what {
	STORE_EXPORT_CERTIFICATE,
	STORE_EXPORT_CHAIN,
	STORE_EXPORT_REQUEST,
	STORE_EXPORT_KEY,
	STORE_EXPORT_PKCS12
};
enum store_export_format {
	STORE_FORMAT_PEM,
	STORE_FORMAT_DER
};
enum store_export_profile {
	STORE_PROFILE_MODERN,
	STORE_PROFILE_LEGACY
};

struct store_export_options {
	enum store_export_what		 what;
	enum store_export_format	 format;
	enum store_export_profile	 profile;
	const char			*password;	/* NULL: none */
};

/*
 * Produce the bytes of an export.  *secret says they hold a private key,
 * so they must be written 0600.  The caller frees *data (after wiping it
 * when secret).
 */
int	store_export_data(struct store *, enum store_area, const char *name,
	    const struct store_export_options *, unsigned char **data,
	    size_t *len, bool *secret, char **cause);

#endif
