/*
 * The routes of the small runners coderunner replaces.  Each maps its
 * request onto a Judge0 submission object, goes through the one way in
 * (api_submit: the same validation, queue and store as POST
 * /submissions) and maps the verdict back to its own shape.  Nothing
 * here validates a value or runs anything itself.
 *
 *	POST /code		{language, code, input, time_limit (s),
 *				memory_limit (bytes), wall_time_limit (s)}
 *				-> 200 {status, stdout, stderr, runtime (ms),
 *				memory_usage (bytes)}
 *	POST /submissions/new	a native submission, waited for -> 201 the
 *				native result (202 {token} if it takes longer)
 *	POST /api/execute	{code, language, input} -> 200 {stdout,
 *				stderr, executionTime (ms), exitCode, error?}
 *	GET  /api/languages	{"languages": [names]}: that runner's own
 *				names, of the languages offered here
 *	GET  /api/health	{status, service, timestamp}
 *	POST /run		{language, code, tests: [{stdin, expected}]}
 *				-> 202 {jobID, status: "/status/<id>"}
 *	GET  /status/{id}	200 {"status": "pending"} until final, then
 *				200 [{stdout, stderr, exitCode, timedOut,
 *				oomKilled, passed}, ...]
 *	POST /execute		{selectedLanguage, userCode, userInput} ->
 *				200 {success, verdict (AC WA TLE MLE RE CE,
 *				IE), output, error}
 *
 * Errors are the native ones ({"error", "field"}, 400/413/422/429/503),
 * with the field named as the route's client named it.  A synchronous
 * route whose verdict takes longer than wait_timeout_ms answers 504 with
 * the token (the job goes on; GET /submissions/{token} has it).
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/queue.h"
#include "store/store.h"
#include "judge/metrics.h"
#include "api.h"
#include "body.h"
#include "fields.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"
#include "submit.h"

/* A request field and the Judge0 field it becomes. */
struct rename {
	const char	*theirs;
	const char	*ours;
};

static const struct rename code_names[] = {
	{ "code", "source_code" }, { "input", "stdin" },
	{ "time_limit", "cpu_time_limit" }, { "language", "language" },
	{ "memory_limit", "memory_limit" },
	{ "wall_time_limit", "wall_time_limit" }, { NULL, NULL },
};

static const struct rename api_execute_names[] = {
	{ "code", "source_code" }, { "input", "stdin" },
	{ "language", "language" }, { NULL, NULL },
};

static const struct rename run_names[] = {
	{ "code", "source_code" }, { "language", "language" },
	{ NULL, NULL },
};

static const struct rename execute_names[] = {
	{ "userCode", "source_code" }, { "userInput", "stdin" },
	{ "selectedLanguage", "language" }, { NULL, NULL },
};

/*
 * Copies the fields of in named in map into a new Judge0 object under
 * their Judge0 names (the values as they are: build() judges them).
 * Returns the object, or NULL (ENOMEM).
 */
static json_object *
map_fields(json_object *in, const struct rename *map)
{
	json_object	*o, *v;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	for (; map->theirs != NULL; map++)
		if (json_object_object_get_ex(in, map->theirs, &v) &&
		    v != NULL && jadd(o, map->ours, json_object_get(v)) == -1) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

/*
 * An error answer names Judge0's field; give it the client's name
 * (language_id is the language field too), in "field", in Judge0's
 * detail list and at the head of the message.
 */
static void
rename_error(struct api_resp *resp, const struct rename *map)
{
	struct api_error	*e = &resp->error;
	const struct rename	*m;
	const char		*theirs = NULL;
	char			 text[sizeof(e->msg)];
	size_t			 n;

	if (resp->status < 400 || e->field[0] == '\0')
		return;
	for (m = map; m->theirs != NULL; m++)
		if (strcmp(m->ours, e->field) == 0 ||
		    (strcmp(e->field, "language_id") == 0 &&
		    strcmp(m->ours, "language") == 0))
			theirs = m->theirs;
	if (theirs == NULL || strcmp(theirs, e->field) == 0)
		return;
	/* "source_code can't be blank" -> "code can't be blank" */
	n = strlen(e->field);
	if (strncmp(e->msg, e->field, n) == 0 && e->msg[n] == ' ') {
		snprintf(text, sizeof(text), "%s%s", theirs, e->msg + n);
		memcpy(e->msg, text, sizeof(e->msg));
	}
	snprintf(e->field, sizeof(e->field), "%s", theirs);
}

/* 504 with the token of a job that outlived wait_timeout_ms. */
static void
reply_late(struct api_resp *resp)
{
	char	token[sizeof(resp->token)];

	memcpy(token, resp->token, sizeof(token));
	reply_error_token(resp, 504, "the verdict was not ready within "
	    "wait_timeout_ms; the job goes on: GET /submissions/{token}",
	    token);
}

/*
 * The common front of a synchronous route: reads the JSON body, maps it
 * with map, submits and waits.  Returns 1 with *out final, or 0 with
 * resp answered (an error, or 504).
 */
static int
sync_front(struct api *a, const struct api_call *c, const struct rename *map,
    struct submission **out, struct api_resp *resp)
{
	json_object	*body, *obj = NULL;
	int		 form, rc = 0;

	*out = NULL;
	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    body_take(c->body, &body, &form, resp) == -1)
		goto out;
	if ((obj = map_fields(body, map)) == NULL) {
		reply_internal(resp, NULL);
		goto out;
	}
	switch (api_run_sync(a, c, obj, form, out, resp)) {
	case -1:
		rename_error(resp, map);
		break;
	case 0:
		reply_late(resp);
		break;
	default:
		rc = 1;
	}
out:
	json_object_put(obj);
	return rc;
}

