/*
 * Validators for what administrators type: each returns STORE_OK or
 * STORE_INVALID and fills *cause with a one-line reason that does not name
 * the field (the caller prefixes the field's label).  The store, the form
 * engine of the console and the command line all call these, so a value is
 * judged the same way everywhere.
 */
#ifndef CERTDESK_VALIDATE_H
#define CERTDESK_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*validate_fn)(const char *value, char **cause);

/* A DNS host name or a wildcard (*.example.com): RFC 1035/1123 syntax. */
int		validate_hostname(const char *, char **cause);
/* A subjectAltName: DNS name, wildcard, IPv4 or IPv6 address. */
int		validate_alt_name(const char *, char **cause);
bool		validate_is_ip(const char *);
/* An ISO 3166-1 alpha-2 country code, upper case (the caller may upcase). */
int		validate_country(const char *, char **cause);
/* The English name of an assigned ISO 3166 code ("GB"), or NULL. */
const char	*validate_country_name(const char *);
/* Free text for a subject field: valid UTF-8, no control characters. */
int		validate_text(const char *, char **cause);
/* A validity in days: 1 to 3650 (ten years). */
int		validate_days(const char *, char **cause);
/* An entry name: letters, digits, '.', '-', '_', up to 64, no "..". */
int		validate_entry_name(const char *, char **cause);
/* One of store_key_types. */
int		validate_key_type(const char *, char **cause);

/* The validator called name in a form definition, or NULL. */
validate_fn	validate_lookup(const char *name);
/* The i-th validator name ("hostname", ...), or NULL past the last. */
const char	*validate_name(size_t i);

/* Characters (not bytes) in a UTF-8 string, or -1 if it is not UTF-8. */
long		validate_utf8_length(const char *);

#endif
