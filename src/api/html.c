/*
 * Pages for people: the submission form, the result page that follows
 * the verdict, the history and the statistics; and what keeps them safe.
 *
 * Safety, each rule kept in one place:
 *  - Every byte that does not come from this file is written through
 *    html_escape() (p_text, p_textn); numbers through p_fmt.  Attribute
 *    values are always double-quoted.
 *  - No inline script or style anywhere: the pages link static/
 *    coderunner.css and coderunner.js (served by nginx), and the
 *    Content-Security-Policy of page_reply() forbids anything else,
 *    frames included.  Charts are inline SVG with presentation
 *    attributes and CSS classes, which the policy allows.
 *  - Form posts carry a CSRF token bound to the owner and a time window
 *    (csrf_token); api_handle() puts html_csrf_gate() in front of every
 *    handler that is no GET, so a form post without its token, or any
 *    post a browser sent from another site, is refused before a handler
 *    runs.
 *  - Links, form actions and redirects are path-absolute under the mount
 *    prefix (SCRIPT_NAME, else base_path), which is used only if it is a
 *    plain path: a prefix like "//host" would make a redirect leave the
 *    site.
 *
 * Everything works without JavaScript: a page whose verdict is pending
 * refreshes itself with <meta http-equiv=refresh> inside <noscript>.
 * With JavaScript the same page polls the JSON answer of its own URL and
 * updates in place (static/coderunner.js, keyed on the ids below).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/hmac.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/store.h"
#include "api.h"
#include "api_int.h"
#include "html_int.h"

#define HTML_MAX_PREFIX		200
#define HIST_PER_PAGE		20
#define CSP	"Content-Security-Policy: default-src 'self'; "		\
		"script-src 'self'; style-src 'self'; "			\
		"img-src 'self'; connect-src 'self'; "			\
		"form-action 'self'; base-uri 'none'; "			\
		"object-src 'none'; frame-ancestors 'none'"

/* ---- content negotiation ---- */

/* q of one media range's parameters at [p, end): 1 unless q= says. */
static double
qvalue(const char *p, const char *end)
{
	double	q = 1, scale = 0.1;

	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			p += 2;
			if (p < end && (*p == '0' || *p == '1')) {
				q = *p++ - '0';
				if (p < end && *p == '.')
					for (p++; p < end && *p >= '0' &&
					    *p <= '9'; p++) {
						q += (*p - '0') * scale;
						scale /= 10;
					}
			} else
				q = 0;
			return q > 1 ? 1 : q;
		}
		while (p < end && *p != ';')
			p++;
	}
	return q;
}

int
html_wanted(const char *accept)
{
	const char	*p, *end, *m, *mend;
	double		 q, q_html = 0, q_json = -1, q_wild = -1;
	int		 pos, html_pos = -1, json_pos = -1, wild_pos = -1;
	size_t		 n;

	if (accept == NULL)
		return 0;
	for (p = accept, pos = 0; *p != '\0'; pos++) {
		end = p + strcspn(p, ",");
		for (m = p; m < end && (*m == ' ' || *m == '\t'); m++)
			;
		for (mend = m; mend < end && *mend != ';' && *mend != ' ' &&
		    *mend != '\t'; mend++)
			;
		n = (size_t)(mend - m);
		q = qvalue(mend, end);
		if ((n == 9 && strncasecmp(m, "text/html", n) == 0) ||
		    (n == 21 && strncasecmp(m, "application/xhtml+xml",
		    n) == 0)) {
			if (q > q_html) {
				q_html = q;
				html_pos = pos;
			}
		} else if (n == 16 && strncasecmp(m, "application/json",
		    n) == 0) {
			if (q > q_json) {
				q_json = q;
				json_pos = pos;
			}
		} else if ((n == 3 && strncmp(m, "*/*", 3) == 0) ||
		    (n == 13 && strncasecmp(m, "application/*", n) == 0)) {
			if (q > q_wild) {
				q_wild = q;
				wild_pos = pos;
			}
		}
		p = *end == ',' ? end + 1 : end;
	}
	/* JSON's own q if it is listed, else what a wildcard gives it */
	if (q_json < 0) {
		q_json = q_wild;
		json_pos = wild_pos;
	}
	if (q_html <= 0)
		return 0;
	return q_html > q_json || (q_html == q_json && html_pos < json_pos);
}

/* ---- escaping ---- */

int
html_escape(struct buf *b, const char *p, size_t len, struct err *err)
{
	const unsigned char	*u = (const unsigned char *)p;
	const char		*rep;
	char			 pic[4];
	size_t			 i = 0, start = 0, adv;
	long			 n;

	if (len == 0)		/* p may be NULL then */
		return 0;
	while (i < len) {
		adv = 1;
		if (u[i] >= 0x80) {
			if ((n = api_utf8_seq(u + i, len - i)) > 0) {
				i += (size_t)n;
				continue;
			}
			rep = "\xef\xbf\xbd";
			adv = (size_t)-n;
		} else if (u[i] == '&')
			rep = "&amp;";
		else if (u[i] == '<')
			rep = "&lt;";
		else if (u[i] == '>')
			rep = "&gt;";
		else if (u[i] == '"')
			rep = "&quot;";
		else if (u[i] == '\'')
			rep = "&#39;";
		else if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' &&
		    u[i] != '\r') || u[i] == 0x7f) {
			/* U+2400 + c, and U+2421 for DEL */
			pic[0] = '\xe2';
			pic[1] = '\x90';
			pic[2] = (char)(u[i] == 0x7f ? 0xa1 : 0x80 + u[i]);
			pic[3] = '\0';
			rep = pic;
		} else {
			i++;
			continue;
		}
		if (buf_append(b, p + start, i - start, err) == -1 ||
		    buf_puts(b, rep, err) == -1)
			return -1;
		i += adv;
		start = i;
	}
	return buf_append(b, p + start, len - start, err);
}

/* ---- CSRF ---- */

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

/* 1 if ct is JSON (application/json, or a +json type). */
static int
ct_json(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	return (n == 16 && strncasecmp(ct, "application/json", n) == 0) ||
	    (n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0);
}

/* 1 if ct is application/x-www-form-urlencoded. */
static int
ct_is_form(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	return n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded",
	    n) == 0;
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

/* The value of the CSRF field of a form body, or NULL; into out. */
static const char *
body_token(const struct api_req *req, char out[CSRF_TOKEN_MAX])
{
	const struct form_field	*ff;
	const struct mp_part	*mpp;
	struct multipart	 mp = { NULL, 0 };
	struct form		 f = { 0 };
	struct err		 err;
	const char		*ret = NULL;

	if (ct_is_form(req->content_type)) {
		if (form_parse(req->body, req->body_len, &f, &err) == 1 &&
		    (ff = form_get(&f, CSRF_FIELD)) != NULL &&
		    ff->value_len < CSRF_TOKEN_MAX) {
			memcpy(out, ff->value, ff->value_len + 1);
			ret = out;
		}
		form_reset(&f);
	} else if (multipart_parse(req->content_type, req->body,
	    req->body_len, &mp, &err) == 1) {
		if ((mpp = multipart_get(&mp, CSRF_FIELD)) != NULL &&
		    mpp->filename == NULL && mpp->len < CSRF_TOKEN_MAX) {
			memcpy(out, mpp->data, mpp->len);
			out[mpp->len] = '\0';
			ret = out;
		}
		multipart_reset(&mp);
	}
	return ret;
}

int
html_csrf_gate(struct api *a, const struct api_req *req,
    struct api_resp *resp)
{
	char		 buf[CSRF_TOKEN_MAX];
	const char	*t;

	/*
	 * An API key cannot come from another site's page, nor can a JSON
	 * body (that needs a CORS preflight, which we never grant).  A body
	 * over the limit is refused by the handler before it is read.
	 */
	if (req->api_key || req->body_too_large || ct_json(req->content_type))
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
	if (api_body_is_json(req))
		return 0;
	/* text/plain and the like: no form of ours, nothing to check */
	if (!ct_is_form(req->content_type) &&
	    multipart_boundary(req->content_type, buf) == -1)
		return 0;
	if ((t = body_token(req, buf)) != NULL &&
	    csrf_valid(a->cfg->csrf_secret, api_owner(req), t, strlen(t),
	    util_now_ms() / 1000))
		return 0;
	reply_error(resp, 403, "this form has expired or did not come from "
	    "this site: load the form again and resubmit", CSRF_FIELD);
	return -1;
}

/* ---- the page builder ---- */

/*
 * A page being written.  The first failure (out of memory) sticks, so
 * the writers need no error checks; page_reply() reports it.
 */
struct page {
	struct buf	 b;
	struct err	 err;
	int		 failed;
	char		 prefix[HTML_MAX_PREFIX + 1];	/* "" or "/judge" */
	const char	*owner;
	int		 admin;
};

/* A usable prefix: "/" then [A-Za-z0-9._~/-], not starting "//". */
static int
prefix_ok(const char *p, size_t n)
{
	size_t	i;

	if (n == 0)
		return 1;
	if (p[0] != '/' || (n > 1 && p[1] == '/'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || strchr("._~/-", p[i]) !=
		    NULL))
			return 0;
	return 1;
}

