#ifndef API_HTML_INT_H
#define API_HTML_INT_H

/*
 * Private to src/api/: the pages for people (html.c) and the
 * multipart/form-data parser their form posts need (multipart.c).
 */
#include <stddef.h>
#include <stdint.h>

#include <json.h>

struct api;
struct api_req;
struct api_resp;
struct buf;
struct err;

#define API_HTML	"text/html; charset=utf-8"

/* ---- multipart/form-data (multipart.c) ---- */

#define MP_MAX_PARTS		64	/* parts in one body */
#define MP_MAX_HEADER_BYTES	8192	/* the header lines of one part */
#define MP_MAX_NAME		256	/* a field name, file name, type */
#define MP_MAX_BOUNDARY		70	/* RFC 2046 */

/*
 * One part.  name is always set (a part without one is malformed);
 * filename is NULL for a plain field and may be "" (a file input left
 * empty); content_type is NULL when the part has none.  The strings are
 * owned by the struct multipart; data points into the parsed body.
 */
struct mp_part {
	char		*name;
	char		*filename;
	char		*content_type;
	const char	*data;
	size_t		 len;
};

struct multipart {
	struct mp_part	*parts;
	size_t		 n;
};

/*
 * The boundary parameter of a multipart/form-data content type, checked
 * against RFC 2046 (1 to 70 characters of its set).  Returns 0 with out
 * filled, or -1 if content_type is no such type or has no valid boundary.
 */
int	multipart_boundary(const char *content_type,
	    char out[MP_MAX_BOUNDARY + 1]);
/*
 * Parses len bytes of body (borrowed: the parts point into it for as
 * long as mp lives) as content_type says.  Returns 1 with mp filled
 * (release with multipart_reset), 0 if the body is malformed or over a
 * limit (err says which; mp is empty), or -1 with err set when memory
 * runs out.  Never reads outside [body, body + len).
 */
int	multipart_parse(const char *content_type, const char *body,
	    size_t len, struct multipart *mp, struct err *err);
void	multipart_reset(struct multipart *);
/* The last part named name, or NULL.  Borrowed from mp. */
const struct mp_part *multipart_get(const struct multipart *mp,
	    const char *name);

/* ---- negotiation, escaping, CSRF (html.c) ---- */

/*
 * 1 if the Accept header asks for HTML before JSON: text/html (or
 * application/xhtml+xml) has a higher q than application/json (or the
 * wildcard that stands for it), or the same q and comes first.  NULL,
 * "*" "/" "*" and application/json are JSON (0).
 */
int	html_wanted(const char *accept);

/*
 * Appends len bytes of p to b as HTML text, safe in element content and
 * in double- or single-quoted attribute values: & < > " ' become
 * entities, invalid UTF-8 becomes U+FFFD, and control characters other
 * than tab, LF and CR become their visible Control Pictures (U+2400..).
 * Returns 0, or -1 with err set when memory runs out.
 */
int	html_escape(struct buf *b, const char *p, size_t len,
	    struct err *err);

/*
 * CSRF tokens: "<window>.<hex HMAC-SHA256(secret, "coderunner-csrf" NUL
 * owner NUL window)>", where window counts CSRF_WINDOW_S periods since
 * the epoch.  A token is good in its window and the CSRF_WINDOWS after.
 */
#define CSRF_FIELD		"csrf_token"
#define CSRF_WINDOW_S		3600
#define CSRF_WINDOWS		24
#define CSRF_TOKEN_MAX		96

/* Writes the token of owner at now_s.  -1 (err set) if secret is "". */
int	csrf_token(const char *secret, const char *owner, int64_t now_s,
	    char out[CSRF_TOKEN_MAX], struct err *err);
/* 1 if the len bytes of token are a good token of owner at now_s. */
int	csrf_valid(const char *secret, const char *owner, const char *token,
	    size_t len, int64_t now_s);

/*
 * The CSRF gate, in front of every handler but GET's: a request a browser
 * could have sent on its own from another site's page (no API key, and a
 * body that is no JSON) is refused with a 403 when it came from another
 * origin: Sec-Fetch-Site is neither same-origin nor none, or Origin (or,
 * without it, Referer) differs from the request's own origin in scheme,
 * host or port, or is "null" or malformed; a form body
 * (urlencoded or multipart) must also carry a valid CSRF_FIELD of the
 * owner.  Returns 0, or -1 with resp answered.  Nothing is stored then.
 */
int	html_csrf_gate(struct api *, const struct api_req *,
	    struct api_resp *);

/* ---- pages (html.c) ---- */

/* GET /, GET /submissions/new: the submission form (always HTML). */
void	api_get_form(struct api *, const struct api_req *, const char *arg,
	    struct api_resp *);
/*
 * GET /submissions: the caller's history (admins: everyone's), newest
 * first, as JSON ({submissions, meta} as Judge0) or HTML.  Query: page,
 * per_page (1..100, default 20), language_id, status_id, since, until
 * (ms since the epoch, or a YYYY-MM-DD day in UTC, until inclusive).
 */
void	api_get_history(struct api *, const struct api_req *,
	    const char *arg, struct api_resp *);
/* GET /statistics: verdicts per language and a run-time histogram. */
void	api_get_statistics(struct api *, const struct api_req *,
	    const char *arg, struct api_resp *);
/* GET /submissions/{token} as a page (404 page when not the caller's). */
void	html_get_submission(struct api *, const struct api_req *,
	    const char *token, struct api_resp *);
/*
 * Turns the answer of POST /submissions into what a browser wants: a
 * 303 to the result page after a 201, the form again with the error
 * beside its field (and the input kept from in, the posted fields) after
 * a 400/413/422, an error page otherwise.
 */
void	html_post_answer(struct api *, const struct api_req *,
	    json_object *in, struct api_resp *);
/* Turns a JSON error answer in resp (status >= 400) into an HTML page. */
void	html_error_from_json(struct api *, const struct api_req *,
	    struct api_resp *);

#endif
