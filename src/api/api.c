/*
 * Request in, response out: the routing table and the small handlers.
 * POST /submissions lives in submit.c, the JSON answers in render.c.
 *
 *	GET  /, /submissions/new	200 the submission form (HTML)
 *	POST /submissions[?wait=true]	201 {token} | 201 result (wait) |
 *					202 {token} (wait timed out) |
 *					400 403 413 415 422 429 503; a
 *					browser gets 303 to the result page
 *					or the form again (html.c)
 *	GET  /submissions		200 history, JSON or HTML (html.c)
 *	GET  /submissions/{token}	200 | 404 (unknown, invalid or
 *					another owner's); HTML if Accept
 *					prefers it
 *	GET  /statistics		200 counts, JSON or HTML (html.c)
 *	GET  /languages			200 [{id, name}], available ones
 *	GET  /languages/{id}		200 | 404
 *	GET  /statuses			200 [{id, description}]
 *	GET  /config_info		200 (Judge0's shape: limits)
 *	GET  /health			200 {status, queue_depth, executors}
 *					| 503 (no database, no executor)
 *	GET  /about, /version		200
 *
 * The other families, each listed at the head of its file: batches
 * (batch.c); DELETE, /languages/all, /system_info, /workers, /metrics
 * (ops.c); Piston v2 (piston.c); the small runners' routes (compat.c).
 * All of them submit through api_submit (submit.c), the one validator,
 * and show submissions through view_submission (view.c: fields=,
 * base64_encoded=).  contrib/openapi.yaml describes every route here.
 *
 * A known path with another method is a 405 with Allow; anything else a
 * 404.  Every error is JSON {"error": ..., "field": ...}, or a page when
 * Accept prefers HTML (html_wanted: browsers' navigations).  Our own
 * failures are a 500 {"error":"internal error"} with the detail in
 * resp->err, which the caller logs.
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/store.h"
#include "api.h"
#include "api_int.h"
#include "html_int.h"
#include "judge/metrics.h"

#define ARG_MAX	64	/* longest {token} or {id} we look at */

struct route {
	const char	*method;
	const char	*pattern;	/* '*' matches one path segment */
	void		(*handler)(struct api *, const struct api_req *,
			    const char *, struct api_resp *);
};

