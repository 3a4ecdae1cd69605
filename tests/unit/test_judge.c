/* Unit tests for src/judge: output comparison and the verdict mapping. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "judge/judge.h"
#include "sandbox/sandbox.h"

static const struct {
	const char	*out, *expected;
	int		 equal;
} trim_cases[] = {
	{ "42\n", "42\n", 1 },
	{ "42", "42\n", 1 },			/* missing final newline */
	{ "42\n", "42", 1 },
	{ "42\r\n", "42\n", 1 },		/* CRLF */
	{ "42   \n", "42\n", 1 },			/* trailing spaces */
	{ "42\t\n", "42", 1 },
	{ "42\n\n\n", "42\n", 1 },		/* trailing blank lines */
	{ "42\n \n\t\n", "42", 1 },
	{ "", "", 1 },				/* empty output */
	{ "\n", "", 1 },
	{ "", "\n\n", 1 },
	{ "1\n2\n", "1\n2\n", 1 },
	{ "1 2\n", "1  2\n", 0 },		/* inner blanks count */
	{ " 42\n", "42\n", 0 },			/* leading blanks count */
	{ "1\n\n2\n", "1\n2\n", 0 },		/* inner blank line counts */
	{ "42\n", "43\n", 0 },
	{ "4\n", "42\n", 0 },
	{ "42\n", "4\n", 0 },
	{ "", "0", 0 },
	{ "a\n", "a\nb\n", 0 },
	{ "a\nb\n", "a\n", 0 },
	{ "1e-7\n", "0\n", 0 },			/* trim is textual */
};

static void
test_compare_trim(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(trim_cases) / sizeof(trim_cases[0]); i++) {
		int	got = judge_compare_trim(trim_cases[i].out,
		    strlen(trim_cases[i].out), trim_cases[i].expected,
		    strlen(trim_cases[i].expected));

		if (got != trim_cases[i].equal)
			fail_msg("case %zu: \"%s\" vs \"%s\": got %d", i,
			    trim_cases[i].out, trim_cases[i].expected, got);
	}
}

static void
test_compare_binary(void **state)
{
	(void)state;
	assert_true(judge_compare_trim("a\0b", 3, "a\0b", 3));
	assert_false(judge_compare_trim("a\0b", 3, "a\0c", 3));
}

static const struct {
	int		 mode;
	const char	*out, *expected;
	int		 equal;
} mode_cases[] = {
	{ JC_EXACT, "42\n", "42\n", 1 },
	{ JC_EXACT, "42", "42\n", 0 },
	{ JC_EXACT, "42\r\n", "42\n", 0 },
	{ JC_EXACT, "", "", 1 },
	{ JC_TOKENS, "1 2\n3", "1\n2   3\n\n", 1 },
	{ JC_TOKENS, "1 2", "1 2 3", 0 },
	{ JC_TOKENS, "1 2 3", "1 2", 0 },
	{ JC_TOKENS, "\r\n1\t2\r\n", "1 2", 1 },
	{ JC_TOKENS, "", "", 1 },
	{ JC_TOKENS, "", "\n \n", 1 },
	{ JC_TOKENS, "1.0", "1", 0 },			/* textual */
	{ JC_FLOAT, "1.0", "1", 1 },
	{ JC_FLOAT, "1e-7\n", "0\n", 1 },		/* within 1e-6 */
	{ JC_FLOAT, "1e-5\n", "0\n", 0 },
	{ JC_FLOAT, "1000000.5", "1000000", 1 },	/* relative 1e-6 */
	{ JC_FLOAT, "1000002", "1000000", 0 },
	{ JC_FLOAT, "nan", "nan", 1 },			/* same text */
	{ JC_FLOAT, "nan", "0", 0 },			/* NaN is no number */
	{ JC_FLOAT, "inf", "1e308", 0 },
	{ JC_FLOAT, "abc 1.0000001", "abc 1", 1 },
	{ JC_FLOAT, "abd 1", "abc 1", 0 },
	{ JC_FLOAT, "0x10", "16", 1 },			/* strtod reads hex */
	{ JC_FLOAT, "1", "1 2", 0 },
	/* huge tokens are compared as text */
	{ JC_FLOAT, "100000000000000000000000000000000000000000000000000000"
	    "00000000000000000001", "1e77", 0 },
	{ JC_FLOAT, "100000000000000000000000000000000000000000000000000000"
	    "00000000000000000001", "100000000000000000000000000000000000"
	    "00000000000000000000000000000000000001", 1 },
	{ JC_TRIM, "42  \r\n\n", "42", 1 },
};

static void
test_compare_modes(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(mode_cases) / sizeof(mode_cases[0]); i++) {
		int	got = judge_compare(mode_cases[i].mode,
		    mode_cases[i].out, strlen(mode_cases[i].out),
		    mode_cases[i].expected, strlen(mode_cases[i].expected),
		    JUDGE_DEFAULT_EPS, JUDGE_DEFAULT_EPS);

		if (got != mode_cases[i].equal)
			fail_msg("case %zu (%s): \"%s\" vs \"%s\": got %d", i,
			    judge_compare_name(mode_cases[i].mode),
			    mode_cases[i].out, mode_cases[i].expected, got);
	}
	assert_int_equal(judge_compare_parse("float"), JC_FLOAT);
	assert_int_equal(judge_compare_parse("TRIM"), JC_TRIM);
	assert_int_equal(judge_compare_parse("fuzzy"), -1);
}

