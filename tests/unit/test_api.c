/*
 * Unit tests of the request layer: api_handle() called directly, over the
 * built-in config, the real contrib/languages.json and a real store in a
 * mkdtemp directory.  The hooks are stubs: job_queued counts, and
 * wait_for either sleeps a little or plays the executor (claim + finish).
 * Run from the repository root.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>
#include <sqlite3.h>

#include "api/api.h"
#include "api/form.h"
#include "api/reply.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "judge/metrics.h"
#include "store/queue.h"
#include "store/store.h"
#include "api_fixture.h"

#define PY	71	/* python3: the language the tests submit in */

enum wait_mode { WAIT_SLEEP, WAIT_FINISH };

struct fx {
	struct api_fx		 x;		/* api_fixture.h */
	int			 queued;	/* job_queued calls */
	int			 waits;		/* wait_for calls */
	enum wait_mode		 mode;
	int			 verdict;	/* WAIT_FINISH stores it */
};

static void
hook_queued(void *arg)
{
	((struct fx *)arg)->queued++;
}

/* Plays one executor run: claim the oldest job and store a verdict. */
static void
fake_executor(struct fx *f)
{
	api_fx_finish(&f->x, f->verdict, "hello\n", 0.012, 0.034);
}

static int
hook_wait(void *arg, const char *token, int timeout_ms)
{
	struct fx	*f = arg;

	f->waits++;
	assert_true(util_is_uuid(token));
	assert_true(timeout_ms > 0);
	if (f->mode == WAIT_FINISH)
		fake_executor(f);
	else
		usleep((timeout_ms < 5 ? timeout_ms : 5) * 1000);
	return 0;
}

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if (api_fx_open(&f->x, "test_api") == -1) {
		free(f);
		return -1;
	}
	f->x.api.hooks.job_queued = hook_queued;
	f->x.api.hooks.wait_for = hook_wait;
	f->x.api.hooks.arg = f;
	f->verdict = JS_AC;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	api_fx_close(&f->x);
	free(f);
	return 0;
}

/* Runs one request with a body of len bytes; returns the status. */
static int
call_len(struct fx *f, const char *method, const char *path,
    const char *query, const char *ctype, const char *body, size_t len,
    const char *user)
{
	struct api_req	req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query != NULL ? query : "";
	req.content_type = ctype;
	req.remote_user = user;
	/* an API client: its form posts need no CSRF token (test_html.c) */
	req.api_key = 1;
	req.body = body;
	req.body_len = len;
	return api_fx_handle(&f->x, &req);
}

static int
call(struct fx *f, const char *method, const char *path, const char *query,
    const char *ctype, const char *body, const char *user)
{
	return call_len(f, method, path, query, ctype, body,
	    body != NULL ? strlen(body) : 0, user);
}

static int
post(struct fx *f, const char *query, const char *body, const char *user)
{
	return call(f, "POST", "/submissions", query, "application/json",
	    body, user);
}

/* The response body as JSON (caller puts); fails the test if it is not. */
static json_object *
body(struct fx *f)
{
	json_object	*o;

	assert_non_null(f->x.resp.body.data);
	if ((o = json_tokener_parse(f->x.resp.body.data)) == NULL)
		fail_msg("not JSON: %s", f->x.resp.body.data);
	return o;
}

/* The string member key of o, or NULL for null or absent. */
static const char *
str(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int
is_null(json_object *o, const char *key)
{
	json_object	*v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v == NULL;
}

static int64_t
num(json_object *o, const char *key)
{
	json_object	*v;

	assert_true(json_object_object_get_ex(o, key, &v));
	assert_non_null(v);
	return json_object_get_int64(v);
}

static int
has_header(struct fx *f, const char *line)
{
	return api_fx_has_header(&f->x, line);
}

/* Posts a valid submission for user and copies its token. */
static void
create(struct fx *f, const char *user, char token[37])
{
	json_object	*o;

	assert_int_equal(post(f, NULL, "{\"source_code\":\"print(1)\","
	    "\"language_id\":71}", user), 201);
	o = body(f);
	assert_non_null(str(o, "token"));
	assert_true(util_is_uuid(str(o, "token")));
	snprintf(token, 37, "%s", str(o, "token"));
	assert_string_equal(f->x.resp.token, token);
	json_object_put(o);
}

static void
get(struct fx *f, const char *token, const char *user)
{
	char	path[128];

	snprintf(path, sizeof(path), "/submissions/%s", token);
	call(f, "GET", path, NULL, NULL, NULL, user);
}

/* ---- the urlencoded parser ---- */

static void
test_form_parse(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		size_t		 n;
		const char	*name;	/* last field, decoded */
		const char	*value;
		size_t		 value_len;
	} cases[] = {
		{ "", 1, 0, NULL, NULL, 0 },
		{ "&&&", 1, 0, NULL, NULL, 0 },
		{ "a=1", 1, 1, "a", "1", 1 },
		{ "a", 1, 1, "a", "", 0 },
		{ "a=", 1, 1, "a", "", 0 },
		{ "=x", 1, 1, "", "x", 1 },
		{ "&&a=1&&b=2&&", 1, 2, "b", "2", 1 },
		{ "a+b=c+d", 1, 1, "a b", "c d", 3 },
		{ "k=%41%62%7e", 1, 1, "k", "Ab~", 3 },
		{ "k=%2B%26%3D", 1, 1, "k", "+&=", 3 },
		{ "k=a=b", 1, 1, "k", "a=b", 3 },
		{ "k=%00x", 1, 1, "k", "\0x", 2 },
		{ "k=%", 0, 0, NULL, NULL, 0 },
		{ "k=%4", 0, 0, NULL, NULL, 0 },
		{ "k=%g1", 0, 0, NULL, NULL, 0 },
		{ "k=%1g", 0, 0, NULL, NULL, 0 },
		{ "%zz=1", 0, 0, NULL, NULL, 0 },
		{ "a=1&k=%%41", 0, 0, NULL, NULL, 0 },
	};
	const struct form_field	*ff;
	struct form		 fm;
	struct err		 err;
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = form_parse(cases[i].in, strlen(cases[i].in), &fm, &err);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", cases[i].in, rc,
			    cases[i].rc);
		if (rc != 1)
			continue;
		assert_int_equal(fm.n, cases[i].n);
		if (cases[i].name != NULL) {
			ff = &fm.fields[fm.n - 1];
			assert_string_equal(ff->name, cases[i].name);
			assert_int_equal(ff->value_len, cases[i].value_len);
			assert_memory_equal(ff->value, cases[i].value,
			    cases[i].value_len);
			assert_int_equal(ff->value[ff->value_len], '\0');
			assert_ptr_equal(form_get(&fm, cases[i].name), ff);
		}
		form_reset(&fm);
	}
}

static void
test_form_limits(void **state)
{
	struct form	 fm;
	struct err	 err;
	char		*s;
	size_t		 i, n = 2 * (FORM_MAX_FIELDS + 1);

	(void)state;
	/* NULL input is an empty form. */
	assert_int_equal(form_parse(NULL, 5, &fm, &err), 1);
	assert_int_equal(fm.n, 0);
	form_reset(&fm);
	/* Exactly FORM_MAX_FIELDS pairs pass, one more does not. */
	if ((s = malloc(n + 1)) == NULL)
		fail();
	for (i = 0; i < n; i += 2) {
		s[i] = 'a';
		s[i + 1] = '&';
	}
	s[n] = '\0';
	assert_int_equal(form_parse(s, n - 2, &fm, &err), 1);
	assert_int_equal(fm.n, FORM_MAX_FIELDS);
	/* Repeated names: the last one wins. */
	assert_ptr_equal(form_get(&fm, "a"), &fm.fields[fm.n - 1]);
	assert_null(form_get(&fm, "b"));
	form_reset(&fm);
	assert_int_equal(form_parse(s, n, &fm, &err), 0);
	assert_null(fm.fields);
	free(s);
}

static void
test_bool(void **state)
{
	static const struct {
		const char	*in;
		int		 rc, want;
	} cases[] = {
		{ "true", 0, 1 }, { "TRUE", 0, 1 }, { "1", 0, 1 },
		{ "on", 0, 1 }, { "yes", 0, 1 }, { "false", 0, 0 },
		{ "0", 0, 0 }, { "off", 0, 0 }, { "no", 0, 0 },
		{ "", -1, 0 }, { "2", -1, 0 }, { "truex", -1, 0 },
		{ " true", -1, 0 },
	};
	size_t	i;
	int	b;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = -1;
		assert_int_equal(api_parse_bool(cases[i].in, &b), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(b, cases[i].want);
	}
}

