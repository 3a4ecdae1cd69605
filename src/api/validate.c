/*
 * The one validator: a request object in Judge0's names (from JSON, a
 * form, or a route family's mapping) becomes a struct submission, or the
 * answer that says why not.  The order of the checks is the order of
 * the answers: 400 (base64, syntax, types), 413 (sizes), 422 (values).
 *
 * Field rules, chosen to read what Judge0 clients send:
 *   - null is the same as absent; in a form "" is absent too (an empty
 *     input box), while in JSON "" is a value (expected_output "" means
 *     "expect no output");
 *   - numbers may also be written as text ("2.5"), as Rails casts them
 *     for Judge0; anything else of the wrong JSON type is a 400;
 *   - unknown keys are ignored, but keys that would change what runs
 *     and that we do not do yet are a 422 rather than a silently wrong
 *     verdict (enable_network).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "judge/zipfiles.h"
#include "api.h"
#include "form.h"
#include "reply.h"
#include "validate.h"

struct input {
	json_object	*obj;
	int		 form;	/* values are text from a form */
};

#define LIMIT(n, i, f, z)	{ n, i, offsetof(struct limits, f), z }
static const struct api_limit limits[] = {
	LIMIT("cpu_time_limit", 0, cpu_time_s, 0),
	LIMIT("cpu_extra_time", 0, cpu_extra_s, 1),
	LIMIT("wall_time_limit", 0, wall_time_s, 0),
	LIMIT("memory_limit", 1, memory_kb, 0),
	LIMIT("stack_limit", 1, stack_kb, 0),
	LIMIT("max_processes_and_or_threads", 1, max_procs, 0),
	LIMIT("max_file_size", 1, max_file_kb, 0),
};

/* Judge0's booleans we never do: true is a 422 (false is fine). */
static const char *const per_process[] = {
	"enable_per_process_and_thread_time_limit",
	"enable_per_process_and_thread_memory_limit",
};

const struct api_limit *
api_limit_table(size_t *n)
{
	*n = sizeof(limits) / sizeof(limits[0]);
	return limits;
}

/* 1 if the string v holds no NUL byte (so C string functions see all). */
static int
whole(json_object *v)
{
	return strlen(json_object_get_string(v)) ==
	    (size_t)json_object_get_string_len(v);
}

/* The value of key, or NULL if absent, null, or "" in a form.  Borrowed. */
static json_object *
field(const struct input *in, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(in->obj, key, &v) || v == NULL)
		return NULL;
	if (in->form && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) == 0)
		return NULL;
	return v;
}

static void
wrong_type(struct api_resp *resp, const char *key, const char *what)
{
	char	msg[128];

	snprintf(msg, sizeof(msg), "%s must be %s", key, what);
	reply_error(resp, 400, msg, key);
}

/*
 * A string field: *p (borrowed, NUL-terminated) and *len, or *p = NULL
 * when absent.  Returns 0, or -1 with resp holding a 400.
 */
static int
get_text(const struct input *in, const char *key, const char **p,
    size_t *len, struct api_resp *resp)
{
	json_object	*v;

	*p = NULL;
	*len = 0;
	if ((v = field(in, key)) == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		wrong_type(resp, key, "a string");
		return -1;
	}
	*p = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return 0;
}

/*
 * A decimal number in text: sign, digits, point, exponent, and nothing
 * else (no hex, inf, nan or spaces, which strtod would take).
 */
