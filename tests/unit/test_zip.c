/*
 * Unit tests for src/judge/zipfiles.c: Judge0's additional_files archives,
 * good and hostile, made here with libzip in memory (and patched byte by
 * byte where libzip would not write the lie).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <zip.h>

#include "base/err.h"
#include "judge/judge.h"
#include "judge/zipfiles.h"

/* One entry to make: a file (data, len), or a directory (dir). */
struct ent {
	const char	*name;
	const char	*data;
	size_t		 len;
	unsigned int	 st_mode;	/* Unix type and mode; 0: none set */
	int		 dir;
	int		 store;		/* no compression */
};

/* The archive of n entries, in a new buffer (*len bytes). */
static char *
make_zip(const struct ent *e, size_t n, size_t *len)
{
	zip_error_t	 zerr;
	zip_source_t	*src, *fs;
	zip_stat_t	 st;
	zip_t		*za;
	zip_int64_t	 idx;
	char		*buf;
	size_t		 i;

	zip_error_init(&zerr);
	assert_non_null(src = zip_source_buffer_create(NULL, 0, 0, &zerr));
	zip_source_keep(src);
	assert_non_null(za = zip_open_from_source(src, ZIP_TRUNCATE, &zerr));
	for (i = 0; i < n; i++) {
		if (e[i].dir)
			idx = zip_dir_add(za, e[i].name, ZIP_FL_ENC_RAW);
		else {
			assert_non_null(fs = zip_source_buffer(za, e[i].data,
			    e[i].len, 0));
			idx = zip_file_add(za, e[i].name, fs, ZIP_FL_ENC_RAW);
			if (idx < 0)
				zip_source_free(fs);
		}
		if (idx < 0)
			fail_msg("add %s: %s", e[i].name, zip_strerror(za));
		if (e[i].store)
			assert_int_equal(zip_set_file_compression(za,
			    (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
		if (e[i].st_mode != 0)
			assert_int_equal(zip_file_set_external_attributes(za,
			    (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
			    (zip_uint32_t)e[i].st_mode << 16), 0);
	}
	assert_int_equal(zip_close(za), 0);
	assert_int_equal(zip_source_open(src), 0);
	zip_stat_init(&st);
	assert_int_equal(zip_source_stat(src, &st), 0);
	assert_non_null(buf = malloc(st.size + 1));
	assert_int_equal(zip_source_read(src, buf, st.size),
	    (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&zerr);
	*len = st.size;
	return buf;
}

/* Replaces every from (same length as to) in the archive's bytes. */
static void
patch(char *buf, size_t len, const char *from, const char *to)
{
	size_t	n = strlen(from), i, hits = 0;

	assert_int_equal(strlen(to), n);
	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, from, n) == 0) {
			memcpy(buf + i, to, n);
			hits++;
		}
	assert_true(hits >= 2);		/* local and central header */
}

/* Writes v as 4 little-endian bytes at each header's size field. */
static void
patch_size(char *buf, size_t len, uint32_t v)
{
	size_t	i, hits = 0;
	int	k;

	for (i = 0; i + 46 <= len; i++) {
		size_t	off;

		if (memcmp(buf + i, "PK\x03\x04", 4) == 0)
			off = i + 22;
		else if (memcmp(buf + i, "PK\x01\x02", 4) == 0)
			off = i + 24;
		else
			continue;
		for (k = 0; k < 4; k++)
			buf[off + k] = (char)((v >> (8 * k)) & 0xff);
		hits++;
	}
	assert_int_equal(hits, 2);
}

/* Unpacks buf under caps; returns the verdict, why in why. */
static int
unpack(const char *buf, size_t len, const struct judge_zip_caps *caps,
    struct judge_file **files, size_t *n, char *why, size_t why_size)
{
	struct err	err = { "" };
	int		rc;

	why[0] = '\0';
	rc = judge_zip_unpack(buf, len, caps, files, n, why, why_size, &err);
	if (rc == -1)
		fail_msg("unpack failed: %s", err.msg);
	if (rc == 0) {
		assert_null(*files);
		assert_int_equal(*n, 0);
		assert_true(why[0] != '\0');
	}
	return rc;
}

/* The archive of e is refused, and why names want. */
static void
refused(const struct ent *e, size_t n, const struct judge_zip_caps *caps,
    const char *want)
{
	struct judge_file	*files = NULL;
	char			*buf, why[256];
	size_t			 len, nf = 0;

	buf = make_zip(e, n, &len);
	if (unpack(buf, len, caps, &files, &nf, why, sizeof(why)) != 0)
		fail_msg("%s: accepted, want \"%s\"", e[n - 1].name, want);
	if (strstr(why, want) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", e[n - 1].name, why,
		    want);
	free(buf);
}

static void
test_good_archive(void **state)
{
	static const struct ent e[] = {
		{ "main.py", "print(1)\n", 9, S_IFREG | 0644, 0, 0 },
		{ "src/", NULL, 0, S_IFDIR | 0755, 1, 0 },
		{ "src/lib/util.py", "X = 2\n", 6, 0, 0, 0 },
		{ "run", "python3 main.py\n", 15, S_IFREG | 0755, 0, 1 },
		{ "empty/", NULL, 0, 0, 1, 0 },
		{ "data.bin", "\0\1\2", 3, S_IFREG | 0600, 0, 0 },
	};
	struct judge_file	*f = NULL;
	char			*buf, why[256];
	size_t			 len, n = 0;

	(void)state;
	buf = make_zip(e, 6, &len);
	assert_int_equal(unpack(buf, len, NULL, &f, &n, why, sizeof(why)), 1);
	assert_int_equal(n, 4);		/* the directories are not files */
	assert_string_equal(f[0].name, "main.py");
	assert_int_equal(f[0].len, 9);
	assert_memory_equal(f[0].content, "print(1)\n", 9);
	assert_int_equal(f[0].mode, 0644);
	assert_string_equal(f[1].name, "src/lib/util.py");
	assert_string_equal(f[2].name, "run");
	assert_int_equal(f[2].mode, 0755);	/* the x bit is kept */
	assert_memory_equal(f[2].content, "python3 main.py\n", 15);
	assert_string_equal(f[3].name, "data.bin");
	assert_int_equal(f[3].len, 3);
	assert_memory_equal(f[3].content, "\0\1\2", 3);
	judge_files_free(f, n);
	free(buf);
}

static void
test_names_that_leave_the_box(void **state)
{
	static const struct {
		const char	*name, *want;
	} cases[] = {
		{ "../evil", "\"..\"" },
		{ "a/../../evil", "\"..\"" },
		{ "a/..", "\"..\"" },
		{ "./a", "\".\"" },
		{ "/etc/passwd", "absolute" },
		{ "a//b", "empty path component" },
		{ "..\\evil", "backslash" },
		{ "a\nb", "control character" },
		{ "1/2/3/4/5/6/7/8/9", "too deep" },
	};
	struct ent	e = { NULL, "x", 1, 0, 0, 0 };
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.name = cases[i].name;
		refused(&e, 1, NULL, cases[i].want);
	}
}

static void
test_long_name(void **state)
{
	char		name[300];
	struct ent	e = { name, "x", 1, 0, 0, 0 };

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	refused(&e, 1, NULL, "255 bytes");
}

static void
test_links_and_devices(void **state)
{
	struct ent	e = { "link", "/etc/passwd", 11, S_IFLNK | 0777, 0, 0 };

	(void)state;
	refused(&e, 1, NULL, "symbolic link");
	e.name = "tty";
	e.st_mode = S_IFCHR | 0666;
	refused(&e, 1, NULL, "device");
	e.name = "disk";
	e.st_mode = S_IFBLK | 0666;
	refused(&e, 1, NULL, "device");
	e.name = "fifo";
	e.st_mode = S_IFIFO | 0666;
	refused(&e, 1, NULL, "fifo");
	/* a directory entry that claims to be a link */
	e.name = "d/";
	e.dir = 1;
	e.st_mode = S_IFLNK | 0777;
	refused(&e, 1, NULL, "symbolic link");
}

static void
test_clashes(void **state)
{
	static const struct ent file_then_under[] = {
		{ "a", "x", 1, 0, 0, 0 },
		{ "a/b", "y", 1, 0, 0, 0 },
	};
	static const struct ent under_then_file[] = {
		{ "a/b", "y", 1, 0, 0, 0 },
		{ "a", "x", 1, 0, 0, 0 },
	};
	static const struct ent dir_then_file[] = {
		{ "a/", NULL, 0, 0, 1, 0 },
		{ "a", "x", 1, 0, 0, 0 },
	};
	static const struct ent file_then_dir[] = {
		{ "a", "x", 1, 0, 0, 0 },
		{ "a/", NULL, 0, 0, 1, 0 },
	};
	static const struct ent dup[] = {
		{ "dupA", "x", 1, 0, 0, 0 },
		{ "dupB", "y", 1, 0, 0, 0 },
	};
	struct judge_file	*f = NULL;
	char			*buf, why[256];
	size_t			 len, n = 0;

	(void)state;
	refused(file_then_under, 2, NULL, "clashes");
	refused(under_then_file, 2, NULL, "clashes");
	refused(dir_then_file, 2, NULL, "clashes");
	refused(file_then_dir, 2, NULL, "clashes");
	/*
	 * libzip will not write a name twice: write two, then rename one
	 * (libzip's open then refuses the archive itself)
	 */
	buf = make_zip(dup, 2, &len);
	patch(buf, len, "dupB", "dupA");
	assert_int_equal(unpack(buf, len, NULL, &f, &n, why, sizeof(why)), 0);
	free(buf);
	if (strstr(why, "clashes") == NULL &&
	    strstr(why, "already exists") == NULL)
		fail_msg("duplicate: %s", why);
}

static void
test_caps(void **state)
{
	static const struct judge_zip_caps few = { 3, 1 << 20, 100 };
	static const struct judge_zip_caps small = { 100, 1000, 100 };
	struct ent	e[4] = {
		{ "a", "1", 1, 0, 0, 0 }, { "b", "2", 1, 0, 0, 0 },
		{ "c", "3", 1, 0, 0, 0 }, { "d", "4", 1, 0, 0, 0 },
	};
	char		*big;

	(void)state;
	refused(e, 4, &few, "more than 3 entries");
	/* 600 + 600 bytes over a cap of 1000 */
	assert_non_null(big = malloc(600));
	memset(big, 'q', 600);
	e[0].data = e[1].data = big;
	e[0].len = e[1].len = 600;
	refused(e, 2, &small, "more than 1000 bytes");
	free(big);
}

static void
test_bomb(void **state)
{
	struct ent	 e = { "zeros", NULL, 4 << 20, 0, 0, 0 };
	char		*z;

	(void)state;
	/* 4 MiB of zeros deflate to about 4 KiB: a ratio near 1000 */
	assert_non_null(z = calloc(1, e.len));
	e.data = z;
	refused(&e, 1, NULL, "zip bomb");
	/* and 11 MiB is over the default 10240 KB in any case */
	free(z);
	assert_non_null(z = calloc(1, 11 << 20));
	e.data = z;
	e.len = 11 << 20;
	refused(&e, 1, NULL, "more than");
	free(z);
}

static void
test_sizes_that_lie(void **state)
{
	static const struct ent e = { "lie", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAA", 100, 0, 0, 1 };
	struct judge_file	*f = NULL;
	char			*buf, why[256];
	size_t			 len, n = 0;

	(void)state;
	/* stored, claiming less than it holds */
	buf = make_zip(&e, 1, &len);
	patch_size(buf, len, 50);
	assert_int_equal(unpack(buf, len, NULL, &f, &n, why, sizeof(why)), 0);
	free(buf);
	/* and claiming more */
	buf = make_zip(&e, 1, &len);
	patch_size(buf, len, 200);
	assert_int_equal(unpack(buf, len, NULL, &f, &n, why, sizeof(why)), 0);
	free(buf);
}

static void
test_not_a_zip(void **state)
{
	static const struct ent e = { "a.txt", "hello, hello, hello", 19, 0,
	    0, 0 };
	struct judge_file	*f = NULL;
	char			*buf, why[256];
	size_t			 len, n = 0;

	(void)state;
	assert_int_equal(unpack("", 0, NULL, &f, &n, why, sizeof(why)), 0);
	assert_int_equal(unpack("not a zip at all", 16, NULL, &f, &n, why,
	    sizeof(why)), 0);
	assert_non_null(strstr(why, "not a readable zip"));
	/* cut short: the central directory is gone */
	buf = make_zip(&e, 1, &len);
	assert_int_equal(unpack(buf, len / 2, NULL, &f, &n, why,
	    sizeof(why)), 0);
	/* a flipped byte in the data: the CRC does not match */
	buf[30 + 5 + 3] ^= 0x55;
	assert_int_equal(unpack(buf, len, NULL, &f, &n, why, sizeof(why)), 0);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_archive),
		cmocka_unit_test(test_names_that_leave_the_box),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_links_and_devices),
		cmocka_unit_test(test_clashes),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_sizes_that_lie),
		cmocka_unit_test(test_not_a_zip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