static void
page_init(struct page *pg, const struct api *a, const struct api_req *req)
{
	const char	*p = req->script_name;
	size_t		 n;

	memset(pg, 0, sizeof(*pg));
	buf_init(&pg->b);
	pg->owner = api_owner(req);
	pg->admin = config_is_admin(a->cfg, pg->owner);
	if (p == NULL || *p == '\0')
		p = a->cfg->base_path != NULL ? a->cfg->base_path : "";
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n > HTML_MAX_PREFIX || !prefix_ok(p, n))
		n = 0;
	memcpy(pg->prefix, p, n);
	pg->prefix[n] = '\0';
}

static void
p_raw(struct page *pg, const char *s)
{
	if (!pg->failed && buf_puts(&pg->b, s, &pg->err) == -1)
		pg->failed = 1;
}

static void	p_fmt(struct page *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Formatted text of ours: numbers and fixed words only, never input.
 * Cut markup would be broken markup, so a cut is a failure.
 */
static void
p_fmt(struct page *pg, const char *fmt, ...)
{
	va_list	ap;
	char	s[1024];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s)) {
		if (!pg->failed)
			err_set(&pg->err, "page: formatted text too long");
		pg->failed = 1;
		return;
	}
	p_raw(pg, s);
}

static void
p_textn(struct page *pg, const char *p, size_t n)
{
	if (!pg->failed && html_escape(&pg->b, p != NULL ? p : "", p != NULL ?
	    n : 0, &pg->err) == -1)
		pg->failed = 1;
}

static void
p_text(struct page *pg, const char *s)
{
	p_textn(pg, s, s != NULL ? strlen(s) : 0);
}

/* A path-absolute URL under the prefix: prefix, then path (ours). */
static void
p_url(struct page *pg, const char *path)
{
	p_text(pg, pg->prefix);
	p_text(pg, path);
}

static void
p_time_s(struct page *pg, double s)
{
	p_fmt(pg, "%.3f&nbsp;s", s);
}

/* <time> in UTC, readable, with the ISO 8601 form for machines. */
static void
p_when(struct page *pg, int64_t ms)
{
	char		iso[32], human[32];
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	util_iso8601(ms, iso);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(human, sizeof(human), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(human, sizeof(human), "%s", iso);
	p_raw(pg, "<time datetime=\"");
	p_text(pg, iso);
	p_raw(pg, "\">");
	p_text(pg, human);
	p_raw(pg, "&nbsp;UTC</time>");
}

/* The CSS class of a verdict: its short code in lower case. */
static const char *
status_class(int status)
{
	static const char	*cls[JS_MAX + 1] = {
		"unknown", "qu", "pr", "ac", "wa", "tle", "ce", "re", "re",
		"re", "re", "re", "re", "ie", "ie", "mle", "ole",
	};

	return status >= 1 && status <= JS_MAX ? cls[status] : cls[0];
}

static void
p_badge(struct page *pg, int status, const char *id)
{
	p_raw(pg, "<span class=\"badge badge-");
	p_raw(pg, status_class(status));
	p_raw(pg, "\"");
	if (id != NULL) {
		p_raw(pg, " id=\"");
		p_raw(pg, id);
		p_raw(pg, "\"");
	}
	p_raw(pg, ">");
	p_text(pg, status == 0 ? "Not run" :
	    judge_status_description(status));
	p_raw(pg, "</span>");
}

static const char *
lang_display(const struct api *a, int id)
{
	const struct lang	*l;
	size_t			 i;

	/* an unavailable language still has a name for old submissions */
	if ((l = lang_by_id(a->langs, id)) != NULL)
		return l->display;
	for (i = 0; i < a->langs->n; i++)
		if (a->langs->langs[i].id == id)
			return a->langs->langs[i].display;
	return NULL;
}

static void
p_lang(struct page *pg, const struct api *a, int id)
{
	const char	*name = lang_display(a, id);

	if (name != NULL)
		p_text(pg, name);
	else
		p_fmt(pg, "language %d", id);
}

/*
 * The head and the site header.  refresh_s > 0 makes the page reload
 * itself that often when JavaScript is off (the script polls instead).
 */
static void
page_begin(struct page *pg, const char *title, int refresh_s)
{
	p_raw(pg, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	p_text(pg, title);
	p_raw(pg, " \xc2\xb7 coderunner</title>\n<link rel=\"stylesheet\" "
	    "href=\"");
	p_url(pg, "/static/coderunner.css");
	p_raw(pg, "\">\n<script src=\"");
	p_url(pg, "/static/coderunner.js");
	p_raw(pg, "\" defer></script>\n");
	if (refresh_s > 0)
		p_fmt(pg, "<noscript><meta http-equiv=\"refresh\" "
		    "content=\"%d\"></noscript>\n", refresh_s);
	p_raw(pg, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip "
	    "to the content</a>\n<header class=\"site\">\n<nav "
	    "aria-label=\"Site\"><a class=\"brand\" href=\"");
	p_url(pg, "/");
	p_raw(pg, "\">coderunner</a>\n<a href=\"");
	p_url(pg, "/submissions/new");
	p_raw(pg, "\">New submission</a>\n<a href=\"");
	p_url(pg, "/submissions");
	p_raw(pg, "\">History</a>\n<a href=\"");
	p_url(pg, "/statistics");
	p_raw(pg, "\">Statistics</a></nav>\n<p class=\"user\">Signed in as "
	    "<strong>");
	p_text(pg, pg->owner);
	p_raw(pg, "</strong></p>\n</header>\n<main id=\"main\">\n");
}

static void
page_end(struct page *pg)
{
	p_raw(pg, "</main>\n<footer class=\"site\"><p>coderunner "
	    API_VERSION "</p></footer>\n</body>\n</html>\n");
}

/*
 * Makes pg the answer: status, the HTML type and the strict headers,
 * kept beside those resp already has (Retry-After, Allow, ...).
 */
static void
page_reply(struct page *pg, struct api_resp *resp, int status)
{
	static const char	*hdrs[] = {
		CSP, "X-Content-Type-Options: nosniff",
		"Referrer-Policy: same-origin", "X-Frame-Options: DENY",
		"Vary: Accept",
	};
	size_t			 i;

	if (pg->failed) {
		buf_reset(&pg->b);
		reply_internal(resp, &pg->err);
		return;
	}
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		if (reply_header(resp, hdrs[i]) == -1)
			goto fail;
	if ((resp->headers.data == NULL ||
	    strstr(resp->headers.data, "Cache-Control:") == NULL) &&
	    reply_header(resp, "Cache-Control: no-store") == -1)
		goto fail;
	buf_reset(&resp->body);
	resp->body = pg->b;
	buf_init(&pg->b);
	resp->status = status;
	resp->content_type = API_HTML;
	return;
fail:
	buf_reset(&pg->b);	/* reply_header answered 500 */
}

/* ---- error pages ---- */

static const char *
status_title(int status)
{
	switch (status) {
	case 400:
		return "Bad request";
	case 403:
		return "Refused";
	case 404:
		return "Not found";
	case 405:
		return "Method not allowed";
	case 413:
		return "Too large";
	case 415:
		return "Unsupported content";
	case 422:
		return "Invalid submission";
	case 429:
		return "Too many requests";
	case 503:
		return "Busy";
	default:
		return status >= 500 ? "Something went wrong" : "Error";
	}
}

static void
html_error(struct api *a, const struct api_req *req, int status,
    const char *msg, struct api_resp *resp)
{
	struct page	pg;

	page_init(&pg, a, req);
	page_begin(&pg, status_title(status), 0);
	p_raw(&pg, "<h1>");
	p_text(&pg, status_title(status));
	p_raw(&pg, "</h1>\n<p class=\"error-text\" role=\"alert\">");
	/* the API's messages start in lower case; a sentence does not */
	if (msg[0] >= 'a' && msg[0] <= 'z') {
		p_fmt(&pg, "%c", msg[0] - 'a' + 'A');
		msg++;
	}
	p_text(&pg, msg);
	p_raw(&pg, "</p>\n");
	if (status == 429 || status == 503)
		p_raw(&pg, "<p>Wait a few seconds, then try again.</p>\n");
	p_raw(&pg, "<p><a href=\"");
	p_url(&pg, "/submissions/new");
	p_raw(&pg, "\">New submission</a> \xc2\xb7 <a href=\"");
	p_url(&pg, "/submissions");
	p_raw(&pg, "\">History</a></p>\n");
	page_end(&pg);
	page_reply(&pg, resp, status);
}

/* The message of our own JSON error body, or a general one. */
static void
json_error_parts(const struct api_resp *resp, char *msg, size_t msize,
    char *field, size_t fsize, char *detail, size_t dsize)
{
	json_object	*o = NULL, *v, *d;
	const char	*f = NULL;

	snprintf(msg, msize, "%s", status_title(resp->status));
	field[0] = detail[0] = '\0';
	if (resp->body.data == NULL ||
	    (o = json_tokener_parse(resp->body.data)) == NULL)
		return;
	if (json_object_object_get_ex(o, "error", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(msg, msize, "%s", json_object_get_string(v));
	if (json_object_object_get_ex(o, "field", &v) &&
	    json_object_is_type(v, json_type_string)) {
		f = json_object_get_string(v);
		snprintf(field, fsize, "%s", f);
	}
	/* Judge0's {"<field>": ["detail"]} */
	if (f != NULL && json_object_object_get_ex(o, f, &d) &&
	    json_object_is_type(d, json_type_array) &&
	    json_object_array_length(d) > 0 &&
	    json_object_is_type(json_object_array_get_idx(d, 0),
	    json_type_string))
		snprintf(detail, dsize, "%s", json_object_get_string(
		    json_object_array_get_idx(d, 0)));
	json_object_put(o);
}

void
html_error_from_json(struct api *a, const struct api_req *req,
    struct api_resp *resp)
{
	char	msg[300], field[64], detail[300];
	int	status = resp->status;

	if (status < 400 || resp->content_type == NULL ||
	    strcmp(resp->content_type, API_JSON) != 0)
		return;
	json_error_parts(resp, msg, sizeof(msg), field, sizeof(field),
	    detail, sizeof(detail));
	html_error(a, req, status, msg, resp);
	/* a 500 keeps its JSON if even the page failed: resp says so */
}

/* ---- the submission form ---- */

/* The posted value of key as text, or NULL (absent or not text). */
static const char *
form_value(json_object *vals, const char *key, size_t *len)
{
	json_object	*v;

	*len = 0;
	if (vals == NULL || !json_object_object_get_ex(vals, key, &v) ||
	    v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_string)) {
		*len = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	}
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_boolean)) {
		*len = strlen(json_object_get_string(v));
		return json_object_get_string(v);
	}
	return NULL;
}

/* What the form shows of an error: which input it belongs to. */
struct form_err {
	const char	*field;		/* the input's name, or NULL */
	const char	*msg;		/* beside the input */
};

/* The error text for input name, or NULL. */
static const char *
field_error(const struct form_err *fe, const char *name)
{
	if (fe == NULL || fe->field == NULL)
		return NULL;
	return strcmp(fe->field, name) == 0 ? fe->msg : NULL;
}

/* Opens a field: label, then the error if any (the input follows). */
static void
field_begin(struct page *pg, const struct form_err *fe, const char *name,
    const char *label, const char *hint)
{
	const char	*e = field_error(fe, name);

	p_raw(pg, e != NULL ? "<div class=\"field has-error\">\n" :
	    "<div class=\"field\">\n");
	p_raw(pg, "<label for=\"f-");
	p_raw(pg, name);
	p_raw(pg, "\">");
	p_text(pg, label);
	p_raw(pg, "</label>\n");
	if (hint != NULL) {
		p_raw(pg, "<p class=\"hint\" id=\"h-");
		p_raw(pg, name);
		p_raw(pg, "\">");
		p_text(pg, hint);
		p_raw(pg, "</p>\n");
	}
	if (e != NULL) {
		p_raw(pg, "<p class=\"field-error\" id=\"e-");
		p_raw(pg, name);
		p_raw(pg, "\">");
		p_text(pg, e);
		p_raw(pg, "</p>\n");
	}
}

/* The attributes that tie an input to its hint and error. */
static void
field_described(struct page *pg, const struct form_err *fe,
    const char *name, int has_hint)
{
	int	e = field_error(fe, name) != NULL;

	if (!has_hint && !e)
		return;
	p_raw(pg, " aria-describedby=\"");
	if (has_hint) {
		p_raw(pg, "h-");
		p_raw(pg, name);
	}
	if (e) {
		p_raw(pg, has_hint ? " e-" : "e-");
		p_raw(pg, name);
		p_raw(pg, "\" aria-invalid=\"true");
	}
	p_raw(pg, "\"");
}

static void
textarea(struct page *pg, json_object *vals, const struct form_err *fe,
    const char *name, const char *label, const char *hint, int rows)
{
	const char	*v;
	size_t		 len;

	field_begin(pg, fe, name, label, hint);
	p_fmt(pg, "<textarea id=\"f-%s\" name=\"%s\" rows=\"%d\" "
	    "spellcheck=\"false\" autocomplete=\"off\" autocapitalize=\"off\"",
	    name, name, rows);
	field_described(pg, fe, name, hint != NULL);
	/* a newline right after the tag would be eaten: write one */
	p_raw(pg, ">\n");
	if ((v = form_value(vals, name, &len)) != NULL)
		p_textn(pg, v, len);
	p_raw(pg, "</textarea>\n</div>\n");
}

/* The inputs' labels, by the API's field names (and units). */
static const struct {
	const char	*name;
	const char	*label;
	const char	*unit;
} labels[] = {
	{ "language_id", "Language", NULL },
	{ "source_code", "Source code", NULL },
	{ "source_file", "Source file", NULL },
	{ "stdin", "Input", NULL },
	{ "expected_output", "Expected output", NULL },
	{ "compare", "Compare the output", NULL },
	{ "cpu_time_limit", "CPU time", "s" },
	{ "cpu_extra_time", "Extra CPU time before the kill", "s" },
	{ "wall_time_limit", "Wall-clock time", "s" },
	{ "memory_limit", "Memory", "KB" },
	{ "stack_limit", "Stack", "KB" },
	{ "max_processes_and_or_threads", "Processes and threads", NULL },
	{ "max_file_size", "Size of a written file", "KB" },
	{ "redirect_stderr_to_stdout", "Send stderr into stdout", NULL },
};

/* The label of input name, or NULL. */
static const char *
field_label(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, name) == 0)
			return labels[i].label;
	return NULL;
}

