/*
 * Engine control: reload or restart the mail server that reads the active
 * pair, wait for it to answer again, and connect to it to read the chain
 * it serves, so a renewal is confirmed rather than hoped for.  The
 * [engine] section of <root>/certdesk.conf describes the engine.  Like
 * the store, nothing here prints or exits: every fallible call returns a
 * STORE_* status and fills *cause.
 */
#ifndef CERTDESK_ENGINE_H
#define CERTDESK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "certdesk/store.h"

/* Defaults of the [engine] settings. */
#define ENGINE_DEFAULT_TIMEOUT	30	/* seconds */
#define ENGINE_MAX_TIMEOUT	3600

enum engine_starttls {
	ENGINE_STARTTLS_NONE,	/* TLS from the first byte (imaps, smtps) */
	ENGINE_STARTTLS_SMTP,	/* EHLO, STARTTLS */
	ENGINE_STARTTLS_IMAP,	/* a STARTTLS */
	ENGINE_STARTTLS_POP3	/* STLS */
};

/* The [engine] section, parsed and checked. */
struct engine_config {
	char			*conf_path;	/* <root>/certdesk.conf */
	bool			 configured;	/* any [engine] key is set */

	char			*pidfile;	/* absolute (relative to root) */
	int			 reload_signal;	/* 0: none */
	char			*reload_signal_name;	/* "HUP" */
	char			*restart_command;
	char			*stop_command;
	char			*start_command;

	char			**probes;	/* "HOST:PORT" each */
	enum engine_starttls	*probe_starttls;	/* each probe's */
	size_t			 n_probes;
	enum engine_starttls	 starttls;	/* probe_starttls = */
	char			*probe_name;	/* SNI; the store's hostname */
	int			 timeout;	/* seconds, each wait */
};

/* Read [engine]: STORE_INVALID names the bad setting and its fix. */
int		 engine_config_load(const struct store *, struct engine_config *,
		     char **cause);
void		 engine_config_done(struct engine_config *);
/*
 * The message for a missing [engine] section, for callers that need a
 * configured engine.  The caller frees it.
 */
char		*engine_config_missing(const struct engine_config *);

const char	*engine_starttls_name(enum engine_starttls);

/* What one probe found. */
struct engine_probe_result {
	char		*hostport;
	bool		 ok;		/* a handshake happened */
	char		*error;		/* one line, when !ok */
	bool		 refused;	/* nothing listens there */
	char		*common_name;	/* of the leaf; "" when none */
	char		*issuer_cn;	/* of the leaf; "" when none */
	char		 sha256[65];	/* of the leaf, lowercase hex */
	unsigned	 chain_length;	/* certificates the server sent */
	bool		 serves_active;	/* the leaf is the active one's */
};

/*
 * Connect to hostport ("host:port", "[v6addr]:port") within timeout_ms,
 * do the STARTTLS dialogue, then a TLS handshake that verifies nothing
 * (we only read what is served), sending servername as SNI (when it is
 * a DNS name).  STORE_OK fills result (result->ok); STORE_FAIL fills
 * result->error and *cause with the same line.
 */
int		 engine_probe(const char *hostport, enum engine_starttls,
		     const char *servername, int timeout_ms,
		     struct engine_probe_result *, char **cause);
void		 engine_probe_result_done(struct engine_probe_result *);
/* Check the form of a probe's "HOST:PORT" without any network. */
int		 engine_probe_check_hostport(const char *hostport,
		     char **cause);

enum engine_run_state {
	ENGINE_STATE_UNKNOWN,	/* no pidfile configured */
	ENGINE_STATE_RUNNING,	/* the pid file's process exists */
	ENGINE_STATE_STOPPED,	/* no pid file */
	ENGINE_STATE_STALE	/* a pid file whose process is gone */
};

struct engine_status {
	enum engine_run_state		 state;
	long				 pid;	/* 0 when unknown */
	char				*state_why;	/* one line */

	char				*active_cn;	/* server.crt's leaf */
	char				 active_sha256[65];	/* "" if none */
	unsigned			 active_chain_length;	/* in server.crt */

	struct engine_probe_result	*probes;
	size_t				 n_probes;
};

/*
 * Is the engine running (pid file and kill(pid, 0)), and what does each
 * probe serve now?  STORE_OK even when the engine is down: the status
 * says so.  *good is set when it runs (or no pidfile is configured and
 * every probe answers) and every probe serves the active certificate.
 */
int		 engine_status(struct store *, const struct engine_config *,
		     struct engine_status *, bool *good, char **cause);
void		 engine_status_done(struct engine_status *);
const char	*engine_state_name(enum engine_run_state);

/* Progress for the console: one short line at a time. */
typedef void	(*engine_progress_cb)(const char *msg, void *arg);

enum engine_action {
	ENGINE_ACTION_NONE,
	ENGINE_ACTION_SIGNAL,	/* reload_signal sent to the pid file's pid */
	ENGINE_ACTION_RESTART,	/* restart_command */
	ENGINE_ACTION_STOP_START,	/* stop_command then start_command */
	ENGINE_ACTION_START	/* start_command: the engine was down */
};

/*
 * Reload or restart: the signal when pidfile + reload_signal are set (or
 * start_command when the engine is down), else restart_command, else
 * stop_command then start_command.  Commands run without a shell, with
 * their output captured and a timeout.  *action says what was done.
 */
int		 engine_restart(const struct engine_config *,
		     engine_progress_cb, void *arg, enum engine_action *action,
		     char **cause);

/*
 * After engine_restart: wait until the engine runs (pid file) and every
 * probe serves the leaf whose SHA-256 is expected (when expected is NULL
 * or empty, until each probe answers), or the timeout passes.  results
 * (may be NULL) receive what each probe saw last; the caller frees them
 * with engine_probe_result_done and free.  STORE_FAIL says what is wrong
 * in one line.
 */
int		 engine_wait_and_probe(const struct engine_config *,
		     const char *expected_sha256, engine_progress_cb, void *arg,
		     struct engine_probe_result **results, size_t *n_results,
		     char **cause);

/*
 * The whole of `engine restart`, for both faces: reload or restart, then
 * wait until every probe serves the active certificate.  On STORE_OK,
 * *report holds one line per probe, "the engine now serves CN, SHA-256
 * HEX, chain of N (HOST:PORT)", joined by newlines (or says that no
 * probe is configured); on failure *cause says what happened in one line.
 */
int		 engine_restart_and_confirm(struct store *,
		     const struct engine_config *, engine_progress_cb,
		     void *arg, char **report, char **cause);

/*
 * Where the pair that the last activation replaced was kept: the newest
 * folder of <root>/certdesk-backup holding server.crt and server.key
 * (*dir), and the entry of sslcert/ that holds the same certificate, if
 * one still does (*entry, else NULL): then activating that entry puts it
 * back.  STORE_FAIL when no pair was kept.
 */
int		 engine_previous_pair(struct store *, char **dir, char **entry,
		     char **cause);

/*
 * Run a command line the way the [engine] commands run: split on blanks
 * with '...', "..." and \ quoting, no shell, in folder dir (may be NULL),
 * stdin from /dev/null, stdout and stderr captured (the last line is kept
 * for the message), the process group killed after timeout_ms.  what
 * names the setting in messages ("restart_command").
 */
int		 engine_run_command(const char *what, const char *command,
		     const char *dir, int timeout_ms, char **last_line,
		     char **cause);

/* Split a command line as engine_run_command does; NULL-terminated. */
int		 engine_split_command(const char *command, char ***argv,
		     char **cause);
void		 engine_free_argv(char **argv);

#endif
