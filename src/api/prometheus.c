/*
 * The Prometheus text exposition (version 0.0.4) of the shared counters
 * (judge/metrics.h): what an admin's GET /metrics answers.  The counters
 * are read with relaxed atomic loads, as the writers store them.
 */
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "judge/lang.h"
#include "judge/metrics.h"
#include "prometheus.h"

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

static const char *const cb_names[3] = { "delivered", "retry", "failed" };

/* "# HELP" and "# TYPE" of one metric. */
static int
head(struct buf *b, const char *name, const char *type, const char *help,
    struct err *err)
{
	return buf_printf(b, err, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/*
 * Language names are [a-z0-9+._-] in our table, and status descriptions
 * plain words: nothing in a label value needs an escape.
 */
static int
render_jobs(const struct metrics *m, const struct lang_table *langs,
    struct buf *b, struct err *err)
{
	const char	*name;
	uint64_t	 n, cum;
	size_t		 i;
	int		 s, k;

	if (head(b, "coderunner_submissions_created_total", "counter",
	    "Submissions queued, by language.", err) == -1)
		return -1;
	for (i = 0; i < langs->n && i < METRICS_LANGS; i++)
		if (langs->langs[i].available &&
		    buf_printf(b, err, "coderunner_submissions_created_total"
		    "{language=\"%s\"} %llu\n", langs->langs[i].name,
		    (unsigned long long)LOAD(&m->created[i])) == -1)
			return -1;
	if (head(b, "coderunner_submissions_total", "counter",
	    "Submissions judged, by language and verdict.", err) == -1)
		return -1;
	for (i = 0; i < langs->n && i < METRICS_LANGS; i++)
		for (s = JS_AC; s < METRICS_STATUSES; s++) {
			if ((n = LOAD(&m->finished[i][s])) == 0)
				continue;
			if (buf_printf(b, err, "coderunner_submissions_total"
			    "{language=\"%s\",status=\"%s\"} %llu\n",
			    langs->langs[i].name, judge_status_description(s),
			    (unsigned long long)n) == -1)
				return -1;
		}
	if (head(b, "coderunner_job_duration_seconds", "histogram",
	    "Time from claim to verdict of a job, by language.", err) == -1)
		return -1;
	for (i = 0; i < langs->n && i < METRICS_LANGS; i++) {
		if (!langs->langs[i].available)
			continue;
		name = langs->langs[i].name;
		cum = 0;
		for (k = 0; k <= METRICS_BUCKETS; k++) {
			cum += LOAD(&m->duration[i][k]);
			if ((k < METRICS_BUCKETS ? buf_printf(b, err,
			    "coderunner_job_duration_seconds_bucket"
			    "{language=\"%s\",le=\"%g\"} %llu\n", name,
			    metrics_bucket_s(k), (unsigned long long)cum) :
			    buf_printf(b, err,
			    "coderunner_job_duration_seconds_bucket"
			    "{language=\"%s\",le=\"+Inf\"} %llu\n", name,
			    (unsigned long long)cum)) == -1)
				return -1;
		}
		if (buf_printf(b, err, "coderunner_job_duration_seconds_sum"
		    "{language=\"%s\"} %.6f\n"
		    "coderunner_job_duration_seconds_count"
		    "{language=\"%s\"} %llu\n", name,
		    (double)LOAD(&m->duration_sum_us[i]) / 1e6, name,
		    (unsigned long long)cum) == -1)
			return -1;
	}
	return 0;
}

static int
render_executors(const struct metrics *m, struct buf *b, struct err *err)
{
	const struct metrics_executor	*e;
	int64_t				 now = util_mono_us(), since;
	uint64_t			 us;
	int				 i, ready, busy, n;

	n = metrics_executors(m, &ready, &busy);
	if (head(b, "coderunner_executors", "gauge",
	    "Executor processes by state.", err) == -1 ||
	    buf_printf(b, err, "coderunner_executors{state=\"busy\"} %d\n"
	    "coderunner_executors{state=\"idle\"} %d\n"
	    "coderunner_executors{state=\"down\"} %d\n", busy, ready - busy,
	    n - ready) == -1 ||
	    head(b, "coderunner_executor_busy_seconds_total", "counter",
	    "Time each executor spent judging.", err) == -1)
		return -1;
	for (i = 0; i < m->nexecutors; i++) {
		e = &m->exec[i];
		us = LOAD(&e->busy_us);
		since = LOAD(&e->busy_since_us);
		if (LOAD(&e->busy) && since > 0 && now > since)
			us += (uint64_t)(now - since);
		if (buf_printf(b, err, "coderunner_executor_busy_seconds_total"
		    "{executor=\"%d\"} %.6f\n", i, (double)us / 1e6) == -1)
			return -1;
	}
	if (head(b, "coderunner_executor_jobs_total", "counter",
	    "Jobs each executor finished.", err) == -1)
		return -1;
	for (i = 0; i < m->nexecutors; i++)
		if (buf_printf(b, err, "coderunner_executor_jobs_total"
		    "{executor=\"%d\"} %llu\n", i,
		    (unsigned long long)LOAD(&m->exec[i].jobs)) == -1)
			return -1;
	return 0;
}

/* A label value: backslash, double quote and newline escaped. */
static int
label(struct buf *b, const char *v, struct err *err)
{
	const char	*esc;

	for (; *v != '\0'; v++) {
		esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" :
		    *v == '\n' ? "\\n" : NULL;
		if ((esc != NULL ? buf_puts(b, esc, err) :
		    buf_append(b, v, 1, err)) == -1)
			return -1;
	}
	return 0;
}

int
prom_render(const struct metrics *m, const struct lang_table *langs,
    const char *node, int64_t queue_depth, int64_t running, struct buf *b,
    struct err *err)
{
	uint64_t	n;
	int		i;

	if (node != NULL && (head(b, "coderunner_node_info", "gauge",
	    "The node that answers (several share one PostgreSQL store).",
	    err) == -1 ||
	    buf_printf(b, err, "coderunner_node_info{node=\"") == -1 ||
	    label(b, node, err) == -1 ||
	    buf_printf(b, err, "\"} 1\n") == -1))
		return -1;
	if (head(b, "coderunner_queue_depth", "gauge",
	    "Submissions waiting for an executor (of every node).", err) ==
	    -1 ||
	    buf_printf(b, err, "coderunner_queue_depth %lld\n",
	    (long long)queue_depth) == -1 ||
	    head(b, "coderunner_running_jobs", "gauge",
	    "Submissions being judged now.", err) == -1 ||
	    buf_printf(b, err, "coderunner_running_jobs %lld\n",
	    (long long)running) == -1)
		return -1;
	if (m == NULL)
		return 0;
	if (render_jobs(m, langs, b, err) == -1 ||
	    render_executors(m, b, err) == -1)
		return -1;
	if (head(b, "coderunner_sandbox_setup_failures_total", "counter",
	    "Jobs on which the sandbox itself failed.", err) == -1 ||
	    buf_printf(b, err, "coderunner_sandbox_setup_failures_total "
	    "%llu\n", (unsigned long long)LOAD(&m->sandbox_failures)) == -1 ||
	    head(b, "coderunner_sandbox_cleanup_failures_total", "counter",
	    "Boxes and crash leftovers that could not be removed (each is "
	    "logged; the sweep tries again).", err) == -1 ||
	    buf_printf(b, err, "coderunner_sandbox_cleanup_failures_total "
	    "%llu\n", (unsigned long long)LOAD(&m->cleanup_failures)) == -1 ||
	    head(b, "coderunner_http_responses_total", "counter",
	    "HTTP responses of the application, by status code.", err) == -1)
		return -1;
	for (i = 0; i < METRICS_CODES; i++)
		if ((n = LOAD(&m->http[i])) > 0 && buf_printf(b, err,
		    "coderunner_http_responses_total{code=\"%d\"} %llu\n", i,
		    (unsigned long long)n) == -1)
			return -1;
	if (head(b, "coderunner_callbacks_total", "counter",
	    "Callback deliveries by outcome (retry: a try failed, another "
	    "follows).", err) == -1)
		return -1;
	for (i = 0; i < 3; i++)
		if (buf_printf(b, err, "coderunner_callbacks_total"
		    "{outcome=\"%s\"} %llu\n", cb_names[i],
		    (unsigned long long)LOAD(&m->callbacks[i])) == -1)
			return -1;
	return 0;
}
