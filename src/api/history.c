/*
 * The caller's history (admins: everyone's), newest first, as Judge0's
 * paged list or as a page with filters and paging:
 *
 *	GET /submissions?page=&per_page=&language_id=&status_id=&since=
 *	    &until=	200 {"submissions": [...], "meta": {current_page,
 *			next_page, prev_page, total_pages, total_count}} |
 *			the history page | 400 (a bad filter)
 *
 * per_page is 1..100 (default 20); since and until are ms since the
 * epoch or a YYYY-MM-DD day in UTC, until inclusive.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/store.h"
#include "api.h"
#include "form.h"
#include "handlers.h"
#include "page.h"
#include "reply.h"
#include "request.h"

#define HIST_PER_PAGE		20

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * A time bound: ms since the epoch, or "YYYY-MM-DD" (UTC), which is the
 * start of that day, or of the next one when end is set (an inclusive
 * "until").  Returns 0 with *ms, or -1.
 */
static int
parse_when(const char *s, int end, int64_t *ms)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int64_t			y, m, d;

	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		if (sscanf(s, "%4" SCNd64 "-%2" SCNd64 "-%2" SCNd64, &y, &m,
		    &d) != 3 || strspn(s, "0123456789-") != 10 ||
		    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
		    d > mdays[m - 1])
			return -1;
		*ms = (days_from_civil(y, m, d) + (end ? 1 : 0)) * 86400000;
		return 0;
	}
	return util_parse_i64(s, 0, INT64_MAX / 2, ms);
}

struct hist {
	struct store_filter	 f;
	char			 since[32];	/* as given, for links */
	char			 until[32];
	int			 per_page_given;
};

/*
 * Reads the history query; judge0: status_id is one of Judge0's 1 to 14
 * (a Judge0 route with judge0_extra_statuses off).  Returns 0, or -1 with
 * resp holding a 400 (JSON; the caller makes a page of it).
 */
static int
hist_query(struct api *a, const struct api_req *req, int judge0,
    struct hist *h, struct api_resp *resp)
{
	static const struct {
		const char	*name;
		int64_t		 min, max;
	} ints[] = {
		{ "page", 1, STORE_MAX_PAGE },
		{ "per_page", 1, STORE_MAX_PER_PAGE },
		{ "language_id", 1, INT32_MAX },
		{ "status_id", 1, JS_MAX },
	};
	const struct form_field	*v;
	const struct lang	*l;
	struct form		 f = { 0 };
	char			 msg[320];
	int64_t			 n[4] = { 1, HIST_PER_PAGE, 0, 0 }, max;
	size_t			 i;
	int			 rc = -1, id;

	memset(h, 0, sizeof(*h));
	if (api_query_form(req, &f, resp) == -1)
		goto out;
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		/* "" is "any": what an untouched filter select sends */
		if ((v = form_get(&f, ints[i].name)) == NULL ||
		    v->value_len == 0)
			continue;
		/* Judge0's statuses are 1 to 14 */
		max = i == 3 && judge0 ? JS_EXEC_FORMAT : ints[i].max;
		if (strlen(v->value) != v->value_len ||
		    util_parse_i64(v->value, ints[i].min, max, &n[i]) == -1) {
			snprintf(msg, sizeof(msg), "%s must be an integer "
			    "from %lld to %lld", ints[i].name,
			    (long long)ints[i].min, (long long)max);
			reply_error(resp, 400, msg, ints[i].name);
			goto out;
		}
		if (i == 1)
			h->per_page_given = 1;
	}
	/* Judge0-style names are welcome too */
	if (n[2] == 0 && (v = form_get(&f, "language")) != NULL &&
	    v->value_len > 0) {
		if (strlen(v->value) != v->value_len ||
		    (l = lang_by_name(a->langs, v->value)) == NULL) {
			reply_error(resp, 400, "no such language", "language");
			goto out;
		}
		n[2] = l->id;
	}
	h->f.page = n[0];
	h->f.per_page = n[1];
	h->f.lang_id = (int)n[2];
	h->f.status = (int)n[3];
	/* Judge0's status also matches ours that it stands for (12: 15) */
	for (id = JS_EXEC_FORMAT + 1; judge0 && h->f.status != 0 &&
	    id <= JS_MAX; id++)
		if (judge_status_judge0(id) == h->f.status)
			h->f.status_or = id;
	if ((v = form_get(&f, "since")) != NULL && v->value_len > 0) {
		if (v->value_len >= sizeof(h->since) ||
		    strlen(v->value) != v->value_len ||
		    parse_when(v->value, 0, &h->f.since_ms) == -1) {
			reply_error(resp, 400, "since must be ms since the "
			    "epoch or a date YYYY-MM-DD", "since");
			goto out;
		}
		memcpy(h->since, v->value, v->value_len + 1);
	}
	if ((v = form_get(&f, "until")) != NULL && v->value_len > 0) {
		if (v->value_len >= sizeof(h->until) ||
		    strlen(v->value) != v->value_len ||
		    parse_when(v->value, 1, &h->f.until_ms) == -1) {
			reply_error(resp, 400, "until must be ms since the "
			    "epoch or a date YYYY-MM-DD", "until");
			goto out;
		}
		memcpy(h->until, v->value, v->value_len + 1);
	}
	rc = 0;