static void
test_json_text(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
		size_t		 want_len;
	} cases[] = {
#define C(in, want)	{ in, sizeof(in) - 1, want, sizeof(want) - 1 }
		C("", ""),
		C("plain", "plain"),
		C("a\0b", "a\0b"),
		C("\xc3\xa9", "\xc3\xa9"),				/* e */
		C("\xe2\x82\xac", "\xe2\x82\xac"),		/* euro */
		C("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
		C("\xff", "\xef\xbf\xbd"),
		C("a\x80z", "a\xef\xbf\xbdz"),
		C("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"),	/* overlong */
		C("\xed\xa0\x80",				/* surrogate */
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		C("\xe2\x82", "\xef\xbf\xbd"),			/* cut short */
		C("\xe2\x82x", "\xef\xbf\xbdx"),
		C("\xf4\x90\x80\x80",				/* > 10FFFF */
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		C("\xf0\x9f\x98", "\xef\xbf\xbd"),
		C("\xf0\x9f\x98\xff", "\xef\xbf\xbd\xef\xbf\xbd"),
#undef C
	};
	json_object	*o;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = json_text(cases[i].in, cases[i].len);
		assert_non_null(o);
		if ((size_t)json_object_get_string_len(o) !=
		    cases[i].want_len ||
		    memcmp(json_object_get_string(o), cases[i].want,
		    cases[i].want_len) != 0)
			fail_msg("case %zu", i);
		json_object_put(o);
	}
}

/* ---- routing ---- */

static void
test_routing(void **state)
{
	static const struct {
		const char	*method;
		const char	*path;
		int		 status;
		const char	*allow;	/* Allow header line, if 405 */
	} cases[] = {
		{ "GET", "/nope", 404, NULL },
		/* "" and NULL are "/", the form (test_html.c): GET only */
		{ "POST", "", 405, "Allow: GET, HEAD\r\n" },
		{ NULL, NULL, 405, "Allow: GET, HEAD\r\n" },
		{ "GET", "//statuses", 404, NULL },
		{ "GET", "/statusesx", 404, NULL },
		{ "GET", "/statuses", 200, NULL },
		{ "GET", "/statuses/", 200, NULL },
		{ "HEAD", "/statuses", 200, NULL },
		{ "get", "/statuses", 405, "Allow: GET, HEAD\r\n" },
		{ "POST", "/statuses", 405, "Allow: GET, HEAD\r\n" },
		{ "DELETE", "/submissions", 405,
		  "Allow: POST, GET, HEAD\r\n" },
		{ "GET", "/submissions", 200, NULL },
		{ "PUT", "/submissions/", 405, "Allow: POST, GET, HEAD\r\n" },
		{ NULL, "/languages", 405, "Allow: GET, HEAD\r\n" },
		{ "POST", "/languages/71", 405, "Allow: GET, HEAD\r\n" },
		{ "GET", "/submissions/x/y", 404, NULL },
		{ "GET", "/submissions//", 404, NULL },
		{ "GET", "/languages/71/", 200, NULL },
		{ "GET", "/health", 200, NULL },
		{ "GET", "/about", 200, NULL },
		{ "GET", "/config_info", 200, NULL },
	};
	struct fx	*f = *state;
	json_object	*o;
	char		 path[300];
	size_t		 i;
	int		 st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = call(f, cases[i].method, cases[i].path, NULL, NULL, NULL,
		    "alice");
		if (st != cases[i].status)
			fail_msg("%s %s: %d, want %d", cases[i].method,
			    cases[i].path, st, cases[i].status);
		assert_string_equal(f->x.resp.content_type, "application/json");
		o = body(f);
		if (st >= 400)
			assert_non_null(str(o, "error"));
		json_object_put(o);
		if (cases[i].allow != NULL && !has_header(f, cases[i].allow))
			fail_msg("%s %s: headers \"%s\"", cases[i].method,
			    cases[i].path, f->x.resp.headers.data);
	}
	/* A very long segment is no token. */
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	memcpy(path, "/submissions/", 13);
	assert_int_equal(call(f, "GET", path, NULL, NULL, NULL, "alice"), 404);
	assert_int_equal(call(f, "GET", "/version", NULL, NULL, NULL, NULL),
	    200);
	assert_string_equal(f->x.resp.body.data, API_JUDGE0_VERSION);
}

/* ---- catalogue ---- */

static void
test_catalogue(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *e, *v;
	size_t		 i;
	int		 found = 0;

	assert_int_equal(call(f, "GET", "/statuses", NULL, NULL, NULL, NULL),
	    200);
	o = body(f);
	assert_true(json_object_is_type(o, json_type_array));
	/* Judge0's 1 to 14; 15 and 16 only when the config says so */
	assert_int_equal(json_object_array_length(o), 14);
	e = json_object_array_get_idx(o, 2);
	assert_int_equal(num(e, "id"), 3);
	assert_string_equal(str(e, "description"), "Accepted");
	json_object_put(o);
	f->x.cfg.judge0_extra_statuses = 1;
	assert_int_equal(call(f, "GET", "/statuses", NULL, NULL, NULL, NULL),
	    200);
	o = body(f);
	assert_int_equal(json_object_array_length(o), 16);
	e = json_object_array_get_idx(o, 14);
	assert_string_equal(str(e, "description"), "Memory Limit Exceeded");
	json_object_put(o);
	f->x.cfg.judge0_extra_statuses = 0;

	/* Only available languages, in Judge0's shape. */
	assert_int_equal(call(f, "GET", "/languages", NULL, NULL, NULL, NULL),
	    200);
	o = body(f);
	assert_true(json_object_is_type(o, json_type_array));
	for (i = 0; i < json_object_array_length(o); i++) {
		e = json_object_array_get_idx(o, i);
		assert_non_null(lang_by_id(f->x.langs, (int)num(e, "id")));
		assert_non_null(str(e, "name"));
		if (num(e, "id") == PY)
			found = 1;
	}
	assert_true(found);
	json_object_put(o);

	assert_int_equal(call(f, "GET", "/languages/71", NULL, NULL, NULL,
	    NULL), 200);
	o = body(f);
	assert_int_equal(num(o, "id"), PY);
	assert_string_equal(str(o, "short_name"), "python3");
	assert_string_equal(str(o, "source_file"), "main.py");
	assert_true(is_null(o, "compile_cmd"));
	assert_non_null(str(o, "run_cmd"));
	assert_true(json_object_object_get_ex(o, "aliases", &v));
	assert_true(json_object_is_type(v, json_type_array));
	json_object_put(o);
	for (i = 0; i < 5; i++)
		assert_int_equal(call(f, "GET", (const char *[]){
		    "/languages/99999", "/languages/abc", "/languages/-1",
		    "/languages/0", "/languages/99999999999999999999" }[i],
		    NULL, NULL, NULL, NULL), 404);

	assert_int_equal(call(f, "GET", "/config_info", NULL, NULL, NULL,
	    NULL), 200);
	o = body(f);
	assert_true(json_object_object_get_ex(o, "max_cpu_time_limit", &v));
	assert_true(json_object_get_double(v) == 15);
	assert_int_equal(num(o, "memory_limit"), 256000);
	assert_int_equal(num(o, "max_memory_limit"), 2048000);
	json_object_put(o);
	/*
	 * What we do: additional_files unpack up to 10240 KB; network is
	 * refused whatever allow_network says (the sandbox has none).
	 */
	f->x.cfg.allow_network = 1;
	assert_int_equal(call(f, "GET", "/config_info", NULL, NULL, NULL,
	    NULL), 200);
	o = body(f);
	assert_true(json_object_object_get_ex(o, "enable_additional_files",
	    &v) && json_object_get_boolean(v));
	assert_int_equal(num(o, "max_extract_size"), 10240);
	assert_true(json_object_object_get_ex(o, "allow_enable_network",
	    &v) && !json_object_get_boolean(v));
	json_object_put(o);
	assert_int_equal(post(f, "wait=false", "{\"source_code\":"
	    "\"print(1)\",\"language_id\":71,\"enable_network\":true}",
	    NULL), 422);
	f->x.cfg.allow_network = 0;

	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, NULL),
	    200);
	o = body(f);
	assert_string_equal(str(o, "status"), "ok");
	assert_int_equal(num(o, "queue_depth"), 0);
	json_object_put(o);
}

/* ---- POST /submissions: validation ---- */

#define JSON	"application/json"
#define FORM	"application/x-www-form-urlencoded"
#define SRC	"\"source_code\":\"print(1)\""
#define OK(x)	"{" SRC ",\"language_id\":71," x "}"