static void	h_submission(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_languages(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_language(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_statuses(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_config_info(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_health(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_about(struct api *, const struct api_req *,
		    const char *, struct api_resp *);
static void	h_version(struct api *, const struct api_req *,
		    const char *, struct api_resp *);

static const struct route routes[] = {
	{ "GET",	"/",			api_get_form },
	{ "POST",	"/submissions",		api_post_submission },
	{ "GET",	"/submissions",		api_get_history },
	{ "POST",	"/submissions/batch",	api_post_batch },
	{ "GET",	"/submissions/batch",	api_get_batch },
	{ "POST",	"/submissions/new",	api_post_submissions_new },
	{ "GET",	"/submissions/*",	h_submission },
	{ "DELETE",	"/submissions/*",	api_delete_submission },
	{ "GET",	"/statistics",		api_get_statistics },
	{ "GET",	"/languages",		h_languages },
	{ "GET",	"/languages/all",	api_languages_all },
	{ "GET",	"/languages/*",		h_language },
	{ "GET",	"/statuses",		h_statuses },
	{ "GET",	"/config_info",		h_config_info },
	{ "GET",	"/health",		h_health },
	{ "GET",	"/about",		h_about },
	{ "GET",	"/version",		h_version },
	{ "GET",	"/system_info",		api_system_info },
	{ "GET",	"/workers",		api_workers },
	{ "GET",	"/metrics",		api_metrics },
	/* Piston v2 (piston.c) */
	{ "GET",	"/api/v2/runtimes",	api_piston_runtimes },
	{ "POST",	"/api/v2/execute",	api_piston_execute },
	/* the small runners' routes (compat.c) */
	{ "POST",	"/code",		api_post_code },
	{ "POST",	"/api/execute",		api_post_api_execute },
	{ "GET",	"/api/languages",	api_get_api_languages },
	{ "GET",	"/api/health",		api_get_api_health },
	{ "POST",	"/run",			api_post_run },
	{ "GET",	"/status/*",		api_get_status },
	{ "POST",	"/execute",		api_post_execute },
};

void
api_resp_init(struct api_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->headers);
	buf_init(&resp->body);
}

void
api_resp_reset(struct api_resp *resp)
{
	buf_reset(&resp->headers);
	buf_reset(&resp->body);
	api_resp_init(resp);
}

const char *
api_owner(const struct api_req *req)
{
	if (req->remote_user == NULL || req->remote_user[0] == '\0')
		return "anonymous";
	return req->remote_user;
}

/*
 * Matches len bytes of path against pat.  A '*' takes one non-empty
 * segment, copied to arg (or "" if it does not fit: no handler accepts
 * that, so it ends as a 404).  Returns 1 on a match.
 */
static int
match(const char *pat, const char *path, size_t len, char arg[ARG_MAX])
{
	size_t	i = 0, n;

	for (; *pat != '\0'; pat++) {
		if (*pat == '*') {
			for (n = 0; i + n < len && path[i + n] != '/'; n++)
				;
			if (n == 0)
				return 0;
			if (n < ARG_MAX) {
				memcpy(arg, path + i, n);
				arg[n] = '\0';
			} else
				arg[0] = '\0';
			i += n;
		} else if (i >= len || path[i++] != *pat)
			return 0;
	}
	return i == len;
}

void
api_handle(struct api *a, const struct api_req *req, struct api_resp *resp)
{
	const struct route	*r = NULL;
	const char		*method, *path;
	char			 arg[ARG_MAX] = "", allow[64] = "";
	char			 hdr[80];
	size_t			 i, len, alen = 0;

	method = req->method != NULL ? req->method : "";
	path = req->path != NULL && req->path[0] != '\0' ? req->path : "/";
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	len = strlen(path);
	if (len > 1 && path[len - 1] == '/')
		len--;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, path, len, arg))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			r = &routes[i];
			break;
		}
		/* The table has one route per method and path. */
		alen += snprintf(allow + alen, sizeof(allow) - alen, "%s%s",
		    alen > 0 ? ", " : "", strcmp(routes[i].method, "GET") ==
		    0 ? "GET, HEAD" : routes[i].method);
		if (alen >= sizeof(allow))
			alen = sizeof(allow) - 1;
	}
	if (r != NULL) {
		/* CSRF: a post from another site, a form without its token */
		if (strcmp(method, "GET") == 0 ||
		    html_csrf_gate(a, req, resp) == 0)
			r->handler(a, req, arg, resp);
	} else if (alen > 0) {
		reply_error(resp, 405, "method not allowed", NULL);
		snprintf(hdr, sizeof(hdr), "Allow: %s", allow);
		reply_header(resp, hdr);
	} else
		reply_error(resp, 404, "not found", NULL);
	if (resp->status == 0) {
		err_set(&resp->err, "api: handler gave no answer");
		reply_internal(resp, NULL);
	}
	/* A browser gets its errors as a page. */
	if (resp->status >= 400 && html_wanted(req->accept))
		html_error_from_json(a, req, resp);
}

/*
 * fields=: "*", or names separated by commas (blanks around them and
 * empty names are skipped).  An unknown name is a 400.
 */
static int
parse_fields(const char *s, struct api_query *q, struct api_resp *resp)
{
	char	msg[128];
	size_t	n;
	int	i;

	if (strcmp(s, "*") == 0) {
		q->fields_all = 1;
		return 0;
	}
	for (;;) {
		s += strspn(s, " ,");
		if (*s == '\0')
			break;
		n = strcspn(s, " ,");
		if ((i = view_field_index(s, n)) < 0) {
			snprintf(msg, sizeof(msg), "invalid field: %.*s",
			    (int)(n > 64 ? 64 : n), s);
			reply_error(resp, 400, msg, "fields");
			return -1;
		}
		q->fields |= (uint64_t)1 << i;
		s += n;
	}
	return 0;
}

int
api_query_form(const struct api_req *req, struct form *f,
    struct api_resp *resp)
{
	struct err	err;
	char		msg[320];

	switch (form_parse(req->query, req->query != NULL ?
	    strlen(req->query) : 0, f, &err)) {
	case -1:
		reply_internal(resp, &err);
		return -1;
	case 0:
		snprintf(msg, sizeof(msg), "malformed query string: %.250s",
		    err.msg);
		reply_error(resp, 400, msg, NULL);
		return -1;
	}
	return 0;
}

int
api_get_owned(struct api *a, const struct api_req *req, const char *token,
    struct submission **s, struct api_resp *resp)
{
	const char	*owner = api_owner(req);
	struct err	 err;
	int		 rc;

	*s = NULL;
	if (!util_is_uuid(token))
		return 0;
	/* Admins see every owner's submissions. */
	if ((rc = store_get(a->store, token, config_is_admin(a->cfg, owner) ?
	    NULL : owner, s, &err)) == -1) {
		reply_internal(resp, &err);
		return -1;
	}
	if (rc == 1) {
		memcpy(resp->token, (*s)->token, sizeof(resp->token));
		resp->token[sizeof(resp->token) - 1] = '\0';
	}
	return rc;
}

int
api_parse_query(const struct api_req *req, struct api_query *q,
    struct api_resp *resp)
{
	const struct form_field	*v;
	struct form		 f = { 0 };
	int			 rc = -1, b;

	memset(q, 0, sizeof(*q));
	if (api_query_form(req, &f, resp) == -1)
		goto out;
	/* Judge0 waits only for a clear yes. */
	if ((v = form_get(&f, "wait")) != NULL &&
	    api_parse_bool(v->value, &b) == 0)
		q->wait = b;
	if ((v = form_get(&f, "base64_encoded")) != NULL &&
	    api_parse_bool(v->value, &b) == 0)
		q->base64 = b;
	if ((v = form_get(&f, "fields")) != NULL &&
	    parse_fields(v->value, q, resp) == -1)
		goto out;
	rc = 0;
out:
	form_reset(&f);
	return rc;
}

static void
h_submission(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	json_object		*o = NULL;

	/* The form is a page; the verdict is a page or JSON (Accept). */
	if (strcmp(arg, "new") == 0) {
		api_get_form(a, req, arg, resp);
		return;
	}
	if (html_wanted(req->accept)) {
		html_get_submission(a, req, arg, resp);
		return;
	}
	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(req, &q, resp) == -1)
		goto out;
	switch (api_get_owned(a, req, arg, &s, resp)) {
	case -1:
		goto out;
	case 0:
		reply_error(resp, 404, "submission not found", NULL);
		goto out;
	}
	if ((o = view_submission(a, s, &q, resp)) != NULL)
		reply_json(resp, 200, o);
out:
	json_object_put(o);
	submission_free(s);
}

