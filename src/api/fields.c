/*
 * A submission's fields, in one table.  Each row is one field: its name
 * (the JSON key and the fields= name; table order is answer order),
 * when it is in the default set, how its JSON value is written, and
 * where and how the result page shows it.  GET /submissions/{token},
 * the batch GET, wait=true, DELETE and the callback body all come from
 * fields_json; the result page's facts and blocks from fields_page_*.
 *
 * JSON values follow Judge0: times are strings with three decimals
 * ("0.012"), memory is KB, and what is absent is null, never "".  Text
 * fields are the submission's bytes: UTF-8 as it is, or base64 when
 * base64_encoded=true; without it, text that is not UTF-8 makes the
 * answer Judge0's 400 rather than altered bytes.  Nothing ran for a
 * compile error, or before the verdict: then time, memory and the exit
 * are null.  status and status_id are Judge0's 1 to 14
 * (judge_status_judge0 maps our 15 and 16; message keeps the cause)
 * unless the config's judge0_extra_statuses is on; verdict, tests and
 * the page show ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/store.h"
#include "api.h"
#include "fields.h"
#include "page.h"
#include "reply.h"
#include "request.h"
#include "validate.h"

/* One submission being shown. */
struct view {
	const struct api		*a;
	const struct submission		*s;
	const struct judge_test_result	*r;	/* the deciding test */
	int				 status;	/* s's, as Judge0's
							   fields show it */
	int				 final;
	int				 ran;	/* r has run data to show */
	int				 base64;
	int				 bad_utf8;	/* a text: no UTF-8 */
	struct api_resp			*resp;	/* the store's failures */
};

/* The bytes of a text field; truncated: stored cut. */
struct text {
	const char	*p;
	size_t		 len;
	int		 truncated;
};

/* When a field is in the default set. */
enum set {
	NO,		/* only by fields= or "*" */
	ALWAYS,
	TESTS,		/* more than one test */
	FINAL,		/* once there is a verdict */
};

/* How the result page shows a field. */
enum show {
	NONE,
	FACT,		/* a <dt>/<dd> pair: label, value (html) */
	OUTPUT,		/* a <section> with the text, hidden while empty */
	INPUT,		/* a <details> with the text, when there is one */
	OWN,		/* html writes all of it */
};

struct field;
typedef int	json_fn(json_object *, const struct field *, struct view *);
typedef int	text_fn(const struct view *, struct text *);
typedef void	html_fn(struct page *, const struct view *);

struct field {
	const char	*name;
	enum set	 set;
	json_fn		*json;
	text_fn		*text;	/* a text field's bytes, or NULL */
	/* the result page: place (1, 2, ...; 0 not shown), how, words */
	int		 place;
	enum show	 show;
	const char	*label;
	const char	*id;	/* the element the page script updates */
	html_fn		*html;
	/*
	 * 1: ours, not one of Judge0's attributes.  "*" means Judge0's
	 * (its clients reject a key they do not know); ours come when
	 * named in fields= (or in the default set).
	 */
	int		 ours;
};

static json_fn	j_token, j_status, j_text, j_time, j_wall_time, j_memory,
		j_exit_code, j_exit_signal, j_language_id, j_created_at,
		j_finished_at, j_tests, j_compiles, j_progress, j_status_id,
		j_language, j_limit, j_false, j_archive, j_redirect, j_runs,
		j_options, j_arguments, j_callback, j_compare, j_stop,
		j_started_at, j_files, j_verdict;
static text_fn	t_stdout, t_stderr, t_compile_output, t_message, t_source,
		t_stdin, t_expected;
static html_fn	h_language, h_message, h_time, h_wall_time, h_memory,
		h_exit, h_created, h_finished, h_tests;