static void
test_post_cases(void **state)
{
	static const struct {
		const char	*ctype;
		const char	*body;
		int		 status;
		const char	*field;	/* the answer's "field" */
	} cases[] = {
		/* syntax */
		{ JSON, "", 400, NULL },
		{ JSON, "{", 400, NULL },
		{ JSON, "{\"source_code\":", 400, NULL },
		{ JSON, "[1,2]", 400, NULL },
		{ JSON, "\"x\"", 400, NULL },
		{ JSON, "null", 400, NULL },
		{ JSON, "{} x", 400, NULL },
		{ JSON, "{}{}", 400, NULL },
		{ JSON, "{\"a\" 1}", 400, NULL },
		{ JSON, "{\"a\":'x'}", 400, NULL },
		{ JSON, "{\"a\":1,}", 400, NULL },
		{ JSON, OK("\"x\":1") " \r\n\t", 201, NULL },
		{ "application/json; charset=utf-8", OK("\"x\":1"), 201, NULL },
		{ "APPLICATION/JSON", OK("\"x\":1"), 201, NULL },
		{ NULL, OK("\"x\":1"), 201, NULL },
		{ "text/plain", OK("\"x\":1"), 201, NULL },
		{ "multipart/form-data; boundary=x", OK("\"x\":1"), 400, NULL },
		/* types */
		{ JSON, "{\"source_code\":5,\"language_id\":71}", 400,
		  "source_code" },
		{ JSON, "{\"source_code\":[\"x\"],\"language_id\":71}", 400,
		  "source_code" },
		{ JSON, "{" SRC ",\"language_id\":[71]}", 400, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":true}", 400, "language_id" },
		{ JSON, "{" SRC ",\"language\":71}", 400, "language" },
		{ JSON, OK("\"stdin\":5"), 400, "stdin" },
		{ JSON, OK("\"expected_output\":{}"), 400, "expected_output" },
		{ JSON, OK("\"cpu_time_limit\":true"), 400, "cpu_time_limit" },
		{ JSON, OK("\"stack_limit\":[1]"), 400, "stack_limit" },
		{ JSON, OK("\"redirect_stderr_to_stdout\":[]"), 400,
		  "redirect_stderr_to_stdout" },
		/* required fields */
		{ JSON, "{}", 422, "source_code" },
		{ JSON, "{\"language_id\":71}", 422, "source_code" },
		{ JSON, "{\"source_code\":null,\"language_id\":71}", 422,
		  "source_code" },
		{ JSON, "{\"source_code\":\"\",\"language_id\":71}", 422,
		  "source_code" },
		{ JSON, "{" SRC "}", 422, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":null}", 422, "language_id" },
		/* languages */
		{ JSON, "{" SRC ",\"language_id\":99999}", 422, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":0}", 422, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":-71}", 422, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":1e30}", 422, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":71.5}", 422, "language_id" },
		{ JSON, "{" SRC ",\"language_id\":\"abc\"}", 422,
		  "language_id" },
		{ JSON, "{" SRC ",\"language_id\":71.0}", 201, NULL },
		{ JSON, "{" SRC ",\"language_id\":\"71\"}", 201, NULL },
		{ JSON, "{" SRC ",\"language_id\":\"71\\u0000\"}", 422,
		  "language_id" },
		{ JSON, "{" SRC ",\"language\":\"cobol\"}", 422, "language" },
		{ JSON, "{" SRC ",\"language\":\"\"}", 422, "language" },
		{ JSON, "{" SRC ",\"language\":\"python3\\u0000x\"}", 422,
		  "language" },
		{ JSON, "{" SRC ",\"language\":\"python3\"}", 201, NULL },
		{ JSON, "{" SRC ",\"language\":\"Python\"}", 201, NULL },
		{ JSON, "{" SRC ",\"language\":\"py\"}", 201, NULL },
		{ JSON, "{" SRC ",\"language_id\":71,\"language\":\"x\"}", 201,
		  NULL },
		/* limits: at the maximum, just above, zero, negative */
		{ JSON, OK("\"cpu_time_limit\":15"), 201, NULL },
		{ JSON, OK("\"cpu_time_limit\":15.001"), 422,
		  "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":0"), 422, "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":-1"), 422, "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":NaN"), 422, "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":1e999"), 422,
		  "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":\"2.5\""), 201, NULL },
		{ JSON, OK("\"cpu_time_limit\":\"0x10\""), 422,
		  "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":\"inf\""), 422,
		  "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":null"), 201, NULL },
		{ JSON, OK("\"cpu_extra_time\":0"), 201, NULL },
		{ JSON, OK("\"cpu_extra_time\":5"), 201, NULL },
		{ JSON, OK("\"cpu_extra_time\":5.5"), 422, "cpu_extra_time" },
		{ JSON, OK("\"cpu_extra_time\":-0.1"), 422, "cpu_extra_time" },
		{ JSON, OK("\"wall_time_limit\":20"), 201, NULL },
		{ JSON, OK("\"wall_time_limit\":21"), 422, "wall_time_limit" },
		{ JSON, OK("\"memory_limit\":2048000"), 201, NULL },
		{ JSON, OK("\"memory_limit\":2048001"), 422, "memory_limit" },
		{ JSON, OK("\"memory_limit\":0"), 422, "memory_limit" },
		{ JSON, OK("\"memory_limit\":-5"), 422, "memory_limit" },
		{ JSON, OK("\"memory_limit\":1.5"), 422, "memory_limit" },
		{ JSON, OK("\"memory_limit\":\"128000\""), 201, NULL },
		{ JSON, OK("\"memory_limit\":99999999999999999999"), 422,
		  "memory_limit" },
		{ JSON, OK("\"memory_limit\":-99999999999999999999"), 422,
		  "memory_limit" },
		{ JSON, OK("\"memory_limit\":\"99999999999999999999\""), 422,
		  "memory_limit" },
		{ JSON, OK("\"stack_limit\":2048000"), 201, NULL },
		{ JSON, OK("\"stack_limit\":2048001"), 422, "stack_limit" },
		{ JSON, OK("\"max_file_size\":0"), 422, "max_file_size" },
		{ JSON, OK("\"max_file_size\":1"), 201, NULL },
		/* floors: at the floor, just under it, what rounds to 0 */
		{ JSON, OK("\"cpu_time_limit\":0.01"), 201, NULL },
		{ JSON, OK("\"cpu_time_limit\":0.0099"), 422,
		  "cpu_time_limit" },
		{ JSON, OK("\"cpu_time_limit\":0.0001,\"cpu_extra_time\":0"),
		  422, "cpu_time_limit" },
		{ JSON, OK("\"wall_time_limit\":0.01"), 201, NULL },
		{ JSON, OK("\"wall_time_limit\":1e-300"), 422,
		  "wall_time_limit" },
		{ JSON, OK("\"wall_time_limit\":0"), 422, "wall_time_limit" },
		{ JSON, OK("\"memory_limit\":2048"), 201, NULL },
		{ JSON, OK("\"memory_limit\":2047"), 422, "memory_limit" },
		{ JSON, OK("\"stack_limit\":1"), 201, NULL },
		{ JSON, OK("\"stack_limit\":0"), 422, "stack_limit" },
		{ JSON, OK("\"max_processes_and_or_threads\":1"), 201, NULL },
		/* the time budget (60 s): runs x tests x wall, no compile */
		{ JSON, OK("\"number_of_runs\":20,\"wall_time_limit\":3"),
		  201, NULL },
		{ JSON, OK("\"number_of_runs\":20,\"wall_time_limit\":3.01"),
		  422, "wall_time_limit" },
		{ JSON, OK("\"number_of_runs\":13,\"wall_time_limit\":5,"
		  "\"tests\":[{},{}]"), 422, "wall_time_limit" },
		{ JSON, OK("\"max_file_size\":65537"), 422, "max_file_size" },
		{ JSON, OK("\"max_processes_and_or_threads\":256"), 201, NULL },
		{ JSON, OK("\"max_processes_and_or_threads\":257"), 422,
		  "max_processes_and_or_threads" },
		{ JSON, OK("\"max_processes_and_or_threads\":0"), 422,
		  "max_processes_and_or_threads" },
		/* booleans */
		{ JSON, OK("\"redirect_stderr_to_stdout\":true"), 201, NULL },
		{ JSON, OK("\"redirect_stderr_to_stdout\":\"yes\""), 201,
		  NULL },
		{ JSON, OK("\"redirect_stderr_to_stdout\":1"), 201, NULL },
		{ JSON, OK("\"redirect_stderr_to_stdout\":\"on\\u0000x\""),
		  422, "redirect_stderr_to_stdout" },
		{ JSON, OK("\"redirect_stderr_to_stdout\":2"), 422,
		  "redirect_stderr_to_stdout" },
		{ JSON, OK("\"redirect_stderr_to_stdout\":\"maybe\""), 422,
		  "redirect_stderr_to_stdout" },
		{ JSON, OK("\"enable_network\":true"), 422, "enable_network" },
		{ JSON, OK("\"enable_network\":false"), 201, NULL },
		/* Judge0's extra keys */
		{ JSON, OK("\"callback_url\":null,\"number_of_runs\":1,"
		  "\"base64_encoded\":false,\"fields\":\"*\""), 201, NULL },
		/* a callback that would never come: callbacks are off */
		{ JSON, OK("\"callback_url\":\"http://x\""), 422,
		  "callback_url" },
		{ JSON, OK("\"compiler_options\":\"\","
		  "\"command_line_arguments\":null"), 201, NULL },
		/* python3 does not compile */
		{ JSON, OK("\"compiler_options\":\"-O2\""), 422,
		  "compiler_options" },
		{ JSON, "{" SRC ",\"language\":\"c\","
		  "\"compiler_options\":\"-O2 -std=c11\"}", 201, NULL },
		{ JSON, "{" SRC ",\"language\":\"c\","
		  "\"compiler_options\":\"-O2 -o /etc/x\"}", 422,
		  "compiler_options" },
		{ JSON, "{" SRC ",\"language\":\"c\","
		  "\"compiler_options\":\"-fplugin=x.so -B/tmp\"}", 422,
		  "compiler_options" },
		{ JSON, OK("\"command_line_arguments\":\"a b\""), 201,
		  NULL },
		{ JSON, OK("\"compare\":\"float\",\"abs_eps\":0.01"), 201,
		  NULL },
		{ JSON, OK("\"compare\":\"fuzzy\""), 422, "compare" },
		{ JSON, OK("\"abs_eps\":-1"), 422, "abs_eps" },
		{ JSON, OK("\"number_of_runs\":3"), 201, NULL },
		{ JSON, OK("\"number_of_runs\":21"), 422, "number_of_runs" },
		{ JSON, OK("\"number_of_runs\":0"), 422, "number_of_runs" },
		{ JSON, OK("\"stop_on_failure\":true"), 201, NULL },
		{ JSON, OK("\"files\":[{\"name\":\"util.py\","
		  "\"content\":\"x=1\"}]"), 201, NULL },
		{ JSON, OK("\"files\":[{\"name\":\"b.bin\","
		  "\"content\":\"AAEC\",\"encoding\":\"base64\"}]"), 201,
		  NULL },
		{ JSON, OK("\"files\":[{\"name\":\"b.bin\","
		  "\"content\":\"AAE\",\"encoding\":\"base64\"}]"), 422,
		  "files" },
		{ JSON, OK("\"files\":[{\"name\":\"../x\","
		  "\"content\":\"x\"}]"), 422, "files" },
		{ JSON, OK("\"files\":[{\"name\":\"/etc/passwd\","
		  "\"content\":\"x\"}]"), 422, "files" },
		{ JSON, OK("\"files\":[{\"name\":\"a/b.py\","
		  "\"content\":\"x\"}]"), 422, "files" },
		{ JSON, OK("\"files\":[{\"name\":\".bashrc\","
		  "\"content\":\"x\"}]"), 422, "files" },
		{ JSON, OK("\"files\":[{\"name\":\"main.py\","
		  "\"content\":\"x\"}]"), 422, "files" },
		{ JSON, OK("\"files\":[{\"name\":\"u.py\"},"
		  "{\"name\":\"u.py\"}]"), 422, "files" },
		{ JSON, OK("\"files\":[{\"name\":\"u.py\","
		  "\"encoding\":\"rot13\"}]"), 422, "files" },
		{ JSON, OK("\"files\":{}"), 400, "files" },
		{ JSON, "{\"language_id\":71,\"files\":[{\"name\":"
		  "\"main.py\",\"content\":\"print(1)\"}]}", 201, NULL },
		{ JSON, OK("\"additional_files\":\"UEsDBA==\""), 422,
		  "additional_files" },
		/* stdin, expected output, tests */
		{ JSON, OK("\"stdin\":\"1 2\\n\",\"expected_output\":null"),
		  201, NULL },
		{ JSON, OK("\"stdin\":null,\"expected_output\":\"\""), 201,
		  NULL },
		{ JSON, OK("\"tests\":[{\"stdin\":\"1\"},"
		  "{\"stdin\":\"2\",\"expected_output\":\"2\"}]"), 201, NULL },
		{ JSON, OK("\"tests\":[]"), 422, "tests" },
		{ JSON, OK("\"tests\":\"x\""), 400, "tests" },
		{ JSON, OK("\"tests\":[1]"), 400, "tests" },
		{ JSON, OK("\"tests\":[{\"stdin\":1}]"), 400, "stdin" },
		{ JSON, OK("\"tests\":[{}],\"stdin\":\"x\""), 422, "tests" },
		{ JSON, OK("\"tests\":null"), 201, NULL },
		/* forms */
		{ FORM, "source_code=print(1)&language_id=71", 201, NULL },
		{ FORM, "source_code=print(%22a+b%22)&language=python3"
		  "&cpu_time_limit=&stdin=&expected_output=", 201, NULL },
		{ FORM, "source_code=x&language_id=71&cpu_time_limit=1.5"
		  "&memory_limit=128000&redirect_stderr_to_stdout=on", 201,
		  NULL },
		{ "application/x-www-form-urlencoded; charset=utf-8",
		  "source_code=x&language_id=71", 201, NULL },
		{ FORM, "source_code=%zz&language_id=71", 400, NULL },
		{ FORM, "source_code=x&language_id=71&stdin=%4", 400, NULL },
		{ FORM, "source_code=x&language_id=abc", 422, "language_id" },
		{ FORM, "source_code=x&language_id=7%31", 201, NULL },
		{ FORM, "source_code=x&language_id=71&memory_limit=1e4", 201,
		  NULL },
		{ FORM, "source_code=x&language_id=71&memory_limit=1.5", 422,
		  "memory_limit" },
		{ FORM, "source_code=x&language_id=71&cpu_time_limit=16", 422,
		  "cpu_time_limit" },
		{ FORM, "source_code=x&language_id=71&enable_network=1", 422,
		  "enable_network" },
		{ FORM, "source_code=x&language_id=71&tests=x", 400, "tests" },
		{ FORM, "source_code=&language_id=71", 422, "source_code" },
		{ FORM, "language_id=71", 422, "source_code" },
		{ FORM, "", 422, "source_code" },
		{ FORM, "source_code=x&language=python3%00", 422, "language" },
		{ FORM, "source_code%00=x&language_id=71", 422,
		  "source_code" },
	};
	struct fx	*f = *state;
	json_object	*o, *v;
	size_t		 i;
	int		 st, queued;
	const char	*field;

	f->x.cfg.owner_queue_max = 1000;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		queued = f->queued;
		st = call(f, "POST", "/submissions", NULL, cases[i].ctype,
		    cases[i].body, "alice");
		if (st != cases[i].status)
			fail_msg("case %zu %s: %d, want %d: %s", i,
			    cases[i].body, st, cases[i].status,
			    f->x.resp.body.data);
		assert_string_equal(f->x.resp.content_type, "application/json");
		assert_true(has_header(f, "Cache-Control: no-store\r\n"));
		o = body(f);
		assert_true(json_object_is_type(o, json_type_object));
		if (st == 201) {
			assert_non_null(str(o, "token"));
			assert_int_equal(f->queued, queued + 1);
		} else {
			assert_non_null(str(o, "error"));
			assert_int_equal(f->queued, queued);
			assert_string_equal(f->x.resp.token, "");
		}
		field = json_object_object_get_ex(o, "field", &v) ?
		    json_object_get_string(v) : NULL;
		if ((field == NULL) != (cases[i].field == NULL) ||
		    (field != NULL && strcmp(field, cases[i].field) != 0))
			fail_msg("case %zu %s: field %s, want %s", i,
			    cases[i].body, field ? field : "(none)",
			    cases[i].field ? cases[i].field : "(none)");
		/* A 422 also carries Judge0's {"field": ["message"]}. */
		if (st == 422) {
			assert_true(json_object_object_get_ex(o, field, &v));
			assert_true(json_object_is_type(v, json_type_array));
			assert_int_equal(json_object_array_length(v), 1);
		}
		json_object_put(o);
	}
}