static void
h_languages(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*arr = NULL, *o;
	size_t			 i;

	(void)req;
	(void)arg;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!l->available)
			continue;
		if (jpush(arr, o = json_object_new_object()) == -1 ||
		    jadd(o, "id", json_object_new_int(l->id)) == -1 ||
		    jadd(o, "name", json_object_new_string(l->display)) == -1) {
			json_object_put(arr);
			arr = NULL;
			goto out;
		}
	}
out:
	reply_json(resp, 200, arr);
	json_object_put(arr);
}

/* argv as one line ("gcc -O2 main.c"), or null for none. */
static int
add_argv(json_object *o, const char *key, char **argv)
{
	struct buf	b = { 0 };
	size_t		i;
	int		rc = -1;

	if (argv == NULL) {
		rc = jadd_null(o, key);
		goto out;
	}
	for (i = 0; argv[i] != NULL; i++)
		if (buf_printf(&b, NULL, "%s%s", i > 0 ? " " : "",
		    argv[i]) == -1)
			goto out;
	rc = jadd(o, key, json_object_new_string(b.data ? b.data : ""));
out:
	buf_reset(&b);
	return rc;
}

/* Judge0's language detail plus our names, or NULL (out of memory). */
static json_object *
language_detail(const struct lang *l)
{
	json_object	*o = NULL, *al = NULL, *ret = NULL;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "id", json_object_new_int(l->id)) == -1 ||
	    jadd(o, "name", json_object_new_string(l->display)) == -1 ||
	    jadd(o, "is_archived", json_object_new_boolean(0)) == -1 ||
	    jadd(o, "source_file", json_object_new_string(l->source_file)) ==
	    -1 ||
	    add_argv(o, "compile_cmd", l->compile_argv) == -1 ||
	    add_argv(o, "run_cmd", l->run_argv) == -1 ||
	    jadd(o, "short_name", json_object_new_string(l->name)) == -1 ||
	    (l->version != NULL ?
	    jadd(o, "version", json_object_new_string(l->version)) :
	    jadd_null(o, "version")) == -1 ||
	    jadd(o, "aliases", al = json_object_new_array()) == -1)
		goto out;
	for (i = 0; l->aliases != NULL && l->aliases[i] != NULL; i++)
		if (jpush(al, json_object_new_string(l->aliases[i])) == -1)
			goto out;
	ret = o;
	o = NULL;
