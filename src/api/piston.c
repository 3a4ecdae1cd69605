/*
 * Piston v2 (github.com/engineer-man/piston), mapped onto the one
 * submission model.
 *
 *	GET  /api/v2/runtimes	[{language, version, aliases, runtime?}]
 *				with Piston's language names (python, c++,
 *				javascript, ...), so that clients that pick a
 *				runtime by name find ours
 *	POST /api/v2/execute	{language, version, files: [{name, content,
 *				encoding}], stdin, args, run_timeout,
 *				run_cpu_time, run_memory_limit, ...} ->
 *				200 {language, version, run: {...},
 *				compile: {...}}; synchronous
 *
 * Mapping: the first file is the program (saved as the language's
 * source file), the others are extra files under their names; args are
 * the program's argv words as they are, blanks and all (the native
 * "args"); run_timeout (ms) is wall_time_limit, run_cpu_time (ms)
 * cpu_time_limit, run_memory_limit (bytes) memory_limit; -1 or absent
 * means our default.  The compile_* limits are accepted and ignored: a
 * language's compile limits are its own (contrib/languages.json).  Any
 * version is accepted and ours is answered.  As Piston: a failed compile
 * is also the run stage, output over the limit is OL (stdout) or EL
 * (stderr), and "java" is the JDK's source launcher, which runs the
 * file's first class whatever its name.  Errors are Piston's:
 * {"message": ...}, 400 for anything the client got wrong.  The body is
 * read as JSON whatever its content type says (clients send text/plain
 * or none; Piston answers those 415).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "api.h"
#include "body.h"
#include "handlers.h"
#include "reply.h"
#include "request.h"
#include "submit.h"

/*
 * Our language names whose Piston name differs (NULL: not offered on the
 * Piston routes), and the runtime where Piston names one.  Piston's
 * "java" is the JDK's source launcher ("java File.java": any class name,
 * no compile stage), so javac's Java is not Piston's.
 */
static const struct {
	const char	*ours;
	const char	*piston;
	const char	*runtime;
} pnames[] = {
	{ "c",		"c",		"gcc" },
	{ "cpp",	"c++",		"gcc" },
	{ "python3",	"python",	NULL },
	{ "pypy3",	"pypy",		NULL },
	{ "javascript",	"javascript",	"node" },
	{ "java",	NULL,		NULL },
	{ "java-launcher", "java",	NULL },
};

static const char *
piston_name(const struct lang *l)
{
	size_t	i;

	for (i = 0; i < sizeof(pnames) / sizeof(pnames[0]); i++)
		if (strcmp(pnames[i].ours, l->name) == 0)
			return pnames[i].piston;
	return l->name;
}

static const char *
piston_runtime(const struct lang *l)
{
	size_t	i;

	for (i = 0; i < sizeof(pnames) / sizeof(pnames[0]); i++)
		if (strcmp(pnames[i].ours, l->name) == 0)
			return pnames[i].runtime;
	return NULL;
}

/* An available language by Piston name, our name or alias; or NULL. */
static const struct lang *
piston_lang(const struct lang_table *langs, const char *name)
{
	const struct lang	*l;
	const char		*pn;
	size_t			 i;

	for (i = 0; i < langs->n; i++)
		if (langs->langs[i].available &&
		    (pn = piston_name(&langs->langs[i])) != NULL &&
		    strcasecmp(pn, name) == 0)
			return &langs->langs[i];
	if ((l = lang_by_name(langs, name)) != NULL && piston_name(l) == NULL)
		return NULL;
	return l;
}

static const char *
version_of(const struct lang *l)
{
	return l->version != NULL ? l->version : "0.0.0";
}

/* {"message": msg} with status. */
static void
reply_message(struct api_resp *resp, int status, const char *msg)
{
	json_object	*o = NULL;

	if ((o = json_object_new_object()) != NULL &&
	    jadd(o, "message", json_object_new_string(msg)) == -1) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(resp, status, o);
	json_object_put(o);
}

