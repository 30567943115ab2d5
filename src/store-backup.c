/*
 * store-backup.c: nothing is lost silently.  Before a certificate or key
 * is replaced or removed, it is copied into a new dated folder under
 * <root>/certdesk-backup, and the message names that folder.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store-internal.h"

int
store_backup(struct store *st, const char *what, const char *const *paths,
    size_t n, char **dir, char **cause)
{
	struct stat	 sb;
	struct tm	 tm;
	time_t		 now = time(NULL);
	unsigned char	*data;
	char		 stamp[32], *folder = NULL, *copy, *target;
	size_t		 i, len;
	int		 attempt;

	*dir = NULL;
	if (mkdir(st->backup_dir, 0700) == -1 && errno != EEXIST) {
		util_set_cause(cause, "cannot create %s: %s", st->backup_dir,
		    strerror(errno));
		return STORE_FAIL;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (attempt = 1; attempt < 1000; attempt++) {
		free(folder);
		if (attempt == 1)
			xasprintf(&folder, "%s/%s-%s", st->backup_dir, stamp,
			    what);
		else
			xasprintf(&folder, "%s/%s-%s-%d", st->backup_dir, stamp,
			    what, attempt);
		if (mkdir(folder, 0700) == 0)
			break;
		if (errno != EEXIST) {
			util_set_cause(cause, "cannot create %s: %s", folder,
			    strerror(errno));
			free(folder);
			return STORE_FAIL;
		}
	}
	for (i = 0; i < n; i++) {
		if (lstat(paths[i], &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (util_read_file(paths[i], STORE_MAX_INPUT, &data, &len,
		    cause) != STORE_OK)
			goto fail;
		copy = xstrdup(paths[i]);
		target = util_path_join(folder, basename(copy));
		free(copy);
		/* Keys stay 0600 in the backup too. */
		if (util_write_atomic(target, data, len, sb.st_mode & 0644,
		    false, cause) != STORE_OK) {
			free(target);
			util_free_secret(data, len);
			goto fail;
		}
		free(target);
		util_free_secret(data, len);
	}
	*dir = folder;
	return STORE_OK;

fail:
	free(folder);
	return STORE_FAIL;
}
