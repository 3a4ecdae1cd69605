/* Unit tests for src/judge: output comparison and the verdict mapping. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
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
	util_strv_free(w);
	assert_int_equal(judge_words("", &w), 0);
	assert_null(w[0]);
	util_strv_free(w);
	/* no shell: quotes and $ are plain characters */
	assert_int_equal(judge_words("'a b' $(id)", &w), 3);
	assert_string_equal(w[0], "'a");
	assert_string_equal(w[2], "$(id)");
	util_strv_free(w);
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


/* ---- compiler options ---- */

/*
 * A table that also lists options the deny-list refuses: the deny-list
 * must win over any table.
 */
static char *allow_gcc[] = {
	"-O2", "-std=c17", "-D{macro}", "-U{name}", "--release 17",
	"-fplugin=x.so", "-Wl,-z", "-B/usr/bin", "-o", "-C opt-level=3",
	"-Copt-level=3", "--cfg {name}", "-toolexec=x", "--target 17",
	NULL
};
static char *argv_gcc[] = { "/usr/bin/gcc", "{options}", NULL };
static char *argv_rustc[] = { "/usr/bin/rustc", "{options}", NULL };
static char *argv_javac[] = { "/usr/bin/javac", "{options}", NULL };

#define OK	LANG_OPT_OK
#define UNL	LANG_OPT_UNLISTED
#define DEN	LANG_OPT_DENIED