static void
limit_input(struct page *pg, const struct api *a, json_object *vals,
    const struct form_err *fe, const struct api_limit *lim)
{
	const char	*label = lim->name, *unit = NULL, *v, *p;
	char		 hint[128];
	size_t		 i, len;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, lim->name) == 0) {
			label = labels[i].label;
			unit = labels[i].unit;
		}
	if (lim->is_int) {
		p = (const char *)&a->cfg->def + lim->off;
		i = (size_t)snprintf(hint, sizeof(hint), "Default %lld",
		    (long long)*(const int64_t *)(const void *)p);
		i = i < sizeof(hint) ? i : sizeof(hint) - 1;
		p = (const char *)&a->cfg->max + lim->off;
		snprintf(hint + i, sizeof(hint) - i, ", at most %lld%s%s.",
		    (long long)*(const int64_t *)(const void *)p,
		    unit ? " " : "", unit ? unit : "");
	} else {
		p = (const char *)&a->cfg->def + lim->off;
		i = (size_t)snprintf(hint, sizeof(hint), "Default %g",
		    *(const double *)(const void *)p);
		i = i < sizeof(hint) ? i : sizeof(hint) - 1;
		p = (const char *)&a->cfg->max + lim->off;
		snprintf(hint + i, sizeof(hint) - i, ", at most %g%s%s.",
		    *(const double *)(const void *)p, unit ? " " : "",
		    unit ? unit : "");
	}
	field_begin(pg, fe, lim->name, label, hint);
	p_fmt(pg, "<input type=\"text\" inputmode=\"%s\" id=\"f-%s\" "
	    "name=\"%s\" value=\"", lim->is_int ? "numeric" : "decimal",
	    lim->name, lim->name);
	if ((v = form_value(vals, lim->name, &len)) != NULL)
		p_textn(pg, v, len);
	p_raw(pg, "\"");
	field_described(pg, fe, lim->name, 1);
	p_raw(pg, ">\n</div>\n");
}

/* 1 if the error belongs to one of the inputs in the "Limits" group. */
static int
limit_error(const struct form_err *fe)
{
	const struct api_limit	*lim;
	size_t			 i, n;

	if (fe == NULL || fe->field == NULL)
		return 0;
	lim = api_limit_table(&n);
	for (i = 0; i < n; i++)
		if (strcmp(fe->field, lim[i].name) == 0)
			return 1;
	return strcmp(fe->field, "redirect_stderr_to_stdout") == 0;
}

/*
 * The form, with vals (the posted fields, or NULL) filled in and the
 * error fe (or NULL) shown at the top and beside its input.
 */
static void
form_page(struct api *a, const struct api_req *req, json_object *vals,
    const struct form_err *fe, const char *summary, int status,
    struct api_resp *resp)
{
	static const char	*modes[][2] = {
		{ "trim", "Ignore trailing spaces and blank lines" },
		{ "exact", "Exactly, byte for byte" },
		{ "tokens", "Word by word (any whitespace)" },
		{ "float", "Word by word, numbers within 1e-6" },
	};
	const struct api_limit	*lim;
	const struct lang	*l;
	struct page		 pg;
	struct err		 err;
	char			 token[CSRF_TOKEN_MAX], id[16];
	const char		*v, *lname, *file;
	size_t			 i, n, len;
	int			 sel;

