/*
 * Request in, response out: the routing table, and api_handle, which
 * does once what every route needs and nothing else.  For each request
 * it
 *
 *  1. finds the route (a known path with another method is a 405 with
 *     Allow, anything else a 404);
 *  2. decides the representation once: a page for a browser whose
 *     Accept prefers HTML, else JSON (negotiate.c);
 *  3. for a route that takes a body: answers 413 when it is over
 *     max_body_bytes, else reads it once (body.c);
 *  4. puts the CSRF gate (csrf.c) in front of every handler but GET's;
 *  5. calls the route's handler, or its page where a browser gets
 *     another one;
 *  6. renders an error, which handlers leave as data (reply.h), once:
 *     as the route family's JSON or as an error page.
 *
 * Each route's handler lives in the file named in handlers.h; what each
 * answers is listed at the head of its file.  Every family submits
 * through api_submit (submit.c; the one validator is validate.c) and
 * shows submissions through the field table (fields.c).
 * contrib/openapi.yaml describes every route here (a test checks it).
 *
 * Errors are JSON {"error": ..., "field": ...} (Piston's routes:
 * {"message": ...}), or a page.  Our own failures are a 500
 * {"error":"internal error"} with the detail in resp->err, which the
 * caller logs.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "api.h"
#include "body.h"
#include "csrf.h"
#include "handlers.h"
#include "negotiate.h"
#include "page.h"
#include "reply.h"
#include "request.h"

#define ARG_MAX	64	/* longest {token} or {id} we look at */

/* What a route reads: no body, or one read once before the gate. */
#define R_BODY	1	/* JSON, a form or multipart, by its type */
#define R_JSON	2	/* JSON whatever its type says */

struct route {
	const char	*method;
	const char	*pattern;	/* '*' matches one path segment */
	void		(*handler)(struct api *, const struct api_call *,
			    struct api_resp *);
	/* a browser's handler where it differs (Accept), or NULL */
	void		(*page)(struct api *, const struct api_call *,
			    struct api_resp *);
	int		 flags;		/* R_BODY, R_JSON */
	/* its errors in the family's own JSON, or NULL: Judge0's */
	void		(*error)(struct api_resp *);
};

/* One route per method and path; their order is Allow's. */
static const struct route routes[] = {
	{ "GET",	"/",			page_form_get,	NULL, 0, NULL },
	{ "POST",	"/submissions",		submit_post,	page_form_post,
	  R_BODY, NULL },
	{ "GET",	"/submissions",		history_json,	history_page,
	  0, NULL },
	{ "POST",	"/submissions/batch",	batch_post,	NULL, R_JSON,
	  NULL },
	{ "GET",	"/submissions/batch",	batch_get,	NULL, 0, NULL },
	{ "POST",	"/submissions/new",	compat_submissions_new, NULL,
	  R_BODY, NULL },
	{ "GET",	"/submissions/new",	page_form_get,	NULL, 0, NULL },
	{ "GET",	"/submissions/*",	result_get,	page_result,
	  0, NULL },
	{ "DELETE",	"/submissions/*",	result_delete,	NULL, 0, NULL },
	{ "GET",	"/statistics",		statistics_json,
	  statistics_page, 0, NULL },
	{ "GET",	"/languages",		catalogue_languages, NULL, 0,
	  NULL },
	{ "GET",	"/languages/all",	catalogue_languages_all, NULL,
	  0, NULL },
	{ "GET",	"/languages/*",		catalogue_language, NULL, 0,
	  NULL },
	{ "GET",	"/statuses",		catalogue_statuses, NULL, 0,
	  NULL },
	{ "GET",	"/config_info",		catalogue_config_info, NULL, 0,
	  NULL },
	{ "GET",	"/health",		service_health,	NULL, 0, NULL },
	{ "GET",	"/about",		catalogue_about, NULL, 0,
	  NULL },
	{ "GET",	"/version",		catalogue_version, NULL, 0,
	  NULL },
	{ "GET",	"/system_info",		service_system_info, NULL, 0,
	  NULL },
	{ "GET",	"/workers",		service_workers, NULL, 0,
	  NULL },
	{ "GET",	"/metrics",		service_metrics, NULL, 0,
	  NULL },
	{ "POST",	"/authenticate",	service_authenticate, NULL, 0,
	  NULL },
	{ "POST",	"/authorize",		service_authorize, NULL, 0,
	  NULL },
	/* Piston v2 (piston.c) */
	{ "GET",	"/api/v2/runtimes",	piston_runtimes, NULL, 0,
	  piston_error },
	{ "POST",	"/api/v2/execute",	piston_execute,	NULL, R_JSON,
	  piston_error },
	/* the small runners' routes (compat.c) */
	{ "POST",	"/code",		compat_code,	NULL, R_BODY,
	  NULL },
	{ "POST",	"/api/execute",		compat_api_execute, NULL,
	  R_BODY, NULL },
	{ "GET",	"/api/languages",	compat_api_languages, NULL, 0,
	  NULL },
	{ "GET",	"/api/health",		compat_api_health, NULL, 0,
	  NULL },
	{ "POST",	"/run",			compat_run,	NULL, R_BODY,
	  NULL },
	{ "GET",	"/status/*",		compat_status,	NULL, 0, NULL },
	{ "POST",	"/execute",		compat_execute,	NULL, R_BODY,
	  NULL },
};

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

