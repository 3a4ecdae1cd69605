/*
 * Counts of the caller's submissions (admins: everyone's), as JSON or as
 * a page with two charts drawn by the server (inline SVG):
 *
 *	GET /statistics		200 {total, languages: [...], statuses:
 *				[...], time_histogram: [...], submissions:
 *				{total, today, last_hour}, per_day: [...],
 *				database (admins)} | the statistics page
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "store/store.h"
#include "api.h"
#include "handlers.h"
#include "page.h"
#include "reply.h"
#include "request.h"

/* The verdict groups of the charts, in their stacking order. */
static const struct {
	const char	*cls;
	const char	*label;
} groups[] = {
	{ "ac", "Accepted" }, { "wa", "Wrong Answer" },
	{ "tle", "Time Limit Exceeded" }, { "mle", "Memory Limit Exceeded" },
	{ "ole", "Output Limit Exceeded" }, { "re", "Runtime Error" },
	{ "ce", "Compilation Error" }, { "ie", "Internal Error" },
	{ "pending", "In Queue or Processing" },
};
#define NGROUPS	(sizeof(groups) / sizeof(groups[0]))

static size_t
group_of(int status)
{
	const char	*c = page_status_class(status);
	size_t		 g;

	if (strcmp(c, "qu") == 0 || strcmp(c, "pr") == 0)
		return NGROUPS - 1;
	for (g = 0; g < NGROUPS; g++)
		if (strcmp(groups[g].cls, c) == 0)
			return g;
	return NGROUPS - 2;	/* unknown: an internal error of sorts */
}

/* Histogram buckets, in seconds of CPU time. */
static const double	hist_edges[] = {
	0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5,
};
#define NEDGES	(sizeof(hist_edges) / sizeof(hist_edges[0]))
static const char	*hist_labels[NEDGES + 1] = {
	"< 10 ms", "10\xe2\x80\x93" "50 ms", "50\xe2\x80\x93" "100 ms",
	"0.1\xe2\x80\x93" "0.25 s", "0.25\xe2\x80\x93" "0.5 s",
	"0.5\xe2\x80\x93" "1 s", "1\xe2\x80\x93" "2 s", "2\xe2\x80\x93" "5 s",
	"\xe2\x89\xa5 5 s",
};

/* Per language: its total and its count in each group. */
struct lang_stat {
	int	 lang_id;
	int64_t	 total;
	int64_t	 g[NGROUPS];
};

static int
count_cmp(const void *x, const void *y)
{
	const struct store_count	*p = x, *q = y;

	if (p->lang_id != q->lang_id)
		return p->lang_id < q->lang_id ? -1 : 1;
	return (p->status > q->status) - (p->status < q->status);
}

/*
 * The counts under Judge0's statuses (15 counted as 12, 16 as 8), in the
 * same order, one entry per (language, status): *n of them, or NULL
 * (out of memory).
 */
static struct store_count *
fold_counts(const struct store_count *c, size_t nc, size_t *n)
{
	struct store_count	*f;
	size_t			 i, k;

	if ((f = calloc(nc ? nc : 1, sizeof(*f))) == NULL)
		return NULL;
	for (i = 0; i < nc; i++) {
		f[i] = c[i];
		f[i].status = judge_status_judge0(c[i].status);
	}
	qsort(f, nc, sizeof(*f), count_cmp);
	for (i = k = 0; i < nc; i++)
		if (k > 0 && f[k - 1].lang_id == f[i].lang_id &&
		    f[k - 1].status == f[i].status)
			f[k - 1].n += f[i].n;
		else
			f[k++] = f[i];
	*n = k;
	return f;
}

/*
 * The JSON of the counts; last is the last status listed (Judge0's 14,
 * or our 16 where the counts are not folded).
 */
