/*
 * Unit tests of the multipart/form-data parser: the boundary parameter,
 * a table of bodies at the edges of the grammar and the limits, and
 * every truncation and one-byte change of a browser-shaped body (none
 * may read outside the body: the sanitizer build checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/multipart.h"
#include "base/err.h"

#define CT	"multipart/form-data; boundary=XyZ"

static void
test_boundary(void **state)
{
	static const struct {
		const char	*ct;
		const char	*want;	/* NULL: refused */
	} cases[] = {
		{ "multipart/form-data; boundary=abc", "abc" },
		{ "Multipart/Form-Data;boundary=abc", "abc" },
		{ "multipart/form-data; charset=utf-8; boundary=abc", "abc" },
		{ "multipart/form-data; boundary=\"a b:c\"", "a b:c" },
		{ "multipart/form-data; boundary=----WebKitFormBoundaryQ1w2E3",
		  "----WebKitFormBoundaryQ1w2E3" },
		{ "multipart/form-data; boundary=abc;", "abc" },
		{ "multipart/form-data; BOUNDARY=abc", "abc" },
		{ "multipart/form-data", NULL },
		{ "multipart/form-data; boundary=", NULL },
		{ "multipart/form-data; boundary=\"\"", NULL },
		{ "multipart/form-data; boundary=\"abc ", NULL },
		{ "multipart/form-data; boundary=\"abc \"", NULL },
		{ "multipart/form-data; boundary=a;boundary=b", NULL },
		{ "multipart/form-data; boundary=ab\x01", NULL },
		{ "multipart/form-data; boundary=a\"b\"", NULL },
		{ "multipart/mixed; boundary=abc", NULL },
		{ "application/x-www-form-urlencoded", NULL },
		{ "multipart/form-data; =abc", NULL },
		{ "multipart/form-data; boundary", NULL },
		{ "", NULL },
		/* 70 characters is the most */
		{ "multipart/form-data; boundary="
		  "0123456789012345678901234567890123456789012345678901234567"
		  "890123456789",
		  "0123456789012345678901234567890123456789012345678901234567"
		  "890123456789" },
		{ "multipart/form-data; boundary="
		  "0123456789012345678901234567890123456789012345678901234567"
		  "8901234567890", NULL },
	};
	char	b[MP_MAX_BOUNDARY + 1];
	size_t	i;
	int	rc;

	(void)state;
	assert_int_equal(multipart_boundary(NULL, b), -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = multipart_boundary(cases[i].ct, b);
		if ((rc == 0) != (cases[i].want != NULL))
			fail_msg("case %zu (%s): %d", i, cases[i].ct, rc);
		if (rc == 0)
			assert_string_equal(b, cases[i].want);
	}
}

/* A part as the table expects it: name, filename or NULL, data. */
struct want {
	const char	*name;
	const char	*filename;
	const char	*data;
};