/* 1 if the body is over the limit (or was cut for being over it). */
static int
too_large(const struct api *a, const struct api_req *req)
{
	return req->body_too_large || req->body_len > INT_MAX ||
	    (a->cfg->max_body_bytes > 0 &&
	    req->body_len > (uint64_t)a->cfg->max_body_bytes);
}

/*
 * Steps 3 to 5 for the route r.  Returns 0, or -1 when the CSRF gate
 * refused the request (its 403 is ours, not the route family's).
 */
static int
dispatch(struct api *a, const struct route *r, struct api_call *c,
    struct api_resp *resp)
{
	struct api_body	body;
	int		rc = 0;

	if (r->flags & (R_BODY | R_JSON)) {
		if (too_large(a, c->req)) {
			if (reply_header(resp, "Cache-Control: no-store") == 0)
				reply_error(resp, 413, "request body too large",
				    NULL);
			return 0;
		}
		body_parse(a, c->req, r->flags & R_JSON, &body);
		c->body = &body;
	}
	/* CSRF: a post from another site, a form without its token */
	if (strcmp(r->method, "GET") != 0 && csrf_gate(a, c, resp) == -1)
		rc = -1;
	else if (c->html && r->page != NULL)
		r->page(a, c, resp);
	else
		r->handler(a, c, resp);
	if (c->body != NULL) {
		body_reset(&body);
		c->body = NULL;
	}
	return rc;
}

void
api_handle(struct api *a, const struct api_req *req, struct api_resp *resp)
{
	const struct route	*r = NULL;
	struct api_call		 c;
	const char		*method, *path;
	char			 arg[ARG_MAX] = "", allow[64] = "";
	char			 hdr[80];
	const char		*m;
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
		/* each method once: /submissions/new is also a '*' */
		m = strcmp(routes[i].method, "GET") == 0 ? "GET, HEAD" :
		    routes[i].method;
		if (strstr(allow, m) != NULL)
			continue;
		alen += snprintf(allow + alen, sizeof(allow) - alen, "%s%s",
		    alen > 0 ? ", " : "", m);
		if (alen >= sizeof(allow))
			alen = sizeof(allow) - 1;
	}
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.arg = arg;
	c.owner = api_owner(req);
	c.admin = config_is_admin(a->cfg, c.owner);
	c.html = neg_wants_html(req->accept);
	if (r != NULL) {
		if (dispatch(a, r, &c, resp) == -1)
			r = NULL;	/* the gate answered */
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
	/* An error, once: the family's JSON, or a page for a browser. */
	if (resp->status < 400)
		return;
	if (resp->content_type == NULL && r != NULL && r->error != NULL)
		r->error(resp);
	if (c.html && (resp->content_type == NULL ||
	    strcmp(resp->content_type, API_JSON) == 0))
		page_error_answer(a, &c, resp);
	else if (resp->content_type == NULL)
		reply_error_render(resp);
}