/* Table order is output order.  At most 64 (api_query.fields). */
static const struct field fields[] = {
	{ "token", ALWAYS, j_token, NULL, 0, NONE, NULL, NULL, NULL },
	{ "status", ALWAYS, j_status, NULL, 0, NONE, NULL, NULL, NULL },
	{ "stdout", ALWAYS, j_text, t_stdout,
	  12, OUTPUT, "Output (stdout)", "stdout", NULL },
	{ "stderr", ALWAYS, j_text, t_stderr,
	  13, OUTPUT, "Errors (stderr)", "stderr", NULL },
	{ "compile_output", ALWAYS, j_text, t_compile_output,
	  11, OUTPUT, "Compiler output", "compile_output", NULL },
	{ "message", ALWAYS, j_text, t_message,
	  2, FACT, "Message", "cr-message", h_message },
	{ "time", ALWAYS, j_time, NULL,
	  3, FACT, "CPU time", "cr-time", h_time },
	{ "wall_time", ALWAYS, j_wall_time, NULL,
	  4, FACT, "Wall time", "cr-wall", h_wall_time },
	{ "memory", ALWAYS, j_memory, NULL,
	  5, FACT, "Memory", "cr-memory", h_memory },
	{ "exit_code", ALWAYS, j_exit_code, NULL,
	  6, FACT, "Exit", "cr-exit", h_exit },
	{ "exit_signal", ALWAYS, j_exit_signal, NULL, 0, NONE, NULL, NULL,
	  NULL },
	{ "language_id", ALWAYS, j_language_id, NULL,
	  1, FACT, "Language", NULL, h_language },
	{ "created_at", ALWAYS, j_created_at, NULL,
	  7, FACT, "Submitted", NULL, h_created },
	{ "finished_at", ALWAYS, j_finished_at, NULL,
	  8, FACT, "Finished", "cr-finished", h_finished },
	{ "tests", TESTS, j_tests, NULL, 14, OWN, NULL, NULL, h_tests, 1 },
	/* one compile for all tests: clients and tests can check it */
	{ "compiles", FINAL, j_compiles, NULL, 0, NONE, NULL, NULL, NULL,
	  1 },
	/* while running, which test (the page says it in words) */
	{ "progress", ALWAYS, j_progress, NULL, 0, NONE, NULL, NULL, NULL,
	  1 },
	{ "status_id", NO, j_status_id, NULL, 0, NONE, NULL, NULL, NULL },
	{ "language", NO, j_language, NULL, 0, NONE, NULL, NULL, NULL },
	{ "source_code", NO, j_text, t_source,
	  15, INPUT, "Source code", NULL, NULL },
	{ "stdin", NO, j_text, t_stdin,
	  16, INPUT, "Input (stdin)", NULL, NULL },
	{ "expected_output", NO, j_text, t_expected,
	  17, INPUT, "Expected output", NULL, NULL },
	{ "cpu_time_limit", NO, j_limit, NULL, 0, NONE, NULL, NULL, NULL },
	{ "cpu_extra_time", NO, j_limit, NULL, 0, NONE, NULL, NULL, NULL },
	{ "wall_time_limit", NO, j_limit, NULL, 0, NONE, NULL, NULL, NULL },
	{ "memory_limit", NO, j_limit, NULL, 0, NONE, NULL, NULL, NULL },
	{ "stack_limit", NO, j_limit, NULL, 0, NONE, NULL, NULL, NULL },
	{ "max_processes_and_or_threads", NO, j_limit, NULL, 0, NONE, NULL,
	  NULL, NULL },
	{ "max_file_size", NO, j_limit, NULL, 0, NONE, NULL, NULL, NULL },
	/* Judge0's, never on here */
	{ "enable_per_process_and_thread_time_limit", NO, j_false, NULL, 0,
	  NONE, NULL, NULL, NULL },
	{ "enable_per_process_and_thread_memory_limit", NO, j_false, NULL, 0,
	  NONE, NULL, NULL, NULL },
	{ "redirect_stderr_to_stdout", NO, j_redirect, NULL, 0, NONE, NULL,
	  NULL, NULL },
	{ "enable_network", NO, j_false, NULL, 0, NONE, NULL, NULL, NULL },
	{ "number_of_runs", NO, j_runs, NULL, 0, NONE, NULL, NULL, NULL },
	{ "compiler_options", NO, j_options, NULL, 0, NONE, NULL, NULL, NULL },
	{ "command_line_arguments", NO, j_arguments, NULL, 0, NONE, NULL,
	  NULL, NULL },
	/* Judge0's zip of extra files, in base64 always (as Judge0) */
	{ "additional_files", NO, j_archive, NULL, 0, NONE, NULL, NULL,
	  NULL },
	{ "callback_url", NO, j_callback, NULL, 0, NONE, NULL, NULL, NULL },
	{ "callback_status", NO, j_callback, NULL, 0, NONE, NULL, NULL, NULL,
	  1 },
	{ "compare", NO, j_compare, NULL, 0, NONE, NULL, NULL, NULL, 1 },
	{ "stop_on_failure", NO, j_stop, NULL, 0, NONE, NULL, NULL, NULL, 1 },
	{ "started_at", NO, j_started_at, NULL, 0, NONE, NULL, NULL, NULL,
	  1 },
	{ "files", NO, j_files, NULL, 0, NONE, NULL, NULL, NULL, 1 },
	/* our status where Judge0's fields say 12 or 8 for 15 or 16 */
	{ "verdict", NO, j_verdict, NULL, 0, NONE, NULL, NULL, NULL, 1 },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

int
fields_index(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].name) == len &&
		    memcmp(fields[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static void
view_init(struct view *v, const struct api *a, const struct submission *s)
{
	memset(v, 0, sizeof(*v));
	v->a = a;
	v->s = s;
	v->r = submission_main_result(s);
	v->status = a->cfg->judge0_extra_statuses ? s->status :
	    judge_status_judge0(s->status);
	v->final = judge_status_is_final(s->status);
	v->ran = v->final && v->r != NULL &&
	    judge_status_is_final(v->r->status) && s->status != JS_CE;
}

/* ---- JSON values ---- */

/*
 * Bytes as a JSON string: base64 text when asked (in Judge0's lines: its
 * clients may compare the text), else the string if it is UTF-8 (if not:
 * null, and v->bad_utf8 is set).  Returns 0, or -1.
 */
static int
add_bytes(json_object *o, const char *key, const char *p, size_t len,
    struct view *v)
{
	char	*enc;
	size_t	 elen;
	int	 rc;

	if (v->base64) {
		if ((enc = base64_encode_lines(p, len, &elen)) == NULL)
			return -1;
		rc = jadd(o, key, json_object_new_string_len(enc, (int)elen));
		free(enc);
		return rc;
	}
	if (!json_text_valid(p, len)) {
		v->bad_utf8 = 1;
		return jadd_null(o, key);
	}
	return jadd(o, key, json_object_new_string_len(p, (int)len));
}

/* ISO 8601 of ms since the epoch, or null when there is none. */
static int
add_when(json_object *o, const char *key, int present, int64_t ms)
{
	char	t[32];

	if (!present)
		return jadd_null(o, key);
	util_iso8601(ms, t);
	return jadd(o, key, json_object_new_string(t));
}

/* {"id", "description"}, or null for 0 (a test that did not run). */
static int
add_status(json_object *o, int id)
{
	json_object	*st = NULL;

	if (id == 0)
		return jadd_null(o, "status");
	if (jadd(o, "status", st = json_object_new_object()) == -1 ||
	    jadd(st, "id", json_object_new_int(id)) == -1 ||
	    jadd(st, "description",
	    json_object_new_string(judge_status_description(id))) == -1)
		return -1;
	return 0;
}

/*
 * Exit code and signal as Judge0 reports them: a program killed by a
 * signal has no exit code, one that exited has no signal.
 */
static int
add_exit(json_object *o, int ran, int code, int sig)
{
	if (jadd_int(o, "exit_code", ran && sig == 0, code) == -1 ||
	    jadd_int(o, "exit_signal", ran && sig != 0, sig) == -1)
		return -1;
	return 0;
}

static int
j_token(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name, json_object_new_string(v->s->token));
}

static int
j_status(json_object *o, const struct field *f, struct view *v)
{
	(void)f;
	return add_status(o, v->status);
}

/* Our own status, 15 and 16 too: {id, code, description}. */
static int
j_verdict(json_object *o, const struct field *f, struct view *v)
{
	json_object	*st = NULL;

	if (jadd(o, f->name, st = json_object_new_object()) == -1 ||
	    jadd(st, "id", json_object_new_int(v->s->status)) == -1 ||
	    jadd(st, "code", json_object_new_string(
	    judge_status_code(v->s->status))) == -1 ||
	    jadd(st, "description", json_object_new_string(
	    judge_status_description(v->s->status))) == -1)
		return -1;
	return 0;
}

static int
j_text(json_object *o, const struct field *f, struct view *v)
{
	struct text	t;

	if (!f->text(v, &t))
		return jadd_null(o, f->name);
	return add_bytes(o, f->name, t.p, t.len, v);
}

static int
j_time(json_object *o, const struct field *f, struct view *v)
{
	return jadd_seconds(o, f->name, v->ran, v->s->time_s);
}

static int
j_wall_time(json_object *o, const struct field *f, struct view *v)
{
	return jadd_seconds(o, f->name, v->ran, v->s->wall_time_s);
}

static int
j_memory(json_object *o, const struct field *f, struct view *v)
{
	return jadd_int(o, f->name, v->ran, v->s->memory_kb);
}

/*
 * Judge0's: 0 for a program killed by a signal (isolate writes no exit
 * code then, and Judge0 stores 0), exit_signal says which.  tests[]
 * (ours) say null.
 */
static int
j_exit_code(json_object *o, const struct field *f, struct view *v)
{
	return jadd_int(o, f->name, v->ran,
	    v->ran && v->r->exit_signal == 0 ? v->r->exit_code : 0);
}

static int
j_exit_signal(json_object *o, const struct field *f, struct view *v)
{
	return jadd_int(o, f->name, v->ran && v->r->exit_signal != 0,
	    v->ran ? v->r->exit_signal : 0);
}

static int
j_language_id(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name, json_object_new_int(v->s->lang_id));
}