/* The limit messages are Judge0's words. */
static void
test_post_messages(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *v;

	assert_int_equal(post(f, NULL, OK("\"cpu_time_limit\":16"), "alice"),
	    422);
	o = body(f);
	assert_true(json_object_object_get_ex(o, "cpu_time_limit", &v));
	assert_string_equal(json_object_get_string(
	    json_object_array_get_idx(v, 0)),
	    "must be less than or equal to 15");
	json_object_put(o);

	assert_int_equal(post(f, NULL, "{" SRC ",\"language_id\":999}",
	    "alice"), 422);
	o = body(f);
	assert_string_equal(str(o, "error"), "unknown language");
	assert_string_equal(str(o, "field"), "language_id");
	json_object_put(o);
}

/* What a form or JSON request stores, byte for byte and limit by limit. */
static void
test_post_stored(void **state)
{
	struct fx		*f = *state;
	struct submission	*s = NULL;
	struct err		 err;
	json_object		*o;

	assert_int_equal(call(f, "POST", "/submissions", NULL, FORM,
	    "source_code=print(%22a+b%22)%0A&language_id=71&stdin=1+2%0d%0a"
	    "&cpu_time_limit=1.5&memory_limit=128000"
	    "&redirect_stderr_to_stdout=true&source_code=print(2)",
	    "alice"), 201);
	o = body(f);
	assert_int_equal(store_get(f->x.st, str(o, "token"), NULL, &s, &err),
	    1);
	json_object_put(o);
	/* The last of a repeated name wins. */
	assert_int_equal(s->source_len, 8);
	assert_memory_equal(s->source, "print(2)", 8);
	assert_string_equal(s->owner, "alice");
	assert_int_equal(s->lang_id, PY);
	assert_int_equal(s->ntests, 1);
	assert_int_equal(s->tests[0].stdin_len, 5);
	assert_memory_equal(s->tests[0].stdin_data, "1 2\r\n", 5);
	assert_null(s->tests[0].expected);
	assert_true(s->lim.cpu_time_s == 1.5);
	assert_true(s->lim.wall_time_s == f->x.cfg.def.wall_time_s);
	assert_int_equal(s->lim.memory_kb, 128000);
	assert_int_equal(s->lim.stack_kb, f->x.cfg.def.stack_kb);
	assert_int_equal(s->redirect_stderr, 1);
	submission_free(s);

	/* JSON keeps bytes (NUL too); "" expected is a comparison. */
	assert_int_equal(post(f, NULL, "{\"source_code\":\"a\\u0000b\","
	    "\"language_id\":71,\"stdin\":\"x\",\"expected_output\":\"\"}",
	    NULL), 201);
	o = body(f);
	assert_int_equal(store_get(f->x.st, str(o, "token"), NULL, &s, &err),
	    1);
	json_object_put(o);
	assert_int_equal(s->source_len, 3);
	assert_memory_equal(s->source, "a\0b", 3);
	assert_string_equal(s->owner, "anonymous");
	assert_non_null(s->tests[0].expected);
	assert_int_equal(s->tests[0].expected_len, 0);
	assert_int_equal(s->redirect_stderr, 0);
	submission_free(s);

	/* Several tests. */
	assert_int_equal(post(f, NULL, OK("\"tests\":[{\"stdin\":\"1\"},"
	    "{\"stdin\":null,\"expected_output\":\"2\"}]"), ""), 201);
	o = body(f);
	assert_int_equal(store_get(f->x.st, str(o, "token"), NULL, &s, &err),
	    1);
	json_object_put(o);
	assert_string_equal(s->owner, "anonymous");
	assert_int_equal(s->ntests, 2);
	assert_memory_equal(s->tests[0].stdin_data, "1", 1);
	assert_null(s->tests[0].expected);
	assert_int_equal(s->tests[1].stdin_len, 0);
	assert_memory_equal(s->tests[1].expected, "2", 1);
	submission_free(s);
}

static void
test_post_sizes(void **state)
{
	struct fx	*f = *state;
	struct api_req	 req;
	json_object	*o;
	char		 big[64];

	/* The fcgi layer saw CONTENT_LENGTH over the limit. */
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/submissions";
	req.query = "";
	req.body_too_large = 1;
	assert_int_equal(api_fx_handle(&f->x, &req), 413);

	/* A body over max_body_bytes, though it was read. */
	f->x.cfg.max_body_bytes = 40;
	assert_int_equal(post(f, NULL, OK("\"stdin\":\"0123456789\""),
	    "alice"), 413);
	f->x.cfg.max_body_bytes = 1 << 20;

	/* source_code: at max_source_bytes, and one over. */
	f->x.cfg.max_source_bytes = 16;
	snprintf(big, sizeof(big),
	    "{\"source_code\":\"%s\",\"language_id\":71}", "0123456789abcdef");
	assert_int_equal(post(f, NULL, big, "alice"), 201);
	snprintf(big, sizeof(big),
	    "{\"source_code\":\"%s\",\"language_id\":71}", "0123456789abcdefg");
	assert_int_equal(post(f, NULL, big, "alice"), 413);
	o = body(f);
	assert_string_equal(str(o, "field"), "source_code");
	json_object_put(o);
	assert_int_equal(f->queued, 1);
}

static void
test_query(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(post(f, "wait=%zz", OK("\"x\":1"), "alice"), 400);
	assert_int_equal(post(f, "base64_encoded=true", OK("\"x\":1"),
	    "alice"), 400);
	assert_int_equal(f->queued, 0);
	assert_int_equal(post(f, "base64_encoded=false&wait=false&fields=*",
	    OK("\"x\":1"), "alice"), 201);
	assert_int_equal(post(f, "wait=nonsense", OK("\"x\":1"), "alice"),
	    201);
	assert_int_equal(f->waits, 0);
}