static int
parse_decimal(const char *s, double *out)
{
	const char	*p = s;
	char		*end;
	int		 digits = 0;
	double		 d;

	if (*p == '-' || *p == '+')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	d = strtod(s, &end);
	if (end != p || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

/*
 * A number field (JSON number or decimal text).  Returns 1 with *out, 0
 * if absent, or -1 with resp holding a 400 (wrong type) or 422 (text
 * that is no number, NaN, infinity).
 */
static int
get_number(const struct input *in, const char *key, double *out,
    struct api_resp *resp)
{
	json_object	*v;

	if ((v = field(in, key)) == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = (double)json_object_get_int64(v);
		return 1;
	case json_type_double:
		*out = json_object_get_double(v);
		break;
	case json_type_string:
		if (!whole(v) ||
		    parse_decimal(json_object_get_string(v), out) == -1)
			*out = NAN;
		break;
	default:
		wrong_type(resp, key, "a number");
		return -1;
	}
	if (!isfinite(*out)) {
		reply_invalid(resp, NULL, key, "is not a number");
		return -1;
	}
	return 1;
}

/*
 * An integer field: as get_number, and a fraction is a 422.  Values past
 * the int64 range saturate (the range checks then refuse them).
 */
static int
get_int(const struct input *in, const char *key, int64_t *out,
    struct api_resp *resp)
{
	json_object	*v;
	double		 d;
	int		 rc;

	if ((v = field(in, key)) == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 1;
	}
	if (json_object_is_type(v, json_type_string) && whole(v) &&
	    util_parse_i64(json_object_get_string(v), INT64_MIN, INT64_MAX,
	    out) == 0)
		return 1;
	if ((rc = get_number(in, key, &d, resp)) != 1)
		return rc;
	if (d != floor(d)) {
		reply_invalid(resp, NULL, key, "must be an integer");
		return -1;
	}
	if (d >= 9.2e18)
		*out = INT64_MAX;
	else if (d <= -9.2e18)
		*out = INT64_MIN;
	else
		*out = (int64_t)d;
	return 1;
}

/* A boolean field: JSON true/false, 0/1, or a word api_parse_bool takes. */
static int
get_bool(const struct input *in, const char *key, int *out,
    struct api_resp *resp)
{
	json_object	*v;
	int64_t		 i;

	if ((v = field(in, key)) == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		*out = json_object_get_boolean(v);
		return 1;
	case json_type_int:
		i = json_object_get_int64(v);
		if (i == 0 || i == 1) {
			*out = (int)i;
			return 1;
		}
		break;
	case json_type_string:
		if (whole(v) &&
		    api_parse_bool(json_object_get_string(v), out) == 0)
			return 1;
		break;
	default:
		wrong_type(resp, key, "a boolean");
		return -1;
	}
	reply_invalid(resp, NULL, key, "must be true or false");
	return -1;
}

static int
get_language(struct api *a, const struct input *in, struct submission *s,
    struct api_resp *resp)
{
	const struct lang	*l = NULL;
	const char		*name;
	char			 detail[96];
	size_t			 len;
	int64_t			 id;
	int			 rc;

	if ((rc = get_int(in, "language_id", &id, resp)) == -1)
		return -1;
	if (rc == 1) {
		if (id > 0 && id <= INT_MAX)
			l = lang_by_id(a->langs, (int)id);
		if (l == NULL) {
			snprintf(detail, sizeof(detail),
			    "language with id %lld doesn't exist",
			    (long long)id);
			reply_invalid(resp, "unknown language", "language_id",
			    detail);
			return -1;
		}
	} else {
		if (get_text(in, "language", &name, &len, resp) == -1)
			return -1;
		if (name == NULL) {
			reply_invalid(resp, NULL, "language_id",
			    "can't be blank");
			return -1;
		}
		if (strlen(name) == len)	/* no NUL inside */
			l = lang_by_name(a->langs, name);
		if (l == NULL) {
			reply_invalid(resp, "unknown language", "language",
			    "no such language");
			return -1;
		}
	}
	s->lang_id = l->id;
	return 0;
}

/* Whether the request's language_id names a project (it has no source). */
static int
names_project(struct api *a, const struct input *in)
{
	const struct lang	*l;
	json_object		*v;

	if ((v = field(in, "language_id")) == NULL ||
	    (l = lang_by_id(a->langs, json_object_get_int(v))) == NULL)
		return 0;
	return l->project;
}

/*
 * Every limit: the config's default, or a value in [floor, max] (Judge0's
 * wording for both ends).  The floors keep every limit above 0, which
 * would turn it off in the sandbox.
 */
static int
get_limits(struct api *a, const struct input *in, struct submission *s,
    struct api_resp *resp)
{
	const struct api_limit	*lim;
	char			*dst, detail[96];
	const char		*max, *low;
	double			 d;
	int64_t			 i;
	size_t			 k;
	int			 rc;

	s->lim = a->cfg->def;
	for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
		lim = &limits[k];
		dst = (char *)&s->lim + lim->off;
		max = (const char *)&a->cfg->max + lim->off;
		low = (const char *)config_limits_floor() + lim->off;
		detail[0] = '\0';
		if (lim->is_int) {
			if ((rc = get_int(in, lim->name, &i, resp)) == -1)
				return -1;
			if (rc == 0)
				continue;
			if (i > *(const int64_t *)(const void *)max)
				snprintf(detail, sizeof(detail),
				    "must be less than or equal to %lld",
				    (long long)*(const int64_t *)(const void *)
				    max);
			else if (i < *(const int64_t *)(const void *)low)
				snprintf(detail, sizeof(detail),
				    "must be greater than or equal to %lld",
				    (long long)*(const int64_t *)(const void *)
				    low);
			else
				*(int64_t *)(void *)dst = i;
		} else {
			if ((rc = get_number(in, lim->name, &d, resp)) == -1)
				return -1;
			if (rc == 0)
				continue;
			if (d > *(const double *)(const void *)max)
				snprintf(detail, sizeof(detail),
				    "must be less than or equal to %g",
				    *(const double *)(const void *)max);
			else if (d < *(const double *)(const void *)low)
				snprintf(detail, sizeof(detail),
				    "must be greater than or equal to %g",
				    *(const double *)(const void *)low);
			else
				*(double *)(void *)dst = d;
		}
		if (detail[0] != '\0') {
			reply_invalid(resp, NULL, lim->name, detail);
			return -1;
		}
	}
	return 0;
}

/*
 * The time budget: the worst case of s (the compile's wall limit, then
 * every run of every test at its wall limit) within total_wall_time.
 * The 422 names wall_time_limit, the factor every test multiplies.
 */
static int
check_budget(struct api *a, const struct lang *lang,
    const struct submission *s, struct api_resp *resp)
{
	char	detail[200];
	int64_t	worst = judge_worst_case_ms(lang, s);
	int64_t	budget = (int64_t)(a->cfg->max.total_wall_s * 1000 + 0.5);

	if (worst <= budget)
		return 0;
	snprintf(detail, sizeof(detail), "is too long for the time budget: "
	    "%zu test%s x %d run%s x %g s%s is %g s, over %g s per "
	    "submission", s->ntests, s->ntests == 1 ? "" : "s",
	    s->number_of_runs, s->number_of_runs == 1 ? "" : "s",
	    s->lim.wall_time_s, lang->compile_argv != NULL ?
	    " + the compile's wall time limit" : "", (double)worst / 1000,
	    a->cfg->max.total_wall_s);
	reply_invalid(resp, NULL, "wall_time_limit", detail);
	return -1;
}

/* "tests": [{stdin, expected_output}, ...] instead of the single test. */
static int
get_tests(const struct input *in, json_object *arr, int max_tests,
    struct submission *s, struct api_resp *resp)
{
	struct input	 t = { NULL, 0 };
	char		 msg[64];
	const char	*p, *e;
	size_t		 n, i, plen, elen;

	if (!json_object_is_type(arr, json_type_array)) {
		wrong_type(resp, "tests", "an array");
		return -1;
	}
	if ((n = json_object_array_length(arr)) == 0 ||
	    n > (size_t)max_tests) {
		snprintf(msg, sizeof(msg), "must have at most %d entries",
		    max_tests);
		reply_invalid(resp, NULL, "tests", n == 0 ?
		    "must not be empty" : msg);
		return -1;
	}
	if (field(in, "stdin") != NULL ||
	    field(in, "expected_output") != NULL) {
		reply_invalid(resp, NULL, "tests",
		    "can't be given with stdin or expected_output");
		return -1;
	}
	if ((s->tests = calloc(n, sizeof(*s->tests))) == NULL) {
		reply_internal(resp, NULL);
		return -1;
	}
	s->ntests = n;	/* submission_free frees what is filled */
	for (i = 0; i < n; i++) {
		t.obj = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(t.obj, json_type_object)) {
			wrong_type(resp, "tests", "an array of objects");
			return -1;
		}
		if (get_text(&t, "stdin", &p, &plen, resp) == -1 ||
		    get_text(&t, "expected_output", &e, &elen, resp) == -1)
			return -1;
		if ((s->tests[i].stdin_data = util_memdup0(p ? p : "",
		    plen)) == NULL || (e != NULL &&
		    (s->tests[i].expected = util_memdup0(e, elen)) == NULL)) {
			reply_internal(resp, NULL);
			return -1;
		}
		s->tests[i].stdin_len = plen;
		s->tests[i].expected_len = elen;
	}
	return 0;
}

