/*
 * Forms as data: read forms/ID.form (INI, parsed by libinih) into a struct
 * form, and check a value against one of its fields.  A definition with a
 * mistake is refused as a whole with the file and line named, so a broken
 * install shows up at once instead of as a form that half works.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certdesk/forms.h"
#include "certdesk/store.h"
#include "certdesk/util.h"
#include "certdesk/validate.h"

#define FORM_MAX_LENGTH_LIMIT	65535

/* What the libinih callbacks share while one file is read. */
struct form_parse {
	FILE		*f;
	const char	*path;
	int		 lineno;	/* the line libinih is handling */
	int		 section_line;	/* the last [section] heading */

	struct form	*form;
	char		*section;	/* the section of the last key */
	size_t		 field;		/* index of the current field */
	bool		 in_field;
	unsigned	 seen;		/* FORM_SEEN_* of the current section */

	char		*error;		/* the first error, without the line */
	int		 error_line;
};

/* Each key once per section: a second one is a typo, not an override. */
#define FORM_SEEN_LABEL		0x001
#define FORM_SEEN_HELP		0x002
#define FORM_SEEN_OPTION	0x004
#define FORM_SEEN_TYPE		0x008
#define FORM_SEEN_REQUIRED	0x010
#define FORM_SEEN_MAX_LENGTH	0x020
#define FORM_SEEN_VALIDATOR	0x040
#define FORM_SEEN_DEFAULT	0x080
#define FORM_SEEN_CHOICES	0x100
#define FORM_SEEN_ONLY		0x200

static const struct {
	const char	*name;
	unsigned	 bit;
} form_field_keys[] = {
	{ "label", FORM_SEEN_LABEL },
	{ "help", FORM_SEEN_HELP },
	{ "option", FORM_SEEN_OPTION },
	{ "type", FORM_SEEN_TYPE },
	{ "required", FORM_SEEN_REQUIRED },
	{ "max_length", FORM_SEEN_MAX_LENGTH },
	{ "validator", FORM_SEEN_VALIDATOR },
	{ "default", FORM_SEEN_DEFAULT },
	{ "choices", FORM_SEEN_CHOICES },
	{ "only", FORM_SEEN_ONLY },
};
#define FORM_N_FIELD_KEYS (sizeof form_field_keys / sizeof form_field_keys[0])

static const char *const form_type_names[] = {
	[FORM_FIELD_TEXT] = "text",
	[FORM_FIELD_LIST] = "list",
	[FORM_FIELD_CHOICE] = "choice",
	[FORM_FIELD_NUMBER] = "number",
};
#define FORM_N_TYPES (sizeof form_type_names / sizeof form_type_names[0])

const char *
forms_dir(void)
{
	const char	*env;
	struct stat	 sb;

	env = getenv("CERTDESK_FORMS");
	if (env != NULL && *env != '\0')
		return env;
	if (stat(PKGDATADIR "/forms", &sb) == 0 && S_ISDIR(sb.st_mode))
		return PKGDATADIR "/forms";
#ifdef SOURCE_FORMS_DIR
	return SOURCE_FORMS_DIR;
#else
	return PKGDATADIR "/forms";
#endif
}

static void
form_parse_error(struct form_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
form_parse_error_at(struct form_parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
form_parse_verror(struct form_parse *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

/* Keep the first error only: later ones are often its consequences. */
static void
form_parse_verror(struct form_parse *p, int line, const char *fmt,
    va_list ap)
{
	if (p->error != NULL)
		return;
	xvasprintf(&p->error, fmt, ap);
	p->error_line = line;
}

static void
form_parse_error(struct form_parse *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	form_parse_verror(p, p->lineno, fmt, ap);
	va_end(ap);
}

static void
form_parse_error_at(struct form_parse *p, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	form_parse_verror(p, line, fmt, ap);
	va_end(ap);
}

/* libinih's reader: fgets that counts lines, as libinih itself does. */
static char *
form_read_line(char *str, int num, void *stream)
{
	struct form_parse	*p = stream;
	size_t			 len;

	if (fgets(str, num, p->f) == NULL)
		return NULL;
	p->lineno++;
	if (str[strspn(str, " \t")] == '[')
		p->section_line = p->lineno;
	len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(p->f)) {
		form_parse_error(p, "the line is longer than %d characters; "
		    "shorten it", num - 2);
	}
	return str;
}

/* Split on spaces, tabs and (when commas) commas; empty items dropped. */
static size_t
form_split(const char *s, bool commas, char ***items)
{
	const char	*p = s, *start;
	size_t		 n = 0;

	*items = NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || (commas && *p == ','))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' &&
		    !(commas && *p == ','))
			p++;
		*items = xreallocarray(*items, n + 1, sizeof **items);
		(*items)[n++] = xstrndup(start, p - start);
	}
	return n;
}

