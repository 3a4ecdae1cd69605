/*
 * The CSRF gate: request policy, in front of every handler but GET's.
 * A request a browser could have sent on its own from another site's
 * page (no API key, and a body that is no JSON) is refused with a 403
 * when it came from another origin; a form body must also carry the
 * form's token, bound to the owner and a time window.  The gate reads
 * the token from the body as the handlers will (body.h): parsed once.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "base/err.h"
#include "base/hmac.h"
#include "base/util.h"
#include "api.h"
#include "body.h"
#include "csrf.h"
#include "multipart.h"
#include "negotiate.h"
#include "reply.h"
#include "request.h"

static void
csrf_mac(const char *secret, const char *owner, int64_t window,
    char hex[2 * SHA256_DIGEST_BYTES + 1])
{
	static const char	label[] = "coderunner-csrf";
	struct hmac_ctx		h;
	unsigned char		mac[SHA256_DIGEST_BYTES];
	char			w[24];

	snprintf(w, sizeof(w), "%lld", (long long)window);
	hmac_init(&h, secret, strlen(secret));
	hmac_update(&h, label, sizeof(label));		/* with its NUL */
	hmac_update(&h, owner, strlen(owner) + 1);
	hmac_update(&h, w, strlen(w));
	hmac_final(&h, mac);
	hmac_hex(mac, sizeof(mac), hex);
}

int
csrf_token(const char *secret, const char *owner, int64_t now_s,
    char out[CSRF_TOKEN_MAX], struct err *err)
{
	char	hex[2 * SHA256_DIGEST_BYTES + 1];
	int64_t	w = now_s / CSRF_WINDOW_S;

	if (secret == NULL || *secret == '\0')
		return err_set(err, "csrf: no csrf_secret");
	csrf_mac(secret, owner, w, hex);
	snprintf(out, CSRF_TOKEN_MAX, "%lld.%s", (long long)w, hex);
	return 0;
}

int
csrf_valid(const char *secret, const char *owner, const char *token,
    size_t len, int64_t now_s)
{
	char		 hex[2 * SHA256_DIGEST_BYTES + 1], w[24];
	const char	*dot;
	int64_t		 window, now_w = now_s / CSRF_WINDOW_S;
	size_t		 wlen;

	if (secret == NULL || *secret == '\0' || token == NULL ||
	    (dot = memchr(token, '.', len)) == NULL)
		return 0;
	wlen = (size_t)(dot - token);
	if (wlen == 0 || wlen >= sizeof(w) ||
	    len - wlen - 1 != 2 * SHA256_DIGEST_BYTES)
		return 0;
	memcpy(w, token, wlen);
	w[wlen] = '\0';
	if (util_parse_i64(w, 0, INT64_MAX, &window) == -1 ||
	    window > now_w || window < now_w - CSRF_WINDOWS)
		return 0;
	csrf_mac(secret, owner, window, hex);
	return hmac_equal(hex, dot + 1, 2 * SHA256_DIGEST_BYTES);
}

/*
 * An origin as the CSRF gate compares it: scheme, host and port, the
 * port made explicit (80 for http, 443 for https).  The host points into
 * the string it was parsed from; an IPv6 host keeps its brackets.
 */
struct origin {
	int		 https;
	const char	*host;
	size_t		 host_len;
	unsigned int	 port;		/* 0: the string named none */
};

/*
 * Parses the authority "host[:port]" of n bytes at p.  Returns 0, or -1
 * for anything but a plain host and port (userinfo, an empty host, a
 * path, a port outside 1..65535).
 */