/*
 * A file name of a multi-file program: a plain name of [A-Za-z0-9._-],
 * not starting with '.', at most API_MAX_FILE_NAME bytes: no paths, no
 * "..", nothing a shell or the box could read as more than a name.
 */
static int
plain_name(const char *n, size_t len)
{
	size_t	i;

	if (len == 0 || len > API_MAX_FILE_NAME || n[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		    (n[i] >= 'A' && n[i] <= 'Z') ||
		    (n[i] >= '0' && n[i] <= '9') ||
		    n[i] == '.' || n[i] == '_' || n[i] == '-'))
			return 0;
	return 1;
}

/* "files": [{name, content, encoding: "utf8" | "base64"}, ...]. */
static int
get_files(struct api *a, json_object *arr, const struct lang *lang,
    struct submission *s, struct api_resp *resp)
{
	struct input	 f = { NULL, 0 };
	const char	*name, *content, *enc;
	size_t		 n, i, j, nlen, clen, elen, total = s->source_len;

	if (!json_object_is_type(arr, json_type_array)) {
		wrong_type(resp, "files", "an array");
		return -1;
	}
	if ((n = json_object_array_length(arr)) > API_MAX_FILES) {
		reply_invalid(resp, NULL, "files", "has too many entries");
		return -1;
	}
	if ((s->files = calloc(n ? n : 1, sizeof(*s->files))) == NULL) {
		reply_internal(resp, NULL);
		return -1;
	}
	for (i = 0; i < n; i++) {
		f.obj = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(f.obj, json_type_object)) {
			wrong_type(resp, "files", "an array of objects");
			return -1;
		}
		if (get_text(&f, "name", &name, &nlen, resp) == -1 ||
		    get_text(&f, "content", &content, &clen, resp) == -1 ||
		    get_text(&f, "encoding", &enc, &elen, resp) == -1)
			return -1;
		if (name == NULL || !plain_name(name, nlen)) {
			reply_invalid(resp, "bad file name", "files",
			    "names must be plain file names ([A-Za-z0-9._-], "
			    "no paths)");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(s->files[j].name, name) == 0)
				break;
		if (j < i || (s->source_len > 0 &&
		    strcmp(name, lang->source_file) == 0)) {
			reply_invalid(resp, "duplicate file name", "files",
			    "names must be unique (source_code is saved as "
			    "the language's source file)");
			return -1;
		}
		s->nfiles = i + 1;	/* submission_free frees what is set */
		if ((s->files[i].name = strndup(name, nlen)) == NULL) {
			reply_internal(resp, NULL);
			return -1;
		}
		if (content == NULL)
			content = "";
		if (enc == NULL || strcmp(enc, "utf8") == 0 ||
		    strcmp(enc, "utf-8") == 0)
			s->files[i].content = util_memdup0(content, clen);
		else if (strcmp(enc, "base64") == 0) {
			s->files[i].content = base64_decode(content, clen,
			    &clen);
			if (s->files[i].content == NULL && errno == EINVAL) {
				reply_invalid(resp, "file content is not "
				    "base64", "files", "content is not base64");
				return -1;
			}
		} else {
			reply_invalid(resp, NULL, "files",
			    "encoding must be utf8 or base64");
			return -1;
		}
		if (s->files[i].content == NULL) {
			reply_internal(resp, NULL);
			return -1;
		}
		s->files[i].len = clen;
		total += clen;
		if ((int64_t)total > a->cfg->max_source_bytes * 4) {
			reply_error(resp, 413, "files are too large",
			    "files");
			return -1;
		}
	}
	return 0;
}

