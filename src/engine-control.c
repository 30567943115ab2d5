/*
 * engine-control: the [engine] settings, whether the engine runs (its pid
 * file), reloading it by signal or restarting it by command, and waiting
 * until it serves the active certificate.  Commands run without a shell
 * (no quoting surprises from a configuration file), with their output
 * captured for the message and a timeout after which their process group
 * is killed: nothing here may hang the console.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "certdesk/engine.h"
#include "certdesk/util.h"

/* Output of a command kept for its message: the tail is what matters. */
#define ENGINE_OUTPUT_KEEP	4096
/* How often the wait looks again. */
#define ENGINE_POLL_MS		200
/* Bounds of one probe attempt while waiting. */
#define ENGINE_PROBE_MIN_MS	1500
#define ENGINE_PROBE_MAX_MS	10000
/* A terminated command gets this long before SIGKILL. */
#define ENGINE_KILL_GRACE_MS	2000

static const struct {
	const char	*name;
	int		 signo;
} engine_signals[] = {
	{ "HUP", SIGHUP },
	{ "INT", SIGINT },
	{ "QUIT", SIGQUIT },
	{ "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 },
	{ "TERM", SIGTERM },
	{ "ALRM", SIGALRM },
	{ "WINCH", SIGWINCH },
	{ "CONT", SIGCONT },
};
#define N_ENGINE_SIGNALS (sizeof engine_signals / sizeof engine_signals[0])

static const char *const engine_starttls_names[] = {
	"none", "smtp", "imap", "pop3"
};

static long long
engine_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
engine_left_ms(long long deadline)
{
	long long	left = deadline - engine_now_ms();

	return left < 0 ? 0 : (int)left;
}

static void
engine_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
engine_progress(engine_progress_cb progress, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
engine_progress(engine_progress_cb progress, void *arg, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (progress == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	progress(msg, arg);
	free(msg);
}

const char *
engine_starttls_name(enum engine_starttls starttls)
{
	if ((size_t)starttls >= sizeof engine_starttls_names /
	    sizeof engine_starttls_names[0])
		return "none";
	return engine_starttls_names[starttls];
}

const char *
engine_state_name(enum engine_run_state state)
{
	switch (state) {
	case ENGINE_STATE_RUNNING:
		return "running";
	case ENGINE_STATE_STOPPED:
		return "stopped";
	case ENGINE_STATE_STALE:
		return "stale";
	default:
		return "unknown";
	}
}

static bool
engine_parse_starttls(const char *s, enum engine_starttls *out)
{
	size_t	i;

	for (i = 0; i < sizeof engine_starttls_names /
	    sizeof engine_starttls_names[0]; i++) {
		if (strcasecmp(s, engine_starttls_names[i]) == 0) {
			*out = (enum engine_starttls)i;
			return true;
		}
	}
	return false;
}

/* "HUP", "SIGHUP", "hup" or a number. */
static int
engine_parse_signal(const char *s, char **name)
{
	const char	*p = s;
	char		*end;
	long		 n;
	size_t		 i;

	if (strncasecmp(p, "SIG", 3) == 0)
		p += 3;
	for (i = 0; i < N_ENGINE_SIGNALS; i++) {
		if (strcasecmp(p, engine_signals[i].name) == 0) {
			*name = xstrdup(engine_signals[i].name);
			return engine_signals[i].signo;
		}
	}
	errno = 0;
	n = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0' && errno == 0 && n > 0 && n < NSIG) {
		for (i = 0; i < N_ENGINE_SIGNALS; i++) {
			if (engine_signals[i].signo == n) {
				*name = xstrdup(engine_signals[i].name);
				return (int)n;
			}
		}
		xasprintf(name, "%ld", n);
		return (int)n;
	}
	return 0;
}

static char *
engine_config_value(const struct store *store, const char *key)
{
	const char	*v = store_config_get(store, "engine", key);
	size_t		 len;

	if (v == NULL)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	len = strlen(v);
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	return xstrndup(v, len);
}

static int
engine_config_bad(const struct engine_config *config, char **cause,
    const char *key, const char *value, const char *what)
{
	char	*e = util_escape(value);

	util_set_cause(cause, "[engine] %s = %s in %s: %s", key, e,
	    config->conf_path, what);
	free(e);
	return STORE_INVALID;
}

/*
 * Split the probe list on blanks and commas, and check each.  A probe
 * may name its own dialogue ("127.0.0.1:25/smtp"), so one engine's SMTP
 * and IMAP ports can be probed together.
 */
static int
engine_config_probes(struct engine_config *config, const char *list,
    char **cause)
{
	enum engine_starttls	 starttls;
	const char		*p = list;
	char			*one, *slash, *why = NULL;
	size_t			 len;
	int			 ret;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		one = xstrndup(p, len);
		p += len;
		starttls = config->starttls;
		if ((slash = strrchr(one, '/')) != NULL) {
			*slash = '\0';
			if (!engine_parse_starttls(slash + 1, &starttls)) {
				ret = engine_config_bad(config, cause, "probe",
				    list, "after a probe's '/' comes none, "
				    "smtp, imap or pop3");
				free(one);
				return ret;
			}
		}
		if (engine_probe_check_hostport(one, &why) != STORE_OK) {
			ret = engine_config_bad(config, cause, "probe", list,
			    why);
			free(why);
			free(one);
			return ret;
		}
		config->probes = xreallocarray(config->probes,
		    config->n_probes + 1, sizeof *config->probes);
		config->probe_starttls = xreallocarray(config->probe_starttls,
		    config->n_probes + 1, sizeof *config->probe_starttls);
		config->probe_starttls[config->n_probes] = starttls;
		config->probes[config->n_probes++] = one;
	}
	return STORE_OK;
}

int
engine_config_load(const struct store *store, struct engine_config *config,
    char **cause)
{
	static const char *const keys[] = { "pidfile", "reload_signal",
	    "restart_command", "stop_command", "start_command", "probe",
	    "probe_starttls", "timeout", "probe_name" };
	const char	*root = store_root(store);
	char		*v, *end, *why = NULL;
	long		 n;
	size_t		 i;
	int		 ret;

	memset(config, 0, sizeof *config);
	config->conf_path = util_path_join(root, "certdesk.conf");
	config->timeout = ENGINE_DEFAULT_TIMEOUT;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (store_config_get(store, "engine", keys[i]) != NULL)
			config->configured = true;
	}

	if ((v = engine_config_value(store, "pidfile")) != NULL) {
		/* Relative to the server root, like the certificates. */
		if (*v != '/') {
			config->pidfile = util_path_join(root, v);
			free(v);
		} else
			config->pidfile = v;
	}
	if ((v = engine_config_value(store, "reload_signal")) != NULL) {
		config->reload_signal = engine_parse_signal(v,
		    &config->reload_signal_name);
		if (config->reload_signal == 0) {
			ret = engine_config_bad(config, cause,
			    "reload_signal", v, "not a signal name: use HUP, "
			    "USR1, USR2 or another name without SIG");
			free(v);
			goto fail;
		}
		if (config->pidfile == NULL) {
			ret = engine_config_bad(config, cause,
			    "reload_signal", v, "a signal needs the engine's "
			    "pid: set pidfile too");
			free(v);
			goto fail;
		}
		free(v);
	}
	config->restart_command = engine_config_value(store,
	    "restart_command");
	config->stop_command = engine_config_value(store, "stop_command");
	config->start_command = engine_config_value(store, "start_command");
	if (config->stop_command != NULL && config->start_command == NULL) {
		ret = engine_config_bad(config, cause, "stop_command",
		    config->stop_command, "stop_command needs start_command "
		    "too");
		goto fail;
	}

	if ((v = engine_config_value(store, "probe_starttls")) != NULL) {
		if (!engine_parse_starttls(v, &config->starttls)) {
			ret = engine_config_bad(config, cause,
			    "probe_starttls", v, "use none, smtp, imap or pop3");
			free(v);
			goto fail;
		}
		free(v);
	}
	if ((v = engine_config_value(store, "probe")) != NULL) {
		ret = engine_config_probes(config, v, cause);
		free(v);
		if (ret != STORE_OK)
			goto fail;
	}
	if ((v = engine_config_value(store, "timeout")) != NULL) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (*end != '\0' || errno != 0 || n < 1 ||
		    n > ENGINE_MAX_TIMEOUT) {
			xasprintf(&why, "the timeout is a number of seconds "
			    "from 1 to %d", ENGINE_MAX_TIMEOUT);
			ret = engine_config_bad(config, cause, "timeout", v,
			    why);
			free(why);
			free(v);
			goto fail;
		}
		config->timeout = (int)n;
		free(v);
	}
	config->probe_name = engine_config_value(store, "probe_name");
	if (config->probe_name == NULL && store_hostname(store) != NULL)
		config->probe_name = xstrdup(store_hostname(store));
	return STORE_OK;