	page_init(&pg, a, req);
	if (csrf_token(a->cfg->csrf_secret, pg.owner, util_now_ms() / 1000,
	    token, &err) == -1) {
		reply_internal(resp, &err);
		return;
	}
	page_begin(&pg, "New submission", 0);
	p_raw(&pg, "<h1>New submission</h1>\n");
	if (summary != NULL) {
		p_raw(&pg, "<div class=\"error-summary\" role=\"alert\" "
		    "tabindex=\"-1\" id=\"error-summary\">\n<h2>The submission "
		    "was not accepted</h2>\n<p>");
		if (fe != NULL && fe->field != NULL) {
			p_raw(&pg, "<a href=\"#f-");
			p_text(&pg, fe->field);
			p_raw(&pg, "\">");
			/* "Language: can't be blank" over "language_id ..." */
			if (field_label(fe->field) != NULL && fe->msg != NULL) {
				p_text(&pg, field_label(fe->field));
				p_raw(&pg, ": ");
				p_text(&pg, fe->msg);
			} else
				p_text(&pg, summary);
			p_raw(&pg, "</a>");
		} else
			p_text(&pg, summary);
		p_raw(&pg, "</p>\n</div>\n");
	}
	p_raw(&pg, "<form class=\"submit\" method=\"post\" "
	    "enctype=\"multipart/form-data\" action=\"");
	p_url(&pg, "/submissions");
	p_raw(&pg, "\">\n<input type=\"hidden\" name=\"" CSRF_FIELD
	    "\" value=\"");
	p_text(&pg, token);
	p_raw(&pg, "\">\n");

	/* language: language_id as posted, or the API's "language" name */
	field_begin(&pg, fe, "language_id", "Language", NULL);
	p_raw(&pg, "<select id=\"f-language_id\" name=\"language_id\"");
	field_described(&pg, fe, "language_id", 0);
	p_raw(&pg, ">\n<option value=\"\">Choose a language (or upload a "
	    "file to detect it)</option>\n");
	v = form_value(vals, "language_id", &len);
	lname = form_value(vals, "language", &len);
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!l->available)
			continue;
		snprintf(id, sizeof(id), "%d", l->id);
		sel = v != NULL ? strcmp(v, id) == 0 :
		    lname != NULL && lang_by_name(a->langs, lname) == l;
		p_fmt(&pg, "<option value=\"%d\"%s>", l->id,
		    sel ? " selected" : "");
		p_text(&pg, l->display);
		p_raw(&pg, "</option>\n");
	}
	p_raw(&pg, "</select>\n</div>\n");

	textarea(&pg, vals, fe, "source_code", "Source code", NULL, 16);
	field_begin(&pg, fe, "source_file", "Or upload a source file",
	    "Its contents are used as the source code; its name picks the "
	    "language if none is chosen.");
	p_raw(&pg, "<input type=\"file\" id=\"f-source_file\" "
	    "name=\"source_file\"");
	field_described(&pg, fe, "source_file", 1);
	p_raw(&pg, ">\n");
	if ((file = form_value(vals, "source_file", &len)) != NULL &&
	    len > 0) {
		p_raw(&pg, "<p class=\"hint\">The code above came from <code>");
		p_textn(&pg, file, len);
		p_raw(&pg, "</code>.</p>\n");
	}
	p_raw(&pg, "</div>\n");
	textarea(&pg, vals, fe, "stdin", "Input (stdin)", NULL, 4);
	textarea(&pg, vals, fe, "expected_output", "Expected output",
	    "Leave empty to run the program without judging its output.", 4);

	field_begin(&pg, fe, "compare", "Compare the output", NULL);
	p_raw(&pg, "<select id=\"f-compare\" name=\"compare\"");
	field_described(&pg, fe, "compare", 0);
	p_raw(&pg, ">\n");
	v = form_value(vals, "compare", &len);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		sel = v != NULL && strcmp(v, modes[i][0]) == 0;
		p_raw(&pg, "<option value=\"");
		p_raw(&pg, modes[i][0]);
		p_raw(&pg, sel ? "\" selected>" : "\">");
		p_text(&pg, modes[i][1]);
		p_raw(&pg, "</option>\n");
	}
	p_raw(&pg, "</select>\n</div>\n");

	p_raw(&pg, limit_error(fe) ? "<details class=\"advanced\" open>\n" :
	    "<details class=\"advanced\">\n");
	p_raw(&pg, "<summary>Limits and options</summary>\n"
	    "<p class=\"hint\">Empty fields take the default.</p>\n");
	lim = api_limit_table(&n);
	for (i = 0; i < n; i++)
		limit_input(&pg, a, vals, fe, &lim[i]);
	v = form_value(vals, "redirect_stderr_to_stdout", &len);
	p_raw(&pg, field_error(fe, "redirect_stderr_to_stdout") != NULL ?
	    "<div class=\"field check has-error\">\n" :
	    "<div class=\"field check\">\n");
	p_raw(&pg, "<input type=\"checkbox\" "
	    "id=\"f-redirect_stderr_to_stdout\" "
	    "name=\"redirect_stderr_to_stdout\" value=\"true\"");
	if (v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "on") == 0))
		p_raw(&pg, " checked");
	field_described(&pg, fe, "redirect_stderr_to_stdout", 0);
	p_raw(&pg, ">\n<label for=\"f-redirect_stderr_to_stdout\">Send "
	    "stderr into stdout</label>\n</div>\n</details>\n"
	    "<p class=\"actions\"><button type=\"submit\">Run</button></p>\n"
	    "</form>\n");
	page_end(&pg);
	page_reply(&pg, resp, status);
}

void
api_get_form(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	(void)arg;
	form_page(a, req, NULL, NULL, NULL, 200, resp);
}

void
html_post_answer(struct api *a, const struct api_req *req, json_object *in,
    struct api_resp *resp)
{
	struct form_err	 fe = { NULL, NULL };
	struct page	 pg;
	char		 msg[300], field[64], detail[300];
	char		 path[64];

	if (resp->status == 201 || resp->status == 202) {
		/* the token is a UUID (util_is_uuid): safe in a header */
		if (!util_is_uuid(resp->token)) {
			html_error_from_json(a, req, resp);
			return;
		}
		page_init(&pg, a, req);
		snprintf(path, sizeof(path), "/submissions/%s", resp->token);
		p_raw(&pg, "Location: ");
		p_url(&pg, path);
		if (pg.failed || reply_header(resp, pg.b.data) == -1) {
			buf_reset(&pg.b);
			reply_internal(resp, &pg.err);
			return;
		}
		buf_reset(&pg.b);
		page_begin(&pg, "Submitted", 0);
		p_raw(&pg, "<h1>Submitted</h1>\n<p><a href=\"");
		p_url(&pg, path);
		p_raw(&pg, "\">See the result</a></p>\n");
		page_end(&pg);
		page_reply(&pg, resp, 303);
		return;
	}
	if (in == NULL || (resp->status != 400 && resp->status != 413 &&
	    resp->status != 422)) {
		html_error_from_json(a, req, resp);
		return;
	}
	json_error_parts(resp, msg, sizeof(msg), field, sizeof(field),
	    detail, sizeof(detail));
	if (field[0] != '\0') {
		/* the API's "language" is the form's language_id */
		fe.field = strcmp(field, "language") == 0 ? "language_id" :
		    field;
		fe.msg = detail[0] != '\0' ? detail : msg;
	}
	form_page(a, req, in, &fe, msg, resp->status, resp);
}

/* ---- the result page ---- */

/* A <section> with a <pre>, hidden while there is nothing to show. */
static void
output_section(struct page *pg, const char *id, const char *title,
    const char *p, size_t len, int truncated)
{
	p_raw(pg, "<section class=\"output\" id=\"cr-");
	p_raw(pg, id);
	p_raw(pg, len > 0 ? "\">\n<h2>" : "\" hidden>\n<h2>");
	p_text(pg, title);
	p_raw(pg, "</h2>\n<pre id=\"cr-");
	p_raw(pg, id);
	p_raw(pg, "-text\">");
	p_textn(pg, p, len);
	p_raw(pg, "</pre>\n");
	if (truncated)
		p_raw(pg, "<p class=\"hint\">The output was cut: only its "
		    "beginning was kept.</p>\n");
	p_raw(pg, "</section>\n");
}

/* <details> with input bytes (source, stdin, expected output). */
static void
input_details(struct page *pg, const char *title, const char *p,
    size_t len)
{
	p_raw(pg, "<details class=\"input\">\n<summary>");
	p_text(pg, title);
	p_raw(pg, "</summary>\n<pre>");
	p_textn(pg, p, len);
	p_raw(pg, "</pre>\n</details>\n");
}

