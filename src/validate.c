/*
 * Validators for what administrators type into the Generate Certificate
 * form or on the command line.  Each says in one line what is wrong and
 * what to type instead; the caller prefixes the field's label.  The value
 * is echoed back shortened and with control characters shown as \xNN, so
 * a message is always one safe line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certdesk/store.h"
#include "certdesk/util.h"
#include "certdesk/validate.h"

/* Longest part of a value echoed back in a message, in characters. */
#define VALIDATE_QUOTE_MAX	48

#define VALIDATE_HOSTNAME_MAX	253	/* RFC 1035 2.3.4, without the dot */
#define VALIDATE_LABEL_MAX	63
#define VALIDATE_TEXT_MAX	64	/* X.520 ub-organization-name etc */
#define VALIDATE_DAYS_MAX	3650
#define VALIDATE_ENTRY_MAX	64

static bool
validate_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
validate_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
validate_is_alnum(int c)
{
	return validate_is_alpha(c) || validate_is_digit(c);
}

/*
 * Decode one UTF-8 sequence strictly (no overlong forms, no surrogates,
 * nothing above U+10FFFF).  Returns its length in bytes, or 0 when the
 * bytes at s are not UTF-8.
 */
static size_t
validate_utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;
	uint32_t	c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;

	/* Only the first continuation byte has a narrower range. */
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

long
validate_utf8_length(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n;
	long			 len = 0;

	if (s == NULL)
		return -1;
	while (*p != '\0') {
		if ((n = validate_utf8_next(p, &cp)) == 0)
			return -1;
		p += n;
		len++;
	}
	return len;
}

static bool
validate_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * The value as it may appear in a message: at most VALIDATE_QUOTE_MAX
 * characters, then "...", with control characters and bytes that are not
 * UTF-8 shown as \xNN.
 */
