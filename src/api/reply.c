/*
 * JSON building and the answers.  Objects are built with json-c,
 * serialised, and the text copied into the response before the object
 * is released (the text belongs to the object).
 *
 * An error is data until the end: reply_error and reply_invalid fill
 * resp->error and leave the body empty, api_handle renders it once as
 * JSON (reply_error_render) or as a page (page.c).  Judge0's 422 shape
 * {"error", "field", "<field>": ["detail"]} comes out byte for byte as it
 * always has.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "api.h"
#include "reply.h"

#define JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

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

int
jadd_seconds(json_object *o, const char *key, int present, double s)
{
	char	t[64];

	if (!present)
		return jadd_null(o, key);
	snprintf(t, sizeof(t), "%.3f", s);
	return jadd(o, key, json_object_new_string(t));
}

int
jadd_int(json_object *o, const char *key, int present, int64_t n)
{
	if (!present)
		return jadd_null(o, key);
	return jadd(o, key, json_object_new_int64(n));
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

int
api_text(json_object *o, const char *key, const char *p, size_t len)
{
	return jadd(o, key, p != NULL ? json_text(p, len) :
	    json_object_new_string(""));
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

static void	set_error(struct api_resp *, int, const char *, const char *,
		    const char *);

/*
 * A storage fault (err.unavailable: locked, full, read-only) is no bug of
 * ours nor the client's: 503 with Retry-After, so that clients retry.
 * Returns 0 when resp is that answer, -1 when memory ran out for it.
 */
static int
reply_unavailable(struct api_resp *resp)
{
	set_error(resp, 503, "storage unavailable, retry later", NULL, NULL);
	buf_reset(&resp->headers);
	return buf_printf(&resp->headers, NULL, "Retry-After: %d\r\n",
	    API_FAULT_RETRY_S);
}

void
reply_internal(struct api_resp *resp, const struct err *err)
{
	if (err != NULL)
		resp->err = *err;
	if (resp->err.msg[0] != '\0' && resp->err.unavailable &&
	    reply_unavailable(resp) == 0)
		return;
	if (resp->err.msg[0] == '\0')
		snprintf(resp->err.msg, sizeof(resp->err.msg),
		    "api: out of memory");
	resp->status = 500;
	resp->content_type = API_JSON;
	memset(&resp->error, 0, sizeof(resp->error));
	snprintf(resp->error.msg, sizeof(resp->error.msg), "internal error");
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
	memset(&resp->error, 0, sizeof(resp->error));
	resp->status = status;
	resp->content_type = API_JSON;
}

/* Makes resp the error (status, what, which input, Judge0's detail). */
static void
set_error(struct api_resp *resp, int status, const char *msg,
    const char *field, const char *detail)
{
	struct api_error	*e = &resp->error;

	buf_reset(&resp->body);
	resp->content_type = NULL;
	resp->status = status;
	memset(e, 0, sizeof(*e));
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	if (field != NULL)
		snprintf(e->field, sizeof(e->field), "%s", field);
	if (detail != NULL)
		snprintf(e->detail, sizeof(e->detail), "%s", detail);
}

void
reply_error(struct api_resp *resp, int status, const char *msg,
    const char *field)
{
	set_error(resp, status, msg, field, NULL);
}

void
reply_error_token(struct api_resp *resp, int status, const char *msg,
    const char *token)
{
	set_error(resp, status, msg, NULL, NULL);
	snprintf(resp->error.token, sizeof(resp->error.token), "%s", token);
}

void
reply_invalid(struct api_resp *resp, const char *error, const char *field,
    const char *detail)
{
	char	msg[256];

	if (error == NULL) {
		snprintf(msg, sizeof(msg), "%s %s", field, detail);
		error = msg;
	}
	set_error(resp, 422, error, field, detail);
}

void
reply_again(struct api_resp *resp, const struct api_resp *from)
{
	if (from->status == 500) {
		reply_internal(resp, &from->err);
		return;
	}
	set_error(resp, from->status, from->error.msg, from->error.field,
	    from->error.detail);
	memcpy(resp->error.token, from->error.token, sizeof(resp->error.token));
}

json_object *
api_error_json(const struct api_error *e)
{
	json_object	*o = NULL, *list = NULL;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "error", json_object_new_string(e->msg)) == -1 ||
	    (e->field[0] != '\0' &&
	    jadd(o, "field", json_object_new_string(e->field)) == -1) ||
	    (e->field[0] != '\0' && e->detail[0] != '\0' &&
	    (jadd(o, e->field, list = json_object_new_array()) == -1 ||
	    jpush(list, json_object_new_string(e->detail)) == -1)) ||
	    (e->token[0] != '\0' &&
	    jadd(o, "token", json_object_new_string(e->token)) == -1)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void
reply_error_render(struct api_resp *resp)
{
	json_object	*o;
	int		 status = resp->status;

	o = api_error_json(&resp->error);
	reply_json(resp, status, o);
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

void
reply_token(struct api_resp *resp, int status, const char *token)
{
	json_object	*o = NULL;

	if ((o = json_object_new_object()) != NULL &&
	    jadd(o, "token", json_object_new_string(token)) == -1) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, status, o);
	json_object_put(o);
}
