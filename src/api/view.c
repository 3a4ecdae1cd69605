/*
 * A submission as a Judge0 client asks for it: fields= picks the
 * attributes (a comma list, or "*" for all of them), base64_encoded=true
 * sends the text attributes in base64.  Without base64, text that is not
 * UTF-8 is refused with Judge0's 400 rather than altered: a client that
 * compares output must see the bytes the program wrote.
 *
 * The default set is what render_submission() builds (Judge0's defaults
 * and ours); the view starts from that object and swaps the text fields
 * for the raw bytes of the submission, encoded as asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/store.h"
#include "api.h"
#include "api_int.h"

/* Where a field's value comes from. */
enum src {
	RENDERED,	/* render_submission's value, as it is */
	TEXT,		/* bytes of the submission: UTF-8 or base64 */
	TESTS,		/* the rendered tests, their texts swapped */
	OTHER,		/* built here */
};

struct vfield {
	const char	*name;
	enum src	 src;
	int		 dflt;	/* in the default set */
};

/* Table order is output order.  At most 64 (api_query.fields). */
static const struct vfield vfields[] = {
	{ "token",				RENDERED,	1 },
	{ "status",				RENDERED,	1 },
	{ "stdout",				TEXT,		1 },
	{ "stderr",				TEXT,		1 },
	{ "compile_output",			TEXT,		1 },
	{ "message",				TEXT,		1 },
	{ "time",				RENDERED,	1 },
	{ "wall_time",				RENDERED,	1 },
	{ "memory",				RENDERED,	1 },
	{ "exit_code",				RENDERED,	1 },
	{ "exit_signal",			RENDERED,	1 },
	{ "language_id",			RENDERED,	1 },
	{ "created_at",				RENDERED,	1 },
	{ "finished_at",			RENDERED,	1 },
	{ "tests",				TESTS,		1 },
	{ "compiles",				RENDERED,	1 },
	{ "progress",				RENDERED,	1 },
	{ "status_id",				OTHER,		0 },
	{ "language",				OTHER,		0 },
	{ "source_code",			TEXT,		0 },
	{ "stdin",				TEXT,		0 },
	{ "expected_output",			TEXT,		0 },
	{ "cpu_time_limit",			OTHER,		0 },
	{ "cpu_extra_time",			OTHER,		0 },
	{ "wall_time_limit",			OTHER,		0 },
	{ "memory_limit",			OTHER,		0 },
	{ "stack_limit",			OTHER,		0 },
	{ "max_processes_and_or_threads",	OTHER,		0 },
	{ "max_file_size",			OTHER,		0 },
	{ "enable_per_process_and_thread_time_limit", OTHER,	0 },
	{ "enable_per_process_and_thread_memory_limit", OTHER,	0 },
	{ "redirect_stderr_to_stdout",		OTHER,		0 },
	{ "enable_network",			OTHER,		0 },
	{ "number_of_runs",			OTHER,		0 },
	{ "compiler_options",			OTHER,		0 },
	{ "command_line_arguments",		OTHER,		0 },
	{ "additional_files",			OTHER,		0 },
	{ "callback_url",			OTHER,		0 },
	{ "callback_status",			OTHER,		0 },
	{ "compare",				OTHER,		0 },
	{ "stop_on_failure",			OTHER,		0 },
	{ "started_at",				OTHER,		0 },
	{ "files",				OTHER,		0 },
};
#define NVFIELDS	(sizeof(vfields) / sizeof(vfields[0]))