static void
form_free_strings(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool
form_is_id(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			return false;
	}
	return true;
}

static char *
form_key_names(void)
{
	struct util_buf	buf = { 0 };
	size_t		i;

	for (i = 0; i < FORM_N_FIELD_KEYS; i++) {
		util_buf_printf(&buf, "%s%s", i == 0 ? "" : ", ",
		    form_field_keys[i].name);
	}
	return util_buf_take_string(&buf);
}

static char *
form_validator_names(void)
{
	struct util_buf	 buf = { 0 };
	const char	*name;
	size_t		 i;

	for (i = 0; (name = validate_name(i)) != NULL; i++)
		util_buf_printf(&buf, "%s%s", i == 0 ? "" : ", ", name);
	return util_buf_take_string(&buf);
}

/* A new section starts: [form], or [field ID] (a new field). */
static int
form_parse_section(struct form_parse *p, const char *section)
{
	struct form		*form = p->form;
	struct form_field	*field;
	const char		*id;
	size_t			 i;
	int			 line = p->section_line;

	free(p->section);
	p->section = xstrdup(section);
	p->seen = 0;
	p->in_field = false;

	if (strcmp(section, "form") == 0) {
		if (form->title != NULL || form->help != NULL) {
			form_parse_error_at(p, line, "[form] is given twice; "
			    "give it once");
			return 0;
		}
		return 1;
	}
	if (strncmp(section, "field ", 6) != 0) {
		form_parse_error_at(p, line, "unknown section [%s]; use "
		    "[form] or [field ID]", section);
		return 0;
	}
	id = section + 6;
	if (!form_is_id(id)) {
		form_parse_error_at(p, line, "[%s]: a field ID has only "
		    "lower-case letters, digits, '-' and '_'", section);
		return 0;
	}
	for (i = 0; i < form->n_fields; i++) {
		if (strcmp(form->fields[i].id, id) == 0) {
			form_parse_error_at(p, line, "field '%s' is defined "
			    "twice; give each field once", id);
			return 0;
		}
	}
	form->fields = xreallocarray(form->fields, form->n_fields + 1,
	    sizeof *form->fields);
	field = &form->fields[form->n_fields];
	memset(field, 0, sizeof *field);
	field->id = xstrdup(id);
	field->type = FORM_FIELD_TEXT;
	p->field = form->n_fields++;
	p->in_field = true;
	return 1;
}

static int
form_parse_form_key(struct form_parse *p, const char *name,
    const char *value)
{
	struct form	*form = p->form;

	if (strcmp(name, "title") == 0 && form->title == NULL)
		form->title = xstrdup(value);
	else if (strcmp(name, "help") == 0 && form->help == NULL)
		form->help = xstrdup(value);
	else if (strcmp(name, "title") == 0 || strcmp(name, "help") == 0) {
		form_parse_error(p, "'%s' is given twice in [form]; give it "
		    "once (an indented line continues the one above)", name);
		return 0;
	} else {
		form_parse_error(p, "unknown key '%s' in [form]; the keys "
		    "are title and help", name);
		return 0;
	}
	return 1;
}

