/*
 * The catalogue: what this service offers, for clients to read.
 *
 *	GET  /languages			200 [{id, name}], available ones
 *	GET  /languages/all		200 [{id, name, is_archived}]: every
 *					language of the table; archived =
 *					its tools are missing here
 *	GET  /languages/{id}		200 | 404
 *	GET  /statuses			200 [{id, description}]
 *	GET  /config_info		200 (Judge0's shape: limits)
 *	GET  /about, /version		200
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "api.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"
#include "validate.h"

/* [{id, name}] of the available languages, or of all with is_archived. */
static void
languages(struct api *a, int all, struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*arr = NULL, *o;
	size_t			 i;

	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!all && !l->available)
			continue;
		if (jpush(arr, o = json_object_new_object()) == -1 ||
		    jadd(o, "id", json_object_new_int(l->id)) == -1 ||
		    jadd(o, "name", json_object_new_string(l->display)) ==
		    -1 ||
		    (all && jadd(o, "is_archived",
		    json_object_new_boolean(!l->available)) == -1)) {
			json_object_put(arr);
			arr = NULL;
			goto out;
		}
	}
out:
	reply_json(resp, 200, arr);
	json_object_put(arr);
}

void
catalogue_languages(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	(void)c;
	languages(a, 0, resp);
}

void
catalogue_languages_all(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	(void)c;
	languages(a, 1, resp);
}

/* argv as one line ("gcc -O2 main.c"), or null for none. */
static int
add_argv(json_object *o, const char *key, char **argv)
{
	struct buf	b = { 0 };
	size_t		i;
	int		rc = -1;

	if (argv == NULL) {
		rc = jadd_null(o, key);
		goto out;
	}
	for (i = 0; argv[i] != NULL; i++)
		if (buf_printf(&b, NULL, "%s%s", i > 0 ? " " : "",
		    argv[i]) == -1)
			goto out;
	rc = jadd(o, key, json_object_new_string(b.data ? b.data : ""));
out:
	buf_reset(&b);
	return rc;
}

/* Judge0's language detail plus our names, or NULL (out of memory). */
static json_object *
language_detail(const struct lang *l)
{
	json_object	*o, *al = NULL;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "id", json_object_new_int(l->id)) == -1 ||
	    jadd(o, "name", json_object_new_string(l->display)) == -1 ||
	    jadd(o, "is_archived", json_object_new_boolean(0)) == -1 ||
	    jadd(o, "source_file", json_object_new_string(l->source_file)) ==
	    -1 ||
	    add_argv(o, "compile_cmd", l->compile_argv) == -1 ||
	    add_argv(o, "run_cmd", l->run_argv) == -1 ||
	    jadd(o, "short_name", json_object_new_string(l->name)) == -1 ||
	    (l->version != NULL ?
	    jadd(o, "version", json_object_new_string(l->version)) :
	    jadd_null(o, "version")) == -1 ||
	    jadd(o, "aliases", al = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; l->aliases != NULL && l->aliases[i] != NULL; i++)
		if (jpush(al, json_object_new_string(l->aliases[i])) == -1)
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

void
catalogue_language(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*o = NULL;
	int64_t			 id;

	if (util_parse_i64(c->arg, 0, INT32_MAX, &id) == -1 ||
	    (l = lang_by_id(a->langs, (int)id)) == NULL) {
		reply_error(resp, 404, "language not found", NULL);
		return;
	}
	reply_json(resp, 200, o = language_detail(l));
	json_object_put(o);
}

void
catalogue_statuses(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*arr = NULL, *o;
	int		 id;

	(void)a;
	(void)c;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (id = 1; id <= JS_MAX; id++)
		if (jpush(arr, o = json_object_new_object()) == -1 ||
		    jadd(o, "id", json_object_new_int(id)) == -1 ||
		    jadd(o, "description",
		    json_object_new_string(judge_status_description(id))) ==
		    -1) {
			json_object_put(arr);
			arr = NULL;
			goto out;
		}
out:
	reply_json(resp, 200, arr);
	json_object_put(arr);
}