static void
tests_table(struct page *pg, const struct submission *s, int final)
{
	const struct judge_test_result	*r;
	size_t				 i;
	int				 st, ran;

	p_raw(pg, "<section id=\"cr-tests\">\n<h2>Tests</h2>\n<table "
	    "class=\"tests\">\n<thead><tr><th scope=\"col\">#</th>"
	    "<th scope=\"col\">Verdict</th><th scope=\"col\">Time</th>"
	    "<th scope=\"col\">Memory</th><th scope=\"col\">Message</th>"
	    "</tr></thead>\n<tbody id=\"cr-tests-body\">\n");
	for (i = 0; i < s->ntests; i++) {
		r = s->results != NULL ? &s->results[i] : NULL;
		st = r != NULL && r->status != 0 ? r->status :
		    final ? 0 : s->status;
		ran = r != NULL && judge_status_is_final(r->status) &&
		    s->status != JS_CE;
		p_fmt(pg, "<tr><td>%zu</td><td>", i + 1);
		p_badge(pg, st, NULL);
		p_raw(pg, "</td><td>");
		if (ran)
			p_time_s(pg, r->time_s);
		p_raw(pg, "</td><td>");
		if (ran)
			p_fmt(pg, "%lld&nbsp;KB", (long long)r->memory_kb);
		p_raw(pg, "</td><td>");
		if (r != NULL)
			p_textn(pg, r->message, strnlen(r->message,
			    sizeof(r->message)));
		p_raw(pg, "</td></tr>\n");
	}
	p_raw(pg, "</tbody>\n</table>\n</section>\n");
}

/*
 * Where a pending job is, in words: its place in the queue, or the test
 * the executor recorded last (submission.progress).
 */
static void
p_progress(struct page *pg, const struct submission *s, int64_t ahead)
{
	if (s->status == JS_QUEUE) {
		if (ahead == 0)
			p_raw(pg, "Next in the queue.");
		else if (ahead > 0)
			p_fmt(pg, "Waiting in the queue: %lld %s ahead of it.",
			    (long long)ahead, ahead == 1 ? "job" : "jobs");
		else
			p_raw(pg, "Waiting in the queue.");
	} else if (s->status == JS_PROCESSING) {
		if (s->ntests > 1 && s->progress > 0)
			p_fmt(pg, "Running test %d of %zu.", s->progress,
			    s->ntests);
		else if (s->ntests > 1)
			p_fmt(pg, "Compiling; %zu tests to run.", s->ntests);
		else
			p_raw(pg, "Running.");
	}
}

static void
p_dt(struct page *pg, const char *term, const char *id)
{
	p_raw(pg, "<dt>");
	p_raw(pg, term);
	p_raw(pg, "</dt><dd");
	if (id != NULL) {
		p_raw(pg, " id=\"");
		p_raw(pg, id);
		p_raw(pg, "\"");
	}
	p_raw(pg, ">");
}

void
html_get_submission(struct api *a, const struct api_req *req,
    const char *token, struct api_resp *resp)
{
	const struct judge_test_result	*r;
	struct submission		*s = NULL;
	struct page			 pg;
	struct err			 err;
	char				 title[64], path[64];
	int64_t				 ahead = -1;
	int				 final, ran;

	switch (api_get_owned(a, req, token, &s, resp)) {
	case -1:
		goto out;
	case 0:
		html_error(a, req, 404, "There is no such submission, or it "
		    "is not yours.", resp);
		goto out;
	}
	final = judge_status_is_final(s->status);
	if (s->status == JS_QUEUE &&
	    (ahead = store_queue_ahead(a->store, s->id, &err)) < 0)
		ahead = -1;	/* only a nicety: say less */
	r = submission_main_result(s);
	ran = final && r != NULL && judge_status_is_final(r->status) &&
	    s->status != JS_CE;

	page_init(&pg, a, req);
	snprintf(title, sizeof(title), "%s", judge_status_description(
	    s->status));
	page_begin(&pg, title, final ? 0 : 1);
	snprintf(path, sizeof(path), "/submissions/%s", s->token);
	p_raw(&pg, "<h1>Submission <code class=\"token\">");
	p_text(&pg, s->token);
	p_raw(&pg, "</code></h1>\n<div class=\"verdict\" id=\"cr-verdict\" "
	    "aria-live=\"polite\" data-poll=\"");
	p_url(&pg, path);
	p_fmt(&pg, "\" data-status=\"%d\" data-final=\"%d\">\n", s->status,
	    final);
	p_badge(&pg, s->status, "cr-status");
	p_raw(&pg, "\n<span class=\"progress\" id=\"cr-progress\">");
	p_progress(&pg, s, ahead);
	p_raw(&pg, "</span>\n</div>\n<dl class=\"facts\">\n");
	p_dt(&pg, "Language", NULL);
	p_lang(&pg, a, s->lang_id);
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "Message", "cr-message");
	p_textn(&pg, s->message, strnlen(s->message, sizeof(s->message)));
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "CPU time", "cr-time");
	if (ran)
		p_time_s(&pg, s->time_s);
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "Wall time", "cr-wall");
	if (ran)
		p_time_s(&pg, s->wall_time_s);
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "Memory", "cr-memory");
	if (ran)
		p_fmt(&pg, "%lld&nbsp;KB", (long long)s->memory_kb);
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "Exit", "cr-exit");
	if (ran && r->exit_signal != 0)
		p_fmt(&pg, "signal %d", r->exit_signal);
	else if (ran)
		p_fmt(&pg, "code %d", r->exit_code);
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "Submitted", NULL);
	p_when(&pg, s->created_ms);
	p_raw(&pg, "</dd>\n");
	p_dt(&pg, "Finished", "cr-finished");
	if (final && s->finished_ms > 0)
		p_when(&pg, s->finished_ms);
	p_raw(&pg, "</dd>\n");
	if (pg.admin) {
		p_dt(&pg, "Owner", NULL);
		p_text(&pg, s->owner);
		p_raw(&pg, "</dd>\n");
	}
	p_raw(&pg, "</dl>\n");

	output_section(&pg, "compile_output", "Compiler output",
	    s->compile_output, s->compile_output_len, 0);
	output_section(&pg, "stdout", "Output (stdout)",
	    r != NULL ? r->stdout_data : NULL, r != NULL ? r->stdout_len : 0,
	    r != NULL && r->stdout_truncated);
	output_section(&pg, "stderr", "Errors (stderr)",
	    r != NULL ? r->stderr_data : NULL, r != NULL ? r->stderr_len : 0,
	    r != NULL && r->stderr_truncated);
	if (s->ntests > 1)
		tests_table(&pg, s, final);

	input_details(&pg, "Source code", s->source, s->source_len);
	if (s->ntests == 1) {
		if (s->tests[0].stdin_len > 0)
			input_details(&pg, "Input (stdin)",
			    s->tests[0].stdin_data, s->tests[0].stdin_len);
		if (s->tests[0].expected != NULL)
			input_details(&pg, "Expected output",
			    s->tests[0].expected, s->tests[0].expected_len);
	}
	p_raw(&pg, "<p class=\"next\"><a href=\"");
	p_url(&pg, "/submissions/new");
	p_raw(&pg, "\">New submission</a> \xc2\xb7 <a href=\"");
	p_url(&pg, "/submissions");
	p_raw(&pg, "\">History</a></p>\n");
	page_end(&pg);
	page_reply(&pg, resp, 200);
out:
	submission_free(s);
}

/* ---- history ---- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * A time bound: ms since the epoch, or "YYYY-MM-DD" (UTC), which is the
 * start of that day, or of the next one when end is set (an inclusive
 * "until").  Returns 0 with *ms, or -1.
 */
static int
parse_when(const char *s, int end, int64_t *ms)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int64_t			y, m, d;

	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		if (sscanf(s, "%4" SCNd64 "-%2" SCNd64 "-%2" SCNd64, &y, &m,
		    &d) != 3 || strspn(s, "0123456789-") != 10 ||
		    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
		    d > mdays[m - 1])
			return -1;
		*ms = (days_from_civil(y, m, d) + (end ? 1 : 0)) * 86400000;
		return 0;
	}
	return util_parse_i64(s, 0, INT64_MAX / 2, ms);
}

struct hist {
	struct store_filter	 f;
	char			 since[32];	/* as given, for links */
	char			 until[32];
	int			 per_page_given;
};

/*
 * Reads the history query.  Returns 0, or -1 with resp holding a 400
 * (JSON; the caller makes a page of it).
 */
static int
hist_query(struct api *a, const struct api_req *req, struct hist *h,
    struct api_resp *resp)
{
	static const struct {
		const char	*name;
		int64_t		 min, max;
	} ints[] = {
		{ "page", 1, STORE_MAX_PAGE },
		{ "per_page", 1, STORE_MAX_PER_PAGE },
		{ "language_id", 1, INT32_MAX },
		{ "status_id", 1, JS_MAX },
	};
	const struct form_field	*v;
	const struct lang	*l;
	struct form		 f = { 0 };
	char			 msg[320];
	int64_t			 n[4] = { 1, HIST_PER_PAGE, 0, 0 };
	size_t			 i;
	int			 rc = -1;

