/*
 * Judging: one compile (if the language compiles) in a writable box, then
 * every test in a fresh overlay of that box, each compared with its
 * expected output.  The verdict is the first failing test's.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "judge.h"
#include "lang.h"
#include "sandbox/sandbox.h"

#define MAX_ENV			32
#define COMPILE_CPU_S		10
#define COMPILE_WALL_S		20
#define COMPILE_MEMORY_KB	(512 * 1024)
#define COMPILE_PROCS		64
#define COMPILE_OUTPUT		(64 << 10)
#define COMPILE_FSIZE		(64 << 20)

static const char *const base_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=/tmp",
	"LANG=C.UTF-8",
	"LC_ALL=C.UTF-8",
	"TMPDIR=/tmp",
};

/* envp = base_env + the language's, NULL-terminated in env[MAX_ENV]. */
static void
build_env(const struct lang *l, const char *env[MAX_ENV])
{
	size_t	n = 0, i;

	for (i = 0; i < sizeof(base_env) / sizeof(base_env[0]); i++)
		env[n++] = base_env[i];
	for (i = 0; l->env != NULL && l->env[i] != NULL && n < MAX_ENV - 1;
	    i++)
		env[n++] = l->env[i];
	env[n] = NULL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Length of s without trailing whitespace lines and line-end blanks. */
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
	size_t	a = 0, b = 0, la, lb, ea, eb;

	ea = content_end(out, out_len);
	eb = content_end(expected, expected_len);
	while (a < ea && b < eb) {
		size_t	sa = a, sb = b;

		a = next_line(out, ea, a, &la);
		b = next_line(expected, eb, b, &lb);
		if (la != lb || memcmp(out + sa, expected + sb, la) != 0)
			return 0;
	}
	return a >= ea && b >= eb;
}

static char *
copy_capped(const char *p, size_t len, size_t cap, size_t *out_len,
    int *truncated)
{
	char	*d;

	if (len > cap) {
		len = cap;
		*truncated = 1;
	}
	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, p, len);
	d[len] = '\0';
	*out_len = len;
	return d;
}

static void
set_limits(struct sandbox_limits *sl, const struct limits *l,
    const struct lang *lang)
{
	int64_t	mem_kb = l->memory_kb, procs = l->max_procs;

	if (lang->min_memory_kb > mem_kb)
		mem_kb = lang->min_memory_kb;
	if (lang->min_procs > procs)
		procs = lang->min_procs;
	memset(sl, 0, sizeof(*sl));
	/* Judge0: the program may run cpu_extra_time past the limit */
	sl->cpu_ms = (uint32_t)((l->cpu_time_s + l->cpu_extra_s) * 1000);
	sl->wall_ms = (uint32_t)(l->wall_time_s * 1000);
	sl->mem_bytes = (uint64_t)mem_kb * 1024;
	sl->stack_bytes = l->stack_kb > 0 ? (uint64_t)l->stack_kb * 1024 : 0;
	sl->max_procs = (uint32_t)procs;
	sl->fsize_bytes = (uint64_t)l->max_file_kb * 1024;
	sl->stdout_bytes = sl->stderr_bytes = (uint64_t)l->output_bytes;
}

static const char *
signal_name(int sig)
{
	const char	*n = sigabbrev_np(sig);

	return n != NULL ? n : "?";
}

