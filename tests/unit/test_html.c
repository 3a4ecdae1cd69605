/*
 * Unit tests of the HTML side: escaping, Accept negotiation, CSRF tokens,
 * and the pages through api_handle() over a real store (form, posts from
 * forms with and without a token or from another site, the result page
 * with hostile output, history with filters and paging, statistics),
 * with and without a mount prefix.  Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "api/api.h"
#include "api/csrf.h"
#include "api/negotiate.h"
#include "api/page.h"
#include "api/reply.h"
#include "api/request.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/queue.h"
#include "store/store.h"
#include "api_fixture.h"

#define PY	71
#define C_ID	50
#define SECRET	"unit-test-secret"
#define MP	"multipart/form-data; boundary=XyZ"
#define JSON_X	"{\"source_code\":\"x\",\"language_id\":71}"
#define HTML	"text/html,application/xhtml+xml,application/xml;q=0.9," \
		"*/*;q=0.8"

/* ---- pure functions ---- */

static void
test_escape(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "", 0, "" },
		{ "plain text", 10, "plain text" },
		{ "<script>alert(1)</script>", 25,
		  "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "<img src=x onerror=alert(1)>", 28,
		  "&lt;img src=x onerror=alert(1)&gt;" },
		{ "a&b \"q\" 'r'", 11, "a&amp;b &quot;q&quot; &#39;r&#39;" },
		{ "tab\tnl\ncr\r", 10, "tab\tnl\ncr\r" },
		{ "nul\0x", 5, "nul\xe2\x90\x80x" },
		{ "\x1b[31m", 5, "\xe2\x90\x9b[31m" },
		{ "del\x7f", 4, "del\xe2\x90\xa1" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "bad\xff", 4, "bad\xef\xbf\xbd" },
		{ "\xc3", 1, "\xef\xbf\xbd" },
		{ "\xe2\x82<", 3, "\xef\xbf\xbd&lt;" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", 3,
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "&amp;", 5, "&amp;amp;" },
	};
	struct buf	b = { 0 };
	struct err	err;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		assert_int_equal(html_escape(&b, cases[i].in, cases[i].len,
		    &err), 0);
		if (strcmp(b.data != NULL ? b.data : "", cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, b.data);
	}
	buf_reset(&b);
}