static int
form_parse_field_key(struct form_parse *p, const char *name,
    const char *value)
{
	struct form_field	*field = &p->form->fields[p->field];
	char			*list, *end;
	unsigned long		 n;
	size_t			 i;

	for (i = 0; i < FORM_N_FIELD_KEYS; i++) {
		if (strcmp(name, form_field_keys[i].name) == 0)
			break;
	}
	if (i == FORM_N_FIELD_KEYS) {
		list = form_key_names();
		form_parse_error(p, "unknown key '%s' in [%s]; the keys are "
		    "%s", name, p->section, list);
		free(list);
		return 0;
	}
	if (p->seen & form_field_keys[i].bit) {
		form_parse_error(p, "'%s' is given twice in [%s]; give it "
		    "once (an indented line continues the one above)", name,
		    p->section);
		return 0;
	}
	p->seen |= form_field_keys[i].bit;

	if (strcmp(name, "label") == 0) {
		if (*value == '\0') {
			form_parse_error(p, "the label is empty; give the "
			    "words shown beside the field");
			return 0;
		}
		field->label = xstrdup(value);
	} else if (strcmp(name, "help") == 0)
		field->help = xstrdup(value);
	else if (strcmp(name, "option") == 0) {
		if (strncmp(value, "--", 2) != 0 || !form_is_id(value + 2)) {
			form_parse_error(p, "option '%s' is not a long option; "
			    "give one like --hostname", value);
			return 0;
		}
		field->option = xstrdup(value);
	} else if (strcmp(name, "type") == 0) {
		for (i = 0; i < FORM_N_TYPES; i++) {
			if (strcmp(value, form_type_names[i]) == 0)
				break;
		}
		if (i == FORM_N_TYPES) {
			form_parse_error(p, "type '%s' is unknown; use text, "
			    "list, choice or number", value);
			return 0;
		}
		field->type = i;
	} else if (strcmp(name, "required") == 0) {
		if (strcmp(value, "yes") == 0)
			field->required = true;
		else if (strcmp(value, "no") == 0)
			field->required = false;
		else {
			form_parse_error(p, "required is '%s'; use yes or no",
			    value);
			return 0;
		}
	} else if (strcmp(name, "max_length") == 0) {
		errno = 0;
		n = strtoul(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || *end != '\0' ||
		    errno != 0 || n < 1 || n > FORM_MAX_LENGTH_LIMIT) {
			form_parse_error(p, "max_length '%s' is not a number "
			    "from 1 to %d", value, FORM_MAX_LENGTH_LIMIT);
			return 0;
		}
		field->max_length = n;
	} else if (strcmp(name, "validator") == 0) {
		if (validate_lookup(value) == NULL) {
			list = form_validator_names();
			form_parse_error(p, "unknown validator '%s'; use one "
			    "of %s", value, list);
			free(list);
			return 0;
		}
		field->validator = xstrdup(value);
	} else if (strcmp(name, "default") == 0)
		field->default_value = xstrdup(value);
	else if (strcmp(name, "choices") == 0) {
		field->n_choices = form_split(value, false, &field->choices);
		if (field->n_choices == 0) {
			form_parse_error(p, "choices is empty; give the "
			    "choices separated by spaces");
			return 0;
		}
	} else if (strcmp(name, "only") == 0) {
		if (strcmp(value, "certificate") != 0 &&
		    strcmp(value, "request") != 0) {
			form_parse_error(p, "only is '%s'; use certificate or "
			    "request", value);
			return 0;
		}
		field->only = xstrdup(value);
	}
	return 1;
}

static int
form_parse_cb(void *user, const char *section, const char *name,
    const char *value)
{
	struct form_parse	*p = user;

	if (p->section == NULL || strcmp(section, p->section) != 0) {
		if (*section == '\0') {
			form_parse_error(p, "'%s' is outside any section; put "
			    "it under [form] or [field ID]", name);
			return 0;
		}
		if (!form_parse_section(p, section))
			return 0;
	}
	if (p->in_field)
		return form_parse_field_key(p, name, value);
	return form_parse_form_key(p, name, value);
}