static int
j_created_at(json_object *o, const struct field *f, struct view *v)
{
	return add_when(o, f->name, v->s->created_ms > 0, v->s->created_ms);
}

static int
j_finished_at(json_object *o, const struct field *f, struct view *v)
{
	return add_when(o, f->name, v->final && v->s->finished_ms > 0,
	    v->s->finished_ms);
}

/*
 * Test i: its result once it ran or was skipped; before that, the
 * submission's status while pending, and a null status after the
 * verdict (it did not run).  The texts are the result's bytes; its
 * message is ours, repaired to UTF-8 (and then in base64 when asked).
 */
static json_object *
test_json(const struct view *v, size_t i, struct view *tv)
{
	const struct submission		*s = v->s;
	const struct judge_test_result	*r = NULL;
	json_object			*o = NULL, *m = NULL;
	char				*enc = NULL;
	size_t				 mlen, elen;
	int				 skipped, ran, status;

	skipped = v->final && s->results != NULL &&
	    s->results[i].status == 0 &&
	    strcmp(s->results[i].message, "skipped") == 0;
	if (s->results != NULL && (s->results[i].status != 0 || skipped))
		r = &s->results[i];
	status = r != NULL ? r->status : v->final ? 0 : s->status;
	ran = judge_status_is_final(status) && s->status != JS_CE;
	if ((o = json_object_new_object()) == NULL ||
	    add_status(o, status) == -1 ||
	    (r != NULL && r->stdout_data != NULL && r->stdout_len > 0 ?
	    add_bytes(o, "stdout", r->stdout_data, r->stdout_len, tv) :
	    jadd_null(o, "stdout")) == -1 ||
	    (r != NULL && r->stderr_data != NULL && r->stderr_len > 0 ?
	    add_bytes(o, "stderr", r->stderr_data, r->stderr_len, tv) :
	    jadd_null(o, "stderr")) == -1 ||
	    jadd_seconds(o, "time", ran, ran ? r->time_s : 0) == -1 ||
	    jadd_seconds(o, "wall_time", ran, ran ? r->wall_time_s : 0) ==
	    -1 ||
	    jadd_int(o, "memory", ran, ran ? r->memory_kb : 0) == -1 ||
	    add_exit(o, ran, ran ? r->exit_code : 0,
	    ran ? r->exit_signal : 0) == -1)
		goto fail;
	mlen = r != NULL ? strnlen(r->message, sizeof(r->message)) : 0;
	if (mlen == 0) {
		if (jadd_null(o, "message") == -1)
			goto fail;
	} else if ((m = json_text(r->message, mlen)) == NULL)
		goto fail;
	else if (v->base64) {
		enc = base64_encode_lines(json_object_get_string(m),
		    (size_t)json_object_get_string_len(m), &elen);
		json_object_put(m);
		if (enc == NULL || jadd(o, "message",
		    json_object_new_string_len(enc, (int)elen)) == -1)
			goto fail;
	} else if (jadd(o, "message", m) == -1)
		goto fail;
	if (skipped && jadd(o, "skipped", json_object_new_boolean(1)) == -1)
		goto fail;
	free(enc);
	return o;
fail:
	free(enc);
	json_object_put(o);
	return NULL;
}

