/*
 * cli-json.h: what the commands that print JSON share.  Kept apart from
 * cli.h so only they see jansson.
 */
#ifndef CERTDESK_CLI_JSON_H
#define CERTDESK_CLI_JSON_H

#include <jansson.h>

/* A JSON string of s (null for NULL); invalid UTF-8 is shown escaped. */
json_t	*cli_json_text(const char *s);

#endif
