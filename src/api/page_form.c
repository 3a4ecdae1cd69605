/*
 * The submission form, the page a person starts from, and what a
 * browser's post of it gets back: a 303 to the result page, or the form
 * again with the error beside its input and every input kept.
 *
 *	GET  /, /submissions/new	200 the form (always HTML)
 *	POST /submissions		303 | the form again (400 413 422) |
 *	    (Accept prefers HTML)	an error page
 *
 * The form posts multipart/form-data (a source file may come along) with
 * a CSRF token (csrf.c checks it before this runs).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "api.h"
#include "body.h"
#include "csrf.h"
#include "handlers.h"
#include "page.h"
#include "reply.h"
#include "request.h"
#include "submit.h"
#include "validate.h"

/* The posted value of key as text, or NULL (absent or not text). */
static const char *
form_value(json_object *vals, const char *key, size_t *len)
{
	json_object	*v;

	*len = 0;
	if (vals == NULL || !json_object_object_get_ex(vals, key, &v) ||
	    v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_string)) {
		*len = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	}
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_boolean)) {
		*len = strlen(json_object_get_string(v));
		return json_object_get_string(v);
	}
	return NULL;
}

/* What the form shows of an error: which input it belongs to. */
struct form_err {
	const char	*field;		/* the input's name, or NULL */
	const char	*msg;		/* beside the input */
};

/* The error text for input name, or NULL. */
static const char *
field_error(const struct form_err *fe, const char *name)
{
	if (fe == NULL || fe->field == NULL)
		return NULL;
	return strcmp(fe->field, name) == 0 ? fe->msg : NULL;
}

/* Opens a field: label, then the error if any (the input follows). */
static void
field_begin(struct page *pg, const struct form_err *fe, const char *name,
    const char *label, const char *hint)
{
	const char	*e = field_error(fe, name);

	p_raw(pg, e != NULL ? "<div class=\"field has-error\">\n" :
	    "<div class=\"field\">\n");
	p_raw(pg, "<label for=\"f-");
	p_raw(pg, name);
	p_raw(pg, "\">");
	p_text(pg, label);
	p_raw(pg, "</label>\n");
	if (hint != NULL) {
		p_raw(pg, "<p class=\"hint\" id=\"h-");
		p_raw(pg, name);
		p_raw(pg, "\">");
		p_text(pg, hint);
		p_raw(pg, "</p>\n");
	}
	if (e != NULL) {
		p_raw(pg, "<p class=\"field-error\" id=\"e-");
		p_raw(pg, name);
		p_raw(pg, "\">");
		p_text(pg, e);
		p_raw(pg, "</p>\n");
	}
}

/* The attributes that tie an input to its hint and error. */
static void
field_described(struct page *pg, const struct form_err *fe,
    const char *name, int has_hint)
{
	int	e = field_error(fe, name) != NULL;

	if (!has_hint && !e)
		return;
	p_raw(pg, " aria-describedby=\"");
	if (has_hint) {
		p_raw(pg, "h-");
		p_raw(pg, name);
	}
	if (e) {
		p_raw(pg, has_hint ? " e-" : "e-");
		p_raw(pg, name);
		p_raw(pg, "\" aria-invalid=\"true");
	}
	p_raw(pg, "\"");
}

static void
textarea(struct page *pg, json_object *vals, const struct form_err *fe,
    const char *name, const char *label, const char *hint, int rows)
{
	const char	*v;
	size_t		 len;

	field_begin(pg, fe, name, label, hint);
	p_fmt(pg, "<textarea id=\"f-%s\" name=\"%s\" rows=\"%d\" "
	    "spellcheck=\"false\" autocomplete=\"off\" autocapitalize=\"off\"",
	    name, name, rows);
	field_described(pg, fe, name, hint != NULL);
	/* a newline right after the tag would be eaten: write one */
	p_raw(pg, ">\n");
	if ((v = form_value(vals, name, &len)) != NULL)
		p_textn(pg, v, len);
	p_raw(pg, "</textarea>\n</div>\n");
}