/* ---- GET /submissions/{token} ---- */

static void
test_get(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *v;
	char		 token[37], upper[37], path[80];
	size_t		 i;

	create(f, "alice", token);
	get(f, token, "alice");
	assert_int_equal(f->x.resp.status, 200);
	assert_true(has_header(f, "Cache-Control: no-store\r\n"));
	assert_string_equal(f->x.resp.token, token);
	o = body(f);
	assert_string_equal(str(o, "token"), token);
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(num(v, "id"), 1);
	assert_string_equal(str(v, "description"), "In Queue");
	assert_int_equal(num(o, "language_id"), PY);
	assert_non_null(str(o, "created_at"));
	assert_int_equal(strlen(str(o, "created_at")), 24);
	for (i = 0; i < 10; i++)
		assert_true(is_null(o, (const char *[]){ "stdout", "stderr",
		    "compile_output", "message", "time", "wall_time", "memory",
		    "exit_code", "exit_signal", "finished_at" }[i]));
	assert_false(json_object_object_get_ex(o, "tests", &v));
	json_object_put(o);

	/* Another owner: not found.  An admin: found. */
	get(f, token, "bob");
	assert_int_equal(f->x.resp.status, 404);
	get(f, token, NULL);
	assert_int_equal(f->x.resp.status, 404);
	get(f, token, "root");
	assert_int_equal(f->x.resp.status, 200);
	/* Unknown, invalid, upper-case, cut short. */
	get(f, "00000000-0000-4000-8000-000000000000", "alice");
	assert_int_equal(f->x.resp.status, 404);
	get(f, "not-a-token", "alice");
	assert_int_equal(f->x.resp.status, 404);
	for (i = 0; i < 36; i++)
		upper[i] = token[i] >= 'a' && token[i] <= 'f' ?
		    (char)(token[i] - 'a' + 'A') : token[i];
	upper[36] = '\0';
	if (strcmp(upper, token) != 0) {
		get(f, upper, "alice");
		assert_int_equal(f->x.resp.status, 404);
	}
	snprintf(upper, sizeof(upper), "%.35s", token);
	get(f, upper, "alice");
	assert_int_equal(f->x.resp.status, 404);
	/* A malformed query is a 400 here too; HEAD is GET. */
	snprintf(path, sizeof(path), "/submissions/%s", token);
	assert_int_equal(call(f, "GET", path, "fields=%", NULL, NULL,
	    "alice"), 400);
	assert_int_equal(call(f, "HEAD", path, "", NULL, NULL, "alice"), 200);
}

/* A finished multi-test submission, with awkward bytes in its output. */
static void
test_get_finished(void **state)
{
	struct fx		*f = *state;
	struct submission	*s = NULL;
	struct store_lease	 lease;
	struct err		 err;
	json_object		*o, *v, *t;
	char			 token[37], path[128];

	assert_int_equal(post(f, NULL, OK("\"tests\":[{\"stdin\":\"1\"},"
	    "{\"stdin\":\"2\"},{\"stdin\":\"3\"}]"), "alice"), 201);
	o = body(f);
	snprintf(token, sizeof(token), "%s", str(o, "token"));
	json_object_put(o);

	assert_int_equal(store_claim(f->x.st, 0, 60000, &lease, &s, &err), 1);
	s->status = JS_SIGSEGV;
	snprintf(s->message, sizeof(s->message), "killed by SIGSEGV");
	s->time_s = 0.5;
	s->wall_time_s = 0.75;
	s->memory_kb = 2048;
	s->results[0].status = JS_AC;
	s->results[0].stdout_data = strdup("ok\xff\n");
	s->results[0].stdout_len = 4;
	s->results[0].time_s = 0.001;
	s->results[1].status = JS_SIGSEGV;
	s->results[1].exit_signal = 11;
	s->results[1].stderr_data = strdup("boom");
	s->results[1].stderr_len = 4;
	s->results[1].time_s = 0.5;
	snprintf(s->results[1].message, sizeof(s->results[1].message),
	    "killed by SIGSEGV");
	/* results[2]: did not run */
	assert_int_equal(store_finish(f->x.st, &lease, s, &err), 0);
	submission_free(s);

	/* Output that is not UTF-8: Judge0's 400, unless in base64. */
	get(f, token, "alice");
	assert_int_equal(f->x.resp.status, 400);
	o = body(f);
	assert_non_null(strstr(str(o, "error"), "base64_encoded=true"));
	json_object_put(o);
	snprintf(path, sizeof(path), "/submissions/%s", token);
	call(f, "GET", path, "base64_encoded=true", NULL, NULL, "alice");
	assert_int_equal(f->x.resp.status, 200);
	o = body(f);
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(num(v, "id"), JS_SIGSEGV);
	assert_string_equal(str(v, "description"), "Runtime Error (SIGSEGV)");
	/* The top level shows the test that decided the verdict. */
	/* base64 in Judge0's lines: each ended by a newline */
	assert_string_equal(str(o, "stderr"), "Ym9vbQ==\n");
	assert_true(is_null(o, "stdout"));
	/* Judge0's 0 after a signal: exit_signal says which */
	assert_int_equal(num(o, "exit_code"), 0);
	assert_int_equal(num(o, "exit_signal"), 11);
	assert_string_equal(str(o, "time"), "0.500");
	assert_string_equal(str(o, "wall_time"), "0.750");
	assert_int_equal(num(o, "memory"), 2048);
	assert_string_equal(str(o, "message"), "a2lsbGVkIGJ5IFNJR1NFR1Y=\n");
	assert_non_null(str(o, "finished_at"));
	assert_true(json_object_object_get_ex(o, "tests", &v));
	assert_int_equal(json_object_array_length(v), 3);
	t = json_object_array_get_idx(v, 0);
	assert_string_equal(str(t, "stdout"), "b2v/Cg==\n");
	assert_string_equal(str(t, "time"), "0.001");
	assert_int_equal(num(t, "exit_code"), 0);
	assert_true(is_null(t, "exit_signal"));
	assert_true(is_null(t, "message"));
	t = json_object_array_get_idx(v, 2);
	assert_true(is_null(t, "status"));
	assert_true(is_null(t, "time"));
	assert_true(is_null(t, "exit_code"));
	json_object_put(o);
}

static void
test_get_compile_error(void **state)
{
	struct fx		*f = *state;
	struct submission	*s = NULL;
	struct store_lease	 lease;
	struct err		 err;
	json_object		*o;
	char			 token[37];

	create(f, "alice", token);
	assert_int_equal(store_claim(f->x.st, 0, 60000, &lease, &s, &err), 1);
	s->status = JS_CE;
	s->compile_output = strdup("main.c:1: error");
	s->compile_output_len = 15;
	assert_int_equal(store_finish(f->x.st, &lease, s, &err), 0);
	submission_free(s);
	get(f, token, "alice");
	assert_int_equal(f->x.resp.status, 200);
	o = body(f);
	assert_string_equal(str(o, "compile_output"), "main.c:1: error");
	assert_true(is_null(o, "time"));
	assert_true(is_null(o, "memory"));
	assert_true(is_null(o, "exit_code"));
	assert_non_null(str(o, "finished_at"));
	json_object_put(o);
}

/* ---- back-pressure and waiting ---- */

static void
test_queue_full(void **state)
{
	struct fx	*f = *state;
	char		 token[37];

	f->x.cfg.queue_max = 2;
	create(f, "alice", token);
	create(f, "bob", token);
	assert_int_equal(post(f, NULL, OK("\"x\":1"), "carol"), 503);
	assert_true(has_header(f, "Retry-After: 5\r\n"));
	assert_int_equal(f->queued, 2);
	/* Validation comes first. */
	assert_int_equal(post(f, NULL, "{", "carol"), 400);
	/* A job leaves the queue: room again. */
	f->verdict = JS_AC;
	fake_executor(f);
	create(f, "carol", token);
}

static void
test_owner_queue_full(void **state)
{
	struct fx	*f = *state;
	char		 token[37];

	f->x.cfg.owner_queue_max = 2;
	create(f, "alice", token);
	create(f, "alice", token);
	assert_int_equal(post(f, NULL, OK("\"x\":1"), "alice"), 429);
	assert_true(has_header(f, "Retry-After: "));
	create(f, "bob", token);
	assert_int_equal(f->queued, 3);
}

static void
test_wait_timeout(void **state)
{
	struct fx	*f = *state;
	json_object	*o;
	int64_t		 t0;

	f->x.cfg.wait_timeout_ms = 30;
	f->mode = WAIT_SLEEP;
	t0 = util_mono_us();
	assert_int_equal(post(f, "wait=true", OK("\"x\":1"), "alice"), 202);
	assert_true(util_mono_us() - t0 >= 30000);
	assert_true(f->waits >= 1);
	o = body(f);
	assert_true(util_is_uuid(str(o, "token")));
	assert_false(json_object_object_get_ex(o, "status", NULL));
	json_object_put(o);

	/* No wait hook: the answer is at once. */
	f->x.api.hooks.wait_for = NULL;
	assert_int_equal(post(f, "wait=1", OK("\"x\":1"), "alice"), 202);
}

static void
test_wait_done(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *v;

	f->mode = WAIT_FINISH;
	f->verdict = JS_AC;
	assert_int_equal(post(f, "wait=true", OK("\"stdin\":\"\""), "alice"),
	    201);
	assert_int_equal(f->waits, 1);
	assert_true(has_header(f, "Cache-Control: no-store\r\n"));
	o = body(f);
	assert_true(util_is_uuid(str(o, "token")));
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(num(v, "id"), JS_AC);
	assert_string_equal(str(v, "description"), "Accepted");
	assert_string_equal(str(o, "stdout"), "hello\n");
	assert_true(is_null(o, "stderr"));
	assert_string_equal(str(o, "time"), "0.012");
	assert_string_equal(str(o, "wall_time"), "0.034");
	assert_int_equal(num(o, "memory"), 1234);
	assert_int_equal(num(o, "exit_code"), 0);
	assert_true(is_null(o, "exit_signal"));
	assert_non_null(str(o, "finished_at"));
	json_object_put(o);
}