/*
 * additional_files: Judge0's zip archive, in base64 whatever
 * base64_encoded says (line breaks are skipped, as Ruby's decode64 does),
 * checked here as the judge will unpack it (judge/zipfiles.h), so that a
 * bad archive is a 422 naming its problem and never reaches a box.  A
 * project (Judge0's "Multi-file program") needs one and has no source.
 */
static int
get_archive(const struct input *in, const struct lang *lang,
    struct submission *s, struct api_resp *resp)
{
	struct judge_file	*files = NULL;
	struct err		 err;
	const char		*p;
	char			*clean = NULL, why[200], detail[240];
	size_t			 len, i, n = 0, nf = 0;
	int			 rc = -1;

	if (get_text(in, "additional_files", &p, &len, resp) == -1)
		return -1;
	if (p == NULL || len == 0) {
		if (!lang->project)
			return 0;
		reply_invalid(resp, NULL, "additional_files", "can't be blank");
		return -1;
	}
	if ((clean = malloc(len + 1)) == NULL) {
		reply_internal(resp, NULL);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (p[i] != '\n' && p[i] != '\r')
			clean[n++] = p[i];
	if ((s->additional_files = base64_decode(clean, n,
	    &s->additional_files_len)) == NULL) {
		if (errno == EINVAL)
			reply_invalid(resp, "additional_files is not base64",
			    "additional_files", "is not valid base64");
		else
			reply_internal(resp, NULL);
		goto out;
	}
	switch (judge_zip_unpack(s->additional_files, s->additional_files_len,
	    NULL, &files, &nf, why, sizeof(why), &err)) {
	case -1:
		reply_internal(resp, &err);
		goto out;
	case 0:
		snprintf(detail, sizeof(detail), "is refused: the zip archive "
		    "%s", why);
		reply_invalid(resp, "additional_files is refused",
		    "additional_files", detail);
		goto out;
	}
	rc = 0;
out:
	judge_files_free(files, nf);
	free(clean);
	return rc;
}

/*
 * The judging options: compare mode and tolerances, stop_on_failure,
 * number_of_runs, compiler options (each word on the language's
 * allow-list) and program arguments (argv words; there is no shell).
 */
static int
get_judging(const struct input *in, const struct lang *lang,
    struct submission *s, struct api_resp *resp)
{
	const char	*p;
	char		 msg[200];
	size_t		 len;
	int64_t		 runs;
	int		 b;