/* The inputs' labels, by the API's field names (and units). */
static const struct {
	const char	*name;
	const char	*label;
	const char	*unit;
} labels[] = {
	{ "language_id", "Language", NULL },
	{ "source_code", "Source code", NULL },
	{ "source_file", "Source file", NULL },
	{ "stdin", "Input", NULL },
	{ "expected_output", "Expected output", NULL },
	{ "compare", "Compare the output", NULL },
	{ "cpu_time_limit", "CPU time", "s" },
	{ "cpu_extra_time", "Extra CPU time before the kill", "s" },
	{ "wall_time_limit", "Wall-clock time", "s" },
	{ "memory_limit", "Memory", "KB" },
	{ "stack_limit", "Stack", "KB" },
	{ "max_processes_and_or_threads", "Processes and threads", NULL },
	{ "max_file_size", "Size of a written file", "KB" },
	{ "redirect_stderr_to_stdout", "Send stderr into stdout", NULL },
};

/* The label of input name, or NULL. */
static const char *
field_label(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, name) == 0)
			return labels[i].label;
	return NULL;
}

static void
limit_input(struct page *pg, const struct api *a, json_object *vals,
    const struct form_err *fe, const struct api_limit *lim)
{
	const char	*label = lim->name, *unit = NULL, *v, *p;
	char		 hint[128];
	size_t		 i, len;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].name, lim->name) == 0) {
			label = labels[i].label;
			unit = labels[i].unit;
		}
	if (lim->is_int) {
		p = (const char *)&a->cfg->def + lim->off;
		i = (size_t)snprintf(hint, sizeof(hint), "Default %lld",
		    (long long)*(const int64_t *)(const void *)p);
		i = i < sizeof(hint) ? i : sizeof(hint) - 1;
		p = (const char *)&a->cfg->max + lim->off;
		snprintf(hint + i, sizeof(hint) - i, ", at most %lld%s%s.",
		    (long long)*(const int64_t *)(const void *)p,
		    unit ? " " : "", unit ? unit : "");
	} else {
		p = (const char *)&a->cfg->def + lim->off;
		i = (size_t)snprintf(hint, sizeof(hint), "Default %g",
		    *(const double *)(const void *)p);
		i = i < sizeof(hint) ? i : sizeof(hint) - 1;
		p = (const char *)&a->cfg->max + lim->off;
		snprintf(hint + i, sizeof(hint) - i, ", at most %g%s%s.",
		    *(const double *)(const void *)p, unit ? " " : "",
		    unit ? unit : "");
	}
	field_begin(pg, fe, lim->name, label, hint);
	p_fmt(pg, "<input type=\"text\" inputmode=\"%s\" id=\"f-%s\" "
	    "name=\"%s\" value=\"", lim->is_int ? "numeric" : "decimal",
	    lim->name, lim->name);
	if ((v = form_value(vals, lim->name, &len)) != NULL)
		p_textn(pg, v, len);
	p_raw(pg, "\"");
	field_described(pg, fe, lim->name, 1);
	p_raw(pg, ">\n</div>\n");
}

/* 1 if the error belongs to one of the inputs in the "Limits" group. */
static int
limit_error(const struct form_err *fe)
{
	const struct api_limit	*lim;
	size_t			 i, n;

	if (fe == NULL || fe->field == NULL)
		return 0;
	lim = api_limit_table(&n);
	for (i = 0; i < n; i++)
		if (strcmp(fe->field, lim[i].name) == 0)
			return 1;
	return strcmp(fe->field, "redirect_stderr_to_stdout") == 0;
}

/*
 * The form, with vals (the posted fields, or NULL) filled in and the
 * error fe (or NULL) shown at the top and beside its input.
 */
static void
form_page(struct api *a, const struct api_call *c, json_object *vals,
    const struct form_err *fe, const char *summary, int status,
    struct api_resp *resp)
{
	static const char	*modes[][2] = {
		{ "trim", "Ignore trailing spaces and blank lines" },
		{ "exact", "Exactly, byte for byte" },
		{ "tokens", "Word by word (any whitespace)" },
		{ "float", "Word by word, numbers within 1e-6" },
	};
	const struct api_limit	*lim;
	const struct lang	*l;
	struct page		 pg;
	struct err		 err;
	char			 token[CSRF_TOKEN_MAX], id[16];
	const char		*v, *lname, *file;
	size_t			 i, n, len;
	int			 sel;