/* "Success", "CompileError", ... of /code. */
static const char *
code_status(int st)
{
	switch (st) {
	case JS_AC:
	case JS_WA:
		return "Success";
	case JS_CE:
		return "CompileError";
	case JS_TLE:
		return "TimeLimitExceeded";
	case JS_MLE:
		return "MemoryLimitExceeded";
	case JS_OLE:
		return "OutputLimitExceeded";
	case JS_IE:
		return "InternalError";
	default:
		return "RuntimeError";
	}
}

/* Milliseconds of s seconds, rounded. */
static int64_t
ms(double s)
{
	return (int64_t)(s * 1000 + 0.5);
}

void
compat_code(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct judge_test_result	*r;
	struct submission		*s = NULL;
	json_object			*o = NULL, *body = NULL, *v;
	char				 detail[64] = "";
	double				 bytes;
	int				 form, ce;

	/* memory_limit comes in bytes: KB for the validator, rounded up */
	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    body_take(c->body, &body, &form, resp) == -1)
		goto out;
	if (json_object_object_get_ex(body, "memory_limit", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    (json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0))) {
		/* the range in the client's unit, so the 422 speaks it */
		bytes = json_object_get_double(v);
		if (bytes < (double)config_limits_floor()->memory_kb * 1024)
			snprintf(detail, sizeof(detail), "must be greater "
			    "than or equal to %lld", (long long)
			    config_limits_floor()->memory_kb * 1024);
		else if (bytes > (double)a->cfg->max.memory_kb * 1024)
			snprintf(detail, sizeof(detail), "must be less than "
			    "or equal to %lld",
			    (long long)a->cfg->max.memory_kb * 1024);
		if (detail[0] != '\0') {
			reply_invalid(resp, NULL, "memory_limit", detail);
			goto out;
		}
		if (jadd(body, "memory_limit", json_object_new_int64(
		    (int64_t)((bytes + 1023) / 1024))) == -1)
			goto out;
	}
	if ((o = map_fields(body, code_names)) == NULL)
		goto out;
	switch (api_run_sync(a, c, o, form, &s, resp)) {
	case -1:
		rename_error(resp, code_names);
		goto out;
	case 0:
		reply_late(resp);
		goto out;
	}
	json_object_put(o);
	r = submission_main_result(s);
	ce = s->status == JS_CE;
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "status", json_object_new_string(code_status(s->status))) ==
	    -1 ||
	    api_text(o, "stdout", r != NULL && !ce ? r->stdout_data : NULL,
	    r != NULL ? r->stdout_len : 0) == -1 ||
	    (ce ? api_text(o, "stderr", s->compile_output,
	    s->compile_output_len) : api_text(o, "stderr", r != NULL ?
	    r->stderr_data : NULL, r != NULL ? r->stderr_len : 0)) == -1 ||
	    jadd(o, "runtime", json_object_new_int64(ms(s->time_s))) == -1 ||
	    jadd(o, "memory_usage", json_object_new_int64(s->memory_kb *
	    1024)) == -1)
		goto out;
	reply_json(resp, 200, o);
out:
	if (resp->status == 0)		/* memory ran out */
		reply_internal(resp, NULL);
	json_object_put(o);
	submission_free(s);
}

void
compat_submissions_new(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	json_object		*body = NULL, *o = NULL;
	int			 form;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1 ||
	    body_take(c->body, &body, &form, resp) == -1)
		goto out;
	switch (api_run_sync(a, c, body, form, &s, resp)) {
	case -1:
		goto out;
	case 0:
		reply_token(resp, 202, resp->token);
		goto out;
	}
	if ((o = fields_json(a, s, &q, resp)) != NULL)
		reply_json(resp, 201, o);