	memset(h, 0, sizeof(*h));
	if (api_query_form(req, &f, resp) == -1)
		goto out;
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		/* "" is "any": what an untouched filter select sends */
		if ((v = form_get(&f, ints[i].name)) == NULL ||
		    v->value_len == 0)
			continue;
		if (strlen(v->value) != v->value_len ||
		    util_parse_i64(v->value, ints[i].min, ints[i].max,
		    &n[i]) == -1) {
			snprintf(msg, sizeof(msg), "%s must be an integer "
			    "from %lld to %lld", ints[i].name,
			    (long long)ints[i].min, (long long)ints[i].max);
			reply_error(resp, 400, msg, ints[i].name);
			goto out;
		}
		if (i == 1)
			h->per_page_given = 1;
	}
	/* Judge0-style names are welcome too */
	if (n[2] == 0 && (v = form_get(&f, "language")) != NULL &&
	    v->value_len > 0) {
		if (strlen(v->value) != v->value_len ||
		    (l = lang_by_name(a->langs, v->value)) == NULL) {
			reply_error(resp, 400, "no such language", "language");
			goto out;
		}
		n[2] = l->id;
	}
	h->f.page = n[0];
	h->f.per_page = n[1];
	h->f.lang_id = (int)n[2];
	h->f.status = (int)n[3];
	if ((v = form_get(&f, "since")) != NULL && v->value_len > 0) {
		if (v->value_len >= sizeof(h->since) ||
		    strlen(v->value) != v->value_len ||
		    parse_when(v->value, 0, &h->f.since_ms) == -1) {
			reply_error(resp, 400, "since must be ms since the "
			    "epoch or a date YYYY-MM-DD", "since");
			goto out;
		}
		memcpy(h->since, v->value, v->value_len + 1);
	}
	if ((v = form_get(&f, "until")) != NULL && v->value_len > 0) {
		if (v->value_len >= sizeof(h->until) ||
		    strlen(v->value) != v->value_len ||
		    parse_when(v->value, 1, &h->f.until_ms) == -1) {
			reply_error(resp, 400, "until must be ms since the "
			    "epoch or a date YYYY-MM-DD", "until");
			goto out;
		}
		memcpy(h->until, v->value, v->value_len + 1);
	}
	rc = 0;
out:
	form_reset(&f);
	return rc;
}

static int
add_time_s(json_object *o, const char *key, int present, double s)
{
	char	t[64];

	if (!present)
		return jadd_null(o, key);
	snprintf(t, sizeof(t), "%.3f", s);
	return jadd(o, key, json_object_new_string(t));
}

/* A row as JSON, in GET /submissions/{token}'s names.  NULL on ENOMEM. */
static json_object *
row_json(const struct store_row *r, int with_owner)
{
	json_object	*o = NULL, *st;
	char		 t[32];
	int		 ran = judge_status_is_final(r->status) &&
			    r->status != JS_CE && r->has_time;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "token", json_object_new_string(r->token)) == -1 ||
	    jadd(o, "status", st = json_object_new_object()) == -1 ||
	    jadd(st, "id", json_object_new_int(r->status)) == -1 ||
	    jadd(st, "description", json_object_new_string(
	    judge_status_description(r->status))) == -1 ||
	    jadd(o, "language_id", json_object_new_int(r->lang_id)) == -1 ||
	    add_time_s(o, "time", ran, r->time_s) == -1 ||
	    add_time_s(o, "wall_time", ran, r->wall_time_s) == -1 ||
	    (ran && r->has_memory ? jadd(o, "memory",
	    json_object_new_int64(r->memory_kb)) :
	    jadd_null(o, "memory")) == -1)
		goto fail;
	util_iso8601(r->created_ms, t);
	if (jadd(o, "created_at", json_object_new_string(t)) == -1)
		goto fail;
	util_iso8601(r->finished_ms, t);
	if ((judge_status_is_final(r->status) && r->finished_ms > 0 ?
	    jadd(o, "finished_at", json_object_new_string(t)) :
	    jadd_null(o, "finished_at")) == -1)
		goto fail;
	if (with_owner &&
	    jadd(o, "owner", json_object_new_string(r->owner)) == -1)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

static int
add_page(json_object *o, const char *key, int present, int64_t page)
{
	if (!present)
		return jadd_null(o, key);
	return jadd(o, key, json_object_new_int64(page));
}

/* {"submissions": [...], "meta": {...}} as Judge0's paged lists. */
static json_object *
history_json(const struct hist *h, const struct store_row *rows,
    size_t n, int64_t total, int admin)
{
	json_object	*o = NULL, *arr, *meta;
	int64_t		 pages = (total + h->f.per_page - 1) / h->f.per_page;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "submissions", arr = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (jpush(arr, row_json(&rows[i], admin)) == -1)
			goto fail;
	if (jadd(o, "meta", meta = json_object_new_object()) == -1 ||
	    jadd(meta, "current_page", json_object_new_int64(h->f.page)) ==
	    -1 ||
	    add_page(meta, "next_page", h->f.page < pages, h->f.page + 1) ==
	    -1 ||
	    add_page(meta, "prev_page", h->f.page > 1, h->f.page - 1) == -1 ||
	    jadd(meta, "total_pages", json_object_new_int64(pages)) == -1 ||
	    jadd(meta, "total_count", json_object_new_int64(total)) == -1)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* A history link with h's filters and page (values checked: no quoting). */
static void
p_hist_link(struct page *pg, const struct hist *h, int64_t page)
{
	p_url(pg, "/submissions");
	p_fmt(pg, "?page=%lld", (long long)page);
	if (h->per_page_given)
		p_fmt(pg, "&amp;per_page=%lld", (long long)h->f.per_page);
	if (h->f.lang_id != 0)
		p_fmt(pg, "&amp;language_id=%d", h->f.lang_id);
	if (h->f.status != 0)
		p_fmt(pg, "&amp;status_id=%d", h->f.status);
	/* since and until passed parse_when: digits and '-' only */
	if (h->since[0] != '\0') {
		p_raw(pg, "&amp;since=");
		p_text(pg, h->since);
	}
	if (h->until[0] != '\0') {
		p_raw(pg, "&amp;until=");
		p_text(pg, h->until);
	}
}

static void
history_filters(struct page *pg, const struct api *a, const struct hist *h)
{
	static const int	per[] = { 10, 20, 50, 100 };
	const struct lang	*l;
	size_t			 i;
	int			 id;

	p_raw(pg, "<form class=\"filters\" method=\"get\" role=\"search\" "
	    "action=\"");
	p_url(pg, "/submissions");
	p_raw(pg, "\">\n<div class=\"field\"><label for=\"h-language\">"
	    "Language</label>\n<select id=\"h-language\" name=\"language_id\">"
	    "\n<option value=\"\">All languages</option>\n");
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!l->available && l->id != h->f.lang_id)
			continue;
		p_fmt(pg, "<option value=\"%d\"%s>", l->id,
		    l->id == h->f.lang_id ? " selected" : "");
		p_text(pg, l->display);
		p_raw(pg, "</option>\n");
	}
	p_raw(pg, "</select></div>\n<div class=\"field\"><label "
	    "for=\"h-status\">Verdict</label>\n<select id=\"h-status\" "
	    "name=\"status_id\">\n<option value=\"\">All verdicts</option>\n");
	for (id = 1; id <= JS_MAX; id++) {
		p_fmt(pg, "<option value=\"%d\"%s>", id,
		    id == h->f.status ? " selected" : "");
		p_text(pg, judge_status_description(id));
		p_raw(pg, "</option>\n");
	}
	p_raw(pg, "</select></div>\n<div class=\"field\"><label "
	    "for=\"h-since\">From</label>\n<input type=\"date\" "
	    "id=\"h-since\" name=\"since\" value=\"");
	if (strlen(h->since) == 10)
		p_text(pg, h->since);
	p_raw(pg, "\"></div>\n<div class=\"field\"><label for=\"h-until\">"
	    "To</label>\n<input type=\"date\" id=\"h-until\" name=\"until\" "
	    "value=\"");
	if (strlen(h->until) == 10)
		p_text(pg, h->until);
	p_raw(pg, "\"></div>\n<div class=\"field\"><label for=\"h-per\">"
	    "Per page</label>\n<select id=\"h-per\" name=\"per_page\">\n");
	for (i = 0; i < sizeof(per) / sizeof(per[0]); i++)
		p_fmt(pg, "<option%s>%d</option>\n",
		    per[i] == h->f.per_page ? " selected" : "", per[i]);
	p_raw(pg, "</select></div>\n<p class=\"actions\"><button "
	    "type=\"submit\">Show</button> <a href=\"");
	p_url(pg, "/submissions");
	p_raw(pg, "\">Clear</a></p>\n</form>\n");
}

static void
history_page(struct api *a, const struct api_req *req, const struct hist *h,
    const struct store_row *rows, size_t n, int64_t total,
    struct api_resp *resp)
{
	struct page	pg;
	int64_t		pages = (total + h->f.per_page - 1) / h->f.per_page;
	size_t		i;
	char		path[64];