int
view_field_index(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < NVFIELDS; i++)
		if (strlen(vfields[i].name) == len &&
		    memcmp(vfields[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

struct view {
	int	base64;
	int	bad_utf8;	/* a text field was not UTF-8 */
};

/*
 * Bytes as a JSON value: null when p is NULL (or empty, with
 * empty_null), base64 text when asked, else the string if it is UTF-8
 * (if not: null, and v->bad_utf8 is set).  Returns 0, or -1 (ENOMEM).
 */
static int
add_bytes(json_object *o, const char *key, const char *p, size_t len,
    int empty_null, struct view *v)
{
	char	*enc;
	size_t	 elen;
	int	 rc;

	if (p == NULL || (len == 0 && empty_null))
		return jadd_null(o, key);
	if (v->base64) {
		if ((enc = base64_encode(p, len, &elen)) == NULL)
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

static int
add_time(json_object *o, const char *key, int64_t ms)
{
	char	t[32];

	if (ms <= 0)
		return jadd_null(o, key);
	util_iso8601(ms, t);
	return jadd(o, key, json_object_new_string(t));
}

/* The rendered tests with stdout/stderr/message from the raw results. */
static int
add_tests(json_object *o, const struct submission *s, json_object *full,
    struct view *v)
{
	const struct judge_test_result	*r;
	json_object			*tests, *arr = NULL, *t, *nt, *val;
	size_t				 i, n;
	int				 rc = -1;

	if (!json_object_object_get_ex(full, "tests", &tests))
		return jadd_null(o, "tests");
	if ((arr = json_object_new_array()) == NULL)
		return -1;
	n = json_object_array_length(tests);
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(tests, i);
		if ((nt = json_object_new_object()) == NULL ||
		    jpush(arr, nt) == -1)
			goto out;
		r = s->results != NULL && i < s->ntests ? &s->results[i] :
		    NULL;
		json_object_object_foreach(t, key, tv) {
			/* rendered non-null only where the result has text */
			if (tv != NULL && r != NULL &&
			    strcmp(key, "stdout") == 0) {
				if (add_bytes(nt, key, r->stdout_data,
				    r->stdout_len, 1, v) == -1)
					goto out;
			} else if (tv != NULL && r != NULL &&
			    strcmp(key, "stderr") == 0) {
				if (add_bytes(nt, key, r->stderr_data,
				    r->stderr_len, 1, v) == -1)
					goto out;
			} else if (tv != NULL && v->base64 &&
			    strcmp(key, "message") == 0) {
				if (add_bytes(nt, key,
				    json_object_get_string(tv),
				    (size_t)json_object_get_string_len(tv), 1,
				    v) == -1)
					goto out;
			} else {
				val = json_object_get(tv);
				if ((tv == NULL ? jadd_null(nt, key) :
				    jadd(nt, key, val)) == -1)
					goto out;
			}
		}
	}
	rc = jadd(o, "tests", arr);
	arr = NULL;		/* jadd took it */
out:
	json_object_put(arr);
	return rc;
}

/* callback_url or callback_status (names[state], attempts, error). */
static int
add_callback(struct api *a, json_object *o, const char *key,
    const struct submission *s, struct api_resp *resp)
{
	static const char *const names[] = { "pending", "delivered",
	    "failed" };
	json_object	*cb = NULL;
	char		 error[256], *url = NULL;
	int		 state, attempts, rc = -1;

	switch (store_callback_state(a->store, s->token, &state, &attempts,
	    error, sizeof(error), &url, &resp->err)) {
	case -1:
		goto out;
	case 0:
		rc = jadd_null(o, key);
		goto out;
	}
	if (strcmp(key, "callback_url") == 0) {
		rc = jadd(o, key, json_object_new_string(url));
		goto out;
	}
	if (state < 0 || state > 2)
		state = 0;
	if (jadd(o, key, cb = json_object_new_object()) == -1 ||
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

/* The request's files, names and contents (encoded as the texts). */
static int
add_files(json_object *o, const struct submission *s, struct view *v)
{
	json_object	*arr = NULL, *f;
	size_t		 i;

	if (jadd(o, "files", arr = json_object_new_array()) == -1)
		return -1;
	for (i = 0; i < s->nfiles; i++)
		if (jpush(arr, f = json_object_new_object()) == -1 ||
		    jadd(f, "name", json_object_new_string(s->files[i].name)) ==
		    -1 ||
		    add_bytes(f, "content", s->files[i].content,
		    s->files[i].len, 0, v) == -1)
			return -1;
	return 0;
}

static int
add_other(struct api *a, json_object *o, const char *key,
    const struct submission *s, struct view *v, struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*lo = NULL;

	if (strcmp(key, "status_id") == 0)
		return jadd(o, key, json_object_new_int(s->status));
	if (strcmp(key, "language") == 0) {
		if ((l = lang_by_id(a->langs, s->lang_id)) == NULL)
			return jadd_null(o, key);
		if (jadd(o, key, lo = json_object_new_object()) == -1 ||
		    jadd(lo, "id", json_object_new_int(l->id)) == -1 ||
		    jadd(lo, "name", json_object_new_string(l->display)) == -1)
			return -1;
		return 0;
	}
	if (strcmp(key, "cpu_time_limit") == 0)
		return jadd(o, key, json_object_new_double(s->lim.cpu_time_s));
	if (strcmp(key, "cpu_extra_time") == 0)
		return jadd(o, key, json_object_new_double(s->lim.cpu_extra_s));
	if (strcmp(key, "wall_time_limit") == 0)
		return jadd(o, key, json_object_new_double(s->lim.wall_time_s));
	if (strcmp(key, "memory_limit") == 0)
		return jadd(o, key, json_object_new_int64(s->lim.memory_kb));
	if (strcmp(key, "stack_limit") == 0)
		return jadd(o, key, json_object_new_int64(s->lim.stack_kb));
	if (strcmp(key, "max_processes_and_or_threads") == 0)
		return jadd(o, key, json_object_new_int64(s->lim.max_procs));
	if (strcmp(key, "max_file_size") == 0)
		return jadd(o, key, json_object_new_int64(s->lim.max_file_kb));
	if (strcmp(key, "redirect_stderr_to_stdout") == 0)
		return jadd(o, key,
		    json_object_new_boolean(s->redirect_stderr));
	if (strcmp(key, "number_of_runs") == 0)
		return jadd(o, key, json_object_new_int(s->number_of_runs));
	if (strcmp(key, "compiler_options") == 0)
		return s->compiler_options == NULL ? jadd_null(o, key) :
		    jadd(o, key, json_object_new_string(s->compiler_options));
	if (strcmp(key, "command_line_arguments") == 0)
		return s->command_line_arguments == NULL ? jadd_null(o, key) :
		    jadd(o, key,
		    json_object_new_string(s->command_line_arguments));
	if (strcmp(key, "compare") == 0)
		return jadd(o, key,
		    json_object_new_string(judge_compare_name(s->compare)));
	if (strcmp(key, "stop_on_failure") == 0)
		return jadd(o, key,
		    json_object_new_boolean(s->stop_on_failure));
	if (strcmp(key, "started_at") == 0)
		return add_time(o, key, s->started_ms);
	if (strcmp(key, "files") == 0)
		return add_files(o, s, v);
	if (strncmp(key, "callback_", 9) == 0)
		return add_callback(a, o, key, s, resp);
	/* enable_network, the per-process flags: never; additional_files */
	if (strncmp(key, "enable_", 7) == 0)
		return jadd(o, key, json_object_new_boolean(0));
	return jadd_null(o, key);
}

static int
add_text(json_object *o, const char *key, const struct submission *s,
    struct view *v)
{
	const struct judge_test_result	*r = submission_main_result(s);
	const struct judge_test		*t = s->ntests == 1 ? &s->tests[0] :
					    NULL;

	if (strcmp(key, "stdout") == 0 || strcmp(key, "stderr") == 0) {
		/*
		 * render_submission shows the decisive test's output once
		 * anything ran; no result, no output.
		 */
		if (r == NULL)
			return jadd_null(o, key);
		if (key[3] == 'o')
			return add_bytes(o, key, r->stdout_data, r->stdout_len,
			    1, v);
		return add_bytes(o, key, r->stderr_data, r->stderr_len, 1, v);
	}
	if (strcmp(key, "compile_output") == 0)
		return add_bytes(o, key, s->compile_output,
		    s->compile_output_len, 1, v);
	if (strcmp(key, "message") == 0)
		return add_bytes(o, key, s->message, strnlen(s->message,
		    sizeof(s->message)), 1, v);
	if (strcmp(key, "source_code") == 0)
		return add_bytes(o, key, s->source != NULL ? s->source : "",
		    s->source_len, 0, v);
	/* stdin and expected_output of a single test; tests: see "tests" */
	if (t == NULL)
		return jadd_null(o, key);
	if (strcmp(key, "stdin") == 0)
		return add_bytes(o, key, t->stdin_data, t->stdin_len, 1, v);
	return add_bytes(o, key, t->expected, t->expected_len, 0, v);
}

json_object *
view_submission(struct api *a, const struct submission *s,
    const struct api_query *q, struct api_resp *resp)
{
	const struct vfield	*f;
	json_object		*full = NULL, *o = NULL, *val, *ret = NULL;
	struct view		 v = { q->base64, 0 };
	size_t			 i;
	int			 want, rc, answered = 0;

	if ((full = render_submission(s)) == NULL ||
	    (o = json_object_new_object()) == NULL)
		goto out;
	for (i = 0; i < NVFIELDS; i++) {
		f = &vfields[i];
		if (q->fields_all)
			want = 1;
		else if (q->fields != 0)
			want = (q->fields >> i) & 1;
		else	/* the default set: what render_submission has */
			want = f->dflt &&
			    json_object_object_get_ex(full, f->name, NULL);
		if (!want)
			continue;
		switch (f->src) {
		case RENDERED:
			if (!json_object_object_get_ex(full, f->name, &val) ||
			    val == NULL)
				rc = jadd_null(o, f->name);
			else
				rc = jadd(o, f->name, json_object_get(val));
			break;
		case TEXT:
			rc = add_text(o, f->name, s, &v);
			break;
		case TESTS:
			rc = add_tests(o, s, full, &v);
			break;
		default:
			rc = add_other(a, o, f->name, s, &v, resp);
			break;
		}
		if (rc == -1)
			goto out;
	}
	if (v.bad_utf8) {
		/* Judge0's words; the token, so that a wait=true can go on */
		json_object_put(o);
		if ((o = json_object_new_object()) == NULL ||
		    jadd(o, "error", json_object_new_string("some attributes "
		    "for this submission cannot be converted to UTF-8, use "
		    "base64_encoded=true")) == -1 ||
		    jadd(o, "token", json_object_new_string(s->token)) == -1)
			goto out;
		reply_json(resp, 400, o);
		answered = 1;
		goto out;
	}
	ret = o;
	o = NULL;
out:
	/* what did not answer ran out of memory (or the store failed) */
	if (ret == NULL && !answered)
		reply_internal(resp, NULL);
	json_object_put(full);
	json_object_put(o);
	return ret;
}
