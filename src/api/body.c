/*
 * A request body, read once.  api_handle classifies it by its
 * Content-Type (and its first byte) and parses it before the CSRF gate,
 * into the one structure the gate and the handlers read: an object of
 * the submission's fields in Judge0's names, from JSON, from a urlencoded
 * form or from a multipart form (the HTML form, with its file input).
 * A body that cannot be used is kept as its answer (400, 422, 500) until
 * a handler takes the body: the order of the answers is the handlers'.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "judge/lang.h"
#include "api.h"
#include "body.h"
#include "form.h"
#include "multipart.h"
#include "negotiate.h"
#include "reply.h"

/* A posted text field: absent, null and "" are not posted.  Borrowed. */
static json_object *
posted(const struct api_body *b, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(b->obj, key, &v) || v == NULL ||
	    (json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) == 0))
		return NULL;
	return v;
}

/* The body as a JSON object.  Returns 0, or -1 with resp answered. */
static int
read_json(const struct api_req *req, struct api_body *b, struct api_resp *resp)
{
	json_tokener	*tok = NULL;
	struct err	 err;
	char		 msg[128];
	size_t		 end;
	int		 rc = -1;

	if (req->body_len == 0) {
		reply_error(resp, 400, "empty body: expected a JSON object",
		    NULL);
		goto out;
	}
	if ((tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH)) == NULL) {
		err_errno(&err, "json_tokener_new_ex");
		reply_internal(resp, &err);
		goto out;
	}
	/* Strict (no NaN words, no single quotes); trailing bytes below. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	b->obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (b->obj == NULL) {
		snprintf(msg, sizeof(msg), "malformed JSON: %s",
		    json_tokener_get_error(tok) == json_tokener_continue ?
		    "unexpected end of body" :
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		reply_error(resp, 400, msg, NULL);
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < req->body_len; end++)
		if (req->body[end] != ' ' && req->body[end] != '\t' &&
		    req->body[end] != '\r' && req->body[end] != '\n')
			break;
	if (end < req->body_len) {
		reply_error(resp, 400, "malformed JSON: data after the object",
		    NULL);
		goto out;
	}
	if (!json_object_is_type(b->obj, json_type_object)) {
		reply_error(resp, 400, "body must be a JSON object", NULL);
		goto out;
	}
	rc = 0;
out:
	if (tok != NULL)	/* json-c 0.16 does not take NULL here */
		json_tokener_free(tok);
	return rc;
}