out:
	json_object_put(o);
	return ret;
}

static void
h_language(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*o = NULL;
	int64_t			 id;

	(void)req;
	if (util_parse_i64(arg, 0, INT32_MAX, &id) == -1 ||
	    (l = lang_by_id(a->langs, (int)id)) == NULL) {
		reply_error(resp, 404, "language not found", NULL);
		return;
	}
	reply_json(resp, 200, o = language_detail(l));
	json_object_put(o);
}

static void
h_statuses(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	json_object	*arr = NULL, *o;
	int		 id;

	(void)a;
	(void)req;
	(void)arg;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (id = 1; id <= JS_MAX; id++)
		if (jpush(arr, o = json_object_new_object()) == -1 ||
		    jadd(o, "id", json_object_new_int(id)) == -1 ||
		    jadd(o, "description",
		    json_object_new_string(judge_status_description(id))) ==
		    -1) {
			json_object_put(arr);
			arr = NULL;
			goto out;
		}
out:
	reply_json(resp, 200, arr);
	json_object_put(arr);
}

/*
 * Judge0's /config_info, with what we do: defaults and maxima of every
 * limit, and false for what is not built yet.  NULL if out of memory.
 */
static json_object *
config_info(const struct config *cfg)
{
	const struct {
		const char	*name;
		int		 on;
	} flags[] = {
		{ "enable_compiler_options", 1 },
		{ "enable_command_line_arguments", 1 },
		{ "enable_submission_delete", cfg->allow_delete },
		{ "enable_callbacks", cfg->callback_allow_hosts != NULL &&
		    cfg->callback_allow_hosts[0] != NULL },
		{ "enable_batched_submissions", 1 },
		{ "enable_files", 1 },
		{ "enable_idempotency_key", 1 },
		/* Judge0's zip of extra files: we take "files" instead */
		{ "enable_additional_files", 0 },
		/* the defaults of those fields */
		{ "redirect_stderr_to_stdout", 0 },
		{ "enable_network", 0 },
		{ "allow_enable_network", cfg->allow_network },
		{ "enable_per_process_and_thread_time_limit", 0 },
		{ "enable_per_process_and_thread_memory_limit", 0 },
		{ "allow_enable_per_process_and_thread_time_limit", 0 },
		{ "allow_enable_per_process_and_thread_memory_limit", 0 },
	};
	const struct api_limit	*lim;
	const char		*p;
	json_object		*o = NULL, *v, *ret = NULL;
	char			 key[64];
	size_t			 i, n;
	int			 j;

	lim = api_limit_table(&n);
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "enable_wait_result", json_object_new_boolean(1)) == -1 ||
	    jadd(o, "max_queue_size", json_object_new_int(cfg->queue_max)) ==
	    -1 ||
	    jadd(o, "number_of_runs", json_object_new_int(1)) == -1 ||
	    jadd(o, "max_number_of_runs", json_object_new_int(API_MAX_RUNS)) ==
	    -1 ||
	    jadd(o, "max_submission_batch_size",
	    json_object_new_int(cfg->max_batch)) == -1 ||
	    jadd(o, "callbacks_max_tries", json_object_new_int(3)) == -1 ||
	    jadd(o, "callbacks_timeout", json_object_new_double(5)) == -1 ||
	    jadd(o, "max_tests", json_object_new_int(cfg->max_tests)) == -1 ||
	    jadd(o, "max_source_bytes",
	    json_object_new_int64(cfg->max_source_bytes)) == -1 ||
	    jadd(o, "wait_timeout_ms",
	    json_object_new_int(cfg->wait_timeout_ms)) == -1)
		goto out;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (jadd(o, flags[i].name,
		    json_object_new_boolean(flags[i].on)) == -1)
			goto out;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			p = (const char *)(j ? &cfg->max : &cfg->def) +
			    lim[i].off;
			if (lim[i].is_int)
				v = json_object_new_int64(
				    *(const int64_t *)(const void *)p);
			else
				v = json_object_new_double(
				    *(const double *)(const void *)p);
			snprintf(key, sizeof(key), "%s%s", j ? "max_" : "",
			    lim[i].name);
			if (jadd(o, key, v) == -1)
				goto out;
		}
	}
	ret = o;
	o = NULL;