/* ---- the store fails ---- */

static void
test_store_failure(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db = NULL;
	json_object	*o;
	char		 token[37];

	create(f, "alice", token);
	/* Pull the tables out from under the store. */
	assert_int_equal(sqlite3_open(f->x.db.path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys=OFF;"
	    "PRAGMA writable_schema=OFF;"
	    "DROP TABLE IF EXISTS test_results; DROP TABLE IF EXISTS results;"
	    "DROP TABLE IF EXISTS tests; DROP TABLE submissions;",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, NULL),
	    503);
	assert_true(f->x.resp.err.msg[0] != '\0');
	o = body(f);
	assert_string_equal(str(o, "status"), "error");
	json_object_put(o);

	assert_int_equal(post(f, NULL, OK("\"x\":1"), "alice"), 500);
	assert_true(f->x.resp.err.msg[0] != '\0');
	o = body(f);
	assert_string_equal(str(o, "error"), "internal error");
	json_object_put(o);

	get(f, token, "alice");
	assert_int_equal(f->x.resp.status, 500);
	/* Bad input still answers before the store. */
	assert_int_equal(post(f, NULL, "[]", "alice"), 400);
	assert_string_equal(f->x.resp.err.msg, "");
}

/*
 * The store locked by another process (a write transaction held open):
 * a POST is a 503 with Retry-After, and quickly (the handle's wait, not
 * a request held for seconds); reads still work (WAL); /health says the
 * store cannot be written, within a second.  Then the lock goes and all
 * is well again.
 */
static void
test_store_locked(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db = NULL;
	json_object	*o, *so;
	char		 token[37];
	int64_t		 t0;

	create(f, "alice", token);
	store_set_timeout(f->x.st, 200);
	assert_int_equal(sqlite3_open(f->x.db.path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);

	t0 = util_mono_us();
	assert_int_equal(post(f, NULL, OK("\"x\":1"), "alice"), 503);
	assert_true(util_mono_us() - t0 < 1000000);
	assert_true(has_header(f, "Retry-After: 5\r\n"));
	assert_true(f->x.resp.err.msg[0] != '\0');
	o = body(f);
	assert_string_equal(str(o, "error"),
	    "storage unavailable, retry later");
	json_object_put(o);

	get(f, token, "alice");
	assert_int_equal(f->x.resp.status, 200);

	t0 = util_mono_us();
	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, "a"),
	    503);
	assert_true(util_mono_us() - t0 < 1000000);
	assert_true(has_header(f, "Retry-After: 5\r\n"));
	o = body(f);
	assert_string_equal(str(o, "status"), "error");
	assert_int_equal(num(o, "queue_depth"), 1);
	assert_true(json_object_object_get_ex(o, "store", &so));
	assert_false(json_object_get_boolean(json_object_object_get(so,
	    "writable")));
	assert_true(json_object_get_boolean(json_object_object_get(so,
	    "readable")));
	assert_non_null(strstr(str(so, "problem"), "locked"));
	assert_true(num(so, "free_bytes") > 0);
	json_object_put(o);

	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(post(f, NULL, OK("\"x\":1"), "alice"), 201);
	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, "a"),
	    200);
	o = body(f);
	assert_true(json_object_object_get_ex(o, "store", &so));
	assert_true(json_object_get_boolean(json_object_object_get(so,
	    "writable")));
	assert_true(num(so, "data_bytes") > 0);
	assert_true(num(so, "wal_bytes") >= 0);
	json_object_put(o);
	assert_int_equal(call(f, "GET", "/metrics", NULL, NULL, NULL, "root"),
	    200);
	assert_non_null(strstr(f->x.resp.body.data,
	    "\ncoderunner_store_writable 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "\ncoderunner_store_wal_bytes "));
}

/* Right after the insert, the submissions go out of the store's reach. */
static void
hook_hide_table(void *arg)
{
	struct fx	*f = arg;

	f->queued++;
	raw_exec(f->x.db.path, "ALTER TABLE submissions RENAME TO hidden");
}

/*
 * wait=true when the store fails after the submission was stored (here
 * it cannot even be read any more): the answer is the token (202), never
 * an error that would make the client submit the job again.
 */
static void
test_wait_store_fails(void **state)
{
	struct fx	*f = *state;
	json_object	*o;
	char		 sql[128];

	f->x.api.hooks.job_queued = hook_hide_table;
	assert_int_equal(post(f, "wait=true", OK("\"x\":1"), "alice"), 202);
	assert_int_equal(f->queued, 1);
	assert_true(f->x.resp.err.msg[0] != '\0');
	o = body(f);
	assert_true(util_is_uuid(str(o, "token")));
	/* and that is the job stored */
	raw_exec(f->x.db.path, "ALTER TABLE hidden RENAME TO submissions");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM submissions "
	    "WHERE token = '%s' AND status = 1", str(o, "token"));
	assert_int_equal(raw_int(f->x.db.path, sql), 1);
	json_object_put(o);
}

/* ---- batches, callbacks, Idempotency-Key, DELETE, metrics ---- */

/* Replaces the config's callback_allow_hosts with a copy of list. */
static void
set_hosts(struct fx *f, const char **list)
{
	char	**a;
	size_t	  i, n = 0;

	for (a = f->x.cfg.callback_allow_hosts; a != NULL && *a != NULL; a++)
		free(*a);
	free(f->x.cfg.callback_allow_hosts);
	while (list != NULL && list[n] != NULL)
		n++;
	assert_non_null(f->x.cfg.callback_allow_hosts = calloc(n + 1,
	    sizeof(char *)));
	for (i = 0; i < n; i++)
		assert_non_null(f->x.cfg.callback_allow_hosts[i] =
		    strdup(list[i]));
}

/* fields=: names and "*" pass, anything unknown is a 400. */
static void
test_fields(void **state)
{
	static const struct { const char *q; int status; } cases[] = {
		{ "fields=*", 200 }, { "fields=stdout", 200 },
		{ "fields=stdout,stderr,token", 200 },
		{ "fields=%20stdout%20,,status_id,", 200 }, { "fields=", 200 },
		{ "fields=source_code,language,callback_status", 200 },
		{ "fields=bogus", 400 }, { "fields=stdout,bogus", 400 },
		{ "fields=STDOUT", 400 }, { "fields=**", 400 },
		{ "fields=stdout;stderr", 400 },
	};
	struct fx	*f = *state;
	json_object	*o;
	char		 token[37], path[128];
	size_t		 i;

	create(f, "alice", token);
	snprintf(path, sizeof(path), "/submissions/%s", token);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (call(f, "GET", path, cases[i].q, NULL, NULL, "alice") !=
		    cases[i].status)
			fail_msg("%s: %d, want %d: %s", cases[i].q,
			    f->x.resp.status, cases[i].status,
			    f->x.resp.body.data);
	call(f, "GET", path, "fields=stdout,status_id", NULL, NULL, "alice");
	o = body(f);
	assert_int_equal(json_object_object_length(o), 2);
	assert_int_equal(num(o, "status_id"), JS_QUEUE);
	assert_true(is_null(o, "stdout"));
	json_object_put(o);
	call(f, "GET", path, "fields=*", NULL, NULL, "alice");
	o = body(f);
	assert_string_equal(str(o, "source_code"), "print(1)");
	assert_true(is_null(o, "callback_url"));
	assert_false(json_object_get_boolean(
	    json_object_object_get(o, "enable_network")));
	json_object_put(o);
}

/* base64 in (strict, but for line breaks, as Judge0) and out. */
static void
test_base64(void **state)
{
	static const char *bad[] = {
		"cHJpbnQoMSk", "cHJp bnQoMSk=", "print(1)",
		"cHJpbnQoMSk==", "====",
	};
	struct fx	*f = *state;
	json_object	*o;
	char		 b[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(b, sizeof(b), "{\"source_code\":\"%s\","
		    "\"language_id\":71}", bad[i]);
		if (post(f, "base64_encoded=true", b, "alice") != 400)
			fail_msg("%s: %d", bad[i], f->x.resp.status);
	}
	/* tests[] are decoded too */
	assert_int_equal(post(f, "base64_encoded=true", "{\"source_code\":"
	    "\"cHJpbnQoMSk=\",\"language_id\":71,\"tests\":[{\"stdin\":"
	    "\"!\"}]}", "alice"), 400);
	f->mode = WAIT_FINISH;
	assert_int_equal(post(f, "wait=true&base64_encoded=true&fields=*",
	    "{\"source_code\":\"cHJpbnQoMSk=\",\"language_id\":71,"
	    "\"stdin\":\"AA\\r\\nE=\\n\"}", "alice"), 201);
	o = body(f);
	assert_string_equal(str(o, "source_code"), "cHJpbnQoMSk=\n");
	assert_string_equal(str(o, "stdin"), "AAE=\n");
	assert_string_equal(str(o, "stdout"), "aGVsbG8K\n");	/* hello\n */
	json_object_put(o);
}