fail:
	engine_config_done(config);
	return ret;
}

void
engine_config_done(struct engine_config *config)
{
	size_t	i;

	free(config->conf_path);
	free(config->pidfile);
	free(config->reload_signal_name);
	free(config->restart_command);
	free(config->stop_command);
	free(config->start_command);
	for (i = 0; i < config->n_probes; i++)
		free(config->probes[i]);
	free(config->probes);
	free(config->probe_starttls);
	free(config->probe_name);
	memset(config, 0, sizeof *config);
}

char *
engine_config_missing(const struct engine_config *config)
{
	char	*msg;

	xasprintf(&msg, "no [engine] section in %s: set pidfile + "
	    "reload_signal or restart_command; see certdesk(1)",
	    config->conf_path);
	return msg;
}

/*
 * The engine's state from its pid file.  *why is one line for the
 * message in every state.
 */
static enum engine_run_state
engine_read_state(const struct engine_config *config, long *pid, char **why)
{
	char	 buf[64], *end;
	ssize_t	 n;
	long	 v;
	int	 fd;

	*pid = 0;
	*why = NULL;
	if (config->pidfile == NULL) {
		*why = xstrdup("no pidfile in [engine]: whether the engine "
		    "runs is not known");
		return ENGINE_STATE_UNKNOWN;
	}
	/* O_NONBLOCK: a FIFO in its place must not hang us. */
	fd = open(config->pidfile, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			xasprintf(why, "the engine is not running: its pid "
			    "file %s is missing", config->pidfile);
		else
			xasprintf(why, "cannot read the pid file %s: %s",
			    config->pidfile, strerror(errno));
		return ENGINE_STATE_STOPPED;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		xasprintf(why, "cannot read the pid file %s: %s",
		    config->pidfile, strerror(errno));
		return ENGINE_STATE_STOPPED;
	}
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	while (*end != '\0' && isspace((unsigned char)*end))
		end++;
	/* Pid 1 is allowed: in a container the engine may be init. */
	if (end == buf || *end != '\0' || errno != 0 || v < 1 ||
	    v > INT_MAX) {
		xasprintf(why, "the pid file %s does not hold a process id: "
		    "remove it if the engine is stopped", config->pidfile);
		return ENGINE_STATE_STALE;
	}
	*pid = v;
	if (kill((pid_t)v, 0) == 0 || errno == EPERM) {
		xasprintf(why, "the engine is running (pid %ld)", v);
		return ENGINE_STATE_RUNNING;
	}
	xasprintf(why, "the engine is not running: its pid file %s names "
	    "process %ld, which is gone (a stale pid file)", config->pidfile,
	    v);
	return ENGINE_STATE_STALE;
}