out:
	form_reset(&f);
	return rc;
}

/*
 * A row as JSON, in GET /submissions/{token}'s names and statuses
 * (Judge0's unless extra: fields.c).  NULL on ENOMEM.
 */
static json_object *
row_json(const struct store_row *r, int with_owner, int extra)
{
	json_object	*o = NULL, *st;
	char		 t[32];
	int		 ran = judge_status_is_final(r->status) &&
			    r->status != JS_CE && r->has_time;
	int		 status = extra ? r->status :
			    judge_status_judge0(r->status);

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "token", json_object_new_string(r->token)) == -1 ||
	    jadd(o, "status", st = json_object_new_object()) == -1 ||
	    jadd(st, "id", json_object_new_int(status)) == -1 ||
	    jadd(st, "description", json_object_new_string(
	    judge_status_description(status))) == -1 ||
	    jadd(o, "language_id", json_object_new_int(r->lang_id)) == -1 ||
	    jadd_seconds(o, "time", ran, r->time_s) == -1 ||
	    jadd_seconds(o, "wall_time", ran, r->wall_time_s) == -1 ||
	    (ran && r->has_memory ? jadd(o, "memory",
	    json_object_new_int64(r->memory_kb)) :
	    jadd_null(o, "memory")) == -1)
		goto fail;
	util_iso8601(r->created_ms, t);
	if (jadd(o, "created_at", json_object_new_string(t)) == -1)
		goto fail;
	util_iso8601(r->finished_ms, t);
	if ((judge_status_is_final(r->status) && r->finished_ms > 0 ?
	    jadd(o, "finished_at", json_object_new_string(t)) :
	    jadd_null(o, "finished_at")) == -1)
		goto fail;
	if (with_owner &&
	    jadd(o, "owner", json_object_new_string(r->owner)) == -1)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* {"submissions": [...], "meta": {...}} as Judge0's paged lists. */