/* The Piston field behind a Judge0 limit field, or NULL. */
static const char *
piston_field(const char *ours)
{
	if (ours == NULL)
		return NULL;
	if (strcmp(ours, "wall_time_limit") == 0)
		return "run_timeout";
	if (strcmp(ours, "cpu_time_limit") == 0)
		return "run_cpu_time";
	if (strcmp(ours, "memory_limit") == 0)
		return "run_memory_limit";
	return NULL;
}

/*
 * A native error as Piston's: {"message": its error}, 400 for what the
 * client sent wrong (422, 415), other statuses kept.  api_handle renders
 * the errors of the Piston routes with it.
 */
void
piston_error(struct api_resp *resp)
{
	const struct api_error	*e = &resp->error;
	const char		*p;
	char			 msg[300];
	int			 status = resp->status;

	snprintf(msg, sizeof(msg), "request failed");
	if (e->msg[0] != '\0') {
		snprintf(msg, sizeof(msg), "%.299s", e->msg);
		/* a limit: say which of the client's fields, in our units */
		if (e->field[0] != '\0' &&
		    (p = piston_field(e->field)) != NULL)
			snprintf(msg, sizeof(msg), "%s is out of range: %.200s "
			    "(%s)", p, e->msg,
			    strcmp(p, "run_memory_limit") == 0 ? "KB" :
			    "seconds");
	}
	if (status == 422 || status == 415)
		status = 400;
	if (status >= 500 && status != 503 && status != 504)
		return;		/* reply_internal's answer stays */
	reply_message(resp, status, msg);
}

void
piston_runtimes(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct lang	*l;
	const char		*pn, *rt;
	json_object		*arr = NULL, *o, *al;
	size_t			 i, k;

	(void)c;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!l->available || (pn = piston_name(l)) == NULL)
			continue;
		if (jpush(arr, o = json_object_new_object()) == -1 ||
		    jadd(o, "language", json_object_new_string(pn)) == -1 ||
		    jadd(o, "version", json_object_new_string(version_of(l))) ==
		    -1 ||
		    jadd(o, "aliases", al = json_object_new_array()) == -1)
			goto out;
		if (strcmp(pn, l->name) != 0 &&
		    jpush(al, json_object_new_string(l->name)) == -1)
			goto out;
		for (k = 0; l->aliases != NULL && l->aliases[k] != NULL; k++)
			if (strcmp(l->aliases[k], pn) != 0 &&
			    jpush(al, json_object_new_string(l->aliases[k])) ==
			    -1)
				goto out;
		if ((rt = piston_runtime(l)) != NULL &&
		    jadd(o, "runtime", json_object_new_string(rt)) == -1)
			goto out;
	}
	reply_json(resp, 200, arr);
out:
	if (resp->status == 0)
		reply_internal(resp, NULL);
	json_object_put(arr);
}

