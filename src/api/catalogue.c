/*
 * The catalogue: what this service offers, for clients to read.
 *
 *	GET  /languages			200 [{id, name}], available ones
 *	GET  /languages/all		200 [{id, name, is_archived}]: every
 *					language of the table; archived =
 *					its tools are missing here
 *	GET  /languages/{id}		200 | 404
 *	GET  /statuses			200 [{id, description}]: Judge0's
 *					1 to 14, 15 and 16 too when the
 *					config's judge0_extra_statuses is on
 *	GET  /config_info		200 (Judge0's 39 keys, then ours)
 *	GET  /about			200 Judge0's shape, our version beside
 *	GET  /version			200 the Judge0 API version, as text
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "judge/zipfiles.h"
#include "api.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"
#include "validate.h"

/* {id, name} or {id, name, is_archived} of l under id; 0 or -1. */
static int
language_entry(json_object *arr, const struct lang *l, int id, int all)
{
	json_object	*o;

	if (jpush(arr, o = json_object_new_object()) == -1 ||
	    jadd(o, "id", json_object_new_int(id)) == -1 ||
	    jadd(o, "name", json_object_new_string(l->display)) == -1 ||
	    (all && jadd(o, "is_archived",
	    json_object_new_boolean(!l->available)) == -1))
		return -1;
	return 0;
}

/*
 * [{id, name}] of the available languages, or of all with is_archived.
 * Judge0 lists every version it runs, so a language's also_ids are
 * entries of their own, as C++ (GCC 7.4.0) is beside C++ (GCC 9.2.0)
 * there: clients check an id against this list before they send it.
 */
static void
languages(struct api *a, int all, struct api_resp *resp)
{
	const struct lang	*l;
	json_object		*arr = NULL;
	size_t			 i, k;

	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!all && !l->available)
			continue;
		for (k = 0; k <= l->nalso_ids; k++)
			if (language_entry(arr, l, k == 0 ? l->id :
			    l->also_ids[k - 1], all) == -1) {
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

/*
 * Judge0's language detail of l under id (its own or an also_id) plus
 * our names, or NULL (out of memory).
 */
static json_object *
language_detail(const struct lang *l, int id)
{
	json_object	*o, *al = NULL;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "id", json_object_new_int(id)) == -1 ||
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
	reply_json(resp, 200, o = language_detail(l, (int)id));
	json_object_put(o);
}

