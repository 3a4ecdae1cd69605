#ifndef JUDGE_H
#define JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

struct err;
struct cache;
struct sandbox;
struct sandbox_result;
struct lang;
struct lang_table;
struct prepared;

/* Judge0's status ids, plus 15 and 16. */
enum judge_status {
	JS_QUEUE = 1, JS_PROCESSING = 2, JS_AC = 3, JS_WA = 4, JS_TLE = 5,
	JS_CE = 6, JS_SIGSEGV = 7, JS_SIGXFSZ = 8, JS_SIGFPE = 9,
	JS_SIGABRT = 10, JS_NZEC = 11, JS_RE_OTHER = 12, JS_IE = 13,
	JS_EXEC_FORMAT = 14, JS_MLE = 15, JS_OLE = 16,
};
#define JS_MAX	16

const char	*judge_status_description(int id);	/* "Accepted" */
const char	*judge_status_code(int id);		/* "AC" */
/*
 * The status Judge0 itself would give for id (1 to 14): a program the
 * memory limit killed (15) is 12, Runtime Error (Other), as Judge0 says
 * of a program its memory cgroup killed; one over the output limit (16)
 * is 8, Runtime Error (SIGXFSZ), as Judge0 says of output over its file
 * size limit.  Every other id is itself.
 */
int		 judge_status_judge0(int id);
int		 judge_status_is_final(int id);

/* How output is compared with the expected output. */
enum judge_compare {
	JC_TRIM,	/* Judge0's: right-strip lines, drop trailing blanks */
	JC_EXACT,	/* byte for byte */
	JC_TOKENS,	/* whitespace-separated tokens */
	JC_FLOAT,	/* tokens; numbers equal within abs/rel epsilon */
};
#define JUDGE_DEFAULT_EPS	1e-6

/* "trim" -> JC_TRIM ...; -1 if unknown. */
int		 judge_compare_parse(const char *);
const char	*judge_compare_name(int);

/*
 * An extra file of a multi-file program: a plain name from the API's
 * files, a relative path from an archive (see zipfiles.h).
 */
struct judge_file {
	char	*name;
	char	*content;
	size_t	 len;
	int	 mode;		/* permission bits; 0 = 0644 */
};

/* One test case: input and, optionally, the expected output. */
struct judge_test {
	char	*stdin_data;
	size_t	 stdin_len;
	char	*expected;		/* NULL = no comparison */
	size_t	 expected_len;
};

/* What one test produced. */
struct judge_test_result {
	int	 status;		/* enum judge_status */
	char	 message[160];
	char	*stdout_data;
	size_t	 stdout_len;
	int	 stdout_truncated;
	char	*stderr_data;
	size_t	 stderr_len;
	int	 stderr_truncated;
	double	 time_s;		/* CPU */
	double	 wall_time_s;
	int64_t	 memory_kb;
	int	 exit_code;
	int	 exit_signal;
};

/*
 * A submission: the request part (filled by the API, stored, read back by
 * an executor) and the verdict part (filled by judge_run).
 */
struct submission {
	int64_t			 id;		/* store row id */
	char			 token[37];
	char			*owner;
	int			 lang_id;
	char			*source;
	size_t			 source_len;
	struct judge_test	*tests;		/* ntests >= 1 */
	size_t			 ntests;
	struct limits		 lim;
	int			 redirect_stderr;
	int			 compare;	/* enum judge_compare */
	double			 abs_eps;
	double			 rel_eps;
	int			 stop_on_failure;
	int			 number_of_runs; /* 1..20, each test */
	char			*compiler_options;   /* or NULL */
	char			*command_line_arguments; /* or NULL */
	char			**argv;		/* exact argument words, NULL-
						   terminated (Piston's args),
						   or NULL: the words of
						   command_line_arguments */
	struct judge_file	*files;		/* extra files, nfiles */
	size_t			 nfiles;
	char			*additional_files; /* Judge0's zip, or NULL */
	size_t			 additional_files_len;
	/* verdict */
	int			 status;	/* enum judge_status */
	char			 message[160];
	char			*compile_output;
	size_t			 compile_output_len;
	struct judge_test_result *results;	/* ntests, after judging */
	int			 compiles;	/* compiler runs: 0 or 1 */
	int			 compile_cached; /* the compile's result came
						   from the cache (compiles 0) */
	int			 progress;	/* test being run, 1-based */
	double			 time_s;	/* max over tests */
	double			 wall_time_s;
	int64_t			 memory_kb;
	int64_t			 created_ms;
	int64_t			 started_ms;
	int64_t			 finished_ms;
	int			 attempts;
};

