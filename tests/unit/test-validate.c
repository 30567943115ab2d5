/*
 * Unit tests of the validators and of forms as data: every validator with
 * good and bad values (the edges: 63/64-character labels, 253/254-character
 * names, 3650/3651 days, 64/65 characters of UTF-8 text), the real
 * forms/generate.form, and malformed form files written to a temporary
 * folder.  Messages are checked for what they say, not only for failing.
 */
#include "config.h"

#include <sys/stat.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "certdesk/forms.h"
#include "certdesk/store.h"
#include "certdesk/util.h"
#include "certdesk/validate.h"

/*
 * The value must pass, leaving *cause alone.
 */
static void
check_ok_at(validate_fn fn, const char *fn_name, const char *value,
    const char *file, int line)
{
	char	*cause = NULL;
	int	 ret;

	ret = fn(value, &cause);
	if (ret != STORE_OK || cause != NULL) {
		print_error("%s:%d: %s(\"%s\") refused: %s\n", file, line,
		    fn_name, value != NULL ? value : "(null)",
		    cause != NULL ? cause : "(no message)");
		free(cause);
		fail();
	}
}

/*
 * The value must be refused as STORE_INVALID with one line that holds
 * needle and no raw control character.
 */
static void
check_bad_at(validate_fn fn, const char *fn_name, const char *value,
    const char *needle, const char *file, int line)
{
	const unsigned char	*p;
	char			*cause = NULL;
	int			 ret;

	ret = fn(value, &cause);
	if (ret != STORE_INVALID || cause == NULL) {
		print_error("%s:%d: %s(\"%s\") returned %d, expected "
		    "STORE_INVALID with a message\n", file, line, fn_name,
		    value != NULL ? value : "(null)", ret);
		free(cause);
		fail();
	}
	if (strstr(cause, needle) == NULL) {
		print_error("%s:%d: %s(\"%s\"): message \"%s\" lacks \"%s\"\n",
		    file, line, fn_name, value != NULL ? value : "(null)",
		    cause, needle);
		free(cause);
		fail();
	}
	for (p = (const unsigned char *)cause; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			print_error("%s:%d: %s: message \"%s\" has a control "
			    "character\n", file, line, fn_name, cause);
			free(cause);
			fail();
		}
	}
	/* Without a cause pointer the validator must still refuse. */
	assert_int_equal(fn(value, NULL), STORE_INVALID);
	free(cause);
}

#define OK(fn, v)		check_ok_at(fn, #fn, v, __FILE__, __LINE__)
#define BAD(fn, v, needle)	check_bad_at(fn, #fn, v, needle, __FILE__, \
				    __LINE__)

