/*
 * test-store.c: unit tests of the store library on real temporary roots:
 * first run, generation with UTF-8 subjects, the checks, refusals that
 * leave the folder as it was, journal recovery, and the lock.  No
 * terminal is involved; the certificates are parsed back with GnuTLS.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

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

static int
setup_root(void **state)
{
	struct fixture		*fx = xcalloc(1, sizeof *fx);
	struct store_options	 opts = { 0 };
	char			*conf, *cause = NULL;

	strcpy(fx->root, "/tmp/certdesk-store.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	conf = util_path_join(fx->root, "certdesk.conf");
	write_text(conf, "[server]\nhostname = mail.example.com\n"
	    "key_type = ecdsa-p256\n");
	free(conf);
	opts.root = fx->root;
	assert_int_equal(store_open(&opts, &fx->st, NULL, &cause), STORE_OK);
	*state = fx;
	return 0;
}

static int
teardown_root(void **state)
{
	struct fixture	*fx = *state;
	char		*cmd;

	store_free(fx->st);
	xasprintf(&cmd, "rm -rf '%s'", fx->root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->root);
	free(cmd);
	free(fx);
	return 0;
}

static char *
root_file(struct fixture *fx, const char *rel)
{
	return util_path_join(fx->root, rel);
}

/* A listing of the tree with sizes: equal listings, equal folders. */
static char *
tree_listing(const char *root)
{
	char	*cmd, buf[4096];
	FILE	*p;
	struct util_buf b = { 0 };
	size_t	 n;

	xasprintf(&cmd, "cd '%s' && find . -type f -exec sha256sum {} + | "
	    "LC_ALL=C sort", root);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		util_buf_add(&b, buf, n);
	pclose(p);
	free(cmd);
	return util_buf_take_string(&b);
}

static void
test_first_run(void **state)
{
	struct fixture		*fx = *state;
	struct store_entry	*e;
	struct stat		 sb;
	char			*note = NULL, *cause = NULL, *key;
	bool			 created;

	assert_int_equal(store_ensure_active(fx->st, &created, &note, &cause),
	    STORE_OK);
	assert_true(created);
	assert_non_null(strstr(note, "first run"));
	free(note);
	key = root_file(fx, "sslcert/server.key");
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(key);

	assert_int_equal(store_show_entry(fx->st, STORE_AREA_SERVER, "server",
	    &e, &cause), STORE_OK);
	assert_string_equal(e->common_name, "mail.example.com");
	assert_true(e->active);
	assert_true(e->self_signed);
	assert_true(e->checks[STORE_CHECK_KEY_MATCHES].ok);
	assert_true(e->checks[STORE_CHECK_NAME_MATCHES].ok);
	assert_true(e->checks[STORE_CHECK_DATE_VALID].ok);
	assert_true(e->checks[STORE_CHECK_CHAIN_COMPLETE].ok);
	assert_false(e->checks[STORE_CHECK_TRUSTED].ok);
	assert_non_null(strstr(e->checks[STORE_CHECK_TRUSTED].why,
	    "self-signed"));
	assert_int_equal(strlen(e->sha256), 64);
	assert_int_equal(strlen(e->tlsa_311), 64);
	store_entry_free(e);

	/* A second call finds the pair and leaves it alone. */
	assert_int_equal(store_ensure_active(fx->st, &created, NULL, &cause),
	    STORE_OK);
	assert_false(created);
}

