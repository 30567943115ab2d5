/*
 * store-paths.c: entry names and the files that hold them.  A name comes
 * from an administrator or a certificate, so it is checked before it is
 * ever joined to a path.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "certdesk/validate.h"

int
store_check_name(const char *name, char **cause)
{
	char	*why = NULL;

	if (validate_entry_name(name, &why) != STORE_OK) {
		util_set_cause(cause, "name: %s", why);
		free(why);
		return STORE_INVALID;
	}
	return STORE_OK;
}

char *
store_entry_file(const struct store *st, enum store_area area,
    const char *name, const char *ext)
{
	char	*path;

	xasprintf(&path, "%s/%s%s", area == STORE_AREA_CA ? st->sslca :
	    st->sslcert, name, ext);
	return path;
}

char *
store_name_from_hostname(const char *hostname)
{
	struct util_buf	 b = { 0 };
	const char	*p;

	/* "*.example.com" names the wildcard's entry "wildcard.example.com". */
	if (strncmp(hostname, "*.", 2) == 0) {
		util_buf_add(&b, "wildcard", 8);
		hostname++;
	}
	for (p = hostname; *p != '\0' && b.len < 64; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
			util_buf_add(&b, p, 1);
		else if (*p == '.' && b.len > 0 && b.data[b.len - 1] != '.')
			util_buf_add(&b, p, 1);
		else if (b.len > 0 && b.data[b.len - 1] != '_' &&
		    b.data[b.len - 1] != '.')
			util_buf_add(&b, "_", 1);
	}
	while (b.len > 0 && (b.data[b.len - 1] == '.' ||
	    b.data[b.len - 1] == '_'))
		b.data[--b.len] = '\0';
	if (b.len == 0 || b.data[0] == '.' || b.data[0] == '_' ||
	    b.data[0] == '-') {
		util_buf_done(&b);
		return xstrdup("certificate");
	}
	return util_buf_take_string(&b);
}
