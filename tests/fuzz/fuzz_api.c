/*
 * libFuzzer target for the request parsers: the urlencoded parser, the
 * UTF-8 repair, and POST /submissions end to end through api_handle()
 * (JSON, form and query parsing, validation).  queue_max is 0, so a valid
 * submission stops at the 503 and the database does not grow.  Run from
 * the repository root (it reads contrib/languages.json).
 *
 * The first byte (mod 4) picks what the rest is: 0 a JSON body, 1 a form
 * body, 2 a query string (with the body "{}"), 3 the input of form_parse
 * and json_text alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/form.h"
#include "api/reply.h"
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
	static char	 dir[] = "/tmp/fuzz_api.XXXXXX";
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
		fprintf(stderr, "fuzz_api: %s\n", err.msg);
		abort();
	}
	cfg.queue_max = 0;
	cfg.max_source_bytes = 256;
	api.cfg = &cfg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*ctypes[] = {
		"application/json", "application/x-www-form-urlencoded",
	};
	struct api_req		 req;
	struct api_resp		 resp;
	struct form		 f;
	struct err		 err;
	json_object		*o;
	char			*text = NULL;

	if (size < 1)
		return 0;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/submissions";
	req.query = "";
	req.remote_user = "fuzz";
	/* an API client: form bodies reach validation (no CSRF token) */
	req.api_key = 1;
	switch (data[0] & 3) {
	case 0:
	case 1:
		req.content_type = ctypes[data[0] & 1];
		/* An exact-size copy, so ASan sees any read past the body. */
		if (size > 1 && (text = malloc(size - 1)) == NULL)
			return 0;
		if (text != NULL)
			memcpy(text, data + 1, size - 1);
		req.body = text;
		req.body_len = size - 1;
		break;
	case 2:
		if ((text = malloc(size)) == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		req.query = text;
		req.content_type = ctypes[0];
		req.body = "{}";
		req.body_len = 2;
		break;
	default:
		if (form_parse((const char *)data + 1, size - 1, &f, &err) == 1)
			form_reset(&f);
		if ((o = json_text((const char *)data + 1, size - 1)) != NULL)
			json_object_put(o);
		return 0;
	}
	api_resp_init(&resp);
	api_handle(&api, &req, &resp);
	/* Bad input is never a 500, and every answer has a body. */
	if (resp.status == 500 || resp.status == 0 || resp.body.len == 0)
		abort();
	api_resp_reset(&resp);
	free(text);
	return 0;
}
