#ifndef FCGI_IO_H
#define FCGI_IO_H

#include <stdint.h>

#include <fcgiapp.h>

#include "base/buf.h"

struct api_req;
struct api_resp;
struct err;

/*
 * The two adapters between libfcgi and api_handle() (STYLE §8): params
 * and body in, status, headers and body out.  Nothing else here knows a
 * route or a status code's meaning.
 *
 * What an api_req points to lives in the FCGX_Request's params (valid
 * until FCGX_Finish_r) or in a caller's fcgi_scratch, one per thread,
 * reused from request to request.
 */
struct fcgi_scratch {
	struct buf	body;
	struct buf	uri;
	struct buf	path;
	struct buf	prefix;
};

/*
 * Fills req from fr.  The path is the part below the mount prefix, taken
 * from the first of: the CODERUNNER_PATH param (our nginx templates);
 * DOCUMENT_URI (or REQUEST_URI without the query) less base_path when
 * base_path is set; less SCRIPT_NAME when SCRIPT_NAME is a proper prefix
 * of it (fastcgi_split_path_info).  The body is read whole when
 * CONTENT_LENGTH is at most max_body_bytes (0: no limit, as in the API);
 * over that it is not read and req->body_too_large is set.
 * Returns 0, or an HTTP status (400 for a bad CONTENT_LENGTH or a short
 * body, 500 when out of memory) with err set; req is then only partly
 * filled but safe to log.
 */
int	fcgi_read_req(FCGX_Request *fr, struct api_req *req,
	    struct fcgi_scratch *sc, int64_t max_body_bytes,
	    const char *base_path, struct err *err);

/*
 * Writes resp as a CGI response: Status, Content-Type, the extra headers,
 * Content-Length, then the body unless head is set.  Returns 0, or -1
 * with err set when the connection failed (nginx or its client went away).
 */
int	fcgi_write_resp(FCGX_Request *fr, const struct api_resp *resp,
	    int head, struct err *err);

/* Makes resp a JSON error {"error": msg} with status. */
void	fcgi_error_resp(struct api_resp *resp, int status, const char *msg);

/* Empties sc for the next request, keeping small buffers. */
void	fcgi_scratch_clear(struct fcgi_scratch *sc);
/* Frees sc. */
void	fcgi_scratch_reset(struct fcgi_scratch *sc);

#endif
