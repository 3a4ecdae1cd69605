/*
 * The shared counters behind GET /metrics (see metrics.h).  Writers use
 * relaxed atomic adds and stores, readers atomic loads: a scrape may see
 * one counter a job ahead of another, which Prometheus tolerates.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "judge.h"
#include "lang.h"
#include "metrics.h"

#define ADD(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* Upper bounds of the job duration buckets, in seconds. */
static const double buckets_s[METRICS_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120,
};

struct metrics *
metrics_new(int nexecutors, struct err *err)
{
	struct metrics	*m;

	if (nexecutors < 0 || nexecutors > METRICS_EXECUTORS) {
		err_set(err, "metrics: %d executors (at most %d)", nexecutors,
		    METRICS_EXECUTORS);
		return NULL;
	}
	/* anonymous memory is zeroed */
	if ((m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
		err_errno(err, "metrics: mmap");
		return NULL;
	}
	m->nexecutors = nexecutors;
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m != NULL)
		munmap(m, sizeof(*m));
}

/* The position of lang_id in the table, or -1 (unknown, or too far). */
static int
lang_index(const struct lang_table *langs, int lang_id)
{
	size_t	i;

	if (langs == NULL)
		return -1;
	for (i = 0; i < langs->n && i < METRICS_LANGS; i++)
		if (langs->langs[i].id == lang_id)
			return (int)i;
	return -1;
}

void
metrics_http(struct metrics *m, int status)
{
	if (m == NULL)
		return;
	if (status < 0 || status >= METRICS_CODES)
		status = 0;
	ADD(&m->http[status], 1);
}

void
metrics_created(struct metrics *m, const struct lang_table *langs,
    int lang_id)
{
	int	i;

	if (m != NULL && (i = lang_index(langs, lang_id)) >= 0)
		ADD(&m->created[i], 1);
}

void
metrics_finished(struct metrics *m, const struct lang_table *langs,
    int lang_id, int status, int64_t us)
{
	int	i, b;

	if (m == NULL || (i = lang_index(langs, lang_id)) < 0)
		return;
	if (status < 0 || status >= METRICS_STATUSES)
		status = 0;
	if (us < 0)
		us = 0;
	ADD(&m->finished[i][status], 1);
	for (b = 0; b < METRICS_BUCKETS; b++)
		if ((double)us / 1e6 <= buckets_s[b])
			break;
	ADD(&m->duration[i][b], 1);	/* b == METRICS_BUCKETS: +Inf only */
	ADD(&m->duration_sum_us[i], (uint64_t)us);
}

void
metrics_sandbox_failure(struct metrics *m)
{
	if (m != NULL)
		ADD(&m->sandbox_failures, 1);
}

void
metrics_cleanup_failure(struct metrics *m)
{
	if (m != NULL)
		ADD(&m->cleanup_failures, 1);
}

void
metrics_callback(struct metrics *m, enum metrics_callback c)
{
	if (m != NULL && (int)c >= 0 && c <= METRICS_CB_FAILED)
		ADD(&m->callbacks[c], 1);
}

void
metrics_executor_pid(struct metrics *m, int slot, pid_t pid)
{
	if (m == NULL || slot < 0 || slot >= m->nexecutors)
		return;
	STORE(&m->exec[slot].pid, (int32_t)pid);
	if (pid == 0) {
		STORE(&m->exec[slot].ready, 0);
		STORE(&m->exec[slot].busy, 0);
	}
}

void
metrics_executor_ready(struct metrics *m, int slot)
{
	if (m != NULL && slot >= 0 && slot < m->nexecutors)
		STORE(&m->exec[slot].ready, 1);
}

void
metrics_executor_busy(struct metrics *m, int slot, int busy)
{
	struct metrics_executor	*e;
	int64_t			 now = util_mono_us(), since;

	if (m == NULL || slot < 0 || slot >= m->nexecutors)
		return;
	e = &m->exec[slot];
	if (busy) {
		STORE(&e->busy_since_us, now);
		STORE(&e->busy, 1);
		return;
	}
	since = LOAD(&e->busy_since_us);
	STORE(&e->busy, 0);
	ADD(&e->jobs, 1);
	if (since > 0 && now > since)
		ADD(&e->busy_us, (uint64_t)(now - since));
}

int
metrics_executors(const struct metrics *m, int *ready, int *busy)
{
	int	i, r = 0, b = 0;

	*ready = *busy = 0;
	if (m == NULL)
		return 0;
	for (i = 0; i < m->nexecutors; i++) {
		if (LOAD(&m->exec[i].pid) == 0 || !LOAD(&m->exec[i].ready))
			continue;
		r++;
		b += LOAD(&m->exec[i].busy) != 0;
	}
	*ready = r;
	*busy = b;
	return m->nexecutors;
}

double
metrics_bucket_s(int k)
{
	return k >= 0 && k < METRICS_BUCKETS ? buckets_s[k] : 0;
}
