/*
 * Unit tests of src/base/ besides the config (test_config.c) and HMAC
 * (test_hmac.c): integer parsing, base64, the growable buffer, the error
 * idiom and the small utilities.  Parsers get a table of boundary cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/base64.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/util.h"

static void
test_parse_i64(void **state)
{
	static const struct {
		const char	*in;
		int64_t		 min, max;
		int		 ok;
		int64_t		 want;
	} cases[] = {
		{ "1", 0, INT64_MAX, 1, 1 },
		{ "0", 0, INT64_MAX, 1, 0 },
		{ "-0", 0, INT64_MAX, 1, 0 },
		{ "007", 0, INT64_MAX, 1, 7 },
		{ "", 0, INT64_MAX, 0, 0 },
		{ "-", INT64_MIN, INT64_MAX, 0, 0 },
		{ "-1", 0, INT64_MAX, 0, 0 },
		{ "-1", INT64_MIN, INT64_MAX, 1, -1 },
		{ "12a", 0, INT64_MAX, 0, 0 },
		{ "a12", 0, INT64_MAX, 0, 0 },
		{ "1.5", 0, INT64_MAX, 0, 0 },
		{ "1e3", 0, INT64_MAX, 0, 0 },
		{ "0x10", 0, INT64_MAX, 0, 0 },
		{ " 1", 0, INT64_MAX, 0, 0 },
		{ "1 ", 0, INT64_MAX, 0, 0 },
		{ "1\n", 0, INT64_MAX, 0, 0 },
		{ "+1", 0, INT64_MAX, 0, 0 },
		{ "9223372036854775807", 0, INT64_MAX, 1, INT64_MAX },
		{ "9223372036854775808", 0, INT64_MAX, 0, 0 },
		{ "99999999999999999999999", 0, INT64_MAX, 0, 0 },
		{ "-9223372036854775808", INT64_MIN, INT64_MAX, 1, INT64_MIN },
		{ "-9223372036854775809", INT64_MIN, INT64_MAX, 0, 0 },
		/* the range is inclusive at both ends */
		{ "1", 1, 100, 1, 1 },
		{ "100", 1, 100, 1, 100 },
		{ "0", 1, 100, 0, 0 },
		{ "101", 1, 100, 0, 0 },
	};
	size_t	i;
	int64_t	got;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = 4242;
		rc = util_parse_i64(cases[i].in, cases[i].min, cases[i].max,
		    &got);
		if (rc != (cases[i].ok ? 0 : -1) ||
		    got != (cases[i].ok ? cases[i].want : 4242))
			fail_msg("case %zu \"%s\" in [%lld, %lld]: rc %d, "
			    "got %lld", i, cases[i].in,
			    (long long)cases[i].min, (long long)cases[i].max,
			    rc, (long long)got);
	}
	assert_int_equal(util_parse_i64(NULL, 0, 1, &got), -1);
}

/* RFC 4648 section 10, both ways */
static void
test_base64_vectors(void **state)
{
	static const struct {
		const char	*plain, *coded;
	} v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char	*s;
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_non_null(s = base64_encode(v[i].plain,
		    strlen(v[i].plain), &n));
		assert_string_equal(s, v[i].coded);
		assert_int_equal(n, strlen(v[i].coded));
		free(s);
		assert_non_null(s = base64_decode(v[i].coded,
		    strlen(v[i].coded), &n));
		assert_int_equal(n, strlen(v[i].plain));
		assert_string_equal(s, v[i].plain);	/* NUL-terminated */
		free(s);
	}
}

static void
test_base64_binary(void **state)
{
	unsigned char	 all[256];
	char		*coded, *back;
	size_t		 i, n, m;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	/* every length up to 256, so each tail (0, 1, 2 bytes) is met */
	for (i = 0; i <= sizeof(all); i++) {
		assert_non_null(coded = base64_encode(all, i, &n));
		assert_int_equal(n % 4, 0);
		assert_non_null(back = base64_decode(coded, n, &m));
		assert_int_equal(m, i);
		assert_memory_equal(back, all, i);
		free(coded);
		free(back);
	}
}

/*
 * MIME's lines, as Judge0 (Ruby's Base64.encode64) writes them: 60
 * characters a line, every line ended; decoding skips CR and LF and is
 * as strict as base64_decode about everything else.
 */