static void
test_callback_url(void **state)
{
	static const struct { const char *url; int ok; } cases[] = {
		{ "http://hooks.example.com/x", 1 },
		{ "https://HOOKS.example.com:8443/x?y=1#z", 1 },
		{ "http://a.sub.example.org/", 1 },
		{ "http://sub.example.org/", 0 },	/* "*." is below */
		{ "http://example.org/", 0 },
		{ "http://127.0.0.2:9000/cb", 1 },
		{ "http://10.1.2.3/", 1 }, { "http://10.2.0.1/", 0 },
		{ "http://[::1]:80/", 1 }, { "http://[::2]/", 0 },
		{ "http://127.0.0.1/", 0 }, { "http://evil.com/", 0 },
		{ "ftp://hooks.example.com/", 0 },
		{ "http://user@hooks.example.com/", 0 },
		{ "http://hooks.example.com:0/", 0 },
		{ "http://hooks.example.com:65536/", 0 },
		{ "http://hooks.example.com:80x/", 0 },
		{ "http://hooks.example.com /", 0 }, { "http:///x", 0 },
		{ "http://hooks.example.com.evil.com/", 0 },
		{ "http://evil.com#@hooks.example.com/", 0 },
		{ "http://hooks_example.com/", 0 }, { "", 0 }, { "http://", 0 },
		{ "http://[::1/", 0 }, { "javascript:alert(1)", 0 },
	};
	static const char *hosts[] = { "hooks.example.com",
	    "*.sub.example.org", "127.0.0.2", "10.1.0.0/16", "::1", NULL };
	struct fx	*f = *state;
	char		 why[160];
	size_t		 i;

	set_hosts(f, hosts);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if ((api_callback_url_check(&f->x.cfg, cases[i].url, why,
		    sizeof(why)) == 0) != cases[i].ok)
			fail_msg("%s: want %s (%s)", cases[i].url,
			    cases[i].ok ? "ok" : "refused", why);
	/* through the API: a 422 naming callback_url */
	assert_int_equal(post(f, NULL, OK("\"callback_url\":"
	    "\"http://evil.com/\""), "alice"), 422);
	assert_true(strstr(f->x.resp.body.data, "\"callback_url\":[") != NULL);
	assert_int_equal(post(f, NULL, OK("\"callback_url\":"
	    "\"http://127.0.0.2:9/\""), "alice"), 201);
	set_hosts(f, NULL);	/* empty: callbacks off */
	assert_int_equal(post(f, NULL, OK("\"callback_url\":"
	    "\"http://127.0.0.2:9/\""), "alice"), 422);
	assert_true(strstr(f->x.resp.body.data, "disabled") != NULL);
}

static void
test_callback_addr(void **state)
{
	static const struct { const char *addr; int ok; } cases[] = {
		{ "93.184.216.34", 1 }, { "2606:2800:220:1::1", 1 },
		{ "127.0.0.1", 0 }, { "127.0.0.2", 1 }, { "127.1.2.3", 0 },
		{ "10.0.0.1", 0 }, { "10.1.5.5", 1 }, { "172.16.3.4", 0 },
		{ "192.168.1.1", 0 }, { "169.254.169.254", 0 },
		{ "100.64.0.1", 0 }, { "0.0.0.0", 0 }, { "224.0.0.1", 0 },
		{ "255.255.255.255", 0 }, { "::1", 0 }, { "::", 0 },
		{ "fe80::1", 0 }, { "fd00::1", 0 }, { "ff02::1", 0 },
		{ "::ffff:127.0.0.1", 0 }, { "::ffff:127.0.0.2", 1 },
		{ "::ffff:93.184.216.34", 1 },
	};
	static const char *hosts[] = { "127.0.0.2", "10.1.0.0/16", NULL };
	struct fx		*f = *state;
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	size_t			 i;
	int			 ok;

	set_hosts(f, hosts);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s4, 0, sizeof(s4));
		memset(&s6, 0, sizeof(s6));
		if (inet_pton(AF_INET, cases[i].addr, &s4.sin_addr) == 1) {
			s4.sin_family = AF_INET;
			ok = api_callback_addr_ok(&f->x.cfg,
			    (struct sockaddr *)&s4);
		} else {
			assert_int_equal(inet_pton(AF_INET6, cases[i].addr,
			    &s6.sin6_addr), 1);
			s6.sin6_family = AF_INET6;
			ok = api_callback_addr_ok(&f->x.cfg,
			    (struct sockaddr *)&s6);
		}
		if (ok != cases[i].ok)
			fail_msg("%s: %d, want %d", cases[i].addr, ok,
			    cases[i].ok);
	}
}

/* The same key from the same owner: the same submission, no new job. */
static void
test_idempotency(void **state)
{
	struct fx	*f = *state;
	struct api_req	 req;
	char		 t1[40], t2[40], t3[40];
	const char	*b = OK("\"stdin\":\"\"");

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/submissions";
	req.query = "";
	req.content_type = "application/json";
	req.body = b;
	req.body_len = strlen(b);
	req.remote_user = "alice";
	req.idempotency_key = "key-1";
	api_resp_reset(&f->x.resp);
	api_handle(&f->x.api, &req, &f->x.resp);
	assert_int_equal(f->x.resp.status, 201);
	snprintf(t1, sizeof(t1), "%s", f->x.resp.token);
	api_resp_reset(&f->x.resp);
	api_handle(&f->x.api, &req, &f->x.resp);
	assert_int_equal(f->x.resp.status, 201);
	snprintf(t2, sizeof(t2), "%s", f->x.resp.token);
	assert_string_equal(t1, t2);
	assert_true(has_header(f, "Idempotent-Replayed: true\r\n"));
	assert_int_equal(f->queued, 1);
	req.remote_user = "bob";
	api_resp_reset(&f->x.resp);
	api_handle(&f->x.api, &req, &f->x.resp);
	snprintf(t3, sizeof(t3), "%s", f->x.resp.token);
	assert_string_not_equal(t1, t3);
	assert_int_equal(f->queued, 2);
	/* a replay is no new job, so a full queue does not refuse it */
	f->x.cfg.queue_max = 0;
	req.remote_user = "alice";
	api_resp_reset(&f->x.resp);
	api_handle(&f->x.api, &req, &f->x.resp);
	assert_int_equal(f->x.resp.status, 201);
	req.idempotency_key = "key-2";
	api_resp_reset(&f->x.resp);
	api_handle(&f->x.api, &req, &f->x.resp);
	assert_int_equal(f->x.resp.status, 503);
	req.idempotency_key = "bad\nkey";
	api_resp_reset(&f->x.resp);
	api_handle(&f->x.api, &req, &f->x.resp);
	assert_int_equal(f->x.resp.status, 400);
}

static void
test_batch(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *v;
	char		 q[256], big[4096];
	size_t		 i, n;

	assert_int_equal(call(f, "POST", "/submissions/batch", NULL,
	    "application/json", "{\"submissions\":[" OK("\"stdin\":\"\"") ","
	    "{\"language_id\":71},7," OK("\"stdin\":\"2\"") "]}", "alice"),
	    201);
	o = body(f);
	assert_int_equal(json_object_array_length(o), 4);
	assert_non_null(str(json_object_array_get_idx(o, 0), "token"));
	v = json_object_array_get_idx(o, 1);
	assert_null(str(v, "token"));
	assert_true(json_object_object_get_ex(v, "source_code", NULL));
	assert_non_null(str(json_object_array_get_idx(o, 2), "error"));
	snprintf(q, sizeof(q), "tokens=%s,nope,%s&fields=token",
	    str(json_object_array_get_idx(o, 0), "token"),
	    str(json_object_array_get_idx(o, 3), "token"));
	json_object_put(o);
	assert_int_equal(f->queued, 2);
	assert_int_equal(call(f, "GET", "/submissions/batch", q, NULL, NULL,
	    "alice"), 200);
	o = body(f);
	assert_true(json_object_object_get_ex(o, "submissions", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_null(json_object_array_get_idx(v, 1));
	assert_int_equal(json_object_object_length(
	    json_object_array_get_idx(v, 2)), 1);
	json_object_put(o);
	/* another owner sees nulls */
	assert_int_equal(call(f, "GET", "/submissions/batch", q, NULL, NULL,
	    "bob"), 200);
	assert_non_null(strstr(f->x.resp.body.data, "[null,null,null]"));
	/* 21 is one too many */
	n = (size_t)snprintf(big, sizeof(big), "{\"submissions\":[");
	for (i = 0; i < 21; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s%s",
		    i > 0 ? "," : "", OK("\"stdin\":\"\""));
	snprintf(big + n, sizeof(big) - n, "]}");
	/* Judge0's 400 {"error"}, as for an empty batch */
	assert_int_equal(call(f, "POST", "/submissions/batch", NULL,
	    "application/json", big, "alice"), 400);
	/* the queue is checked for the whole batch */
	f->x.cfg.queue_max = 3;
	assert_int_equal(call(f, "POST", "/submissions/batch", NULL,
	    "application/json", "{\"submissions\":[" OK("\"stdin\":\"\"") ","
	    OK("\"stdin\":\"\"") "]}", "alice"), 503);
	assert_int_equal(call(f, "GET", "/submissions/batch", NULL, NULL,
	    NULL, "alice"), 400);
}

static void
test_delete(void **state)
{
	struct fx	*f = *state;
	char		 token[37], path[128];

	create(f, "alice", token);
	snprintf(path, sizeof(path), "/submissions/%s", token);
	/* off: Judge0's 400 */
	assert_int_equal(call(f, "DELETE", path, NULL, NULL, NULL, "alice"),
	    400);
	assert_non_null(strstr(f->x.resp.body.data, "delete not allowed"));
	f->x.cfg.allow_delete = 1;
	assert_int_equal(call(f, "DELETE", path, NULL, NULL, NULL, "alice"),
	    400);
	fake_executor(f);
	assert_int_equal(call(f, "DELETE", path, NULL, NULL, NULL, "bob"),
	    404);
	assert_int_equal(call(f, "DELETE", path, "fields=token", NULL, NULL,
	    "alice"), 200);
	assert_non_null(strstr(f->x.resp.body.data, token));
	assert_int_equal(call(f, "GET", path, NULL, NULL, NULL, "alice"),
	    404);
	assert_int_equal(call(f, "DELETE", path, NULL, NULL, NULL, "alice"),
	    404);
	assert_int_equal(call(f, "DELETE", "/submissions/x", NULL, NULL,
	    NULL, "alice"), 404);
}

/* /health and /metrics with the shared counters. */
static void
test_metrics_health(void **state)
{
	struct fx	*f = *state;
	struct metrics	*m;
	struct err	 err;

	assert_non_null(m = metrics_new(2, &err));
	f->x.api.metrics = m;
	/* no executor ready: unusable */
	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, "a"),
	    503);
	metrics_executor_pid(m, 0, 4242);
	metrics_executor_ready(m, 0);
	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, "a"),
	    200);
	metrics_http(m, 201);
	metrics_http(m, 999);
	metrics_created(m, f->x.langs, PY);
	metrics_finished(m, f->x.langs, PY, JS_AC, 30000);
	metrics_finished(m, f->x.langs, PY, JS_TLE, 3000000);
	metrics_sandbox_failure(m);
	metrics_executor_busy(m, 0, 1);
	assert_int_equal(call(f, "GET", "/metrics", NULL, NULL, NULL, "root"),
	    200);
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_http_responses_total{code=\"201\"} 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_submissions_total{language=\"python3\","
	    "status=\"Accepted\"} 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_job_duration_seconds_bucket{language=\"python3\","
	    "le=\"0.05\"} 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_job_duration_seconds_bucket{language=\"python3\","
	    "le=\"5\"} 2\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_sandbox_setup_failures_total 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_executors{state=\"busy\"} 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "coderunner_running_jobs 1\n"));
	assert_int_equal(call(f, "GET", "/workers", NULL, NULL, NULL, "root"),
	    200);
	assert_non_null(strstr(f->x.resp.body.data, "\"state\":\"busy\""));

	/*
	 * Anyone else: Judge0's queue line but no executor; their own
	 * submissions in /metrics and nothing of the service's; no host.
	 */
	assert_int_equal(call(f, "GET", "/workers", NULL, NULL, NULL, "a"),
	    200);
	assert_non_null(strstr(f->x.resp.body.data, "\"queue\":\"default\""));
	assert_non_null(strstr(f->x.resp.body.data, "\"working\":1"));
	assert_null(strstr(f->x.resp.body.data, "executor"));
	assert_int_equal(post(f, NULL, "{\"source_code\":\"x\","
	    "\"language_id\":71}", "a"), 201);
	assert_int_equal(post(f, NULL, "{\"source_code\":\"x\","
	    "\"language_id\":71}", "b"), 201);
	assert_int_equal(call(f, "GET", "/metrics", NULL, NULL, NULL, "a"),
	    200);
	assert_string_equal(f->x.resp.content_type,
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(f->x.resp.body.data,
	    "\ncoderunner_user_queued_jobs 1\n"));
	assert_non_null(strstr(f->x.resp.body.data,
	    "\ncoderunner_user_submissions{language=\"python3\","
	    "status=\"In Queue\"} 1\n"));
	assert_null(strstr(f->x.resp.body.data, "coderunner_http"));
	assert_null(strstr(f->x.resp.body.data, "coderunner_executor"));
	assert_null(strstr(f->x.resp.body.data, "coderunner_queue_depth"));
	assert_int_equal(call(f, "GET", "/metrics", NULL, NULL, NULL, NULL),
	    200);
	assert_non_null(strstr(f->x.resp.body.data,
	    "\ncoderunner_user_queued_jobs 0\n"));
	assert_int_equal(call(f, "GET", "/system_info", NULL, NULL, NULL,
	    "a"), 403);
	assert_string_equal(f->x.resp.content_type, API_JSON);
	assert_null(strstr(f->x.resp.body.data, "kernel"));
	assert_int_equal(call(f, "GET", "/system_info", NULL, NULL, NULL,
	    "root"), 200);
	assert_non_null(strstr(f->x.resp.body.data, "\"kernel\""));
	metrics_executor_pid(m, 0, 0);		/* it died */
	assert_int_equal(call(f, "GET", "/health", NULL, NULL, NULL, "a"),
	    503);
	f->x.api.metrics = NULL;
	metrics_free(m);
}