void
judge_test_verdict(struct judge_test_result *tr, const struct sandbox_result *r,
    const struct limits *lim, const struct judge_test *t)
{
	switch (r->status) {
	case SANDBOX_OK:
		if (r->cpu_ms > lim->cpu_time_s * 1000) {
			tr->status = JS_TLE;
			snprintf(tr->message, sizeof(tr->message),
			    "CPU time limit exceeded");
		} else if (t->expected != NULL && !judge_compare_trim(r->out,
		    r->out_len, t->expected, t->expected_len)) {
			tr->status = JS_WA;
			snprintf(tr->message, sizeof(tr->message),
			    "wrong answer");
		} else
			tr->status = JS_AC;
		return;
	case SANDBOX_RE:
		tr->status = JS_NZEC;
		break;
	case SANDBOX_SIG:
		switch (r->term_sig) {
		case SIGSEGV:
		case SIGBUS:
			tr->status = JS_SIGSEGV;
			break;
		case SIGXFSZ:
			tr->status = JS_SIGXFSZ;
			break;
		case SIGFPE:
			tr->status = JS_SIGFPE;
			break;
		case SIGABRT:
			tr->status = JS_SIGABRT;
			break;
		default:
			tr->status = JS_RE_OTHER;
		}
		snprintf(tr->message, sizeof(tr->message),
		    "killed by signal %d (SIG%s)", r->term_sig,
		    signal_name(r->term_sig));
		return;
	case SANDBOX_TLE:
	case SANDBOX_WTLE:
		tr->status = JS_TLE;
		break;
	case SANDBOX_MLE:
		tr->status = JS_MLE;
		break;
	case SANDBOX_OLE:
		tr->status = JS_OLE;
		break;
	case SANDBOX_SV:
		tr->status = JS_RE_OTHER;
		break;
	}
	snprintf(tr->message, sizeof(tr->message), "%s", r->message);
}

static int
run_test(struct sandbox *sb, const struct lang *lang, struct submission *s,
    size_t i, int box_fd, int64_t cap, struct err *err)
{
	struct sandbox_spec		 spec;
	struct sandbox_result		 r;
	struct judge_test_result	*tr = &s->results[i];
	const struct judge_test		*t = &s->tests[i];
	const char			*env[MAX_ENV];

	build_env(lang, env);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)lang->run_argv;
	spec.envp = env;
	spec.box_fd = box_fd;
	spec.box_mode = SANDBOX_BOX_OVERLAY;
	spec.ro_paths = (const char *const *)lang->ro_paths;
	spec.stdin_data = t->stdin_data != NULL ? t->stdin_data : "";
	spec.stdin_len = t->stdin_len;
	spec.stderr_to_stdout = s->redirect_stderr;
	set_limits(&spec.lim, &s->lim, lang);
	if (sandbox_run(sb, &spec, &r, err) == -1)
		return -1;
	judge_test_verdict(tr, &r, &s->lim, t);
	tr->time_s = r.cpu_ms / 1000.0;
	tr->wall_time_s = r.wall_ms / 1000.0;
	tr->memory_kb = (int64_t)(r.mem_peak_bytes / 1024);
	tr->exit_code = r.exit_code;
	tr->exit_signal = r.term_sig;
	tr->stdout_data = copy_capped(r.out, r.out_len, (size_t)cap,
	    &tr->stdout_len, &tr->stdout_truncated);
	tr->stderr_data = copy_capped(r.errout, r.errout_len, (size_t)cap,
	    &tr->stderr_len, &tr->stderr_truncated);
	tr->stdout_truncated |= r.out_truncated;
	tr->stderr_truncated |= r.errout_truncated;
	sandbox_result_reset(&r);
	if (tr->stdout_data == NULL || tr->stderr_data == NULL)
		return err_errno(err, "malloc");
	return 0;
}