static int
j_tests(json_object *o, const struct field *f, struct view *v)
{
	json_object	*arr = NULL;
	size_t		 i;

	if (v->s->ntests <= 1)
		return jadd_null(o, f->name);
	if (jadd(o, f->name, arr = json_object_new_array()) == -1)
		return -1;
	for (i = 0; i < v->s->ntests; i++)
		if (jpush(arr, test_json(v, i, v)) == -1)
			return -1;
	return 0;
}

static int
j_compiles(json_object *o, const struct field *f, struct view *v)
{
	return jadd_int(o, f->name, v->final, v->s->compiles);
}

static int
j_progress(json_object *o, const struct field *f, struct view *v)
{
	json_object	*pr = NULL;

	if (v->s->status != JS_PROCESSING || v->s->progress <= 0)
		return jadd_null(o, f->name);
	if (jadd(o, f->name, pr = json_object_new_object()) == -1 ||
	    jadd(pr, "test", json_object_new_int(v->s->progress)) == -1 ||
	    jadd(pr, "tests", json_object_new_int64(
	    (int64_t)v->s->ntests)) == -1)
		return -1;
	return 0;
}

static int
j_status_id(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name, json_object_new_int(v->status));
}

static int
j_language(json_object *o, const struct field *f, struct view *v)
{
	const struct lang	*l;
	json_object		*lo = NULL;

	if ((l = lang_by_id(v->a->langs, v->s->lang_id)) == NULL)
		return jadd_null(o, f->name);
	if (jadd(o, f->name, lo = json_object_new_object()) == -1 ||
	    jadd(lo, "id", json_object_new_int(l->id)) == -1 ||
	    jadd(lo, "name", json_object_new_string(l->display)) == -1)
		return -1;
	return 0;
}