	if (get_text(in, "compare", &p, &len, resp) == -1)
		return -1;
	if (p != NULL && (s->compare = judge_compare_parse(p)) < 0) {
		reply_invalid(resp, NULL, "compare",
		    "must be trim, exact, tokens or float");
		return -1;
	}
	if (get_number(in, "abs_eps", &s->abs_eps, resp) == -1 ||
	    get_number(in, "rel_eps", &s->rel_eps, resp) == -1)
		return -1;
	if (s->abs_eps < 0 || s->rel_eps < 0) {
		reply_invalid(resp, NULL, s->abs_eps < 0 ? "abs_eps" :
		    "rel_eps", "must not be negative");
		return -1;
	}
	b = 0;
	if (get_bool(in, "stop_on_failure", &b, resp) == -1)
		return -1;
	s->stop_on_failure = b;
	runs = 1;
	if (get_int(in, "number_of_runs", &runs, resp) == -1)
		return -1;
	if (runs < 1 || runs > API_MAX_RUNS) {
		reply_invalid(resp, NULL, "number_of_runs",
		    runs < 1 ? "must be greater than or equal to 1" :
		    "must be less than or equal to 20");
		return -1;
	}
	s->number_of_runs = (int)runs;

	if (get_text(in, "compiler_options", &p, &len, resp) == -1)
		return -1;
	if (p != NULL && len > 0) {
		if (len > API_MAX_OPTIONS || strlen(p) != len) {
			reply_invalid(resp, NULL, "compiler_options",
			    "is too long");
			return -1;
		}
		if (lang->compile_argv == NULL) {
			reply_invalid(resp, NULL, "compiler_options",
			    "language does not compile");
			return -1;
		}
		switch (lang_options_ok(lang, p, msg, sizeof(msg))) {
		case -1:
			reply_internal(resp, NULL);
			return -1;
		case 0:
			reply_invalid(resp, msg, "compiler_options", msg);
			return -1;
		}
		if ((s->compiler_options = strdup(p)) == NULL) {
			reply_internal(resp, NULL);
			return -1;
		}
	}
	if (get_text(in, "command_line_arguments", &p, &len, resp) == -1)
		return -1;
	if (p != NULL && len > 0) {
		if (len > API_MAX_ARGS || strlen(p) != len) {
			reply_invalid(resp, NULL, "command_line_arguments",
			    "is too long");
			return -1;
		}
		if ((s->command_line_arguments = strdup(p)) == NULL) {
			reply_internal(resp, NULL);
			return -1;
		}
	}
	return 0;
}

/*
 * args: the program's arguments as a list of exact argv words (what
 * Piston's clients send), instead of command_line_arguments' text.
 */
static int
get_argv(const struct input *in, struct submission *s,
    struct api_resp *resp)
{
	json_object	*arr, *w;
	size_t		 n, i, total = 0;