/* A string of n copies of unit (which may be several bytes). */
static char *
repeat(const char *unit, size_t n)
{
	size_t	 ulen = strlen(unit), i;
	char	*s;

	s = malloc(ulen * n + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[ulen * n] = '\0';
	return s;
}

/* A DNS name of exactly len characters made of 63-character labels. */
static char *
name_of_length(size_t len)
{
	char	*s;
	size_t	 i;

	s = malloc(len + 1);
	assert_non_null(s);
	for (i = 0; i < len; i++)
		s[i] = (i % 64 == 63) ? '.' : 'a' + (i % 26);
	s[len] = '\0';
	/* No label may end with the dot position's neighbour '-'. */
	assert_true(s[len - 1] != '.');
	return s;
}

static void
test_hostname_good(void **state)
{
	char	*s;

	OK(validate_hostname, "localhost");
	OK(validate_hostname, "mail");
	OK(validate_hostname, "mail.example.com");
	OK(validate_hostname, "MAIL.Example.COM");
	OK(validate_hostname, "a.b");
	OK(validate_hostname, "1mail.example.com");
	OK(validate_hostname, "mx-1.example.com");
	OK(validate_hostname, "xn--plze-9ra.example.cz");
	OK(validate_hostname, "*.example.com");
	OK(validate_hostname, "*.mail.example.com");

	s = repeat("a", 63);
	OK(validate_hostname, s);
	free(s);
	s = name_of_length(253);
	OK(validate_hostname, s);
	free(s);
}

static void
test_hostname_bad(void **state)
{
	char	*s, *t;

	BAD(validate_hostname, NULL, "give a DNS name");
	BAD(validate_hostname, "", "give a DNS name");

	s = repeat("a", 64);
	BAD(validate_hostname, s, "at most 63");
	xasprintf(&t, "%s.example.com", s);
	BAD(validate_hostname, t, "at most 63");
	free(t);
	free(s);
	s = name_of_length(254);
	BAD(validate_hostname, s, "254 characters");
	BAD(validate_hostname, s, "at most 253");
	/* The message quotes a long name shortened, on one line. */
	BAD(validate_hostname, s, "...'");
	free(s);

	BAD(validate_hostname, "-a.com", "starts with '-'");
	BAD(validate_hostname, "a-.com", "ends with '-'");
	BAD(validate_hostname, "mail.-x.com", "starts with '-'");
	BAD(validate_hostname, "*.*.x.com", "*.example.com");
	BAD(validate_hostname, "a.*.com", "not the whole first label");
	BAD(validate_hostname, "f*.example.com", "not the whole first label");
	BAD(validate_hostname, "*", "not the whole first label");
	BAD(validate_hostname, "*example.com", "not the whole first label");
	BAD(validate_hostname, "*.com", "whole top-level domain");
	BAD(validate_hostname, "mail.example.com.", "trailing dot");
	BAD(validate_hostname, "a..b", "empty label");
	BAD(validate_hostname, ".a.com", "empty label");
	BAD(validate_hostname, ".", "empty label");
	BAD(validate_hostname, "a b.com", "character ' '");
	BAD(validate_hostname, "a_b.example.com", "'_'");
	BAD(validate_hostname, "mail.example.com:25", "without a port");
	BAD(validate_hostname, "mail/example", "character '/'");
	BAD(validate_hostname, "Plzeň.cz", "punycode");
	BAD(validate_hostname, "Plzeň.cz", "'Plzeň.cz'");
	BAD(validate_hostname, "\xff.com", "not valid UTF-8");
	BAD(validate_hostname, "1.2.3.4", "is an IP address, not a DNS name");
	BAD(validate_hostname, "::1", "character ':'");
	BAD(validate_hostname, "300.1.1.1", "not a valid IPv4 address");
	BAD(validate_hostname, "mail.123", "all-digit");
	/* A control character is shown, never sent to the terminal. */
	BAD(validate_hostname, "a\x1b[2J.com", "'a\\x1b[2J.com'");
	BAD(validate_hostname, "a\x1b.com", "character '\\x1b'");
}

static void
test_alt_name(void **state)
{
	OK(validate_alt_name, "1.2.3.4");
	OK(validate_alt_name, "192.0.2.25");
	OK(validate_alt_name, "::1");
	OK(validate_alt_name, "2001:db8::25");
	OK(validate_alt_name, "::ffff:192.0.2.1");
	OK(validate_alt_name, "mail.example.com");
	OK(validate_alt_name, "*.example.com");
	OK(validate_alt_name, "localhost");

	BAD(validate_alt_name, "", "a DNS name or an IP address");
	BAD(validate_alt_name, NULL, "a DNS name or an IP address");
	BAD(validate_alt_name, "300.1.1.1", "not a valid IPv4 address");
	BAD(validate_alt_name, "300.1.1.1", "0 to 255");
	BAD(validate_alt_name, "1.2.3", "not a valid IPv4 address");
	BAD(validate_alt_name, "1.2.3.4.5", "not a valid IPv4 address");
	BAD(validate_alt_name, "[::1]", "without them");
	BAD(validate_alt_name, "fe80::1%eth0", "zone index");
	BAD(validate_alt_name, "2001:db8:::1", "not a valid IPv6 address");
	BAD(validate_alt_name, "10.0.0.0/8", "character '/'");
	BAD(validate_alt_name, "-a.com", "starts with '-'");
	BAD(validate_alt_name, "a.*.com", "not the whole first label");
}

static void
test_is_ip(void **state)
{
	assert_true(validate_is_ip("1.2.3.4"));
	assert_true(validate_is_ip("0.0.0.0"));
	assert_true(validate_is_ip("255.255.255.255"));
	assert_true(validate_is_ip("::1"));
	assert_true(validate_is_ip("2001:db8::25"));
	assert_false(validate_is_ip("300.1.1.1"));
	assert_false(validate_is_ip("1.2.3.4 "));
	assert_false(validate_is_ip(" 1.2.3.4"));
	assert_false(validate_is_ip("example.com"));
	assert_false(validate_is_ip(""));
	assert_false(validate_is_ip(NULL));
}

static void
test_country(void **state)
{
	char	code[3];
	int	a, b, n = 0;

	OK(validate_country, "GB");
	OK(validate_country, "US");
	OK(validate_country, "DE");
	OK(validate_country, "CZ");
	OK(validate_country, "GR");
	OK(validate_country, "AX");
	OK(validate_country, "SS");	/* South Sudan, assigned in 2011 */

	BAD(validate_country, "gb", "capital letters: GB");
	BAD(validate_country, "UK", "'UK' is not an ISO 3166 country code "
	    "(the United Kingdom is GB)");
	BAD(validate_country, "uk", "the United Kingdom is GB");
	BAD(validate_country, "EL", "Greece is GR");
	BAD(validate_country, "XX", "'XX' is not an ISO 3166 country code");
	BAD(validate_country, "XK", "not an ISO 3166 country code");
	BAD(validate_country, "EU", "not an ISO 3166 country code");
	BAD(validate_country, "GBR", "not a two-letter");
	BAD(validate_country, "G", "not a two-letter");
	BAD(validate_country, "G1", "not a two-letter");
	BAD(validate_country, " GB", "not a two-letter");
	BAD(validate_country, "", "two-letter ISO 3166");
	BAD(validate_country, NULL, "two-letter ISO 3166");

	/* Exactly the 249 officially assigned codes, and only upper case. */
	code[2] = '\0';
	for (a = 'A'; a <= 'Z'; a++) {
		for (b = 'A'; b <= 'Z'; b++) {
			code[0] = a;
			code[1] = b;
			if (validate_country(code, NULL) == STORE_OK) {
				assert_non_null(validate_country_name(code));
				n++;
			} else
				assert_null(validate_country_name(code));
		}
	}
	assert_int_equal(n, 249);
	assert_string_equal(validate_country_name("GB"), "United Kingdom");
	assert_string_equal(validate_country_name("GR"), "Greece");
	assert_null(validate_country_name("gb"));
	assert_null(validate_country_name(NULL));
}

static void
test_text(void **state)
{
	char	*s;

	OK(validate_text, "Example Ltd");
	OK(validate_text, "Plzeň");
	OK(validate_text, "Žluťoučký kůň");
	OK(validate_text, "Zürich, Genève & Köln");
	OK(validate_text, "東京都");
	OK(validate_text, "\xf0\x9f\x94\x92 Secure");	/* 4-byte UTF-8 */
	OK(validate_text, "");
	OK(validate_text, NULL);

	/* 64 characters (128 bytes) pass: characters count, not bytes. */
	s = repeat("ž", 64);
	OK(validate_text, s);
	free(s);
	s = repeat("ž", 65);
	BAD(validate_text, s, "65 characters");
	free(s);
	s = repeat("a", 65);
	BAD(validate_text, s, "at most 64");
	free(s);

	BAD(validate_text, "Acme\xff", "not valid UTF-8");
	BAD(validate_text, "Acme\xff", "'Acme\\xff'");
	BAD(validate_text, "Plze\xc5", "not valid UTF-8");	/* cut short */
	BAD(validate_text, "\xc0\xaf", "not valid UTF-8");	/* overlong */
	BAD(validate_text, "\xed\xa0\x80", "not valid UTF-8");	/* surrogate */
	BAD(validate_text, "\xf4\x90\x80\x80", "not valid UTF-8");
	BAD(validate_text, "Plze\xf1", "not valid UTF-8");	/* Latin-1 */
	BAD(validate_text, "Acme\x1b[31m", "control character");
	BAD(validate_text, "Acme\x1b[31m", "'Acme\\x1b[31m'");
	BAD(validate_text, "a\tb", "control character");
	BAD(validate_text, "a\nb", "control character");
	BAD(validate_text, "a\x7f", "control character");
	BAD(validate_text, "a\xc2\x85", "control character");	/* NEL */
	BAD(validate_text, "a\xc2\x9b", "control character");	/* CSI */
	BAD(validate_text, " Acme", "space");
	BAD(validate_text, "Acme ", "space");
}

static void
test_utf8_length(void **state)
{
	assert_int_equal(validate_utf8_length(""), 0);
	assert_int_equal(validate_utf8_length("abc"), 3);
	assert_int_equal(validate_utf8_length("Plzeň"), 5);
	assert_int_equal(validate_utf8_length("Žluťoučký kůň"), 13);
	assert_int_equal(validate_utf8_length("\xf0\x9f\x94\x92"), 1);
	assert_int_equal(validate_utf8_length("\xef\xbf\xbf"), 1);
	assert_int_equal(validate_utf8_length("\xf4\x8f\xbf\xbf"), 1);
	assert_int_equal(validate_utf8_length("\xff"), -1);
	assert_int_equal(validate_utf8_length("\x80"), -1);
	assert_int_equal(validate_utf8_length("\xc3"), -1);
	assert_int_equal(validate_utf8_length("\xe0\x80\xaf"), -1);
	assert_int_equal(validate_utf8_length("\xf0\x80\x80\xaf"), -1);
	assert_int_equal(validate_utf8_length("\xed\xbf\xbf"), -1);
	assert_int_equal(validate_utf8_length("\xf4\x90\x80\x80"), -1);
	assert_int_equal(validate_utf8_length("\xf5\x80\x80\x80"), -1);
	assert_int_equal(validate_utf8_length(NULL), -1);
}

static void
test_days(void **state)
{
	OK(validate_days, "1");
	OK(validate_days, "365");
	OK(validate_days, "3650");

	BAD(validate_days, "0", "'0' is out of range");
	BAD(validate_days, "3651", "from 1 to 3650");
	BAD(validate_days, "99999999999999999999999", "out of range");
	BAD(validate_days, "12x", "not a whole number");
	BAD(validate_days, "-5", "not a whole number");
	BAD(validate_days, "+5", "not a whole number");
	BAD(validate_days, " 5", "not a whole number");
	BAD(validate_days, "5 ", "not a whole number");
	BAD(validate_days, "0x10", "not a whole number");
	BAD(validate_days, "1e3", "not a whole number");
	BAD(validate_days, "3.5", "not a whole number");
	BAD(validate_days, "", "from 1 to 3650");
	BAD(validate_days, NULL, "from 1 to 3650");
}

static void
test_entry_name(void **state)
{
	char	*s;

	OK(validate_entry_name, "mail");
	OK(validate_entry_name, "mail.example.com");
	OK(validate_entry_name, "mail-2027");
	OK(validate_entry_name, "Mail_2027");
	OK(validate_entry_name, "0");
	OK(validate_entry_name, "mail.crt.old");
	s = repeat("a", 64);
	OK(validate_entry_name, s);
	free(s);

	s = repeat("a", 65);
	BAD(validate_entry_name, s, "at most 64");
	free(s);
	BAD(validate_entry_name, "", "give a name");
	BAD(validate_entry_name, NULL, "give a name");
	BAD(validate_entry_name, ".hidden", "start with a letter or digit");
	BAD(validate_entry_name, "-x", "start with a letter or digit");
	BAD(validate_entry_name, "_x", "start with a letter or digit");
	BAD(validate_entry_name, "a/b", "not a path");
	BAD(validate_entry_name, "../x", "not a path");
	BAD(validate_entry_name, "/etc/passwd", "not a path");
	BAD(validate_entry_name, "a..b", "two dots");
	BAD(validate_entry_name, "a.", "ends with a dot");
	BAD(validate_entry_name, "mail.crt", "ends in .crt");
	BAD(validate_entry_name, "mail.KEY", "without it");
	BAD(validate_entry_name, "mail.csr", "ends in .csr");
	BAD(validate_entry_name, "a b", "character ' '");
	BAD(validate_entry_name, "café", "character '\\xc3'");
	BAD(validate_entry_name, "a\x01", "character '\\x01'");
	BAD(validate_entry_name, "a*", "character '*'");
	BAD(validate_entry_name, "a%s", "character '%'");
}

static void
test_key_type(void **state)
{
	size_t	i;

	for (i = 0; store_key_types[i] != NULL; i++)
		OK(validate_key_type, store_key_types[i]);
	assert_int_equal(i, 6);
	OK(validate_key_type, "rsa3072");
	OK(validate_key_type, "ed25519");

	BAD(validate_key_type, "rsa1024", "'rsa1024' is not a key type");
	BAD(validate_key_type, "rsa1024", "rsa2048, rsa3072");
	BAD(validate_key_type, "RSA2048", "not a key type");
	BAD(validate_key_type, "", "choose one of");
	BAD(validate_key_type, NULL, "choose one of");
}

static void
test_lookup(void **state)
{
	const char	*name;
	size_t		 i;

	assert_ptr_equal(validate_lookup("hostname"), validate_hostname);
	assert_ptr_equal(validate_lookup("alt_name"), validate_alt_name);
	assert_ptr_equal(validate_lookup("country"), validate_country);
	assert_ptr_equal(validate_lookup("text"), validate_text);
	assert_ptr_equal(validate_lookup("days"), validate_days);
	assert_ptr_equal(validate_lookup("entry_name"), validate_entry_name);
	assert_ptr_equal(validate_lookup("key_type"), validate_key_type);
	assert_null(validate_lookup("zip"));
	assert_null(validate_lookup("Hostname"));
	assert_null(validate_lookup(""));
	assert_null(validate_lookup(NULL));

	for (i = 0; (name = validate_name(i)) != NULL; i++)
		assert_non_null(validate_lookup(name));
	assert_int_equal(i, 7);
}

/* Forms. */

static const char *
real_forms_dir(void)
{
	const char	*env = getenv("CERTDESK_FORMS");

	return env != NULL && *env != '\0' ? env : SOURCE_FORMS_DIR;
}

static struct form *
load_generate(void)
{
	struct form	*form = NULL;
	char		*cause = NULL;

	if (form_load(real_forms_dir(), "generate", &form, &cause) !=
	    STORE_OK) {
		print_error("form_load generate: %s\n", cause);
		free(cause);
		fail();
	}
	assert_null(cause);
	assert_non_null(form);
	return form;
}

/* form_check_value must give exactly this message (NULL: pass). */
static void
check_field_at(const struct form *form, const char *id, const char *value,
    const char *expect, bool prefix, const char *file, int line)
{
	const struct form_field	*field;
	char			*cause = NULL;
	int			 ret;

	field = form_find_field(form, id);
	if (field == NULL) {
		print_error("%s:%d: no field %s\n", file, line, id);
		fail();
	}
	ret = form_check_value(field, value, &cause);
	if (expect == NULL) {
		if (ret != STORE_OK) {
			print_error("%s:%d: %s \"%s\" refused: %s\n", file,
			    line, id, value, cause);
			free(cause);
			fail();
		}
		assert_null(cause);
		return;
	}
	if (ret != STORE_INVALID || cause == NULL ||
	    (prefix ? strncmp(cause, expect, strlen(expect)) :
	    strcmp(cause, expect)) != 0) {
		print_error("%s:%d: %s \"%s\": got %d \"%s\", expected \"%s\"%s"
		    "\n", file, line, id, value != NULL ? value : "(null)",
		    ret, cause != NULL ? cause : "(null)", expect,
		    prefix ? "..." : "");
		free(cause);
		fail();
	}
	free(cause);
}

#define FIELD_OK(f, id, v) \
	check_field_at(f, id, v, NULL, false, __FILE__, __LINE__)
#define FIELD_IS(f, id, v, msg) \
	check_field_at(f, id, v, msg, false, __FILE__, __LINE__)
#define FIELD_STARTS(f, id, v, msg) \
	check_field_at(f, id, v, msg, true, __FILE__, __LINE__)

static void
test_forms_dir(void **state)
{
	const char	*saved = getenv("CERTDESK_FORMS");
	char		*copy = saved != NULL ? strdup(saved) : NULL;
	const char	*dir;

	assert_int_equal(setenv("CERTDESK_FORMS", "/some/where", 1), 0);
	assert_string_equal(forms_dir(), "/some/where");

	/* Empty counts as unset. */
	assert_int_equal(setenv("CERTDESK_FORMS", "", 1), 0);
	dir = forms_dir();
	assert_true(strcmp(dir, PKGDATADIR "/forms") == 0 ||
	    strcmp(dir, SOURCE_FORMS_DIR) == 0);
	assert_int_equal(unsetenv("CERTDESK_FORMS"), 0);
	assert_string_equal(forms_dir(), dir);
	if (access(PKGDATADIR "/forms", F_OK) != 0)
		assert_string_equal(dir, SOURCE_FORMS_DIR);

	if (copy != NULL) {
		assert_int_equal(setenv("CERTDESK_FORMS", copy, 1), 0);
		free(copy);
	}
}

static void
test_generate_form(void **state)
{
	static const char *const ids[] = { "hostname", "country", "org",
	    "unit", "city", "state", "alt", "key_type", "days", "name" };
	static const char *const options[] = { "--hostname", "--country",
	    "--org", "--unit", "--city", "--state", "--alt", "--key-type",
	    "--days", "--name" };
	const struct form_field	*f;
	struct form		*form;
	size_t			 i;

	form = load_generate();
	assert_string_equal(form->id, "generate");
	assert_string_equal(form->title, "Generate Certificate");
	assert_int_equal(form->n_fields, 10);
	for (i = 0; i < form->n_fields; i++) {
		f = &form->fields[i];
		assert_string_equal(f->id, ids[i]);
		assert_string_equal(f->option, options[i]);
		assert_ptr_equal(form_find_field(form, ids[i]), f);
		/* One short line an administrator can act on. */
		assert_non_null(f->label);
		assert_non_null(f->help);
		assert_null(strchr(f->help, '\n'));
		assert_in_range(validate_utf8_length(f->help), 10, 78);
		assert_true(f->required == (i < 2));
		if (f->validator != NULL)
			assert_non_null(validate_lookup(f->validator));
	}
	assert_null(form_find_field(form, "nope"));
	assert_null(form_find_field(form, NULL));

	f = form_find_field(form, "hostname");
	assert_string_equal(f->label, "Hostname");
	assert_int_equal(f->type, FORM_FIELD_TEXT);
	f = form_find_field(form, "country");
	assert_string_equal(f->label, "Country");
	assert_string_equal(form_find_field(form, "org")->label,
	    "Organization Name");
	assert_string_equal(form_find_field(form, "unit")->label,
	    "Organization Unit");
	assert_string_equal(form_find_field(form, "city")->label, "City");
	assert_string_equal(form_find_field(form, "state")->label,
	    "State or Province");

	f = form_find_field(form, "alt");
	assert_int_equal(f->type, FORM_FIELD_LIST);
	assert_string_equal(f->validator, "alt_name");

	f = form_find_field(form, "key_type");
	assert_int_equal(f->type, FORM_FIELD_CHOICE);
	assert_string_equal(f->default_value, "rsa3072");
	assert_int_equal(f->n_choices, 6);
	/* The choices are exactly the key types the store makes. */
	for (i = 0; i < f->n_choices; i++)
		OK(validate_key_type, f->choices[i]);
	for (i = 0; store_key_types[i] != NULL; i++)
		FIELD_OK(form, "key_type", store_key_types[i]);

	f = form_find_field(form, "days");
	assert_int_equal(f->type, FORM_FIELD_NUMBER);
	assert_string_equal(f->default_value, "365");
	assert_string_equal(f->only, "certificate");
	assert_string_equal(f->validator, "days");

	f = form_find_field(form, "name");
	assert_string_equal(f->validator, "entry_name");
	assert_false(f->required);
	assert_null(f->only);

	form_free(form);
	form_free(NULL);
}

static void
test_generate_values(void **state)
{
	struct form	*form;
	char		*s;

	form = load_generate();

	FIELD_IS(form, "hostname", "", "Hostname: required; give the "
	    "server's DNS name, e.g. mail.example.com");
	FIELD_IS(form, "hostname", NULL, "Hostname: required; give the "
	    "server's DNS name, e.g. mail.example.com");
	FIELD_OK(form, "hostname", "mail.example.com");
	FIELD_OK(form, "hostname", "*.example.com");
	FIELD_OK(form, "hostname", "192.0.2.25");
	FIELD_STARTS(form, "hostname", "-a.com", "Hostname: '-a.com' has a "
	    "label that starts with '-'");
	FIELD_STARTS(form, "hostname", "a.*.com", "Hostname: 'a.*.com' ");

	FIELD_STARTS(form, "country", "", "Country: required; give the "
	    "two-letter ISO 3166 country code");
	FIELD_OK(form, "country", "GB");
	FIELD_STARTS(form, "country", "XX", "Country: 'XX' is not an ISO "
	    "3166 country code");
	FIELD_IS(form, "country", "UK", "Country: 'UK' is not an ISO 3166 "
	    "country code (the United Kingdom is GB)");

	FIELD_OK(form, "org", "");
	FIELD_OK(form, "org", NULL);
	FIELD_OK(form, "org", "Žluťoučký kůň");
	FIELD_OK(form, "city", "Plzeň");
	FIELD_STARTS(form, "org", "Acme\x1b[2J", "Organization Name: "
	    "'Acme\\x1b[2J' has a control character");
	s = repeat("ň", 64);
	FIELD_OK(form, "state", s);
	free(s);
	s = repeat("ň", 65);
	FIELD_STARTS(form, "state", s, "State or Province: 65 characters");
	free(s);

	FIELD_OK(form, "alt", "");
	FIELD_OK(form, "alt", " , ");
	FIELD_OK(form, "alt", "imap.example.com");
	FIELD_OK(form, "alt", "imap.example.com, 192.0.2.25  ::1\t*.x.org");
	FIELD_STARTS(form, "alt", "imap.example.com,-b.com", "Additional "
	    "Names: '-b.com' has a label that starts");
	FIELD_STARTS(form, "alt", "a.com 300.1.1.1", "Additional Names: "
	    "'300.1.1.1' is not a valid IPv4 address");

	FIELD_OK(form, "key_type", "");
	FIELD_STARTS(form, "key_type", "rsa1024", "Key Type: 'rsa1024' is "
	    "not a choice; choose one of rsa2048, rsa3072, ecdsa-p256");

	FIELD_OK(form, "days", "365");
	FIELD_OK(form, "days", "");
	FIELD_STARTS(form, "days", "0", "Validity (days): '0' is out of "
	    "range");
	FIELD_STARTS(form, "days", "-5", "Validity (days): '-5' is not a "
	    "whole number");

	FIELD_OK(form, "name", "");
	FIELD_OK(form, "name", "mail-2027");
	FIELD_STARTS(form, "name", "../x", "Entry Name: '../x' has a '/'");
	FIELD_STARTS(form, "name", "x.key", "Entry Name: 'x.key' ends in "
	    ".key");

	form_free(form);
}

/* Malformed definitions, written to a fresh folder. */

struct tmpdir {
	char	path[256];
};

static int
setup_tmpdir(void **state)
{
	struct tmpdir	*t;
	const char	*base = getenv("TMPDIR");

	t = calloc(1, sizeof *t);
	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof t->path, "%s/test-validate.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(t->path) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
remove_cb(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(path);
}

static int
teardown_tmpdir(void **state)
{
	struct tmpdir	*t = *state;

	nftw(t->path, remove_cb, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static void
write_form(const struct tmpdir *t, const char *id, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s.form", t->path, id);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

#define GOOD_FORM \
	"# a comment\n" \
	"[form]\n" \
	"title = Test\n" \
	"[field a]\n" \
	"label = A\n" \
	"help = Give an a\n" \
	"required = yes\n"

/*
 * Loading id must fail, with a message that holds "DIR/ID.form" followed
 * by where (":LINE: " or ": "), then what.
 */
static void
check_load_fails_at(const struct tmpdir *t, const char *id, const char *where,
    const char *what, const char *file, int line)
{
	struct form	*form = (struct form *)&form;
	char		*cause = NULL, *expect;

	if (form_load(t->path, id, &form, &cause) == STORE_OK) {
		print_error("%s:%d: form %s loaded\n", file, line, id);
		form_free(form);
		fail();
	}
	assert_null(form);
	assert_non_null(cause);
	xasprintf(&expect, "%s/%s.form%s", t->path, id, where);
	if (strncmp(cause, expect, strlen(expect)) != 0 ||
	    strstr(cause, what) == NULL) {
		print_error("%s:%d: \"%s\" does not start with \"%s\" or lacks "
		    "\"%s\"\n", file, line, cause, expect, what);
		free(expect);
		free(cause);
		fail();
	}
	assert_null(strchr(cause, '\n'));
	free(expect);
	free(cause);
}

#define LOAD_FAILS(t, id, where, what) \
	check_load_fails_at(t, id, where, what, __FILE__, __LINE__)

static void
test_form_load_good(void **state)
{
	struct tmpdir		*t = *state;
	struct form		*form = NULL;
	const struct form_field	*f;
	char			*cause = NULL;

	write_form(t, "good", GOOD_FORM
	    "; another comment\n"
	    "\n"
	    "[field b]\n"
	    "label = B list\n"
	    "type = list\n"
	    "validator = alt_name\n"
	    "option = --bee\n"
	    "max_length = 12\n"
	    "[field c]\n"
	    "label = C\n"
	    "type = choice\n"
	    "choices = x   y z\n"
	    "default = y\n"
	    "only = request\n"
	    "[field n]\n"
	    "label = N\n"
	    "type = number\n"
	    "[field d]\n"
	    "label = D\n"
	    "help = DNS name of it\n"
	    "required = yes\n");
	assert_int_equal(form_load(t->path, "good", &form, &cause), STORE_OK);
	assert_null(cause);
	assert_string_equal(form->title, "Test");
	assert_null(form->help);
	assert_int_equal(form->n_fields, 5);
	assert_string_equal(form->fields[0].id, "a");
	assert_string_equal(form->fields[3].id, "n");

	f = form_find_field(form, "b");
	assert_int_equal(f->type, FORM_FIELD_LIST);
	assert_int_equal(f->max_length, 12);
	assert_false(f->required);
	FIELD_OK(form, "b", "a.com b.com");
	/* max_length applies to each element of a list. */
	FIELD_OK(form, "b", "abcdefgh.com abcdefgh.com");
	FIELD_STARTS(form, "b", "abcdefghi.com", "B list: 13 characters is "
	    "too long; give at most 12");

	f = form_find_field(form, "c");
	assert_int_equal(f->n_choices, 3);
	assert_string_equal(f->choices[2], "z");
	assert_string_equal(f->only, "request");
	FIELD_OK(form, "c", "z");
	FIELD_IS(form, "c", "w", "C: 'w' is not a choice; choose one of x, y, "
	    "z");
	FIELD_IS(form, "c", "x y", "C: 'x y' is not a choice; choose one of "
	    "x, y, z");

	/* A number field without a validator takes digits only. */
	FIELD_OK(form, "n", "42");
	FIELD_IS(form, "n", "4 2", "N: '4 2' is not a whole number; give "
	    "digits only");

	/* The required message falls back on the help line. */
	FIELD_IS(form, "a", "", "A: required; give an a");
	/* ...keeping an acronym's capitals. */
	FIELD_IS(form, "d", NULL, "D: required; DNS name of it");
	FIELD_OK(form, "a", "\xc3\xa9");
	FIELD_IS(form, "a", "\xff", "A: not valid UTF-8 text; retype it");
	form_free(form);
}

static void
test_form_load_missing(void **state)
{
	struct tmpdir	*t = *state;
	struct form	*form = (struct form *)&form;
	char		*cause = NULL, path[512];

	LOAD_FAILS(t, "absent", ": cannot read", "(No such file or directory)"
	    "; set CERTDESK_FORMS");
	snprintf(path, sizeof path, "%s/dir.form", t->path);
	assert_int_equal(mkdir(path, 0700), 0);
	LOAD_FAILS(t, "dir", ": cannot read", "(not a regular file)");

	/* A form name is never a path. */
	assert_int_not_equal(form_load(t->path, "../x", &form, &cause),
	    STORE_OK);
	assert_null(form);
	assert_non_null(strstr(cause, "not a form name"));
	free(cause);
}

static void
test_form_load_bad(void **state)
{
	struct tmpdir	*t = *state;
	char		*s, *text;

	write_form(t, "key", GOOD_FORM "colour = red\n");
	LOAD_FAILS(t, "key", ":8: ", "unknown key 'colour' in [field a]");
	write_form(t, "formkey", "[form]\ntitle = T\nsize = 3\n");
	LOAD_FAILS(t, "formkey", ":3: ", "unknown key 'size' in [form]");
	write_form(t, "validator", GOOD_FORM "validator = zip\n");
	LOAD_FAILS(t, "validator", ":8: ", "unknown validator 'zip'; use one "
	    "of hostname, alt_name");
	write_form(t, "section", GOOD_FORM "[fields b]\nlabel = B\n");
	LOAD_FAILS(t, "section", ":8: ", "unknown section [fields b]");
	write_form(t, "fieldid", GOOD_FORM "[field B!]\nlabel = B\n");
	LOAD_FAILS(t, "fieldid", ":8: ", "a field ID has only");
	write_form(t, "type", GOOD_FORM "type = date\n");
	LOAD_FAILS(t, "type", ":8: ", "type 'date' is unknown");
	write_form(t, "required", GOOD_FORM "[field b]\nlabel = B\n"
	    "required = maybe\n");
	LOAD_FAILS(t, "required", ":10: ", "required is 'maybe'; use yes or "
	    "no");
	write_form(t, "maxlen", GOOD_FORM "max_length = 0\n");
	LOAD_FAILS(t, "maxlen", ":8: ", "max_length '0'");
	write_form(t, "maxlen2", GOOD_FORM "max_length = 12abc\n");
	LOAD_FAILS(t, "maxlen2", ":8: ", "max_length '12abc'");
	write_form(t, "only", GOOD_FORM "only = both\n");
	LOAD_FAILS(t, "only", ":8: ", "only is 'both'");
	write_form(t, "option", GOOD_FORM "option = -a\n");
	LOAD_FAILS(t, "option", ":8: ", "not a long option");
	write_form(t, "dupfield", GOOD_FORM "[field b]\nlabel = B\n"
	    "[field a]\nlabel = A again\n");
	LOAD_FAILS(t, "dupfield", ":10: ", "field 'a' is defined twice");
	write_form(t, "dupkey", GOOD_FORM "label = A2\n");
	LOAD_FAILS(t, "dupkey", ":8: ", "'label' is given twice in [field a]");
	write_form(t, "dupform", GOOD_FORM "[form]\ntitle = Again\n");
	LOAD_FAILS(t, "dupform", ":8: ", "[form] is given twice");
	write_form(t, "nosection", "title = T\n" GOOD_FORM);
	LOAD_FAILS(t, "nosection", ":1: ", "outside any section");
	write_form(t, "syntax", "[form]\ntitle = T\nthis line is wrong\n"
	    "[field a]\nlabel = A\n");
	LOAD_FAILS(t, "syntax", ":3: ", "not a 'key = value' line");
	write_form(t, "emptylabel", GOOD_FORM "[field b]\nlabel =\n");
	LOAD_FAILS(t, "emptylabel", ":9: ", "the label is empty");
	write_form(t, "nochoices", GOOD_FORM "choices =\n");
	LOAD_FAILS(t, "nochoices", ":8: ", "choices is empty");

	/* The first of several mistakes is the one reported. */
	write_form(t, "first", GOOD_FORM "colour = red\nvalidator = zip\n");
	LOAD_FAILS(t, "first", ":8: ", "colour");
	write_form(t, "first2", "[form]\ntitle = T\nwrong\n[field a]\n"
	    "label = A\ncolour = red\n");
	LOAD_FAILS(t, "first2", ":3: ", "not a 'key = value' line");
	write_form(t, "first3", GOOD_FORM "colour = red\nwrong\n");
	LOAD_FAILS(t, "first3", ":8: ", "colour");

	/* libinih cuts long lines: that is refused, not half read. */
	s = repeat("x", 300);
	xasprintf(&text, GOOD_FORM "help2 = %s\n", s);
	write_form(t, "long", text);
	LOAD_FAILS(t, "long", ":8: ", "longer than");
	free(text);
	free(s);

	/* What libinih cannot see: a field or form left incomplete. */
	write_form(t, "notitle", "[form]\nhelp = H\n[field a]\nlabel = A\n");
	LOAD_FAILS(t, "notitle", ": ", "[form] has no title");
	write_form(t, "nofields", "[form]\ntitle = T\n");
	LOAD_FAILS(t, "nofields", ": ", "the form has no fields");
	write_form(t, "nolabel", GOOD_FORM "[field b]\nhelp = H\n");
	LOAD_FAILS(t, "nolabel", ": ", "[field b] has no label");
	write_form(t, "choice", GOOD_FORM "type = choice\n");
	LOAD_FAILS(t, "choice", ": ", "[field a] is a choice but has no "
	    "choices");
	write_form(t, "notchoice", GOOD_FORM "choices = x y\n");
	LOAD_FAILS(t, "notchoice", ": ", "[field a] has choices but is not");
	write_form(t, "sameopt", GOOD_FORM "option = --x\n[field b]\n"
	    "label = B\noption = --x\n");
	LOAD_FAILS(t, "sameopt", ": ", "both have option --x");
	write_form(t, "default", GOOD_FORM "validator = days\n"
	    "default = 9999\n");
	LOAD_FAILS(t, "default", ": ", "[field a] has a bad default: A: "
	    "'9999' is out of range");
	write_form(t, "default2", GOOD_FORM "type = choice\n"
	    "choices = x y\ndefault = z\n");
	LOAD_FAILS(t, "default2", ": ", "'z' is not a choice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostname_good),
		cmocka_unit_test(test_hostname_bad),
		cmocka_unit_test(test_alt_name),
		cmocka_unit_test(test_is_ip),
		cmocka_unit_test(test_country),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_utf8_length),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_entry_name),
		cmocka_unit_test(test_key_type),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_forms_dir),
		cmocka_unit_test(test_generate_form),
		cmocka_unit_test(test_generate_values),
		cmocka_unit_test_setup_teardown(test_form_load_good,
		    setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_form_load_missing,
		    setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_form_load_bad,
		    setup_tmpdir, teardown_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
