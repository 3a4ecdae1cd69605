#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct submission;

/*
 * The store: SQLite behind a small interface.  Nothing else in the project
 * opens the database.  One handle per process, opened after fork (never
 * use a handle inherited across fork); the handle serialises its own use,
 * so threads of one process may share it.  Several processes may open the
 * same file: SQLite's locks (WAL mode, busy timeout) order their writes.
 * The job queue is claim (with a lease) / renew / finish, so that an
 * executor on another host could later do the same over HTTP.
 *
 * A job is queued (status 1), running (status 2, with an executor and a
 * lease) or final (3..16, see enum judge_status).  Every function that
 * changes more than one row does so in one transaction; a failing call
 * leaves the database as it was.  The struct submission arguments are
 * borrowed for the call only.
 */
struct store;

/*
 * Opens (creating with mode 0600 and migrating if needed) the database at
 * path, in WAL mode.  A database of a newer schema than this program is an
 * error.  Returns a handle (close with store_close) or NULL with err set.
 */
struct store	*store_open(const char *path, struct err *);
/* Closes the handle and frees it.  NULL is fine. */
void		 store_close(struct store *);
/* The schema version this program migrates to (the last in sql/). */
int		 store_schema_version(void);

/*
 * Inserts s as queued, with its tests (s->ntests >= 1; s->owner not NULL,
 * "" is an owner like any other).  On success fills s->token (random
 * UUIDv4), s->id, s->created_ms, s->status (1) and s->attempts (0);
 * on failure s is unchanged.  Returns 0, or -1 with err set.
 */
int	store_insert(struct store *, struct submission *s, struct err *);

/*
 * Reads the submission with token, with its tests and results.  If owner
 * is not NULL, a submission of another owner is "not found".  results has
 * ntests entries; a test without a stored result is zeroed (status 0).
 * Byte fields are NUL-terminated copies (the NUL is not counted in their
 * length); optional ones (expected, compile_output, outputs) are NULL
 * when absent.  Returns 1 with *out (caller frees with submission_free),
 * 0 if not found, -1 with err set.
 */
int	store_get(struct store *, const char *token, const char *owner,
	    struct submission **out, struct err *);

/*
 * Claims the oldest queued job for executor, moving it to running with a
 * lease of lease_ms from now (started_ms is set, attempts unchanged).
 * Returns 1 with *out as store_get fills it (caller frees), 0 with *out
 * NULL if the queue is empty, -1 with err set.
 */
int	store_claim(struct store *, int executor, int64_t lease_ms,
	    struct submission **out, struct err *);
/*
 * Extends the lease of a running job to lease_ms from now.  Returns 0, or
 * -1 with err set (also when the job is not running any more).
 */
int	store_renew(struct store *, int64_t id, int64_t lease_ms,
	    struct err *);
/*
 * Stores the verdict part of s (status, message, compile output, times,
 * memory, and s->results[0 .. ntests-1] when results is not NULL,
 * replacing any stored ones) and marks the job final, in one transaction.
 * s must be the submission store_claim returned (with the verdict filled
 * in): its id and attempts identify the claim, so an executor whose job
 * was requeued in the meantime cannot overwrite the new run.  s->status
 * must be final (3..16).  finished_ms is the store's clock.  Returns 0,
 * or -1 with err set: the job is not running under this claim, or the
 * database failed.
 */
int	store_finish(struct store *, const struct submission *s,
	    struct err *);

/*
 * Puts running jobs back to queued (attempts + 1); a job whose attempts
 * reach max_attempts becomes Internal Error ("executor died N times")
 * instead.  executor < 0 means every executor (the master at start).
 * Returns the number of jobs touched, or -1 with err set.
 */
int	store_requeue(struct store *, int executor, int max_attempts,
	    struct err *);
/*
 * As store_requeue, for the running jobs whose lease ended before now_ms
 * (an executor that hangs or lost its host).  The message of a job that
 * runs out of attempts is "lease expired N times".  Returns the number of
 * jobs touched, or -1 with err set.
 */
int	store_requeue_expired(struct store *, int64_t now_ms,
	    int max_attempts, struct err *);

/* Counts queued jobs (all, or of owner when owner != NULL).  -1 on error. */
int64_t	store_queue_depth(struct store *, const char *owner, struct err *);

/* Current status id of token, or 0 if not found, -1 on error. */
int	store_status(struct store *, const char *token, struct err *);

/*
 * Deletes the final submissions (with their tests and results) that
 * finished before older_than_ms (ms since the epoch).  Works in small
 * transactions so that executors are not held up.  Returns the number of
 * submissions deleted, or -1 with err set (the batches before the failing
 * one stay deleted).
 */
int	store_prune(struct store *, int64_t older_than_ms, struct err *);

/*
 * Runs PRAGMA integrity_check and foreign_key_check.  Returns 0 if the
 * database is sound, or -1 with err set to the first problem found.
 */
int	store_integrity_check(struct store *, struct err *);

#endif