static void
test_base64_lines(void **state)
{
	static const char *const bad[] = {
		"Zg", "Zm9v Ym Fy", "Zm9v\tYmFy", "Zm\n=9v", "@@@@\n",
	};
	unsigned char	 all[100];
	char		*s;
	size_t		 i, n;

	(void)state;
	assert_non_null(s = base64_encode_lines("", 0, &n));
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	assert_non_null(s = base64_encode_lines("hello, world\n", 13, &n));
	assert_string_equal(s, "aGVsbG8sIHdvcmxkCg==\n");
	assert_int_equal(n, 21);
	free(s);
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	/* 45 bytes fill one line exactly; 100 take three */
	assert_non_null(s = base64_encode_lines(all, 45, &n));
	assert_int_equal(n, 61);
	assert_int_equal(s[60], '\n');
	assert_ptr_equal(strchr(s, '\n'), s + 60);
	free(s);
	assert_non_null(s = base64_encode_lines(all, sizeof(all), &n));
	assert_int_equal(n, 136 + 3);
	assert_int_equal(s[60], '\n');
	assert_int_equal(s[121], '\n');
	assert_int_equal(s[n - 1], '\n');
	free(s);
	/* and back, with CR LF too */
	assert_non_null(s = base64_decode_lines("Zm9v\r\nYmFy\n", 11, &n));
	assert_int_equal(n, 6);
	assert_string_equal(s, "foobar");
	free(s);
	assert_non_null(s = base64_decode_lines("\n", 1, &n));
	assert_int_equal(n, 0);
	free(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (base64_decode_lines(bad[i], strlen(bad[i]), &n) != NULL ||
		    errno != EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

/*
 * The decoder is strict: what it refuses, it refuses with EINVAL.  No
 * whitespace or line breaks (MIME-style wrapped input is refused), no
 * missing or inner padding, no other alphabet, no stray bits.
 */
static void
test_base64_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg", "Zg=", "Zm9", "Z", "=", "==", "====", "Zg=a",
		"Zm=v", "Zg==Zg==", "Zm9v\n", "Zm9v\nYmFy", "Zm9v\r\nYmFy",
		" Zm9v", "Zm9v ", "Zm 9v", "Zm9\t", "Zh==", "Zm9=",
		"-_8=", "Zm9v*mFy", "Zm9vYmF\xc3",
	};
	size_t	 i, n;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if ((s = base64_decode(bad[i], strlen(bad[i]), &n)) != NULL ||
		    errno != EINVAL)
			fail_msg("case %zu \"%s\" was accepted (errno %d)", i,
			    bad[i], errno);
	}
	/* length, not NUL, ends the input: a NUL inside is a bad char */
	errno = 0;
	assert_null(base64_decode("Zm\0v", 4, &n));
	assert_int_equal(errno, EINVAL);
}

static void
test_buf_growth(void **state)
{
	struct buf	 b = { 0 };
	struct err	 err = { "" };
	char		 chunk[100], *p;
	size_t		 i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	/* across the first capacity (64) and several doublings */
	for (i = 0; i < 50; i++) {
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk), &err), 0);
		assert_int_equal(b.len, (i + 1) * sizeof(chunk));
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	assert_int_equal(b.cap, 8192);	/* 64 doubled to fit 5001 */
	for (i = 0; i < b.len; i++)
		if (b.data[i] != 'x')
			fail_msg("byte %zu lost in a regrowth", i);
	/* an empty append of NULL is fine and adds nothing */
	assert_int_equal(buf_append(&b, NULL, 0, &err), 0);
	assert_int_equal(b.len, 5000);
	assert_int_equal(buf_printf(&b, &err, "%s=%d", "n", 42), 0);
	assert_int_equal(buf_puts(&b, "!", &err), 0);
	assert_string_equal(b.data + 5000, "n=42!");
	assert_int_equal(b.len, 5005);

	/* a length that wraps size_t is refused before anything moves */
	assert_int_equal(buf_append(&b, chunk, SIZE_MAX - 2, &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(b.len, 5005);
	assert_string_equal(b.data + 5000, "n=42!");

	/* steal hands over the data and leaves the buffer empty */
	p = buf_steal(&b);
	assert_int_equal(strlen(p), 5005);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(p);
	/* an empty buffer steals as "", never NULL */
	assert_non_null(p = buf_steal(&b));
	assert_string_equal(p, "");
	free(p);

	/* a long printf grows in one step; reset frees */
	assert_int_equal(buf_printf(&b, &err, "%0300d", 7), 0);
	assert_int_equal(b.len, 300);
	assert_int_equal(b.data[299], '7');
	buf_reset(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_reset(&b);			/* twice is fine */
}

static void
test_err(void **state)
{
	struct err	err;
	char		long_arg[400];
	char		want[300];

	(void)state;
	errno = ENOENT;
	assert_int_equal(err_errno(&err, "open %s", "/x"), -1);
	snprintf(want, sizeof(want), "open /x: %s", strerror(ENOENT));
	assert_string_equal(err.msg, want);
	assert_int_equal(errno, ENOENT);	/* kept for the caller */

	assert_int_equal(err_set(&err, "bad %d", 7), -1);
	assert_string_equal(err.msg, "bad 7");
	/* a NULL err is allowed: the return value alone tells */
	assert_int_equal(err_set(NULL, "x"), -1);
	errno = EPERM;
	assert_int_equal(err_errno(NULL, "x"), -1);
	assert_int_equal(errno, EPERM);

	/* a long message is cut, NUL-terminated, in both */
	memset(long_arg, 'a', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	err_set(&err, "%s", long_arg);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	errno = EIO;
	err_errno(&err, "%s", long_arg);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_int_equal(errno, EIO);
}

static void
test_util(void **state)
{
	struct err	 err;
	char		 u[37], t[32], *p;
	int		 i;

	(void)state;
	for (i = 0; i < 100; i++) {
		assert_int_equal(util_uuid4(u, &err), 0);
		assert_true(util_is_uuid(u));
		assert_int_equal(u[14], '4');		/* version */
		assert_non_null(strchr("89ab", u[19]));	/* variant */
	}
	assert_true(util_is_uuid("00000000-0000-4000-8000-000000000000"));
	assert_false(util_is_uuid("00000000-0000-4000-8000-00000000000"));
	assert_false(util_is_uuid("00000000-0000-4000-8000-0000000000000"));
	assert_false(util_is_uuid("00000000-0000-4000-8000-00000000000A"));
	assert_false(util_is_uuid("00000000-0000-4000-8000_000000000000"));
	assert_false(util_is_uuid(""));

	util_iso8601(0, t);
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
	util_iso8601(1704164645678, t);
	assert_string_equal(t, "2024-01-02T03:04:05.678Z");

	assert_non_null(p = util_memdup0("a\0b", 3));
	assert_memory_equal(p, "a\0b\0", 4);
	free(p);
	assert_non_null(p = util_memdup0(NULL, 0));
	assert_string_equal(p, "");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_binary),
		cmocka_unit_test(test_base64_lines),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_util),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