/*
 * Judge0's /config_info, with what we do: defaults and maxima of every
 * limit, and false for what is not built yet.  NULL if out of memory.
 */
static json_object *
config_info(const struct config *cfg)
{
	const struct {
		const char	*name;
		int		 on;
	} flags[] = {
		{ "enable_compiler_options", 1 },
		{ "enable_command_line_arguments", 1 },
		{ "enable_submission_delete", cfg->allow_delete },
		{ "enable_callbacks", cfg->callback_allow_hosts != NULL &&
		    cfg->callback_allow_hosts[0] != NULL },
		{ "enable_batched_submissions", 1 },
		{ "enable_files", 1 },
		{ "enable_idempotency_key", 1 },
		/* Judge0's zip of extra files: we take "files" instead */
		{ "enable_additional_files", 0 },
		/* the defaults of those fields */
		{ "redirect_stderr_to_stdout", 0 },
		{ "enable_network", 0 },
		{ "allow_enable_network", cfg->allow_network },
		{ "enable_per_process_and_thread_time_limit", 0 },
		{ "enable_per_process_and_thread_memory_limit", 0 },
		{ "allow_enable_per_process_and_thread_time_limit", 0 },
		{ "allow_enable_per_process_and_thread_memory_limit", 0 },
	};
	const struct api_limit	*lim;
	const char		*p;
	json_object		*o = NULL, *v, *ret = NULL;
	char			 key[64];
	size_t			 i, n;
	int			 j;

	lim = api_limit_table(&n);
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "enable_wait_result", json_object_new_boolean(1)) == -1 ||
	    jadd(o, "max_queue_size", json_object_new_int(cfg->queue_max)) ==
	    -1 ||
	    jadd(o, "number_of_runs", json_object_new_int(1)) == -1 ||
	    jadd(o, "max_number_of_runs", json_object_new_int(API_MAX_RUNS)) ==
	    -1 ||
	    jadd(o, "max_submission_batch_size",
	    json_object_new_int(cfg->max_batch)) == -1 ||
	    jadd(o, "callbacks_max_tries", json_object_new_int(3)) == -1 ||
	    jadd(o, "callbacks_timeout", json_object_new_double(5)) == -1 ||
	    jadd(o, "max_tests", json_object_new_int(cfg->max_tests)) == -1 ||
	    jadd(o, "max_source_bytes",
	    json_object_new_int64(cfg->max_source_bytes)) == -1 ||
	    jadd(o, "wait_timeout_ms",
	    json_object_new_int(cfg->wait_timeout_ms)) == -1)
		goto out;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (jadd(o, flags[i].name,
		    json_object_new_boolean(flags[i].on)) == -1)
			goto out;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			p = (const char *)(j ? &cfg->max : &cfg->def) +
			    lim[i].off;
			if (lim[i].is_int)
				v = json_object_new_int64(
				    *(const int64_t *)(const void *)p);
			else
				v = json_object_new_double(
				    *(const double *)(const void *)p);
			snprintf(key, sizeof(key), "%s%s", j ? "max_" : "",
			    lim[i].name);
			if (jadd(o, key, v) == -1)
				goto out;
		}
	}
	ret = o;
	o = NULL;
out:
	json_object_put(o);
	return ret;
}

void
catalogue_config_info(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*o = NULL;

	(void)c;
	reply_json(resp, 200, o = config_info(a->cfg));
	json_object_put(o);
}

void
catalogue_about(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*o = NULL;

	(void)a;
	(void)c;
	if ((o = json_object_new_object()) != NULL &&
	    (jadd(o, "name", json_object_new_string("coderunner")) == -1 ||
	    jadd(o, "version", json_object_new_string(API_VERSION)) == -1)) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, 200, o);
	json_object_put(o);
}

/* Judge0 answers the bare version as text. */
void
catalogue_version(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	(void)a;
	(void)c;
	buf_reset(&resp->body);
	if (buf_puts(&resp->body, API_VERSION, &resp->err) == -1) {
		reply_internal(resp, NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = API_TEXT;
}