/* The active pair's leaf, which the engine should serve. */
static void
engine_active(struct store *store, char sha256[65], char **cn,
    unsigned *chain_length)
{
	struct store_entry	*entry = NULL;
	char			*cause = NULL;

	sha256[0] = '\0';
	*cn = NULL;
	*chain_length = 0;
	if (store_show_entry(store, STORE_AREA_SERVER, "server", &entry,
	    &cause) != STORE_OK) {
		free(cause);
		return;
	}
	memcpy(sha256, entry->sha256, 65);
	sha256[64] = '\0';
	*cn = xstrdup(entry->common_name != NULL ? entry->common_name : "");
	*chain_length = 1 + entry->chain_in_file;
	store_entry_free(entry);
}

int
engine_status(struct store *store, const struct engine_config *config,
    struct engine_status *status, bool *good, char **cause)
{
	struct engine_probe_result	*r;
	size_t				 i;
	bool				 all_ok = true;

	memset(status, 0, sizeof *status);
	*good = false;
	if (!config->configured) {
		*cause = engine_config_missing(config);
		return STORE_FAIL;
	}
	status->state = engine_read_state(config, &status->pid,
	    &status->state_why);
	engine_active(store, status->active_sha256, &status->active_cn,
	    &status->active_chain_length);

	status->probes = xcalloc(config->n_probes ? config->n_probes : 1,
	    sizeof *status->probes);
	status->n_probes = config->n_probes;
	for (i = 0; i < config->n_probes; i++) {
		r = &status->probes[i];
		if (engine_probe(config->probes[i], config->probe_starttls[i],
		    config->probe_name, config->timeout * 1000, r, NULL) !=
		    STORE_OK) {
			all_ok = false;
			continue;
		}
		r->serves_active = status->active_sha256[0] != '\0' &&
		    strcmp(r->sha256, status->active_sha256) == 0;
		if (!r->serves_active)
			all_ok = false;
	}
	if (status->state == ENGINE_STATE_RUNNING)
		*good = all_ok;
	else if (status->state == ENGINE_STATE_UNKNOWN)
		*good = config->n_probes > 0 && all_ok;
	return STORE_OK;
}