static void
test_new_utf8_subject(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	struct store_entry	*e;
	const char		*alts[] = { "*.example.com", "192.0.2.7",
				    "2001:db8::1" };
	char			*name = NULL, *note = NULL, *cause = NULL;

	p.hostname = "mail.example.com";
	p.country = "CZ";
	p.org = "Žluťoučký kůň";
	p.city = "Plzeň";
	p.state = "München";
	p.alt_names = alts;
	p.n_alt_names = 3;
	p.key_type = "ed25519";
	p.days = 90;
	assert_int_equal(store_new_certificate(fx->st, &p, &name, &note,
	    &cause), STORE_OK);
	assert_string_equal(name, "mail.example.com");
	assert_int_equal(store_show_entry(fx->st, STORE_AREA_SERVER, name, &e,
	    &cause), STORE_OK);
	assert_non_null(strstr(e->subject, "O=Žluťoučký kůň"));
	assert_non_null(strstr(e->subject, "L=Plzeň"));
	assert_non_null(strstr(e->subject, "ST=München"));
	assert_int_equal(e->alt_names.n, 4);
	assert_string_equal(e->alt_names.v[0], "mail.example.com");
	assert_string_equal(e->alt_names.v[1], "*.example.com");
	assert_string_equal(e->alt_names.v[2], "192.0.2.7");
	assert_string_equal(e->alt_names.v[3], "2001:db8::1");
	assert_string_equal(e->key_type, "ed25519");
	assert_true(e->days_left >= 89 && e->days_left <= 90);
	assert_true(e->checks[STORE_CHECK_KEY_MATCHES].ok);
	store_entry_free(e);
	free(name);
	free(note);

	/* The same hostname again gets the next free name. */
	p.key_type = "ecdsa-p256";
	assert_int_equal(store_new_certificate(fx->st, &p, &name, &note,
	    &cause), STORE_OK);
	assert_string_equal(name, "mail.example.com-2");
	free(name);
	free(note);
}

static void
test_invalid_fields_change_nothing(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	char			*before, *after, *cause = NULL;
	const char		*bad_alt[] = { "bad_name.example.com" };

	before = tree_listing(fx->root);
	p.hostname = "mail.example.com";
	p.country = "XX";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL,
	    &cause), STORE_INVALID);
	assert_non_null(strstr(cause, "country"));
	p.country = "DE";
	p.alt_names = bad_alt;
	p.n_alt_names = 1;
	assert_int_equal(store_new_request(fx->st, &p, NULL, NULL, &cause),
	    STORE_INVALID);
	assert_non_null(strstr(cause, "additional names"));
	p.n_alt_names = 0;
	p.days = 5000;
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL,
	    &cause), STORE_INVALID);
	assert_non_null(strstr(cause, "days"));
	p.days = 0;
	p.key_type = "rsa1024";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL,
	    &cause), STORE_INVALID);
	assert_non_null(strstr(cause, "key type"));
	p.key_type = NULL;
	p.name = "../escape";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL,
	    &cause), STORE_INVALID);
	assert_non_null(strstr(cause, "name"));
	p.name = "server";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL,
	    &cause), STORE_INVALID);
	after = tree_listing(fx->root);
	assert_string_equal(before, after);
	free(cause);
	free(before);
	free(after);
}

static void
test_remove_and_activate_refusals(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	char			*before, *after, *cause = NULL, *note = NULL;
	char			*a_key, *b_key, *tmp;
	bool			 created;

	assert_int_equal(store_ensure_active(fx->st, &created, NULL, &cause),
	    STORE_OK);
	p.hostname = "mail.example.com";
	p.country = "DE";
	p.key_type = "ecdsa-p256";
	p.name = "a";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);
	p.name = "b";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);
	p.name = "req";
	assert_int_equal(store_new_request(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);

	/* Swap the keys of a and b: neither may be activated, even forced. */
	a_key = root_file(fx, "sslcert/a.key");
	b_key = root_file(fx, "sslcert/b.key");
	tmp = root_file(fx, "sslcert/tmp.key");
	assert_int_equal(rename(a_key, tmp), 0);
	assert_int_equal(rename(b_key, a_key), 0);
	assert_int_equal(rename(tmp, b_key), 0);

	before = tree_listing(fx->root);
	assert_int_equal(store_remove(fx->st, STORE_AREA_SERVER, "server",
	    NULL, &cause), STORE_FAIL);
	assert_non_null(strstr(cause, "active pair"));
	assert_int_equal(store_activate(fx->st, "a", true, NULL, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "not the key"));
	assert_int_equal(store_activate(fx->st, "req", true, NULL, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "request"));
	assert_int_equal(store_activate(fx->st, "nothing", false, NULL,
	    &cause), STORE_FAIL);
	assert_int_equal(store_remove(fx->st, STORE_AREA_SERVER, "nothing",
	    NULL, &cause), STORE_FAIL);
	assert_non_null(strstr(cause, "no certificate"));
	after = tree_listing(fx->root);
	assert_string_equal(before, after);

	/* Put the keys right; removing keeps a copy and says where. */
	assert_int_equal(rename(a_key, tmp), 0);
	assert_int_equal(rename(b_key, a_key), 0);
	assert_int_equal(rename(tmp, b_key), 0);
	assert_int_equal(store_activate(fx->st, "a", false, &note, &cause),
	    STORE_OK);
	assert_non_null(strstr(note, "certdesk-backup"));
	free(note);
	assert_int_equal(store_remove(fx->st, STORE_AREA_SERVER, "b", &note,
	    &cause), STORE_OK);
	assert_non_null(strstr(note, "certdesk-backup"));
	assert_false(util_file_exists(b_key));
	free(note);
	free(cause);
	free(before);
	free(after);
	free(a_key);
	free(b_key);
	free(tmp);
}