/* Decodes hex text; NULL if it is not hex or on ENOMEM. */
static char *
hex_decode(const char *s, size_t len, size_t *out_len)
{
	char	*d;
	size_t	 i;
	int	 hi, lo;

	if (len % 2 != 0 || (d = malloc(len / 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i += 2) {
		if ((hi = util_hexval((unsigned char)s[i])) < 0 ||
		    (lo = util_hexval((unsigned char)s[i + 1])) < 0) {
			free(d);
			return NULL;
		}
		d[i / 2] = (char)(hi << 4 | lo);
	}
	d[len / 2] = '\0';
	*out_len = len / 2;
	return d;
}

/*
 * One Piston file's content as raw bytes in a JSON string (json-c
 * strings carry a length, so NUL bytes survive), or NULL with msg set.
 */
static json_object *
file_content(json_object *f, char *msg, size_t msg_size)
{
	json_object	*c, *e, *o;
	const char	*enc = "utf8";
	char		*d = NULL;
	size_t		 dlen;

	if (!json_object_object_get_ex(f, "content", &c) ||
	    !json_object_is_type(c, json_type_string)) {
		snprintf(msg, msg_size, "file content is required as a string");
		return NULL;
	}
	if (json_object_object_get_ex(f, "encoding", &e) && e != NULL) {
		if (!json_object_is_type(e, json_type_string)) {
			snprintf(msg, msg_size, "file encoding must be a "
			    "string");
			return NULL;
		}
		enc = json_object_get_string(e);
	}
	if (strcmp(enc, "utf8") == 0)
		return json_object_get(c);
	if (strcmp(enc, "base64") == 0)
		d = base64_decode(json_object_get_string(c),
		    (size_t)json_object_get_string_len(c), &dlen);
	else if (strcmp(enc, "hex") == 0)
		d = hex_decode(json_object_get_string(c),
		    (size_t)json_object_get_string_len(c), &dlen);
	else {
		snprintf(msg, msg_size, "file encoding must be utf8, base64 "
		    "or hex");
		return NULL;
	}
	if (d == NULL) {
		snprintf(msg, msg_size, "file content is not valid %s", enc);
		return NULL;
	}
	o = json_object_new_string_len(d, (int)dlen);
	free(d);
	if (o == NULL)
		snprintf(msg, msg_size, "out of memory");
	return o;
}

/*
 * A Piston limit: absent, null or -1 is our default; else a number at or
 * over the limit's floor (low, in our units), scaled by div (ms -> s:
 * 1000; bytes -> KB: 1024, rounded up).  The floor is checked here, in
 * the client's units; the maximum by the validator.
 */
static int
map_limit(json_object *body, const char *key, json_object *obj,
    const char *ours, double low, double div, int round_up, char *msg,
    size_t msg_size)
{
	json_object	*v;
	double		 d;

	if (!json_object_object_get_ex(body, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double)) {
		snprintf(msg, msg_size, "%s must be a number", key);
		return -1;
	}
	if ((d = json_object_get_double(v)) == -1)
		return 0;
	if (d < low * div) {
		snprintf(msg, msg_size, "%s must be greater than or equal to "
		    "%.0f, or -1", key, low * div);
		return -1;
	}
	d /= div;
	if (round_up) {
		if (d > 9e15)
			d = 9e15;
		return jadd(obj, ours, json_object_new_int64((int64_t)(d +
		    0.999999)));
	}
	return jadd(obj, ours, json_object_new_double(d));
}

/*
 * Maps a Piston request onto a Judge0 object for lang.  Returns the
 * object, or NULL with msg set (a 400).
 */
static json_object *
map_request(json_object *body, const struct lang *lang, char *msg,
    size_t msg_size)
{
	const struct limits *low = config_limits_floor();
	json_object	*obj = NULL, *files, *f, *v, *content, *extra = NULL;
	json_object	*nf, *ret = NULL;
	char		 name[32];
	size_t		 i, n;

	/* each error below says what it is; the others are this */
	snprintf(msg, msg_size, "out of memory");
	if ((obj = json_object_new_object()) == NULL ||
	    jadd(obj, "language", json_object_new_string(lang->name)) == -1)
		goto out;
	if (!json_object_object_get_ex(body, "files", &files) ||
	    !json_object_is_type(files, json_type_array) ||
	    (n = json_object_array_length(files)) == 0) {
		snprintf(msg, msg_size, "files is required as an array");
		goto out;
	}
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(files, i);
		if (!json_object_is_type(f, json_type_object)) {
			snprintf(msg, msg_size, "files must be objects");
			goto out;
		}
		if ((content = file_content(f, msg, msg_size)) == NULL)
			goto out;
		if (i == 0) {
			if (jadd(obj, "source_code", content) == -1)
				goto out;
			continue;
		}
		if (extra == NULL && jadd(obj, "files",
		    extra = json_object_new_array()) == -1) {
			json_object_put(content);
			goto out;
		}
		if (jpush(extra, nf = json_object_new_object()) == -1) {
			json_object_put(content);
			goto out;
		}
		if (jadd(nf, "content", content) == -1)
			goto out;
		if (json_object_object_get_ex(f, "name", &v) && v != NULL) {
			if (jadd(nf, "name", json_object_get(v)) == -1)
				goto out;
		} else {
			snprintf(name, sizeof(name), "file%zu", i);
			if (jadd(nf, "name", json_object_new_string(name)) ==
			    -1)
				goto out;
		}
	}
	if (json_object_object_get_ex(body, "stdin", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(msg, msg_size, "stdin must be a string");
			goto out;
		}
		if (jadd(obj, "stdin", json_object_get(v)) == -1)
			goto out;
	}
	/* argv words as they are: blanks, quotes and all (no shell) */
	if (json_object_object_get_ex(body, "args", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array)) {
			snprintf(msg, msg_size, "args must be an array");
			goto out;
		}
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!json_object_is_type(json_object_array_get_idx(v,
			    i), json_type_string)) {
				snprintf(msg, msg_size, "args must be an "
				    "array of strings");
				goto out;
			}
		if (jadd(obj, "args", json_object_get(v)) == -1)
			goto out;
	}
	if (map_limit(body, "run_timeout", obj, "wall_time_limit",
	    low->wall_time_s, 1000, 0, msg, msg_size) == -1 ||
	    map_limit(body, "run_cpu_time", obj, "cpu_time_limit",
	    low->cpu_time_s, 1000, 0, msg, msg_size) == -1 ||
	    map_limit(body, "run_memory_limit", obj, "memory_limit",
	    (double)low->memory_kb, 1024, 1, msg, msg_size) == -1)
		goto out;
	ret = obj;
	obj = NULL;
