/*
 * application/x-www-form-urlencoded, for form bodies and query strings.
 * The input is untrusted and not NUL-terminated.  Everything decoded goes
 * into one arena sized from the input before any byte is written: a
 * decoded name or value is never longer than its text, so the arena needs
 * len bytes plus two NULs per pair, and the number of pairs is capped.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/util.h"
#include "form.h"

/*
 * Decodes len bytes of s into out (room for len + 1 bytes) and
 * NUL-terminates it.  Returns the decoded length, or -1 on a bad escape.
 */
static long
decode(const char *s, size_t len, char *out)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (len - i < 3 ||
			    (hi = util_hexval((unsigned char)s[i + 1])) == -1 ||
			    (lo = util_hexval((unsigned char)s[i + 2])) == -1)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (long)o;
}

void
form_reset(struct form *f)
{
	free(f->arena);
	free(f->fields);
	memset(f, 0, sizeof(*f));
}

/* The index of the first c in s[from, len), or len. */
static size_t
find(const char *s, size_t from, size_t len, char c)
{
	while (from < len && s[from] != c)
		from++;
	return from;
}

int
form_parse(const char *s, size_t len, struct form *f, struct err *err)
{
	struct form_field	*ff;
	char			*w;
	size_t			 npairs = 0, i, amp, eq;
	long			 n = 0;
	int			 rc = -1;

	memset(f, 0, sizeof(*f));
	if (s == NULL)
		len = 0;
	/* Count the non-empty pairs first: it bounds every allocation. */
	for (i = 0; i < len; i++)
		if (s[i] != '&' && (i + 1 == len || s[i + 1] == '&'))
			npairs++;
	if (npairs > FORM_MAX_FIELDS) {
		err_set(err, "more than %d fields", FORM_MAX_FIELDS);
		rc = 0;
		goto out;
	}
	if ((f->arena = malloc(len + 2 * npairs + 1)) == NULL ||
	    (f->fields = calloc(npairs ? npairs : 1,
	    sizeof(*f->fields))) == NULL) {
		err_errno(err, "form");
		goto out;
	}
	w = f->arena;
	for (i = 0; i < len && n != -1; i = amp + 1) {
		if ((amp = find(s, i, len, '&')) == i)
			continue;
		eq = find(s, i, amp, '=');
		ff = &f->fields[f->n];
		ff->name = w;
		if ((n = decode(s + i, eq - i, w)) == -1)
			break;
		ff->name_len = (size_t)n;
		w += n + 1;
		ff->value = w;
		if (eq < amp)
			n = decode(s + eq + 1, amp - eq - 1, w);
		else
			n = decode(s, 0, w);
		if (n == -1)
			break;
		ff->value_len = (size_t)n;
		w += n + 1;
		f->n++;
	}
	if (n == -1) {
		err_set(err, "bad %% escape");
		rc = 0;
	} else
		rc = 1;
out:
	if (rc != 1)
		form_reset(f);
	return rc;
}

const struct form_field *
form_get(const struct form *f, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = f->n; i > 0; i--)
		if (f->fields[i - 1].name_len == len &&
		    memcmp(f->fields[i - 1].name, name, len) == 0)
			return &f->fields[i - 1];
	return NULL;
}

int
api_parse_bool(const char *s, int *out)
{
	static const struct {
		const char	*word;
		int		 value;
	} words[] = {
		{ "true", 1 }, { "1", 1 }, { "on", 1 }, { "yes", 1 },
		{ "false", 0 }, { "0", 0 }, { "off", 0 }, { "no", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i].word) == 0) {
			*out = words[i].value;
			return 0;
		}
	return -1;
}
