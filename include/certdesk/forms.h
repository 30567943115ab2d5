/*
 * Forms as data: forms/NAME.form (INI) lists a form's fields with their
 * labels, help lines, limits and validators.  The console turns a form
 * into CDK widgets; the command line checks its options with the same
 * definitions, so both refuse the same input with the same words.
 */
#ifndef CERTDESK_FORMS_H
#define CERTDESK_FORMS_H

#include <stdbool.h>
#include <stddef.h>

enum form_field_type {
	FORM_FIELD_TEXT,	/* one line of text */
	FORM_FIELD_LIST,	/* several values, separated by ',' or ' ' */
	FORM_FIELD_CHOICE,	/* one of choices */
	FORM_FIELD_NUMBER
};

struct form_field {
	char			*id;		/* "hostname" */
	char			*label;		/* "Hostname" */
	char			*help;		/* one line */
	char			*option;	/* "--hostname" */
	enum form_field_type	 type;
	bool			 required;
	size_t			 max_length;	/* characters; 0: no limit */
	char			*validator;	/* a validate_lookup() name */
	char			*default_value;
	char			**choices;
	size_t			 n_choices;
	char			*only;		/* NULL, "certificate", "request" */
};

struct form {
	char			*id;
	char			*title;
	char			*help;
	struct form_field	*fields;
	size_t			 n_fields;
};

/*
 * The folder holding the form definitions: $CERTDESK_FORMS, else the
 * installed $(pkgdatadir)/forms, else forms/ beside the source tree.
 */
const char	*forms_dir(void);
int		 form_load(const char *dir, const char *id, struct form **,
		     char **cause);
void		 form_free(struct form *);
const struct form_field *form_find_field(const struct form *, const char *id);
/*
 * Check one value against its field: required, length, choices and the
 * validator.  The message starts with the field's label.
 */
int		 form_check_value(const struct form_field *, const char *value,
		     char **cause);

#endif