static int
authority_parse(const char *p, size_t n, struct origin *o)
{
	unsigned long	port = 0;
	size_t		hl, i;

	if (n > 0 && p[0] == '[') {
		for (hl = 1; hl < n && p[hl] != ']'; hl++)
			if (!isxdigit((unsigned char)p[hl]) && p[hl] != ':' &&
			    p[hl] != '.')
				return -1;
		if (hl == n || hl == 1)
			return -1;
		hl++;
	} else {
		for (hl = 0; hl < n && p[hl] != ':'; hl++)
			if (!isalnum((unsigned char)p[hl]) && p[hl] != '-' &&
			    p[hl] != '.' && p[hl] != '_' && p[hl] != '~' &&
			    p[hl] != '%')
				return -1;
		if (hl == 0)
			return -1;
	}
	o->host = p;
	o->host_len = hl;
	o->port = 0;
	if (hl == n)
		return 0;
	if (p[hl] != ':' || n - hl - 1 == 0 || n - hl - 1 > 5)
		return -1;
	for (i = hl + 1; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	if (port == 0 || port > 65535)
		return -1;
	o->port = (unsigned int)port;
	return 0;
}

/*
 * Parses the origin s: "http" or "https", "://", an authority, and then
 * the end of s or, when url is set (a Referer), the URL's path, query or
 * fragment.  Returns 0, or -1 if s is no such origin ("null", another
 * scheme, userinfo, ...).
 */
static int
origin_parse(const char *s, int url, struct origin *o)
{
	int	https;

	if (strncasecmp(s, "http://", 7) == 0) {
		https = 0;
		s += 7;
	} else if (strncasecmp(s, "https://", 8) == 0) {
		https = 1;
		s += 8;
	} else
		return -1;
	if (authority_parse(s, url ? strcspn(s, "/?#") : strlen(s), o) == -1)
		return -1;
	o->https = https;
	if (o->port == 0)
		o->port = https ? 443 : 80;
	return 0;
}

/*
 * The origin the request was sent to, as the browser saw it.  nginx
 * passes it as CODERUNNER_ORIGIN ($coderunner_origin in http.conf:
 * $scheme://$http_host, which a site behind a proxy that terminates TLS
 * sets to its public origin).  Without it (another server, an older
 * config): the scheme of REQUEST_SCHEME or HTTPS, the host of Host, and
 * the port of Host or else SERVER_PORT (nginx's $host has none).  Client
 * headers such as X-Forwarded-Proto are never read here: only nginx
 * decides to trust them.  Returns 0, or -1 if it cannot be known.
 */
static int
self_origin(const struct api_req *req, struct origin *o)
{
	int64_t	port;

	if (req->self_origin != NULL &&
	    origin_parse(req->self_origin, 0, o) == 0)
		return 0;
	if (req->host == NULL ||
	    authority_parse(req->host, strlen(req->host), o) == -1)
		return -1;
	if (req->scheme != NULL && (strcasecmp(req->scheme, "http") == 0 ||
	    strcasecmp(req->scheme, "https") == 0))
		o->https = strcasecmp(req->scheme, "https") == 0;
	else
		o->https = req->https != NULL && req->https[0] != '\0' &&
		    strcasecmp(req->https, "off") != 0;
	if (o->port == 0) {
		if (req->server_port != NULL &&
		    util_parse_i64(req->server_port, 1, 65535, &port) == 0)
			o->port = (unsigned int)port;
		else
			o->port = o->https ? 443 : 80;
	}
	return 0;
}

/*
 * 1 if the request shows it came from another origin than its own:
 * Sec-Fetch-Site says anything but same-origin (or none: the user's own
 * navigation); or Origin is "null" (a sandboxed or privacy-hidden page),
 * malformed, or differs in scheme, host or port; or, without Origin, the
 * Referer does.  Same-site is foreign too: another port or a sibling
 * subdomain is another origin, and browsers call it same-site.  With
 * neither Origin nor Referer it is 0: browsers send Origin with every
 * POST, and forms still need their token.
 */
static int
foreign_origin(const struct api_req *req)
{
	struct origin	 self, o;
	const char	*from;
	int		 url;

	if (req->sec_fetch_site != NULL &&
	    strcasecmp(req->sec_fetch_site, "same-origin") != 0 &&
	    strcasecmp(req->sec_fetch_site, "none") != 0)
		return 1;
	if (req->origin != NULL) {
		from = req->origin;
		url = 0;
	} else if (req->referer != NULL && req->referer[0] != '\0') {
		from = req->referer;
		url = 1;
	} else
		return 0;
	if (origin_parse(from, url, &o) == -1 ||
	    self_origin(req, &self) == -1)
		return 1;
	return o.https != self.https || o.port != self.port ||
	    o.host_len != self.host_len ||
	    strncasecmp(o.host, self.host, o.host_len) != 0;
}

int
csrf_gate(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	const struct api_req	*req = c->req;
	char			 boundary[MP_MAX_BOUNDARY + 1];
	const char		*t;

	/*
	 * An API key cannot come from another site's page, nor can a JSON
	 * body (that needs a CORS preflight, which we never grant).  A body
	 * over the limit never gets here (api_handle answers 413).
	 */
	if (req->api_key || neg_ct_json(req->content_type))
		return 0;
	if (foreign_origin(req)) {
		reply_error(resp, 403, "posts from another site are refused",
		    NULL);
		return -1;
	}
	/*
	 * A JSON object under a form's content type (curl -d '{...}' with
	 * basic auth): no browser form encodes to that, and a cross-site
	 * page was refused just above by its Origin.
	 */
	if (body_looks_json(req))
		return 0;
	/* text/plain and the like: no form of ours, nothing to check */
	if (!neg_ct_is(req->content_type,
	    "application/x-www-form-urlencoded") &&
	    multipart_boundary(req->content_type, boundary) == -1)
		return 0;
	/*
	 * A form: its token, as the body was read for this route.  A route
	 * that reads only JSON reads no form, so a form posted there is
	 * refused here.
	 */
	if ((t = body_form_value(c->body, CSRF_FIELD)) != NULL &&
	    strlen(t) < CSRF_TOKEN_MAX &&
	    csrf_valid(a->cfg->csrf_secret, c->owner, t, strlen(t),
	    util_now_ms() / 1000))
		return 0;
	reply_error(resp, 403, "this form has expired or did not come from "
	    "this site: load the form again and resubmit", CSRF_FIELD);
	return -1;
}
