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
#include "cache.h"
#include "judge.h"
#include "lang.h"
#include "prepare.h"
#include "sandbox/sandbox.h"
#include "zipfiles.h"

#define COMPILE_CPU_S		10
#define COMPILE_WALL_S		20
#define COMPILE_MEMORY_KB	(512 * 1024)
#define COMPILE_PROCS		64
#define COMPILE_OUTPUT		(64 << 10)
#define COMPILE_FSIZE		(64 << 20)
/* the box: sources and what the compile writes, on a tmpfs of its own */
#define BOX_BYTES		(256u << 20)
#define BOX_INODES		8192
/* what a compile may leave to be cached */
#define CACHE_FILES		1024
#define CACHE_BYTES		(64u << 20)

static const char *const base_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=/tmp",
	"LANG=C.UTF-8",
	"LC_ALL=C.UTF-8",
	"TMPDIR=/tmp",
};

void
judge_env(const struct lang *l, const char *env[JUDGE_ENV_MAX])
{
	size_t	n = 0, i;

	for (i = 0; i < sizeof(base_env) / sizeof(base_env[0]); i++)
		env[n++] = base_env[i];
	for (i = 0; l->env != NULL && l->env[i] != NULL && n < JUDGE_ENV_MAX - 1;
	    i++)
		env[n++] = l->env[i];
	env[n] = NULL;
}

static char *
copy_capped(const char *p, size_t len, size_t cap, size_t *out_len,
    int *truncated)
{
	if (len > cap) {
		len = cap;
		*truncated = 1;
	}
	*out_len = len;
	return util_memdup0(p, len);
}

/* Milliseconds of s seconds, rounded; -1 if not in (0, UINT32_MAX). */
static int64_t
ms_of(double s)
{
	double	ms = s * 1000 + 0.5;

	return ms >= 1 && ms < UINT32_MAX ? (int64_t)ms : -1;
}

/*
 * The sandbox's limits of a run.  0 turns a limit off in the sandbox (or
 * picks its default), so a limit that rounds to 0 or overflows is our
 * failure, never an unlimited run: the API refuses values under each
 * limit's floor, and rows that slipped past it end here.
 */
static int
set_limits(struct sandbox_limits *sl, const struct limits *l,
    const struct lang *lang, struct err *err)
{
	int64_t	mem_kb = l->memory_kb, procs = l->max_procs;
	int64_t	cpu_ms, wall_ms;

	if (lang->min_memory_kb > mem_kb)
		mem_kb = lang->min_memory_kb;
	if (lang->min_procs > procs)
		procs = lang->min_procs;
	memset(sl, 0, sizeof(*sl));
	/* Judge0: the program may run cpu_extra_time past the limit */
	cpu_ms = ms_of(l->cpu_time_s + l->cpu_extra_s);
	wall_ms = ms_of(l->wall_time_s);
	if (cpu_ms == -1 || wall_ms == -1 || mem_kb <= 0 ||
	    mem_kb > INT64_MAX / 1024 || l->stack_kb <= 0 ||
	    l->stack_kb > INT64_MAX / 1024 || procs <= 0 ||
	    procs > UINT32_MAX || l->max_file_kb <= 0 ||
	    l->max_file_kb > INT64_MAX / 1024 || l->output_bytes <= 0)
		return err_set(err, "limits out of range (cpu %g s + %g s, "
		    "wall %g s, memory %lld KB, stack %lld KB, processes %lld, "
		    "file %lld KB, output %lld bytes): not run unlimited",
		    l->cpu_time_s, l->cpu_extra_s, l->wall_time_s,
		    (long long)mem_kb, (long long)l->stack_kb,
		    (long long)procs, (long long)l->max_file_kb,
		    (long long)l->output_bytes);
	sl->cpu_ms = (uint32_t)cpu_ms;
	sl->wall_ms = (uint32_t)wall_ms;
	sl->mem_bytes = (uint64_t)mem_kb * 1024;
	sl->stack_bytes = (uint64_t)l->stack_kb * 1024;
	sl->max_procs = (uint32_t)procs;
	sl->fsize_bytes = (uint64_t)l->max_file_kb * 1024;
	sl->stdout_bytes = sl->stderr_bytes = (uint64_t)l->output_bytes;
	return 0;
}

static const char *
signal_name(int sig)
{
	const char	*n = sigabbrev_np(sig);

	return n != NULL ? n : "?";
}

