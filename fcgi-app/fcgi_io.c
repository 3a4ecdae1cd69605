#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "api/api.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "fcgi_io.h"
#include "proc.h"

#define IO_CHUNK	16384		/* body bytes per FCGX call */
#define KEEP_BYTES	(256 << 10)	/* scratch kept between requests */

static const struct {
	int		 code;
	const char	*text;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 301, "Moved Permanently" },
	{ 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
	{ 409, "Conflict" }, { 410, "Gone" }, { 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" }, { 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 501, "Not Implemented" }, { 503, "Service Unavailable" },
};

/* The param's value, or NULL when it is missing or empty. */
static const char *
param(FCGX_Request *fr, const char *name)
{
	const char	*v = FCGX_GetParam(name, fr->envp);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Length of p without trailing slashes ("/judge/" -> 6, "/" -> 0). */
static size_t
prefix_len(const char *p)
{
	size_t	n = strlen(p);

	while (n > 0 && p[n - 1] == '/')
		n--;
	return n;
}

/* Sets req->path and req->script_name; see fcgi_read_req in fcgi_io.h. */
static int
split_path(FCGX_Request *fr, struct api_req *req, struct fcgi_scratch *sc,
    const char *base_path, struct err *err)
{
	const char	*uri, *below, *sn, *path, *pre = NULL;
	size_t		 ulen, blen, plen = 0;

	if ((uri = param(fr, "DOCUMENT_URI")) != NULL)
		ulen = strlen(uri);
	else if ((uri = param(fr, "REQUEST_URI")) != NULL)
		ulen = strcspn(uri, "?");
	else
		ulen = strlen(uri = "/");
	if (buf_append(&sc->uri, uri, ulen, err) == -1)
		return -1;
	uri = sc->uri.data;
	sn = param(fr, "SCRIPT_NAME");

	if ((below = param(fr, "CODERUNNER_PATH")) != NULL) {
		path = below;
		blen = strlen(below);
		if (base_path != NULL && *base_path != '\0')
			plen = prefix_len(pre = base_path);
		else if (blen <= ulen &&
		    strcmp(uri + ulen - blen, below) == 0) {
			pre = uri;
			plen = ulen - blen;
		}
	} else {
		if (base_path != NULL && *base_path != '\0')
			plen = prefix_len(pre = base_path);
		else if (sn != NULL && (plen = prefix_len(pre = sn)) == ulen)
			plen = 0;	/* the stock SCRIPT_NAME: all of it */
		if (plen > 0 && (plen > ulen || strncmp(uri, pre, plen) != 0 ||
		    (uri[plen] != '/' && uri[plen] != '\0')))
			plen = 0;
		path = uri + plen;
	}
	while (plen > 0 && pre[plen - 1] == '/')
		plen--;
	if (plen > 0) {
		if (buf_append(&sc->prefix, pre, plen, err) == -1)
			return -1;
		req->script_name = sc->prefix.data;
	}
	if ((*path != '/' && buf_puts(&sc->path, "/", err) == -1) ||
	    buf_puts(&sc->path, path, err) == -1)
		return -1;
	req->path = sc->path.data;
	return 0;
}

static int
read_body(FCGX_Request *fr, struct api_req *req, struct fcgi_scratch *sc,
    int64_t max_body_bytes, struct err *err)
{
	char		 chunk[IO_CHUNK];
	const char	*cl;
	int64_t		 len, left;
	int		 n, want;

	req->body = "";
	if ((cl = param(fr, "CONTENT_LENGTH")) == NULL)
		return 0;
	if (util_parse_i64(cl, 0, INT64_MAX, &len) == -1) {
		err_set(err, "invalid Content-Length");
		return 400;
	}
	/*
	 * Too large: not read.  libfcgi's close (shutdown, then read until
	 * EOF) swallows the rest after our answer, and nginx passes the
	 * early answer on (tested: the API's 413, not a 502).
	 */
	if (max_body_bytes > 0 && len > max_body_bytes) {
		req->body_too_large = 1;
		return 0;
	}
	for (left = len; left > 0; left -= n) {
		want = left < IO_CHUNK ? (int)left : IO_CHUNK;
		if ((n = FCGX_GetStr(chunk, want, fr->in)) <= 0) {
			err_set(err, "body shorter than Content-Length");
			return 400;
		}
		if (buf_append(&sc->body, chunk, (size_t)n, err) == -1)
			return 500;
	}
	if (sc->body.len > 0)
		req->body = sc->body.data;
	req->body_len = sc->body.len;
	return 0;
}

int
fcgi_read_req(FCGX_Request *fr, struct api_req *req, struct fcgi_scratch *sc,
    int64_t max_body_bytes, const char *base_path, struct err *err)
{
	memset(req, 0, sizeof(*req));
	req->method = param(fr, "REQUEST_METHOD");
	if ((req->query = param(fr, "QUERY_STRING")) == NULL)
		req->query = "";
	req->content_type = param(fr, "CONTENT_TYPE");
	req->accept = param(fr, "HTTP_ACCEPT");
	req->remote_user = param(fr, "REMOTE_USER");
	req->idempotency_key = param(fr, "HTTP_IDEMPOTENCY_KEY");
	req->origin = param(fr, "HTTP_ORIGIN");
	req->referer = param(fr, "HTTP_REFERER");
	req->sec_fetch_site = param(fr, "HTTP_SEC_FETCH_SITE");
	req->self_origin = param(fr, "CODERUNNER_ORIGIN");
	req->scheme = param(fr, "REQUEST_SCHEME");
	req->https = param(fr, "HTTPS");
	req->host = param(fr, "HTTP_HOST");
	req->server_port = param(fr, "SERVER_PORT");
	/* set by nginx from its key map only, never from a client header */
	req->api_key = param(fr, "CODERUNNER_API_KEY_USER") != NULL;
	if (split_path(fr, req, sc, base_path, err) == -1)
		return 500;
	if (req->method == NULL) {
		err_set(err, "no REQUEST_METHOD");
		return 400;
	}
	return read_body(fr, req, sc, max_body_bytes, err);
}

int
fcgi_write_resp(FCGX_Request *fr, const struct api_resp *resp, int head,
    struct err *err)
{
	const char	*reason = "";
	size_t		 i, off;
	int		 n, st = resp->status;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == st)
			reason = reasons[i].text;
	if (FCGX_FPrintF(fr->out, "Status: %d %s\r\n", st, reason) < 0 ||
	    (resp->content_type != NULL && FCGX_FPrintF(fr->out,
	    "Content-Type: %s\r\n", resp->content_type) < 0) ||
	    (resp->headers.len > 0 && FCGX_PutStr(resp->headers.data,
	    (int)resp->headers.len, fr->out) < 0) ||
	    (st != 204 && st != 304 && FCGX_FPrintF(fr->out,
	    "Content-Length: %lu\r\n", (unsigned long)resp->body.len) < 0) ||
	    FCGX_PutStr("\r\n", 2, fr->out) < 0)
		return err_set(err, "write response header failed");
	for (off = 0; !head && off < resp->body.len; off += (size_t)n) {
		n = resp->body.len - off < IO_CHUNK ? (int)(resp->body.len -
		    off) : IO_CHUNK;
		if (FCGX_PutStr(resp->body.data + off, n, fr->out) < 0)
			return err_set(err, "write response body failed");
	}
	return 0;
}

void
fcgi_error_resp(struct api_resp *resp, int status, const char *msg)
{
	char	q[300];

	log_json_quote(q, sizeof(q), msg);
	buf_reset(&resp->headers);
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	if (buf_printf(&resp->body, NULL, "{\"error\": %s}\n", q) == -1)
		buf_reset(&resp->body);
}

static void
clear(struct buf *b)
{
	if (b->cap > KEEP_BYTES)
		buf_reset(b);
	else if (b->data != NULL) {
		b->len = 0;
		b->data[0] = '\0';
	}
}

void
fcgi_scratch_clear(struct fcgi_scratch *sc)
{
	clear(&sc->body);
	clear(&sc->uri);
	clear(&sc->path);
	clear(&sc->prefix);
}

void
fcgi_scratch_reset(struct fcgi_scratch *sc)
{
	buf_reset(&sc->body);
	buf_reset(&sc->uri);
	buf_reset(&sc->path);
	buf_reset(&sc->prefix);
}