static void
test_bodies(void **state)
{
	static const struct {
		const char	*body;
		int		 ok;
		size_t		 n;
		struct want	 parts[3];
	} cases[] = {
		{ "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
		  "1\r\n--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n"
		  "two words\r\n--XyZ--\r\n", 1, 2,
		  { { "a", NULL, "1" }, { "b", NULL, "two words" } } },
		/* a file, with its type; preamble and epilogue */
		{ "ignored\r\n--XyZ\r\nContent-Disposition: form-data; "
		  "name=\"source_file\"; filename=\"main.c\"\r\nContent-Type: "
		  "text/x-csrc\r\n\r\nint main(void){}\n\r\n--XyZ--epilogue",
		  1, 1, { { "source_file", "main.c", "int main(void){}\n" } } },
		/* an empty file input; transport padding after a delimiter */
		{ "--XyZ  \r\nContent-Disposition: form-data; name=\"f\"; "
		  "filename=\"\"\r\nContent-Type: application/octet-stream\r\n"
		  "\r\n\r\n--XyZ--", 1, 1, { { "f", "", "" } } },
		/* empty content whose blank line is the delimiter's CRLF */
		{ "--XyZ\r\nContent-Disposition: form-data; name=e\r\n"
		  "\r\n--XyZ--", 1, 1, { { "e", NULL, "" } } },
		/* CRLFs and a boundary-like text inside the content */
		{ "--XyZ\r\nContent-Disposition: form-data; name=c\r\n\r\n"
		  "a\r\n\r\nb --XyZ\r\n-XyZ\r\n--XyZ--", 1, 1,
		  { { "c", NULL, "a\r\n\r\nb --XyZ\r\n-XyZ" } } },
		/* quoted names: escapes, ';' and '=' inside, any case */
		{ "--XyZ\r\ncontent-disposition: FORM-DATA; NAME=\"a\\\"b;c=d\""
		  "\r\n\r\nv\r\n--XyZ--", 1, 1, { { "a\"b;c=d", NULL, "v" } } },
		/* other headers are ignored */
		{ "--XyZ\r\nX-Thing: 1\r\nContent-Disposition: form-data; "
		  "name=x\r\nContent-Transfer-Encoding: 8bit\r\n\r\ny\r\n"
		  "--XyZ--", 1, 1, { { "x", NULL, "y" } } },
		/* no parts at all */
		{ "--XyZ--\r\n", 1, 0, { { NULL, NULL, NULL } } },

		/* malformed */
		{ "", 0, 0, { { NULL, NULL, NULL } } },
		{ "no boundary here", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv",
		  0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		  "v\r\n--XyZ", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
		  "v\r\n--XyZx\r\n", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
		  0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\n\r\nv\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv"
		  "\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition form-data; name=a\r\n\r\nv"
		  "\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a; name=b"
		  "\r\n\r\nv\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv"
		  "\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\n\n"
		  "v\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
		  "Content-Type: a\r\nContent-Type: b\r\n\r\nv\r\n--XyZ--", 0,
		  0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a; b\r\n\r\n"
		  "v\r\n--XyZ--", 0, 0, { { NULL, NULL, NULL } } },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a", 0, 0,
		  { { NULL, NULL, NULL } } },
	};
	const struct mp_part	*p;
	struct multipart	 mp;
	struct err		 err;
	size_t			 i, j;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = multipart_parse(CT, cases[i].body, strlen(cases[i].body),
		    &mp, &err);
		if (rc != cases[i].ok)
			fail_msg("case %zu: %d, want %d (%s)", i, rc,
			    cases[i].ok, rc == 0 ? err.msg : "");
		if (rc != 1) {
			assert_null(mp.parts);
			assert_int_equal(mp.n, 0);
			continue;
		}
		assert_int_equal(mp.n, cases[i].n);
		for (j = 0; j < mp.n; j++) {
			p = &mp.parts[j];
			assert_string_equal(p->name, cases[i].parts[j].name);
			if (cases[i].parts[j].filename == NULL)
				assert_null(p->filename);
			else
				assert_string_equal(p->filename,
				    cases[i].parts[j].filename);
			assert_int_equal(p->len,
			    strlen(cases[i].parts[j].data));
			assert_memory_equal(p->data, cases[i].parts[j].data,
			    p->len);
		}
		multipart_reset(&mp);
	}
}

/* Binary content (NUL, CR, bytes over 0x7f) comes through whole. */
static void
test_binary(void **state)
{
	static const char	body[] = "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"bin\"; filename=\"a.out\"\r\n\r\n"
	    "\x00\x01\r\xff\xfe\r\n-\x00\r\n--XyZ--";
	const struct mp_part	*p;
	struct multipart	 mp;
	struct err		 err;

	(void)state;
	assert_int_equal(multipart_parse(CT, body, sizeof(body) - 1, &mp,
	    &err), 1);
	assert_int_equal(mp.n, 1);
	assert_non_null(p = multipart_get(&mp, "bin"));
	assert_null(multipart_get(&mp, "other"));
	assert_string_equal(p->filename, "a.out");
	assert_null(p->content_type);
	assert_int_equal(p->len, 9);
	assert_memory_equal(p->data, "\x00\x01\r\xff\xfe\r\n-\x00", 9);
	multipart_reset(&mp);
	/* a NULL body is an empty one */
	assert_int_equal(multipart_parse(CT, NULL, 10, &mp, &err), 0);
	/* reset twice is fine */
	multipart_reset(&mp);
	multipart_reset(&mp);
}