static json_object *
stats_json(const struct api *a, const struct store_count *c, size_t nc,
    const int64_t *hist, int last)
{
	json_object	*o = NULL, *langs, *sts, *h, *e, *l, *ls = NULL;
	int64_t		 per_status[JS_MAX + 1] = { 0 }, total = 0, sum;
	const char	*name;
	size_t		 i, j;
	int		 id;

	for (i = 0; i < nc; i++) {
		total += c[i].n;
		if (c[i].status >= 1 && c[i].status <= JS_MAX)
			per_status[c[i].status] += c[i].n;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jadd(o, "total", json_object_new_int64(total)) == -1 ||
	    jadd(o, "languages", langs = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; i < nc; i = j) {
		sum = 0;
		for (j = i; j < nc && c[j].lang_id == c[i].lang_id; j++)
			sum += c[j].n;
		name = lang_display_name(a->langs, c[i].lang_id);
		if (jpush(langs, e = json_object_new_object()) == -1 ||
		    jadd(e, "language", l = json_object_new_object()) == -1 ||
		    jadd(l, "id", json_object_new_int(c[i].lang_id)) == -1 ||
		    (name != NULL ? jadd(l, "name",
		    json_object_new_string(name)) : jadd_null(l, "name")) ==
		    -1 ||
		    jadd(e, "count", json_object_new_int64(sum)) == -1 ||
		    jadd(e, "statuses", ls = json_object_new_array()) == -1)
			goto fail;
		for (; i < j; i++)
			if (jpush(ls, e = json_object_new_object()) == -1 ||
			    jadd(e, "id", json_object_new_int(c[i].status)) ==
			    -1 ||
			    jadd(e, "description", json_object_new_string(
			    judge_status_description(c[i].status))) == -1 ||
			    jadd(e, "count", json_object_new_int64(c[i].n)) ==
			    -1)
				goto fail;
	}
	if (jadd(o, "statuses", sts = json_object_new_array()) == -1)
		goto fail;
	for (id = 1; id <= last; id++)
		if (jpush(sts, e = json_object_new_object()) == -1 ||
		    jadd(e, "id", json_object_new_int(id)) == -1 ||
		    jadd(e, "description", json_object_new_string(
		    judge_status_description(id))) == -1 ||
		    jadd(e, "count", json_object_new_int64(per_status[id])) ==
		    -1)
			goto fail;
	if (jadd(o, "time_histogram", h = json_object_new_array()) == -1)
		goto fail;
	for (i = 0; i <= NEDGES; i++)
		if (jpush(h, e = json_object_new_object()) == -1 ||
		    jadd(e, "from", json_object_new_double(i == 0 ? 0 :
		    hist_edges[i - 1])) == -1 ||
		    (i < NEDGES ? jadd(e, "to", json_object_new_double(
		    hist_edges[i])) : jadd_null(e, "to")) == -1 ||
		    jadd(e, "count", json_object_new_int64(hist[i])) == -1)
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* Chart 1: one stacked bar per language, segments by verdict group. */
static void
svg_verdicts(struct page *pg, const struct api *a,
    const struct lang_stat *ls, size_t nl)
{
	const double	left = 210, width = 420, row = 30, bar = 20;
	const char	*name;
	double		 x, w, y, height = nl * row + 10;
	int64_t		 max = 1;
	size_t		 i, g;

	for (i = 0; i < nl; i++)
		if (ls[i].total > max)
			max = ls[i].total;
	p_fmt(pg, "<svg class=\"chart\" id=\"chart-verdicts\" role=\"img\" "
	    "aria-labelledby=\"chart-verdicts-title\" viewBox=\"0 0 720 %.0f\" "
	    "width=\"720\" height=\"%.0f\">\n<title "
	    "id=\"chart-verdicts-title\">Verdicts per language</title>\n",
	    height, height);
	for (i = 0; i < nl; i++) {
		y = 5 + i * row;
		name = lang_display_name(a->langs, ls[i].lang_id);
		p_fmt(pg, "<text class=\"label\" x=\"%.0f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", left - 10, y + bar * 0.75);
		if (name != NULL)
			p_text(pg, name);
		else
			p_fmt(pg, "language %d", ls[i].lang_id);
		p_raw(pg, "</text>\n");
		x = left;
		for (g = 0; g < NGROUPS; g++) {
			if (ls[i].g[g] == 0)
				continue;
			w = width * (double)ls[i].g[g] / (double)max;
			if (w < 1)
				w = 1;
			p_fmt(pg, "<rect class=\"v-%s\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.0f\"><title>",
			    groups[g].cls, x, y, w, bar);
			if (name != NULL)
				p_text(pg, name);
			p_fmt(pg, ": %s %lld</title></rect>\n",
			    groups[g].label, (long long)ls[i].g[g]);
			x += w;
		}
		p_fmt(pg, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%lld"
		    "</text>\n", x + 6, y + bar * 0.75,
		    (long long)ls[i].total);
	}
	p_raw(pg, "</svg>\n");
}

/* Chart 2: the CPU-time histogram, one column per bucket. */
static void
svg_histogram(struct page *pg, const int64_t *hist)
{
	const double	left = 50, top = 20, plot_w = 650, plot_h = 200;
	double		col = plot_w / (NEDGES + 1), x, h;
	int64_t		max = 1;
	size_t		i;

	for (i = 0; i <= NEDGES; i++)
		if (hist[i] > max)
			max = hist[i];
	p_raw(pg, "<svg class=\"chart\" id=\"chart-times\" role=\"img\" "
	    "aria-labelledby=\"chart-times-title\" viewBox=\"0 0 720 270\" "
	    "width=\"720\" height=\"270\">\n<title id=\"chart-times-title\">"
	    "CPU time of the runs</title>\n");
	p_fmt(pg, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
	    "y2=\"%.0f\"/>\n", left, top + plot_h, left + plot_w,
	    top + plot_h);
	for (i = 0; i <= NEDGES; i++) {
		x = left + i * col;
		h = plot_h * (double)hist[i] / (double)max;
		if (hist[i] > 0 && h < 1)
			h = 1;
		p_fmt(pg, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"><title>", x + 4,
		    top + plot_h - h, col - 8, h);
		p_text(pg, hist_labels[i]);
		p_fmt(pg, ": %lld</title></rect>\n", (long long)hist[i]);
		p_fmt(pg, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%lld</text>\n", x + col / 2,
		    top + plot_h - h - 5, (long long)hist[i]);
		p_fmt(pg, "<text class=\"tick\" x=\"%.1f\" y=\"%.0f\" "
		    "text-anchor=\"middle\">", x + col / 2, top + plot_h + 20);
		p_text(pg, hist_labels[i]);
		p_raw(pg, "</text>\n");
	}
	p_raw(pg, "</svg>\n");
}

static void
page_write(struct api *a, const struct api_call *call,
    const struct store_count *c, size_t nc, const int64_t *hist,
    struct api_resp *resp)
{
	struct lang_stat	*ls = NULL;
	struct page		 pg;
	struct err		 err;
	const char		*name;
	int64_t			 total = 0, runs = 0;
	size_t			 nl = 0, i, g;

	if (nc > 0 && (ls = calloc(nc, sizeof(*ls))) == NULL) {
		err_errno(&err, "calloc");
		reply_internal(resp, &err);
		return;
	}
	for (i = 0; i < nc; i++) {
		if (nl == 0 || ls[nl - 1].lang_id != c[i].lang_id)
			ls[nl++].lang_id = c[i].lang_id;
		ls[nl - 1].total += c[i].n;
		ls[nl - 1].g[group_of(c[i].status)] += c[i].n;
		total += c[i].n;
	}
	for (i = 0; i <= NEDGES; i++)
		runs += hist[i];

	page_init(&pg, a, call);
	page_begin(&pg, "Statistics", 0);
	p_raw(&pg, pg.admin ? "<h1>Statistics of every user</h1>\n" :
	    "<h1>Your statistics</h1>\n");
	p_fmt(&pg, "<p class=\"count\">%lld submission%s.</p>\n",
	    (long long)total, total == 1 ? "" : "s");
	p_raw(&pg, "<section>\n<h2>Verdicts per language</h2>\n");
	if (nl == 0)
		p_raw(&pg, "<p>No submissions yet.</p>\n");
	else {
		p_raw(&pg, "<figure>\n");
		svg_verdicts(&pg, a, ls, nl);
		p_raw(&pg, "<figcaption><ul class=\"legend\">\n");
		for (g = 0; g < NGROUPS; g++) {
			p_raw(&pg, "<li><span class=\"swatch v-");
			p_raw(&pg, groups[g].cls);
			p_raw(&pg, "\"></span>");
			p_text(&pg, groups[g].label);
			p_raw(&pg, "</li>\n");
		}
		p_raw(&pg, "</ul></figcaption>\n</figure>\n<details>\n"
		    "<summary>The numbers</summary>\n<table class=\"data\">\n"
		    "<thead><tr><th scope=\"col\">Language</th>");
		for (g = 0; g < NGROUPS; g++) {
			p_raw(&pg, "<th scope=\"col\">");
			p_text(&pg, groups[g].label);
			p_raw(&pg, "</th>");
		}
		p_raw(&pg, "<th scope=\"col\">All</th></tr></thead>\n"
		    "<tbody>\n");
		for (i = 0; i < nl; i++) {
			p_raw(&pg, "<tr><th scope=\"row\">");
			if ((name = lang_display_name(a->langs,
			    ls[i].lang_id)) != NULL)
				p_text(&pg, name);
			else
				p_fmt(&pg, "language %d", ls[i].lang_id);
			p_raw(&pg, "</th>");
			for (g = 0; g < NGROUPS; g++)
				p_fmt(&pg, "<td>%lld</td>",
				    (long long)ls[i].g[g]);
			p_fmt(&pg, "<td>%lld</td></tr>\n",
			    (long long)ls[i].total);
		}
		p_raw(&pg, "</tbody>\n</table>\n</details>\n");
	}
	p_raw(&pg, "</section>\n<section>\n<h2>CPU time of the runs</h2>\n");
	if (runs == 0)
		p_raw(&pg, "<p>No finished runs yet.</p>\n");
	else {
		p_raw(&pg, "<figure>\n");
		svg_histogram(&pg, hist);
		p_fmt(&pg, "<figcaption>%lld finished run%s, by CPU time "
		    "(compile and internal errors left out).</figcaption>\n"
		    "</figure>\n", (long long)runs, runs == 1 ? "" : "s");
	}
	p_raw(&pg, "</section>\n");
	page_end(&pg);
	page_reply(&pg, resp, 200);
	free(ls);
}

/*
 * Beyond the verdict counts: submissions total, today and in the last
 * hour, per day for 30 days, of owner (NULL: everyone, and then the
 * database size too) added to o.  Returns 0, or -1 with err set.
 */
static int
stats_extra(struct api *a, const char *owner, json_object *o,
    struct err *err)
{
	struct store_day	*days = NULL;
	json_object		*sub, *pd, *d, *db;
	int64_t			 now = util_now_ms(), total, today, hour;
	int64_t			 size = 0;
	char			 date[32], pretty[32];
	size_t			 i, n = 0;
	int			 rc = -1, oom = 0;

	if ((total = store_count_since(a->store, owner, 0, err)) < 0 ||
	    (today = store_count_since(a->store, owner,
	    now - now % 86400000, err)) < 0 ||
	    (hour = store_count_since(a->store, owner, now - 3600000,
	    err)) < 0 ||
	    store_count_days(a->store, owner, now - now % 86400000 -
	    29 * 86400000LL, &days, &n, err) == -1 ||
	    (owner == NULL && (size = store_db_bytes(a->store, err)) < 0))
		goto out;
	oom = 1;	/* from here on only memory can run out */
	if (size >= 1 << 20)
		snprintf(pretty, sizeof(pretty), "%.1f MB",
		    (double)size / (1 << 20));
	else
		snprintf(pretty, sizeof(pretty), "%lld kB",
		    (long long)(size / 1024));
	if (jadd(o, "submissions", sub = json_object_new_object()) == -1 ||
	    jadd(sub, "total", json_object_new_int64(total)) == -1 ||
	    jadd(sub, "today", json_object_new_int64(today)) == -1 ||
	    jadd(sub, "last_hour", json_object_new_int64(hour)) == -1 ||
	    jadd(o, "per_day", pd = json_object_new_array()) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		util_iso8601(days[i].day_ms, date);
		date[10] = '\0';	/* YYYY-MM-DD */
		if (jpush(pd, d = json_object_new_object()) == -1 ||
		    jadd(d, "date", json_object_new_string(date)) == -1 ||
		    jadd(d, "count", json_object_new_int64(days[i].n)) == -1)
			goto out;
	}
	/* the database holds everyone's: its size is for admins */
	if (owner == NULL && (jadd(o, "database",
	    db = json_object_new_object()) == -1 ||
	    jadd(db, "size_in_bytes", json_object_new_int64(size)) == -1 ||
	    jadd(db, "size_pretty", json_object_new_string(pretty)) == -1))
		goto out;
	rc = 0;
out:
	if (rc == -1 && oom)
		err_set(err, "statistics: out of memory");
	free(days);
	return rc;
}

/*
 * The counts of c's owner (NULL for admins: everyone).  Returns 0 with
 * *counts (caller frees) and hist, or -1 with resp answered.
 */
static int
stats_load(struct api *a, const struct api_call *c,
    struct store_count **counts, size_t *nc, int64_t hist[NEDGES + 1],
    struct api_resp *resp)
{
	struct err	err;

	*counts = NULL;
	*nc = 0;
	if (reply_header(resp, "Cache-Control: no-store") == -1)
		return -1;
	if (store_count_verdicts(a->store, c->admin ? NULL : c->owner,
	    counts, nc, &err) == -1 ||
	    store_time_histogram(a->store, c->admin ? NULL : c->owner,
	    hist_edges, NEDGES, hist, &err) == -1) {
		reply_internal(resp, &err);
		return -1;
	}
	return 0;
}

void
statistics_json(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct store_count	*counts = NULL, *folded;
	json_object		*o = NULL;
	struct err		 err;
	int64_t			 hist[NEDGES + 1];
	size_t			 nc = 0;

	if (stats_load(a, c, &counts, &nc, hist, resp) == -1)
		goto out;
	/* a Judge0 route: Judge0's statuses unless the config says ours */
	if (!a->cfg->judge0_extra_statuses) {
		if ((folded = fold_counts(counts, nc, &nc)) == NULL) {
			reply_internal(resp, NULL);
			goto out;
		}
		free(counts);
		counts = folded;
	}
	if ((o = stats_json(a, counts, nc, hist, a->cfg->judge0_extra_statuses ?
	    JS_MAX : JS_EXEC_FORMAT)) != NULL &&
	    stats_extra(a, c->admin ? NULL : c->owner, o, &err) == -1) {
		reply_internal(resp, &err);
		goto out;
	}
	reply_json(resp, 200, o);
	if (resp->status == 200)
		reply_header(resp, "Vary: Accept");
out:
	json_object_put(o);
	free(counts);
}

void
statistics_page(struct api *a, const struct api_call *c,
    struct api_resp *resp)
{
	struct store_count	*counts = NULL;
	int64_t			 hist[NEDGES + 1];
	size_t			 nc = 0;

	if (stats_load(a, c, &counts, &nc, hist, resp) == 0)
		page_write(a, c, counts, nc, hist, resp);
	free(counts);
}
