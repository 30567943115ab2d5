/*
 * test-util.c: unit tests of the helpers every module relies on: escaping
 * of untrusted text, display width, bounded reads and atomic writes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "certdesk/store.h"
#include "certdesk/util.h"

static char	tmpdir[] = "/tmp/certdesk-unit.XXXXXX";

static char *
tmp_path(const char *name)
{
	return util_path_join(tmpdir, name);
}

static void
test_escape_controls(void **state)
{
	char	*s;

	s = util_escape("a\033[31mb");
	assert_string_equal(s, "a\\x1b[31mb");
	free(s);
	s = util_escape("tab\there\x7f");
	assert_string_equal(s, "tab\\x09here\\x7f");
	free(s);
	/* A C1 control (U+009B, CSI) in UTF-8 is escaped byte by byte. */
	s = util_escape("x\xc2\x9by");
	assert_string_equal(s, "x\\xc2\\x9by");
	free(s);
	/* Invalid UTF-8 is shown, not passed to the terminal. */
	s = util_escape("\xff\xfe");
	assert_string_equal(s, "\\xff\\xfe");
	free(s);
	s = util_escape(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void
test_escape_keeps_utf8(void **state)
{
	const char	*text = "Žluťoučký kůň, Plzeň, München, 日本";
	char		*s = util_escape(text);

	assert_string_equal(s, text);
	free(s);
}

static void
test_display_width(void **state)
{
	assert_int_equal(util_display_width("Zürich"), 6);
	assert_int_equal(util_display_width("Plzeň"), 5);
	assert_int_equal(util_display_width("日本"), 4);
	assert_int_equal(util_display_width(""), 0);
}

static void
test_write_atomic_modes(void **state)
{
	struct stat	 sb;
	char		*key = tmp_path("a.key"), *crt = tmp_path("a.crt");
	char		*cause = NULL;

	assert_int_equal(util_write_atomic(key, "secret", 6, 0600, false,
	    &cause), STORE_OK);
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(util_write_atomic(crt, "public", 6, 0644, false,
	    &cause), STORE_OK);
	assert_int_equal(stat(crt, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);

	/* Without replace an existing file is kept and the call says so. */
	assert_int_equal(util_write_atomic(key, "other", 5, 0600, false,
	    &cause), STORE_FAIL);
	assert_non_null(strstr(cause, "exists"));
	free(cause);
	cause = NULL;
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_size, 6);
	unlink(key);
	unlink(crt);
	free(key);
	free(crt);
}

static void
test_write_atomic_replaces_symlink(void **state)
{
	struct stat	 sb;
	char		*target = tmp_path("target"), *link = tmp_path("link");
	char		*cause = NULL;
	unsigned char	*data;
	size_t		 len;

	assert_int_equal(util_write_atomic(target, "keep", 4, 0644, false,
	    &cause), STORE_OK);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(util_write_atomic(link, "new!", 4, 0600, true,
	    &cause), STORE_OK);
	/* The link itself was replaced; its target is untouched. */
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(util_read_file(target, 100, &data, &len, &cause),
	    STORE_OK);
	assert_memory_equal(data, "keep", 4);
	free(data);
	unlink(target);
	unlink(link);
	free(target);
	free(link);
}

static void
test_read_file_refusals(void **state)
{
	unsigned char	*data;
	size_t		 len;
	char		*cause = NULL, *fifo = tmp_path("fifo");
	char		*big = tmp_path("big");
	char		 buf[200];

	assert_int_equal(util_read_file(tmpdir, 100, &data, &len, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "folder"));
	free(cause);
	cause = NULL;

	assert_int_equal(util_read_file("/dev/zero", 100, &data, &len,
	    &cause), STORE_FAIL);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	cause = NULL;

	/* A FIFO with no writer must not block. */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(util_read_file(fifo, 100, &data, &len, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	cause = NULL;

	memset(buf, 'x', sizeof buf);
	assert_int_equal(util_write_atomic(big, buf, sizeof buf, 0644, false,
	    &cause), STORE_OK);
	assert_int_equal(util_read_file(big, 100, &data, &len, &cause),
	    STORE_FAIL);
	assert_non_null(strstr(cause, "too large"));
	free(cause);
	cause = NULL;
	assert_int_equal(util_read_file(big, 200, &data, &len, &cause),
	    STORE_OK);
	assert_int_equal(len, 200);
	free(data);

	assert_int_equal(util_read_file("/nonexistent/x", 100, &data, &len,
	    &cause), STORE_FAIL);
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	unlink(fifo);
	unlink(big);
	free(fifo);
	free(big);
}

static void
test_password_file(void **state)
{
	char	*path = tmp_path("pw"), *pw = NULL, *cause = NULL;

	assert_int_equal(util_write_atomic(path, "s3cret\nignored\n", 15,
	    0600, false, &cause), STORE_OK);
	assert_int_equal(util_read_password_file(path, &pw, &cause),
	    STORE_OK);
	assert_string_equal(pw, "s3cret");
	free(pw);
	unlink(path);
	assert_int_equal(util_write_atomic(path, "\n", 1, 0600, false,
	    &cause), STORE_OK);
	assert_int_equal(util_read_password_file(path, &pw, &cause),
	    STORE_INVALID);
	assert_non_null(strstr(cause, "empty"));
	free(cause);
	unlink(path);
	free(path);
}

static void
test_format_time(void **state)
{
	char	*s = util_format_time(1827216000);

	assert_string_equal(s, "2027-11-26T08:00:00Z");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_keeps_utf8),
		cmocka_unit_test(test_display_width),
		cmocka_unit_test(test_write_atomic_modes),
		cmocka_unit_test(test_write_atomic_replaces_symlink),
		cmocka_unit_test(test_read_file_refusals),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_format_time),
	};
	int	ret;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return ret;
}
