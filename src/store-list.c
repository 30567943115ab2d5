/*
 * store-list.c: scan sslcert/ or sslca/ and describe every entry, files
 * copied there by hand included.  A file that cannot be read is listed
 * with the reason rather than hidden.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

/* The entry name of a file in an area, or NULL when it is not one. */
static char *
list_entry_name(enum store_area area, const char *file)
{
	size_t		 len = strlen(file);
	const char	*ext;

	if (file[0] == '.' || len < 5)
		return NULL;
	ext = file + len - 4;
	if (strcmp(ext, ".crt") == 0 ||
	    (area == STORE_AREA_SERVER && strcmp(ext, ".csr") == 0) ||
	    (area == STORE_AREA_CA && (strcmp(ext, ".pem") == 0 ||
	    strcmp(ext, ".cer") == 0)))
		return xstrndup(file, len - 4);
	return NULL;
}

static int
list_compare_names(const void *a, const void *b)
{
	const char	*x = *(const char *const *)a;
	const char	*y = *(const char *const *)b;

	/* The active pair first. */
	if (strcmp(x, "server") == 0)
		return strcmp(y, "server") == 0 ? 0 : -1;
	if (strcmp(y, "server") == 0)
		return 1;
	return strcmp(x, y);
}

int
store_list_entries(struct store *st, enum store_area area,
    struct store_list **out, char **cause)
{
	struct dirent		*de;
	struct store_list	*list;
	struct store_entry	*e;
	struct store_cache	*cache;
	DIR			*d;
	char			**names = NULL, *name, *why;
	size_t			 n = 0, i;

	*out = NULL;
	store_forget_cache(st);
	if ((d = opendir(area == STORE_AREA_CA ? st->sslca :
	    st->sslcert)) == NULL && errno == ENOENT) {
		/* No folder yet is an empty list. */
		*out = xcalloc(1, sizeof **out);
		return STORE_OK;
	}
	if (d == NULL) {
		util_set_cause(cause, "cannot read %s: %m", area ==
		    STORE_AREA_CA ? st->sslca : st->sslcert);
		return STORE_FAIL;
	}
	while ((de = readdir(d)) != NULL) {
		if ((name = list_entry_name(area, de->d_name)) == NULL)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = name;
	}
	closedir(d);
	if (n > 1)	/* qsort(NULL, 0) is undefined: an empty folder */
		qsort(names, n, sizeof *names, list_compare_names);

	cache = store_cache_open(st, area);
	list = xcalloc(1, sizeof *list);
	list->v = xcalloc(n, sizeof *list->v);
	for (i = 0; i < n; i++) {
		/* NAME.crt beside NAME.csr is one entry, the certificate. */
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		e = &list->v[list->n];
		why = NULL;
		if (store_cache_get(st, cache, area, names[i], e)) {
			store_entry_compact(e);
			list->n++;
			continue;
		}
		if (store_entry_fill(st, area, names[i], e, &why) ==
		    STORE_OK)
			store_cache_put(st, cache, area, e);
		else {
			memset(e, 0, sizeof *e);
			e->name = xstrdup(names[i]);
			e->area = area;
			e->error = why != NULL ? why : xstrdup("unreadable");
			e->common_name = xstrdup("");
			e->subject = xstrdup("");
			e->key_type = xstrdup("");
			for (int c = 0; c < STORE_CHECK_COUNT; c++)
				e->checks[c].why = xstrdup(e->error);
		}
		store_entry_compact(e);
		list->n++;
	}
	store_cache_close(st, cache, area, list);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	*out = list;
	return STORE_OK;
}

void
store_list_free(struct store_list *list)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++)
		store_entry_done(&list->v[i]);
	free(list->v);
	free(list);
}

int
store_show_entry(struct store *st, enum store_area area, const char *name,
    struct store_entry **out, char **cause)
{
	struct store_entry	*e;

	*out = NULL;
	if (store_check_name(name, cause) != STORE_OK)
		return STORE_INVALID;
	store_forget_cache(st);
	e = xcalloc(1, sizeof *e);
	if (store_entry_fill(st, area, name, e, cause) != STORE_OK) {
		free(e);
		return STORE_FAIL;
	}
	*out = e;
	return STORE_OK;
}
