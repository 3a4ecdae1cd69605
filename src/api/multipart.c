/*
 * multipart/form-data (RFC 7578 over RFC 2046), as browsers send it from
 * a form with a file input.  The body is untrusted and not NUL-terminated;
 * every read is bounded by its length, and every part by the limits in
 * multipart.h.  Part contents are not copied: they point into the body.
 *
 *	body      = [preamble CRLF] "--" boundary *WSP CRLF part
 *	            *(CRLF "--" boundary *WSP CRLF part)
 *	            CRLF "--" boundary "--" [epilogue]
 *	part      = *(header CRLF) CRLF content
 *
 * The delimiter is CRLF "--" boundary, so content may hold anything but
 * that sequence.  Headers are read as "Name: value" lines; the ones we use
 * are Content-Disposition (form-data; name=...; filename=...) and
 * Content-Type.  Parameter values are tokens or quoted strings (with
 * backslash escapes); browsers percent-encode '"', CR and LF in names, so
 * those come through as sent.  Folded header lines and filename* (RFC
 * 5987) are not supported: browsers send neither.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "multipart.h"

/* What one part's headers said, as offsets into a scratch copy. */
struct mp_head {
	char	name[MP_MAX_NAME + 1];
	char	filename[MP_MAX_NAME + 1];
	char	ctype[MP_MAX_NAME + 1];
	int	has_name;
	int	has_filename;
	int	has_ctype;
};

/* RFC 2046 bchars, without the space (which may not end a boundary). */
static int
bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=?", c) != NULL;
}

/* The first n bytes of s equal the lower-case word w, ignoring case. */
static int
word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* RFC 7230 tchar: what a token or parameter name may hold. */
static int
tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) ==
	    NULL;
}

/*
 * Reads one parameter value at *pp (a token or a quoted string) into
 * out[MP_MAX_NAME + 1].  Returns 0 and moves *pp past it, or -1 if the
 * value is malformed or longer than MP_MAX_NAME.
 */
static int
param_value(const char **pp, const char *end, char *out)
{
	const char	*p = *pp;
	size_t		 n = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (*p == '\0' || n == MP_MAX_NAME)
				return -1;
			out[n++] = *p;
		}
		if (p == end)
			return -1;	/* no closing quote */
		p++;
	} else {
		for (; p < end && tchar((unsigned char)*p); p++) {
			if (n == MP_MAX_NAME)
				return -1;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*pp = p;
	return 0;
}

/*
 * Parses "type *(; name=value)" at [p, end).  The type's extent goes to
 * *type and *type_len.  For each parameter, cb is called.  Returns 0, or
 * -1 if the syntax is wrong.
 */
static int
parse_params(const char *p, const char *end, const char **type,
    size_t *type_len, int (*cb)(void *, const char *, size_t, const char *),
    void *arg)
{
	char		 value[MP_MAX_NAME + 1];
	const char	*name;
	size_t		 nlen;

	p = skip_ws(p, end);
	*type = p;
	while (p < end && (tchar((unsigned char)*p) || *p == '/'))
		p++;
	if ((*type_len = (size_t)(p - *type)) == 0)
		return -1;
	for (;;) {
		p = skip_ws(p, end);
		if (p == end)
			return 0;
		if (*p++ != ';')
			return -1;
		p = skip_ws(p, end);
		if (p == end)
			return 0;	/* a trailing ';' is harmless */
		for (name = p; p < end && tchar((unsigned char)*p) &&
		    *p != '='; p++)
			;
		if ((nlen = (size_t)(p - name)) == 0)
			return -1;
		p = skip_ws(p, end);
		if (p == end || *p++ != '=')
			return -1;
		p = skip_ws(p, end);
		if (param_value(&p, end, value) == -1 ||
		    cb(arg, name, nlen, value) == -1)
			return -1;
	}
}

static int
disposition_param(void *arg, const char *name, size_t nlen,
    const char *value)
{
	struct mp_head	*h = arg;

	/* A repeated parameter is ambiguous: refuse it. */
	if (word_is(name, nlen, "name")) {
		if (h->has_name)
			return -1;
		h->has_name = 1;
		memcpy(h->name, value, strlen(value) + 1);
	} else if (word_is(name, nlen, "filename")) {
		if (h->has_filename)
			return -1;
		h->has_filename = 1;
		memcpy(h->filename, value, strlen(value) + 1);
	}
	return 0;
}

static int
boundary_param(void *arg, const char *name, size_t nlen, const char *value)
{
	char	*b = arg;

	if (word_is(name, nlen, "boundary")) {
		if (b[0] != '\0')
			return -1;
		if (value[0] == '\0')
			return -1;
		memcpy(b, value, strlen(value) + 1);
	}
	return 0;
}

int
multipart_boundary(const char *content_type, char out[MP_MAX_BOUNDARY + 1])
{
	char		 b[MP_MAX_NAME + 1] = "";
	const char	*type;
	size_t		 tlen, n, i;

	if (content_type == NULL)
		return -1;
	if (parse_params(content_type, content_type + strlen(content_type),
	    &type, &tlen, boundary_param, b) == -1 ||
	    !word_is(type, tlen, "multipart/form-data"))
		return -1;
	/* 1 to 70 bchars; a space is allowed inside but not at the end */
	if ((n = strlen(b)) == 0 || n > MP_MAX_BOUNDARY || b[n - 1] == ' ')
		return -1;
	for (i = 0; i < n; i++)
		if (!bchar((unsigned char)b[i]) && b[i] != ' ')
			return -1;
	memcpy(out, b, n + 1);
	return 0;
}

/*
 * Reads the header lines of a part at [p, end) up to the empty line.
 * Returns a pointer to the content, or NULL (err says why).
 */
static const char *
read_headers(const char *p, const char *end, struct mp_head *h,
    struct err *err)
{
	const char	*start = p, *eol, *colon, *v, *type;
	size_t		 tlen;

	memset(h, 0, sizeof(*h));
	for (;;) {
		if (p - start > MP_MAX_HEADER_BYTES) {
			err_set(err, "part headers over %d bytes",
			    MP_MAX_HEADER_BYTES);
			return NULL;
		}
		for (eol = p; eol + 1 < end && !(eol[0] == '\r' &&
		    eol[1] == '\n'); eol++)
			if (*eol == '\0' || eol - start > MP_MAX_HEADER_BYTES)
				break;
		if (eol + 1 >= end || eol[0] != '\r' || eol[1] != '\n') {
			err_set(err, "part headers not terminated");
			return NULL;
		}
		if (eol == p)
			break;		/* the empty line */
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    colon == p) {
			err_set(err, "malformed part header");
			return NULL;
		}
		v = colon + 1;
		if (word_is(p, (size_t)(colon - p), "content-disposition")) {
			if (parse_params(v, eol, &type, &tlen,
			    disposition_param, h) == -1 ||
			    !word_is(type, tlen, "form-data")) {
				err_set(err, "malformed Content-Disposition");
				return NULL;
			}
		} else if (word_is(p, (size_t)(colon - p), "content-type")) {
			v = skip_ws(v, eol);
			if (h->has_ctype || (size_t)(eol - v) > MP_MAX_NAME) {
				err_set(err, "malformed part Content-Type");
				return NULL;
			}
			memcpy(h->ctype, v, (size_t)(eol - v));
			h->ctype[eol - v] = '\0';
			h->has_ctype = 1;
		}
		p = eol + 2;
	}
	if (!h->has_name) {
		err_set(err, "part without a name");
		return NULL;
	}
	return p + 2;
}