out:
	json_object_put(o);
	submission_free(s);
}

/* The error text of /api/execute and /execute, or NULL for none. */
static int
add_error(json_object *o, const char *key, const struct submission *s,
    const struct judge_test_result *r)
{
	switch (s->status) {
	case JS_AC:
	case JS_WA:
		return jadd_null(o, key);
	case JS_CE:
		return api_text(o, key, s->compile_output,
		    s->compile_output_len);
	default:
		if (r != NULL && r->stderr_len > 0 && s->status != JS_TLE &&
		    s->status != JS_MLE)
			return api_text(o, key, r->stderr_data, r->stderr_len);
		return jadd(o, key, json_object_new_string(
		    s->message[0] != '\0' ? s->message :
		    judge_status_description(s->status)));
	}
}

/* The exit code, or null when the program died of a signal or did not run. */
static int
add_exit_code(json_object *o, const char *key, const struct submission *s,
    const struct judge_test_result *r)
{
	if (r == NULL || s->status == JS_CE || s->status == JS_IE ||
	    r->exit_signal != 0 || !judge_status_is_final(r->status))
		return jadd_null(o, key);
	return jadd(o, key, json_object_new_int(r->exit_code));
}

void
compat_api_execute(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct judge_test_result	*r;
	struct submission		*s = NULL;
	json_object			*o = NULL;

	if (!sync_front(a, c, api_execute_names, &s, resp))
		goto out;
	r = submission_main_result(s);
	if (s->status == JS_CE)
		r = NULL;
	if ((o = json_object_new_object()) == NULL ||
	    api_text(o, "stdout", r != NULL ? r->stdout_data : NULL,
	    r != NULL ? r->stdout_len : 0) == -1 ||
	    api_text(o, "stderr", r != NULL ? r->stderr_data : NULL,
	    r != NULL ? r->stderr_len : 0) == -1 ||
	    jadd(o, "executionTime", json_object_new_int64(
	    ms(s->wall_time_s))) == -1 ||
	    add_exit_code(o, "exitCode", s, r) == -1 ||
	    (s->status != JS_AC && s->status != JS_WA &&
	    add_error(o, "error", s, r) == -1)) {
		reply_internal(resp, NULL);
		goto out;
	}
	reply_json(resp, 200, o);
out:
	json_object_put(o);
	submission_free(s);
}

/*
 * The names the runner of /api/execute knows, in its order: its clients
 * send one of these back as "language", and each is one of our names or
 * aliases (lang_by_name).
 */
static const char *const api_execute_languages[] = {
	"python", "javascript", "typescript", "java", "cpp", "c", "go",
	"html", "css",
};

void
compat_api_languages(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*o = NULL, *list;
	const char	*name;
	size_t		 i;

	(void)c;
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "languages", list = json_object_new_array()) == -1)
		goto out;
	for (i = 0; i < sizeof(api_execute_languages) /
	    sizeof(api_execute_languages[0]); i++) {
		name = api_execute_languages[i];
		if (lang_by_name(a->langs, name) != NULL &&
		    jpush(list, json_object_new_string(name)) == -1)
			goto out;
	}
	reply_json(resp, 200, o);
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	json_object_put(o);
}

void
compat_api_health(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*o = NULL;
	char		 t[32];
	int		 ok, ready, busy;

	(void)c;
	ok = store_queue_depth(a->store, NULL, &resp->err) >= 0 &&
	    (metrics_executors(a->metrics, &ready, &busy) == 0 || ready > 0);
	util_iso8601(util_now_ms(), t);
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "status", json_object_new_string(ok ? "ok" : "error")) ==
	    -1 ||
	    jadd(o, "service", json_object_new_string("code-execution")) ==
	    -1 ||
	    jadd(o, "timestamp", json_object_new_string(t)) == -1) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, ok ? 200 : 503, o);
	json_object_put(o);
}