static void
test_wanted(void **state)
{
	static const struct {
		const char	*accept;
		int		 html;
	} cases[] = {
		{ NULL, 0 }, { "", 0 }, { "*/*", 0 },
		{ "application/json", 0 },
		{ "text/html", 1 },
		{ HTML, 1 },
		{ "text/html, application/json", 1 },
		{ "application/json, text/html", 0 },
		{ "application/json;q=0.5, text/html", 1 },
		{ "text/html;q=0.5, application/json", 0 },
		{ "text/html;q=0, */*", 0 },
		{ "*/*, text/html", 0 },
		{ "text/html, */*", 1 },
		{ "TEXT/HTML", 1 },
		{ "application/xhtml+xml", 1 },
		{ "text/htmlx", 0 },
		{ "text/*", 0 },
		{ "text/html;level=1;q=0.9, application/*;q=0.8", 1 },
		{ "text/html;q=x", 0 },
		{ ",,,", 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (neg_wants_html(cases[i].accept) != cases[i].html)
			fail_msg("case %zu (%s)", i, cases[i].accept ?
			    cases[i].accept : "NULL");
}

static void
test_csrf(void **state)
{
	char		t[CSRF_TOKEN_MAX], bad[CSRF_TOKEN_MAX];
	struct err	err;
	int64_t		now = 1700000000;
	size_t		len, i;

	(void)state;
	assert_int_equal(csrf_token("", "alice", now, t, &err), -1);
	assert_int_equal(csrf_token(SECRET, "alice", now, t, &err), 0);
	len = strlen(t);
	assert_true(len < CSRF_TOKEN_MAX);
	assert_true(csrf_valid(SECRET, "alice", t, len, now));
	/* good for CSRF_WINDOWS more windows, not in the future */
	assert_true(csrf_valid(SECRET, "alice", t, len,
	    now + (CSRF_WINDOWS - 1) * CSRF_WINDOW_S));
	assert_false(csrf_valid(SECRET, "alice", t, len,
	    now + (CSRF_WINDOWS + 1) * CSRF_WINDOW_S));
	assert_false(csrf_valid(SECRET, "alice", t, len,
	    now - 2 * CSRF_WINDOW_S));
	/* bound to the owner and the secret */
	assert_false(csrf_valid(SECRET, "bob", t, len, now));
	assert_false(csrf_valid(SECRET "x", "alice", t, len, now));
	assert_false(csrf_valid("", "alice", t, len, now));
	assert_false(csrf_valid(SECRET, "alice", t, len - 1, now));
	assert_false(csrf_valid(SECRET, "alice", NULL, 0, now));
	/* any changed character */
	for (i = 0; i < len; i++) {
		memcpy(bad, t, len + 1);
		bad[i] = bad[i] == '1' ? '2' : '1';
		if (csrf_valid(SECRET, "alice", bad, len, now))
			fail_msg("changed at %zu still valid", i);
	}
	assert_false(csrf_valid(SECRET, "alice", "", 0, now));
	assert_false(csrf_valid(SECRET, "alice", ".", 1, now));
	assert_false(csrf_valid(SECRET, "alice", "-1.00", 5, now));
}

/* ---- the pages, over a store ---- */

struct fx {
	struct api_fx		 x;	/* api_fixture.h */
	struct api_req		 req;	/* what call() sends; reset each test */
};

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if (api_fx_open(&f->x, "test_html") == -1) {
		free(f);
		return -1;
	}
	free(f->x.cfg.csrf_secret);
	if ((f->x.cfg.csrf_secret = strdup(SECRET)) == NULL) {
		api_fx_close(&f->x);
		free(f);
		return -1;
	}
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

/* A browser's request of user: Accept HTML, no API key. */
static void
browser(struct fx *f, const char *user)
{
	memset(&f->req, 0, sizeof(f->req));
	f->req.remote_user = user;
	f->req.accept = HTML;
}

static int
call(struct fx *f, const char *method, const char *path, const char *query,
    const char *ctype, const char *body, size_t len)
{
	f->req.method = method;
	f->req.path = path;
	f->req.query = query != NULL ? query : "";
	f->req.content_type = ctype;
	f->req.body = body;
	f->req.body_len = len;
	return api_fx_handle(&f->x, &f->req);
}

static int
get(struct fx *f, const char *path, const char *query)
{
	return call(f, "GET", path, query, NULL, NULL, 0);
}

static const char *
page(struct fx *f)
{
	assert_non_null(f->x.resp.body.data);
	return f->x.resp.body.data;
}

static int
has(struct fx *f, const char *s)
{
	return f->x.resp.body.data != NULL &&
	    strstr(f->x.resp.body.data, s) != NULL;
}

static int
has_header(struct fx *f, const char *s)
{
	return api_fx_has_header(&f->x, s);
}

/*
 * 1 if a tag of s has an event handler attribute (" onload=" and the
 * like).  Text is escaped, so every '<' opens a tag of ours.
 */
static int
has_handler(const char *s)
{
	const char	*p, *end, *q;

	for (p = s; (p = strchr(p, '<')) != NULL; p = end) {
		if ((end = strchr(p, '>')) == NULL)
			return 1;
		for (q = p; (q = strstr(q, " on")) != NULL && q < end; ) {
			q += 3;
			while (*q >= 'a' && *q <= 'z')
				q++;
			if (*q == '=')
				return 1;
		}
	}
	return 0;
}

static void
assert_html_page(struct fx *f)
{
	assert_string_equal(f->x.resp.content_type, API_HTML);
	assert_true(has_header(f, "Content-Security-Policy: default-src "
	    "'self'; "));
	assert_true(has_header(f, "frame-ancestors 'none'"));
	assert_true(has_header(f, "X-Content-Type-Options: nosniff\r\n"));
	assert_true(has_header(f, "Referrer-Policy: same-origin\r\n"));
	assert_true(has_header(f, "Cache-Control: no-store\r\n"));
	assert_true(strncmp(page(f), "<!DOCTYPE html>", 15) == 0);
	/* scripts only from the static file, no style attributes */
	assert_null(strstr(page(f), "<script>"));
	assert_null(strstr(page(f), "style="));
	assert_null(strstr(page(f), "<style"));
	assert_false(has_handler(page(f)));
}

/* The CSRF token of the form page now in resp (copied into out). */
static void
form_token(struct fx *f, char out[CSRF_TOKEN_MAX])
{
	const char	*p, *e;

	p = strstr(page(f), "name=\"" CSRF_FIELD "\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"" CSRF_FIELD "\" value=\"");
	assert_non_null(e = strchr(p, '"'));
	assert_true((size_t)(e - p) < CSRF_TOKEN_MAX);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

/* A multipart body of the form's fields (NULL token: none). */
static size_t
mp_body(char *b, size_t cap, const char *token, const char *lang,
    const char *src, const char *file, const char *filename)
{
	size_t	n = 0;

#define PART(name, value) \
	n += (size_t)snprintf(b + n, cap - n, "--XyZ\r\nContent-Disposition: " \
	    "form-data; name=\"%s\"\r\n\r\n%s\r\n", name, value)
	if (token != NULL)
		PART(CSRF_FIELD, token);
	PART("language_id", lang);
	PART("source_code", src);
	PART("stdin", "");
	PART("expected_output", "");
	PART("cpu_time_limit", "");
#undef PART
	n += (size_t)snprintf(b + n, cap - n, "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"source_file\"; filename=\"%s\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n%s\r\n--XyZ--\r\n",
	    filename != NULL ? filename : "", file != NULL ? file : "");
	assert_true(n < cap);
	return n;
}

static int64_t
queued(struct fx *f)
{
	struct err	err;
	int64_t		n;

	assert_true((n = store_queue_depth(f->x.st, NULL, &err)) >= 0);
	return n;
}

static void
test_form_page(void **state)
{
	struct fx	*f = *state;

	browser(f, "alice");
	assert_int_equal(get(f, "/", NULL), 200);
	assert_html_page(f);
	assert_true(has(f, "<form class=\"submit\" method=\"post\" "
	    "enctype=\"multipart/form-data\" action=\"/submissions\">"));
	assert_true(has(f, "name=\"" CSRF_FIELD "\""));
	assert_true(has(f, "<option value=\"71\">"));
	assert_true(has(f, "name=\"source_file\""));
	assert_true(has(f, "name=\"cpu_time_limit\""));
	assert_true(has(f, "<script src=\"/static/coderunner.js\" defer>"));
	assert_true(has(f, "Signed in as <strong>alice</strong>"));
	/* the same under /submissions/new, also for a JSON client */
	f->req.accept = NULL;
	assert_int_equal(get(f, "/submissions/new", NULL), 200);
	assert_html_page(f);

	/* under a prefix, from SCRIPT_NAME or else base_path */
	browser(f, "alice");
	f->req.script_name = "/judge";
	assert_int_equal(get(f, "/", NULL), 200);
	assert_true(has(f, "action=\"/judge/submissions\""));
	assert_true(has(f, "href=\"/judge/static/coderunner.css\""));
	assert_true(has(f, "href=\"/judge/submissions\">History</a>"));
	f->req.script_name = NULL;
	free(f->x.cfg.base_path);
	assert_non_null(f->x.cfg.base_path = strdup("/site/judge/"));
	assert_int_equal(get(f, "/", NULL), 200);
	assert_true(has(f, "action=\"/site/judge/submissions\""));
	/* a prefix that is no plain path is not used */
	f->req.script_name = "//evil.example";
	assert_int_equal(get(f, "/", NULL), 200);
	assert_true(has(f, "action=\"/submissions\""));
	assert_false(has(f, "evil"));
	f->req.script_name = "/a\"><script>";
	assert_int_equal(get(f, "/", NULL), 200);
	assert_false(has(f, "<script>"));
	/* the owner is escaped too */
	browser(f, "<b>mallory</b>");
	assert_int_equal(get(f, "/", NULL), 200);
	assert_true(has(f, "&lt;b&gt;mallory&lt;/b&gt;"));
	assert_false(has(f, "<b>mallory"));
}

static void
test_form_post(void **state)
{
	struct fx	*f = *state;
	char		 token[CSRF_TOKEN_MAX], body[4096], loc[128];
	char		 other[CSRF_TOKEN_MAX];
	const char	*p;
	size_t		 n;
	struct err	 err;

	browser(f, "alice");
	f->req.script_name = "/judge";
	assert_int_equal(get(f, "/", NULL), 200);
	form_token(f, token);

	/* no token, a wrong one, bob's: 403 and nothing stored */
	n = mp_body(body, sizeof(body), NULL, "71", "print(1)", NULL, NULL);
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	assert_html_page(f);
	assert_int_equal(queued(f), 0);
	n = mp_body(body, sizeof(body), "1.deadbeef", "71", "print(1)", NULL,
	    NULL);
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	assert_int_equal(csrf_token(SECRET, "bob", util_now_ms() / 1000, other,
	    &err), 0);
	n = mp_body(body, sizeof(body), other, "71", "print(1)", NULL, NULL);
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	/* the same as urlencoded */
	assert_int_equal(call(f, "POST", "/submissions", NULL,
	    "application/x-www-form-urlencoded",
	    "source_code=print(1)&language_id=71",
	    strlen("source_code=print(1)&language_id=71")), 403);
	assert_int_equal(queued(f), 0);

	/* a good token from another site: 403 */
	n = mp_body(body, sizeof(body), token, "71", "print(1)", NULL, NULL);
	f->req.sec_fetch_site = "cross-site";
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	f->req.sec_fetch_site = NULL;
	f->req.origin = "null";
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	f->req.host = "judge.example";
	f->req.origin = "https://evil.example";
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	/* text/plain is a form type too: a JSON body in it is refused */
	f->req.sec_fetch_site = "cross-site";
	f->req.origin = NULL;
	assert_int_equal(call(f, "POST", "/submissions", NULL, "text/plain",
	    JSON_X, strlen(JSON_X)), 403);
	assert_int_equal(queued(f), 0);

	/* the same host on another port or scheme: another origin */
	f->req.sec_fetch_site = NULL;
	f->req.self_origin = "https://judge.example:8443";
	f->req.origin = "https://judge.example:9999";
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	f->req.origin = "http://judge.example:8443";
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    403);
	assert_int_equal(queued(f), 0);

	/* same origin: 303 to the result page under the prefix */
	f->req.sec_fetch_site = "same-origin";
	f->req.origin = "https://JUDGE.example:8443";
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    303);
	assert_int_equal(queued(f), 1);
	assert_non_null(p = strstr(f->x.resp.headers.data, "Location: "));
	assert_int_equal(sscanf(p, "Location: %127s", loc), 1);
	assert_true(strncmp(loc, "/judge/submissions/", 19) == 0);
	assert_true(util_is_uuid(loc + 19));
	assert_string_equal(f->x.resp.content_type, API_HTML);

	/* a file upload: its contents are the code, its name the language */
	n = mp_body(body, sizeof(body), token, "",
	    "", "int main(void) { return 0; }\n", "prog.c");
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    303);
	assert_non_null(p = strstr(f->x.resp.headers.data, "Location: "));
	assert_int_equal(sscanf(p, "Location: /judge/submissions/%36s", loc),
	    1);
	{
		struct submission	*s = NULL;

		assert_int_equal(store_get(f->x.st, loc, NULL, &s, &err), 1);
		assert_int_equal(s->lang_id, C_ID);
		assert_string_equal(s->source,
		    "int main(void) { return 0; }\n");
		assert_string_equal(s->owner, "alice");
		submission_free(s);
	}
	/* both a file and code: 422 beside the file input */
	n = mp_body(body, sizeof(body), token, "50", "int x;",
	    "int main(void){}", "a.c");
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    422);
	assert_true(has(f, "id=\"e-source_file\""));
	assert_int_equal(queued(f), 2);

	/* an API key needs no token; nor does JSON */
	browser(f, "alice");
	f->req.accept = NULL;
	f->req.api_key = 1;
	assert_int_equal(call(f, "POST", "/submissions", NULL,
	    "application/x-www-form-urlencoded",
	    "source_code=print(1)&language_id=71",
	    strlen("source_code=print(1)&language_id=71")), 201);
	f->req.api_key = 0;
	assert_int_equal(call(f, "POST", "/submissions", NULL,
	    "application/json", JSON_X, strlen(JSON_X)), 201);
	f->req.sec_fetch_site = "cross-site";
	assert_int_equal(call(f, "POST", "/submissions", NULL,
	    "application/json", JSON_X, strlen(JSON_X)), 201);
	assert_string_equal(f->x.resp.content_type, API_JSON);
	assert_int_equal(queued(f), 5);
}

