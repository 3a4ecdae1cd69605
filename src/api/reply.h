#ifndef API_REPLY_H
#define API_REPLY_H

/*
 * Private to src/api/: JSON building and the answers.  A handler answers
 * with a body (reply_json, a page, text) or with an error as data
 * (reply_error, reply_invalid, reply_internal fill resp->error and
 * leave the body empty); api_handle renders an error once, at the end,
 * as JSON or as a page (api.c).
 */
#include <stddef.h>
#include <stdint.h>

#include <json.h>

struct api_error;
struct api_resp;
struct err;

#define API_JSON		"application/json"
#define API_TEXT		"text/plain; charset=utf-8"

/*
 * JSON building helpers.  jadd takes v, also on failure (a NULL v is a
 * failure: it is what a json-c constructor returns when memory runs out);
 * jadd_null adds an explicit null.  All return 0 or -1.
 */
int	jadd(json_object *o, const char *key, json_object *v);
int	jadd_null(json_object *o, const char *key);
int	jpush(json_object *arr, json_object *v);
/* Seconds as Judge0 writes them ("0.012"), or null when !present. */
int	jadd_seconds(json_object *o, const char *key, int present, double s);
/* An integer, or null when !present. */
int	jadd_int(json_object *o, const char *key, int present, int64_t n);
/*
 * A JSON string of len bytes of p with every invalid UTF-8 sequence
 * replaced by U+FFFD, or NULL when memory runs out.
 */
json_object *json_text(const char *p, size_t len);
/* key: json_text of len bytes of p, "" for a NULL p.  0 or -1. */
int	api_text(json_object *o, const char *key, const char *p, size_t len);
/* 1 if len bytes of p are well-formed UTF-8. */
int	json_text_valid(const char *p, size_t len);
/*
 * The length of the well-formed UTF-8 sequence at p (of n bytes), or
 * minus the length of its maximal ill-formed prefix (one U+FFFD).
 */
long	api_utf8_seq(const unsigned char *p, size_t n);

/*
 * The answers.  Each one replaces the body (and sets the status) of
 * resp; if memory runs out it becomes a 500.
 */
/* Serialises o (still the caller's) as the body: status, JSON. */
void	reply_json(struct api_resp *, int status, json_object *o);
/* An error: {"error": msg, "field": field} once rendered; field may be NULL. */
void	reply_error(struct api_resp *, int status, const char *msg,
	    const char *field);
/* An error that names a submission: {"error": msg, "token": token}. */
void	reply_error_token(struct api_resp *, int status, const char *msg,
	    const char *token);
/*
 * 422 in Judge0's shape plus ours, once rendered:
 * {"error": error or "<field> <detail>", "field": field, field: [detail]}.
 */
void	reply_invalid(struct api_resp *, const char *error,
	    const char *field, const char *detail);
/*
 * 500 {"error":"internal error"}, written at once (it must not need
 * memory); err goes to resp->err (NULL keeps what is there, or says "out
 * of memory" if that is empty).  When that error is a storage fault
 * (err->unavailable), the answer is instead the error 503 "storage
 * unavailable, retry later" with Retry-After: API_FAULT_RETRY_S.
 */
#define API_FAULT_RETRY_S	5
void	reply_internal(struct api_resp *, const struct err *err);
/* The answer of from (an error or a 500) again, in resp. */
void	reply_again(struct api_resp *resp, const struct api_resp *from);
/* Appends "line\r\n" to the headers.  Returns 0, or -1 (then a 500). */
int	reply_header(struct api_resp *, const char *line);
/* status {"token": token} (201, 202). */
void	reply_token(struct api_resp *, int status, const char *token);

/* An error as its JSON object, or NULL when memory runs out. */
json_object *api_error_json(const struct api_error *);
/*
 * Renders the error of resp as its JSON body (api_handle does, once, for
 * clients that are not browsers).
 */
void	reply_error_render(struct api_resp *);

#endif
