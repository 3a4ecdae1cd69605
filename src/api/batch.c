/*
 * Judge0's batches.
 *
 *	POST /submissions/batch[?base64_encoded=true]
 *	    {"submissions": [submission, ...]}, 1 to max_batch of them
 *	    (else Judge0's 400 {"error"}) -> 201 [{"token": ...} | the
 *	    item's error, ...] in order: each item goes through the one
 *	    validator (api_submit) on its own, so one invalid item does
 *	    not stop the others; 422 with the same list when none was
 *	    valid, as Judge0.  The queue is checked for the whole batch
 *	    first (503/429 for all of it).
 *	GET  /submissions/batch?tokens=a,b,...[&fields=&base64_encoded=]
 *	    -> 200 {"submissions": [submission | null, ...]}: null for a
 *	    token that is unknown, malformed or another owner's; 1 to
 *	    max_batch tokens, else Judge0's 400 {"error"}.
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/store.h"
#include "api.h"
#include "body.h"
#include "fields.h"
#include "form.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"
#include "submit.h"

/* Judge0's words for a batch of n entries that is empty or too long. */
static void
batch_size_error(struct api_resp *resp, size_t n, int max)
{
	char	msg[96];

	if (n == 0)
		snprintf(msg, sizeof(msg), "there should be at least one "
		    "submission in a batch");
	else
		snprintf(msg, sizeof(msg), "number of submissions in a batch "
		    "should be less than or equal to %d", max);
	reply_error(resp, 400, msg, NULL);
}

/* The error of an item's answer, as an object, or NULL (ENOMEM). */
static json_object *
item_error(const struct api_resp *ir)
{
	json_object	*o;

	if (ir->error.msg[0] != '\0')
		return api_error_json(&ir->error);
	if ((o = json_object_new_object()) != NULL &&
	    jadd(o, "error", json_object_new_string("invalid submission")) ==
	    -1) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

void
batch_post(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	struct api_resp		 ir;
	json_object		*body, *list, *out = NULL, *item;
	size_t			 i, n;
	int			 form, valid = 0;

	api_resp_init(&ir);
	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1 ||
	    body_take(c->body, &body, &form, resp) == -1)
		goto out;
	/* none, null or [] are the empty batch, as in Judge0 */
	if (!json_object_object_get_ex(body, "submissions", &list) ||
	    list == NULL) {
		batch_size_error(resp, 0, a->cfg->max_batch);
		goto out;
	}
	if (!json_object_is_type(list, json_type_array)) {
		reply_error(resp, 400, "submissions must be an array",
		    "submissions");
		goto out;
	}
	n = json_object_array_length(list);
	if (n == 0 || n > (size_t)a->cfg->max_batch) {
		batch_size_error(resp, n, a->cfg->max_batch);
		goto out;
	}
	if (api_check_queue(a, c->owner, (int)n, resp) == -1 ||
	    (out = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		api_resp_reset(&ir);
		api_resp_init(&ir);
		item = json_object_array_get_idx(list, i);
		if (!json_object_is_type(item, json_type_object))
			reply_error(&ir, 400, "a submission must be a JSON "
			    "object", NULL);
		else if (api_submit(a, c, item, &(struct api_submit_opts){
		    0, q.base64, 1 }, &s, &ir) == 0) {
			if (jpush(out, item = json_object_new_object()) == -1 ||
			    jadd(item, "token",
			    json_object_new_string(s->token)) == -1)
				goto out;
			submission_free(s);
			s = NULL;
			valid = 1;
			continue;
		}
		/* our own failure fails the batch; bad input, the item */
		if (ir.status >= 500 && ir.status != 503) {
			resp->err = ir.err;
			reply_internal(resp, NULL);
			goto out;
		}
		if (jpush(out, item_error(&ir)) == -1)
			goto out;
	}
	reply_json(resp, valid ? 201 : 422, out);
out:
	/* no answer yet: memory ran out */
	if (resp->status == 0)
		reply_internal(resp, NULL);
	submission_free(s);
	api_resp_reset(&ir);
	json_object_put(out);
}

void
batch_get(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	const struct form_field	*tf;
	struct submission	*s = NULL;
	struct api_query	 q;
	struct form		 f = { 0 };
	struct err		 err;
	json_object		*o = NULL, *list, *v;
	const char		*owner = c->admin ? NULL : c->owner, *p;
	char			 token[40];
	size_t			 len;
	int			 n = 0;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1)
		goto out;
	if (api_query_form(c->req, &f, resp) == -1)
		goto out;
	if ((tf = form_get(&f, "tokens")) == NULL ||
	    tf->value[strspn(tf->value, " ,")] == '\0') {
		batch_size_error(resp, 0, a->cfg->max_batch);
		goto out;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "submissions", list = json_object_new_array()) == -1)
		goto out;
	for (p = tf->value; *p != '\0'; p += len) {
		p += strspn(p, " ,");
		if ((len = strcspn(p, " ,")) == 0)
			continue;
		if (++n > a->cfg->max_batch) {
			batch_size_error(resp, (size_t)n, a->cfg->max_batch);
			goto out;
		}
		snprintf(token, sizeof(token), "%.*s",
		    (int)(len < sizeof(token) ? len : sizeof(token) - 1), p);
		if (len >= sizeof(token) || !util_is_uuid(token)) {
			if (json_object_array_add(list, NULL) != 0)
				goto out;
			continue;
		}
		switch (store_get(a->store, token, owner, &s, &err)) {
		case -1:
			reply_internal(resp, &err);
			goto out;
		case 0:
			if (json_object_array_add(list, NULL) != 0)
				goto out;
			continue;
		}
		/* a 400 (not UTF-8) for one is the answer for all */
		if ((v = fields_json(a, s, &q, resp)) == NULL)
			goto out;
		if (jpush(list, v) == -1)
			goto out;
		submission_free(s);
		s = NULL;
	}
	reply_json(resp, 200, o);
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	submission_free(s);
	form_reset(&f);
	json_object_put(o);
}