/*
 * The gate's origin check, case by case: what the request came from
 * (Sec-Fetch-Site, Origin, Referer) against where it was sent
 * (CODERUNNER_ORIGIN, else REQUEST_SCHEME or HTTPS, Host, SERVER_PORT).
 * A text/plain body that is no JSON: the origin check is all that
 * stands between it and the handler.
 */
static void
test_csrf_origin(void **state)
{
	static const struct {
		const char	*sfs, *origin, *referer;
		const char	*self, *scheme, *https, *host, *port;
		int		 refused;
	} cases[] = {
#define SELF	"http://127.0.0.1:8080"
		/* scheme, host and port all count */
		{ NULL, "http://127.0.0.1:8080", NULL, SELF, 0, 0, 0, 0, 0 },
		{ NULL, "http://127.0.0.1:9999", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "https://127.0.0.1:8080", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.2:8080", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1:8080.evil", NULL, SELF, 0, 0, 0, 0,
		  1 },
		{ NULL, "http://LOCALHOST:8080", NULL, "http://localhost:8080",
		  0, 0, 0, 0, 0 },
		{ NULL, "http://judge.example.evil", NULL,
		  "http://judge.example", 0, 0, 0, 0, 1 },
		{ NULL, "http://judge.example", NULL,
		  "http://judge.example.evil", 0, 0, 0, 0, 1 },
		/* default ports, written or not */
		{ NULL, "http://judge.example", NULL, "http://judge.example:80",
		  0, 0, 0, 0, 0 },
		{ NULL, "http://judge.example:80", NULL, "http://judge.example",
		  0, 0, 0, 0, 0 },
		{ NULL, "https://judge.example", NULL,
		  "https://judge.example:443", 0, 0, 0, 0, 0 },
		{ NULL, "https://judge.example:80", NULL,
		  "https://judge.example", 0, 0, 0, 0, 1 },
		{ NULL, "http://judge.example:443", NULL,
		  "https://judge.example", 0, 0, 0, 0, 1 },
		{ NULL, "http://[::1]:8080", NULL, "http://[::1]:8080", 0, 0, 0,
		  0, 0 },
		{ NULL, "http://[::1]:8080", NULL, "http://[::2]:8080", 0, 0, 0,
		  0, 1 },
		/* no origin of ours */
		{ NULL, "null", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "file://", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "ftp://127.0.0.1:8080", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1:8080/", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://u@127.0.0.1:8080", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1:", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1:0", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1:65536", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://127.0.0.1:8o80", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://:8080", NULL, SELF, 0, 0, 0, 0, 1 },
		{ NULL, "http://[::1", NULL, "http://[::1]", 0, 0, 0, 0, 1 },
		/* without Origin, the Referer; an empty one is none */
		{ NULL, NULL, "http://127.0.0.1:8080/judge/?a=b", SELF, 0, 0, 0,
		  0, 0 },
		{ NULL, NULL, "http://127.0.0.1:8080", SELF, 0, 0, 0, 0, 0 },
		{ NULL, NULL, "http://127.0.0.1:9999/", SELF, 0, 0, 0, 0, 1 },
		{ NULL, NULL, "https://127.0.0.1:8080/", SELF, 0, 0, 0, 0, 1 },
		{ NULL, NULL, "http://127.0.0.1:8080@evil/", SELF, 0, 0, 0, 0,
		  1 },
		{ NULL, NULL, "", SELF, 0, 0, 0, 0, 0 },
		{ NULL, "http://127.0.0.1:8080", "http://evil/", SELF, 0, 0, 0,
		  0, 0 },
		{ NULL, NULL, NULL, SELF, 0, 0, 0, 0, 0 },
		/* Sec-Fetch-Site: only same-origin and none */
		{ "cross-site", NULL, NULL, SELF, 0, 0, 0, 0, 1 },
		{ "same-site", "http://127.0.0.1:8080", NULL, SELF, 0, 0, 0, 0,
		  1 },
		{ "Same-Origin", "http://127.0.0.1:8080", NULL, SELF, 0, 0, 0, 0,
		  0 },
		{ "same-origin", "http://127.0.0.1:9999", NULL, SELF, 0, 0, 0, 0,
		  1 },
		{ "none", NULL, NULL, SELF, 0, 0, 0, 0, 0 },
		{ "nonsense", NULL, NULL, SELF, 0, 0, 0, 0, 1 },
		/* no CODERUNNER_ORIGIN (or a broken one): the CGI params */
		{ NULL, "http://127.0.0.1:8080", NULL, NULL, "http", NULL,
		  "127.0.0.1", "8080", 0 },
		{ NULL, "http://127.0.0.1:9999", NULL, NULL, "http", NULL,
		  "127.0.0.1", "8080", 1 },
		{ NULL, "http://127.0.0.1:8080", NULL, "http://", "http", NULL,
		  "127.0.0.1", "8080", 0 },
		{ NULL, "https://judge.example", NULL, NULL, NULL, "on",
		  "judge.example", "443", 0 },
		{ NULL, "http://judge.example", NULL, NULL, NULL, "on",
		  "judge.example", "443", 1 },
		{ NULL, "http://judge.example", NULL, NULL, NULL, "off",
		  "judge.example", "80", 0 },
		{ NULL, "https://judge.example:8443", NULL, NULL, "https", NULL,
		  "judge.example:8443", "80", 0 },
		{ NULL, "http://judge.example", NULL, NULL, NULL, NULL,
		  "judge.example", NULL, 0 },
		{ NULL, "http://judge.example", NULL, NULL, NULL, NULL, NULL,
		  "80", 1 },
		{ NULL, "http://judge.example", NULL, NULL, NULL, NULL,
		  "judge.example/x", "80", 1 },
#undef SELF
	};
	struct fx	*f = *state;
	struct api_call	 c;
	size_t		 i;
	int		 rc;

	/* a text/plain body is no form: the gate reads no token */
	memset(&c, 0, sizeof(c));

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f->req, 0, sizeof(f->req));
		f->req.method = "POST";
		f->req.path = "/submissions";
		f->req.query = "";
		f->req.remote_user = "alice";
		f->req.content_type = "text/plain";
		f->req.body = "x";
		f->req.body_len = 1;
		f->req.sec_fetch_site = cases[i].sfs;
		f->req.origin = cases[i].origin;
		f->req.referer = cases[i].referer;
		f->req.self_origin = cases[i].self;
		f->req.scheme = cases[i].scheme;
		f->req.https = cases[i].https;
		f->req.host = cases[i].host;
		f->req.server_port = cases[i].port;
		api_resp_reset(&f->x.resp);
		c.req = &f->req;
		c.owner = "alice";
		rc = csrf_gate(&f->x.api, &c, &f->x.resp);
		if (rc != -cases[i].refused)
			fail_msg("case %zu: origin %s referer %s sfs %s self %s:"
			    " %s", i, cases[i].origin, cases[i].referer,
			    cases[i].sfs, cases[i].self,
			    rc == 0 ? "passed" : "refused");
		if (cases[i].refused)
			assert_int_equal(f->x.resp.status, 403);
	}
}

