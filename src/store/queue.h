#ifndef STORE_QUEUE_H
#define STORE_QUEUE_H

#include <stdint.h>

struct err;
struct store;
struct submission;

/*
 * The job queue: what executors use (with store_open and store_close of
 * store.h), what the master uses to recover jobs, and what the API reads
 * for back-pressure and "queued, n ahead".  A backend implements these
 * functions over its own struct store; SQLite's is src/store/queue.c.
 *
 * A job is a submission: queued (status 1), running (status 2, held by
 * one executor under a lease), or final (3..16, see enum judge_status).
 * The holder of a lease renews it, notes its progress and finishes the
 * job, each only while the lease is still its own: once the job has been
 * requeued (by the master, or by anyone because the lease ran out), the
 * old holder's calls fail and cannot touch the next run.  A job that
 * comes back max_attempts times becomes Internal Error.  Times are the
 * store's clock (ms since the epoch).
 *
 * executor: the holder's number, recorded with the job so that the
 * master can requeue a dead executor's jobs.
 * XXX It is the executor's slot, unique on one host only; executors of
 * several hosts sharing a store need a number (or name) that says the
 * host too.
 */

/*
 * A claim of one job, from store_claim.  Pass it back unchanged; the
 * fields are for logs and for the backend.
 */
struct store_lease {
	int64_t		 job;		/* the submission's id */
	int		 attempt;	/* the job's attempts at the claim:
					   which run of the job this is */
	int64_t		 until_ms;	/* when the lease ends */
};

/*
 * Claims the oldest queued job for executor, moving it to running with a
 * lease of lease_ms from now (started_ms is set, attempts unchanged).
 * Returns 1 with *lease and *out filled (the job as store_get reads it;
 * caller frees), 0 with *out NULL if the queue is empty, -1 with err set.
 */
int	store_claim(struct store *, int executor, int64_t lease_ms,
	    struct store_lease *lease, struct submission **out,
	    struct err *);
/*
 * Extends the lease to lease_ms from now (and lease->until_ms with it).
 * Returns 0, or -1 with err set: the job is not running under this lease
 * any more, or the store failed.
 */
int	store_renew(struct store *, struct store_lease *lease,
	    int64_t lease_ms, struct err *);
/*
 * As store_renew, and records in the same write that the job is on test
 * (1-based) for the pages.
 */
int	store_progress(struct store *, struct store_lease *lease, int test,
	    int64_t lease_ms, struct err *);
/*
 * Stores the verdict part of s (status, message, compile output, times,
 * memory, compiles, and s->results[0 .. ntests-1] when results is not
 * NULL, replacing any stored ones) and marks the job final, in one
 * transaction.  s is the submission store_claim gave with lease, with
 * the verdict filled in; s->status must be final (3..16).  finished_ms is
 * the store's clock.  Returns 0, or -1 with err set: the job is not
 * running under this lease, or the store failed.
 */
int	store_finish(struct store *, const struct store_lease *lease,
	    const struct submission *s, struct err *);

/*
 * Puts the running jobs of executor (< 0: of every executor, as the
 * master does at start) back to queued, attempts + 1; a job whose
 * attempts reach max_attempts becomes Internal Error ("executor died N
 * times") instead.  Returns the number of jobs touched, or -1 with err
 * set.
 */
int	store_requeue(struct store *, int executor, int max_attempts,
	    struct err *);
/*
 * As store_requeue, for the running jobs of any executor whose lease
 * ended before now_ms (an executor that hangs or lost its host, or whose
 * requeue failed).  The message of a job that runs out of attempts is
 * "lease expired N times".  Takes no write lock when no lease has
 * expired, so that a periodic sweep costs a read.  Returns the number of
 * jobs touched, or -1 with err set.
 */
int	store_requeue_expired(struct store *, int64_t now_ms,
	    int max_attempts, struct err *);

/* Counts queued jobs (all, or of owner when owner != NULL).  -1 on error. */
int64_t	store_queue_depth(struct store *, const char *owner, struct err *);
/* Queued jobs ahead of the job with id (older ones), or -1 on error. */
int64_t	store_queue_ahead(struct store *, int64_t id, struct err *);
/* Current status id of token, or 0 if not found, -1 on error. */
int	store_status(struct store *, const char *token, struct err *);

#endif
