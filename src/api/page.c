/*
 * The page kit: the builder every page writes with, escaping, the
 * site's chrome (head, header, footer, the strict headers) and the error
 * pages.  The pages themselves are page_form.c, page_result.c, and the
 * HTML halves of history.c and statistics.c.
 *
 * Safety, each rule kept in one place:
 *  - Every byte that does not come from our own code is written through
 *    html_escape() (p_text, p_textn); numbers through p_fmt.  Attribute
 *    values are always double-quoted.
 *  - No inline script or style anywhere: the pages link static/
 *    coderunner.css and coderunner.js (served by nginx), and the
 *    Content-Security-Policy of page_reply() forbids anything else,
 *    frames included.  Charts are inline SVG with presentation
 *    attributes and CSS classes, which the policy allows.
 *  - Links, form actions and redirects are path-absolute under the mount
 *    prefix (SCRIPT_NAME, else base_path), which is used only if it is a
 *    plain path: a prefix like "//host" would make a redirect leave the
 *    site.
 *
 * Everything works without JavaScript: a page whose verdict is pending
 * refreshes itself with <meta http-equiv=refresh> inside <noscript>.
 * With JavaScript the same page polls the JSON answer of its own URL and
 * updates in place (static/coderunner.js, keyed on the ids the pages
 * write).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "api.h"
#include "page.h"
#include "reply.h"
#include "request.h"

#define CSP	"Content-Security-Policy: default-src 'self'; "		\
		"script-src 'self'; style-src 'self'; "			\
		"img-src 'self'; connect-src 'self'; "			\
		"form-action 'self'; base-uri 'none'; "			\
		"object-src 'none'; frame-ancestors 'none'"

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

void
page_init(struct page *pg, const struct api *a, const struct api_call *c)
{
	const char	*p = c->req->script_name;
	size_t		 n;

	memset(pg, 0, sizeof(*pg));
	buf_init(&pg->b);
	pg->owner = c->owner;
	pg->admin = c->admin;
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

void
p_raw(struct page *pg, const char *s)
{
	if (!pg->failed && buf_puts(&pg->b, s, &pg->err) == -1)
		pg->failed = 1;
}

/*
 * Formatted text of ours: numbers and fixed words only, never input.
 * Cut markup would be broken markup, so a cut is a failure.
 */
void
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

void
p_textn(struct page *pg, const char *p, size_t n)
{
	if (!pg->failed && html_escape(&pg->b, p != NULL ? p : "", p != NULL ?
	    n : 0, &pg->err) == -1)
		pg->failed = 1;
}

void
p_text(struct page *pg, const char *s)
{
	p_textn(pg, s, s != NULL ? strlen(s) : 0);
}

/* A path-absolute URL under the prefix: prefix, then path (ours). */
void
p_url(struct page *pg, const char *path)
{
	p_text(pg, pg->prefix);
	p_text(pg, path);
}

void
p_time_s(struct page *pg, double s)
{
	p_fmt(pg, "%.3f&nbsp;s", s);
}

/* <time> in UTC, readable, with the ISO 8601 form for machines. */
void
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
const char *
page_status_class(int status)
{
	static const char	*cls[JS_MAX + 1] = {
		"unknown", "qu", "pr", "ac", "wa", "tle", "ce", "re", "re",
		"re", "re", "re", "re", "ie", "ie", "mle", "ole",
	};

	return status >= 1 && status <= JS_MAX ? cls[status] : cls[0];
}

void
p_badge(struct page *pg, int status, const char *id)
{
	p_raw(pg, "<span class=\"badge badge-");
	p_raw(pg, page_status_class(status));
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

void
p_lang(struct page *pg, const struct api *a, int id)
{
	const char	*name = lang_display_name(a->langs, id);

	if (name != NULL)
		p_text(pg, name);
	else
		p_fmt(pg, "language %d", id);
}

/*
 * The head and the site header.  refresh_s > 0 makes the page reload
 * itself that often when JavaScript is off (the script polls instead).
 */
void
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

void
page_end(struct page *pg)
{
	p_raw(pg, "</main>\n<footer class=\"site\"><p>coderunner "
	    API_VERSION "</p></footer>\n</body>\n</html>\n");
}

/*
 * Makes pg the answer: status, the HTML type and the strict headers,
 * kept beside those resp already has (Retry-After, Allow, ...).
 */
void
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

void
page_error(struct api *a, const struct api_call *c, int status,
    const char *msg, struct api_resp *resp)
{
	struct page	pg;

	page_init(&pg, a, c);
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

void
page_error_answer(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	page_error(a, c, resp->status, resp->error.msg[0] != '\0' ?
	    resp->error.msg : status_title(resp->status), resp);
	/* a 500 keeps its JSON if even the page failed: resp says so */
}

/* A <section> with a <pre>, hidden while there is nothing to show. */
void
p_output(struct page *pg, const char *id, const char *title,
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
void
p_input(struct page *pg, const char *title, const char *p,
    size_t len)
{
	p_raw(pg, "<details class=\"input\">\n<summary>");
	p_text(pg, title);
	p_raw(pg, "</summary>\n<pre>");
	p_textn(pg, p, len);
	p_raw(pg, "</pre>\n</details>\n");
}