static void
test_expired_needs_force(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	struct store_options	 opts = { .root = fx->root };
	struct store		*past;
	struct store_entry	*e;
	char			 when[32], *cause = NULL, *note = NULL;
	bool			 created;

	assert_int_equal(store_ensure_active(fx->st, &created, NULL, &cause),
	    STORE_OK);
	/* Made 400 days ago, valid for 30: expired now. */
	snprintf(when, sizeof when, "%lld",
	    (long long)time(NULL) - 400 * 86400LL);
	setenv("CERTDESK_NOW", when, 1);
	assert_int_equal(store_open(&opts, &past, NULL, &cause), STORE_OK);
	unsetenv("CERTDESK_NOW");
	p.hostname = "mail.example.com";
	p.country = "DE";
	p.key_type = "ecdsa-p256";
	p.days = 30;
	p.name = "old";
	assert_int_equal(store_new_certificate(past, &p, NULL, NULL, &cause),
	    STORE_OK);
	store_free(past);

	assert_int_equal(store_show_entry(fx->st, STORE_AREA_SERVER, "old", &e,
	    &cause), STORE_OK);
	assert_false(e->checks[STORE_CHECK_DATE_VALID].ok);
	assert_non_null(strstr(e->checks[STORE_CHECK_DATE_VALID].why,
	    "expired"));
	assert_true(e->days_left < 0);
	store_entry_free(e);
	assert_int_equal(store_activate(fx->st, "old", false, NULL, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "--force"));
	assert_int_equal(store_activate(fx->st, "old", true, &note, &cause),
	    STORE_OK);
	free(note);
	assert_int_equal(store_monitor(fx->st, 30, 7, &note), 2);
	assert_non_null(strstr(note, "CRITICAL"));
	free(note);
	free(cause);
}