/* What libinih cannot see: each field complete and consistent. */
static int
form_check_definition(struct form *form, char **cause)
{
	struct form_field	*field, *other;
	char			*why = NULL;
	size_t			 i, j;

	if (form->title == NULL) {
		util_set_cause(cause, "[form] has no title; add 'title = ...'");
		return STORE_INVALID;
	}
	if (form->n_fields == 0) {
		util_set_cause(cause, "the form has no fields; add [field ID] "
		    "sections");
		return STORE_INVALID;
	}
	for (i = 0; i < form->n_fields; i++) {
		field = &form->fields[i];
		if (field->label == NULL) {
			util_set_cause(cause, "[field %s] has no label; add "
			    "'label = ...'", field->id);
			return STORE_INVALID;
		}
		if (field->type == FORM_FIELD_CHOICE && field->n_choices == 0) {
			util_set_cause(cause, "[field %s] is a choice but has "
			    "no choices; add 'choices = ...'", field->id);
			return STORE_INVALID;
		}
		if (field->type != FORM_FIELD_CHOICE && field->n_choices != 0) {
			util_set_cause(cause, "[field %s] has choices but is "
			    "not 'type = choice'", field->id);
			return STORE_INVALID;
		}
		for (j = 0; j < i && field->option != NULL; j++) {
			other = &form->fields[j];
			if (other->option != NULL &&
			    strcmp(other->option, field->option) == 0) {
				util_set_cause(cause, "[field %s] and [field "
				    "%s] both have option %s", other->id,
				    field->id, field->option);
				return STORE_INVALID;
			}
		}
		if (field->default_value != NULL &&
		    form_check_value(field, field->default_value, &why) !=
		    STORE_OK) {
			util_set_cause(cause, "[field %s] has a bad default: "
			    "%s", field->id, why);
			free(why);
			return STORE_INVALID;
		}
	}
	return STORE_OK;
}

int
form_load(const char *dir, const char *id, struct form **formp,
    char **cause)
{
	struct form_parse	 p;
	struct stat		 sb;
	const char		*why;
	char			*file, *path, *msg = NULL;
	int			 ret;

	*formp = NULL;
	if (id == NULL || !form_is_id(id)) {
		util_set_cause(cause, "'%s' is not a form name",
		    id != NULL ? id : "");
		return STORE_INVALID;
	}
	xasprintf(&file, "%s.form", id);
	path = util_path_join(dir, file);
	free(file);

	memset(&p, 0, sizeof p);
	p.path = path;
	why = NULL;
	if (stat(path, &sb) != 0)
		why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if ((p.f = fopen(path, "r")) == NULL)
		why = strerror(errno);
	if (why != NULL) {
		util_set_cause(cause, "%s: cannot read this form definition "
		    "(%s); set CERTDESK_FORMS to the folder holding the .form "
		    "files", path, why);
		free(path);
		return STORE_FAIL;
	}

	p.form = xcalloc(1, sizeof *p.form);
	p.form->id = xstrdup(id);
	ret = ini_parse_stream(form_read_line, &p, form_parse_cb, &p);
	fclose(p.f);

	if (ret == -2 || ret == -1) {
		util_set_cause(cause, "%s: cannot parse it (libinih error "
		    "%d)", path, ret);
		goto fail;
	}
	if (ret > 0 && (p.error == NULL || ret < p.error_line)) {
		util_set_cause(cause, "%s:%d: not a 'key = value' line nor a "
		    "[section]; fix the line", path, ret);
		goto fail;
	}
	if (p.error != NULL) {
		util_set_cause(cause, "%s:%d: %s", path, p.error_line, p.error);
		goto fail;
	}
	if (form_check_definition(p.form, &msg) != STORE_OK) {
		util_set_cause(cause, "%s: %s", path, msg);
		free(msg);
		goto fail;
	}

	free(p.section);
	free(path);
	*formp = p.form;
	return STORE_OK;

fail:
	free(p.error);
	free(p.section);
	free(path);
	form_free(p.form);
	return STORE_FAIL;
}

void
form_free(struct form *form)
{
	struct form_field	*field;
	size_t			 i;

	if (form == NULL)
		return;
	for (i = 0; i < form->n_fields; i++) {
		field = &form->fields[i];
		free(field->id);
		free(field->label);
		free(field->help);
		free(field->option);
		free(field->validator);
		free(field->default_value);
		form_free_strings(field->choices, field->n_choices);
		free(field->only);
	}
	free(form->fields);
	free(form->id);
	free(form->title);
	free(form->help);
	free(form);
}