void
engine_status_done(struct engine_status *status)
{
	size_t	i;

	free(status->state_why);
	free(status->active_cn);
	for (i = 0; i < status->n_probes; i++)
		engine_probe_result_done(&status->probes[i]);
	free(status->probes);
	memset(status, 0, sizeof *status);
}

void
engine_free_argv(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

int
engine_split_command(const char *command, char ***argvp, char **cause)
{
	struct util_buf	  word = { 0 };
	const char	 *p = command;
	char		**argv = NULL;
	size_t		  argc = 0;
	char		  quote;
	bool		  in_word = false;

	*argvp = NULL;
	for (;;) {
		if (*p == '\0' || *p == ' ' || *p == '\t' || *p == '\n') {
			if (in_word) {
				argv = xreallocarray(argv, argc + 2,
				    sizeof *argv);
				argv[argc++] = util_buf_take_string(&word);
				argv[argc] = NULL;
				in_word = false;
			}
			if (*p == '\0')
				break;
			p++;
			continue;
		}
		in_word = true;
		if (*p == '\\') {
			if (p[1] == '\0')
				goto trailing;
			util_buf_add(&word, p + 1, 1);
			p += 2;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p++;
			while (*p != quote) {
				if (*p == '\0') {
					util_set_cause(cause, "the command "
					    "'%s' has an unclosed %c quote",
					    command, quote);
					goto fail;
				}
				if (quote == '"' && *p == '\\' &&
				    (p[1] == '"' || p[1] == '\\'))
					p++;
				util_buf_add(&word, p, 1);
				p++;
			}
			p++;
			/* An empty quoted word is still a word. */
			util_buf_add(&word, "", 0);
			continue;
		}
		util_buf_add(&word, p, 1);
		p++;
	}
	if (argc == 0) {
		util_set_cause(cause, "the command is empty");
		goto fail;
	}
	*argvp = argv;
	return STORE_OK;

trailing:
	util_set_cause(cause, "the command '%s' ends with a lone backslash",
	    command);
fail:
	util_buf_done(&word);
	engine_free_argv(argv);
	return STORE_INVALID;
}

/* The last non-blank line of what a command printed, escaped. */
static char *
engine_last_line(const char *out, size_t len)
{
	size_t	 end = len, start;
	char	*line, *e;

	while (end > 0 && isspace((unsigned char)out[end - 1]))
		end--;
	if (end == 0)
		return NULL;
	start = end;
	while (start > 0 && out[start - 1] != '\n')
		start--;
	line = xstrndup(out + start, end - start);
	e = util_escape(line);
	free(line);
	if (strlen(e) > 200) {
		line = xstrndup(e, 200);
		free(e);
		return line;
	}
	return e;
}

/* Keep the tail of a command's output in a bounded buffer. */
static void
engine_keep_output(char *keep, size_t *len, const char *data, size_t n)
{
	if (n >= ENGINE_OUTPUT_KEEP) {
		memcpy(keep, data + n - ENGINE_OUTPUT_KEEP, ENGINE_OUTPUT_KEEP);
		*len = ENGINE_OUTPUT_KEEP;
		return;
	}
	if (*len + n > ENGINE_OUTPUT_KEEP) {
		memmove(keep, keep + (*len + n - ENGINE_OUTPUT_KEEP),
		    ENGINE_OUTPUT_KEEP - n);
		*len = ENGINE_OUTPUT_KEEP - n;
	}
	memcpy(keep + *len, data, n);
	*len += n;
}

static void
engine_child(char **argv, const char *dir, int out)
{
	int	fd;

	setsid();
	signal(SIGPIPE, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	if (out != STDOUT_FILENO && out != STDERR_FILENO)
		close(out);
	if (dir != NULL && chdir(dir) != 0) {
		dprintf(STDERR_FILENO, "cannot enter %s: %s\n", dir,
		    strerror(errno));
		_exit(127);
	}
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

int
engine_run_command(const char *what, const char *command, const char *dir,
    int timeout_ms, char **last_line, char **cause)
{
	char		**argv = NULL, *why = NULL, *last = NULL;
	char		  keep[ENGINE_OUTPUT_KEEP], buf[1024];
	size_t		  kept = 0;
	long long	  deadline = engine_now_ms() + timeout_ms, grace;
	struct pollfd	  pfd;
	ssize_t		  n;
	pid_t		  pid, w;
	int		  p[2] = { -1, -1 }, status = 0, ret = STORE_FAIL;
	bool		  exited = false, eof = false, timed_out = false;

	if (last_line != NULL)
		*last_line = NULL;
	if (engine_split_command(command, &argv, &why) != STORE_OK) {
		util_set_cause(cause, "%s: %s", what, why);
		free(why);
		return STORE_INVALID;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		util_set_cause(cause, "cannot run %s: %s", what,
		    strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		util_set_cause(cause, "cannot run %s: %s", what,
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		engine_child(argv, dir, p[1]);
	close(p[1]);
	p[1] = -1;
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);

	/*
	 * Wait for the command itself, not for the end of its output: a
	 * daemon it starts may keep the pipe open for ever.
	 */
	while (!exited) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			exited = true;
			break;
		}
		if (w < 0 && errno != EINTR) {
			util_set_cause(cause, "cannot wait for %s: %s", what,
			    strerror(errno));
			goto out;
		}
		if (engine_left_ms(deadline) == 0) {
			timed_out = true;
			break;
		}
		if (eof) {
			engine_sleep_ms(50);
			continue;
		}
		pfd.fd = p[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, engine_left_ms(deadline) < 50 ?
		    engine_left_ms(deadline) : 50) <= 0)
			continue;
		n = read(p[0], buf, sizeof buf);
		if (n > 0)
			engine_keep_output(keep, &kept, buf, n);
		else if (n == 0)
			eof = true;
	}
	if (timed_out) {
		if (kill(-pid, SIGTERM) != 0)
			kill(pid, SIGTERM);
		grace = engine_now_ms() + ENGINE_KILL_GRACE_MS;
		while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
		    engine_left_ms(grace) > 0)
			engine_sleep_ms(50);
		if (w == 0) {
			if (kill(-pid, SIGKILL) != 0)
				kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	/* Whatever the command printed last is waiting in the pipe. */
	while (!eof && (n = read(p[0], buf, sizeof buf)) > 0)
		engine_keep_output(keep, &kept, buf, n);
	last = engine_last_line(keep, kept);

	if (timed_out) {
		util_set_cause(cause, "%s did not finish within %d s and was "
		    "stopped%s%s", what, (timeout_ms + 999) / 1000,
		    last != NULL ? ": " : "", last != NULL ? last : "");
		goto out;
	}
	if (WIFSIGNALED(status)) {
		util_set_cause(cause, "%s failed (killed by signal %d)%s%s",
		    what, WTERMSIG(status), last != NULL ? ": " : "",
		    last != NULL ? last : "");
		goto out;
	}
	if (WEXITSTATUS(status) != 0) {
		util_set_cause(cause, "%s failed (exit %d)%s%s", what,
		    WEXITSTATUS(status), last != NULL ? ": " : " without "
		    "output", last != NULL ? last : "");
		goto out;
	}
	if (last_line != NULL) {
		*last_line = last;
		last = NULL;
	}
	ret = STORE_OK;

out:
	free(last);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	engine_free_argv(argv);
	return ret;
}

/* Run one of the [engine] commands, with progress. */
static int
engine_run(const struct engine_config *config, const char *what,
    const char *command, engine_progress_cb progress, void *arg,
    char **cause)
{
	char	*dir, *last = NULL, *e;
	int	 ret;

	e = util_escape(command);
	engine_progress(progress, arg, "running %s: %s", what, e);
	free(e);
	/* Commands run in the server root, where relative paths point. */
	dir = xstrdup(config->conf_path);
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	ret = engine_run_command(what, command, dir, config->timeout * 1000,
	    &last, cause);
	if (ret == STORE_OK)
		engine_progress(progress, arg, "%s finished%s%s", what,
		    last != NULL ? ": " : "", last != NULL ? last : "");
	free(last);
	free(dir);
	return ret;
}

/* After a stop: wait (bounded) until the pid file's process is gone. */
static void
engine_wait_stopped(const struct engine_config *config,
    engine_progress_cb progress, void *arg)
{
	long long	 deadline = engine_now_ms() + config->timeout * 1000;
	long		 pid;
	char		*why;

	if (config->pidfile == NULL)
		return;
	for (;;) {
		if (engine_read_state(config, &pid, &why) !=
		    ENGINE_STATE_RUNNING || engine_left_ms(deadline) == 0) {
			free(why);
			return;
		}
		free(why);
		engine_progress(progress, arg, "waiting for the engine (pid "
		    "%ld) to stop", pid);
		engine_sleep_ms(ENGINE_POLL_MS);
	}
}

int
engine_restart(const struct engine_config *config,
    engine_progress_cb progress, void *arg, enum engine_action *action,
    char **cause)
{
	enum engine_run_state	 state;
	char			*why = NULL, *stop_why = NULL;
	long			 pid;
	int			 ret;

	*action = ENGINE_ACTION_NONE;
	if (!config->configured) {
		*cause = engine_config_missing(config);
		return STORE_FAIL;
	}

	if (config->pidfile != NULL && config->reload_signal != 0) {
		state = engine_read_state(config, &pid, &why);
		if (state == ENGINE_STATE_RUNNING) {
			engine_progress(progress, arg, "sending SIG%s to the "
			    "engine (pid %ld)", config->reload_signal_name,
			    pid);
			free(why);
			if (kill((pid_t)pid, config->reload_signal) != 0) {
				util_set_cause(cause, "cannot send SIG%s to the "
				    "engine (pid %ld, from %s): %s",
				    config->reload_signal_name, pid,
				    config->pidfile, strerror(errno));
				return STORE_FAIL;
			}
			*action = ENGINE_ACTION_SIGNAL;
			return STORE_OK;
		}
		if (config->start_command == NULL) {
			util_set_cause(cause, "%s; start the engine, or set "
			    "start_command in [engine]", why);
			free(why);
			return STORE_FAIL;
		}
		engine_progress(progress, arg, "%s", why);
		free(why);
		ret = engine_run(config, "start_command",
		    config->start_command, progress, arg, cause);
		if (ret == STORE_OK)
			*action = ENGINE_ACTION_START;
		return ret;
	}
	if (config->restart_command != NULL) {
		ret = engine_run(config, "restart_command",
		    config->restart_command, progress, arg, cause);
		if (ret == STORE_OK)
			*action = ENGINE_ACTION_RESTART;
		return ret;
	}
	if (config->stop_command != NULL && config->start_command != NULL) {
		/* A stop that fails because the engine is down is fine. */
		if (engine_run(config, "stop_command", config->stop_command,
		    progress, arg, &stop_why) != STORE_OK)
			engine_progress(progress, arg, "%s", stop_why);
		else
			engine_wait_stopped(config, progress, arg);
		ret = engine_run(config, "start_command",
		    config->start_command, progress, arg, cause);
		if (ret != STORE_OK && stop_why != NULL) {
			why = *cause;
			*cause = NULL;	/* util_set_cause frees it */
			util_set_cause(cause, "%s (and before it, %s)", why,
			    stop_why);
			free(why);
		}
		free(stop_why);
		if (ret == STORE_OK)
			*action = ENGINE_ACTION_STOP_START;
		return ret;
	}
	util_set_cause(cause, "nothing in the [engine] section of %s says how "
	    "to restart the engine: set pidfile + reload_signal or "
	    "restart_command; see certdesk(1)", config->conf_path);
	return STORE_FAIL;
}

/*
 * One attempt's time: what is left, but not so little that the last
 * attempt fails only for lack of time, and not so much that one silent
 * port holds up the others.
 */
static int
engine_probe_ms(long long deadline)
{
	int	left = engine_left_ms(deadline);

	if (left < ENGINE_PROBE_MIN_MS)
		return ENGINE_PROBE_MIN_MS;
	if (left > ENGINE_PROBE_MAX_MS)
		return ENGINE_PROBE_MAX_MS;
	return left;
}

/* Is this probe's answer what we wait for? */
static bool
engine_probe_done(const struct engine_probe_result *r, const char *expected)
{
	if (!r->ok)
		return false;
	return expected == NULL || *expected == '\0' ||
	    strcmp(r->sha256, expected) == 0;
}

int
engine_wait_and_probe(const struct engine_config *config,
    const char *expected, engine_progress_cb progress, void *arg,
    struct engine_probe_result **resultsp, size_t *n_resultsp,
    char **cause)
{
	struct engine_probe_result	*results, *r;
	long long			 deadline;
	enum engine_run_state		 state;
	char				*why = NULL, *last = NULL, *msg;
	long				 pid;
	size_t				 i;
	bool				 all;
	int				 ret = STORE_FAIL;

	if (resultsp != NULL) {
		*resultsp = NULL;
		*n_resultsp = 0;
	}
	results = xcalloc(config->n_probes ? config->n_probes : 1,
	    sizeof *results);
	deadline = engine_now_ms() + config->timeout * 1000;

	/* First the process: a pid file whose process lives. */
	if (config->pidfile != NULL) {
		for (;;) {
			state = engine_read_state(config, &pid, &why);
			if (state == ENGINE_STATE_RUNNING)
				break;
			if (engine_left_ms(deadline) == 0) {
				util_set_cause(cause, "the engine did not come "
				    "back within %d s: %s", config->timeout,
				    why);
				goto out;
			}
			if (last == NULL || strcmp(last, why) != 0) {
				engine_progress(progress, arg, "waiting: %s",
				    why);
				free(last);
				last = xstrdup(why);
			}
			free(why);
			why = NULL;
			engine_sleep_ms(ENGINE_POLL_MS);
		}
		engine_progress(progress, arg, "%s", why);
		free(why);
		why = NULL;
	}

	/* Then what it serves, until it is the expected leaf. */
	for (;;) {
		all = true;
		for (i = 0; i < config->n_probes; i++) {
			r = &results[i];
			if (r->hostport != NULL && engine_probe_done(r,
			    expected))
				continue;
			engine_probe_result_done(r);
			engine_probe(config->probes[i], config->probe_starttls[i],
			    config->probe_name, engine_probe_ms(deadline), r,
			    NULL);
			r->serves_active = r->ok && expected != NULL &&
			    strcmp(r->sha256, expected) == 0;
			if (engine_probe_done(r, expected))
				continue;
			all = false;
			if (r->ok)
				xasprintf(&msg, "waiting: %s still serves %s "
				    "(SHA-256 %.16s...)", r->hostport,
				    r->common_name, r->sha256);
			else
				xasprintf(&msg, "waiting: %s", r->error);
			if (last == NULL || strcmp(last, msg) != 0) {
				engine_progress(progress, arg, "%s", msg);
				free(last);
				last = msg;
			} else
				free(msg);
		}
		if (all) {
			ret = STORE_OK;
			break;
		}
		if (engine_left_ms(deadline) == 0)
			break;
		engine_sleep_ms(ENGINE_POLL_MS);
	}
	if (ret != STORE_OK) {
		for (i = 0; i < config->n_probes; i++) {
			r = &results[i];
			if (engine_probe_done(r, expected))
				continue;
			if (!r->ok && r->refused)
				util_set_cause(cause, "the engine did not "
				    "answer within %d s: %s", config->timeout,
				    r->error);
			else if (!r->ok)
				util_set_cause(cause, "the engine's "
				    "certificate could not be read within %d s: "
				    "%s", config->timeout, r->error);
			else
				util_set_cause(cause, "the engine at %s still "
				    "serves %s (SHA-256 %s), not the active "
				    "certificate (SHA-256 %s) after %d s",
				    r->hostport, r->common_name, r->sha256,
				    expected, config->timeout);
			break;
		}
	}

out:
	free(why);
	free(last);
	if (resultsp != NULL) {
		*resultsp = results;
		*n_resultsp = config->n_probes;
	} else {
		for (i = 0; i < config->n_probes; i++)
			engine_probe_result_done(&results[i]);
		free(results);
	}
	return ret;
}

/* The SHA-256 of the first certificate in a PEM file, or false. */
static bool
engine_file_sha256(const char *path, char hex[65])
{
	gnutls_x509_crt_t	 crt = NULL;
	gnutls_datum_t		 d;
	unsigned char		*data = NULL, digest[32];
	size_t			 len = 0, size = sizeof digest, i;
	char			*cause = NULL;
	bool			 ok = false;

	if (util_read_file(path, 1024 * 1024, &data, &len, &cause) !=
	    STORE_OK) {
		free(cause);
		return false;
	}
	d.data = data;
	d.size = (unsigned)len;
	if (gnutls_x509_crt_init(&crt) < 0)
		goto out;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0)
		goto out;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest,
	    &size) < 0 || size != sizeof digest)
		goto out;
	for (i = 0; i < sizeof digest; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	ok = true;

out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	free(data);
	return ok;
}

int
engine_previous_pair(struct store *store, char **dir, char **entry,
    char **cause)
{
	struct store_list	*list = NULL;
	struct dirent		*de;
	DIR			*d;
	char			*backup, *path, *crt, *key, *best = NULL;
	char			*why = NULL, sha256[65];
	size_t			 i;

	*dir = *entry = NULL;
	backup = util_path_join(store_root(store), "certdesk-backup");
	if ((d = opendir(backup)) != NULL) {
		/* Folder names start with a timestamp: greatest is newest. */
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || (best != NULL &&
			    strcmp(de->d_name, best) <= 0))
				continue;
			path = util_path_join(backup, de->d_name);
			crt = util_path_join(path, "server.crt");
			key = util_path_join(path, "server.key");
			if (util_file_exists(crt) && util_file_exists(key)) {
				free(best);
				best = xstrdup(de->d_name);
			}
			free(crt);
			free(key);
			free(path);
		}
		closedir(d);
	}
	if (best == NULL) {
		util_set_cause(cause, "no previous pair was kept in %s",
		    backup);
		free(backup);
		return STORE_FAIL;
	}
	*dir = util_path_join(backup, best);
	free(best);
	free(backup);

	crt = util_path_join(*dir, "server.crt");
	if (engine_file_sha256(crt, sha256) &&
	    store_list_entries(store, STORE_AREA_SERVER, &list, &why) ==
	    STORE_OK) {
		for (i = 0; i < list->n; i++) {
			if (strcmp(list->v[i].name, "server") == 0 ||
			    list->v[i].kind != STORE_KIND_CERTIFICATE ||
			    !list->v[i].has_key)
				continue;
			if (strcmp(list->v[i].sha256, sha256) == 0) {
				*entry = xstrdup(list->v[i].name);
				break;
			}
		}
		store_list_free(list);
	}
	free(why);
	free(crt);
	return STORE_OK;
}