static void
test_form_invalid(void **state)
{
	struct fx	*f = *state;
	char		 token[CSRF_TOKEN_MAX], body[4096];
	size_t		 n;

	browser(f, "alice");
	assert_int_equal(get(f, "/", NULL), 200);
	form_token(f, token);

	/* no language: the form again, the code kept (escaped) */
	n = mp_body(body, sizeof(body), token, "",
	    "print(\"</textarea><script>alert(1)</script>\")", NULL, NULL);
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    422);
	assert_html_page(f);
	assert_true(has(f, "class=\"error-summary\""));
	assert_true(has(f, "id=\"e-language_id\""));
	assert_true(has(f, "aria-invalid=\"true\""));
	assert_true(has(f, "print(&quot;&lt;/textarea&gt;&lt;script&gt;"
	    "alert(1)&lt;/script&gt;&quot;)</textarea>"));
	assert_false(has(f, "<script>alert"));
	/* a limit over its maximum: the error beside it, the group open */
	n = (size_t)snprintf(body, sizeof(body), "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"" CSRF_FIELD "\"\r\n\r\n"
	    "%s\r\n--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"language_id\"\r\n\r\n71\r\n--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"source_code\"\r\n\r\nprint(1)\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"cpu_time_limit\"\r\n\r\n"
	    "99\r\n--XyZ--\r\n", token);
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, body, n),
	    422);
	assert_true(has(f, "id=\"e-cpu_time_limit\""));
	assert_true(has(f, "must be less than or equal to 15"));
	assert_true(has(f, "<details class=\"advanced\" open>"));
	assert_true(has(f, "value=\"99\""));
	assert_true(has(f, "<option value=\"71\" selected>"));
	/* a malformed body: its token cannot be read, so it is refused */
	assert_int_equal(call(f, "POST", "/submissions", NULL, MP, "--XyZ",
	    5), 403);
	assert_html_page(f);
	assert_int_equal(queued(f), 0);
}