out:
	json_object_put(o);
	return ret;
}

static void
h_config_info(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	json_object	*o = NULL;

	(void)req;
	(void)arg;
	reply_json(resp, 200, o = config_info(a->cfg));
	json_object_put(o);
}

static void
h_health(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	json_object	*o = NULL, *ex = NULL;
	int64_t		 depth;
	int		 n, ready, busy;

	(void)req;
	(void)arg;
	if ((depth = store_queue_depth(a->store, NULL, &resp->err)) < 0) {
		if ((o = json_object_new_object()) != NULL &&
		    (jadd(o, "status", json_object_new_string("error")) ==
		    -1 || jadd(o, "error",
		    json_object_new_string("store unavailable")) == -1)) {
			json_object_put(o);
			o = NULL;
		}
		reply_json(resp, 503, o);
		goto out;
	}
	/* without the shared counters (tests) the executors are unknown */
	n = api_executors(a, &ready, &busy);
	if ((o = json_object_new_object()) != NULL &&
	    (jadd(o, "status", json_object_new_string(n > 0 && ready == 0 ?
	    "error" : "ok")) == -1 ||
	    jadd(o, "queue_depth", json_object_new_int64(depth)) == -1 ||
	    (n > 0 && ready == 0 && jadd(o, "error",
	    json_object_new_string("no executor is running")) == -1) ||
	    (n > 0 && (jadd(o, "executors", ex = json_object_new_object()) ==
	    -1 || jadd(ex, "total", json_object_new_int(n)) == -1 ||
	    jadd(ex, "ready", json_object_new_int(ready)) == -1 ||
	    jadd(ex, "busy", json_object_new_int(busy)) == -1)))) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, n > 0 && ready == 0 ? 503 : 200, o);
	if (n > 0 && ready == 0)
		reply_header(resp, "Retry-After: 5");
out:
	json_object_put(o);
}

static void
h_about(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	json_object	*o = NULL;

	(void)a;
	(void)req;
	(void)arg;
	if ((o = json_object_new_object()) != NULL &&
	    (jadd(o, "name", json_object_new_string("coderunner")) == -1 ||
	    jadd(o, "version", json_object_new_string(API_VERSION)) == -1)) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, 200, o);
	json_object_put(o);
}

/* Judge0 answers the bare version as text. */
static void
h_version(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	(void)a;
	(void)req;
	(void)arg;
	buf_reset(&resp->body);
	if (buf_puts(&resp->body, API_VERSION, &resp->err) == -1) {
		reply_internal(resp, NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = API_TEXT;
}
