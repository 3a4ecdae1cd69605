/*
 * libFuzzer target for the multipart/form-data parser and the HTML
 * escaper, and for POST /submissions with a multipart body end to end
 * through api_handle() (as a browser's form post, with an API key, so
 * the CSRF check lets it reach validation).  queue_max is 0, so a valid
 * submission stops at the 503 and the database does not grow.  Run from
 * the repository root (it reads contrib/languages.json):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *	    -I/usr/include/json-c tests/fuzz/fuzz_multipart.c \
 *	    build/libcoderunner.a -ljson-c -lsqlite3 -lseccomp -lcurl \
 *	    -lpthread -o build/fuzz_multipart
 *
 * The first byte picks the boundary ("XyZ" or a 70-character one) and
 * whether the rest goes to multipart_parse and html_escape alone or
 * through api_handle.  Seeds: any browser form post body with the
 * boundary XyZ.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/multipart.h"
#include "api/page.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "judge/lang.h"
#include "store/store.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct config	 cfg;
static struct api	 api;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	 dir[] = "/tmp/fuzz_multipart.XXXXXX";
	struct err	 err = { "" };
	char		 path[64];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/fuzz.db", dir);
	if (config_defaults(&cfg, &err) == -1 ||
	    (api.langs = lang_table_load("contrib/languages.json", &err)) ==
	    NULL || (api.store = store_open(path, &err)) == NULL) {
		fprintf(stderr, "fuzz_multipart: %s\n", err.msg);
		abort();
	}
	free(cfg.csrf_secret);
	if ((cfg.csrf_secret = strdup("fuzz")) == NULL)
		abort();
	cfg.queue_max = 0;
	cfg.max_source_bytes = 256;
	api.cfg = &cfg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*ctypes[] = {
		"multipart/form-data; boundary=XyZ",
		"multipart/form-data; boundary=\"0123456789012345678901234567"
		"890123456789012345678901234567890123456789\"",
	};
	const struct mp_part	*p;
	struct multipart	 mp;
	struct api_req		 req;
	struct api_resp		 resp;
	struct buf		 b = { 0 };
	struct err		 err;
	char			*body = NULL;
	size_t			 i;

	if (size < 1)
		return 0;
	/* An exact-size copy, so ASan sees any read past the body. */
	if (size > 1 && (body = malloc(size - 1)) == NULL)
		return 0;
	if (body != NULL)
		memcpy(body, data + 1, size - 1);
	if ((data[0] & 2) == 0) {
		if (multipart_parse(ctypes[data[0] & 1], body, size - 1, &mp,
		    &err) == 1) {
			for (i = 0; i < mp.n; i++) {
				p = &mp.parts[i];
				if (p->name == NULL || (p->len > 0 &&
				    (p->data < body ||
				    p->data + p->len > body + size - 1)))
					abort();
				html_escape(&b, p->data, p->len, NULL);
				html_escape(&b, p->name, strlen(p->name), NULL);
			}
			multipart_reset(&mp);
		}
		html_escape(&b, body, size - 1, NULL);
		buf_reset(&b);
		free(body);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/submissions";
	req.query = "";
	req.remote_user = "fuzz";
	req.api_key = 1;
	req.accept = (data[0] & 4) ? "text/html" : NULL;
	req.content_type = ctypes[data[0] & 1];
	req.body = body;
	req.body_len = size - 1;
	api_resp_init(&resp);
	api_handle(&api, &req, &resp);
	/* Bad input is never a 500, and every answer has a body. */
	if (resp.status == 500 || resp.status == 0 || resp.body.len == 0)
		abort();
	api_resp_reset(&resp);
	free(body);
	return 0;
}