static char *
validate_quote(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	uint32_t		 cp;
	size_t			 n, i, shown = 0;

	/* Each character takes at most 4 bytes, or 4 \xNN of 4 each. */
	o = out = xmalloc(VALIDATE_QUOTE_MAX * 16 + 4);
	while (*p != '\0' && shown < VALIDATE_QUOTE_MAX) {
		n = validate_utf8_next(p, &cp);
		if (n == 0 || validate_is_control(cp)) {
			if (n == 0)
				n = 1;
			for (i = 0; i < n; i++)
				o += sprintf(o, "\\x%02x", p[i]);
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		shown++;
	}
	if (*p != '\0') {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

/* Fill *cause with the quoted value, a space and the formatted rest. */
static int
validate_fail(char **cause, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
validate_fail(char **cause, const char *value, const char *fmt, ...)
{
	va_list	 ap;
	char	*rest, *q;

	if (cause == NULL)
		return STORE_INVALID;
	va_start(ap, fmt);
	xvasprintf(&rest, fmt, ap);
	va_end(ap);
	q = validate_quote(value);
	util_set_cause(cause, "'%s' %s", q, rest);
	free(q);
	free(rest);
	return STORE_INVALID;
}

/* The character at p as a message shows it: 'x', or \xNN for a control. */
static void
validate_show_char(char *buf, size_t size, unsigned char c)
{
	if (c < 0x20 || c >= 0x7f)
		snprintf(buf, size, "\\x%02x", c);
	else
		snprintf(buf, size, "%c", c);
}

/* Only digits and dots: meant as an IPv4 address. */
static bool
validate_looks_ipv4(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!validate_is_digit(*s) && *s != '.')
			return false;
	}
	return true;
}

bool
validate_is_ip(const char *s)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (s == NULL)
		return false;
	return inet_pton(AF_INET, s, &a4) == 1 ||
	    inet_pton(AF_INET6, s, &a6) == 1;
}

/* One label of a DNS name: 1-63 letters, digits, hyphens, no edge hyphen. */
static int
validate_label(const char *name, const char *label, size_t len,
    char **cause)
{
	char	c[8];
	size_t	i;

	if (len == 0) {
		return validate_fail(cause, name, "has an empty label "
		    "(two dots in a row, or a dot at the start); give a "
		    "name like mail.example.com");
	}
	if (len > VALIDATE_LABEL_MAX) {
		return validate_fail(cause, name, "has a label of %zu "
		    "characters; each part between dots has at most %d",
		    len, VALIDATE_LABEL_MAX);
	}
	for (i = 0; i < len; i++) {
		if (validate_is_alnum(label[i]) || label[i] == '-')
			continue;
		validate_show_char(c, sizeof c, label[i]);
		if (label[i] == ':') {
			return validate_fail(cause, name, "has the "
			    "character ':'; give the name without a port, "
			    "e.g. mail.example.com");
		}
		if (label[i] == '_') {
			return validate_fail(cause, name, "has the "
			    "character '_', which host names cannot have; "
			    "use '-' instead");
		}
		return validate_fail(cause, name, "has the character "
		    "'%s'; a DNS name has only letters, digits, '-' and "
		    "'.'", c);
	}
	if (label[0] == '-' || label[len - 1] == '-') {
		return validate_fail(cause, name, "has a label that "
		    "%s with '-'; each part between dots must start and end "
		    "with a letter or digit",
		    label[0] == '-' ? "starts" : "ends");
	}
	return STORE_OK;
}

int
validate_hostname(const char *s, char **cause)
{
	const char	*p, *dot, *body, *last;
	size_t		 len, n_labels = 0;
	bool		 wildcard = false;
	int		 ret;

	if (s == NULL || *s == '\0') {
		util_set_cause(cause, "empty; give a DNS name, e.g. "
		    "mail.example.com");
		return STORE_INVALID;
	}
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			break;
	}
	if (*p != '\0') {
		if (validate_utf8_length(s) < 0) {
			return validate_fail(cause, s, "is not valid "
			    "UTF-8 text; retype the name in plain ASCII");
		}
		return validate_fail(cause, s, "has non-ASCII "
		    "characters; give an international name in its punycode "
		    "form (xn--...), as 'idn2 NAME' prints it");
	}
	len = strlen(s);
	if (len > VALIDATE_HOSTNAME_MAX) {
		return validate_fail(cause, s, "is %zu characters "
		    "long; a DNS name has at most %d", len,
		    VALIDATE_HOSTNAME_MAX);
	}
	if (len > 1 && s[len - 1] == '.') {
		return validate_fail(cause, s, "ends with a dot; give "
		    "the name without the trailing dot");
	}

	body = s;
	if (strncmp(s, "*.", 2) == 0) {
		wildcard = true;
		body = s + 2;
	}
	if (strchr(body, '*') != NULL || strcmp(s, "*") == 0) {
		return validate_fail(cause, s, "has a '*' that is not "
		    "the whole first label; a wildcard looks like "
		    "*.example.com");
	}

	p = last = body;
	for (;;) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if ((ret = validate_label(s, p, len, cause)) != STORE_OK)
			return ret;
		n_labels++;
		last = p;
		if (dot == NULL)
			break;
		p = dot + 1;
	}

	/* RFC 3696 2: a top-level domain is never all digits. */
	for (p = last; validate_is_digit(*p); p++)
		/* nothing */;
	if (*p == '\0') {
		if (validate_is_ip(s)) {
			return validate_fail(cause, s, "is an IP "
			    "address, not a DNS name; give a name like "
			    "mail.example.com");
		}
		if (validate_looks_ipv4(s)) {
			return validate_fail(cause, s, "is not a valid "
			    "IPv4 address; give four numbers from 0 to 255, "
			    "e.g. 192.0.2.25");
		}
		return validate_fail(cause, s, "ends in an all-digit "
		    "label; a top-level domain has letters, e.g. "
		    "mail.example.com");
	}

	if (wildcard && n_labels < 2) {
		return validate_fail(cause, s, "would cover a whole "
		    "top-level domain; give a wildcard under your domain, "
		    "e.g. *.example.com");
	}
	return STORE_OK;
}