const struct form_field *
form_find_field(const struct form *form, const char *id)
{
	size_t	i;

	if (form == NULL || id == NULL)
		return NULL;
	for (i = 0; i < form->n_fields; i++) {
		if (strcmp(form->fields[i].id, id) == 0)
			return &form->fields[i];
	}
	return NULL;
}

/* "Give the server's name" reads "give the server's name" after "; ". */
static char *
form_help_inline(const char *help)
{
	char	*s = xstrdup(help);

	if (s[0] >= 'A' && s[0] <= 'Z' && (s[1] < 'A' || s[1] > 'Z'))
		s[0] = s[0] - 'A' + 'a';
	return s;
}

static int
form_check_choice(const struct form_field *field, const char *value,
    char **cause)
{
	struct util_buf	 buf = { 0 };
	char		*list, *shown;
	size_t		 i;

	for (i = 0; i < field->n_choices; i++) {
		if (strcmp(value, field->choices[i]) == 0)
			return STORE_OK;
	}
	for (i = 0; i < field->n_choices; i++) {
		util_buf_printf(&buf, "%s%s", i == 0 ? "" : ", ",
		    field->choices[i]);
	}
	list = util_buf_take_string(&buf);
	/* The value may hold anything: never echo it raw. */
	shown = util_escape(value);
	util_set_cause(cause, "%s: '%s' is not a choice; choose one of %s",
	    field->label, shown, list);
	free(shown);
	free(list);
	return STORE_INVALID;
}

/* Check one item (the whole value, or one element of a list). */
static int
form_check_item(const struct form_field *field, const char *value,
    char **cause)
{
	validate_fn	 fn;
	const char	*p;
	char		*why = NULL;
	long		 chars;

	chars = validate_utf8_length(value);
	if (chars < 0) {
		util_set_cause(cause, "%s: not valid UTF-8 text; retype it",
		    field->label);
		return STORE_INVALID;
	}
	if (field->max_length != 0 && (size_t)chars > field->max_length) {
		util_set_cause(cause, "%s: %ld characters is too long; give at "
		    "most %zu", field->label, chars, field->max_length);
		return STORE_INVALID;
	}
	if (field->type == FORM_FIELD_CHOICE &&
	    form_check_choice(field, value, cause) != STORE_OK)
		return STORE_INVALID;
	if (field->validator != NULL) {
		fn = validate_lookup(field->validator);
		if (fn != NULL && fn(value, &why) != STORE_OK) {
			util_set_cause(cause, "%s: %s", field->label, why);
			free(why);
			return STORE_INVALID;
		}
	} else if (field->type == FORM_FIELD_NUMBER) {
		for (p = value; *p >= '0' && *p <= '9'; p++)
			/* nothing */;
		if (*p != '\0') {
			why = util_escape(value);
			util_set_cause(cause, "%s: '%s' is not a whole number; "
			    "give digits only", field->label, why);
			free(why);
			return STORE_INVALID;
		}
	}
	return STORE_OK;
}

int
form_check_value(const struct form_field *field, const char *value,
    char **cause)
{
	char	**items, *help;
	size_t	  n = 0, i;
	int	  ret = STORE_OK;

	if (value == NULL)
		value = "";
	if (field->type == FORM_FIELD_LIST)
		n = form_split(value, true, &items);
	else {
		items = NULL;
		n = *value != '\0';
	}
	if (n == 0) {
		if (!field->required)
			return STORE_OK;
		if (field->help != NULL && *field->help != '\0') {
			help = form_help_inline(field->help);
			util_set_cause(cause, "%s: required; %s", field->label,
			    help);
			free(help);
		} else {
			util_set_cause(cause, "%s: required; give a value",
			    field->label);
		}
		return STORE_INVALID;
	}
	if (field->type != FORM_FIELD_LIST)
		return form_check_item(field, value, cause);
	for (i = 0; i < n && ret == STORE_OK; i++)
		ret = form_check_item(field, items[i], cause);
	form_free_strings(items, n);
	return ret;
}