static const struct {
	char		**compiler;
	const char	*options;
	int		 want;
	size_t		 at, n;		/* the refused option's words */
} option_cases[] = {
	{ argv_gcc, "", OK, 0, 0 },
	{ argv_gcc, "-O2", OK, 0, 0 },
	{ argv_gcc, "-O2 -O2 -std=c17", OK, 0, 0 },
	/* whole tokens: no prefixes, no suffixes */
	{ argv_gcc, "-O2x", UNL, 0, 1 },
	{ argv_gcc, "-O", UNL, 0, 1 },
	{ argv_gcc, "-O2 -std=c17;", UNL, 1, 1 },
	{ argv_gcc, "-std=gnu17", UNL, 0, 1 },
	{ argv_gcc, "-std=c1", UNL, 0, 1 },
	/* {macro} and {name} */
	{ argv_gcc, "-DX", OK, 0, 0 },
	{ argv_gcc, "-DONLINE_JUDGE -DN=100000 -DX= -D_a1=b_2", OK, 0, 0 },
	{ argv_gcc, "-D1X", UNL, 0, 1 },
	{ argv_gcc, "-D", UNL, 0, 1 },
	{ argv_gcc, "-D X", UNL, 0, 1 },
	{ argv_gcc, "-DX=1.5", UNL, 0, 1 },
	{ argv_gcc, "-DX=a-b", UNL, 0, 1 },
	{ argv_gcc, "-DX=\"a\"", UNL, 0, 1 },
	{ argv_gcc, "-DX==1", UNL, 0, 1 },
	{ argv_gcc, "-DX$", UNL, 0, 1 },
	{ argv_gcc, "-UX", OK, 0, 0 },
	{ argv_gcc, "-UX=1", UNL, 0, 1 },
	/* two-word entries: the pair, never the value alone */
	{ argv_gcc, "--release 17", OK, 0, 0 },
	{ argv_gcc, "-O2 --release 17 -O2", OK, 0, 0 },
	{ argv_gcc, "--release", UNL, 0, 1 },
	{ argv_gcc, "17", UNL, 0, 1 },
	{ argv_gcc, "-O2 17", UNL, 1, 1 },
	{ argv_gcc, "--release 18", UNL, 0, 1 },
	{ argv_gcc, "--release 17 17", UNL, 2, 1 },
	{ argv_gcc, "--cfg feature", OK, 0, 0 },
	{ argv_gcc, "--cfg a=b", UNL, 0, 1 },
	/* the deny-list wins over the table */
	{ argv_gcc, "-fplugin=x.so", DEN, 0, 1 },
	{ argv_gcc, "-O2 -fplugin=/box/p.so", DEN, 1, 1 },
	{ argv_gcc, "-fplugin-arg-p-x=y", DEN, 0, 1 },
	{ argv_gcc, "-Wl,-z", DEN, 0, 1 },
	{ argv_gcc, "-B/usr/bin", DEN, 0, 1 },
	{ argv_gcc, "-o", DEN, 0, 1 },
	{ argv_gcc, "-toolexec=x", DEN, 0, 1 },
	{ argv_gcc, "--release 17 -B/x", DEN, 2, 1 },
	{ argv_gcc, "--cfg @x", DEN, 1, 1 },
	{ argv_gcc, "-B", DEN, 0, 1 },
	{ argv_gcc, "-specs=x", DEN, 0, 1 },
	{ argv_gcc, "--specs=x", DEN, 0, 1 },
	{ argv_gcc, "-wrapper", DEN, 0, 1 },
	{ argv_gcc, "@opts", DEN, 0, 1 },
	{ argv_gcc, "-Wa,-x", DEN, 0, 1 },
	{ argv_gcc, "-Wp,-x", DEN, 0, 1 },
	{ argv_gcc, "-Xlinker", DEN, 0, 1 },
	{ argv_gcc, "-Xassembler", DEN, 0, 1 },
	{ argv_gcc, "-Xpreprocessor", DEN, 0, 1 },
	{ argv_gcc, "--sysroot=/x", DEN, 0, 1 },
	{ argv_gcc, "-isysroot", DEN, 0, 1 },
	{ argv_gcc, "-iprefix", DEN, 0, 1 },
	{ argv_gcc, "-iwithprefixbefore", DEN, 0, 1 },
	{ argv_gcc, "-iplugindir=/box", DEN, 0, 1 },
	{ argv_gcc, "-I/box", DEN, 0, 1 },
	{ argv_gcc, "-L.", DEN, 0, 1 },
	{ argv_gcc, "-include", DEN, 0, 1 },
	{ argv_gcc, "-imacros", DEN, 0, 1 },
	{ argv_gcc, "-ofoo", DEN, 0, 1 },
	{ argv_gcc, "-x", DEN, 0, 1 },
	{ argv_gcc, "-xc", DEN, 0, 1 },
	{ argv_gcc, "-fuse-ld=gold", DEN, 0, 1 },
	{ argv_gcc, "--ld-path=/x", DEN, 0, 1 },
	{ argv_gcc, "-T/box/ld.x", DEN, 0, 1 },
	/* rustc: codegen options in every spelling */
	{ argv_rustc, "-C opt-level=3", OK, 0, 0 },
	{ argv_rustc, "-Copt-level=3", OK, 0, 0 },
	{ argv_rustc, "-Clink-arg=-wrapper "
	    "-Clink-arg=/usr/bin/python3,-c,print(1)", DEN, 0, 1 },
	{ argv_rustc, "-C link-arg=-wrapper", DEN, 0, 2 },
	{ argv_rustc, "-O2 -C linker=/box/x", DEN, 1, 2 },
	{ argv_rustc, "-Clink-args=x", DEN, 0, 1 },
	{ argv_rustc, "-Clinker=/box/x", DEN, 0, 1 },
	{ argv_rustc, "-Clinker-flavor=ld", DEN, 0, 1 },
	{ argv_rustc, "--codegen linker=x", DEN, 0, 2 },
	{ argv_rustc, "--codegen=link-arg=x", DEN, 0, 1 },
	{ argv_rustc, "-C llvm-args=-load=/box/x.so", DEN, 0, 2 },
	{ argv_rustc, "-Cpasses=x", DEN, 0, 1 },
	{ argv_rustc, "-Cprofile-use=/box/x", DEN, 0, 1 },
	{ argv_rustc, "-Zplugin", DEN, 0, 1 },
	{ argv_rustc, "-Z unstable-options", DEN, 0, 1 },
	{ argv_rustc, "--extern x=/box/libx.rlib", DEN, 0, 1 },
	{ argv_rustc, "-L/box", DEN, 0, 1 },
	{ argv_rustc, "--target 17", DEN, 0, 1 },
	{ argv_rustc, "--target=/box/t.json", DEN, 0, 1 },
	{ argv_rustc, "--out-dir=/tmp", DEN, 0, 1 },
	/* javac: its JVM, annotation processors, plugins, paths */
	{ argv_javac, "--target 17", OK, 0, 0 },
	{ argv_javac, "-J-javaagent:/box/a.jar", DEN, 0, 1 },
	{ argv_javac, "-processorpath", DEN, 0, 1 },
	{ argv_javac, "--processor-path", DEN, 0, 1 },
	{ argv_javac, "-processor", DEN, 0, 1 },
	{ argv_javac, "-Xplugin:P", DEN, 0, 1 },
	{ argv_javac, "--plugin", DEN, 0, 1 },
	{ argv_javac, "-cp", DEN, 0, 1 },
	{ argv_javac, "-classpath", DEN, 0, 1 },
	{ argv_javac, "--class-path", DEN, 0, 1 },
	{ argv_javac, "--module-path", DEN, 0, 1 },
	{ argv_javac, "-p", DEN, 0, 1 },
	{ argv_javac, "-d", DEN, 0, 1 },
	/* go build */
	{ argv_gcc, "--toolexec=x", DEN, 0, 1 },
	{ argv_gcc, "-exec", DEN, 0, 1 },
	{ argv_gcc, "-overlay=x.json", DEN, 0, 1 },
	{ argv_gcc, "-modfile=x", DEN, 0, 1 },
	{ argv_gcc, "-pkgdir=x", DEN, 0, 1 },
	{ argv_gcc, "-ldflags=-extld=/box/x", DEN, 0, 1 },
	{ argv_gcc, "-ldflags=-linkmode=external", DEN, 0, 1 },
	{ argv_gcc, "-extldflags=x", DEN, 0, 1 },
	{ argv_gcc, "-ldflags '-extld=/box/x'", DEN, 1, 1 },
	{ argv_gcc, "-ldflags=-s\t-linkmode=external", DEN, 1, 1 },
	{ argv_gcc, "-buildmode=plugin", DEN, 0, 1 },
	{ argv_gcc, "-buildmode=shared", DEN, 0, 1 },
	{ argv_gcc, "-linkshared", DEN, 0, 1 },
	{ argv_gcc, "-compiler=gccgo", DEN, 0, 1 },
};