void
catalogue_statuses(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*arr = NULL, *o;
	int		 id, last;

	(void)c;
	/* Judge0's 1 to 14; 15 and 16 where its routes may show them */
	last = a->cfg->judge0_extra_statuses ? JS_MAX : JS_EXEC_FORMAT;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (id = 1; id <= last; id++)
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

/* key: true or false.  0 or -1. */
static int
add_bool(json_object *o, const char *key, int on)
{
	return jadd(o, key, json_object_new_boolean(on));
}

/* A limit of the validator's table, from l, in Judge0's unit. */
static int
add_limit(json_object *o, const char *key, const struct api_limit *lim,
    const struct limits *l)
{
	const char	*p = (const char *)l + lim->off;

	if (lim->is_int)
		return jadd(o, key, json_object_new_int64(
		    *(const int64_t *)(const void *)p));
	return jadd(o, key, json_object_new_double(
	    *(const double *)(const void *)p));
}

/*
 * The names of the available languages that take compiler options: each
 * has an allow-list of its own (contrib/languages.json), where Judge0
 * has one list of languages and takes any option for them.
 */
static json_object *
option_languages(const struct lang_table *langs)
{
	const struct lang	*l;
	json_object		*arr;
	size_t			 i;

	if ((arr = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < langs->n; i++) {
		l = &langs->langs[i];
		if (!l->available || l->options_allowed == NULL ||
		    l->options_allowed[0] == NULL)
			continue;
		if (jpush(arr, json_object_new_string(l->display)) == -1) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

/*
 * Judge0's /config_info: every one of the 39 keys of v1.13.1's
 * Config.config_info, in its order, with what we do (the Judge0 Python
 * SDK loads the answer into a model that requires them all), then ours.
 * NULL if out of memory.
 */
static json_object *
config_info(const struct api *a)
{
	const struct config	*cfg = a->cfg;
	const struct api_limit	*lim;
	json_object		*o = NULL, *ret = NULL;
	char			 key[64];
	size_t			 i, n;
	int			 j;

	lim = api_limit_table(&n);
	if ((o = json_object_new_object()) == NULL ||
	    add_bool(o, "maintenance_mode", 0) == -1 ||
	    add_bool(o, "enable_wait_result", 1) == -1 ||
	    add_bool(o, "enable_compiler_options", 1) == -1 ||
	    jadd(o, "allowed_languages_for_compile_options",
	    option_languages(a->langs)) == -1 ||
	    add_bool(o, "enable_command_line_arguments", 1) == -1 ||
	    add_bool(o, "enable_submission_delete", cfg->allow_delete) ==
	    -1 ||
	    add_bool(o, "enable_callbacks", cfg->callback_allow_hosts !=
	    NULL && cfg->callback_allow_hosts[0] != NULL) == -1 ||
	    jadd(o, "callbacks_max_tries", json_object_new_int(3)) == -1 ||
	    jadd(o, "callbacks_timeout", json_object_new_double(5)) == -1 ||
	    add_bool(o, "enable_additional_files", 1) == -1 ||
	    jadd(o, "max_queue_size", json_object_new_int(cfg->queue_max)) ==
	    -1)
		goto out;
	/* cpu_time_limit, max_cpu_time_limit, ... max_max_file_size */
	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			snprintf(key, sizeof(key), "%s%s", j ? "max_" : "",
			    lim[i].name);
			if (add_limit(o, key, &lim[i], j ? &cfg->max :
			    &cfg->def) == -1)
				goto out;
		}
	if (add_bool(o, "enable_per_process_and_thread_time_limit", 0) ==
	    -1 ||
	    add_bool(o, "allow_enable_per_process_and_thread_time_limit",
	    0) == -1 ||
	    add_bool(o, "enable_per_process_and_thread_memory_limit", 0) ==
	    -1 ||
	    add_bool(o, "allow_enable_per_process_and_thread_memory_limit",
	    0) == -1 ||
	    jadd(o, "number_of_runs", json_object_new_int(1)) == -1 ||
	    jadd(o, "max_number_of_runs", json_object_new_int(API_MAX_RUNS)) ==
	    -1 ||
	    add_bool(o, "redirect_stderr_to_stdout", 0) == -1 ||
	    /* KB a zip of additional_files may unpack to */
	    jadd(o, "max_extract_size",
	    json_object_new_int(JUDGE_ZIP_MAX_BYTES / 1024)) == -1 ||
	    add_bool(o, "enable_batched_submissions", 1) == -1 ||
	    jadd(o, "max_submission_batch_size",
	    json_object_new_int(cfg->max_batch)) == -1 ||
	    /* a GET reads the store every time: nothing is cached */
	    jadd(o, "submission_cache_duration", json_object_new_double(0)) ==
	    -1 ||
	    add_bool(o, "use_docs_as_homepage", 0) == -1 ||
	    /* the sandbox has no network: enable_network is always a 422 */
	    add_bool(o, "allow_enable_network", 0) == -1 ||
	    add_bool(o, "enable_network", 0) == -1)
		goto out;
	/* ours */
	if (jadd(o, "max_tests", json_object_new_int(cfg->max_tests)) == -1 ||
	    jadd(o, "max_source_bytes",
	    json_object_new_int64(cfg->max_source_bytes)) == -1 ||
	    jadd(o, "wait_timeout_ms",
	    json_object_new_int(cfg->wait_timeout_ms)) == -1 ||
	    add_bool(o, "enable_files", 1) == -1 ||
	    add_bool(o, "enable_idempotency_key", 1) == -1)
		goto out;
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
	reply_json(resp, 200, o = config_info(a));
	json_object_put(o);
}

/*
 * Judge0's {version, homepage, source_code, maintainer}: the version is
 * that of the Judge0 API we implement (the Judge0 Python SDK picks its
 * language ids by it); ours is beside it.
 */
void
catalogue_about(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	json_object	*o = NULL;

	(void)a;
	(void)c;
	if ((o = json_object_new_object()) != NULL &&
	    (jadd(o, "version",
	    json_object_new_string(API_JUDGE0_VERSION)) == -1 ||
	    jadd_null(o, "homepage") == -1 ||
	    jadd_null(o, "source_code") == -1 ||
	    jadd_null(o, "maintainer") == -1 ||
	    jadd(o, "name", json_object_new_string("coderunner")) == -1 ||
	    jadd(o, "coderunner_version",
	    json_object_new_string(API_VERSION)) == -1)) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, 200, o);
	json_object_put(o);
}

/* Judge0 answers the bare version (of /about) as text. */
void
catalogue_version(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	(void)a;
	(void)c;
	buf_reset(&resp->body);
	if (buf_puts(&resp->body, API_JUDGE0_VERSION, &resp->err) == -1) {
		reply_internal(resp, NULL);
		return;
	}
	resp->status = 200;
	resp->content_type = API_TEXT;
}