	page_init(&pg, a, c);
	if (csrf_token(a->cfg->csrf_secret, pg.owner, util_now_ms() / 1000,
	    token, &err) == -1) {
		reply_internal(resp, &err);
		return;
	}
	page_begin(&pg, "New submission", 0);
	p_raw(&pg, "<h1>New submission</h1>\n");
	if (summary != NULL) {
		p_raw(&pg, "<div class=\"error-summary\" role=\"alert\" "
		    "tabindex=\"-1\" id=\"error-summary\">\n<h2>The submission "
		    "was not accepted</h2>\n<p>");
		if (fe != NULL && fe->field != NULL) {
			p_raw(&pg, "<a href=\"#f-");
			p_text(&pg, fe->field);
			p_raw(&pg, "\">");
			/* "Language: can't be blank" over "language_id ..." */
			if (field_label(fe->field) != NULL && fe->msg != NULL) {
				p_text(&pg, field_label(fe->field));
				p_raw(&pg, ": ");
				p_text(&pg, fe->msg);
			} else
				p_text(&pg, summary);
			p_raw(&pg, "</a>");
		} else
			p_text(&pg, summary);
		p_raw(&pg, "</p>\n</div>\n");
	}
	p_raw(&pg, "<form class=\"submit\" method=\"post\" "
	    "enctype=\"multipart/form-data\" action=\"");
	p_url(&pg, "/submissions");
	p_raw(&pg, "\">\n<input type=\"hidden\" name=\"" CSRF_FIELD
	    "\" value=\"");
	p_text(&pg, token);
	p_raw(&pg, "\">\n");

	/* language: language_id as posted, or the API's "language" name */
	field_begin(&pg, fe, "language_id", "Language", NULL);
	p_raw(&pg, "<select id=\"f-language_id\" name=\"language_id\"");
	field_described(&pg, fe, "language_id", 0);
	p_raw(&pg, ">\n<option value=\"\">Choose a language (or upload a "
	    "file to detect it)</option>\n");
	v = form_value(vals, "language_id", &len);
	lname = form_value(vals, "language", &len);
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!l->available)
			continue;
		snprintf(id, sizeof(id), "%d", l->id);
		sel = v != NULL ? strcmp(v, id) == 0 :
		    lname != NULL && lang_by_name(a->langs, lname) == l;
		p_fmt(&pg, "<option value=\"%d\"%s>", l->id,
		    sel ? " selected" : "");
		p_text(&pg, l->display);
		p_raw(&pg, "</option>\n");
	}
	p_raw(&pg, "</select>\n</div>\n");

	textarea(&pg, vals, fe, "source_code", "Source code", NULL, 16);
	field_begin(&pg, fe, "source_file", "Or upload a source file",
	    "Its contents are used as the source code; its name picks the "
	    "language if none is chosen.");
	p_raw(&pg, "<input type=\"file\" id=\"f-source_file\" "
	    "name=\"source_file\"");
	field_described(&pg, fe, "source_file", 1);
	p_raw(&pg, ">\n");
	if ((file = form_value(vals, "source_file", &len)) != NULL &&
	    len > 0) {
		p_raw(&pg, "<p class=\"hint\">The code above came from <code>");
		p_textn(&pg, file, len);
		p_raw(&pg, "</code>.</p>\n");
	}
	p_raw(&pg, "</div>\n");
	textarea(&pg, vals, fe, "stdin", "Input (stdin)", NULL, 4);
	textarea(&pg, vals, fe, "expected_output", "Expected output",
	    "Leave empty to run the program without judging its output.", 4);

	field_begin(&pg, fe, "compare", "Compare the output", NULL);
	p_raw(&pg, "<select id=\"f-compare\" name=\"compare\"");
	field_described(&pg, fe, "compare", 0);
	p_raw(&pg, ">\n");
	v = form_value(vals, "compare", &len);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		sel = v != NULL && strcmp(v, modes[i][0]) == 0;
		p_raw(&pg, "<option value=\"");
		p_raw(&pg, modes[i][0]);
		p_raw(&pg, sel ? "\" selected>" : "\">");
		p_text(&pg, modes[i][1]);
		p_raw(&pg, "</option>\n");
	}
	p_raw(&pg, "</select>\n</div>\n");

	p_raw(&pg, limit_error(fe) ? "<details class=\"advanced\" open>\n" :
	    "<details class=\"advanced\">\n");
	p_raw(&pg, "<summary>Limits and options</summary>\n"
	    "<p class=\"hint\">Empty fields take the default.</p>\n");
	lim = api_limit_table(&n);
	for (i = 0; i < n; i++)
		limit_input(&pg, a, vals, fe, &lim[i]);
	v = form_value(vals, "redirect_stderr_to_stdout", &len);
	p_raw(&pg, field_error(fe, "redirect_stderr_to_stdout") != NULL ?
	    "<div class=\"field check has-error\">\n" :
	    "<div class=\"field check\">\n");
	p_raw(&pg, "<input type=\"checkbox\" "
	    "id=\"f-redirect_stderr_to_stdout\" "
	    "name=\"redirect_stderr_to_stdout\" value=\"true\"");
	if (v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "on") == 0))
		p_raw(&pg, " checked");
	field_described(&pg, fe, "redirect_stderr_to_stdout", 0);
	p_raw(&pg, ">\n<label for=\"f-redirect_stderr_to_stdout\">Send "
	    "stderr into stdout</label>\n</div>\n</details>\n"
	    "<p class=\"actions\"><button type=\"submit\">Run</button></p>\n"
	    "</form>\n");
	page_end(&pg);
	page_reply(&pg, resp, status);
}

