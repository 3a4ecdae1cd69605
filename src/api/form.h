#ifndef API_FORM_H
#define API_FORM_H

/* Private to src/api/: the urlencoded parser (form.c). */
#include <stddef.h>

struct err;

#define FORM_MAX_FIELDS		1000	/* pairs in a query or a form */

/*
 * application/x-www-form-urlencoded (a query string is the same syntax):
 * pairs split on '&', name and value split on the first '=', '+' is a
 * space and %XX a byte.  Empty pairs are skipped; a pair without '=' has
 * the value "".  Decoded names and values are NUL-terminated copies that
 * may also hold NUL bytes (see the _len fields).
 */
struct form_field {
	char	*name;
	size_t	 name_len;
	char	*value;
	size_t	 value_len;
};

struct form {
	char			*arena;	/* decoded names and values */
	struct form_field	*fields;
	size_t			 n;
};

/*
 * Parses len bytes of s into f (release with form_reset; the form is
 * empty on any answer but 1).  Returns 1, 0 if s is malformed (a bad
 * escape, more than FORM_MAX_FIELDS pairs; err says which), or -1 with
 * err set when memory runs out.
 */
int	form_parse(const char *s, size_t len, struct form *f,
	    struct err *err);
void	form_reset(struct form *);
/* The last field named name, or NULL.  Borrowed from f. */
const struct form_field *form_get(const struct form *f, const char *name);
/*
 * Reads a boolean written as text: true/false, 1/0, on/off, yes/no (any
 * case).  Returns 0 with *out set, or -1.
 */
int	api_parse_bool(const char *s, int *out);

#endif