static void
test_options(void **state)
{
	struct lang	 l;
	char		**w;
	size_t		 i, at, n;
	int		 got;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.name = "c";
	l.options_allowed = allow_gcc;
	for (i = 0; i < sizeof(option_cases) / sizeof(option_cases[0]);
	    i++) {
		l.compile_argv = option_cases[i].compiler;
		assert_true(judge_words(option_cases[i].options, &w) >= 0);
		at = n = 0;
		got = lang_options_check(&l, w, &at, &n);
		util_strv_free(w);
		if (got != option_cases[i].want || (got != OK &&
		    (at != option_cases[i].at || n != option_cases[i].n)))
			fail_msg("case %zu \"%s\": got %d at %zu (%zu words), "
			    "want %d at %zu (%zu)", i, option_cases[i].options,
			    got, at, n, option_cases[i].want,
			    option_cases[i].at, option_cases[i].n);
	}
}

static void
test_options_message(void **state)
{
	struct lang	l;
	char		msg[200];

	(void)state;
	memset(&l, 0, sizeof(l));
	l.name = "rust";
	l.options_allowed = allow_gcc;
	l.compile_argv = argv_rustc;
	assert_int_equal(lang_options_ok(&l, "-O2 -C opt-level=3", msg,
	    sizeof(msg)), 1);
	assert_int_equal(lang_options_ok(&l, "-C opt-level=3 -C "
	    "link-arg=-wrapper", msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "option -C link-arg=-wrapper is not "
	    "allowed"));
	assert_int_equal(lang_options_ok(&l, "-Ofast", msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "option -Ofast is not allowed for rust"));
}