/* Plays the executor: claim the oldest job, store this verdict. */
static void
finish(struct fx *f, int status, const char *out, double time_s)
{
	api_fx_finish(&f->x, status, out, time_s, time_s + 0.01);
}

/* Creates a submission by JSON for user; copies the token. */
static void
create(struct fx *f, const char *user, int lang, char token[37])
{
	json_object	*o;
	char		 body[128];
	int		 n;

	memset(&f->req, 0, sizeof(f->req));
	f->req.remote_user = user;
	n = snprintf(body, sizeof(body), "{\"source_code\":\"x\","
	    "\"language_id\":%d}", lang);
	assert_int_equal(call(f, "POST", "/submissions", NULL,
	    "application/json", body, (size_t)n), 201);
	assert_non_null(o = json_tokener_parse(page(f)));
	snprintf(token, 37, "%s", json_object_get_string(
	    json_object_object_get(o, "token")));
	json_object_put(o);
}

static void
test_result_page(void **state)
{
	struct fx	*f = *state;
	char		 token[37], path[64];

	create(f, "alice", PY, token);
	snprintf(path, sizeof(path), "/submissions/%s", token);
	/* pending: refreshes itself without JavaScript, says where it is */
	browser(f, "alice");
	assert_int_equal(get(f, path, NULL), 200);
	assert_html_page(f);
	assert_true(has(f, "<noscript><meta http-equiv=\"refresh\" "
	    "content=\"1\"></noscript>"));
	assert_true(has(f, "data-final=\"0\""));
	assert_true(has(f, "badge-qu\" id=\"cr-status\">In Queue<"));
	assert_true(has(f, "Next in the queue."));
	/* JSON stays the default */
	f->req.accept = "*/*";
	assert_int_equal(get(f, path, NULL), 200);
	assert_string_equal(f->x.resp.content_type, API_JSON);

	/* finished with hostile output: text, not markup */
	finish(f, JS_WA, "<script>alert(1)</script>\n"
	    "<img src=x onerror=alert(1)>\n", 0.25);
	browser(f, "alice");
	assert_int_equal(get(f, path, NULL), 200);
	assert_html_page(f);
	assert_false(has(f, "http-equiv=\"refresh\""));
	assert_true(has(f, "data-final=\"1\""));
	assert_true(has(f, "badge-wa\" id=\"cr-status\">Wrong Answer<"));
	assert_true(has(f, "&lt;script&gt;alert(1)&lt;/script&gt;\n"
	    "&lt;img src=x onerror=alert(1)&gt;"));
	assert_false(has(f, "<img"));
	assert_true(has(f, "0.250&nbsp;s"));
	assert_true(has(f, "1234&nbsp;KB"));
	assert_true(has(f, "data-poll=\"/submissions/"));

	/* another user's: 404 page; an admin's view: found */
	browser(f, "bob");
	assert_int_equal(get(f, path, NULL), 404);
	assert_html_page(f);
	browser(f, "root");
	assert_int_equal(get(f, path, NULL), 200);
	assert_true(has(f, "<dt>Owner</dt>"));
	/* an unknown path and a bad token: pages too */
	browser(f, "alice");
	assert_int_equal(get(f, "/submissions/not-a-token", NULL), 404);
	assert_html_page(f);
	assert_int_equal(get(f, "/nowhere", NULL), 404);
	assert_html_page(f);
	assert_int_equal(call(f, "DELETE", "/statistics", NULL, NULL, NULL,
	    0), 405);
	assert_true(has_header(f, "Allow: GET, HEAD\r\n"));
	assert_html_page(f);
}