struct submission *submission_new(void);	/* zeroed; NULL on ENOMEM */
void	submission_free(struct submission *);	/* NULL is fine */
/*
 * The test that decided the verdict: the first final one that failed,
 * else the first; NULL while there are no results.  Borrowed from s.
 */
const struct judge_test_result *submission_main_result(
	    const struct submission *s);
/* Sets the single test from stdin/expected (expected may be NULL). */
int	submission_set_single_test(struct submission *, const char *in,
	    size_t in_len, const char *expected, size_t expected_len,
	    struct err *);

/*
 * What the executor tells the judge and is told as judging goes:
 * test_started before test k (1-based) of s runs (executors record it,
 * pages show "running test k of N", and renew their lease with it), and
 * the time budget of one submission, limits_maximum.total_wall_time in
 * ms (0: judge_budget_ms's fallback).
 */
struct judge_hooks {
	void	(*test_started)(void *arg, const struct submission *s,
		    size_t k);
	/* the box could not be removed afterwards (the verdict stands) */
	void	(*box_left)(void *arg, const char *why);
	void	*arg;
	int64_t	 total_wall_ms;
	/* the languages' prepared files (prepare.h), or NULL */
	struct prepared	*prepared;
	/*
	 * Not NULL: the box is left here, for the caller to free
	 * (sandbox_box_free) once the verdict is out, instead of freed
	 * before judge_run returns.
	 */
	struct sandbox_box	**box_after;
};

/*
 * The environment of a run in language l: a base (PATH, HOME=/tmp, a
 * UTF-8 locale, TMPDIR) and the language's own, NULL-terminated.
 */
#define JUDGE_ENV_MAX	32
void	judge_env(const struct lang *l, const char *env[JUDGE_ENV_MAX]);

/*
 * Compiles (if the language compiles) and runs every test of s in the
 * sandbox, filling the verdict part of s.  A compile whose result is in
 * cache is not run again (cache may be NULL: no cache; a new successful
 * compile is kept there).  hooks may be NULL.  Returns 0 (the verdict may
 * be Internal Error if the sandbox failed; err then says why), or -1 if
 * s could not be judged at all.
 */
int	judge_run(struct sandbox *, const struct lang_table *,
	    struct cache *, struct submission *s, int64_t stored_output_bytes,
	    const struct judge_hooks *hooks, struct err *);

/*
 * The time budget.  The worst case of s in language lang, in ms: the
 * language's compile wall limit (if it compiles) plus ntests x
 * number_of_runs x wall_time_limit; INT64_MAX if that overflows.  The
 * API refuses a submission whose worst case is over the configured
 * total_wall_time.  judge_run counts the real time judging takes
 * (compile, sandbox setup and every run) against the budget and starts a
 * test only if the time left covers that test's worst case.
 */
int64_t	judge_worst_case_ms(const struct lang *lang,
	    const struct submission *s);
/*
 * The budget judge_run holds s to: configured_ms (the executor's
 * total_wall_time) if > 0, else the submission's worst case with 10% and
 * 1 s more for sandbox setup, which the worst case does not count.
 */
int64_t	judge_budget_ms(const struct lang *lang, const struct submission *s,
	    int64_t configured_ms);
/*
 * Judging of s stops at test from (0-based) for its time budget: that
 * test and the rest are marked skipped.  The verdict so far stands (its
 * message says how many were not run); if every test run so far passed
 * it is Time Limit Exceeded, "total time budget exceeded", never
 * Accepted.
 */
void	judge_budget_spent(struct submission *s, size_t from);

/*
 * Sets tr's status and message from the sandbox's result of one test of
 * s: a runtime error wins over a wrong answer; CPU over s->lim.cpu_time_s
 * (the program may run cpu_extra_s longer) is a time limit; output is
 * compared (s->compare) only after a clean exit.
 */
void	judge_test_verdict(struct judge_test_result *tr,
	    const struct sandbox_result *r, const struct submission *s,
	    const struct judge_test *t);

/*
 * Compares output with expected under mode (enum judge_compare); eps are
 * used by JC_FLOAT only.  Returns 1 if equal.
 */
int	judge_compare(int mode, const char *out, size_t out_len,
	    const char *expected, size_t expected_len, double abs_eps,
	    double rel_eps);

/*
 * Splits text into argv words at blanks (no quoting, no shell): the words
 * go into a NULL-terminated vector (caller frees with util_strv_free).
 * Returns the count, or -1 on ENOMEM.
 */
int	judge_words(const char *text, char ***words);

/*
 * Compares output with expected under Judge0's default rule: each line
 * right-stripped (spaces, tabs, \r), trailing blank lines ignored.
 * Returns 1 if equal.
 */
int	judge_compare_trim(const char *out, size_t out_len,
	    const char *expected, size_t expected_len);

#endif