/* What was done, in words, for the messages. */
static const char *
engine_action_doing(enum engine_action action)
{
	switch (action) {
	case ENGINE_ACTION_SIGNAL:
		return "reloading";
	case ENGINE_ACTION_RESTART:
		return "restarting";
	case ENGINE_ACTION_STOP_START:
		return "stopping and starting";
	case ENGINE_ACTION_START:
		return "starting";
	default:
		return "leaving alone";
	}
}

int
engine_restart_and_confirm(struct store *store,
    const struct engine_config *config, engine_progress_cb progress,
    void *arg, char **report, char **cause)
{
	struct engine_probe_result	*results = NULL;
	struct util_buf			 b = { 0 };
	enum engine_action		 action;
	char				 expected[65], *cn = NULL, *why = NULL;
	size_t				 n_results = 0, i;
	unsigned			 chain;
	int				 ret = STORE_FAIL;

	*report = NULL;
	engine_active(store, expected, &cn, &chain);
	free(cn);
	if (engine_restart(config, progress, arg, &action, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	if (engine_wait_and_probe(config, expected, progress, arg, &results,
	    &n_results, &why) != STORE_OK) {
		util_set_cause(cause, "after %s the engine: %s",
		    engine_action_doing(action), why);
		goto out;
	}
	if (n_results == 0)
		util_buf_printf(&b, "done %s the engine; no probe in [engine], "
		    "so what it serves was not checked",
		    engine_action_doing(action));
	for (i = 0; i < n_results; i++)
		util_buf_printf(&b, "%sthe engine now serves %s, SHA-256 %s, "
		    "chain of %u (%s)", i > 0 ? "\n" : "",
		    results[i].common_name, results[i].sha256,
		    results[i].chain_length, results[i].hostport);
	*report = util_buf_take_string(&b);
	ret = STORE_OK;

out:
	free(why);
	for (i = 0; i < n_results; i++)
		engine_probe_result_done(&results[i]);
	free(results);
	return ret;
}