/* The JSON answer of GET /submissions?query for user (caller puts). */
static json_object *
history(struct fx *f, const char *user, const char *query, int status)
{
	json_object	*o;

	memset(&f->req, 0, sizeof(f->req));
	f->req.remote_user = user;
	assert_int_equal(get(f, "/submissions", query), status);
	assert_string_equal(f->x.resp.content_type, API_JSON);
	assert_non_null(o = json_tokener_parse(page(f)));
	return o;
}

static int64_t
meta(json_object *o, const char *key)
{
	json_object	*m, *v;

	assert_true(json_object_object_get_ex(o, "meta", &m));
	assert_true(json_object_object_get_ex(m, key, &v));
	return v == NULL ? -1 : json_object_get_int64(v);
}

static size_t
nsubs(json_object *o)
{
	json_object	*a;

	assert_true(json_object_object_get_ex(o, "submissions", &a));
	return json_object_array_length(a);
}

static void
test_history(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *first;
	char		 tokens[7][37];
	size_t		 i;

	/* alice: 5 python (2 finished Accepted), 1 C; bob: 1 python */
	for (i = 0; i < 5; i++)
		create(f, "alice", PY, tokens[i]);
	finish(f, JS_AC, "1\n", 0.02);
	finish(f, JS_AC, "1\n", 0.3);
	create(f, "alice", C_ID, tokens[5]);
	create(f, "bob", PY, tokens[6]);

	o = history(f, "alice", NULL, 200);
	assert_int_equal(nsubs(o), 6);
	assert_int_equal(meta(o, "total_count"), 6);
	assert_int_equal(meta(o, "total_pages"), 1);
	assert_int_equal(meta(o, "current_page"), 1);
	assert_int_equal(meta(o, "next_page"), -1);
	assert_int_equal(meta(o, "prev_page"), -1);
	/* newest first */
	first = json_object_array_get_idx(json_object_object_get(o,
	    "submissions"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    first, "token")), tokens[5]);
	json_object_put(o);

	o = history(f, "alice", "page=2&per_page=4", 200);
	assert_int_equal(nsubs(o), 2);
	assert_int_equal(meta(o, "total_pages"), 2);
	assert_int_equal(meta(o, "prev_page"), 1);
	assert_int_equal(meta(o, "next_page"), -1);
	json_object_put(o);
	o = history(f, "alice", "page=3&per_page=4", 200);
	assert_int_equal(nsubs(o), 0);
	json_object_put(o);
	o = history(f, "alice", "language_id=50", 200);
	assert_int_equal(nsubs(o), 1);
	json_object_put(o);
	o = history(f, "alice", "language=python3&status_id=3", 200);
	assert_int_equal(nsubs(o), 2);
	json_object_put(o);
	o = history(f, "alice", "status_id=1&language_id=", 200);
	assert_int_equal(nsubs(o), 4);
	json_object_put(o);
	o = history(f, "alice", "since=2000-01-01&until=9999-12-31", 200);
	assert_int_equal(nsubs(o), 6);
	json_object_put(o);
	o = history(f, "alice", "until=2000-01-01", 200);
	assert_int_equal(nsubs(o), 0);
	json_object_put(o);
	o = history(f, "bob", NULL, 200);
	assert_int_equal(nsubs(o), 1);
	json_object_put(o);
	o = history(f, "root", "per_page=100", 200);
	assert_int_equal(nsubs(o), 7);
	json_object_put(o);
	/* bad queries: 400, never 500 */
	for (i = 0; i < 10; i++) {
		o = history(f, "alice", (const char *[]){ "page=0",
		    "page=x", "per_page=101", "per_page=-1", "status_id=17",
		    "language_id=abc", "since=2024-02-30", "until=yesterday",
		    "page=%zz", "language=cobol" }[i], 400);
		json_object_put(o);
	}

	/* the page: filters, rows linking to results, the pager */
	browser(f, "alice");
	f->req.script_name = "/judge";
	assert_int_equal(get(f, "/submissions", "per_page=2&language_id=71"),
	    200);
	assert_html_page(f);
	assert_true(has(f, "5 submissions, page 1 of 3."));
	assert_true(has(f, "<option value=\"71\" selected>"));
	assert_true(has(f, "href=\"/judge/submissions/"));
	assert_true(has(f, "rel=\"next\" href=\"/judge/submissions?page=2&amp;"
	    "per_page=2&amp;language_id=71\""));
	assert_false(has(f, "rel=\"prev\""));
	assert_int_equal(get(f, "/submissions", "page=x"), 400);
	assert_html_page(f);
}