void
page_form_get(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	form_page(a, c, NULL, NULL, NULL, 200, resp);
}

/* 303 to the result page of token (a UUID: safe in a header). */
static void
see_result(struct api *a, const struct api_call *c, const char *token,
    struct api_resp *resp)
{
	struct page	pg;
	char		path[64];

	page_init(&pg, a, c);
	snprintf(path, sizeof(path), "/submissions/%s", token);
	p_raw(&pg, "Location: ");
	p_url(&pg, path);
	if (pg.failed || reply_header(resp, pg.b.data) == -1) {
		buf_reset(&pg.b);
		reply_internal(resp, &pg.err);
		return;
	}
	buf_reset(&pg.b);
	page_begin(&pg, "Submitted", 0);
	p_raw(&pg, "<h1>Submitted</h1>\n<p><a href=\"");
	p_url(&pg, path);
	p_raw(&pg, "\">See the result</a></p>\n");
	page_end(&pg);
	page_reply(&pg, resp, 303);
}

void
page_form_post(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct api_query	 q;
	struct form_err		 fe = { NULL, NULL };
	const struct api_error	*e = &resp->error;
	json_object		*vals, *obj;
	char			 msg[sizeof(e->msg)], field[sizeof(e->field)];
	char			 detail[sizeof(e->detail)];
	int			 form;

	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    api_parse_query(c->req, &q, resp) == -1)
		return;		/* an error page */
	vals = c->body->obj;	/* what was posted, for the form again */
	if (body_take(c->body, &obj, &form, resp) == 0 &&
	    api_submit(a, c, obj, &(struct api_submit_opts){ form, q.base64,
	    0 }, &s, resp) == 0) {
		see_result(a, c, s->token, resp);
		submission_free(s);
		return;
	}
	if (vals == NULL || (resp->status != 400 && resp->status != 413 &&
	    resp->status != 422))
		return;		/* an error page */
	/* the page replaces the error: keep its words */
	memcpy(msg, e->msg, sizeof(msg));
	memcpy(field, e->field, sizeof(field));
	memcpy(detail, e->detail, sizeof(detail));
	if (field[0] != '\0') {
		/* the API's "language" is the form's language_id */
		fe.field = strcmp(field, "language") == 0 ? "language_id" :
		    field;
		fe.msg = detail[0] != '\0' ? detail : msg;
	}
	form_page(a, c, vals, &fe, msg, resp->status, resp);
}
