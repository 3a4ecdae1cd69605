#ifndef API_PAGE_H
#define API_PAGE_H

/*
 * Private to src/api/: the page kit (page.c).  A page is written with
 * the p_ writers into a struct page; the first failure (out of memory)
 * sticks, so the writers need no error checks, and page_reply() reports
 * it.  Every byte of input goes through p_text/p_textn (escaped); p_raw
 * and p_fmt take our own markup and numbers only.
 */
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

struct api;
struct api_call;
struct api_resp;

#define API_HTML		"text/html; charset=utf-8"
#define HTML_MAX_PREFIX		200

struct page {
	struct buf	 b;
	struct err	 err;
	int		 failed;
	char		 prefix[HTML_MAX_PREFIX + 1];	/* "" or "/judge" */
	const char	*owner;
	int		 admin;
};

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
 * Starts a page for c: its owner, and the mount prefix if it is a plain
 * path.
 */
void	page_init(struct page *, const struct api *, const struct api_call *c);
/*
 * The head and the site header.  refresh_s > 0 makes the page reload
 * itself that often when JavaScript is off (the script polls instead).
 */
void	page_begin(struct page *, const char *title, int refresh_s);
void	page_end(struct page *);
/*
 * Makes the page the answer: status, the HTML type and the strict
 * headers, kept beside those resp already has (Retry-After, Allow, ...);
 * a 500 if the page failed.  Releases the page's buffer.
 */
void	page_reply(struct page *, struct api_resp *, int status);
/* The error page of status with msg (a sentence of its own). */
void	page_error(struct api *, const struct api_call *, int status,
	    const char *msg, struct api_resp *resp);
/* resp's error (status >= 400) as its page; api_handle's last step. */
void	page_error_answer(struct api *, const struct api_call *,
	    struct api_resp *resp);

/* Markup of ours, as it is. */
void	p_raw(struct page *, const char *s);
/*
 * Formatted text of ours: numbers and fixed words only, never input.
 * Cut markup would be broken markup, so a cut is a failure.
 */
void	p_fmt(struct page *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Text (NULL is ""), escaped. */
void	p_text(struct page *, const char *s);
void	p_textn(struct page *, const char *p, size_t n);
/* A path-absolute URL under the prefix: prefix, then path (ours). */
void	p_url(struct page *, const char *path);
/* "0.012 s" */
void	p_time_s(struct page *, double s);
/* <time> in UTC, readable, with the ISO 8601 form for machines. */
void	p_when(struct page *, int64_t ms);
/* A verdict badge (0: "Not run"), with an element id or NULL. */
void	p_badge(struct page *, int status, const char *id);
/* The name of language id (also of one not available now). */
void	p_lang(struct page *, const struct api *, int id);
/* A <section id="cr-ID"> with a <pre>, hidden while len is 0. */
void	p_output(struct page *, const char *id, const char *title,
	    const char *p, size_t len, int truncated);
/* A <details> with input bytes (source, stdin, expected output). */
void	p_input(struct page *, const char *title, const char *p, size_t len);

/* The CSS class of a verdict: its short code in lower case. */
const char *page_status_class(int status);

#endif