/*
 * A limit, in Judge0's unit, as the validator's table places it.  Those
 * in seconds are Judge0's decimal columns, which Rails writes as strings
 * with at least one decimal ("5.0", "0.25").
 */
static int
j_limit(json_object *o, const struct field *f, struct view *v)
{
	const struct api_limit	*lim;
	const char		*p;
	char			 t[64];
	size_t			 i, n, len;

	lim = api_limit_table(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(lim[i].name, f->name) != 0)
			continue;
		p = (const char *)&v->s->lim + lim[i].off;
		if (lim[i].is_int)
			return jadd(o, f->name, json_object_new_int64(
			    *(const int64_t *)(const void *)p));
		snprintf(t, sizeof(t), "%.6f",
		    *(const double *)(const void *)p);
		for (len = strlen(t); len > 2 && t[len - 1] == '0' &&
		    t[len - 2] != '.'; len--)
			t[len - 1] = '\0';
		return jadd(o, f->name, json_object_new_string(t));
	}
	return jadd_null(o, f->name);
}

static int
j_false(json_object *o, const struct field *f, struct view *v)
{
	(void)v;
	return jadd(o, f->name, json_object_new_boolean(0));
}

/* additional_files: the zip in base64 whatever base64_encoded says. */
static int
j_archive(json_object *o, const struct field *f, struct view *v)
{
	char	*b;
	int	 rc;

	if (v->s->additional_files == NULL)
		return jadd_null(o, f->name);
	if ((b = base64_encode(v->s->additional_files,
	    v->s->additional_files_len, NULL)) == NULL)
		return -1;
	rc = jadd(o, f->name, json_object_new_string(b));
	free(b);
	return rc;
}

static int
j_redirect(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name,
	    json_object_new_boolean(v->s->redirect_stderr));
}

static int
j_runs(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name, json_object_new_int(v->s->number_of_runs));
}

static int
j_options(json_object *o, const struct field *f, struct view *v)
{
	if (v->s->compiler_options == NULL)
		return jadd_null(o, f->name);
	return jadd(o, f->name,
	    json_object_new_string(v->s->compiler_options));
}

