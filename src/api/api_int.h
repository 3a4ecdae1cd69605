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
struct err;
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
 * The query parameters this issue knows.  Returns 0, or -1 with resp
 * holding the answer (400 for a malformed query or a mode we refuse).
 */
struct api_query {
	int	wait;
};
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

#endif