/* The form body as an object of strings.  Returns 0, or -1 answered. */
static int
read_form(const struct api_req *req, struct api_body *b, struct api_resp *resp)
{
	const struct form_field	*ff;
	struct form		 f = { 0 };
	struct err		 err;
	char			 msg[300];
	size_t			 i;
	int			 rc = -1;

	switch (form_parse(req->body, req->body_len, &f, &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		snprintf(msg, sizeof(msg), "malformed form body: %s", err.msg);
		reply_error(resp, 400, msg, NULL);
		goto out;
	}
	b->form = 1;
	if ((b->obj = json_object_new_object()) == NULL) {
		reply_internal(resp, NULL);
		goto out;
	}
	for (i = 0; i < f.n; i++) {
		ff = &f.fields[i];
		/* A name with a NUL in it is nobody's field. */
		if (strlen(ff->name) != ff->name_len)
			continue;
		/* json-c keeps the last of a repeated name, as form_get. */
		if (jadd(b->obj, ff->name, json_object_new_string_len(
		    ff->value, (int)ff->value_len)) == -1) {
			err_set(&err, "api: out of memory");
			reply_internal(resp, &err);
			goto out;
		}
	}
	rc = 0;
out:
	form_reset(&f);
	return rc;
}

/*
 * The language whose source file has the extension of filename (".c"
 * picks the first available language saved as "*.c"), or 0.
 */
static int
guess_language(const struct lang_table *langs, const char *filename)
{
	const char	*ext, *lext;
	size_t		 i;

	if ((ext = strrchr(filename, '.')) == NULL || ext[1] == '\0')
		return 0;
	for (i = 0; i < langs->n; i++) {
		if (!langs->langs[i].available ||
		    (lext = strrchr(langs->langs[i].source_file, '.')) ==
		    NULL)
			continue;
		if (strcasecmp(ext, lext) == 0)
			return langs->langs[i].id;
	}
	return 0;
}

/*
 * A multipart/form-data body (the HTML form) as the same object of
 * strings read_form makes.  A file in the part source_file becomes
 * source_code, its name is kept as source_file (the form shows it), and
 * it picks the language when none was chosen.  Other file parts are
 * ignored, like unknown keys.  Returns 0, or -1 with resp answered
 * (b->obj then holds what was read, for the form to show again).
 */
static int
read_multipart(struct api *a, const struct api_req *req, struct api_body *b,
    struct api_resp *resp)
{
	const struct mp_part	*p, *file = NULL;
	struct multipart	 mp = { NULL, 0 };
	struct err		 err;
	json_object		*v;
	char			 msg[300];
	size_t			 i;
	int			 rc = -1, id;

	switch (multipart_parse(req->content_type, req->body, req->body_len,
	    &mp, &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		snprintf(msg, sizeof(msg), "malformed multipart body: %s",
		    err.msg);
		reply_error(resp, 400, msg, NULL);
		goto out;
	}
	b->form = 1;
	if ((b->obj = json_object_new_object()) == NULL)
		goto oom;
	for (i = 0; i < mp.n; i++) {
		p = &mp.parts[i];
		if (p->filename != NULL) {
			/* an empty file input sends a part with no name */
			if (strcmp(p->name, "source_file") == 0 &&
			    (p->filename[0] != '\0' || p->len > 0))
				file = p;
			continue;
		}
		if (jadd(b->obj, p->name, json_object_new_string_len(p->data,
		    (int)p->len)) == -1)
			goto oom;
	}
	if (file == NULL) {
		rc = 0;
		goto out;
	}
	if (jadd(b->obj, "source_file", json_object_new_string(
	    file->filename)) == -1)
		goto oom;
	if ((v = posted(b, "source_code")) != NULL &&
	    !(json_object_is_type(v, json_type_string) &&
	    strspn(json_object_get_string(v), " \t\r\n") ==
	    (size_t)json_object_get_string_len(v))) {
		reply_invalid(resp, "give the code in the box or in a file, "
		    "not both", "source_file",
		    "can't be given with source_code");
		goto out;
	}
	if (jadd(b->obj, "source_code", json_object_new_string_len(
	    file->data, (int)file->len)) == -1)
		goto oom;
	if (posted(b, "language_id") == NULL &&
	    posted(b, "language") == NULL &&
	    (id = guess_language(a->langs, file->filename)) != 0 &&
	    jadd(b->obj, "language_id", json_object_new_int(id)) == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	err_set(&err, "api: out of memory");
	reply_internal(resp, &err);
out:
	multipart_reset(&mp);
	return rc;
}

int
body_looks_json(const struct api_req *req)
{
	size_t	i;

	for (i = 0; i < req->body_len; i++)
		if (req->body[i] != ' ' && req->body[i] != '\t' &&
		    req->body[i] != '\r' && req->body[i] != '\n')
			return req->body[i] == '{';
	return 0;
}

void
body_parse(struct api *a, const struct api_req *req, int json_only,
    struct api_body *b)
{
	memset(b, 0, sizeof(*b));
	api_resp_init(&b->answer);
	if (json_only)
		(void)read_json(req, b, &b->answer);
	/*
	 * curl -d '{...}' labels JSON as a form.  A browser's form body can
	 * never start with '{' (it would be %7B), so such a body is JSON.
	 */
	else if (neg_ct_is(req->content_type,
	    "application/x-www-form-urlencoded") && !body_looks_json(req))
		(void)read_form(req, b, &b->answer);
	else if (neg_ct_is(req->content_type, "multipart/form-data"))
		(void)read_multipart(a, req, b, &b->answer);
	/* application/json, or anything else that parses as an object. */
	else
		(void)read_json(req, b, &b->answer);
}

void
body_reset(struct api_body *b)
{
	json_object_put(b->obj);
	api_resp_reset(&b->answer);
	memset(b, 0, sizeof(*b));
}

int
body_take(const struct api_body *b, json_object **obj, int *form,
    struct api_resp *resp)
{
	*obj = NULL;
	*form = b->form;
	if (b->answer.status != 0) {
		reply_again(resp, &b->answer);
		return -1;
	}
	*obj = b->obj;
	return 0;
}

const char *
body_form_value(const struct api_body *b, const char *name)
{
	json_object	*v;

	if (b == NULL || !b->form || b->obj == NULL ||
	    !json_object_object_get_ex(b->obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