static int
j_arguments(json_object *o, const struct field *f, struct view *v)
{
	if (v->s->command_line_arguments == NULL)
		return jadd_null(o, f->name);
	return jadd(o, f->name,
	    json_object_new_string(v->s->command_line_arguments));
}

/* callback_url, or callback_status {state, attempts, error}. */
static int
j_callback(json_object *o, const struct field *f, struct view *v)
{
	static const char *const names[] = { "pending", "delivered",
	    "failed" };
	json_object	*cb = NULL;
	char		 error[256], *url = NULL;
	int		 state, attempts, rc = -1;

	switch (store_callback_state(v->a->store, v->s->token, &state,
	    &attempts, error, sizeof(error), &url, &v->resp->err)) {
	case -1:
		goto out;
	case 0:
		rc = jadd_null(o, f->name);
		goto out;
	}
	if (strcmp(f->name, "callback_url") == 0) {
		rc = jadd(o, f->name, json_object_new_string(url));
		goto out;
	}
	if (state < 0 || state > 2)
		state = 0;
	if (jadd(o, f->name, cb = json_object_new_object()) == -1 ||
	    jadd(cb, "state", json_object_new_string(names[state])) == -1 ||
	    jadd(cb, "attempts", json_object_new_int(attempts)) == -1 ||
	    (error[0] != '\0' ? jadd(cb, "error",
	    json_object_new_string(error)) : jadd_null(cb, "error")) == -1)
		goto out;
	rc = 0;
out:
	free(url);
	return rc;
}

static int
j_compare(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name,
	    json_object_new_string(judge_compare_name(v->s->compare)));
}

static int
j_stop(json_object *o, const struct field *f, struct view *v)
{
	return jadd(o, f->name,
	    json_object_new_boolean(v->s->stop_on_failure));
}

static int
j_started_at(json_object *o, const struct field *f, struct view *v)
{
	return add_when(o, f->name, v->s->started_ms > 0, v->s->started_ms);
}

/* The request's files, names and contents (encoded as the texts). */
static int
j_files(json_object *o, const struct field *f, struct view *v)
{
	const struct submission	*s = v->s;
	json_object		*arr = NULL, *fo;
	size_t			 i;

	if (jadd(o, f->name, arr = json_object_new_array()) == -1)
		return -1;
	for (i = 0; i < s->nfiles; i++)
		if (jpush(arr, fo = json_object_new_object()) == -1 ||
		    jadd(fo, "name", json_object_new_string(
		    s->files[i].name)) == -1 ||
		    (s->files[i].content == NULL ? jadd_null(fo, "content") :
		    add_bytes(fo, "content", s->files[i].content,
		    s->files[i].len, v)) == -1)
			return -1;
	return 0;
}

/* ---- text fields: 0 when absent (null), else 1 with t ---- */

static int
present(struct text *t, const char *p, size_t len, int truncated,
    int empty_absent)
{
	t->p = p;
	t->len = len;
	t->truncated = truncated;
	return p != NULL && (len > 0 || !empty_absent);
}

/* The deciding test's output, once anything ran. */
static int
t_stdout(const struct view *v, struct text *t)
{
	const struct judge_test_result	*r = v->r;

	return present(t, r != NULL ? r->stdout_data : NULL,
	    r != NULL ? r->stdout_len : 0, r != NULL && r->stdout_truncated,
	    1);
}

static int
t_stderr(const struct view *v, struct text *t)
{
	const struct judge_test_result	*r = v->r;

	return present(t, r != NULL ? r->stderr_data : NULL,
	    r != NULL ? r->stderr_len : 0, r != NULL && r->stderr_truncated,
	    1);
}

static int
t_compile_output(const struct view *v, struct text *t)
{
	return present(t, v->s->compile_output, v->s->compile_output_len, 0,
	    1);
}

/* Where status says less than ours (12 for 15), it names the cause. */
static int
t_message(const struct view *v, struct text *t)
{
	const char	*m = v->s->message;

	if (m[0] == '\0' && v->status != v->s->status)
		m = judge_status_description(v->s->status);
	return present(t, m, strnlen(m, sizeof(v->s->message)), 0, 1);
}