static void
test_statistics(void **state)
{
	struct fx	*f = *state;
	json_object	*o, *v;
	char		 token[37];

	create(f, "alice", PY, token);
	create(f, "alice", PY, token);
	create(f, "alice", C_ID, token);
	finish(f, JS_AC, NULL, 0.005);
	finish(f, JS_TLE, NULL, 2.5);

	memset(&f->req, 0, sizeof(f->req));
	f->req.remote_user = "alice";
	assert_int_equal(get(f, "/statistics", NULL), 200);
	assert_string_equal(f->x.resp.content_type, API_JSON);
	assert_non_null(o = json_tokener_parse(page(f)));
	assert_int_equal(json_object_get_int64(json_object_object_get(o,
	    "total")), 3);
	assert_true(json_object_object_get_ex(o, "time_histogram", &v));
	assert_int_equal(json_object_array_length(v), 9);
	assert_int_equal(json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(v, 0), "count")), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(v, 7), "count")), 1);
	assert_true(json_object_object_get_ex(o, "languages", &v));
	assert_int_equal(json_object_array_length(v), 2);
	json_object_put(o);

	browser(f, "alice");
	assert_int_equal(get(f, "/statistics", NULL), 200);
	assert_html_page(f);
	assert_true(has(f, "<svg class=\"chart\" id=\"chart-verdicts\""));
	assert_true(has(f, "<svg class=\"chart\" id=\"chart-times\""));
	assert_true(has(f, "class=\"v-tle\""));
	assert_true(has(f, "2 finished runs"));
	browser(f, "bob");
	assert_int_equal(get(f, "/statistics", NULL), 200);
	assert_true(has(f, "No submissions yet."));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test_setup_teardown(test_form_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_form_post, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_csrf_origin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_form_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_result_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_statistics, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
