/*
 * store-remove.c: Remove.  The active pair is refused; everything else
 * is copied into certdesk-backup/ first, so a slip of the key is undone
 * by copying the files back.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-internal.h"

int
store_remove(struct store *st, enum store_area area, const char *name,
    char **note, char **cause)
{
	static const char *const server_exts[] = { ".crt", ".csr", ".key" };
	static const char *const ca_exts[] = { ".crt", ".pem", ".cer" };
	const char *const	*exts = area == STORE_AREA_CA ? ca_exts :
				    server_exts;
	const char		*found[3];
	char			*paths[3], *kept = NULL;
	size_t			 i, n = 0;
	int			 ret = STORE_FAIL;

	if (note != NULL)
		*note = NULL;
	if (store_check_name(name, cause) != STORE_OK)
		return STORE_INVALID;
	if (area == STORE_AREA_SERVER && strcmp(name, "server") == 0) {
		util_set_cause(cause, "'server' is the active pair and cannot "
		    "be removed; activate another certificate first");
		return STORE_FAIL;
	}
	for (i = 0; i < 3; i++) {
		paths[i] = store_entry_file(st, area, name, exts[i]);
		if (util_file_exists(paths[i]))
			found[n++] = paths[i];
	}
	if (n == 0) {
		util_set_cause(cause, "no %s named '%s' in %s; see 'certdesk "
		    "list%s'", area == STORE_AREA_CA ? "intermediate "
		    "certificate" : "certificate or request", name,
		    area == STORE_AREA_CA ? "sslca/" : "sslcert/",
		    area == STORE_AREA_CA ? " --ca" : "");
		goto out;
	}
	if (store_lock(st, cause) != STORE_OK)
		goto out;
	if (store_backup(st, "remove", found, n, &kept, cause) != STORE_OK)
		goto unlock;
	for (i = 0; i < n; i++) {
		if (unlink(found[i]) == -1 && errno != ENOENT) {
			util_set_cause(cause, "cannot remove %s: %s (a copy is "
			    "in %s)", found[i], strerror(errno), kept);
			goto unlock;
		}
	}
	if (util_sync_dir_of(found[0], cause) != STORE_OK)
		goto unlock;
	if (note != NULL)
		xasprintf(note, "removed '%s'; its files were kept in %s", name,
		    kept);
	ret = STORE_OK;
unlock:
	store_unlock(st);
	store_forget_cache(st);
out:
	free(kept);
	for (i = 0; i < 3; i++)
		free(paths[i]);
	return ret;
}
