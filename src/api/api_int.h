#ifndef API_INT_H
#define API_INT_H

/*
 * Private to src/api/: the urlencoded parser (form.c), the JSON answers
 * (render.c) and the handlers api.c routes to (submit.c).
 */
#include <stddef.h>
#include <stdint.h>

#include <json.h>

struct api;
struct api_req;
struct api_resp;
struct config;
struct err;
struct judge_test_result;
struct submission;

#define API_VERSION		"0.1.0"
#define API_JSON		"application/json"
#define API_TEXT		"text/plain; charset=utf-8"
#define API_RETRY_AFTER_S	5
#define API_MAX_TESTS		100	/* entries of "tests" */
#define API_MAX_FILES		32	/* entries of "files" */
#define API_MAX_FILE_NAME	64
#define API_MAX_RUNS		20	/* number_of_runs */
#define API_MAX_OPTIONS		512	/* bytes of compiler_options */
#define API_MAX_ARGS		4096	/* bytes of command_line_arguments */
#define FORM_MAX_FIELDS		1000	/* pairs in a query or a form */

/*
 * application/x-www-form-urlencoded (a query string is the same syntax):
 * pairs split on '&', name and value split on the first '=', '+' is a
 * space and %XX a byte.  Empty pairs are skipped; a pair without '=' has
 * the value "".  Decoded names and values are NUL-terminated copies that
 * may also hold NUL bytes (see the _len fields).
 */
struct form_field {
	char	*name;
	size_t	 name_len;
	char	*value;
	size_t	 value_len;
};

struct form {
	char			*arena;	/* decoded names and values */
	struct form_field	*fields;
	size_t			 n;
};

/*
 * Parses len bytes of s into f (release with form_reset; the form is
 * empty on any answer but 1).  Returns 1, 0 if s is malformed (a bad
 * escape, more than FORM_MAX_FIELDS pairs; err says which), or -1 with
 * err set when memory runs out.
 */
int	form_parse(const char *s, size_t len, struct form *f,
	    struct err *err);
void	form_reset(struct form *);
/* The last field named name, or NULL.  Borrowed from f. */
const struct form_field *form_get(const struct form *f, const char *name);
/*
 * Reads a boolean written as text: true/false, 1/0, on/off, yes/no (any
 * case).  Returns 0 with *out set, or -1.
 */
int	api_parse_bool(const char *s, int *out);

/*
 * JSON building helpers.  jadd takes v, also on failure (a NULL v is a
 * failure: it is what a json-c constructor returns when memory runs out);
 * jadd_null adds an explicit null.  Both return 0 or -1.
 */
int	jadd(json_object *o, const char *key, json_object *v);
int	jadd_null(json_object *o, const char *key);
int	jpush(json_object *arr, json_object *v);
/*
 * A JSON string of len bytes of p with every invalid UTF-8 sequence
 * replaced by U+FFFD, or NULL when memory runs out.
 */
json_object *json_text(const char *p, size_t len);

/*
 * The answers.  Each one replaces the body (and sets status and content
 * type) of resp; if memory runs out it becomes a 500.
 */
/* Serialises o (still the caller's) as the body. */
void	reply_json(struct api_resp *, int status, json_object *o);
/* {"error": msg, "field": field}; field may be NULL. */
void	reply_error(struct api_resp *, int status, const char *msg,
	    const char *field);
/*
 * 422 in Judge0's shape plus ours:
 * {"error": error or "<field> <detail>", "field": field, field: [detail]}.
 */
void	reply_invalid(struct api_resp *, const char *error,
	    const char *field, const char *detail);
/*
 * 500 {"error":"internal error"}; err goes to resp->err (NULL keeps what
 * is there, or says "out of memory" if that is empty).
 */
void	reply_internal(struct api_resp *, const struct err *err);
/* Appends "line\r\n" to the headers.  Returns 0, or -1 (then a 500). */
int	reply_header(struct api_resp *, const char *line);

/* One submission as GET /submissions/{token} shows it, or NULL (ENOMEM). */
json_object *render_submission(const struct submission *);

/*
 * The query parameters of a submission request: wait=, base64_encoded=
 * and fields= (a comma list of view_field_index names, or "*").  Returns
 * 0, or -1 with resp holding the answer (400 for a malformed query or an
 * unknown field).
 */
struct api_query {
	int		wait;
	int		base64;
	int		fields_all;	/* fields=* */
	uint64_t	fields;		/* bit i: field i; 0: the default set */
};
/*
 * Parses the query string into f (release with form_reset).  Returns 0,
 * or -1 with resp answered (400 for a malformed query).
 */
int	api_query_form(const struct api_req *, struct form *,
	    struct api_resp *);
/*
 * The submission token as the caller may see it (their own; admins see
 * all).  Returns 1 with *s (caller frees) and resp->token set, 0 if there
 * is none to show (bad token, unknown, another owner's: the caller
 * answers its 404), -1 with resp answered (500).
 */
struct submission;
int	api_get_owned(struct api *, const struct api_req *, const char *token,
	    struct submission **s, struct api_resp *resp);
int	api_parse_query(const struct api_req *, struct api_query *,
	    struct api_resp *);

/* The owner of the request: REMOTE_USER, or "anonymous" if unset. */
const char *api_owner(const struct api_req *);

/*
 * The limits a submission may set, in Judge0's names and units, with
 * where each lives in struct limits (submit.c; /config_info shows them).
 */