static void
test_journal_rolls_forward(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	struct store_options	 opts = { .root = fx->root };
	struct store		*again;
	struct store_entry	*e;
	unsigned char		*crt, *key;
	size_t			 crt_len, key_len;
	char			*cause = NULL, *note = NULL, *path, *journal;
	char			*text, *crt_tmp, *key_tmp, *target;
	bool			 created;

	assert_int_equal(store_ensure_active(fx->st, &created, NULL, &cause),
	    STORE_OK);
	p.hostname = "mail.example.com";
	p.country = "DE";
	p.key_type = "ecdsa-p256";
	p.name = "next";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);

	/* An activation that died after the journal and one rename. */
	path = root_file(fx, "sslcert/next.crt");
	assert_int_equal(util_read_file(path, 1 << 20, &crt, &crt_len,
	    &cause), STORE_OK);
	free(path);
	path = root_file(fx, "sslcert/next.key");
	assert_int_equal(util_read_file(path, 1 << 20, &key, &key_len,
	    &cause), STORE_OK);
	free(path);
	target = root_file(fx, "sslcert/server.crt");
	assert_int_equal(util_write_temp(target, crt, crt_len, 0644, &crt_tmp,
	    &cause), STORE_OK);
	free(target);
	target = root_file(fx, "sslcert/server.key");
	assert_int_equal(util_write_temp(target, key, key_len, 0600, &key_tmp,
	    &cause), STORE_OK);
	free(target);
	journal = root_file(fx, ".certdesk-journal");
	xasprintf(&text, "crt %s\nkey %s\n", crt_tmp, key_tmp);
	write_text(journal, text);
	path = root_file(fx, "sslcert/server.crt");
	assert_int_equal(rename(crt_tmp, path), 0);
	free(path);

	assert_int_equal(store_open(&opts, &again, &note, &cause), STORE_OK);
	assert_non_null(note);
	assert_non_null(strstr(note, "interrupted"));
	assert_false(util_file_exists(journal));
	assert_false(util_file_exists(key_tmp));
	assert_int_equal(store_show_entry(again, STORE_AREA_SERVER, "server",
	    &e, &cause), STORE_OK);
	assert_true(e->checks[STORE_CHECK_KEY_MATCHES].ok);
	store_entry_free(e);
	store_free(again);

	/* Temporaries without a journal: the old pair stands, they go. */
	target = root_file(fx, "sslcert/server.crt");
	free(crt_tmp);
	assert_int_equal(util_write_temp(target, "junk", 4, 0644, &crt_tmp,
	    &cause), STORE_OK);
	assert_int_equal(store_open(&opts, &again, NULL, &cause), STORE_OK);
	assert_false(util_file_exists(crt_tmp));
	store_free(again);

	free(note);
	free(target);
	free(text);
	free(journal);
	free(crt_tmp);
	free(key_tmp);
	free(crt);
	util_free_secret(key, key_len);
}

static void
test_lock_names_holder(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	struct store_options	 opts = { .root = fx->root, .lock_wait_ms = 200 };
	struct store		*st;
	char			*lock, *cause = NULL, holder[32];
	int			 fd, pipefd[2];
	pid_t			 pid;

	lock = root_file(fx, ".certdesk.lock");
	assert_int_equal(pipe(pipefd), 0);
	if ((pid = fork()) == 0) {
		fd = open(lock, O_RDWR | O_CREAT, 0644);
		if (fd == -1 || flock(fd, LOCK_EX) == -1)
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], holder, 1), 1);
	assert_int_equal(store_open(&opts, &st, NULL, &cause), STORE_OK);
	p.hostname = "mail.example.com";
	p.country = "DE";
	p.key_type = "ecdsa-p256";
	assert_int_equal(store_new_certificate(st, &p, NULL, NULL, &cause),
	    STORE_FAIL);
	snprintf(holder, sizeof holder, "pid %ld", (long)pid);
	assert_non_null(strstr(cause, holder));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Once the holder is gone the writer goes ahead. */
	assert_int_equal(store_new_certificate(st, &p, NULL, NULL, &cause),
	    STORE_OK);
	store_free(st);
	close(pipefd[0]);
	close(pipefd[1]);
	free(lock);
	free(cause);
}

static void
test_request_reuse_key(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	struct store_entry	*a, *b;
	char			*cause = NULL;

	p.hostname = "mail.example.com";
	p.country = "DE";
	p.key_type = "ecdsa-p256";
	p.name = "current";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);
	p.name = "renewal";
	p.reuse_key = "current";
	assert_int_equal(store_new_request(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);
	assert_int_equal(store_show_entry(fx->st, STORE_AREA_SERVER, "current",
	    &a, &cause), STORE_OK);
	assert_int_equal(store_show_entry(fx->st, STORE_AREA_SERVER, "renewal",
	    &b, &cause), STORE_OK);
	assert_int_equal(b->kind, STORE_KIND_REQUEST);
	assert_string_equal(a->tlsa_311, b->tlsa_311);
	assert_true(b->checks[STORE_CHECK_KEY_MATCHES].ok);
	store_entry_free(a);
	store_entry_free(b);
	p.reuse_key = "missing";
	p.name = "r2";
	assert_int_equal(store_new_request(fx->st, &p, NULL, NULL, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "missing"));
	free(cause);
}

