/*
 * test-engine.c: unit tests of engine control without a mail server:
 * the [engine] settings and their refusals, command splitting, running
 * commands (exit codes, last line, timeout killing the process group, a
 * daemon that keeps the pipe), the pid file states, and the probe's
 * failures against scripted peers (refused, silent, a server without
 * STARTTLS).  Dovecot itself is the judge in tests/e2e/engine.sh.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "certdesk/engine.h"
#include "certdesk/store.h"
#include "certdesk/util.h"

struct fixture {
	char		 root[64];
	struct store	*st;
};

static void
write_text(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A root whose certdesk.conf holds [engine] followed by text. */
static struct fixture *
fixture_new(const char *engine)
{
	struct fixture		*fx = xcalloc(1, sizeof *fx);
	struct store_options	 opts = { 0 };
	char			*conf, *text, *cause = NULL;

	strcpy(fx->root, "/tmp/certdesk-engine.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	conf = util_path_join(fx->root, "certdesk.conf");
	xasprintf(&text, "[server]\nhostname = mail.example.com\n%s%s",
	    engine != NULL ? "[engine]\n" : "", engine != NULL ? engine : "");
	write_text(conf, text);
	free(text);
	free(conf);
	opts.root = fx->root;
	if (store_open(&opts, &fx->st, NULL, &cause) != STORE_OK)
		fail_msg("store_open: %s", cause);
	return fx;
}

static void
fixture_free(struct fixture *fx)
{
	char	*cmd;

	store_free(fx->st);
	xasprintf(&cmd, "rm -rf '%s'", fx->root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->root);
	free(cmd);
	free(fx);
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
assert_contains(const char *s, const char *part)
{
	if (s == NULL || strstr(s, part) == NULL)
		fail_msg("'%s' lacks '%s'", s != NULL ? s : "(null)", part);
}

static void
test_split(void **state)
{
	char	**argv, *cause = NULL;

	assert_int_equal(engine_split_command("  postfix   reload ", &argv,
	    &cause), STORE_OK);
	assert_string_equal(argv[0], "postfix");
	assert_string_equal(argv[1], "reload");
	assert_null(argv[2]);
	engine_free_argv(argv);

	assert_int_equal(engine_split_command("a 'b c' \"d \\\"e\\\\\" f\\ g ''"
	    " x'y'z $HOME;ls", &argv, &cause), STORE_OK);
	assert_string_equal(argv[0], "a");
	assert_string_equal(argv[1], "b c");
	assert_string_equal(argv[2], "d \"e\\");
	assert_string_equal(argv[3], "f g");
	assert_string_equal(argv[4], "");
	assert_string_equal(argv[5], "xyz");
	/* No shell: no expansion, no command separator. */
	assert_string_equal(argv[6], "$HOME;ls");
	assert_null(argv[7]);
	engine_free_argv(argv);

	assert_int_equal(engine_split_command("echo 'open", &argv, &cause),
	    STORE_INVALID);
	assert_contains(cause, "unclosed ' quote");
	free(cause);
	cause = NULL;
	cause = NULL;
	assert_int_equal(engine_split_command("   ", &argv, &cause),
	    STORE_INVALID);
	assert_contains(cause, "empty");
	free(cause);
	cause = NULL;
	cause = NULL;
	assert_int_equal(engine_split_command("echo \\", &argv, &cause),
	    STORE_INVALID);
	assert_contains(cause, "lone backslash");
	free(cause);
	cause = NULL;
}

static void
test_config_good(void **state)
{
	struct fixture		*fx;
	struct engine_config	 c;
	char			*cause = NULL;

	fx = fixture_new("pidfile = run/master.pid\nreload_signal = sighup\n"
	    "probe = 127.0.0.1:993, [::1]:993 mail.example.com:25/smtp,"
	    "127.0.0.1:110/pop3\nprobe_starttls = imap\ntimeout = 7\n");
	assert_int_equal(engine_config_load(fx->st, &c, &cause), STORE_OK);
	assert_true(c.configured);
	assert_string_equal(c.reload_signal_name, "HUP");
	assert_int_equal(c.reload_signal, SIGHUP);
	/* A relative pid file is in the server root. */
	assert_string_equal(c.pidfile + strlen(c.pidfile) - 15,
	    "/run/master.pid");
	assert_int_equal(strncmp(c.pidfile, store_root(fx->st),
	    strlen(store_root(fx->st))), 0);
	assert_int_equal(c.n_probes, 4);
	assert_string_equal(c.probes[0], "127.0.0.1:993");
	assert_int_equal(c.probe_starttls[0], ENGINE_STARTTLS_IMAP);
	assert_string_equal(c.probes[1], "[::1]:993");
	assert_string_equal(c.probes[2], "mail.example.com:25");
	assert_int_equal(c.probe_starttls[2], ENGINE_STARTTLS_SMTP);
	assert_int_equal(c.probe_starttls[3], ENGINE_STARTTLS_POP3);
	assert_int_equal(c.timeout, 7);
	assert_string_equal(c.probe_name, "mail.example.com");
	engine_config_done(&c);
	fixture_free(fx);

	fx = fixture_new(NULL);
	assert_int_equal(engine_config_load(fx->st, &c, &cause), STORE_OK);
	assert_false(c.configured);
	assert_int_equal(c.timeout, ENGINE_DEFAULT_TIMEOUT);
	cause = engine_config_missing(&c);
	assert_contains(cause, "no [engine] section in ");
	assert_contains(cause, "/certdesk.conf: set pidfile + reload_signal "
	    "or restart_command");
	free(cause);
	cause = NULL;
	engine_config_done(&c);
	fixture_free(fx);
}

static void
config_refused(const char *text, const char *why)
{
	struct fixture		*fx = fixture_new(text);
	struct engine_config	 c;
	char			*cause = NULL;

	assert_int_equal(engine_config_load(fx->st, &c, &cause),
	    STORE_INVALID);
	assert_contains(cause, why);
	assert_contains(cause, fx->root);
	free(cause);
	cause = NULL;
	fixture_free(fx);
}

static void
test_config_bad(void **state)
{
	config_refused("pidfile = x\nreload_signal = HUPP\n",
	    "[engine] reload_signal = HUPP in ");
	config_refused("reload_signal = HUP\n", "set pidfile too");
	config_refused("stop_command = x\n", "needs start_command");
	config_refused("probe = localhost\n", "is not HOST:PORT");
	config_refused("probe = ::1:993\n", "in brackets");
	config_refused("probe = 127.0.0.1:70000\n", "is not HOST:PORT");
	config_refused("probe = 127.0.0.1:25/esmtp\n", "none, smtp, imap or "
	    "pop3");
	config_refused("probe_starttls = tls\n", "use none, smtp, imap or "
	    "pop3");
	config_refused("timeout = 0\n", "from 1 to 3600");
	config_refused("timeout = 5s\n", "from 1 to 3600");
}

static void
test_run_command(void **state)
{
	char		*last = NULL, *cause = NULL, path[] =
			    "/tmp/certdesk-engine-pid.XXXXXX", *cmd;
	long long	 start;
	FILE		*f;
	long		 pid = 0;
	int		 fd;

	assert_int_equal(engine_run_command("restart_command", "/bin/true",
	    NULL, 5000, &last, &cause), STORE_OK);
	assert_null(last);

	assert_int_equal(engine_run_command("restart_command", "sh -c 'echo "
	    "one; echo two'", NULL, 5000, &last, &cause), STORE_OK);
	assert_string_equal(last, "two");
	free(last);

	assert_int_equal(engine_run_command("restart_command", "/bin/false",
	    NULL, 5000, &last, &cause), STORE_FAIL);
	assert_string_equal(cause, "restart_command failed (exit 1) without "
	    "output");
	free(cause);
	cause = NULL;

	assert_int_equal(engine_run_command("stop_command", "sh -c 'echo "
	    "working; echo \"fatal: no such service\" >&2; exit 3'", NULL,
	    5000, &last, &cause), STORE_FAIL);
	assert_string_equal(cause, "stop_command failed (exit 3): fatal: no "
	    "such service");
	free(cause);
	cause = NULL;

	assert_int_equal(engine_run_command("start_command",
	    "/nonexistent/engine start", NULL, 5000, &last, &cause),
	    STORE_FAIL);
	assert_contains(cause, "start_command failed (exit 127): cannot run "
	    "/nonexistent/engine");
	free(cause);
	cause = NULL;

	/* Commands run in the folder given (the server root). */
	assert_int_equal(engine_run_command("restart_command", "pwd", "/tmp",
	    5000, &last, &cause), STORE_OK);
	assert_string_equal(last, "/tmp");
	free(last);

	/*
	 * A hanging command is stopped at the timeout, and so is what it
	 * started in its process group.
	 */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	xasprintf(&cmd, "sh -c 'sleep 30 & echo $! > %s; echo waiting; "
	    "wait'", path);
	start = now_ms();
	assert_int_equal(engine_run_command("restart_command", cmd, NULL, 500,
	    &last, &cause), STORE_FAIL);
	assert_true(now_ms() - start < 4000);
	assert_string_equal(cause, "restart_command did not finish within "
	    "1 s and was stopped: waiting");
	free(cause);
	cause = NULL;
	free(cmd);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	unlink(path);
	/* Reaped by init, or a zombie at worst: not running either way. */
	start = now_ms();
	while (kill((pid_t)pid, 0) == 0 && now_ms() - start < 2000) {
		char	stat[64], line[256];
		FILE	*sf;

		snprintf(stat, sizeof stat, "/proc/%ld/stat", pid);
		if ((sf = fopen(stat, "r")) != NULL) {
			if (fgets(line, sizeof line, sf) != NULL &&
			    strstr(line, ") Z") != NULL) {
				fclose(sf);
				break;
			}
			fclose(sf);
		}
		usleep(20000);
	}
	if (kill((pid_t)pid, 0) == 0) {
		char	stat[64], line[256] = "";
		FILE	*sf;

		snprintf(stat, sizeof stat, "/proc/%ld/stat", pid);
		if ((sf = fopen(stat, "r")) != NULL) {
			if (fgets(line, sizeof line, sf) == NULL)
				line[0] = '\0';
			fclose(sf);
		}
		if (strstr(line, ") Z") == NULL)
			fail_msg("the command's child %ld still runs", pid);
	}

	/* A daemon keeping the output pipe open does not hold us up. */
	start = now_ms();
	assert_int_equal(engine_run_command("start_command", "sh -c 'sleep 3 "
	    "& echo started'", NULL, 10000, &last, &cause), STORE_OK);
	assert_true(now_ms() - start < 2000);
	assert_string_equal(last, "started");
	free(last);
}

static void
test_state(void **state)
{
	struct fixture		*fx;
	struct engine_config	 c;
	struct engine_status	 st;
	char			*cause = NULL, *pidfile, text[32];
	bool			 good;
	pid_t			 dead;

	fx = fixture_new("pidfile = engine.pid\n");
	assert_int_equal(engine_config_load(fx->st, &c, &cause), STORE_OK);
	pidfile = util_path_join(fx->root, "engine.pid");

	assert_int_equal(engine_status(fx->st, &c, &st, &good, &cause),
	    STORE_OK);
	assert_int_equal(st.state, ENGINE_STATE_STOPPED);
	assert_false(good);
	assert_contains(st.state_why, "its pid file ");
	assert_contains(st.state_why, "engine.pid is missing");
	engine_status_done(&st);

	snprintf(text, sizeof text, "%ld\n", (long)getpid());
	write_text(pidfile, text);
	assert_int_equal(engine_status(fx->st, &c, &st, &good, &cause),
	    STORE_OK);
	assert_int_equal(st.state, ENGINE_STATE_RUNNING);
	assert_int_equal(st.pid, getpid());
	/* No probe: running is all that can be said, and it is good. */
	assert_true(good);
	engine_status_done(&st);

	if ((dead = fork()) == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(text, sizeof text, "%ld", (long)dead);
	write_text(pidfile, text);
	assert_int_equal(engine_status(fx->st, &c, &st, &good, &cause),
	    STORE_OK);
	assert_int_equal(st.state, ENGINE_STATE_STALE);
	assert_false(good);
	assert_contains(st.state_why, "which is gone (a stale pid file)");
	engine_status_done(&st);

	write_text(pidfile, "not a pid\n");
	assert_int_equal(engine_status(fx->st, &c, &st, &good, &cause),
	    STORE_OK);
	assert_int_equal(st.state, ENGINE_STATE_STALE);
	assert_contains(st.state_why, "does not hold a process id");
	engine_status_done(&st);

	/* A reload by signal refuses a stale pid file with its reason. */
	engine_config_done(&c);
	free(pidfile);
	fixture_free(fx);
	fx = fixture_new("pidfile = engine.pid\nreload_signal = USR1\n");
	assert_int_equal(engine_config_load(fx->st, &c, &cause), STORE_OK);
	pidfile = util_path_join(fx->root, "engine.pid");
	write_text(pidfile, text);
	{
		enum engine_action	action;

		assert_int_equal(engine_restart(&c, NULL, NULL, &action,
		    &cause), STORE_FAIL);
		assert_int_equal(action, ENGINE_ACTION_NONE);
		assert_contains(cause, "a stale pid file); start the engine, "
		    "or set start_command");
		free(cause);
		cause = NULL;
	}
	engine_config_done(&c);
	free(pidfile);
	fixture_free(fx);
}

/* A listening socket on a free loopback port; *port receives it. */
static int
listen_any(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A scripted peer: accept once, send lines, read, then linger. */
static pid_t
peer_start(int lfd, const char *const *lines)
{
	char	buf[512];
	pid_t	pid;
	int	fd;

	if ((pid = fork()) != 0)
		return pid;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(1);
	for (; *lines != NULL; lines++) {
		if (**lines == '<') {
			if (read(fd, buf, sizeof buf) <= 0)
				_exit(0);
			continue;
		}
		if (write(fd, *lines, strlen(*lines)) < 0)
			_exit(1);
	}
	sleep(3);
	_exit(0);
}

static void
test_probe_failures(void **state)
{
	static const char *const no_starttls[] = { "220 mx ESMTP\r\n", "<",
	    "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n", "<", NULL };
	static const char *const not_imap[] = { "220 mx ESMTP\r\n", NULL };
	struct engine_probe_result	 r;
	char				*cause = NULL, hostport[64];
	long long			 start;
	pid_t				 peer;
	int				 lfd, port;

	/* Refused: a port nobody listens on any more. */
	lfd = listen_any(&port);
	close(lfd);
	snprintf(hostport, sizeof hostport, "127.0.0.1:%d", port);
	assert_int_equal(engine_probe(hostport, ENGINE_STARTTLS_NONE,
	    "mail.example.com", 2000, &r, &cause), STORE_FAIL);
	assert_true(r.refused);
	assert_false(r.ok);
	assert_contains(cause, "connection refused at 127.0.0.1:");
	assert_string_equal(cause, r.error);
	free(cause);
	cause = NULL;
	engine_probe_result_done(&r);

	/* Silent: it accepts (the backlog) but never speaks TLS. */
	lfd = listen_any(&port);
	snprintf(hostport, sizeof hostport, "127.0.0.1:%d", port);
	start = now_ms();
	assert_int_equal(engine_probe(hostport, ENGINE_STARTTLS_NONE,
	    "mail.example.com", 600, &r, &cause), STORE_FAIL);
	assert_true(now_ms() - start < 3000);
	assert_contains(cause, "TLS failure with 127.0.0.1:");
	assert_contains(cause, "timed out");
	free(cause);
	cause = NULL;
	engine_probe_result_done(&r);
	close(lfd);

	/* An SMTP server that does not offer STARTTLS. */
	lfd = listen_any(&port);
	snprintf(hostport, sizeof hostport, "127.0.0.1:%d", port);
	peer = peer_start(lfd, no_starttls);
	assert_int_equal(engine_probe(hostport, ENGINE_STARTTLS_SMTP,
	    "mail.example.com", 3000, &r, &cause), STORE_FAIL);
	assert_contains(cause, "does not offer STARTTLS");
	free(cause);
	cause = NULL;
	engine_probe_result_done(&r);
	kill(peer, SIGTERM);
	waitpid(peer, NULL, 0);
	close(lfd);

	/* The wrong dialogue: an SMTP greeting where IMAP was expected. */
	lfd = listen_any(&port);
	snprintf(hostport, sizeof hostport, "127.0.0.1:%d", port);
	peer = peer_start(lfd, not_imap);
	assert_int_equal(engine_probe(hostport, ENGINE_STARTTLS_IMAP,
	    "mail.example.com", 3000, &r, &cause), STORE_FAIL);
	assert_contains(cause, "is not an IMAP server ready for us: \"220 mx "
	    "ESMTP\"");
	free(cause);
	cause = NULL;
	engine_probe_result_done(&r);
	kill(peer, SIGTERM);
	waitpid(peer, NULL, 0);
	close(lfd);
}

static void
test_previous_pair(void **state)
{
	struct fixture		*fx = fixture_new(NULL);
	struct store_new_params	 p = { .hostname = "mail.example.com",
				    .country = "DE", .key_type = "ecdsa-p256" };
	char			*dir = NULL, *entry = NULL, *cause = NULL;
	char			*name = NULL, *note = NULL, *crt;
	bool			 created;

	/* Nothing was replaced yet: nothing was kept. */
	assert_int_equal(engine_previous_pair(fx->st, &dir, &entry, &cause),
	    STORE_FAIL);
	assert_contains(cause, "no previous pair was kept in ");
	free(cause);
	cause = NULL;

	/* The first-run pair, replaced: kept, but no entry holds it. */
	assert_int_equal(store_ensure_active(fx->st, &created, &note,
	    &cause), STORE_OK);
	free(note);
	p.name = "a";
	assert_int_equal(store_new_certificate(fx->st, &p, &name, &note,
	    &cause), STORE_OK);
	free(name);
	free(note);
	assert_int_equal(store_activate(fx->st, "a", true, &note, &cause),
	    STORE_OK);
	free(note);
	assert_int_equal(engine_previous_pair(fx->st, &dir, &entry, &cause),
	    STORE_OK);
	assert_contains(dir, "/certdesk-backup/");
	assert_null(entry);
	crt = util_path_join(dir, "server.crt");
	assert_true(util_file_exists(crt));
	free(crt);
	free(dir);

	/* 'a' replaced by 'b': 'a' is still an entry, so activate it. */
	p.name = "b";
	assert_int_equal(store_new_certificate(fx->st, &p, &name, &note,
	    &cause), STORE_OK);
	free(name);
	free(note);
	sleep(1);	/* backup folders are named by the second */
	assert_int_equal(store_activate(fx->st, "b", true, &note, &cause),
	    STORE_OK);
	free(note);
	assert_int_equal(engine_previous_pair(fx->st, &dir, &entry, &cause),
	    STORE_OK);
	assert_non_null(entry);
	assert_string_equal(entry, "a");
	free(entry);
	free(dir);
	fixture_free(fx);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad),
		cmocka_unit_test(test_run_command),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_probe_failures),
		cmocka_unit_test(test_previous_pair),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
