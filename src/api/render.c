/*
 * JSON answers.  Objects are built with json-c, serialised, and the text
 * copied into the response before the object is released (the text
 * belongs to the object).  Values follow Judge0: times are strings with
 * three decimals ("0.012"), memory is KB, and what is absent is null,
 * never "".
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "api.h"
#include "api_int.h"

#define JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int
jadd(json_object *o, const char *key, json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int
jadd_null(json_object *o, const char *key)
{
	return json_object_object_add(o, key, NULL) != 0 ? -1 : 0;
}

int
jpush(json_object *arr, json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/*
 * The length of the well-formed UTF-8 sequence at p (of n bytes), or
 * minus the length of its maximal ill-formed prefix (Unicode's "maximal
 * subpart", which becomes one U+FFFD).
 */
long
api_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi)
			return -(long)i;
		lo = 0x80;
		hi = 0xbf;
	}
	return (long)i;
}

json_object *
json_text(const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	struct buf		 b = { 0 };
	json_object		*o = NULL;
	size_t			 i, good = 0;
	long			 n;

	/* Each bad byte may grow to three: keep the result within an int. */
	if (len > (size_t)INT32_MAX / 3)
		goto out;
	for (i = 0; i < len; i += n > 0 ? (size_t)n : (size_t)-n) {
		if ((n = api_utf8_seq(u + i, len - i)) > 0)
			continue;
		if (buf_append(&b, p + good, i - good, NULL) == -1 ||
		    buf_append(&b, "\xef\xbf\xbd", 3, NULL) == -1)
			goto out;
		good = i + (size_t)-n;
	}
	if (b.data == NULL)
		o = json_object_new_string_len(p, (int)len);
	else if (buf_append(&b, p + good, len - good, NULL) == 0)
		o = json_object_new_string_len(b.data, (int)b.len);
out:
	buf_reset(&b);
	return o;
}

void
reply_internal(struct api_resp *resp, const struct err *err)
{
	if (err != NULL)
		resp->err = *err;
	if (resp->err.msg[0] == '\0')
		snprintf(resp->err.msg, sizeof(resp->err.msg),
		    "api: out of memory");
	resp->status = 500;
	resp->content_type = API_JSON;
	buf_reset(&resp->headers);
	buf_reset(&resp->body);
	/* If even this fails the body stays empty; the status says enough. */
	if (buf_puts(&resp->body, "{\"error\":\"internal error\"}", NULL) == -1)
		buf_reset(&resp->body);
}

void
reply_json(struct api_resp *resp, int status, json_object *o)
{
	struct err	 err;
	const char	*s;

	buf_reset(&resp->body);
	if (o == NULL) {
		err_set(&err, "api: out of memory");
		reply_internal(resp, &err);
		return;
	}
	if ((s = json_object_to_json_string_ext(o, JSON_FLAGS)) == NULL) {
		err_set(&err, "api: json-c could not serialise");
		reply_internal(resp, &err);
		return;
	}
	if (buf_puts(&resp->body, s, &err) == -1) {
		reply_internal(resp, &err);
		return;
	}
	resp->status = status;
	resp->content_type = API_JSON;
}

void
reply_error(struct api_resp *resp, int status, const char *msg,
    const char *field)
{
	json_object	*o = NULL;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "error", json_object_new_string(msg)) == -1 ||
	    (field != NULL &&
	    jadd(o, "field", json_object_new_string(field)) == -1)) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, status, o);
	json_object_put(o);
}

void
reply_invalid(struct api_resp *resp, const char *error, const char *field,
    const char *detail)
{
	json_object	*o = NULL, *list = NULL;
	char		 msg[256];

	if (error == NULL) {
		snprintf(msg, sizeof(msg), "%s %s", field, detail);
		error = msg;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "error", json_object_new_string(error)) == -1 ||
	    jadd(o, "field", json_object_new_string(field)) == -1 ||
	    jadd(o, field, list = json_object_new_array()) == -1 ||
	    jpush(list, json_object_new_string(detail)) == -1) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, 422, o);
	json_object_put(o);
}

int
reply_header(struct api_resp *resp, const char *line)
{
	struct err	err;

	if (buf_printf(&resp->headers, &err, "%s\r\n", line) == -1) {
		reply_internal(resp, &err);
		return -1;
	}
	return 0;
}

/* Text of len bytes, or null when there is none (Judge0's way). */
static int
add_text(json_object *o, const char *key, const char *p, size_t len)
{
	if (p == NULL || len == 0)
		return jadd_null(o, key);
	return jadd(o, key, json_text(p, len));
}

/* Seconds as Judge0 writes them: "0.012". */
static int
add_time(json_object *o, const char *key, int present, double s)
{
	char	t[64];

	if (!present)
		return jadd_null(o, key);
	snprintf(t, sizeof(t), "%.3f", s);
	return jadd(o, key, json_object_new_string(t));
}

