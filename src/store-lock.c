/*
 * store-lock.c: one writer at a time.  An flock on <root>/.certdesk.lock
 * serializes two consoles or scripts; a second writer waits briefly and
 * then says who holds the lock (found in /proc/locks, so the lock file's
 * contents never change and a refused command leaves the tree as it was).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store-internal.h"

/* The pid holding an flock on the file with this inode, or -1. */
static long
store_lock_holder(const struct stat *sb)
{
	FILE		*f;
	char		 line[256], kind[16], dev[64];
	unsigned long	 ino;
	long		 pid, found = -1;
	unsigned	 major, minor;

	if ((f = fopen("/proc/locks", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
		if (sscanf(line, "%*s %15s %*s %*s %ld %63s", kind, &pid,
		    dev) != 3 || strcmp(kind, "FLOCK") != 0)
			continue;
		if (sscanf(dev, "%x:%x:%lu", &major, &minor, &ino) == 3 &&
		    ino == (unsigned long)sb->st_ino && pid != getpid()) {
			found = pid;
			break;
		}
	}
	fclose(f);
	return found;
}

int
store_lock(struct store *st, char **cause)
{
	struct timespec	 pause = { 0, 50 * 1000 * 1000 };
	struct stat	 sb;
	char		*path, comm[64] = "";
	FILE		*f;
	long		 holder;
	int		 fd, waited;

	if (st->lock_depth++ > 0)
		return STORE_OK;
	path = util_path_join(st->root, ".certdesk.lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1) {
		util_set_cause(cause, "cannot open the lock %s: %s", path,
		    strerror(errno));
		free(path);
		st->lock_depth--;
		return STORE_FAIL;
	}
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; waited += 50) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			util_set_cause(cause, "cannot lock %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (waited >= st->lock_wait_ms) {
			holder = fstat(fd, &sb) == 0 ? store_lock_holder(&sb) :
			    -1;
			if (holder > 0) {
				snprintf(comm, sizeof comm, "/proc/%ld/comm",
				    holder);
				if ((f = fopen(comm, "re")) != NULL) {
					if (fgets(comm, sizeof comm, f) == NULL)
						comm[0] = '\0';
					comm[strcspn(comm, "\n")] = '\0';
					fclose(f);
				} else
					comm[0] = '\0';
				util_set_cause(cause, "another certdesk is "
				    "changing %s (pid %ld%s%s); try again when "
				    "it is done", st->root, holder,
				    comm[0] != '\0' ? ", " : "", comm);
			} else
				util_set_cause(cause, "another certdesk is "
				    "changing %s; try again when it is done",
				    st->root);
			goto fail;
		}
		nanosleep(&pause, NULL);
	}
	free(path);
	st->lock_fd = fd;
	/* Every writer comes through here: make the folders it writes to. */
	if (store_make_dirs(st, cause) != STORE_OK) {
		store_unlock(st);
		return STORE_FAIL;
	}
	return STORE_OK;

fail:
	close(fd);
	free(path);
	st->lock_depth--;
	return STORE_FAIL;
}

void
store_unlock(struct store *st)
{
	if (st->lock_depth == 0 || --st->lock_depth > 0)
		return;
	if (st->lock_fd != -1) {
		close(st->lock_fd);
		st->lock_fd = -1;
	}
}
