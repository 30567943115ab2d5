/*
 * store-journal.c: replacing the active pair touches two files, and the
 * mail server must never find a certificate beside a key that is not its
 * own.  Both new files are written and synced first, then a journal names
 * them, then they are renamed into place.  If the process dies at any
 * moment, the next certdesk finds the journal and rolls the pair forward;
 * without a journal, half-written temporaries are simply removed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-internal.h"

static char *
store_journal_path(const struct store *st)
{
	return util_path_join(st->root, ".certdesk-journal");
}

/* Is name one of util_write_temp's files for server.crt or server.key? */
static bool
store_journal_is_pair_temp(const char *name)
{
	return strncmp(name, ".server.crt.", 12) == 0 ||
	    strncmp(name, ".server.key.", 12) == 0;
}

static bool
store_journal_has_temps(const struct store *st)
{
	struct dirent	*de;
	DIR		*d;
	bool		 found = false;

	if ((d = opendir(st->sslcert)) == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		if (store_journal_is_pair_temp(de->d_name)) {
			found = true;
			break;
		}
	}
	closedir(d);
	return found;
}

static void
store_journal_remove_temps(const struct store *st)
{
	struct dirent	*de;
	DIR		*d;
	char		*path;

	if ((d = opendir(st->sslcert)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!store_journal_is_pair_temp(de->d_name))
			continue;
		path = util_path_join(st->sslcert, de->d_name);
		unlink(path);
		free(path);
	}
	closedir(d);
}

/* Finish the renames a journal names; the journal goes last. */
static int
store_journal_roll_forward(struct store *st, const char *journal,
    char **cause)
{
	FILE	*f;
	char	 line[4096], *target = NULL, *tmp;
	int	 ret = STORE_OK;

	if ((f = fopen(journal, "re")) == NULL) {
		util_set_cause(cause, "cannot read the journal %s: %s",
		    journal, strerror(errno));
		return STORE_FAIL;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* "crt /root/sslcert/.server.crt.AbC123" */
		if (strncmp(line, "crt ", 4) == 0)
			target = util_path_join(st->sslcert, "server.crt");
		else if (strncmp(line, "key ", 4) == 0)
			target = util_path_join(st->sslcert, "server.key");
		else
			continue;
		tmp = line + 4;
		if (access(tmp, F_OK) == 0 && rename(tmp, target) == -1) {
			util_set_cause(cause, "cannot finish the interrupted "
			    "activation (%s): %s", target, strerror(errno));
			ret = STORE_FAIL;
		}
		free(target);
		target = NULL;
	}
	fclose(f);
	if (ret != STORE_OK)
		return ret;
	if (util_sync_dir_of(journal, cause) != STORE_OK)
		return STORE_FAIL;
	unlink(journal);
	return STORE_OK;
}

int
store_journal_recover(struct store *st, char **note, char **cause)
{
	char	*journal;
	int	 ret = STORE_OK;

	journal = store_journal_path(st);
	if (access(journal, F_OK) != 0 && !store_journal_has_temps(st)) {
		free(journal);
		return STORE_OK;
	}
	if (store_lock(st, cause) != STORE_OK) {
		free(journal);
		return STORE_FAIL;
	}
	if (access(journal, F_OK) == 0) {
		ret = store_journal_roll_forward(st, journal, cause);
		if (ret == STORE_OK && note != NULL)
			util_set_cause(note, "finished an interrupted "
			    "activation: server.crt and server.key are the "
			    "new pair");
	}
	if (ret == STORE_OK) {
		/* Temporaries without a journal: the old pair still stands. */
		store_journal_remove_temps(st);
		util_sync_dir_of(journal, NULL);
	}
	store_unlock(st);
	free(journal);
	return ret;
}

int
store_replace_active(struct store *st, const void *crt, size_t crt_len,
    const void *key, size_t key_len, const char *why, char **kept,
    char **cause)
{
	const char	*old[2];
	char		*crt_path, *key_path, *crt_tmp = NULL, *key_tmp = NULL;
	char		*journal, *text = NULL;
	int		 ret = STORE_FAIL;

	*kept = NULL;
	crt_path = util_path_join(st->sslcert, "server.crt");
	key_path = util_path_join(st->sslcert, "server.key");
	journal = store_journal_path(st);

	old[0] = crt_path;
	old[1] = key_path;
	if ((util_file_exists(crt_path) || util_file_exists(key_path)) &&
	    store_backup(st, why, old, 2, kept, cause) != STORE_OK)
		goto out;
	if (util_write_temp(crt_path, crt, crt_len, 0644, &crt_tmp,
	    cause) != STORE_OK ||
	    util_write_temp(key_path, key, key_len, 0600, &key_tmp,
	    cause) != STORE_OK)
		goto out;
	xasprintf(&text, "crt %s\nkey %s\n", crt_tmp, key_tmp);
	if (util_write_atomic(journal, text, strlen(text), 0600, true,
	    cause) != STORE_OK)
		goto out;
	/* From here on the journal finishes the job, whatever happens. */
	if (rename(crt_tmp, crt_path) == -1 ||
	    rename(key_tmp, key_path) == -1) {
		util_set_cause(cause, "cannot replace the active pair: %s; "
		    "the next certdesk command finishes it", strerror(errno));
		free(crt_tmp);
		free(key_tmp);
		crt_tmp = key_tmp = NULL;
		goto out;
	}
	free(crt_tmp);
	free(key_tmp);
	crt_tmp = key_tmp = NULL;
	if (util_sync_dir_of(crt_path, cause) != STORE_OK)
		goto out;
	unlink(journal);
	util_sync_dir_of(journal, NULL);
	ret = STORE_OK;

out:
	if (crt_tmp != NULL) {
		unlink(crt_tmp);
		free(crt_tmp);
	}
	if (key_tmp != NULL) {
		unlink(key_tmp);
		free(key_tmp);
	}
	if (ret != STORE_OK && *kept != NULL) {
		free(*kept);
		*kept = NULL;
	}
	free(text);
	free(journal);
	free(key_path);
	free(crt_path);
	return ret;
}
