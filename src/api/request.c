/*
 * The request helpers every handler uses: who asks, the query string
 * (wait=, base64_encoded=, fields=), and the submissions the caller may
 * see.
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
#include "form.h"
#include "reply.h"
#include "request.h"

const char *
api_owner(const struct api_req *req)
{
	if (req->remote_user == NULL || req->remote_user[0] == '\0')
		return "anonymous";
	return req->remote_user;
}

/*
 * fields=: names separated by commas (blanks around them and empty names
 * are skipped), "*" among them for all of Judge0's.  An unknown name is
 * a 400.
 */
static int
parse_fields(const char *s, struct api_query *q, struct api_resp *resp)
{
	char	msg[128];
	size_t	n;
	int	i;

	for (;;) {
		s += strspn(s, " ,");
		if (*s == '\0')
			break;
		n = strcspn(s, " ,");
		if (n == 1 && *s == '*')
			q->fields_all = 1;
		else if ((i = fields_index(s, n)) >= 0)
			q->fields |= (uint64_t)1 << i;
		else {
			snprintf(msg, sizeof(msg), "invalid field: %.*s",
			    (int)(n > 64 ? 64 : n), s);
			reply_error(resp, 400, msg, "fields");
			return -1;
		}
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

int
api_get_owned(struct api *a, const struct api_call *c, const char *token,
    struct submission **s, struct api_resp *resp)
{
	struct err	err;
	int		rc;

	*s = NULL;
	if (!util_is_uuid(token))
		return 0;
	/* Admins see every owner's submissions. */
	if ((rc = store_get(a->store, token, c->admin ? NULL : c->owner, s,
	    &err)) == -1) {
		reply_internal(resp, &err);
		return -1;
	}
	if (rc == 1) {
		memcpy(resp->token, (*s)->token, sizeof(resp->token));
		resp->token[sizeof(resp->token) - 1] = '\0';
	}
	return rc;
}
