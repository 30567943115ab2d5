/*
 * util-file.c: bounded reads and atomic writes.  The mail server cannot
 * run without its pair, so every write lands whole or not at all, and a
 * key is never readable by others, not even for an instant.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certdesk/store.h"
#include "certdesk/util.h"

int
util_read_file(const char *path, size_t max, unsigned char **data,
    size_t *len, char **cause)
{
	struct stat	 sb;
	unsigned char	*buf = NULL;
	size_t		 have = 0;
	ssize_t		 n;
	int		 fd;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		util_set_cause(cause, "cannot read %s: %s", path,
		    strerror(errno));
		return STORE_FAIL;
	}
	if (fstat(fd, &sb) == -1) {
		util_set_cause(cause, "cannot read %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		util_set_cause(cause, "%s is a folder, not a file; name the "
		    "file itself", path);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		util_set_cause(cause, "%s is not a regular file (a device, "
		    "pipe or socket); save the data to a file first", path);
		goto fail;
	}
	if ((size_t)sb.st_size > max) {
		util_set_cause(cause, "%s is too large (%lld bytes; the limit "
		    "is %zu): it is not a certificate or key file", path,
		    (long long)sb.st_size, max);
		goto fail;
	}
	buf = xmalloc(max + 2);
	for (;;) {
		n = read(fd, buf + have, max + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			util_set_cause(cause, "cannot read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max) {
			util_set_cause(cause, "%s is too large (over %zu "
			    "bytes): it is not a certificate or key file",
			    path, max);
			goto fail;
		}
	}
	close(fd);
	buf[have] = '\0';
	*data = buf;
	*len = have;
	return STORE_OK;

fail:
	if (buf != NULL)
		util_free_secret(buf, max + 2);
	close(fd);
	return STORE_FAIL;
}

int
util_read_password_file(const char *path, char **password, char **cause)
{
	struct stat	 sb;
	char		 buf[4097];
	size_t		 have = 0, i;
	ssize_t		 n;
	int		 fd;

	*password = NULL;
	/* Blocking open: a FIFO or <(...) has its writer on the way. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		util_set_cause(cause, "cannot read password file %s: %s", path,
		    strerror(errno));
		return STORE_INVALID;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		util_set_cause(cause, "password file %s is a folder; name a "
		    "file holding the password on its first line", path);
		return STORE_INVALID;
	}
	while (have < sizeof buf - 1) {
		n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	for (i = 0; i < have && buf[i] != '\n' && buf[i] != '\r'; i++)
		;
	buf[i] = '\0';
	if (i == 0) {
		util_set_cause(cause, "password file %s is empty; put the "
		    "password on its first line", path);
		memset(buf, 0, sizeof buf);
		return STORE_INVALID;
	}
	*password = xstrndup(buf, i);
	memset(buf, 0, sizeof buf);
	return STORE_OK;
}

int
util_sync_dir_of(const char *path, char **cause)
{
	char	*copy, *dir;
	int	 fd, ret = STORE_OK;

	copy = xstrdup(path);
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		util_set_cause(cause, "cannot sync folder %s: %s", dir,
		    strerror(errno));
		ret = STORE_FAIL;
	}
	if (fd != -1)
		close(fd);
	free(copy);
	return ret;
}

int
util_write_temp(const char *path, const void *data, size_t len, mode_t mode,
    char **tmp, char **cause)
{
	char		*copy, *copy2, *dir, *base, *name;
	const char	*p = data;
	ssize_t		 n;
	int		 fd;

	*tmp = NULL;
	copy = xstrdup(path);
	dir = dirname(copy);
	copy2 = xstrdup(path);
	base = basename(copy2);
	xasprintf(&name, "%s/.%s.XXXXXX", dir, base);
	free(copy2);
	free(copy);

	/* mkostemp creates the file 0600: a key is private from birth. */
	if ((fd = mkostemp(name, O_CLOEXEC)) == -1) {
		util_set_cause(cause, "cannot create a file beside %s: %s",
		    path, strerror(errno));
		free(name);
		return STORE_FAIL;
	}
	if ((mode & 077) != 0 && fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	*tmp = name;
	return STORE_OK;

fail:
	util_set_cause(cause, "cannot write %s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(name);
	free(name);
	return STORE_FAIL;
}

int
util_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, bool replace, char **cause)
{
	char	*tmp;
	int	 r;

	if (!replace && util_file_exists(path)) {
		util_set_cause(cause, "%s exists; use --force to replace it",
		    path);
		return STORE_FAIL;
	}
	if (util_write_temp(path, data, len, mode, &tmp, cause) != STORE_OK)
		return STORE_FAIL;
	/* rename replaces a symlink itself: nothing is written through it. */
	if (replace)
		r = rename(tmp, path);
	else
		r = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
	if (r == -1) {
		util_set_cause(cause, errno == EEXIST ?
		    "%s exists; use --force to replace it" :
		    "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return STORE_FAIL;
	}
	free(tmp);
	return util_sync_dir_of(path, cause);
}

bool
util_file_exists(const char *path)
{
	struct stat	sb;

	return lstat(path, &sb) == 0;
}