static size_t
add_part(char *b, size_t at, size_t cap, const char *name, size_t vlen)
{
	int	n;

	n = snprintf(b + at, cap - at, "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"%s\"\r\n\r\n", name);
	assert_true(n > 0 && (size_t)n < cap - at);
	at += (size_t)n;
	assert_true(at + vlen + 2 < cap);
	memset(b + at, 'v', vlen);
	at += vlen;
	memcpy(b + at, "\r\n", 2);
	return at + 2;
}

static void
test_limits(void **state)
{
	struct multipart	 mp;
	struct err		 err;
	char			*b, name[MP_MAX_NAME + 2];
	size_t			 cap = 1 << 16, n, i;

	(void)state;
	assert_non_null(b = malloc(cap));
	/* MP_MAX_PARTS parts pass, one more does not */
	for (n = 0, i = 0; i < MP_MAX_PARTS; i++)
		n = add_part(b, n, cap, "p", 1);
	memcpy(b + n, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, b, n + 7, &mp, &err), 1);
	assert_int_equal(mp.n, MP_MAX_PARTS);
	multipart_reset(&mp);
	n = add_part(b, n, cap, "p", 1);
	memcpy(b + n, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, b, n + 7, &mp, &err), 0);
	assert_non_null(strstr(err.msg, "parts"));

	/* a name of MP_MAX_NAME bytes passes, one more does not */
	memset(name, 'n', MP_MAX_NAME);
	name[MP_MAX_NAME] = '\0';
	n = add_part(b, 0, cap, name, 3);
	memcpy(b + n, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, b, n + 7, &mp, &err), 1);
	assert_int_equal(strlen(mp.parts[0].name), MP_MAX_NAME);
	multipart_reset(&mp);
	name[MP_MAX_NAME] = 'n';
	name[MP_MAX_NAME + 1] = '\0';
	n = add_part(b, 0, cap, name, 3);
	memcpy(b + n, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, b, n + 7, &mp, &err), 0);

	/* header lines over MP_MAX_HEADER_BYTES */
	n = (size_t)snprintf(b, cap, "--XyZ\r\nContent-Disposition: "
	    "form-data; name=a\r\nX-Pad: ");
	memset(b + n, 'x', MP_MAX_HEADER_BYTES);
	n += MP_MAX_HEADER_BYTES;
	memcpy(b + n, "\r\n\r\nv\r\n--XyZ--", 14);
	assert_int_equal(multipart_parse(CT, b, n + 14, &mp, &err), 0);
	assert_non_null(strstr(err.msg, "headers"));
	/* a large content is fine: only the body length bounds it */
	n = add_part(b, 0, cap, "big", cap - 200);
	memcpy(b + n, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, b, n + 7, &mp, &err), 1);
	assert_int_equal(mp.parts[0].len, cap - 200);
	multipart_reset(&mp);
	free(b);
}

/*
 * Every prefix, and every single-byte change, of a browser-shaped body:
 * parsed into an exact-size copy, so any read past it is an ASan error.
 */
static void
test_mutations(void **state)
{
	static const char	body[] = "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"csrf_token\"\r\n\r\n123.abc\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"source_file\"; "
	    "filename=\"m\\\"a.c\"\r\nContent-Type: text/x-c\r\n\r\n"
	    "int main(void) { return 0; }\r\n--XyZ--\r\n";
	static const char	flips[] = { '\0', '\r', '\n', '-', '"', ';',
	    '=', ':', ' ', '\\', 'X', '\xff' };
	struct multipart	 mp;
	struct err		 err;
	size_t			 len = sizeof(body) - 1, i, j;
	char			*copy;
	int			 rc;

	(void)state;
	for (i = 0; i <= len; i++) {
		assert_non_null(copy = malloc(i ? i : 1));
		memcpy(copy, body, i);
		rc = multipart_parse(CT, copy, i, &mp, &err);
		assert_true(rc == 0 || rc == 1);
		/* only the whole body (or it less its last CRLF) is good */
		assert_int_equal(rc, i >= len - 2);
		multipart_reset(&mp);
		free(copy);
	}
	assert_non_null(copy = malloc(len));
	for (i = 0; i < len; i++)
		for (j = 0; j < sizeof(flips); j++) {
			memcpy(copy, body, len);
			copy[i] = flips[j];
			rc = multipart_parse(CT, copy, len, &mp, &err);
			assert_true(rc == 0 || rc == 1);
			multipart_reset(&mp);
		}
	free(copy);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
