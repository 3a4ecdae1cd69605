/*
 * Output comparison: Judge0's default (trim), exact, whitespace tokens,
 * and tokens with floating-point tolerance.  Outputs are bytes, not C
 * strings: they may hold NUL bytes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "judge.h"

static const char *const compare_names[] = {
	[JC_TRIM] = "trim", [JC_EXACT] = "exact", [JC_TOKENS] = "tokens",
	[JC_FLOAT] = "float",
};

int
judge_compare_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(compare_names) / sizeof(compare_names[0]); i++)
		if (strcasecmp(name, compare_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
judge_compare_name(int mode)
{
	if (mode < 0 || mode > JC_FLOAT)
		return "trim";
	return compare_names[mode];
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
is_space(char c)
{
	return is_blank(c) || c == '\n' || c == '\v' || c == '\f';
}

/* The line at pos: sets *line_len without line-end blanks; returns next. */
static size_t
next_line(const char *s, size_t len, size_t pos, size_t *line_len)
{
	size_t	end = pos, stripped;

	while (end < len && s[end] != '\n')
		end++;
	stripped = end;
	while (stripped > pos && is_blank(s[stripped - 1]))
		stripped--;
	*line_len = stripped - pos;
	return end < len ? end + 1 : end;
}

/* Length of s once trailing blank lines (and blanks) are dropped. */
static size_t
content_end(const char *s, size_t len)
{
	while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\n'))
		len--;
	return len;
}

int
judge_compare_trim(const char *out, size_t out_len, const char *expected,
    size_t expected_len)
{
	size_t	a = 0, b = 0, la, lb, ea, eb, sa, sb;

	ea = content_end(out, out_len);
	eb = content_end(expected, expected_len);
	while (a < ea && b < eb) {
		sa = a;
		sb = b;
		a = next_line(out, ea, a, &la);
		b = next_line(expected, eb, b, &lb);
		if (la != lb || memcmp(out + sa, expected + sb, la) != 0)
			return 0;
	}
	return a >= ea && b >= eb;
}

/* The next token at or after *pos: sets *tok and returns its length. */
static size_t
next_token(const char *s, size_t len, size_t *pos, const char **tok)
{
	size_t	p = *pos, start;

	while (p < len && is_space(s[p]))
		p++;
	start = p;
	while (p < len && !is_space(s[p]))
		p++;
	*pos = p;
	*tok = s + start;
	return p - start;
}

/*
 * A token as a finite number, or 0.  Tokens over 64 bytes are compared as
 * text: no real answer is that long, and it bounds the copy.
 */
static int
token_number(const char *tok, size_t len, double *v)
{
	char	buf[65], *end;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	return *end == '\0' && isfinite(*v);
}

static int
tokens_equal(const char *a, size_t la, const char *b, size_t lb, int fp,
    double abs_eps, double rel_eps)
{
	double	x, y, d;

	if (la == lb && memcmp(a, b, la) == 0)
		return 1;
	if (!fp || !token_number(a, la, &x) || !token_number(b, lb, &y))
		return 0;
	d = fabs(x - y);
	return d <= abs_eps || d <= rel_eps * fabs(y);
}

static int
compare_tokens(const char *out, size_t out_len, const char *expected,
    size_t expected_len, int fp, double abs_eps, double rel_eps)
{
	const char	*ta, *tb;
	size_t		 pa = 0, pb = 0, la, lb;

	for (;;) {
		la = next_token(out, out_len, &pa, &ta);
		lb = next_token(expected, expected_len, &pb, &tb);
		if (la == 0 || lb == 0)
			return la == lb;
		if (!tokens_equal(ta, la, tb, lb, fp, abs_eps, rel_eps))
			return 0;
	}
}

int
judge_compare(int mode, const char *out, size_t out_len,
    const char *expected, size_t expected_len, double abs_eps, double rel_eps)
{
	switch (mode) {
	case JC_EXACT:
		return out_len == expected_len &&
		    memcmp(out, expected, out_len) == 0;
	case JC_TOKENS:
		return compare_tokens(out, out_len, expected, expected_len, 0,
		    0, 0);
	case JC_FLOAT:
		return compare_tokens(out, out_len, expected, expected_len, 1,
		    abs_eps, rel_eps);
	default:
		return judge_compare_trim(out, out_len, expected,
		    expected_len);
	}
}

int
judge_words(const char *text, char ***words)
{
	const char	*p, *start;
	char		**v;
	size_t		 n = 0, i = 0;

	for (p = text; p != NULL && *p != '\0';) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		n++;
		while (*p != '\0' && !is_space(*p))
			p++;
	}
	if ((v = calloc(n + 1, sizeof(char *))) == NULL)
		return -1;
	for (p = text; p != NULL && *p != '\0' && i < n;) {
		while (is_space(*p))
			p++;
		start = p;
		while (*p != '\0' && !is_space(*p))
			p++;
		if ((v[i++] = strndup(start, (size_t)(p - start))) == NULL) {
			util_strv_free(v);
			return -1;
		}
	}
	*words = v;
	return (int)n;
}