	page_init(&pg, a, req);
	page_begin(&pg, "History", 0);
	p_raw(&pg, pg.admin ? "<h1>History of every user</h1>\n" :
	    "<h1>Your history</h1>\n");
	history_filters(&pg, a, h);
	p_fmt(&pg, "<p class=\"count\" id=\"hist-count\">%lld submission%s",
	    (long long)total, total == 1 ? "" : "s");
	if (pages > 1)
		p_fmt(&pg, ", page %lld of %lld", (long long)h->f.page,
		    (long long)pages);
	p_raw(&pg, ".</p>\n");
	if (n > 0) {
		p_raw(&pg, "<table class=\"history\" id=\"history\">\n"
		    "<thead><tr><th scope=\"col\">Submitted</th>"
		    "<th scope=\"col\">Submission</th>"
		    "<th scope=\"col\">Language</th>"
		    "<th scope=\"col\">Verdict</th>"
		    "<th scope=\"col\">Time</th>"
		    "<th scope=\"col\">Memory</th>");
		if (pg.admin)
			p_raw(&pg, "<th scope=\"col\">Owner</th>");
		p_raw(&pg, "</tr></thead>\n<tbody>\n");
	}
	for (i = 0; i < n; i++) {
		p_raw(&pg, "<tr><td>");
		p_when(&pg, rows[i].created_ms);
		snprintf(path, sizeof(path), "/submissions/%s",
		    rows[i].token);
		p_raw(&pg, "</td><td><a class=\"token\" href=\"");
		p_url(&pg, path);
		p_raw(&pg, "\">");
		p_textn(&pg, rows[i].token, 8);
		p_raw(&pg, "</a></td><td>");
		p_lang(&pg, a, rows[i].lang_id);
		p_raw(&pg, "</td><td>");
		p_badge(&pg, rows[i].status, NULL);
		p_raw(&pg, "</td><td>");
		if (judge_status_is_final(rows[i].status) &&
		    rows[i].status != JS_CE && rows[i].has_time)
			p_time_s(&pg, rows[i].time_s);
		p_raw(&pg, "</td><td>");
		if (judge_status_is_final(rows[i].status) &&
		    rows[i].status != JS_CE && rows[i].has_memory)
			p_fmt(&pg, "%lld&nbsp;KB",
			    (long long)rows[i].memory_kb);
		p_raw(&pg, "</td>");
		if (pg.admin) {
			p_raw(&pg, "<td>");
			p_text(&pg, rows[i].owner);
			p_raw(&pg, "</td>");
		}
		p_raw(&pg, "</tr>\n");
	}
	if (n > 0)
		p_raw(&pg, "</tbody>\n</table>\n");
	else if (total > 0)
		p_raw(&pg, "<p>There is nothing on this page.</p>\n");
	else
		p_raw(&pg, "<p>No submissions match.</p>\n");
	if (h->f.page > 1 || h->f.page < pages) {
		p_raw(&pg, "<nav class=\"pager\" aria-label=\"Pages\">\n");
		if (h->f.page > 1) {
			p_raw(&pg, "<a rel=\"prev\" href=\"");
			p_hist_link(&pg, h, h->f.page - 1 < pages ?
			    h->f.page - 1 : pages > 0 ? pages : 1);
			p_raw(&pg, "\">Newer</a>\n");
		}
		if (h->f.page < pages) {
			p_raw(&pg, "<a rel=\"next\" href=\"");
			p_hist_link(&pg, h, h->f.page + 1);
			p_raw(&pg, "\">Older</a>\n");
		}
		p_raw(&pg, "</nav>\n");
	}
	page_end(&pg);
	page_reply(&pg, resp, 200);
}

void
api_get_history(struct api *a, const struct api_req *req, const char *arg,
    struct api_resp *resp)
{
	struct store_row	*rows = NULL;
	struct hist		 h;
	json_object		*o = NULL;
	struct err		 err;
	const char		*owner = api_owner(req);
	size_t			 n = 0;
	int64_t			 total;
	int			 admin = config_is_admin(a->cfg, owner);

	(void)arg;
	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    hist_query(a, req, &h, resp) == -1)
		goto out;
	h.f.owner = admin ? NULL : owner;
	if (store_list(a->store, &h.f, &rows, &n, &total, &err) == -1) {
		reply_internal(resp, &err);
		goto out;
	}
	if (html_wanted(req->accept))
		history_page(a, req, &h, rows, n, total, resp);
	else {
		reply_json(resp, 200, o = history_json(&h, rows, n, total,
		    admin));
		if (resp->status == 200)
			reply_header(resp, "Vary: Accept");
	}
out:
	json_object_put(o);
	store_rows_free(rows, n);
}

/* ---- statistics ---- */

/* The verdict groups of the charts, in their stacking order. */
static const struct {
	const char	*cls;
	const char	*label;
} groups[] = {
	{ "ac", "Accepted" }, { "wa", "Wrong Answer" },
	{ "tle", "Time Limit Exceeded" }, { "mle", "Memory Limit Exceeded" },
	{ "ole", "Output Limit Exceeded" }, { "re", "Runtime Error" },
	{ "ce", "Compilation Error" }, { "ie", "Internal Error" },
	{ "pending", "In Queue or Processing" },
};
#define NGROUPS	(sizeof(groups) / sizeof(groups[0]))

static size_t
group_of(int status)
{
	const char	*c = status_class(status);
	size_t		 g;

	if (strcmp(c, "qu") == 0 || strcmp(c, "pr") == 0)
		return NGROUPS - 1;
	for (g = 0; g < NGROUPS; g++)
		if (strcmp(groups[g].cls, c) == 0)
			return g;
	return NGROUPS - 2;	/* unknown: an internal error of sorts */
}

/* Histogram buckets, in seconds of CPU time. */
static const double	hist_edges[] = {
	0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5,
};
#define NEDGES	(sizeof(hist_edges) / sizeof(hist_edges[0]))
static const char	*hist_labels[NEDGES + 1] = {
	"< 10 ms", "10\xe2\x80\x93" "50 ms", "50\xe2\x80\x93" "100 ms",
	"0.1\xe2\x80\x93" "0.25 s", "0.25\xe2\x80\x93" "0.5 s",
	"0.5\xe2\x80\x93" "1 s", "1\xe2\x80\x93" "2 s", "2\xe2\x80\x93" "5 s",
	"\xe2\x89\xa5 5 s",
};

/* Per language: its total and its count in each group. */
struct lang_stat {
	int	 lang_id;
	int64_t	 total;
	int64_t	 g[NGROUPS];
};