static int
t_source(const struct view *v, struct text *t)
{
	return present(t, v->s->source != NULL ? v->s->source : "",
	    v->s->source_len, 0, 0);
}

/* stdin and expected_output of a single test; tests: see "tests" */
static int
t_stdin(const struct view *v, struct text *t)
{
	const struct judge_test	*jt = v->s->ntests == 1 ? &v->s->tests[0] :
				    NULL;

	return present(t, jt != NULL ? jt->stdin_data : NULL,
	    jt != NULL ? jt->stdin_len : 0, 0, 1);
}

static int
t_expected(const struct view *v, struct text *t)
{
	const struct judge_test	*jt = v->s->ntests == 1 ? &v->s->tests[0] :
				    NULL;

	return present(t, jt != NULL ? jt->expected : NULL,
	    jt != NULL ? jt->expected_len : 0, 0, 0);
}

json_object *
fields_json(struct api *a, const struct submission *s,
    const struct api_query *q, struct api_resp *resp)
{
	const struct field	*f;
	json_object		*o = NULL, *ret = NULL;
	struct view		 v;
	size_t			 i;
	int			 want, answered = 0;

	view_init(&v, a, s);
	v.base64 = q->base64;
	v.resp = resp;
	if ((o = json_object_new_object()) == NULL)
		goto out;
	for (i = 0; i < NFIELDS; i++) {
		f = &fields[i];
		if (q->fields_all || q->fields != 0)
			want = (q->fields_all && !f->ours) ||
			    ((q->fields >> i) & 1);
		else
			want = f->set == ALWAYS ||
			    (f->set == TESTS && s->ntests > 1) ||
			    (f->set == FINAL && v.final);
		if (want && f->json(o, f, &v) == -1)
			goto out;
	}
	if (v.bad_utf8) {
		/* Judge0's words; the token, so that a wait=true can go on */
		reply_error_token(resp, 400, "some attributes for this "
		    "submission cannot be converted to UTF-8, use "
		    "base64_encoded=true", s->token);
		answered = 1;
		goto out;
	}
	ret = o;
	o = NULL;
out:
	/* what did not answer ran out of memory (or the store failed) */
	if (ret == NULL && !answered)
		reply_internal(resp, NULL);
	json_object_put(o);
	return ret;
}

/*
 * The callback's body (fcgi-app/callback.c sends it): the default fields,
 * in base64 when the request asked for it, or when its output is not
 * UTF-8 rather than not at all; "base64_encoded" says which.
 */
int
api_callback_body(struct api *a, const struct submission *s, int base64,
    struct buf *out, struct err *err)
{
	struct api_query	 q;
	struct api_resp		 resp;
	json_object		*o = NULL;
	const char		*t;
	int			 rc = -1;

	memset(&q, 0, sizeof(q));
	q.base64 = base64;
	api_resp_init(&resp);
	/* output that is not UTF-8 goes in base64 rather than not at all */
	if ((o = fields_json(a, s, &q, &resp)) == NULL &&
	    resp.status == 400 && !base64) {
		q.base64 = 1;
		o = fields_json(a, s, &q, &resp);
	}
	if (o == NULL) {
		err_set(err, "callback body: %s", resp.err.msg[0] != '\0' ?
		    resp.err.msg : "cannot render");
		goto out;
	}
	if (jadd(o, "base64_encoded", json_object_new_boolean(q.base64)) ==
	    -1 || (t = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) ==
	    NULL) {
		err_set(err, "callback body: out of memory");
		goto out;
	}
	buf_reset(out);
	rc = buf_puts(out, t, err);
out:
	json_object_put(o);
	api_resp_reset(&resp);
	return rc;
}

/* ---- the result page ---- */

static void
h_language(struct page *pg, const struct view *v)
{
	p_lang(pg, v->a, v->s->lang_id);
}

static void
h_message(struct page *pg, const struct view *v)
{
	struct text	t;

	(void)t_message(v, &t);
	p_textn(pg, t.p, t.len);
}

static void
h_time(struct page *pg, const struct view *v)
{
	if (v->ran)
		p_time_s(pg, v->s->time_s);
}

static void
h_wall_time(struct page *pg, const struct view *v)
{
	if (v->ran)
		p_time_s(pg, v->s->wall_time_s);
}

