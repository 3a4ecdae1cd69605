/*
 * Unit tests of the compile cache (src/judge/cache.c) on a temp dir:
 * entries round-trip, a broken entry is a miss and goes, the least
 * recently used go first, the key changes with every input, and the
 * directory must be ours.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "judge/cache.h"
#include "sandbox/sandbox.h"

struct dir {
	char	path[64];
};

static int
dir_setup(void **state)
{
	struct dir	*d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/test_cache.XXXXXX");
	if (mkdtemp(d->path) == NULL)
		return -1;
	*state = d;
	return 0;
}

static int
dir_teardown(void **state)
{
	struct dir	*d = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	(void)!system(cmd);
	free(d);
	return 0;
}

/* Puts an entry of one file (path, data) and output under key. */
static void
put_one(struct cache *c, const char *key, const char *path,
    const char *data, const char *output)
{
	struct cache_writer	*w;
	struct sandbox_box_file	 f = { path, 0755, data, strlen(data) };
	struct err		 err = { "" };

	assert_non_null(w = cache_put_begin(c, key, &err));
	assert_int_equal(cache_put_file(w, &f, &err), 0);
	if (cache_put_commit(w, output, strlen(output), &err) == -1)
		fail_msg("commit: %s", err.msg);
}

static void
key_of(const char *const *parts, char out[CACHE_KEY_HEX])
{
	struct cache_key	*k = cache_key_new();

	for (; *parts != NULL; parts++)
		cache_key_str(k, *parts);
	cache_key_final(k, out);
}

static void
test_round_trip(void **state)
{
	struct dir		*d = *state;
	struct cache		*c;
	struct cache_entry	*e;
	struct err		 err = { "" };
	char			 dir[128];

	snprintf(dir, sizeof(dir), "%s/c", d->path);
	assert_non_null(c = cache_open(dir, 1 << 20, &err));
	put_one(c, "aa", "sub/main", "\x7f" "ELF...", "warning: x\n");
	assert_int_equal(cache_get(c, "aa", &e, &err), 1);
	assert_string_equal(e->output, "warning: x\n");
	assert_int_equal(e->nfiles, 1);
	assert_string_equal(e->files[0].path, "sub/main");
	assert_int_equal(e->files[0].mode, 0755);
	assert_memory_equal(e->files[0].data, "\x7f" "ELF...", 7);
	cache_entry_free(e);
	assert_int_equal(cache_get(c, "bb", &e, &err), 0);
	assert_null(e);
	cache_close(c);
}

/* A cut or garbled entry is a miss, and is removed. */
static void
test_broken_entry(void **state)
{
	struct dir		*d = *state;
	struct cache		*c;
	struct cache_entry	*e;
	struct err		 err = { "" };
	char			 dir[128], path[192];
	struct stat		 st;
	int			 fd;

	snprintf(dir, sizeof(dir), "%s/c", d->path);
	assert_non_null(c = cache_open(dir, 1 << 20, &err));
	put_one(c, "cc", "main", "program", "");
	snprintf(path, sizeof(path), "%s/cc", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 3), 0);
	assert_int_equal(cache_get(c, "cc", &e, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
	/* a file that is not an entry at all */
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(write(fd, "CRCACHE1F\xff\xff", 11), 11);
	close(fd);
	assert_int_equal(cache_get(c, "cc", &e, &err), 0);
	/* a link where an entry would be is not followed */
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(cache_get(c, "cc", &e, &err) == 1, 0);
	cache_close(c);
}

/* Over the cap, the least recently used entries go first. */
static void
test_eviction(void **state)
{
	struct dir		*d = *state;
	struct cache		*c;
	struct cache_entry	*e;
	struct err		 err = { "" };
	struct timespec		 ts = { 0, 20 * 1000 * 1000 };
	char			 dir[128], data[1000], k[3][CACHE_KEY_HEX];
	static const char *const p0[] = { "0", NULL }, *const p1[] = {
		"1", NULL }, *const p2[] = { "2", NULL };

	memset(data, 'x', sizeof(data) - 1);
	data[sizeof(data) - 1] = '\0';
	key_of(p0, k[0]);
	key_of(p1, k[1]);
	key_of(p2, k[2]);
	snprintf(dir, sizeof(dir), "%s/c", d->path);
	/* room for two entries of about 1 KB */
	assert_non_null(c = cache_open(dir, 2500, &err));
	put_one(c, k[0], "main", data, "");
	nanosleep(&ts, NULL);
	put_one(c, k[1], "main", data, "");
	nanosleep(&ts, NULL);
	/* using the first makes the second the oldest */
	assert_int_equal(cache_get(c, k[0], &e, &err), 1);
	cache_entry_free(e);
	nanosleep(&ts, NULL);
	put_one(c, k[2], "main", data, "");
	assert_int_equal(cache_get(c, k[1], &e, &err), 0);
	assert_int_equal(cache_get(c, k[0], &e, &err), 1);
	cache_entry_free(e);
	assert_int_equal(cache_get(c, k[2], &e, &err), 1);
	cache_entry_free(e);
	cache_close(c);
}

/* Every input changes the key; inputs do not run together. */
static void
test_keys(void **state)
{
	static const char *const a[] = { "c", "12.2", "-O2", "main.c",
		"int main(){}", NULL };
	static const char *const b[] = { "c", "12.3", "-O2", "main.c",
		"int main(){}", NULL };
	static const char *const c[] = { "c", "12.2", "-O2 ", "main.c",
		"int main(){}", NULL };
	static const char *const d[] = { "c", "12.2-O2", "", "main.c",
		"int main(){}", NULL };
	char	ka[CACHE_KEY_HEX], kb[CACHE_KEY_HEX], kc[CACHE_KEY_HEX];
	char	kd[CACHE_KEY_HEX], ka2[CACHE_KEY_HEX];

	(void)state;
	key_of(a, ka);
	key_of(a, ka2);
	key_of(b, kb);
	key_of(c, kc);
	key_of(d, kd);
	assert_string_equal(ka, ka2);
	assert_int_equal(strlen(ka), 64);
	assert_string_not_equal(ka, kb);
	assert_string_not_equal(ka, kc);
	assert_string_not_equal(ka, kd);
}

/* The cache's dir must be ours, 0700, not a link. */
static void
test_dir_checks(void **state)
{
	struct dir	*d = *state;
	struct cache	*c;
	struct err	 err = { "" };
	char		 dir[128], link[128];

	snprintf(dir, sizeof(dir), "%s/open", d->path);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_null(cache_open(dir, 1 << 20, &err));
	snprintf(link, sizeof(link), "%s/link", d->path);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(symlink(dir, link), 0);
	assert_null(cache_open(link, 1 << 20, &err));
	assert_non_null(c = cache_open(dir, 1 << 20, &err));
	cache_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_broken_entry, dir_setup,
		    dir_teardown),
		cmocka_unit_test_setup_teardown(test_eviction, dir_setup,
		    dir_teardown),
		cmocka_unit_test(test_keys),
		cmocka_unit_test_setup_teardown(test_dir_checks, dir_setup,
		    dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