out:
	json_object_put(obj);
	return ret;
}

/*
 * Piston's status letter of a verdict, or NULL for a clean run.  Output
 * over the limit is OL for stdout and EL for stderr, as Piston's job.js
 * says (r: the test that decided).
 */
static const char *
status_letter(int st, int sig, const struct judge_test_result *r)
{
	switch (st) {
	case JS_AC:
	case JS_WA:
		return NULL;
	case JS_TLE:
		return "TO";
	case JS_OLE:
		return r != NULL && r->stderr_truncated &&
		    !r->stdout_truncated ? "EL" : "OL";
	case JS_IE:
	case JS_EXEC_FORMAT:
		return "XX";
	case JS_NZEC:
		return "RE";
	case JS_MLE:
		return "SG";
	default:
		return sig != 0 ? "SG" : "RE";
	}
}

/* "SIGKILL" for 9, or NULL. */
static json_object *
signal_name(int sig)
{
	const char	*n;
	char		 buf[32];

	if (sig <= 0 || (n = sigabbrev_np(sig)) == NULL)
		return NULL;
	snprintf(buf, sizeof(buf), "SIG%s", n);
	return json_object_new_string(buf);
}

/* One stage: stdout, stderr, output, code, signal, message, status, ... */
static json_object *
stage(const char *out, size_t out_len, const char *err, size_t err_len,
    int has_code, int code, int sig, const char *message, const char *status,
    int has_usage, double cpu_s, double wall_s, int64_t mem_kb)
{
	json_object	*o = NULL, *sn, *ret = NULL;
	struct buf	 both = { 0 };

	if (buf_append(&both, out != NULL ? out : "", out_len, NULL) == -1 ||
	    buf_append(&both, err != NULL ? err : "", err_len, NULL) == -1)
		goto out;
	if ((o = json_object_new_object()) == NULL ||
	    api_text(o, "stdout", out, out_len) == -1 ||
	    api_text(o, "stderr", err, err_len) == -1 ||
	    api_text(o, "output", both.data, both.len) == -1 ||
	    (has_code ? jadd(o, "code", json_object_new_int(code)) :
	    jadd_null(o, "code")) == -1 ||
	    ((sn = signal_name(sig)) != NULL ? jadd(o, "signal", sn) :
	    jadd_null(o, "signal")) == -1 ||
	    (message != NULL && *message != '\0' ? jadd(o, "message",
	    json_object_new_string(message)) : jadd_null(o, "message")) ==
	    -1 ||
	    (status != NULL ? jadd(o, "status",
	    json_object_new_string(status)) : jadd_null(o, "status")) == -1)
		goto out;
	if (has_usage ? (jadd(o, "cpu_time", json_object_new_int64(
	    (int64_t)(cpu_s * 1000 + 0.5))) == -1 ||
	    jadd(o, "wall_time", json_object_new_int64(
	    (int64_t)(wall_s * 1000 + 0.5))) == -1 ||
	    jadd(o, "memory", json_object_new_int64(mem_kb * 1024)) == -1) :
	    (jadd_null(o, "cpu_time") == -1 || jadd_null(o, "wall_time") ==
	    -1 || jadd_null(o, "memory") == -1))
		goto out;
	ret = o;
	o = NULL;
out:
	buf_reset(&both);
	json_object_put(o);
	return ret;
}