/* Loads the table printf(fmt, ...) makes (through a temporary file). */
static struct lang_table *load_fmt(struct err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static struct lang_table *
load_fmt(struct err *err, const char *fmt, ...)
{
	char			 path[] = "/tmp/test_judge_langXXXXXX";
	struct lang_table	*t;
	va_list			 ap;
	FILE			*f;
	int			 fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		fail_msg("mkstemp");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	t = lang_table_load(path, err);
	unlink(path);
	return t;
}

/* A table whose allow-list is entry: loads (1) or is refused (0). */
static int
load_with(const char *entry, struct err *err)
{
	struct lang_table	*t;

	t = load_fmt(err, "{\"languages\": [{\"id\": 1, \"name\": \"c\", "
	    "\"display\": \"C\", \"source_file\": \"main.c\", \"compile\": "
	    "[\"/usr/bin/gcc\", \"{options}\"], \"run\": [\"/box/main\"], "
	    "\"compiler_options\": [\"-O2\", \"%s\"]}]}", entry);
	lang_table_free(t);
	return t != NULL;
}

static void
test_options_table_load(void **state)
{
	static const struct {
		const char	*entry;
		int		 ok;
		const char	*why;
	} cases[] = {
		{ "-O3", 1, NULL },
		{ "-D{macro}", 1, NULL },
		{ "--release 17", 1, NULL },
		{ "-fplugin=x.so", 0, "deny-list" },
		{ "-B/usr/lib", 0, "deny-list" },
		{ "-Wl,-z,now", 0, "deny-list" },
		{ "-C link-arg=x", 0, "deny-list" },
		{ "--cfg @x", 0, "deny-list" },
		{ "-I{name}", 0, "deny-list" },
		{ "-D{foo}", 0, "bad compiler option" },
		{ "-D{macro}x", 0, "bad compiler option" },
		{ "a b c", 0, "bad compiler option" },
		{ " -O2", 0, "bad compiler option" },
		{ "-O2 ", 0, "bad compiler option" },
		{ "", 0, "bad compiler option" },
	};
	struct err	err;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err.msg[0] = '\0';
		if (load_with(cases[i].entry, &err) != cases[i].ok ||
		    (!cases[i].ok && strstr(err.msg, cases[i].why) == NULL))
			fail_msg("case %zu \"%s\": %s", i, cases[i].entry,
			    err.msg);
	}
}

/* A table of two entries, the first with also_ids (JSON text). */
static struct lang_table *
load_also(const char *also, struct err *err)
{
	return load_fmt(err, "{\"languages\": [{\"id\": 54, \"name\": "
	    "\"cpp\", \"display\": \"C++\", \"source_file\": \"main.cpp\", "
	    "\"also_ids\": %s, \"run\": [\"/usr/bin/true\"]}, "
	    "{\"id\": 50, \"name\": \"c\", \"display\": \"C\", "
	    "\"source_file\": \"main.c\", \"run\": [\"/usr/bin/true\"]}]}",
	    also);
}