static void
h_memory(struct page *pg, const struct view *v)
{
	if (v->ran)
		p_fmt(pg, "%lld&nbsp;KB", (long long)v->s->memory_kb);
}

static void
h_exit(struct page *pg, const struct view *v)
{
	if (v->ran && v->r->exit_signal != 0)
		p_fmt(pg, "signal %d", v->r->exit_signal);
	else if (v->ran)
		p_fmt(pg, "code %d", v->r->exit_code);
}

static void
h_created(struct page *pg, const struct view *v)
{
	p_when(pg, v->s->created_ms);
}

static void
h_finished(struct page *pg, const struct view *v)
{
	if (v->final && v->s->finished_ms > 0)
		p_when(pg, v->s->finished_ms);
}

/* The tests table, when there is more than one test. */
static void
h_tests(struct page *pg, const struct view *v)
{
	const struct submission		*s = v->s;
	const struct judge_test_result	*r;
	size_t				 i;
	int				 st, ran;

	if (s->ntests <= 1)
		return;
	p_raw(pg, "<section id=\"cr-tests\">\n<h2>Tests</h2>\n<table "
	    "class=\"tests\">\n<thead><tr><th scope=\"col\">#</th>"
	    "<th scope=\"col\">Verdict</th><th scope=\"col\">Time</th>"
	    "<th scope=\"col\">Memory</th><th scope=\"col\">Message</th>"
	    "</tr></thead>\n<tbody id=\"cr-tests-body\">\n");
	for (i = 0; i < s->ntests; i++) {
		r = s->results != NULL ? &s->results[i] : NULL;
		st = r != NULL && r->status != 0 ? r->status :
		    v->final ? 0 : s->status;
		ran = r != NULL && judge_status_is_final(r->status) &&
		    s->status != JS_CE;
		p_fmt(pg, "<tr><td>%zu</td><td>", i + 1);
		p_badge(pg, st, NULL);
		p_raw(pg, "</td><td>");
		if (ran)
			p_time_s(pg, r->time_s);
		p_raw(pg, "</td><td>");
		if (ran)
			p_fmt(pg, "%lld&nbsp;KB", (long long)r->memory_kb);
		p_raw(pg, "</td><td>");
		if (r != NULL)
			p_textn(pg, r->message, strnlen(r->message,
			    sizeof(r->message)));
		p_raw(pg, "</td></tr>\n");
	}
	p_raw(pg, "</tbody>\n</table>\n</section>\n");
}

/* One field as the page shows it. */
static void
page_field(struct page *pg, const struct field *f, const struct view *v)
{
	struct text	t;

	switch (f->show) {
	case FACT:
		p_raw(pg, "<dt>");
		p_raw(pg, f->label);
		p_raw(pg, "</dt><dd");
		if (f->id != NULL) {
			p_raw(pg, " id=\"");
			p_raw(pg, f->id);
			p_raw(pg, "\"");
		}
		p_raw(pg, ">");
		f->html(pg, v);
		p_raw(pg, "</dd>\n");
		break;
	case OUTPUT:
		(void)f->text(v, &t);
		p_output(pg, f->id, f->label, t.p, t.len, t.truncated);
		break;
	case INPUT:
		if (f->text(v, &t))
			p_input(pg, f->label, t.p, t.len);
		break;
	case OWN:
		f->html(pg, v);
		break;
	case NONE:
		break;
	}
}

/* The fields shown as facts (facts) or blocks (!facts), by place. */
static void
page_fields(struct page *pg, const struct api *a, const struct submission *s,
    int facts)
{
	struct view	v;
	size_t		i;
	int		place, last = 0;

	view_init(&v, a, s);
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].place > last)
			last = fields[i].place;
	for (place = 1; place <= last; place++)
		for (i = 0; i < NFIELDS; i++)
			if (fields[i].place == place &&
			    (fields[i].show == FACT) == facts)
				page_field(pg, &fields[i], &v);
}

void
fields_page_facts(struct page *pg, const struct api *a,
    const struct submission *s)
{
	page_fields(pg, a, s, 1);
}

void
fields_page_blocks(struct page *pg, const struct api *a,
    const struct submission *s)
{
	page_fields(pg, a, s, 0);
}