/* The answer for the final submission s of lang. */
static json_object *
piston_result(const struct submission *s, const struct lang *l)
{
	const struct judge_test_result	*r = submission_main_result(s);
	json_object			*o = NULL, *st, *ret = NULL;
	int				 sig, ce = s->status == JS_CE;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "language", json_object_new_string(piston_name(l))) ==
	    -1 ||
	    jadd(o, "version", json_object_new_string(version_of(l))) == -1)
		goto out;
	if (l->compile_argv != NULL) {
		/* one compiler output, stdout and stderr together */
		st = stage(NULL, 0, s->compile_output, s->compile_output_len,
		    s->status != JS_IE, ce ? 1 : 0, 0, ce ?
		    "compilation failed" : NULL, ce ? "RE" : NULL, 0, 0, 0, 0);
		if (jadd(o, "compile", st) == -1)
			goto out;
		/*
		 * A failed compile is "run" too: Piston's v2.js copies it
		 * there when the run stage never started (since 2023), and
		 * clients read result.run.output.
		 */
		if (ce && jadd(o, "run", json_object_get(st)) == -1)
			goto out;
	}
	sig = r != NULL ? r->exit_signal : 0;
	if (sig == 0 && (s->status == JS_TLE || s->status == JS_MLE))
		sig = SIGKILL;
	if (!ce && jadd(o, "run", stage(r != NULL ? r->stdout_data : NULL,
	    r != NULL ? r->stdout_len : 0, r != NULL ? r->stderr_data : NULL,
	    r != NULL ? r->stderr_len : 0, r != NULL && sig == 0 &&
	    s->status != JS_IE, r != NULL ? r->exit_code : 0, sig,
	    s->message, status_letter(s->status, sig, r), r != NULL &&
	    s->status != JS_IE, s->time_s, s->wall_time_s, s->memory_kb)) ==
	    -1)
		goto out;
	ret = o;
	o = NULL;
out:
	json_object_put(o);
	return ret;
}

void
piston_execute(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	const struct lang	*l;
	struct submission	*s = NULL;
	json_object		*body, *obj = NULL, *v, *o = NULL;
	const char		*name;
	char			 msg[300];
	int			 form;

	if (reply_header(resp, "Cache-Control: no-store") == -1)
		goto out;
	if (body_take(c->body, &body, &form, resp) == -1)
		goto out;
	if (!json_object_object_get_ex(body, "language", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		reply_message(resp, 400, "language is required as a string");
		goto out;
	}
	name = json_object_get_string(v);
	if ((l = piston_lang(a->langs, name)) == NULL) {
		if (!json_object_object_get_ex(body, "version", &v) ||
		    !json_object_is_type(v, json_type_string))
			v = NULL;
		snprintf(msg, sizeof(msg), "%.100s-%.40s runtime is unknown",
		    name, v != NULL ? json_object_get_string(v) : "*");
		reply_message(resp, 400, msg);
		goto out;
	}
	if ((obj = map_request(body, l, msg, sizeof(msg))) == NULL) {
		reply_message(resp, strcmp(msg, "out of memory") == 0 ? 500 :
		    400, msg);
		goto out;
	}
	switch (api_run_sync(a, c, obj, 0, &s, resp)) {
	case -1:
		goto out;
	case 0:
		snprintf(msg, sizeof(msg), "the run did not finish within "
		    "%d ms; it goes on as submission %s",
		    a->cfg->wait_timeout_ms, resp->token);
		reply_message(resp, 504, msg);
		goto out;
	}
	if ((o = piston_result(s, l)) == NULL) {
		reply_internal(resp, NULL);
		goto out;
	}
	reply_json(resp, 200, o);
out:
	json_object_put(o);
	json_object_put(obj);
	submission_free(s);
}