static json_object *
history_json_of(const struct hist *h, const struct store_row *rows,
    size_t n, int64_t total, int admin, int extra)
{
	json_object	*o = NULL, *arr, *meta;
	int64_t		 pages = (total + h->f.per_page - 1) / h->f.per_page;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "submissions", arr = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (jpush(arr, row_json(&rows[i], admin, extra)) == -1)
			goto fail;
	if (jadd(o, "meta", meta = json_object_new_object()) == -1 ||
	    jadd(meta, "current_page", json_object_new_int64(h->f.page)) ==
	    -1 ||
	    jadd_int(meta, "next_page", h->f.page < pages, h->f.page + 1) ==
	    -1 ||
	    jadd_int(meta, "prev_page", h->f.page > 1, h->f.page - 1) == -1 ||
	    jadd(meta, "total_pages", json_object_new_int64(pages)) == -1 ||
	    jadd(meta, "total_count", json_object_new_int64(total)) == -1)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* A history link with h's filters and page (values checked: no quoting). */
static void
p_hist_link(struct page *pg, const struct hist *h, int64_t page)
{
	p_url(pg, "/submissions");
	p_fmt(pg, "?page=%lld", (long long)page);
	if (h->per_page_given)
		p_fmt(pg, "&amp;per_page=%lld", (long long)h->f.per_page);
	if (h->f.lang_id != 0)
		p_fmt(pg, "&amp;language_id=%d", h->f.lang_id);
	if (h->f.status != 0)
		p_fmt(pg, "&amp;status_id=%d", h->f.status);
	/* since and until passed parse_when: digits and '-' only */
	if (h->since[0] != '\0') {
		p_raw(pg, "&amp;since=");
		p_text(pg, h->since);
	}
	if (h->until[0] != '\0') {
		p_raw(pg, "&amp;until=");
		p_text(pg, h->until);
	}
}

static void
history_filters(struct page *pg, const struct api *a, const struct hist *h)
{
	static const int	per[] = { 10, 20, 50, 100 };
	const struct lang	*l;
	size_t			 i;
	int			 id;

	p_raw(pg, "<form class=\"filters\" method=\"get\" role=\"search\" "
	    "action=\"");
	p_url(pg, "/submissions");
	p_raw(pg, "\">\n<div class=\"field\"><label for=\"h-language\">"
	    "Language</label>\n<select id=\"h-language\" name=\"language_id\">"
	    "\n<option value=\"\">All languages</option>\n");
	for (i = 0; i < a->langs->n; i++) {
		l = &a->langs->langs[i];
		if (!l->available && l->id != h->f.lang_id)
			continue;
		p_fmt(pg, "<option value=\"%d\"%s>", l->id,
		    l->id == h->f.lang_id ? " selected" : "");
		p_text(pg, l->display);
		p_raw(pg, "</option>\n");
	}
	p_raw(pg, "</select></div>\n<div class=\"field\"><label "
	    "for=\"h-status\">Verdict</label>\n<select id=\"h-status\" "
	    "name=\"status_id\">\n<option value=\"\">All verdicts</option>\n");
	for (id = 1; id <= JS_MAX; id++) {
		p_fmt(pg, "<option value=\"%d\"%s>", id,
		    id == h->f.status ? " selected" : "");
		p_text(pg, judge_status_description(id));
		p_raw(pg, "</option>\n");
	}
	p_raw(pg, "</select></div>\n<div class=\"field\"><label "
	    "for=\"h-since\">From</label>\n<input type=\"date\" "
	    "id=\"h-since\" name=\"since\" value=\"");
	if (strlen(h->since) == 10)
		p_text(pg, h->since);
	p_raw(pg, "\"></div>\n<div class=\"field\"><label for=\"h-until\">"
	    "To</label>\n<input type=\"date\" id=\"h-until\" name=\"until\" "
	    "value=\"");
	if (strlen(h->until) == 10)
		p_text(pg, h->until);
	p_raw(pg, "\"></div>\n<div class=\"field\"><label for=\"h-per\">"
	    "Per page</label>\n<select id=\"h-per\" name=\"per_page\">\n");
	for (i = 0; i < sizeof(per) / sizeof(per[0]); i++)
		p_fmt(pg, "<option%s>%d</option>\n",
		    per[i] == h->f.per_page ? " selected" : "", per[i]);
	p_raw(pg, "</select></div>\n<p class=\"actions\"><button "
	    "type=\"submit\">Show</button> <a href=\"");
	p_url(pg, "/submissions");
	p_raw(pg, "\">Clear</a></p>\n</form>\n");
}

static void
page_write(struct api *a, const struct api_call *c, const struct hist *h,
    const struct store_row *rows, size_t n, int64_t total,
    struct api_resp *resp)
{
	struct page	pg;
	int64_t		pages = (total + h->f.per_page - 1) / h->f.per_page;
	size_t		i;
	char		path[64];

	page_init(&pg, a, c);
	page_begin(&pg, "History", 0);
	p_raw(&pg, pg.admin ? "<h1>History of every user</h1>\n" :
	    "<h1>Your history</h1>\n");
	history_filters(&pg, a, h);
	p_fmt(&pg, "<p class=\"count\" id=\"hist-count\">%lld submission%s",
	    (long long)total, total == 1 ? "" : "s");
	if (pages > 1)
		p_fmt(&pg, ", page %lld of %lld", (long long)h->f.page,
		    (long long)pages);
	p_raw(&pg, ".</p>\n");
	if (n > 0) {
		p_raw(&pg, "<table class=\"history\" id=\"history\">\n"
		    "<thead><tr><th scope=\"col\">Submitted</th>"
		    "<th scope=\"col\">Submission</th>"
		    "<th scope=\"col\">Language</th>"
		    "<th scope=\"col\">Verdict</th>"
		    "<th scope=\"col\">Time</th>"
		    "<th scope=\"col\">Memory</th>");
		if (pg.admin)
			p_raw(&pg, "<th scope=\"col\">Owner</th>");
		p_raw(&pg, "</tr></thead>\n<tbody>\n");
	}
	for (i = 0; i < n; i++) {
		p_raw(&pg, "<tr><td>");
		p_when(&pg, rows[i].created_ms);
		snprintf(path, sizeof(path), "/submissions/%s",
		    rows[i].token);
		p_raw(&pg, "</td><td><a class=\"token\" href=\"");
		p_url(&pg, path);
		p_raw(&pg, "\">");
		p_textn(&pg, rows[i].token, 8);
		p_raw(&pg, "</a></td><td>");
		p_lang(&pg, a, rows[i].lang_id);
		p_raw(&pg, "</td><td>");
		p_badge(&pg, rows[i].status, NULL);
		p_raw(&pg, "</td><td>");
		if (judge_status_is_final(rows[i].status) &&
		    rows[i].status != JS_CE && rows[i].has_time)
			p_time_s(&pg, rows[i].time_s);
		p_raw(&pg, "</td><td>");
		if (judge_status_is_final(rows[i].status) &&
		    rows[i].status != JS_CE && rows[i].has_memory)
			p_fmt(&pg, "%lld&nbsp;KB",
			    (long long)rows[i].memory_kb);
		p_raw(&pg, "</td>");
		if (pg.admin) {
			p_raw(&pg, "<td>");
			p_text(&pg, rows[i].owner);
			p_raw(&pg, "</td>");
		}
		p_raw(&pg, "</tr>\n");
	}
	if (n > 0)
		p_raw(&pg, "</tbody>\n</table>\n");
	else if (total > 0)
		p_raw(&pg, "<p>There is nothing on this page.</p>\n");
	else
		p_raw(&pg, "<p>No submissions match.</p>\n");
	if (h->f.page > 1 || h->f.page < pages) {
		p_raw(&pg, "<nav class=\"pager\" aria-label=\"Pages\">\n");
		if (h->f.page > 1) {
			p_raw(&pg, "<a rel=\"prev\" href=\"");
			p_hist_link(&pg, h, h->f.page - 1 < pages ?
			    h->f.page - 1 : pages > 0 ? pages : 1);
			p_raw(&pg, "\">Newer</a>\n");
		}
		if (h->f.page < pages) {
			p_raw(&pg, "<a rel=\"next\" href=\"");
			p_hist_link(&pg, h, h->f.page + 1);
			p_raw(&pg, "\">Older</a>\n");
		}
		p_raw(&pg, "</nav>\n");
	}
	page_end(&pg);
	page_reply(&pg, resp, 200);
}

/*
 * The rows of c's query (judge0: as hist_query).  Returns 0 with h,
 * *rows (store_rows_free) and *total, or -1 with resp answered.
 */
static int
history_load(struct api *a, const struct api_call *c, struct hist *h,
    struct store_row **rows, size_t *n, int64_t *total, int judge0,
    struct api_resp *resp)
{
	struct err	err;

	*rows = NULL;
	*n = 0;
	if (reply_header(resp, "Cache-Control: no-store") == -1 ||
	    hist_query(a, c->req, judge0, h, resp) == -1)
		return -1;
	h->f.owner = c->admin ? NULL : c->owner;
	if (store_list(a->store, &h->f, rows, n, total, &err) == -1) {
		reply_internal(resp, &err);
		return -1;
	}
	return 0;
}

void
history_json(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct store_row	*rows = NULL;
	struct hist		 h;
	json_object		*o = NULL;
	size_t			 n = 0;
	int64_t			 total;

	if (history_load(a, c, &h, &rows, &n, &total,
	    !a->cfg->judge0_extra_statuses, resp) == -1)
		goto out;
	reply_json(resp, 200, o = history_json_of(&h, rows, n, total,
	    c->admin, a->cfg->judge0_extra_statuses));
	if (resp->status == 200)
		reply_header(resp, "Vary: Accept");
out:
	json_object_put(o);
	store_rows_free(rows, n);
}

void
history_page(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct store_row	*rows = NULL;
	struct hist		 h;
	size_t			 n = 0;
	int64_t			 total;

	if (history_load(a, c, &h, &rows, &n, &total, 0, resp) == 0)
		page_write(a, c, &h, rows, n, total, resp);
	store_rows_free(rows, n);
}