static void
test_words(void **state)
{
	char	**w = NULL;

	(void)state;
	assert_int_equal(judge_words("  -O2\t-std=c11  x ", &w), 3);
	assert_string_equal(w[0], "-O2");
	assert_string_equal(w[1], "-std=c11");
	assert_string_equal(w[2], "x");
	assert_null(w[3]);
	judge_words_free(w);
	assert_int_equal(judge_words("", &w), 0);
	assert_null(w[0]);
	judge_words_free(w);
	/* no shell: quotes and $ are plain characters */
	assert_int_equal(judge_words("'a b' $(id)", &w), 3);
	assert_string_equal(w[0], "'a");
	assert_string_equal(w[2], "$(id)");
	judge_words_free(w);
}

static const struct {
	enum sandbox_status	 st;
	int			 exit_code, sig;
	uint32_t		 cpu_ms;
	const char		*out, *expected;
	int			 want;
	const char		*msg;		/* substring of the message */
} verdict_cases[] = {
	{ SANDBOX_OK, 0, 0, 10, "42\n", "42\n", JS_AC, "" },
	{ SANDBOX_OK, 0, 0, 10, "42\n", NULL, JS_AC, "" },
	{ SANDBOX_OK, 0, 0, 10, "41\n", "42\n", JS_WA, "wrong answer" },
	/* within cpu_extra_time: still too slow */
	{ SANDBOX_OK, 0, 0, 1200, "42\n", "42\n", JS_TLE, "CPU" },
	{ SANDBOX_OK, 0, 0, 1000, "42\n", "42\n", JS_AC, "" },
	/* a runtime error wins over a wrong answer */
	{ SANDBOX_RE, 3, 0, 10, "41\n", "42\n", JS_NZEC, "exit code 3" },
	{ SANDBOX_SIG, 0, SIGSEGV, 10, "", "42\n", JS_SIGSEGV, "SIGSEGV" },
	{ SANDBOX_SIG, 0, SIGFPE, 10, "", NULL, JS_SIGFPE, "SIGFPE" },
	{ SANDBOX_SIG, 0, SIGABRT, 10, "", NULL, JS_SIGABRT, "SIGABRT" },
	{ SANDBOX_SIG, 0, SIGXFSZ, 10, "", NULL, JS_SIGXFSZ, "SIGXFSZ" },
	{ SANDBOX_SIG, 0, SIGTERM, 10, "", NULL, JS_RE_OTHER, "SIGTERM" },
	{ SANDBOX_TLE, 0, SIGKILL, 1500, "", NULL, JS_TLE, "CPU" },
	{ SANDBOX_WTLE, 0, SIGKILL, 10, "", NULL, JS_TLE, "wall" },
	{ SANDBOX_MLE, 0, SIGKILL, 10, "", NULL, JS_MLE, "memory" },
	{ SANDBOX_OLE, 0, SIGKILL, 10, "", NULL, JS_OLE, "output" },
	{ SANDBOX_OLE, 0, SIGXFSZ, 10, "", NULL, JS_SIGXFSZ, "output" },
};

static void
test_verdicts(void **state)
{
	struct submission	sub;
	size_t			i;
	static const char *const messages[] = {
		[SANDBOX_OK] = "exited normally",
		[SANDBOX_RE] = "exit code 3",
		[SANDBOX_SIG] = "killed",
		[SANDBOX_TLE] = "CPU time limit exceeded",
		[SANDBOX_WTLE] = "wall time limit exceeded",
		[SANDBOX_MLE] = "memory limit exceeded",
		[SANDBOX_OLE] = "output limit exceeded",
		[SANDBOX_SV] = "forbidden system call",
	};

	(void)state;
	memset(&sub, 0, sizeof(sub));
	sub.lim.cpu_time_s = 1;
	sub.lim.cpu_extra_s = 0.5;
	sub.lim.wall_time_s = 3;
	sub.compare = JC_TRIM;
	for (i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]);
	    i++) {
		struct sandbox_result		r;
		struct judge_test_result	tr;
		struct judge_test		t;

		memset(&r, 0, sizeof(r));
		memset(&tr, 0, sizeof(tr));
		memset(&t, 0, sizeof(t));
		r.status = verdict_cases[i].st;
		r.exit_code = verdict_cases[i].exit_code;
		r.term_sig = verdict_cases[i].sig;
		r.cpu_ms = verdict_cases[i].cpu_ms;
		r.out = (char *)(uintptr_t)verdict_cases[i].out;
		r.out_len = strlen(verdict_cases[i].out);
		snprintf(r.message, sizeof(r.message), "%s",
		    messages[verdict_cases[i].st]);
		if (verdict_cases[i].expected != NULL) {
			t.expected = (char *)(uintptr_t)
			    verdict_cases[i].expected;
			t.expected_len = strlen(verdict_cases[i].expected);
		}
		judge_test_verdict(&tr, &r, &sub, &t);
		if (tr.status != verdict_cases[i].want)
			fail_msg("case %zu: status %d, want %d", i,
			    tr.status, verdict_cases[i].want);
		if (strstr(tr.message, verdict_cases[i].msg) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i,
			    tr.message, verdict_cases[i].msg);
	}
}

static void
test_status_table(void **state)
{
	int	id;

	(void)state;
	assert_string_equal(judge_status_description(JS_AC), "Accepted");
	assert_string_equal(judge_status_code(JS_MLE), "MLE");
	assert_string_equal(judge_status_description(JS_OLE),
	    "Output Limit Exceeded");
	assert_false(judge_status_is_final(JS_QUEUE));
	assert_false(judge_status_is_final(JS_PROCESSING));
	for (id = JS_AC; id <= JS_MAX; id++)
		assert_true(judge_status_is_final(id));
	assert_string_equal(judge_status_description(0), "Unknown");
	assert_string_equal(judge_status_description(JS_MAX + 1), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_trim),
		cmocka_unit_test(test_compare_binary),
		cmocka_unit_test(test_compare_modes),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_status_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