static void
test_list_orders_and_reports_unreadable(void **state)
{
	struct fixture		*fx = *state;
	struct store_list	*list;
	char			*cause = NULL, *junk;
	bool			 created;

	assert_int_equal(store_ensure_active(fx->st, &created, NULL, &cause),
	    STORE_OK);
	junk = root_file(fx, "sslcert/aaa.crt");
	write_text(junk, "-----BEGIN CERTIFICATE-----\nnot base64!\n");
	free(junk);
	assert_int_equal(store_list_entries(fx->st, STORE_AREA_SERVER, &list,
	    &cause), STORE_OK);
	assert_int_equal(list->n, 2);
	assert_string_equal(list->v[0].name, "server");
	assert_string_equal(list->v[1].name, "aaa");
	assert_non_null(list->v[1].error);
	store_list_free(list);
}

static void
test_list_cache_follows_files(void **state)
{
	struct fixture		*fx = *state;
	struct store_new_params	 p = { 0 };
	struct store_list	*first, *second;
	char			*cause = NULL, *a, *b, *tmp, *cachedir;
	char			 sha[65];
	bool			 created;

	cachedir = root_file(fx, "cache");
	setenv("CERTDESK_CACHE", cachedir, 1);
	assert_int_equal(store_ensure_active(fx->st, &created, NULL, &cause),
	    STORE_OK);
	p.hostname = "mail.example.com";
	p.country = "DE";
	p.key_type = "ecdsa-p256";
	p.name = "a";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);
	p.name = "b";
	p.hostname = "other.example.com";
	assert_int_equal(store_new_certificate(fx->st, &p, NULL, NULL, &cause),
	    STORE_OK);
	assert_int_equal(store_list_entries(fx->st, STORE_AREA_SERVER, &first,
	    &cause), STORE_OK);
	assert_true(util_file_exists(cachedir));
	/* The second listing comes from the cache and says the same. */
	assert_int_equal(store_list_entries(fx->st, STORE_AREA_SERVER, &second,
	    &cause), STORE_OK);
	assert_int_equal(first->n, 3);
	assert_int_equal(second->n, 3);
	assert_string_equal(first->v[1].sha256, second->v[1].sha256);
	assert_string_equal(first->v[2].subject, second->v[2].subject);
	assert_int_equal(first->v[2].checks[STORE_CHECK_NAME_MATCHES].ok,
	    second->v[2].checks[STORE_CHECK_NAME_MATCHES].ok);
	strcpy(sha, first->v[2].sha256);
	store_list_free(first);
	store_list_free(second);

	/* Swap a and b's files: the listing must follow the files. */
	a = root_file(fx, "sslcert/a.crt");
	b = root_file(fx, "sslcert/b.crt");
	tmp = root_file(fx, "sslcert/t.crt");
	assert_int_equal(rename(a, tmp), 0);
	assert_int_equal(rename(b, a), 0);
	assert_int_equal(rename(tmp, b), 0);
	assert_int_equal(store_list_entries(fx->st, STORE_AREA_SERVER, &second,
	    &cause), STORE_OK);
	assert_string_equal(second->v[1].name, "a");
	assert_string_equal(second->v[1].sha256, sha);
	/* a's certificate now sits beside b's key. */
	assert_false(second->v[1].checks[STORE_CHECK_KEY_MATCHES].ok);
	store_list_free(second);

	/* A damaged cache file is rebuilt, not believed. */
	{
		char	*cmd;

		xasprintf(&cmd, "for f in '%s'/*; do printf 'junk' > \"$f\"; "
		    "done", cachedir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	assert_int_equal(store_list_entries(fx->st, STORE_AREA_SERVER, &second,
	    &cause), STORE_OK);
	assert_int_equal(second->n, 3);
	assert_string_equal(second->v[1].sha256, sha);
	store_list_free(second);
	unsetenv("CERTDESK_CACHE");
	free(tmp);
	free(a);
	free(b);
	free(cachedir);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_run, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_new_utf8_subject,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(
		    test_invalid_fields_change_nothing, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(
		    test_remove_and_activate_refusals, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_expired_needs_force,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_journal_rolls_forward,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_lock_names_holder,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_request_reuse_key,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(
		    test_list_orders_and_reports_unreadable, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(test_list_cache_follows_files,
		    setup_root, teardown_root),
	};

	unsetenv("CERTDESK_NOW");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
