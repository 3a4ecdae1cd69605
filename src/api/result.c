/*
 * One submission, for API clients (the page is page_result.c):
 *
 *	GET    /submissions/{token}	200 | 404 (unknown, invalid or
 *					another owner's); fields=,
 *					base64_encoded= (fields.c)
 *	DELETE /submissions/{token}	200 the deleted submission, in
 *					base64 whatever base64_encoded says
 *					(Judge0's: it must come out whole, as
 *					it is gone after) | 404 | 400 (off in
 *					the config, as Judge0; queued or
 *					running: it cannot go yet)
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/store.h"
#include "api.h"
#include "fields.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"

void
result_get(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	json_object		*o = NULL;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1)
		goto out;
	switch (api_get_owned(a, c, c->arg, &s, resp)) {
	case -1:
		goto out;
	case 0:
		reply_error(resp, 404, "submission not found", NULL);
		goto out;
	}
	if ((o = fields_json(a, s, &q, resp)) != NULL)
		reply_json(resp, 200, o);
out:
	json_object_put(o);
	submission_free(s);
}

void
result_delete(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	struct err		 err;
	json_object		*o = NULL;
	const char		*arg = c->arg, *owner = c->admin ? NULL :
				    c->owner;
	char			 msg[128];
	int			 status;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1)
		goto out;
	if (!a->cfg->allow_delete) {
		reply_error(resp, 400, "delete not allowed: deleting "
		    "submissions is off on this server", NULL);
		goto out;
	}
	if (!util_is_uuid(arg)) {
		reply_error(resp, 404, "submission not found", NULL);
		goto out;
	}
	/* read it first: the answer is what was deleted, as Judge0's */
	q.base64 = 1;
	switch (store_get(a->store, arg, owner, &s, &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		reply_error(resp, 404, "submission not found", NULL);
		goto out;
	}
	if ((o = fields_json(a, s, &q, resp)) == NULL)
		goto out;
	switch (store_delete(a->store, arg, owner, &status, &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		if (status == 0) {
			reply_error(resp, 404, "submission not found", NULL);
			goto out;
		}
		snprintf(msg, sizeof(msg), "submission cannot be deleted "
		    "because its status is %s",
		    judge_status_description(status));
		reply_error(resp, 400, msg, NULL);
		goto out;
	}
	memcpy(resp->token, s->token, sizeof(resp->token));
	resp->token[sizeof(resp->token) - 1] = '\0';
	reply_json(resp, 200, o);
out:
	json_object_put(o);
	submission_free(s);
}