void
judge_test_verdict(struct judge_test_result *tr,
    const struct sandbox_result *r, const struct submission *s,
    const struct judge_test *t)
{
	const struct limits	*lim = &s->lim;

	switch (r->status) {
	case SANDBOX_OK:
		if (r->cpu_ms > lim->cpu_time_s * 1000) {
			tr->status = JS_TLE;
			snprintf(tr->message, sizeof(tr->message),
			    "CPU time limit exceeded");
		} else if (t->expected != NULL && !judge_compare(s->compare,
		    r->out, r->out_len, t->expected, t->expected_len,
		    s->abs_eps, s->rel_eps)) {
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
		/* a file over RLIMIT_FSIZE: Judge0 calls that SIGXFSZ */
		tr->status = r->term_sig == SIGXFSZ ? JS_SIGXFSZ : JS_OLE;
		break;
	case SANDBOX_SV:
		tr->status = JS_RE_OTHER;
		break;
	}
	snprintf(tr->message, sizeof(tr->message), "%s", r->message);
}

/*
 * The argv of a step: tmpl with "{options}" replaced by the compiler
 * options' words, "{sources}" by the source files and "{prepared}" by
 * the words prepared_words gave, then the words of append.  Returns 0
 * with *out (free with free(), strings borrowed), -1.
 */
static int
expand_argv(char *const *tmpl, char *const *options, char *const *sources,
    char *const *prepared, char *const *append, char ***out)
{
	char *const	*lists[5] = { tmpl, options, sources, prepared, append };
	char		**v;
	size_t		  n = 0, i, k;

	for (k = 0; k < 5; k++)
		for (i = 0; lists[k] != NULL && lists[k][i] != NULL; i++)
			n++;
	if ((v = calloc(n + 1, sizeof(char *))) == NULL)
		return -1;
	n = 0;
	for (i = 0; tmpl[i] != NULL; i++) {
		if (strcmp(tmpl[i], "{options}") == 0) {
			for (k = 0; options != NULL && options[k] != NULL; k++)
				v[n++] = options[k];
		} else if (strcmp(tmpl[i], "{sources}") == 0) {
			for (k = 0; sources != NULL && sources[k] != NULL; k++)
				v[n++] = sources[k];
		} else if (strcmp(tmpl[i], "{prepared}") == 0) {
			for (k = 0; prepared != NULL && prepared[k] != NULL;
			    k++)
				v[n++] = prepared[k];
		} else
			v[n++] = tmpl[i];
	}
	for (k = 0; append != NULL && append[k] != NULL; k++)
		v[n++] = append[k];
	*out = v;
	return 0;
}

/* Runs test i once into tr. */
static int
run_once(struct sandbox *sb, const struct lang *lang, struct submission *s,
    size_t i, struct sandbox_box *box, char *const *args, int64_t cap,
    struct judge_test_result *tr, struct err *err)
{
	struct sandbox_spec		 spec;
	struct sandbox_result		 r;
	const struct judge_test		*t = &s->tests[i];
	const char			*env[JUDGE_ENV_MAX];
	char				**argv = NULL;

	judge_env(lang, env);
	if (expand_argv(lang->run_argv, NULL, NULL, NULL, args, &argv) == -1)
		return err_errno(err, "calloc");
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.envp = env;
	spec.box = box;
	spec.box_mode = SANDBOX_BOX_OVERLAY;
	spec.ro_paths = (const char *const *)lang->ro_paths;
	spec.stdin_data = t->stdin_data != NULL ? t->stdin_data : "";
	spec.stdin_len = t->stdin_len;
	spec.stderr_to_stdout = s->redirect_stderr;
	if (set_limits(&spec.lim, &s->lim, lang, err) == -1 ||
	    sandbox_run(sb, &spec, &r, err) == -1) {
		free(argv);
		return -1;
	}
	free(argv);
	judge_test_verdict(tr, &r, s, t);
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

/*
 * Runs test i number_of_runs times.  The result is the first run that
 * failed (or the last one), with time and memory averaged over the runs,
 * as Judge0 does.
 */
static int
run_test(struct sandbox *sb, const struct lang *lang, struct submission *s,
    size_t i, struct sandbox_box *box, char *const *args, int64_t cap, struct err *err)
{
	struct judge_test_result	*tr = &s->results[i], one;
	double				 time_s = 0, wall_s = 0, mem_kb = 0;
	int				 k, runs = s->number_of_runs;

	if (runs < 1)
		runs = 1;
	for (k = 0; k < runs; k++) {
		memset(&one, 0, sizeof(one));
		if (run_once(sb, lang, s, i, box, args, cap, &one,
		    err) == -1) {
			free(one.stdout_data);
			free(one.stderr_data);
			return -1;
		}
		time_s += one.time_s;
		wall_s += one.wall_time_s;
		mem_kb += (double)one.memory_kb;
		free(tr->stdout_data);
		free(tr->stderr_data);
		*tr = one;
		if (one.status != JS_AC)
			break;
	}
	if (k < runs)
		k++;
	tr->time_s = time_s / k;
	tr->wall_time_s = wall_s / k;
	tr->memory_kb = (int64_t)(mem_kb / k);
	return 0;
}

/*
 * Returns 1 if it compiled, 0 on a compilation error, -1 on failure.
 * prepared: the words of "{prepared}", or NULL.
 */
static int
compile(struct sandbox *sb, const struct lang *lang, struct submission *s,
    struct sandbox_box *box, char *const *sources, char *const *prepared,
    int64_t cap, struct err *err)
{
	struct sandbox_spec	 spec;
	struct sandbox_result	 r;
	const char		*env[JUDGE_ENV_MAX];
	char			**options = NULL, **argv = NULL;
	int			 ok, trunc = 0;

	if (s->compiler_options != NULL &&
	    judge_words(s->compiler_options, &options) == -1)
		return err_errno(err, "malloc");
	if (expand_argv(lang->compile_argv, options, sources, prepared, NULL,
	    &argv) == -1) {
		util_strv_free(options);
		return err_errno(err, "calloc");
	}
	judge_env(lang, env);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.envp = env;
	spec.box = box;
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
	s->compiles++;
	if (sandbox_run(sb, &spec, &r, err) == -1) {
		free(argv);
		util_strv_free(options);
		return -1;
	}
	free(argv);
	util_strv_free(options);
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

/* Queues a file for the box, and feeds it to the cache key (if any). */
static int
box_put(struct sandbox_box *box, struct cache_key *key, const char *name,
    const char *data, size_t len, int mode, struct err *err)
{
	if (key != NULL) {
		cache_key_str(key, name);
		cache_key_add(key, data, len);
	}
	return sandbox_box_write(box, name, data, len, mode != 0 ? mode :
	    0644, err);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if path a is b, or a directory above b, or b one above a. */
static int
path_clash(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;

	return strncmp(a, b, l) == 0 && (la == lb ||
	    (la < lb ? b[la] : a[lb]) == '/');
}

/*
 * Writes the entries of the submission's archive that do not clash with
 * the n names already in the box (as Judge0's "unzip -n", which keeps
 * the source and the files already there).  The API checked the archive;
 * one that fails here now is our failure.  *has_compile, *has_run: a
 * file "compile", "run" is in the box's top directory.
 */
static int
write_archive(const struct submission *s, struct sandbox_box *box,
    struct cache_key *key, char *const *names, size_t n, int *has_compile,
    struct err *err)
{
	struct judge_file	*zf = NULL;
	char			 why[200];
	size_t			 nz = 0, i, k;
	int			 rc = -1;

	for (k = 0; k < n; k++)
		if (strcmp(names[k], "compile") == 0)
			*has_compile = 1;
	if (s->additional_files == NULL)
		return 0;
	switch (judge_zip_unpack(s->additional_files,
	    s->additional_files_len, NULL, &zf, &nz, why, sizeof(why), err)) {
	case -1:
		return -1;
	case 0:
		return err_set(err, "additional_files: %s", why);
	}
	for (i = 0; i < nz; i++) {
		for (k = 0; k < n; k++)
			if (path_clash(names[k], zf[i].name))
				break;
		if (k < n)
			continue;
		if (box_put(box, key, zf[i].name, zf[i].content, zf[i].len,
		    zf[i].mode, err) == -1)
			goto out;
		if (strcmp(zf[i].name, "compile") == 0)
			*has_compile = 1;
	}
	rc = 0;
out:
	judge_files_free(zf, nz);
	return rc;
}

/*
 * Writes the source, the language's helpers, the extra files and the
 * archive's entries into the box and lists, in *srcs (free with free();
 * strings borrowed), the extra files with the extension of the
 * language's source file: what "{sources}" stands for.  The archive's
 * files are never sources: as in Judge0, only the language's command
 * compiles, and it names the source file.  A project has no source.
 */
static int
write_files(const struct lang *lang, const struct submission *s,
    struct sandbox_box *box, struct cache_key *key, char ***srcs,
    int *has_compile, struct err *err)
{
	const char	*ext = strrchr(lang->source_file, '.');
	char		**v, **names = NULL;
	size_t		  i, n = 0, nl, nn = 0;

	*has_compile = 0;
	if ((v = calloc(s->nfiles + 2, sizeof(char *))) == NULL)
		return err_errno(err, "calloc");
	for (i = 0; lang->box_files != NULL && lang->box_files[i] != NULL;
	    i += 2)
		nn++;
	if ((names = calloc(nn + s->nfiles + 2, sizeof(char *))) == NULL) {
		free(v);
		return err_errno(err, "calloc");
	}
	nn = 0;
	if (!lang->project && (s->source_len > 0 || s->nfiles == 0)) {
		if (box_put(box, key, lang->source_file, s->source,
		    s->source_len, 0, err) == -1)
			goto fail;
		v[n++] = lang->source_file;
		names[nn++] = lang->source_file;
	}
	/* the language's own helpers first; a user file may not replace one */
	for (i = 0; lang->box_files != NULL && lang->box_files[i] != NULL;
	    i += 2) {
		if (box_put(box, key, lang->box_files[i],
		    lang->box_files[i + 1], strlen(lang->box_files[i + 1]), 0,
		    err) == -1)
			goto fail;
		names[nn++] = lang->box_files[i];
	}
	for (i = 0; i < s->nfiles; i++) {
		if (box_put(box, key, s->files[i].name, s->files[i].content,
		    s->files[i].len, s->files[i].mode, err) == -1)
			goto fail;
		names[nn++] = s->files[i].name;
		nl = strlen(s->files[i].name);
		if (!lang->project && ext != NULL && nl > strlen(ext) &&
		    strcmp(s->files[i].name + nl - strlen(ext), ext) == 0)
			v[n++] = s->files[i].name;
	}
	if (write_archive(s, box, key, names, nn, has_compile, err) == -1)
		goto fail;
	free(names);
	qsort(v, n, sizeof(char *), cmp_names);
	*srcs = v;
	return 0;
fail:
	free(names);
	free(v);
	return -1;
}

/*
 * The compile cache's key: everything the compile depends on besides the
 * files (write_files adds those): the language, its toolchain's version
 * as probed at start, the compile command, the options and the prepared
 * files' words (which name the files by their own key).
 */
static struct cache_key *
compile_key(const struct lang *lang, const struct submission *s,
    char *const *prepared)
{
	struct cache_key	*k;
	char *const		*w;

	if ((k = cache_key_new()) == NULL)
		return NULL;
	cache_key_str(k, lang->name);
	cache_key_str(k, lang->version != NULL ? lang->version : "");
	for (w = lang->compile_argv; *w != NULL; w++)
		cache_key_str(k, *w);
	cache_key_str(k, s->compiler_options != NULL ?
	    s->compiler_options : "");
	for (w = prepared; w != NULL && *w != NULL; w++)
		cache_key_str(k, *w);
	return k;
}

/*
 * A cached compile of key, if there is one: a new box with its files in
 * place of *box, and its output.  Returns 1 on a hit, 0 on a miss (the
 * cache's own failures count as misses: the compile just runs), -1 with
 * err set when the sandbox failed.
 */
static int
cache_hit(struct sandbox *sb, struct cache *cache, const char *key,
    struct submission *s, struct sandbox_box **box, struct err *err)
{
	struct cache_entry	*e = NULL;
	struct sandbox_box	*nb = NULL;
	struct err		 ignored;
	size_t			 i;
	int			 rc = 0;

	if (cache_get(cache, key, &e, &ignored) != 1)
		return 0;
	if ((nb = sandbox_box_new(sb, BOX_BYTES, BOX_INODES, err)) == NULL) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < e->nfiles; i++)
		if (sandbox_box_write(nb, e->files[i].path, e->files[i].data,
		    e->files[i].len, e->files[i].mode, &ignored) == -1)
			goto out;	/* not a box we made: a miss */
	if ((s->compile_output = util_memdup0(e->output,
	    e->output_len)) == NULL) {
		rc = err_errno(err, "malloc");
		goto out;
	}
	s->compile_output_len = e->output_len;
	s->compile_cached = 1;
	(void)sandbox_box_free(sb, *box, &ignored);
	*box = nb;
	nb = NULL;
	rc = 1;
out:
	(void)sandbox_box_free(sb, nb, &ignored);
	cache_entry_free(e);
	return rc;
}

/*
 * Keeps what the compile just left in box under key, if the box holds
 * plain files only (see cache.c).  Failures only cost the next compile.
 */
static void
cache_keep(struct sandbox *sb, struct cache *cache, const char *key,
    const struct submission *s, struct sandbox_box *box)
{
	struct cache_writer	*w;
	struct err		 ignored;

	if ((w = cache_put_begin(cache, key, &ignored)) == NULL)
		return;
	if (sandbox_box_export(sb, box, CACHE_FILES, CACHE_BYTES,
	    cache_put_file, w, &ignored) != 1) {
		cache_put_abort(w);
		return;
	}
	(void)cache_put_commit(w, s->compile_output != NULL ?
	    s->compile_output : "", s->compile_output_len, &ignored);
}

/*
 * The API checked the compiler options; the judge does not trust the
 * row.  Returns 1 if they are allowed, 0 with s's verdict set (a
 * compilation error naming the option), -1 on ENOMEM.
 */
static int
options_allowed(const struct lang *lang, struct submission *s,
    struct err *err)
{
	char	msg[sizeof(s->message)];
	int	ok;

	if (s->compiler_options == NULL)
		return 1;
	if ((ok = lang_options_ok(lang, s->compiler_options, msg,
	    sizeof(msg))) == -1)
		return err_errno(err, "malloc");
	if (ok)
		return 1;
	if ((s->compile_output = strdup("")) == NULL)
		return err_errno(err, "strdup");
	s->status = JS_CE;
	memcpy(s->message, msg, sizeof(s->message));
	return 0;
}

/* The most wall time the runs of one test of s may take, in ms. */
static int64_t
test_worst_ms(const struct submission *s)
{
	int64_t	runs = s->number_of_runs < 1 ? 1 : s->number_of_runs;
	int64_t	wall = ms_of(s->lim.wall_time_s);

	return wall == -1 ? INT64_MAX : runs * wall;
}

int64_t
judge_worst_case_ms(const struct lang *lang, const struct submission *s)
{
	int64_t	test = test_worst_ms(s), compile = 0;

	if (lang->compile_argv != NULL &&
	    (compile = ms_of(lang->compile_wall_s > 0 ?
	    lang->compile_wall_s : COMPILE_WALL_S)) == -1)
		return INT64_MAX;
	if (test == INT64_MAX || (s->ntests > 0 &&
	    (uint64_t)test > (uint64_t)(INT64_MAX - compile) / s->ntests))
		return INT64_MAX;
	return compile + test * (int64_t)s->ntests;
}

int64_t
judge_budget_ms(const struct lang *lang, const struct submission *s,
    int64_t configured_ms)
{
	int64_t	worst;

	if (configured_ms > 0)
		return configured_ms;
	if ((worst = judge_worst_case_ms(lang, s)) > INT64_MAX / 2)
		return INT64_MAX;
	return worst + worst / 10 + 1000;
}

void
judge_budget_spent(struct submission *s, size_t from)
{
	char	msg[sizeof(s->message)];
	size_t	i, n = s->ntests - from;

	for (i = from; i < s->ntests; i++) {
		s->results[i].status = 0;	/* not run */
		snprintf(s->results[i].message,
		    sizeof(s->results[i].message), "skipped");
	}
	if (s->status == JS_AC) {
		/* what ran passed, but not all ran: no Accepted */
		s->status = JS_TLE;
		snprintf(s->message, sizeof(s->message), "total time budget "
		    "exceeded: %zu of %zu tests not run", n, s->ntests);
		return;
	}
	snprintf(msg, sizeof(msg), "%.100s (time budget spent: %zu of %zu "
	    "tests not run)", s->message, n, s->ntests);
	memcpy(s->message, msg, sizeof(s->message));
}

int
judge_run(struct sandbox *sb, const struct lang_table *langs,
    struct cache *cache, struct submission *s, int64_t stored_output_bytes,
    const struct judge_hooks *hooks, struct err *err)
{
	const struct lang	*lang;
	struct cache_key	*key = NULL;
	char			 keyhex[CACHE_KEY_HEX];
	char			**sources = NULL, **args = NULL;
	char			**prepared = NULL;
	size_t			 i;
	struct sandbox_box	*box = NULL;
	struct err		 e2 = { "" };
	int64_t			 t0 = util_mono_us(), budget_ms, worst_ms;
	int			 rc = -1, c, failed = 0, has_compile;

	s->status = JS_IE;
	s->compiles = 0;
	s->compile_cached = 0;
	if ((lang = lang_by_id(langs, s->lang_id)) == NULL) {
		snprintf(s->message, sizeof(s->message),
		    "language %d is not available", s->lang_id);
		return 0;
	}
	if ((c = options_allowed(lang, s, err)) != 1)
		return c;
	budget_ms = judge_budget_ms(lang, s, hooks != NULL ?
	    hooks->total_wall_ms : 0);
	if (s->results == NULL &&
	    (s->results = calloc(s->ntests ? s->ntests : 1,
	    sizeof(*s->results))) == NULL)
		return err_errno(err, "calloc");
	/* exact words if the client sent a list, else the text's words */
	if (s->argv == NULL && s->command_line_arguments != NULL &&
	    judge_words(s->command_line_arguments, &args) == -1)
		return err_errno(err, "malloc");
	if (lang->compile_argv != NULL && prepared_words(hooks != NULL ?
	    hooks->prepared : NULL, lang, &prepared) == -1) {
		err_errno(err, "malloc");
		goto out;
	}
	if (cache != NULL && lang->compile_argv != NULL &&
	    (key = compile_key(lang, s, prepared)) == NULL) {
		err_errno(err, "malloc");
		goto out;
	}
	if ((box = sandbox_box_new(sb, BOX_BYTES, BOX_INODES, err)) == NULL ||
	    write_files(lang, s, box, key, &sources, &has_compile,
	    err) == -1)
		goto out;
	/* a project compiles only when its archive has a compile script */
	if (lang->project && !has_compile && key != NULL) {
		cache_key_final(key, keyhex);	/* frees it */
		key = NULL;
	}
	if (key != NULL) {
		cache_key_final(key, keyhex);
		key = NULL;
		if ((c = cache_hit(sb, cache, keyhex, s, &box, err)) == -1)
			goto out;
		if (c == 1)
			goto tests;
	}
	if (lang->compile_argv != NULL && (!lang->project || has_compile)) {
		if ((c = compile(sb, lang, s, box, sources, prepared,
		    stored_output_bytes, err)) == -1)
			goto out;
		if (c == 0) {
			s->status = JS_CE;
			rc = 0;
			goto out;
		}
		if (cache != NULL)
			cache_keep(sb, cache, keyhex, s, box);
	}
tests:
	s->status = JS_AC;
	s->message[0] = '\0';
	for (i = 0; i < s->ntests; i++) {
		if (failed && s->stop_on_failure) {
			s->results[i].status = 0;	/* not run */
			snprintf(s->results[i].message,
			    sizeof(s->results[i].message), "skipped");
			continue;
		}
		/*
		 * The time judging has taken, compile and sandbox setup
		 * included, must leave room for this test's worst case (a
		 * wall limit out of range is set_limits' to refuse).
		 */
		if ((worst_ms = test_worst_ms(s)) != INT64_MAX &&
		    (util_mono_us() - t0) / 1000 > budget_ms - worst_ms) {
			judge_budget_spent(s, i);
			break;
		}
		if (hooks != NULL && hooks->test_started != NULL)
			hooks->test_started(hooks->arg, s, i + 1);
		if (run_test(sb, lang, s, i, box, s->argv != NULL ? s->argv :
		    args, stored_output_bytes,
		    err) == -1)
			goto out;
		if (s->results[i].time_s > s->time_s)
			s->time_s = s->results[i].time_s;
		if (s->results[i].wall_time_s > s->wall_time_s)
			s->wall_time_s = s->results[i].wall_time_s;
		if (s->results[i].memory_kb > s->memory_kb)
			s->memory_kb = s->results[i].memory_kb;
		if (s->results[i].status != JS_AC && !failed) {
			failed = 1;
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
	if (key != NULL)
		cache_key_final(key, keyhex);	/* frees it */
	free(sources);
	util_strv_free(args);
	util_strv_free(prepared);
	if (hooks != NULL && hooks->box_after != NULL)
		*hooks->box_after = box;
	else if (sandbox_box_free(sb, box, &e2) == -1 && hooks != NULL &&
	    hooks->box_left != NULL)
		hooks->box_left(hooks->arg, e2.msg);
	return rc;
}
