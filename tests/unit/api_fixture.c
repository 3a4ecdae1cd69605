/* The fixture of the API's unit tests (api_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/queue.h"
#include "store/store.h"
#include "api_fixture.h"
#include "store_fixture.h"

int
api_fx_open(struct api_fx *x, const char *name)
{
	struct err	err = { "" };

	memset(x, 0, sizeof(*x));
	if (store_fixture_open(&x->db, name, &err) == -1)
		goto fail;
	x->st = x->db.st;
	if (config_defaults(&x->cfg, &err) == -1 ||
	    (x->langs = lang_table_load("contrib/languages.json", &err)) ==
	    NULL)
		goto fail;
	/* One admin, "root". */
	free(x->cfg.admins);
	if ((x->cfg.admins = calloc(2, sizeof(char *))) == NULL ||
	    (x->cfg.admins[0] = strdup("root")) == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	x->api.cfg = &x->cfg;
	x->api.store = x->st;
	x->api.langs = x->langs;
	api_resp_init(&x->resp);
	return 0;
fail:
	fprintf(stderr, "setup: %s\n", err.msg);
	return -1;
}

void
api_fx_close(struct api_fx *x)
{
	api_resp_reset(&x->resp);
	store_fixture_close(&x->db);
	lang_table_free(x->langs);
	config_reset(&x->cfg);
}

int
api_fx_handle(struct api_fx *x, const struct api_req *req)
{
	api_resp_reset(&x->resp);
	api_handle(&x->api, req, &x->resp);
	return x->resp.status;
}

void
api_fx_finish(struct api_fx *x, int status, const char *out, double time_s,
    double wall_s)
{
	struct submission		*s = NULL;
	struct judge_test_result	*r;
	struct store_lease		 lease;
	struct err			 err = { "" };

	if (store_claim(x->st, 0, 60000, &lease, &s, &err) != 1)
		fail_msg("claim: %s", err.msg);
	s->status = status;
	s->time_s = time_s;
	s->wall_time_s = wall_s;
	s->memory_kb = 1234;
	r = &s->results[0];
	r->status = status;
	if (out != NULL) {
		assert_non_null(r->stdout_data = strdup(out));
		r->stdout_len = strlen(out);
	}
	r->time_s = time_s;
	r->wall_time_s = wall_s;
	r->memory_kb = 1234;
	if (store_finish(x->st, &lease, s, &err) == -1)
		fail_msg("finish: %s", err.msg);
	submission_free(s);
}

int
api_fx_has_header(const struct api_fx *x, const char *s)
{
	return x->resp.headers.data != NULL &&
	    strstr(x->resp.headers.data, s) != NULL;
}
