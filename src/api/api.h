#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define API_VERSION	"0.1.0"
/* The version of Judge0's API this one implements (/about, /version). */
#define API_JUDGE0_VERSION	"1.13.1"

struct config;
struct store;
struct lang_table;
struct metrics;
struct sandbox_host;

/*
 * Request handling, without a server: api_handle(request) -> response.
 * fcgi-app/ fills struct api_req from the FastCGI params and body and
 * writes struct api_resp back; tests call api_handle directly.
 */
struct api_req {
	const char	*method;	/* REQUEST_METHOD */
	const char	*path;		/* path below the mount prefix, "/..." */
	const char	*query;		/* QUERY_STRING, "" if none */
	const char	*content_type;	/* CONTENT_TYPE or NULL */
	const char	*accept;	/* HTTP_ACCEPT or NULL */
	const char	*remote_user;	/* REMOTE_USER set by nginx, or NULL */
	const char	*script_name;	/* mount prefix from nginx, or NULL */
	const char	*idempotency_key; /* HTTP_IDEMPOTENCY_KEY or NULL */
	const char	*origin;	/* HTTP_ORIGIN or NULL */
	const char	*referer;	/* HTTP_REFERER or NULL */
	const char	*sec_fetch_site; /* HTTP_SEC_FETCH_SITE or NULL */
	/*
	 * Where the request was sent, for the CSRF gate's origin check:
	 * CODERUNNER_ORIGIN ("scheme://host[:port]" as browsers see this
	 * server, set by nginx), else the other four.
	 */
	const char	*self_origin;	/* CODERUNNER_ORIGIN or NULL */
	const char	*scheme;	/* REQUEST_SCHEME or NULL */
	const char	*https;		/* HTTPS ("on") or NULL */
	const char	*host;		/* HTTP_HOST (nginx's $host) or NULL */
	const char	*server_port;	/* SERVER_PORT or NULL */
	int		 api_key;	/* nginx admitted an API key (param
					   CODERUNNER_API_KEY_USER set), not
					   a password a browser may replay */
	const char	*body;		/* not NUL-terminated */
	size_t		 body_len;
	int		 body_too_large; /* CONTENT_LENGTH over the limit */
};

/*
 * What went wrong, as the client is told it: handlers fill it with the
 * status (src/api/reply.h) and api_handle renders it once, at the end,
 * as JSON ({"error", "field", Judge0's "<field>": [detail], "token"}) or
 * as a page for a browser.
 */
struct api_error {
	char	msg[384];	/* "" while the answer is no error */
	char	field[64];	/* the input it is about, or "" */
	char	detail[256];	/* Judge0's 422 detail of field, or "" */
	char	token[37];	/* the submission it is about, or "" */
};

struct api_resp {
	int		 status;
	const char	*content_type;	/* static string; NULL until a
					   body is set */
	struct buf	 headers;	/* extra "Name: value\r\n" lines */
	struct buf	 body;
	struct api_error error;		/* the error, when status >= 400 */
	/* for the caller's log line: */
	char		 token[37];	/* submission created or read, or "" */
	struct err	 err;		/* failure behind a 500/503, or "" */
};

/*
 * What the API needs from the process it runs in: tell the executors a job
 * was queued, and sleep until a job may have finished (or timeout_ms
 * passed).  Both are cheap kernel objects made by the master.  Either may
 * be NULL; without wait_for, wait=true answers 202 at once.
 */
struct api_hooks {
	void	(*job_queued)(void *arg);
	/*
	 * Returns 0 when the job of token may have finished (the API looks
	 * in the store again) or timeout_ms passed, or -1 when the request
	 * is to stop waiting now: the process is stopping, or it has no
	 * thread to spare for another waiter.  The API then answers 202
	 * with the token.
	 */
	int	(*wait_for)(void *arg, const char *token, int timeout_ms);
	void	*arg;
};

struct api {
	const struct config	*cfg;
	struct store		*store;
	const struct lang_table	*langs;
	struct api_hooks	 hooks;
	/*
	 * Shared with the other processes (judge/metrics.h), or NULL: then
	 * /metrics has the database's numbers only and /health does not
	 * know the executors.
	 */
	struct metrics		*metrics;
	/* What the sandbox found on this host (/system_info), or NULL. */
	const struct sandbox_host *host;
};

/*
 * Handles one request.  Always fills resp (status, content type, body);
 * never fails: our own errors become a JSON 500/503 with a generic
 * message, and the detail goes to resp->err for the caller to log.
 * resp must come from api_resp_init; release it with api_resp_reset.
 * The routes are listed in api.c; what each answers, at the head of
 * the file of its handler (src/api/handlers.h).
 *
 * A NULL method or path counts as "" or "/"; a trailing '/' is ignored;
 * HEAD is GET (the server drops the body).  The store is not touched
 * before the request has passed routing and validation.
 */
void	api_handle(struct api *, const struct api_req *, struct api_resp *);
/*
 * The body of s's callback (fields.c; fcgi-app/callback.c sends it): the
 * default fields of GET /submissions/{token}, in base64 when the request
 * asked for it (or when its output is not UTF-8), with "base64_encoded"
 * saying which.
 * Fills out.  Returns 0, or -1 with err set.
 */
struct submission;
int	api_callback_body(struct api *, const struct submission *s,
	    int base64, struct buf *out, struct err *err);

/*
 * Callback URLs (callback.c).  api_callback_url_check: 0 if url may be
 * a callback_url (http or https, a host on callback_allow_hosts), or -1
 * with the reason in why.  api_callback_addr_ok: 1 if an address an
 * allow-listed host resolved to may be connected to: public addresses
 * yes; loopback, private, link-local and other special ranges only when
 * the address itself (or its network) is on the allow-list.
 */
struct sockaddr;
int	api_callback_url_check(const struct config *, const char *url,
	    char *why, size_t why_size);
int	api_callback_addr_ok(const struct config *, const struct sockaddr *);

/* Zeroes resp: status 0, no content type, empty buffers. */
void	api_resp_init(struct api_resp *);
/* Frees the buffers and zeroes resp again; it can be reused. */
void	api_resp_reset(struct api_resp *);

#endif
