#ifndef STORE_QUEUE_H
#define STORE_QUEUE_H

#include <stdint.h>

struct err;
struct store;
struct submission;

/*
 * The job queue: what executors use (with store_open and store_close of
 * store.h), what the master uses to recover jobs, and what the API reads
 * for back-pressure and "queued, n ahead".  Both backends implement these
 * functions: SQLite's is src/store/queue.c, PostgreSQL's pg_queue.c (the
 * schema's queue functions, which an executor-only node's role may call
 * and nothing else).
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
 * executor: the holder's number (its slot on its node), recorded with
 * the job and the handle's node (store_set_node) so that a node's master
 * can requeue its dead executor's jobs and no other node's.
 */

/*
 * Names the node whose executors use this handle (PostgreSQL: several
 * nodes share the database; each must have a name of its own, the same
 * across its processes).  The executor numbers of store_claim and
 * store_requeue are this node's.  SQLite serves one node: it keeps no
 * name.  node is copied.  Returns 0, or -1 with err set.
 */
int	store_set_node(struct store *, const char *node, struct err *);

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
 * Whether the job is still running under lease: 1 if so, 0 if not (it
 * was requeued, or finished: whatever the holder writes is refused), -1
 * with err set when the store cannot say.  Tells a refused finish from a
 * failing store.
 */
int	store_lease_held(struct store *, const struct store_lease *lease,
	    struct err *);

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

/*
 * Wake-ups from other hosts.  store_wake_fd starts listening to what
 * (STORE_WAKE_JOB: a job was queued; STORE_WAKE_DONE: a job became
 * final) on any node, and returns a descriptor to poll() for POLLIN; ask
 * again before each poll, as the descriptor changes when the connection
 * is made again.  -1 with err set when the backend has none (SQLite: one
 * host, whose processes wake each other) or the store failed.  After a
 * poll, store_wake_read takes what came: returns how many notifications
 * (0: none, the poll woke for something else), or -1 with err set.  A
 * notification can be lost (a connection down): poll with a timeout.
 */
#define STORE_WAKE_JOB	0x1
#define STORE_WAKE_DONE	0x2
int	store_wake_fd(struct store *, unsigned int what, struct err *);
int	store_wake_read(struct store *, struct err *);

/* Counts queued jobs (all, or of owner when owner != NULL).  -1 on error. */
int64_t	store_queue_depth(struct store *, const char *owner, struct err *);
/* Queued jobs ahead of the job with id (older ones), or -1 on error. */
int64_t	store_queue_ahead(struct store *, int64_t id, struct err *);
/* Current status id of token, or 0 if not found, -1 on error. */
int	store_status(struct store *, const char *token, struct err *);

#endif
