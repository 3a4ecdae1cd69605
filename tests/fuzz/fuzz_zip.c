/*
 * libFuzzer target for Judge0's additional_files: judge_zip_unpack on
 * any bytes, under small caps (so that the fuzzer reaches the cap checks
 * and does not spend its time inflating).  Every file it accepts must
 * have a name the box takes: relative, no "." or ".." component, no
 * empty one.  Run from the repository root:
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *	    tests/fuzz/fuzz_zip.c build/libcoderunner.a -lzip \
 *	    -o build/fuzz_zip
 *
 * Seeds: any small zip archives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "judge/judge.h"
#include "judge/zipfiles.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Aborts (a finding) unless name is a relative path of plain parts. */
static void
check_name(const char *name)
{
	const char	*p = name, *end;
	size_t		 n;

	if (*name == '\0' || *name == '/')
		abort();
	for (;;) {
		end = strchr(p, '/');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			abort();
		if (end == NULL)
			return;
		p = end + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct judge_zip_caps caps = { 64, 1 << 20, 100 };
	struct judge_file	*files = NULL;
	struct err		 err;
	char			 why[256];
	size_t			 n = 0, i;

	if (judge_zip_unpack(data, len, &caps, &files, &n, why, sizeof(why),
	    &err) == 1)
		for (i = 0; i < n; i++)
			check_name(files[i].name);
	judge_files_free(files, n);
	return 0;
}