static json_object *
stats_json(const struct api *a, const struct store_count *c, size_t nc,
    const int64_t *hist)
{
	json_object	*o = NULL, *langs, *sts, *h, *e, *l, *ls = NULL;
	int64_t		 per_status[JS_MAX + 1] = { 0 }, total = 0, sum;
	const char	*name;
	size_t		 i, j;
	int		 id;

	for (i = 0; i < nc; i++) {
		total += c[i].n;
		if (c[i].status >= 1 && c[i].status <= JS_MAX)
			per_status[c[i].status] += c[i].n;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "total", json_object_new_int64(total)) == -1 ||
	    jadd(o, "languages", langs = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; i < nc; i = j) {
		sum = 0;
		for (j = i; j < nc && c[j].lang_id == c[i].lang_id; j++)
			sum += c[j].n;
		name = lang_display(a, c[i].lang_id);
		if (jpush(langs, e = json_object_new_object()) == -1 ||
		    jadd(e, "language", l = json_object_new_object()) == -1 ||
		    jadd(l, "id", json_object_new_int(c[i].lang_id)) == -1 ||
		    (name != NULL ? jadd(l, "name",
		    json_object_new_string(name)) : jadd_null(l, "name")) ==
		    -1 ||
		    jadd(e, "count", json_object_new_int64(sum)) == -1 ||
		    jadd(e, "statuses", ls = json_object_new_array()) == -1)
			goto fail;
		for (; i < j; i++)
			if (jpush(ls, e = json_object_new_object()) == -1 ||
			    jadd(e, "id", json_object_new_int(c[i].status)) ==
			    -1 ||
			    jadd(e, "description", json_object_new_string(
			    judge_status_description(c[i].status))) == -1 ||
			    jadd(e, "count", json_object_new_int64(c[i].n)) ==
			    -1)
				goto fail;
	}
	if (jadd(o, "statuses", sts = json_object_new_array()) == -1)
		goto fail;
	for (id = 1; id <= JS_MAX; id++)
		if (jpush(sts, e = json_object_new_object()) == -1 ||
		    jadd(e, "id", json_object_new_int(id)) == -1 ||
		    jadd(e, "description", json_object_new_string(
		    judge_status_description(id))) == -1 ||
		    jadd(e, "count", json_object_new_int64(per_status[id])) ==
		    -1)
			goto fail;
	if (jadd(o, "time_histogram", h = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; i <= NEDGES; i++)
		if (jpush(h, e = json_object_new_object()) == -1 ||
		    jadd(e, "from", json_object_new_double(i == 0 ? 0 :
		    hist_edges[i - 1])) == -1 ||
		    (i < NEDGES ? jadd(e, "to", json_object_new_double(
		    hist_edges[i])) : jadd_null(e, "to")) == -1 ||
		    jadd(e, "count", json_object_new_int64(hist[i])) == -1)
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* Chart 1: one stacked bar per language, segments by verdict group. */
static void
svg_verdicts(struct page *pg, const struct api *a,
    const struct lang_stat *ls, size_t nl)
{
	const double	left = 210, width = 420, row = 30, bar = 20;
	const char	*name;
	double		 x, w, y, height = nl * row + 10;
	int64_t		 max = 1;
	size_t		 i, g;

	for (i = 0; i < nl; i++)
		if (ls[i].total > max)
			max = ls[i].total;
	p_fmt(pg, "<svg class=\"chart\" id=\"chart-verdicts\" role=\"img\" "
	    "aria-labelledby=\"chart-verdicts-title\" viewBox=\"0 0 720 %.0f\" "
	    "width=\"720\" height=\"%.0f\">\n<title "
	    "id=\"chart-verdicts-title\">Verdicts per language</title>\n",
	    height, height);
	for (i = 0; i < nl; i++) {
		y = 5 + i * row;
		name = lang_display(a, ls[i].lang_id);
		p_fmt(pg, "<text class=\"label\" x=\"%.0f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", left - 10, y + bar * 0.75);
		if (name != NULL)
			p_text(pg, name);
		else
			p_fmt(pg, "language %d", ls[i].lang_id);
		p_raw(pg, "</text>\n");
		x = left;
		for (g = 0; g < NGROUPS; g++) {
			if (ls[i].g[g] == 0)
				continue;
			w = width * (double)ls[i].g[g] / (double)max;
			if (w < 1)
				w = 1;
			p_fmt(pg, "<rect class=\"v-%s\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.0f\"><title>",
			    groups[g].cls, x, y, w, bar);
			if (name != NULL)
				p_text(pg, name);
			p_fmt(pg, ": %s %lld</title></rect>\n",
			    groups[g].label, (long long)ls[i].g[g]);
			x += w;
		}
		p_fmt(pg, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%lld"
		    "</text>\n", x + 6, y + bar * 0.75,
		    (long long)ls[i].total);
	}
	p_raw(pg, "</svg>\n");
}

/* Chart 2: the CPU-time histogram, one column per bucket. */
static void
svg_histogram(struct page *pg, const int64_t *hist)
{
	const double	left = 50, top = 20, plot_w = 650, plot_h = 200;
	double		col = plot_w / (NEDGES + 1), x, h;
	int64_t		max = 1;
	size_t		i;

	for (i = 0; i <= NEDGES; i++)
		if (hist[i] > max)
			max = hist[i];
	p_raw(pg, "<svg class=\"chart\" id=\"chart-times\" role=\"img\" "
	    "aria-labelledby=\"chart-times-title\" viewBox=\"0 0 720 270\" "
	    "width=\"720\" height=\"270\">\n<title id=\"chart-times-title\">"
	    "CPU time of the runs</title>\n");
	p_fmt(pg, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
	    "y2=\"%.0f\"/>\n", left, top + plot_h, left + plot_w,
	    top + plot_h);
	for (i = 0; i <= NEDGES; i++) {
		x = left + i * col;
		h = plot_h * (double)hist[i] / (double)max;
		if (hist[i] > 0 && h < 1)
			h = 1;
		p_fmt(pg, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"><title>", x + 4,
		    top + plot_h - h, col - 8, h);
		p_text(pg, hist_labels[i]);
		p_fmt(pg, ": %lld</title></rect>\n", (long long)hist[i]);
		p_fmt(pg, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%lld</text>\n", x + col / 2,
		    top + plot_h - h - 5, (long long)hist[i]);
		p_fmt(pg, "<text class=\"tick\" x=\"%.1f\" y=\"%.0f\" "
		    "text-anchor=\"middle\">", x + col / 2, top + plot_h + 20);
		p_text(pg, hist_labels[i]);
		p_raw(pg, "</text>\n");
	}
	p_raw(pg, "</svg>\n");
}

static void
stats_page(struct api *a, const struct api_req *req,
    const struct store_count *c, size_t nc, const int64_t *hist,
    struct api_resp *resp)
{
	struct lang_stat	*ls = NULL;
	struct page		 pg;
	struct err		 err;
	const char		*name;
	int64_t			 total = 0, runs = 0;
	size_t			 nl = 0, i, g;

	if (nc > 0 && (ls = calloc(nc, sizeof(*ls))) == NULL) {
		err_errno(&err, "calloc");
		reply_internal(resp, &err);
		return;
	}
	for (i = 0; i < nc; i++) {
		if (nl == 0 || ls[nl - 1].lang_id != c[i].lang_id)
			ls[nl++].lang_id = c[i].lang_id;
		ls[nl - 1].total += c[i].n;
		ls[nl - 1].g[group_of(c[i].status)] += c[i].n;
		total += c[i].n;
	}
	for (i = 0; i <= NEDGES; i++)
		runs += hist[i];

	page_init(&pg, a, req);
	page_begin(&pg, "Statistics", 0);
	p_raw(&pg, pg.admin ? "<h1>Statistics of every user</h1>\n" :
	    "<h1>Your statistics</h1>\n");
	p_fmt(&pg, "<p class=\"count\">%lld submission%s.</p>\n",
	    (long long)total, total == 1 ? "" : "s");
	p_raw(&pg, "<section>\n<h2>Verdicts per language</h2>\n");
	if (nl == 0)
		p_raw(&pg, "<p>No submissions yet.</p>\n");
	else {
		p_raw(&pg, "<figure>\n");
		svg_verdicts(&pg, a, ls, nl);
		p_raw(&pg, "<figcaption><ul class=\"legend\">\n");
		for (g = 0; g < NGROUPS; g++) {
			p_raw(&pg, "<li><span class=\"swatch v-");
			p_raw(&pg, groups[g].cls);
			p_raw(&pg, "\"></span>");
			p_text(&pg, groups[g].label);
			p_raw(&pg, "</li>\n");
		}
		p_raw(&pg, "</ul></figcaption>\n</figure>\n<details>\n"
		    "<summary>The numbers</summary>\n<table class=\"data\">\n"
		    "<thead><tr><th scope=\"col\">Language</th>");
		for (g = 0; g < NGROUPS; g++) {
			p_raw(&pg, "<th scope=\"col\">");
			p_text(&pg, groups[g].label);
			p_raw(&pg, "</th>");
		}
		p_raw(&pg, "<th scope=\"col\">All</th></tr></thead>\n"
		    "<tbody>\n");
		for (i = 0; i < nl; i++) {
			p_raw(&pg, "<tr><th scope=\"row\">");
			if ((name = lang_display(a, ls[i].lang_id)) != NULL)
				p_text(&pg, name);
			else
				p_fmt(&pg, "language %d", ls[i].lang_id);
			p_raw(&pg, "</th>");
			for (g = 0; g < NGROUPS; g++)
				p_fmt(&pg, "<td>%lld</td>",
				    (long long)ls[i].g[g]);
			p_fmt(&pg, "<td>%lld</td></tr>\n",
			    (long long)ls[i].total);
		}
		p_raw(&pg, "</tbody>\n</table>\n</details>\n");
	}
	p_raw(&pg, "</section>\n<section>\n<h2>CPU time of the runs</h2>\n");
	if (runs == 0)
		p_raw(&pg, "<p>No finished runs yet.</p>\n");
	else {
		p_raw(&pg, "<figure>\n");
		svg_histogram(&pg, hist);
		p_fmt(&pg, "<figcaption>%lld finished run%s, by CPU time "
		    "(compile and internal errors left out).</figcaption>\n"
		    "</figure>\n", (long long)runs, runs == 1 ? "" : "s");
	}
	p_raw(&pg, "</section>\n");
	page_end(&pg);
	page_reply(&pg, resp, 200);
	free(ls);
}

void
api_get_statistics(struct api *a, const struct api_req *req,
    const char *arg, struct api_resp *resp)
{
	struct store_count	*c = NULL;
	json_object		*o = NULL;
	struct err		 err;
	const char		*owner = api_owner(req);
	int64_t			 hist[NEDGES + 1];
	size_t			 nc = 0;

	(void)arg;
	if (config_is_admin(a->cfg, owner))
		owner = NULL;
	if (reply_header(resp, "Cache-Control: no-store") == -1)
		goto out;
	if (store_count_verdicts(a->store, owner, &c, &nc, &err) == -1 ||
	    store_time_histogram(a->store, owner, hist_edges, NEDGES, hist,
	    &err) == -1) {
		reply_internal(resp, &err);
		goto out;
	}
	if (html_wanted(req->accept))
		stats_page(a, req, c, nc, hist, resp);
	else {
		/* per day and the database size: ops.c */
		if ((o = stats_json(a, c, nc, hist)) != NULL &&
		    api_statistics_extra(a, owner, o, &err) == -1) {
			reply_internal(resp, &err);
			goto out;
		}
		reply_json(resp, 200, o);
		if (resp->status == 200)
			reply_header(resp, "Vary: Accept");
	}
out:
	json_object_put(o);
	free(c);
}