static int
add_int(json_object *o, const char *key, int present, int64_t v)
{
	if (!present)
		return jadd_null(o, key);
	return jadd(o, key, json_object_new_int64(v));
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
	if (add_int(o, "exit_code", ran && sig == 0, code) == -1 ||
	    add_int(o, "exit_signal", ran && sig != 0, sig) == -1)
		return -1;
	return 0;
}

static int
add_message(json_object *o, const char *msg)
{
	return add_text(o, "message", msg, strnlen(msg, 160));
}

/* One test; ran = it has run data to show. */
static json_object *
render_test(const struct judge_test_result *r, int ran)
{
	json_object	*o = NULL;

	if ((o = json_object_new_object()) == NULL ||
	    add_status(o, r->status) == -1 ||
	    add_text(o, "stdout", r->stdout_data, r->stdout_len) == -1 ||
	    add_text(o, "stderr", r->stderr_data, r->stderr_len) == -1 ||
	    add_time(o, "time", ran, r->time_s) == -1 ||
	    add_time(o, "wall_time", ran, r->wall_time_s) == -1 ||
	    add_int(o, "memory", ran, r->memory_kb) == -1 ||
	    add_exit(o, ran, r->exit_code, r->exit_signal) == -1 ||
	    add_message(o, r->message) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

json_object *
render_submission(const struct submission *s)
{
	const struct judge_test_result	*r = submission_main_result(s);
	struct judge_test_result	 pending;
	json_object			*o = NULL, *tests = NULL;
	json_object			*ret = NULL;
	char				 t[32];
	size_t				 i;
	int				 final, ran;

	final = judge_status_is_final(s->status);
	/* Nothing ran for a compile error, or before the verdict. */
	ran = final && r != NULL && judge_status_is_final(r->status) &&
	    s->status != JS_CE;
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "token", json_object_new_string(s->token)) == -1 ||
	    add_status(o, s->status) == -1 ||
	    add_text(o, "stdout", r ? r->stdout_data : NULL,
	    r ? r->stdout_len : 0) == -1 ||
	    add_text(o, "stderr", r ? r->stderr_data : NULL,
	    r ? r->stderr_len : 0) == -1 ||
	    add_text(o, "compile_output", s->compile_output,
	    s->compile_output_len) == -1 ||
	    add_message(o, s->message) == -1 ||
	    add_time(o, "time", ran, s->time_s) == -1 ||
	    add_time(o, "wall_time", ran, s->wall_time_s) == -1 ||
	    add_int(o, "memory", ran, s->memory_kb) == -1 ||
	    add_exit(o, ran, r ? r->exit_code : 0,
	    r ? r->exit_signal : 0) == -1 ||
	    jadd(o, "language_id", json_object_new_int(s->lang_id)) == -1)
		goto out;
	util_iso8601(s->created_ms, t);
	if ((s->created_ms > 0 ?
	    jadd(o, "created_at", json_object_new_string(t)) :
	    jadd_null(o, "created_at")) == -1)
		goto out;
	util_iso8601(s->finished_ms, t);
	if ((final && s->finished_ms > 0 ?
	    jadd(o, "finished_at", json_object_new_string(t)) :
	    jadd_null(o, "finished_at")) == -1)
		goto out;
	if (s->ntests > 1) {
		if (jadd(o, "tests", tests = json_object_new_array()) == -1)
			goto out;
		/*
		 * A test without a result carries the submission's status
		 * before the verdict, and a null status after it (it did
		 * not run).
		 */
		memset(&pending, 0, sizeof(pending));
		pending.status = final ? 0 : s->status;
		for (i = 0; i < s->ntests; i++) {
			json_object	*to;
			int		 skipped;

			r = &pending;
			skipped = final && s->results != NULL &&
			    s->results[i].status == 0 &&
			    strcmp(s->results[i].message, "skipped") == 0;
			if (s->results != NULL &&
			    (s->results[i].status != 0 || skipped))
				r = &s->results[i];
			to = render_test(r, judge_status_is_final(r->status) &&
			    s->status != JS_CE);
			if (to != NULL && skipped &&
			    jadd(to, "skipped", json_object_new_boolean(1)) == -1) {
				json_object_put(to);
				goto out;
			}
			if (jpush(tests, to) == -1)
				goto out;
		}
	}
	/* while running: which test, for pages that poll */
	if (s->status == JS_PROCESSING && s->progress > 0) {
		json_object	*pr = NULL;

		if (jadd(o, "progress", pr = json_object_new_object()) == -1 ||
		    jadd(pr, "test", json_object_new_int(s->progress)) == -1 ||
		    jadd(pr, "tests", json_object_new_int64(
		    (int64_t)s->ntests)) == -1)
			goto out;
	} else if (jadd_null(o, "progress") == -1)
		goto out;
	/* one compile for all tests: say so, clients and tests can check */
	if (final && jadd(o, "compiles", json_object_new_int(s->compiles)) == -1)
		goto out;
	ret = o;
	o = NULL;
out:
	json_object_put(o);
	return ret;
}

int
json_text_valid(const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i;
	long			 n;

	for (i = 0; i < len; i += (size_t)n)
		if ((n = api_utf8_seq(u + i, len - i)) <= 0)
			return 0;
	return 1;
}
