#ifndef API_CSRF_H
#define API_CSRF_H

/* Private to src/api/: CSRF tokens and the gate (csrf.c). */
#include <stddef.h>
#include <stdint.h>

struct api;
struct api_call;
struct api_resp;
struct err;

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
 * The gate, in front of every handler but GET's: a request a browser
 * could have sent on its own from another site's page (no API key, and a
 * body that is no JSON) is refused with a 403 when it came from another
 * origin: Sec-Fetch-Site is neither same-origin nor none, or Origin (or,
 * without it, Referer) differs from the request's own origin in scheme,
 * host or port, or is "null" or malformed; a form body (urlencoded or
 * multipart) must also carry a valid CSRF_FIELD of the owner, read from
 * c->body (a route that reads only JSON has no form field: refused).
 * Returns 0, or -1 with resp answered.  Nothing is stored then.
 */
int	csrf_gate(struct api *, const struct api_call *c,
	    struct api_resp *resp);

#endif