/* Copies the strings of h into one allocation that part points into. */
static int
keep_part(struct mp_part *part, const struct mp_head *h, const char *data,
    size_t len, struct err *err)
{
	size_t	nl = strlen(h->name), fl = strlen(h->filename);
	size_t	cl = strlen(h->ctype);
	char	*m;

	if ((m = malloc(nl + fl + cl + 3)) == NULL)
		return err_errno(err, "multipart");
	part->name = memcpy(m, h->name, nl + 1);
	part->filename = h->has_filename ?
	    memcpy(m + nl + 1, h->filename, fl + 1) : NULL;
	part->content_type = h->has_ctype ?
	    memcpy(m + nl + fl + 2, h->ctype, cl + 1) : NULL;
	part->data = data;
	part->len = len;
	return 0;
}

void
multipart_reset(struct multipart *mp)
{
	size_t	i;

	for (i = 0; mp->parts != NULL && i < mp->n; i++)
		free(mp->parts[i].name);
	free(mp->parts);
	memset(mp, 0, sizeof(*mp));
}

int
multipart_parse(const char *content_type, const char *body, size_t len,
    struct multipart *mp, struct err *err)
{
	struct mp_head	 h;
	char		 delim[MP_MAX_BOUNDARY + 5];	/* CRLF "--" b */
	const char	*p, *end, *content, *next;
	size_t		 dlen;
	int		 rc = 0;

	memset(mp, 0, sizeof(*mp));
	if (multipart_boundary(content_type, delim + 4) == -1) {
		err_set(err, "multipart/form-data without a valid boundary");
		goto out;
	}
	memcpy(delim, "\r\n--", 4);
	dlen = strlen(delim);
	if (body == NULL) {
		body = "";
		len = 0;
	}
	end = body + len;
	/* The first delimiter may open the body, without its CRLF. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else {
		err_set(err, "no multipart boundary in the body");
		goto out;
	}
	if ((mp->parts = calloc(MP_MAX_PARTS, sizeof(*mp->parts))) == NULL) {
		rc = err_errno(err, "multipart");
		goto out;
	}
	for (;;) {
		/* p is just past a delimiter: "--" ends, CRLF opens a part */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			rc = 1;
			break;
		}
		p = skip_ws(p, end);
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			err_set(err, "malformed multipart delimiter");
			goto out;
		}
		p += 2;
		if (mp->n == MP_MAX_PARTS) {
			err_set(err, "more than %d parts", MP_MAX_PARTS);
			goto out;
		}
		if ((content = read_headers(p, end, &h, err)) == NULL)
			goto out;
		/* the headers' CRLF CRLF may be the delimiter's CRLF too */
		next = memmem(content - 2, (size_t)(end - (content - 2)),
		    delim, dlen);
		if (next == NULL) {
			err_set(err, "multipart body ends inside a part");
			goto out;
		}
		if (next < content)	/* an empty part: content is "" */
			content = next;
		if (keep_part(&mp->parts[mp->n], &h, content,
		    (size_t)(next - content), err) == -1) {
			rc = -1;
			goto out;
		}
		mp->n++;
		p = next + dlen;
	}
out:
	if (rc != 1)
		multipart_reset(mp);
	return rc;
}

const struct mp_part *
multipart_get(const struct multipart *mp, const char *name)
{
	size_t	i;

	for (i = mp->n; i > 0; i--)
		if (strcmp(mp->parts[i - 1].name, name) == 0)
			return &mp->parts[i - 1];
	return NULL;
}