void
compat_run(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	json_object		*body = NULL, *obj = NULL, *tests, *t, *nt;
	json_object		*v, *arr;
	char			 url[160];
	size_t			 i, n;
	int			 form;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    body_take(c->body, &body, &form, resp) == -1)
		goto out;
	if ((obj = map_fields(body, run_names)) == NULL)
		goto out;
	/* tests: [{stdin, expected}] -> [{stdin, expected_output}] */
	if (json_object_object_get_ex(body, "tests", &tests) &&
	    json_object_is_type(tests, json_type_array)) {
		if (jadd(obj, "tests", arr = json_object_new_array()) == -1)
			goto out;
		n = json_object_array_length(tests);
		for (i = 0; i < n; i++) {
			t = json_object_array_get_idx(tests, i);
			if (!json_object_is_type(t, json_type_object)) {
				if (jpush(arr, json_object_get(t)) == -1)
					goto out;
				continue;
			}
			if (jpush(arr, nt = json_object_new_object()) == -1)
				goto out;
			if (json_object_object_get_ex(t, "stdin", &v) &&
			    jadd(nt, "stdin", json_object_get(v)) == -1)
				goto out;
			if (json_object_object_get_ex(t, "expected", &v) &&
			    jadd(nt, "expected_output",
			    json_object_get(v)) == -1)
				goto out;
		}
	} else if (json_object_object_get_ex(body, "tests", &tests) &&
	    jadd(obj, "tests", json_object_get(tests)) == -1)
		goto out;
	if (api_submit(a, c, obj, &(struct api_submit_opts){ form, 0, 0 },
	    &s, resp) == -1) {
		rename_error(resp, run_names);
		goto out;
	}
	json_object_put(obj);
	snprintf(url, sizeof(url), "%s/status/%s", c->req->script_name != NULL ?
	    c->req->script_name : "", s->token);
	if ((obj = json_object_new_object()) == NULL ||
	    jadd(obj, "jobID", json_object_new_string(s->token)) == -1 ||
	    jadd(obj, "status", json_object_new_string(url)) == -1)
		goto out;
	reply_json(resp, 202, obj);
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	json_object_put(obj);
	submission_free(s);
}

/* One test of /status/{id}. */
static json_object *
run_test(const struct submission *s, size_t i)
{
	const struct judge_test_result	*r = NULL;
	json_object			*o;
	int				 ce = s->status == JS_CE;

	if (s->results != NULL && i < s->ntests)
		r = &s->results[i];
	if ((o = json_object_new_object()) == NULL ||
	    api_text(o, "stdout", r != NULL && !ce ? r->stdout_data : NULL,
	    r != NULL ? r->stdout_len : 0) == -1 ||
	    (ce ? api_text(o, "stderr", s->compile_output,
	    s->compile_output_len) : api_text(o, "stderr", r != NULL ?
	    r->stderr_data : NULL, r != NULL ? r->stderr_len : 0)) == -1 ||
	    add_exit_code(o, "exitCode", s, r) == -1 ||
	    jadd(o, "timedOut", json_object_new_boolean(r != NULL &&
	    r->status == JS_TLE)) == -1 ||
	    jadd(o, "oomKilled", json_object_new_boolean(r != NULL &&
	    r->status == JS_MLE)) == -1 ||
	    jadd(o, "passed", json_object_new_boolean(r != NULL &&
	    r->status == JS_AC)) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void
compat_status(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	json_object		*o = NULL;
	size_t			 i;

	if (reply_header(resp, "Cache-Control: no-store") == -1)
		goto out;
	switch (api_get_owned(a, c, c->arg, &s, resp)) {
	case -1:
		goto out;
	case 0:
		reply_error(resp, 404, "job not found", NULL);
		goto out;
	}
	if (!judge_status_is_final(s->status)) {
		if ((o = json_object_new_object()) == NULL ||
		    jadd(o, "status", json_object_new_string("pending")) ==
		    -1 ||
		    jadd(o, "state", json_object_new_string(
		    s->status == JS_QUEUE ? "queued" : "running")) == -1)
			goto out;
		reply_json(resp, 200, o);
		goto out;
	}
	if ((o = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < s->ntests; i++)
		if (jpush(o, run_test(s, i)) == -1)
			goto out;
	reply_json(resp, 200, o);
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	json_object_put(o);
	submission_free(s);
}

void
compat_execute(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct judge_test_result	*r;
	struct submission		*s = NULL;
	json_object			*o = NULL;
	const char			*verdict;

	if (!sync_front(a, c, execute_names, &s, resp))
		goto out;
	r = s->status == JS_CE ? NULL : submission_main_result(s);
	/* that runner's verdicts: AC WA TLE MLE RE CE (and ours IE) */
	verdict = s->status == JS_OLE ? "RE" : judge_status_code(s->status);
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "success", json_object_new_boolean(s->status == JS_AC)) ==
	    -1 ||
	    jadd(o, "verdict", json_object_new_string(verdict)) == -1 ||
	    api_text(o, "output", r != NULL ? r->stdout_data : NULL,
	    r != NULL ? r->stdout_len : 0) == -1 ||
	    add_error(o, "error", s, r) == -1) {
		reply_internal(resp, NULL);
		goto out;
	}
	reply_json(resp, 200, o);
out:
	json_object_put(o);
	submission_free(s);
}
