#ifndef JUDGE_METRICS_H
#define JUDGE_METRICS_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct err;
struct lang_table;

/*
 * The counters every process of coderunner.fcgi shares: submissions
 * queued and judged per language and verdict, job durations, HTTP
 * responses, callbacks, sandbox failures, and each executor's state (for
 * GET /metrics, /workers and /health).  The master maps one anonymous
 * MAP_SHARED region before it forks (metrics_new), so every child writes
 * to the same memory; no lock: each field is a counter or a flag with one
 * writer or updated with atomic builtins (relaxed, as nothing is ordered
 * by them).  Counters start at zero with each start of the service, as
 * Prometheus expects of counters.  Languages are counted by their
 * position in the language table (the same table in every process).
 *
 * Why judge/: the region is written by the executors (jobs and their
 * state), the master (executor pids), the http workers (responses) and
 * the callback sender, and read by the API; it counts by the language
 * table and the verdicts, which are judge's.  So it lives in the lowest
 * layer that knows languages, below both fcgi-app/ and api/.  It knows
 * nothing of HTTP beyond status numbers, nor of the text Prometheus
 * reads: api/prometheus.c renders that from the region.
 *
 * Every function takes NULL for the region and then does nothing, so
 * the API can run without it (unit tests).
 */
#define METRICS_LANGS		64	/* languages counted; more are not */
#define METRICS_STATUSES	17	/* status ids 0 .. 16 */
#define METRICS_CODES		600	/* HTTP status codes 0 .. 599 */
#define METRICS_EXECUTORS	1024
#define METRICS_BUCKETS		12	/* job duration buckets, +Inf apart */

/* One executor slot. */
struct metrics_executor {
	int32_t		pid;		/* the master: at fork; 0 once dead */
	int32_t		ready;		/* the executor, once its sandbox is
					   open; the master clears it */
	int32_t		busy;		/* the executor: a job in hand */
	int64_t		busy_since_us;	/* monotonic, while busy */
	uint64_t	jobs;		/* finished */
	uint64_t	busy_us;	/* time spent on finished jobs */
};

struct metrics {
	uint64_t	http[METRICS_CODES];
	uint64_t	created[METRICS_LANGS];
	uint64_t	finished[METRICS_LANGS][METRICS_STATUSES];
	uint64_t	duration[METRICS_LANGS][METRICS_BUCKETS + 1];
	uint64_t	duration_sum_us[METRICS_LANGS];
	uint64_t	sandbox_failures;
	uint64_t	cleanup_failures;	/* boxes, leftovers not removed */
	uint64_t	callbacks[3];	/* enum metrics_callback */
	int32_t		nexecutors;
	struct metrics_executor	exec[METRICS_EXECUTORS];
};

enum metrics_callback {
	METRICS_CB_DELIVERED, METRICS_CB_RETRY, METRICS_CB_FAILED,
};

/*
 * Maps a zeroed shared region for nexecutors executor slots (at most
 * METRICS_EXECUTORS).  Returns it (unmap with metrics_free), or NULL with
 * err set.  Call before fork.
 */
struct metrics	*metrics_new(int nexecutors, struct err *);
void		 metrics_free(struct metrics *);

/* One HTTP response with status (out of range: counted as 0). */
void	metrics_http(struct metrics *, int status);
/* A submission of language lang_id was queued. */
void	metrics_created(struct metrics *, const struct lang_table *,
	    int lang_id);
/* A job of lang_id got its verdict status after us of judging. */
void	metrics_finished(struct metrics *, const struct lang_table *,
	    int lang_id, int status, int64_t us);
/* The sandbox itself failed on a job (not the program in it). */
void	metrics_sandbox_failure(struct metrics *);
/* A box or a leftover of a crash could not be removed. */
void	metrics_cleanup_failure(struct metrics *);
void	metrics_callback(struct metrics *, enum metrics_callback);

/* Executor slot state: the master sets pid (0: gone, also clears ready). */
void	metrics_executor_pid(struct metrics *, int slot, pid_t pid);
void	metrics_executor_ready(struct metrics *, int slot);
/* A job begins (busy) or ends (not busy: adds the time since it began). */
void	metrics_executor_busy(struct metrics *, int slot, int busy);
/*
 * Counts the slots whose executor is ready and, of those, busy.  Returns
 * the number of slots (0 for a NULL region).
 */
int	metrics_executors(const struct metrics *, int *ready, int *busy);

/*
 * The upper bound in seconds of job duration bucket k (0 <= k <
 * METRICS_BUCKETS); the last bucket, k == METRICS_BUCKETS, is +Inf.
 */
double	metrics_bucket_s(int k);

#endif