int
validate_alt_name(const char *s, char **cause)
{
	const char	*p;
	bool		 ipv6ish = true;

	if (s == NULL || *s == '\0') {
		util_set_cause(cause, "empty; give a DNS name or an IP "
		    "address, e.g. imap.example.com or 192.0.2.25");
		return STORE_INVALID;
	}
	if (validate_is_ip(s))
		return STORE_OK;

	if (s[0] == '[') {
		return validate_fail(cause, s, "has brackets; give the address "
		    "without them, e.g. 2001:db8::25");
	}
	if (strchr(s, '%') != NULL && strchr(s, ':') != NULL) {
		return validate_fail(cause, s, "has a zone index "
		    "(%%...), which a certificate cannot hold; give the "
		    "address alone, e.g. fe80::1");
	}
	for (p = s; *p != '\0'; p++) {
		if (!validate_is_digit(*p) && *p != ':' && *p != '.' &&
		    !(*p >= 'a' && *p <= 'f') && !(*p >= 'A' && *p <= 'F'))
			ipv6ish = false;
	}
	if (ipv6ish && strchr(s, ':') != NULL) {
		return validate_fail(cause, s, "is not a valid IPv6 "
		    "address; give one like 2001:db8::25");
	}
	if (validate_looks_ipv4(s) && strchr(s, '.') != NULL) {
		return validate_fail(cause, s, "is not a valid IPv4 "
		    "address; give four numbers from 0 to 255, e.g. "
		    "192.0.2.25");
	}
	return validate_hostname(s, cause);
}

int
validate_country(const char *s, char **cause)
{
	char	upper[3];

	if (s == NULL || *s == '\0') {
		util_set_cause(cause, "empty; give the two-letter ISO 3166 "
		    "country code, e.g. US, GB or DE");
		return STORE_INVALID;
	}
	if (strlen(s) != 2 || !validate_is_alpha(s[0]) ||
	    !validate_is_alpha(s[1])) {
		return validate_fail(cause, s, "is not a two-letter "
		    "ISO 3166 country code; give one such as US, GB or DE");
	}
	upper[0] = (s[0] >= 'a' && s[0] <= 'z') ? s[0] - 'a' + 'A' : s[0];
	upper[1] = (s[1] >= 'a' && s[1] <= 'z') ? s[1] - 'a' + 'A' : s[1];
	upper[2] = '\0';

	/* The two codes people use that ISO 3166 reserves for others. */
	if (strcmp(upper, "UK") == 0) {
		return validate_fail(cause, s, "is not an ISO 3166 "
		    "country code (the United Kingdom is GB)");
	}
	if (strcmp(upper, "EL") == 0) {
		return validate_fail(cause, s, "is not an ISO 3166 "
		    "country code (Greece is GR)");
	}
	if (validate_country_name(upper) == NULL) {
		return validate_fail(cause, s, "is not an ISO 3166 "
		    "country code; give an assigned one such as US, GB or "
		    "DE");
	}
	if (strcmp(upper, s) != 0) {
		return validate_fail(cause, s, "must be in capital "
		    "letters: %s", upper);
	}
	return STORE_OK;
}

int
validate_text(const char *s, char **cause)
{
	const unsigned char	*p;
	uint32_t		 cp;
	size_t			 n, len;
	long			 chars;

	/* Nothing given: whether that is allowed is the field's business. */
	if (s == NULL || *s == '\0')
		return STORE_OK;
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		if ((n = validate_utf8_next(p, &cp)) == 0) {
			return validate_fail(cause, s, "is not valid "
			    "UTF-8 text; retype it (check the terminal's "
			    "character set)");
		}
		if (validate_is_control(cp)) {
			return validate_fail(cause, s, "has a control "
			    "character; remove it");
		}
	}
	chars = validate_utf8_length(s);
	if (chars > VALIDATE_TEXT_MAX) {
		return validate_fail(cause, s, "is %ld characters long; "
		    "shorten it to at most %d", chars, VALIDATE_TEXT_MAX);
	}
	len = strlen(s);
	if (s[0] == ' ' || s[len - 1] == ' ') {
		return validate_fail(cause, s, "starts or ends with a "
		    "space; remove it");
	}
	return STORE_OK;
}