/* Piston and the small runners' routes map onto the same submission. */
static void
test_families(void **state)
{
	static const struct { const char *path, *ct, *body; int status;
	    const char *want; } cases[] = {
		{ "/api/v2/execute", "text/plain", "{\"language\":\"python\","
		    "\"version\":\"*\",\"files\":[{\"content\":\"print(1)\"}],"
		    "\"args\":[\"a\",\"b\"],\"run_timeout\":-1}", 200,
		    "\"run\":{\"stdout\":\"hello\\n\"" },
		{ "/api/v2/execute", "application/json", "not json", 400,
		    "{\"message\":" },
		{ "/api/v2/execute", "application/json", "{\"language\":"
		    "\"cobol\",\"files\":[{\"content\":\"x\"}]}", 400,
		    "runtime is unknown" },
		{ "/api/v2/execute", "application/json", "{\"language\":"
		    "\"python\",\"files\":[{\"content\":\"x\"}],\"args\":"
		    "[\"a\", 2]}", 400, "args must be an array of strings" },
		{ "/api/v2/execute", "application/json", "{\"language\":"
		    "\"python\",\"files\":[{\"content\":\"x\"}],"
		    "\"run_memory_limit\":1e12}", 400, "run_memory_limit" },
		{ "/code", "application/json", "{\"language\":\"python\","
		    "\"code\":\"print(1)\",\"memory_limit\":16777216}", 200,
		    "\"status\":\"Success\",\"stdout\":\"hello\\n\"" },
		{ "/code", "application/json", "{\"language\":\"python\"}", 422,
		    "\"field\":\"code\"" },
		/* the memory floor in the client's unit, bytes */
		{ "/code", "application/json", "{\"language\":\"python\","
		    "\"code\":\"1\",\"memory_limit\":2097151}", 422,
		    "memory_limit must be greater than or equal to 2097152" },
		{ "/api/v2/execute", "application/json", "{\"language\":"
		    "\"python\",\"files\":[{\"content\":\"x\"}],"
		    "\"run_timeout\":9}", 400,
		    "run_timeout must be greater than or equal to 10" },
		{ "/api/v2/execute", "application/json", "{\"language\":"
		    "\"python\",\"files\":[{\"content\":\"x\"}],"
		    "\"run_cpu_time\":0.5}", 400, "run_cpu_time" },
		{ "/api/v2/execute", "application/json", "{\"language\":"
		    "\"python\",\"files\":[{\"content\":\"x\"}],"
		    "\"run_memory_limit\":1000}", 400, "run_memory_limit" },
		{ "/api/execute", "application/json", "{\"language\":\"py\","
		    "\"code\":\"print(1)\"}", 200, "\"exitCode\":0" },
		{ "/execute", "application/json",
		    "{\"selectedLanguage\":\"py\",\"userCode\":\"print(1)\"}",
		    200, "\"verdict\":\"AC\"" },
		{ "/execute", "application/json", "{\"userCode\":\"x\"}", 422,
		    "\"field\":\"selectedLanguage\"" },
		{ "/submissions/new", "application/json", OK("\"stdin\":\"\""),
		    201, "\"stdout\":\"hello\\n\"" },
		{ "/run", "application/json", "{\"language\":\"py\",\"code\":"
		    "\"x\",\"tests\":[{\"stdin\":\"1\",\"expected\":\"2\"}]}",
		    202, "\"status\":\"/status/" },
	};
	struct fx	*f = *state;
	size_t		 i;

	f->mode = WAIT_FINISH;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (call(f, "POST", cases[i].path, NULL, cases[i].ct,
		    cases[i].body, "alice") != cases[i].status ||
		    strstr(f->x.resp.body.data, cases[i].want) == NULL)
			fail_msg("case %zu %s: %d %s", i, cases[i].path,
			    f->x.resp.status, f->x.resp.body.data);
	}
	assert_int_equal(call(f, "GET", "/api/v2/runtimes", NULL, NULL, NULL,
	    "alice"), 200);
	assert_non_null(strstr(f->x.resp.body.data,
	    "{\"language\":\"python\",\"version\":"));
	assert_non_null(strstr(f->x.resp.body.data, "\"language\":\"c++\""));
	assert_int_equal(call(f, "GET", "/api/languages", NULL, NULL, NULL,
	    "alice"), 200);
	assert_int_equal(call(f, "GET", "/api/health", NULL, NULL, NULL,
	    "alice"), 200);
	assert_int_equal(call(f, "GET", "/status/x", NULL, NULL, NULL,
	    "alice"), 404);
}

/* What common clients send as a language resolves. */
static void
test_aliases(void **state)
{
	static const char *names[] = { "c", "cpp", "c++", "cpp-20", "py",
	    "python", "python3", "js", "javascript", "node", "java", "go",
	    "rust", "bash", "ts", "typescript", "PYTHON3" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct lang	*l;
		size_t			 k;

		/* by the table: available or not, the name is there */
		for (k = 0, l = NULL; k < f->x.langs->n && l == NULL; k++) {
			const struct lang *c = &f->x.langs->langs[k];
			char **a;

			if (strcasecmp(c->name, names[i]) == 0)
				l = c;
			for (a = c->aliases; a != NULL && *a != NULL; a++)
				if (strcasecmp(*a, names[i]) == 0)
					l = c;
		}
		if (l == NULL)
			fail_msg("alias %s is not in contrib/languages.json",
			    names[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_parse),
		cmocka_unit_test(test_form_limits),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_json_text),
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_routing),
		T(test_catalogue),
		T(test_post_cases),
		T(test_post_messages),
		T(test_post_stored),
		T(test_post_sizes),
		T(test_query),
		T(test_get),
		T(test_get_finished),
		T(test_get_compile_error),
		T(test_queue_full),
		T(test_owner_queue_full),
		T(test_wait_timeout),
		T(test_wait_done),
		T(test_store_failure),
		T(test_store_locked),
		T(test_wait_store_fails),
		T(test_fields),
		T(test_base64),
		T(test_callback_url),
		T(test_callback_addr),
		T(test_idempotency),
		T(test_batch),
		T(test_delete),
		T(test_metrics_health),
		T(test_families),
		T(test_aliases),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