	if ((arr = field(in, "args")) == NULL)
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		wrong_type(resp, "args", "an array of strings");
		return -1;
	}
	if (s->command_line_arguments != NULL) {
		reply_invalid(resp, NULL, "args",
		    "can't be given with command_line_arguments");
		return -1;
	}
	n = json_object_array_length(arr);
	if ((s->argv = calloc(n + 1, sizeof(char *))) == NULL) {
		reply_internal(resp, NULL);
		return -1;
	}
	for (i = 0; i < n; i++) {
		w = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(w, json_type_string)) {
			wrong_type(resp, "args", "an array of strings");
			return -1;
		}
		total += (size_t)json_object_get_string_len(w) + 1;
		if (!whole(w) || total > API_MAX_ARGS) {
			reply_invalid(resp, NULL, "args", whole(w) ?
			    "is too long" : "must not hold a NUL byte");
			return -1;
		}
		if ((s->argv[i] = strdup(json_object_get_string(w))) == NULL) {
			reply_internal(resp, NULL);
			return -1;
		}
	}
	return 0;
}

/*
 * callback_url: *url borrowed from in, or NULL.  Only http(s) URLs of
 * hosts on callback_allow_hosts (none: callbacks are off).
 */
static int
get_callback(struct api *a, const struct input *in, const char **url,
    struct api_resp *resp)
{
	const char	*p;
	char		 why[160];
	size_t		 len;

	*url = NULL;
	if (get_text(in, "callback_url", &p, &len, resp) == -1)
		return -1;
	if (p == NULL || len == 0)
		return 0;
	if (a->cfg->callback_allow_hosts == NULL ||
	    a->cfg->callback_allow_hosts[0] == NULL) {
		reply_invalid(resp, "callbacks are disabled", "callback_url",
		    "callbacks are disabled on this server");
		return -1;
	}
	if (strlen(p) != len || api_callback_url_check(a->cfg, p, why,
	    sizeof(why)) == -1) {
		reply_invalid(resp, NULL, "callback_url", strlen(p) != len ?
		    "is not a URL" : why);
		return -1;
	}
	*url = p;
	return 0;
}

/*
 * Validates the request object into a new submission *out (the caller
 * frees it) and its callback URL (borrowed from in, or NULL).  Returns
 * 0, or -1 with resp answered.
 */