/* Returns 1 if it compiled, 0 on a compilation error, -1 on failure. */
static int
compile(struct sandbox *sb, const struct lang *lang, struct submission *s,
    int box_fd, int64_t cap, struct err *err)
{
	struct sandbox_spec	 spec;
	struct sandbox_result	 r;
	const char		*env[MAX_ENV];
	int			 ok, trunc = 0;

	build_env(lang, env);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)lang->compile_argv;
	spec.envp = env;
	spec.box_fd = box_fd;
	spec.box_mode = SANDBOX_BOX_RW;
	spec.ro_paths = (const char *const *)lang->ro_paths;
	spec.stderr_to_stdout = 1;
	spec.lim.cpu_ms = (uint32_t)((lang->compile_cpu_s > 0 ?
	    lang->compile_cpu_s : COMPILE_CPU_S) * 1000);
	spec.lim.wall_ms = (uint32_t)((lang->compile_wall_s > 0 ?
	    lang->compile_wall_s : COMPILE_WALL_S) * 1000);
	spec.lim.mem_bytes = (uint64_t)(lang->compile_memory_kb > 0 ?
	    lang->compile_memory_kb : COMPILE_MEMORY_KB) * 1024;
	spec.lim.max_procs = COMPILE_PROCS;
	spec.lim.stdout_bytes = COMPILE_OUTPUT;
	spec.lim.fsize_bytes = COMPILE_FSIZE;
	spec.lim.tmp_bytes = 256u << 20;	/* compilers' temp files */
	spec.lim.tmp_inodes = 8192;
	if (sandbox_run(sb, &spec, &r, err) == -1)
		return -1;
	ok = r.status == SANDBOX_OK;
	s->compile_output = copy_capped(r.out, r.out_len, (size_t)cap,
	    &s->compile_output_len, &trunc);
	if (!ok) {
		if (r.status == SANDBOX_RE)
			snprintf(s->message, sizeof(s->message),
			    "compilation failed");
		else
			snprintf(s->message, sizeof(s->message),
			    "compiler: %s", r.message);
	}
	sandbox_result_reset(&r);
	if (s->compile_output == NULL)
		return err_errno(err, "malloc");
	return ok;
}

int
judge_run(struct sandbox *sb, const struct lang_table *langs,
    struct submission *s, int64_t stored_output_bytes, struct err *err)
{
	const struct lang	*lang;
	size_t			 i;
	int			 box_fd = -1, rc = -1, c;

	s->status = JS_IE;
	if ((lang = lang_by_id(langs, s->lang_id)) == NULL) {
		snprintf(s->message, sizeof(s->message),
		    "language %d is not available", s->lang_id);
		return 0;
	}
	if (s->results == NULL &&
	    (s->results = calloc(s->ntests ? s->ntests : 1,
	    sizeof(*s->results))) == NULL)
		return err_errno(err, "calloc");
	if ((box_fd = sandbox_box_create(sb, err)) == -1)
		goto out;
	if (sandbox_box_write(box_fd, lang->source_file, s->source,
	    s->source_len, 0644, err) == -1)
		goto out;
	if (lang->compile_argv != NULL) {
		if ((c = compile(sb, lang, s, box_fd, stored_output_bytes,
		    err)) == -1)
			goto out;
		if (c == 0) {
			s->status = JS_CE;
			rc = 0;
			goto out;
		}
	}
	s->status = JS_AC;
	s->message[0] = '\0';
	for (i = 0; i < s->ntests; i++) {
		if (run_test(sb, lang, s, i, box_fd, stored_output_bytes,
		    err) == -1)
			goto out;
		if (s->results[i].time_s > s->time_s)
			s->time_s = s->results[i].time_s;
		if (s->results[i].wall_time_s > s->wall_time_s)
			s->wall_time_s = s->results[i].wall_time_s;
		if (s->results[i].memory_kb > s->memory_kb)
			s->memory_kb = s->results[i].memory_kb;
		if (s->status == JS_AC && s->results[i].status != JS_AC) {
			s->status = s->results[i].status;
			memcpy(s->message, s->results[i].message,
			    sizeof(s->message));
		}
	}
	rc = 0;
out:
	if (rc == -1) {
		s->status = strstr(err->msg, "Exec format") != NULL ?
		    JS_EXEC_FORMAT : JS_IE;
		snprintf(s->message, sizeof(s->message), "%.150s", err->msg);
		rc = 0;	/* a verdict all the same; err says why */
	}
	if (box_fd != -1)
		(void)sandbox_box_remove(sb, box_fd, NULL);
	return rc;
}