struct api_limit {
	const char	*name;		/* "cpu_time_limit" */
	int		 is_int;	/* int64_t (KB, count), else double s */
	size_t		 off;		/* in struct limits */
	int		 zero_ok;	/* 0 is a meaningful value */
};
const struct api_limit *api_limit_table(size_t *n);

/* POST /submissions (submit.c). */
void	api_post_submission(struct api *, const struct api_req *,
	    const char *arg, struct api_resp *);

/* ---- the whole API (issue 5) ---- */

#define API_IDEM_TTL_MS		(24LL * 60 * 60 * 1000)
#define API_MAX_IDEM_KEY	255	/* bytes of an Idempotency-Key */

/* 1 if len bytes of p are well-formed UTF-8 (render.c). */
int	json_text_valid(const char *p, size_t len);

/*
 * fields= of a submission (view.c): the index of the field named by len
 * bytes of name, or -1.  At most 64 fields (a uint64_t mask).
 */
int	view_field_index(const char *name, size_t len);
/*
 * One submission as q asks: the default fields or q's, text fields in
 * base64 when q->base64.  Returns a new object (caller puts it), or NULL
 * with resp answered: 400 when a text field shown is not UTF-8 without
 * base64 (Judge0's answer), 500 when memory or the store fails.
 */
json_object *view_submission(struct api *, const struct submission *,
	    const struct api_query *, struct api_resp *);

/*
 * The body as a JSON object, or a form when the content type says so
 * (its values are text: *form is set).  Returns 0 with *obj (caller
 * puts it), or -1 with resp answered (400, 413, 415).  api_read_json
 * reads JSON whatever the content type (Piston's clients send none).
 */
int	api_read_body(struct api *, const struct api_req *, json_object **obj,
	    int *form, struct api_resp *);
int	api_read_json(struct api *, const struct api_req *, json_object **obj,
	    struct api_resp *);

/*
 * The one way in for every route family (submit.c): obj holds a
 * submission in Judge0's names (the family maps its own onto them).  It
 * is decoded (base64), validated (build: 400/413/422), checked against
 * the queue (503/429) and stored, or found by the request's
 * Idempotency-Key.  Returns 0 with *out (caller frees; token set; the
 * request part only), or -1 with resp answered.  Does not answer the
 * success: the caller renders its own shape.
 */
struct api_submit_opts {
	int		 form;		/* obj's values are form text */
	int		 base64;	/* base64_encoded=true */
	int		 no_idempotency; /* ignore the header (batch) */
};
int	api_submit(struct api *, const struct api_req *, json_object *obj,
	    const struct api_submit_opts *, struct submission **out,
	    struct api_resp *);
/*
 * Waits up to wait_timeout_ms for token's verdict.  Returns 1 with *out
 * (caller frees) once final, 0 when the wait ended first (timeout,
 * stopping, pruned), or -1 with resp answered (500).
 */
int	api_wait(struct api *, const char *token, struct submission **out,
	    struct api_resp *);
/* 201/202 {"token": token}. */
void	api_reply_token(struct api_resp *, int status, const char *token);
/*
 * Back-pressure for n new jobs of owner: 503 (queue full) or 429 (owner
 * over owner_queue_max), both with Retry-After.  Returns 0, or -1 with
 * resp answered.
 */
int	api_check_queue(struct api *, const char *owner, int n,
	    struct api_resp *);

/*
 * A synchronous route (compat.c, piston.c): api_submit, then api_wait.
 * Returns 1 with *out final (caller frees), 0 when the wait ended first
 * (resp->token names the job; the caller answers), -1 with resp
 * answered.
 */
int	api_run_sync(struct api *, const struct api_req *, json_object *obj,
	    int form, struct submission **out, struct api_resp *);
/* key: len bytes of p as text (invalid UTF-8 replaced), "" for NULL. */
int	api_text(json_object *o, const char *key, const char *p, size_t len);

/* The other handlers api.c routes to. */
#define API_HANDLER(name)						\
	void name(struct api *, const struct api_req *, const char *,	\
	    struct api_resp *)
API_HANDLER(api_post_batch);		/* batch.c */
API_HANDLER(api_get_batch);
API_HANDLER(api_delete_submission);	/* ops.c */
API_HANDLER(api_languages_all);
API_HANDLER(api_system_info);
API_HANDLER(api_statistics);
API_HANDLER(api_workers);
API_HANDLER(api_metrics);
API_HANDLER(api_piston_runtimes);	/* piston.c */
API_HANDLER(api_piston_execute);
API_HANDLER(api_post_code);		/* compat.c */
API_HANDLER(api_post_submissions_new);
API_HANDLER(api_post_api_execute);
API_HANDLER(api_get_api_languages);
API_HANDLER(api_get_api_health);
API_HANDLER(api_post_run);
API_HANDLER(api_get_status);
API_HANDLER(api_post_execute);
/*
 * /statistics beyond the verdict counts (ops.c): submissions total,
 * today and in the last hour, per day for 30 days, of owner (NULL:
 * everyone, and then the database size too) added to o.  Returns 0, or
 * -1.
 */
int	api_statistics_extra(struct api *, const char *owner, json_object *o,
	    struct err *);
/* The executors' state for /health, /workers: ready ones, busy ones. */
int	api_executors(const struct api *, int *ready, int *busy);

/* 1 if the body's first non-blank byte is '{': JSON, whatever its type. */
int	api_body_is_json(const struct api_req *);

/*
 * The length of the well-formed UTF-8 sequence at p (of n bytes), or minus
 * the length of its maximal ill-formed prefix (one U+FFFD).  render.c.
 */
long	api_utf8_seq(const unsigned char *p, size_t n);

#endif
