/*
 * The one way in: api_submit stores a submission every route family has
 * mapped onto Judge0's names, after the validator (validate.c), the
 * Idempotency-Key and the queue's back-pressure; api_wait waits for its
 * verdict.  And POST /submissions for API clients (a browser's form post
 * is page_form.c's):
 *
 *	POST /submissions[?wait=true]	201 {token} | 201 result (wait) |
 *					201 {error, token} (wait: output
 *					not UTF-8, without base64) |
 *					202 {token} (wait timed out) |
 *					400 403 413 415 422 429 503
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/metrics.h"
#include "store/queue.h"
#include "store/store.h"
#include "api.h"
#include "body.h"
#include "fields.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"
#include "submit.h"
#include "validate.h"

/*
 * Back-pressure.  XXX The counts and the insert are not one
 * transaction, so concurrent requests may overshoot a limit by a few;
 * these are load limits, not quotas.
 */
int
api_check_queue(struct api *a, const char *owner, int nnew,
    struct api_resp *resp)
{
	struct err	err;
	char		hdr[32];
	int64_t		n;

	snprintf(hdr, sizeof(hdr), "Retry-After: %d", API_RETRY_AFTER_S);
	if ((n = store_queue_depth(a->store, NULL, &err)) < 0) {
		reply_internal(resp, &err);
		return -1;
	}
	if (n + nnew > a->cfg->queue_max) {
		reply_error(resp, 503, "queue is full, retry later", NULL);
		reply_header(resp, hdr);
		return -1;
	}
	if ((n = store_queue_depth(a->store, owner, &err)) < 0) {
		reply_internal(resp, &err);
		return -1;
	}
	if (n + nnew > a->cfg->owner_queue_max) {
		reply_error(resp, 429, "too many queued submissions", NULL);
		reply_header(resp, hdr);
		return -1;
	}
	return 0;
}

/*
 * The Idempotency-Key header: 1 to 255 printable ASCII characters.
 * Returns 0 with *key (borrowed, or NULL), or -1 with a 400.
 */
static int
idempotency_key(const struct api_req *req, const char **key,
    struct api_resp *resp)
{
	const char	*k = req->idempotency_key;
	size_t		 i;

	*key = NULL;
	if (k == NULL)
		return 0;
	for (i = 0; k[i] != '\0'; i++)
		if (k[i] < 0x20 || k[i] > 0x7e)
			break;
	if (i == 0 || i > API_MAX_IDEM_KEY || k[i] != '\0') {
		reply_error(resp, 400, "Idempotency-Key must be 1 to 255 "
		    "printable ASCII characters", "Idempotency-Key");
		return -1;
	}
	*key = k;
	return 0;
}

int
api_submit(struct api *a, const struct api_call *c, json_object *obj,
    const struct api_submit_opts *o, struct submission **out,
    struct api_resp *resp)
{
	struct store_insert_opts so;
	struct submission	*s = NULL;
	struct validate_opts	 vo = { c->owner, o->form, o->base64 };
	struct err		 err;
	const char		*owner = c->owner, *key = NULL;
	const char		*url = NULL;
	int			 rc = -1, found = 0, ins;

	*out = NULL;
	memset(&so, 0, sizeof(so));
	if ((!o->no_idempotency &&
	    idempotency_key(c->req, &key, resp) == -1) ||
	    validate_submission(a, obj, &vo, &s, &url, resp) == -1)
		goto out;
	so.idempotency_key = key;
	so.idempotency_ttl_ms = API_IDEM_TTL_MS;
	so.callback_url = url;
	so.callback_base64 = o->base64;
	/* a retry of a known key makes no job: no back-pressure for it */
	if (key != NULL && (found = store_idempotent(a->store, s, key,
	    util_now_ms() - API_IDEM_TTL_MS, &err)) == -1) {
		reply_internal(resp, &err);
		goto out;
	}
	if (!found) {
		if (api_check_queue(a, owner, 1, resp) == -1)
			goto out;
		if ((ins = store_insert_ex(a->store, s, &so, &err)) == -1) {
			reply_internal(resp, &err);
			goto out;
		}
		/* 0: the same key in a race, the winner's token */
		found = ins == 0;
	}
	if (found) {
		if (reply_header(resp, "Idempotent-Replayed: true") == -1)
			goto out;
	} else {
		metrics_created(a->metrics, a->langs, s->lang_id);
		if (a->hooks.job_queued != NULL)
			a->hooks.job_queued(a->hooks.arg);
	}
	memcpy(resp->token, s->token, sizeof(resp->token));
	resp->token[sizeof(resp->token) - 1] = '\0';
	*out = s;
	s = NULL;
	rc = 0;
out:
	submission_free(s);
	return rc;
}

int
api_wait(struct api *a, const char *token, struct submission **out,
    struct api_resp *resp)
{
	struct err	err;
	int64_t		deadline, now;
	int		st;

	/*
	 * The job is stored: whatever fails from here on, the client gets
	 * its token (the wait just ends), never an error that would make
	 * it submit again.  resp->err keeps why, for the log.
	 */
	*out = NULL;
	deadline = util_mono_us() + (int64_t)a->cfg->wait_timeout_ms * 1000;
	for (;;) {
		if ((st = store_status(a->store, token, &err)) == -1) {
			resp->err = err;
			return 0;
		}
		if (judge_status_is_final(st))
			break;
		now = util_mono_us();
		if (st == 0 || now >= deadline || a->hooks.wait_for == NULL)
			return 0;
		if (a->hooks.wait_for(a->hooks.arg, token,
		    (int)((deadline - now + 999) / 1000)) == -1)
			return 0;
	}
	switch (store_get(a->store, token, NULL, out, &err)) {
	case -1:
		resp->err = err;
		return 0;
	case 0:		/* pruned in between: the token is all we have */
		return 0;
	}
	return 1;
}

/*
 * wait=true: sleeps on the hook until the verdict is in (201 with the
 * result as q asks) or wait_timeout_ms has passed (202 with the token;
 * the job goes on).  Output that is not UTF-8 without base64 is Judge0's
 * 201 {"error", "token"}: the submission was made, only its answer
 * cannot be text.
 */
static void
wait_result(struct api *a, const char *token, const struct api_query *q,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	json_object		*o = NULL;

	switch (api_wait(a, token, &s, resp)) {
	case -1:
		break;
	case 0:
		reply_token(resp, 202, token);
		break;
	default:
		if ((o = fields_json(a, s, q, resp)) != NULL)
			reply_json(resp, 201, o);
		else if (resp->status == 400)
			reply_json(resp, 201, o = api_error_json(&resp->error));
		break;
	}
	json_object_put(o);
	submission_free(s);
}

int
api_run_sync(struct api *a, const struct api_call *c, json_object *obj,
    int form, struct submission **out, struct api_resp *resp)
{
	struct submission	*s = NULL;
	int			 rc;

	*out = NULL;
	if (api_submit(a, c, obj, &(struct api_submit_opts){ form, 0, 0 },
	    &s, resp) == -1)
		return -1;
	rc = api_wait(a, s->token, out, resp);
	submission_free(s);
	return rc;
}

void
submit_post(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	json_object		*obj;
	int			 form;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1 ||
	    body_take(c->body, &obj, &form, resp) == -1 ||
	    api_submit(a, c, obj, &(struct api_submit_opts){ form, q.base64,
	    0 }, &s, resp) == -1)
		goto out;
	if (q.wait)
		wait_result(a, s->token, &q, resp);
	else
		reply_token(resp, 201, s->token);
out:
	submission_free(s);
}