static int
build(struct api *a, const struct input *in, const char *owner,
    struct submission **out, const char **callback_url,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	const struct lang	*lang;
	json_object		*v;
	const char		*src, *p, *e;
	struct err		 err;
	char			 msg[128];
	size_t			 i, len, plen, elen;
	int			 rc = -1, b;

	*out = NULL;
	if ((s = submission_new()) == NULL) {
		err_errno(&err, "submission_new");
		reply_internal(resp, &err);
		goto out;
	}
	if (get_text(in, "source_code", &src, &len, resp) == -1)
		goto out;
	if ((src == NULL || len == 0) && field(in, "files") == NULL &&
	    !names_project(a, in)) {
		reply_invalid(resp, NULL, "source_code", "can't be blank");
		goto out;
	}
	if (src == NULL)
		src = "";
	if ((int64_t)len > a->cfg->max_source_bytes) {
		snprintf(msg, sizeof(msg), "source_code is over %lld bytes",
		    (long long)a->cfg->max_source_bytes);
		reply_error(resp, 413, msg, "source_code");
		goto out;
	}
	if (get_language(a, in, s, resp) == -1 ||
	    get_limits(a, in, s, resp) == -1)
		goto out;
	lang = lang_by_id(a->langs, s->lang_id);
	s->source_len = len;	/* get_files checks the total size */
	if (get_judging(in, lang, s, resp) == -1 ||
	    get_argv(in, s, resp) == -1 ||
	    ((v = field(in, "files")) != NULL &&
	    get_files(a, v, lang, s, resp) == -1) ||
	    get_archive(in, lang, s, resp) == -1)
		goto out;
	if (lang->project ? len > 0 : len == 0 && s->nfiles == 0) {
		reply_invalid(resp, NULL, "source_code", len > 0 ?
		    "must be blank" : "can't be blank");
		goto out;
	}
	b = 0;
	if (get_bool(in, "redirect_stderr_to_stdout", &b, resp) == -1)
		goto out;
	s->redirect_stderr = b;
	b = 0;
	if (get_bool(in, "enable_network", &b, resp) == -1)
		goto out;
	/*
	 * XXX With allow_network the sandbox would need a network of its
	 * own; it has none yet, so the answer stays a 422, saying why.
	 */
	if (b) {
		reply_invalid(resp, "network access is not allowed",
		    "enable_network", a->cfg->allow_network ?
		    "is not available in this sandbox" : "is not allowed");
		goto out;
	}
	/*
	 * Judge0's per-process limits: ours hold for the whole box, always
	 * (/config_info says allow_enable_... false); Judge0's words.
	 */
	for (i = 0; i < sizeof(per_process) / sizeof(per_process[0]); i++) {
		b = 0;
		if (get_bool(in, per_process[i], &b, resp) == -1)
			goto out;
		if (b) {
			reply_invalid(resp, NULL, per_process[i],
			    "this option cannot be enabled");
			goto out;
		}
	}
	if (get_callback(a, in, callback_url, resp) == -1)
		goto out;
	if ((v = field(in, "tests")) != NULL) {
		if (get_tests(in, v, a->cfg->max_tests, s, resp) == -1)
			goto out;
	} else {
		if (get_text(in, "stdin", &p, &plen, resp) == -1 ||
		    get_text(in, "expected_output", &e, &elen, resp) == -1)
			goto out;
		if (submission_set_single_test(s, p, plen, e, elen,
		    &err) == -1) {
			reply_internal(resp, &err);
			goto out;
		}
	}
	if (check_budget(a, lang, s, resp) == -1)
		goto out;
	if ((s->owner = strdup(owner)) == NULL ||
	    (s->source = util_memdup0(src, len)) == NULL) {
		err_errno(&err, "strdup");
		reply_internal(resp, &err);
		goto out;
	}
	s->source_len = len;
	s->status = JS_QUEUE;
	*out = s;
	s = NULL;
	rc = 0;
out:
	submission_free(s);
	return rc;
}

/*
 * base64_encoded=true: source_code, stdin and expected_output (also of
 * each test) arrive in base64.  Decodes them in place, strictly (RFC
 * 4648) but for line breaks, which Judge0 takes (and writes itself).
 * Returns 0, or -1 with resp holding a 400.
 */
static int
decode_base64(json_object *obj, int form, struct api_resp *resp)
{
	static const char *const keys[] = { "source_code", "stdin",
	    "expected_output" };
	struct input	 in = { obj, form };
	json_object	*v, *tests, *t;
	char		*d, msg[96];
	size_t		 i, k, n, dlen;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if ((v = field(&in, keys[k])) == NULL ||
		    !json_object_is_type(v, json_type_string))
			continue;	/* build() says what is wrong */
		if ((d = base64_decode_lines(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), &dlen)) == NULL) {
			if (errno != EINVAL) {
				reply_internal(resp, NULL);
				return -1;
			}
			snprintf(msg, sizeof(msg), "%s is not valid base64 "
			    "(base64_encoded=true)", keys[k]);
			reply_error(resp, 400, msg, keys[k]);
			return -1;
		}
		if (jadd(obj, keys[k], json_object_new_string_len(d,
		    (int)dlen)) == -1) {
			free(d);
			reply_internal(resp, NULL);
			return -1;
		}
		free(d);
	}
	if ((tests = field(&in, "tests")) == NULL ||
	    !json_object_is_type(tests, json_type_array))
		return 0;
	n = json_object_array_length(tests);
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(tests, i);
		if (!json_object_is_type(t, json_type_object))
			continue;
		if (decode_base64(t, 0, resp) == -1)
			return -1;
	}
	return 0;
}

int
validate_submission(struct api *a, json_object *obj,
    const struct validate_opts *o, struct submission **out,
    const char **callback_url, struct api_resp *resp)
{
	struct input	in = { obj, o->form };

	*out = NULL;
	*callback_url = NULL;
	if (o->base64 && decode_base64(obj, o->form, resp) == -1)
		return -1;
	return build(a, &in, o->owner, out, callback_url, resp);
}