int
validate_days(const char *s, char **cause)
{
	const char	*p;
	long		 days = 0;

	if (s == NULL || *s == '\0') {
		util_set_cause(cause, "empty; give a number of days from 1 to "
		    "%d, e.g. 365", VALIDATE_DAYS_MAX);
		return STORE_INVALID;
	}
	/* Digits only: no sign, no spaces, no hex or octal prefixes. */
	for (p = s; *p != '\0'; p++) {
		if (!validate_is_digit(*p)) {
			return validate_fail(cause, s, "is not a whole "
			    "number; give a number of days from 1 to %d, "
			    "e.g. 365", VALIDATE_DAYS_MAX);
		}
		/* Stop counting past the limit so it cannot overflow. */
		if (days <= VALIDATE_DAYS_MAX)
			days = days * 10 + (*p - '0');
	}
	if (days < 1 || days > VALIDATE_DAYS_MAX) {
		return validate_fail(cause, s, "is out of range; give a "
		    "number of days from 1 to %d (ten years)",
		    VALIDATE_DAYS_MAX);
	}
	return STORE_OK;
}

static bool
validate_has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

int
validate_entry_name(const char *s, char **cause)
{
	static const char *const	 sfx[] = { ".crt", ".key", ".csr" };
	const char			*p;
	char				 c[8];
	size_t				 i, len;

	if (s == NULL || *s == '\0') {
		util_set_cause(cause, "empty; give a name of letters, digits, "
		    "'.', '-' or '_', e.g. mail-2027");
		return STORE_INVALID;
	}
	len = strlen(s);
	if (len > VALIDATE_ENTRY_MAX) {
		return validate_fail(cause, s, "is %zu characters long; "
		    "give a name of at most %d", len, VALIDATE_ENTRY_MAX);
	}
	for (p = s; *p != '\0'; p++) {
		if (validate_is_alnum(*p) || *p == '.' || *p == '-' ||
		    *p == '_')
			continue;
		if (*p == '/') {
			return validate_fail(cause, s, "has a '/'; give "
			    "a plain name, not a path, e.g. mail-2027");
		}
		validate_show_char(c, sizeof c, *p);
		return validate_fail(cause, s, "has the character '%s'; "
		    "use only letters, digits, '.', '-' and '_'", c);
	}
	if (!validate_is_alnum(s[0])) {
		return validate_fail(cause, s, "must start with a letter "
		    "or digit, e.g. mail-2027");
	}
	if (strstr(s, "..") != NULL) {
		return validate_fail(cause, s, "has two dots in a row; "
		    "use single dots");
	}
	if (s[len - 1] == '.') {
		return validate_fail(cause, s, "ends with a dot; remove "
		    "it");
	}
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		if (validate_has_suffix(s, sfx[i])) {
			return validate_fail(cause, s, "ends in %s; give "
			    "the name without it (certdesk adds .crt, .key "
			    "and .csr)", sfx[i]);
		}
	}
	return STORE_OK;
}

int
validate_key_type(const char *s, char **cause)
{
	struct util_buf	 list = { 0 };
	char		*types;
	size_t		 i;

	for (i = 0; s != NULL && store_key_types[i] != NULL; i++) {
		if (strcmp(s, store_key_types[i]) == 0)
			return STORE_OK;
	}
	for (i = 0; store_key_types[i] != NULL; i++) {
		util_buf_printf(&list, "%s%s", i == 0 ? "" : ", ",
		    store_key_types[i]);
	}
	types = util_buf_take_string(&list);
	if (s == NULL || *s == '\0')
		util_set_cause(cause, "empty; choose one of %s", types);
	else {
		validate_fail(cause, s, "is not a key type; choose one "
		    "of %s", types);
	}
	free(types);
	return STORE_INVALID;
}

static const struct {
	const char	*name;
	validate_fn	 fn;
} validate_table[] = {
	{ "hostname", validate_hostname },
	{ "alt_name", validate_alt_name },
	{ "country", validate_country },
	{ "text", validate_text },
	{ "days", validate_days },
	{ "entry_name", validate_entry_name },
	{ "key_type", validate_key_type },
};

const char *
validate_name(size_t i)
{
	if (i >= sizeof validate_table / sizeof validate_table[0])
		return NULL;
	return validate_table[i].name;
}

validate_fn
validate_lookup(const char *name)
{
	size_t	i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof validate_table / sizeof validate_table[0]; i++) {
		if (strcmp(name, validate_table[i].name) == 0)
			return validate_table[i].fn;
	}
	return NULL;
}