static void
test_also_ids(void **state)
{
	static const struct {
		const char	*also;
		const char	*why;
	} bad[] = {
		{ "[50]", "language id 50 is used twice" },
		{ "[54]", "language id 54 is used twice" },
		{ "[0]", "positive integers" },
		{ "[\"52\"]", "positive integers" },
		{ "52", "must be an array" },
		{ "[1, 2, 3, 4, 5, 6, 7, 8, 9]", "must be an array" },
	};
	struct lang_table	*t;
	struct err		 err;
	size_t			 i;

	(void)state;
	if ((t = load_also("[52, 53]", &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(lang_by_id(t, 52)->id, 54);
	assert_int_equal(lang_by_id(t, 53)->id, 54);
	assert_int_equal(lang_by_id(t, 54)->id, 54);
	assert_int_equal(lang_by_id(t, 50)->id, 50);
	assert_null(lang_by_id(t, 51));
	assert_string_equal(lang_display_name(t, 52), "C++");
	lang_table_free(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		if ((t = load_also(bad[i].also, &err)) != NULL ||
		    strstr(err.msg, bad[i].why) == NULL)
			fail_msg("case %zu %s: %s", i, bad[i].also, err.msg);
		lang_table_free(t);
	}
}

/* A table of one entry with compile command compile and prepare entry. */
static struct lang_table *
load_prepare(const char *compile, const char *prepare, struct err *err)
{
	return load_fmt(err, "{\"languages\": [{\"id\": 54, \"name\": "
	    "\"cpp\", \"display\": \"C++\", \"source_file\": \"main.cpp\", "
	    "\"compile\": %s, \"run\": [\"/box/main\"], \"prepare\": %s}]}",
	    compile, prepare);
}

static void
test_prepare_table_load(void **state)
{
	static const char *const with = "[\"/usr/bin/g++\", \"{prepared}\", "
	    "\"{sources}\"]";
	static const struct {
		const char	*compile;
		const char	*prepare;
		const char	*why;
	} bad[] = {
		{ "[\"/usr/bin/g++\", \"{sources}\"]", "{\"command\": "
		    "[\"/usr/bin/g++\"], \"outputs\": [\"a.gch\"], "
		    "\"options\": []}", "without \"{prepared}\"" },
		{ NULL, "[]", "must be an object" },
		{ NULL, "{\"outputs\": [\"a\"], \"options\": []}",
		    "missing \"command\"" },
		{ NULL, "{\"command\": [\"g++\"], \"outputs\": [\"a\"], "
		    "\"options\": []}", "absolute path" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": [], "
		    "\"options\": []}", "at least one output" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": "
		    "[\"../a\"], \"options\": []}", "not a relative path" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": "
		    "[\"a//b\"], \"options\": []}", "not a relative path" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": "
		    "[\"/a\"], \"options\": []}", "not a relative path" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": "
		    "[\"a\"], \"files\": [\"./x\", \"\"], \"options\": []}",
		    "relative paths" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": "
		    "[\"a\"], \"files\": [\"x\"], \"options\": []}",
		    "relative paths" },
		{ NULL, "{\"command\": [\"/usr/bin/g++\"], \"outputs\": "
		    "[\"a\"], \"options\": [\"{dir}{dir}\"]}", "{dir} twice" },
	};
	struct lang_table	*t;
	const struct lang	*l;
	struct err		 err;
	size_t			 i;

	(void)state;
	if ((t = load_prepare(with, "{\"command\": [\"/usr/bin/g++\", "
	    "\"-o\", \"bits/x.gch\", \"bits/x.h\"], \"files\": "
	    "[\"bits/x.h\", \"#pragma once\\n\"], \"outputs\": "
	    "[\"bits/x.gch\"], \"options\": [\"-I{dir}\"]}", &err)) == NULL)
		fail_msg("%s", err.msg);
	l = &t->langs[0];
	assert_string_equal(l->prep_argv[2], "bits/x.gch");
	assert_string_equal(l->prep_files[0], "bits/x.h");
	assert_string_equal(l->prep_outputs[0], "bits/x.gch");
	assert_string_equal(l->prep_options[0], "-I{dir}");
	lang_table_free(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		if ((t = load_prepare(bad[i].compile != NULL ? bad[i].compile :
		    with, bad[i].prepare, &err)) != NULL ||
		    strstr(err.msg, bad[i].why) == NULL)
			fail_msg("case %zu %s: %s", i, bad[i].prepare, err.msg);
		lang_table_free(t);
	}
}

/* ---- the time budget ---- */

static void
test_worst_case(void **state)
{
	static char *compile[] = { "/usr/bin/gcc", NULL };
	static const struct {
		int	 compiles;
		double	 compile_wall_s;	/* 0: the judge's default */
		size_t	 ntests;
		int	 runs;
		double	 wall_s;
		int64_t	 want_ms;
	} cases[] = {
		{ 0, 0, 1, 1, 5, 5000 },
		{ 0, 0, 64, 20, 20, 25600000 },	/* what the issue saw */
		{ 0, 0, 3, 1, 0.57, 1710 },	/* rounded, not truncated */
		{ 0, 0, 3, 0, 1, 3000 },	/* runs < 1 count as 1 */
		{ 1, 20, 2, 1, 20, 60000 },
		{ 1, 40, 1, 1, 20, 60000 },
		{ 1, 0, 1, 1, 1, 21000 },	/* default compile wall 20 s */
		{ 0, 0, 2, 1, 0.01, 20 },
		{ 0, 0, 1, 1, 0.0001, INT64_MAX },	/* rounds to 0 */
		{ 0, 0, 1, 1, 1e300, INT64_MAX },
		{ 0, 0, (size_t)1 << 62, 20, 20, INT64_MAX },	/* overflow */
	};
	struct lang		l;
	struct submission	s;
	size_t			i;
	int64_t			got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&l, 0, sizeof(l));
		memset(&s, 0, sizeof(s));
		l.compile_argv = cases[i].compiles ? compile : NULL;
		l.compile_wall_s = cases[i].compile_wall_s;
		s.ntests = cases[i].ntests;
		s.number_of_runs = cases[i].runs;
		s.lim.wall_time_s = cases[i].wall_s;
		if ((got = judge_worst_case_ms(&l, &s)) != cases[i].want_ms)
			fail_msg("case %zu: %lld ms, want %lld", i,
			    (long long)got, (long long)cases[i].want_ms);
	}
}

static void
test_budget(void **state)
{
	struct lang		l;
	struct submission	s;

	(void)state;
	memset(&l, 0, sizeof(l));
	memset(&s, 0, sizeof(s));
	s.ntests = 3;
	s.number_of_runs = 2;
	s.lim.wall_time_s = 5;
	/* the executor's total_wall_time wins */
	assert_int_equal(judge_budget_ms(&l, &s, 60000), 60000);
	assert_int_equal(judge_budget_ms(&l, &s, 2000), 2000);
	/* else the worst case, 30 s, and room for sandbox setup */
	assert_int_equal(judge_budget_ms(&l, &s, 0), 30000 + 3000 + 1000);
	s.lim.wall_time_s = 1e300;
	assert_true(judge_budget_ms(&l, &s, 0) == INT64_MAX);
}

static void
test_budget_spent(void **state)
{
	struct judge_test_result	 r[3];
	struct submission		 s;

	(void)state;
	/* all that ran passed: not Accepted */
	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	s.ntests = 3;
	s.results = r;
	s.status = JS_AC;
	r[0].status = JS_AC;
	judge_budget_spent(&s, 1);
	assert_int_equal(s.status, JS_TLE);
	assert_non_null(strstr(s.message, "total time budget exceeded"));
	assert_non_null(strstr(s.message, "2 of 3 tests not run"));
	assert_int_equal(r[0].status, JS_AC);
	assert_int_equal(r[1].status, 0);
	assert_string_equal(r[1].message, "skipped");
	assert_int_equal(r[2].status, 0);
	assert_string_equal(r[2].message, "skipped");

	/* a failure so far stands, and says why the rest did not run */
	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	s.ntests = 3;
	s.results = r;
	s.status = JS_WA;
	snprintf(s.message, sizeof(s.message), "wrong answer");
	judge_budget_spent(&s, 2);
	assert_int_equal(s.status, JS_WA);
	assert_string_equal(s.message, "wrong answer (time budget spent: 1 "
	    "of 3 tests not run)");
	assert_string_equal(r[2].message, "skipped");
	assert_string_equal(r[1].message, "");
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
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_options_message),
		cmocka_unit_test(test_options_table_load),
		cmocka_unit_test(test_also_ids),
		cmocka_unit_test(test_prepare_table_load),
		cmocka_unit_test(test_worst_case),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_budget_spent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
