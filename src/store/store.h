#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct submission;

/*
 * The store: submissions, their history and statistics, and callbacks,
 * behind a small interface; the job queue has its own header, queue.h.
 * SQLite is the backend (src/store/, whose theory block is in store.c).
 * Nothing else in the project opens the database.  One handle per
 * process, opened after fork (never use a handle inherited across fork);
 * the handle serialises its own use, so threads of one process may share
 * it.  Several processes may open the same file: SQLite's locks (WAL
 * mode, busy timeout) order their writes.
 *
 * A submission is queued (status 1), running (status 2) or final (3..16,
 * see enum judge_status).  Every function that changes more than one row
 * does so in one transaction; a failing call leaves the database as it
 * was.  The struct submission arguments are borrowed for the call only.
 *
 * Faults.  No call waits longer than the handle's timeout for a lock held
 * by another connection, or by another thread on the same handle
 * (store_set_timeout).  A call of this header or of queue.h that fails
 * because the store cannot serve it for now (locked past the timeout,
 * disk full, read-only, its file or server out of reach, damaged) sets
 * err->unavailable: the caller answers "try again later" (503), never
 * an internal error.  Other failures (bad arguments, a bug) leave it 0.
 */
struct store;

/*
 * The handle and the database as a whole (store.c).
 */

/*
 * Opens (creating with mode 0600 and migrating if needed) the database at
 * path, in WAL mode.  A database of a newer schema than this program is an
 * error.  A database this process may only read opens read-only, if its
 * schema is current: reads work, writes fail as unavailable, and
 * store_health says so.  Returns a handle (close with store_close) or
 * NULL with err set.  The handle waits up to 1000 ms for a lock.
 */
struct store	*store_open(const char *path, struct err *);
/* Closes the handle and frees it.  NULL is fine. */
void		 store_close(struct store *);
/*
 * Sets how long one call of this handle waits for a lock (another
 * connection's write, another thread's call on the handle) before it
 * fails as unavailable: wait_ms, at least 0.
 */
void		 store_set_timeout(struct store *, int wait_ms);
/* The schema version this program migrates to (the last in sql/). */
int		 store_schema_version(void);
/*
 * Runs PRAGMA integrity_check and foreign_key_check.  Returns 0 if the
 * database is sound, or -1 with err set to the first problem found.
 */
int		 store_integrity_check(struct store *, struct err *);
/* The database file's size in bytes (pages in use and free), or -1. */
int64_t		 store_db_bytes(struct store *, struct err *);

/*
 * The store as /health and /metrics show it.  Sizes are bytes, -1 where
 * this backend has no such thing or could not tell.
 */
struct store_health {
	int		 writable;	/* 1: a write could start now */
	char		 problem[160];	/* why not, or "" */
	int64_t		 queued;	/* queued jobs */
	int64_t		 data_bytes;	/* the data kept (pages in use) */
	int64_t		 wal_bytes;	/* the write-ahead log on disk */
	int64_t		 free_bytes;	/* free space where the store grows */
};
/*
 * Fills *h within about 2 x wait_ms whatever the store is doing (no lock
 * is waited for longer): reads the queue's length and tries whether a
 * write could start (a lock another connection holds, a read-only file,
 * a full disk: writable 0 and problem say which).  Returns 0, or -1 with
 * err set when the store cannot even be read (*h then has what could be
 * learnt without it).
 */
int		 store_health(struct store *, int wait_ms,
		    struct store_health *h, struct err *);
/*
 * Housekeeping: moves what the store keeps beside its data back into it
 * (SQLite: checkpoints the write-ahead log, and truncates the log when it
 * has grown past its limit), without waiting for a lock longer than the
 * handle's timeout.  Returns the log's size in bytes afterwards (0 when
 * there is none), or -1 with err set.
 */
int64_t		 store_checkpoint(struct store *, struct err *);
/*
 * Writes a copy of the whole store, as it was at one moment, to path, a
 * file that must not exist yet (made 0600), while others go on reading
 * and writing.  The copy is checked before it gets its name; a copy that
 * failed leaves nothing at path.  Returns 0, or -1 with err set.
 */
int		 store_backup(struct store *, const char *path, struct err *);

/*
 * Submissions (submissions.c).
 */

/*
 * Inserts s as queued, with its tests (s->ntests >= 1; s->owner not NULL,
 * "" is an owner like any other).  On success fills s->token (random
 * UUIDv4), s->id, s->created_ms, s->status (1) and s->attempts (0);
 * on failure s is unchanged.  Returns 0, or -1 with err set.
 */
int	store_insert(struct store *, struct submission *s, struct err *);

/*
 * store_insert with extras, in the same transaction: an Idempotency-Key
 * (the owner's earlier submission with this key, created within ttl, is
 * the answer instead of a new one) and a callback URL.  Returns 1 with s
 * filled as store_insert does, 0 when the key was used already (s->token,
 * id, created_ms and status are then the original's; nothing inserted),
 * or -1 with err set.  o may be NULL.
 */
struct store_insert_opts {
	const char	*idempotency_key;	/* or NULL */
	int64_t		 idempotency_ttl_ms;
	const char	*callback_url;		/* or NULL */
	int		 callback_base64;	/* the body's encoding */
};
int	store_insert_ex(struct store *, struct submission *s,
	    const struct store_insert_opts *o, struct err *);
/*
 * Looks for s->owner's submission made with key at or after since_ms,
 * without inserting (store_insert_ex checks again, atomically).  Returns
 * 1 with s->token, id, created_ms and status filled, 0 if none, -1.
 */
int	store_idempotent(struct store *, struct submission *s,
	    const char *key, int64_t since_ms, struct err *);

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
 * Deletes the final submission token (of owner, unless NULL) with its
 * tests, results, files, key and callback.  Returns 1 when deleted, 0
 * when not: *status is then 0 (no such submission) or its status (1 or
 * 2: queued or running); -1 with err set.
 */
int	store_delete(struct store *, const char *token, const char *owner,
	    int *status, struct err *);

/*
 * Deletes the final submissions (with their tests and results) that
 * finished before older_than_ms (ms since the epoch).  Works in small
 * transactions so that executors are not held up.  Returns the number of
 * submissions deleted, or -1 with err set (the batches before the failing
 * one stay deleted).
 */
int	store_prune(struct store *, int64_t older_than_ms, struct err *);
/*
 * Retention a little at a time, for a running service: deletes up to max
 * final submissions that finished before older_than_ms (INT64_MAX: any
 * final ones), oldest first, in one short transaction, and takes no write
 * lock when there is none.  Returns how many (0: nothing left to do), or
 * -1 with err set.
 */
int	store_prune_batch(struct store *, int64_t older_than_ms, int max,
	    struct err *);

/*
 * History and statistics (history.c): one page of submissions, newest
 * first, and how many match in all.  The filter's strings are borrowed
 * for the call.
 */
#define STORE_MAX_PER_PAGE	100
#define STORE_MAX_PAGE		1000000

struct store_filter {
	const char	*owner;		/* NULL: every owner (admins) */
	int		 lang_id;	/* 0: any */
	int		 status;	/* 0: any */
	int		 status_or;	/* with status: also this one; 0: no */
	int64_t		 since_ms;	/* created at or after; 0: no bound */
	int64_t		 until_ms;	/* created before; 0: no bound */
	int64_t		 page;		/* 1 .. STORE_MAX_PAGE */
	int64_t		 per_page;	/* 1 .. STORE_MAX_PER_PAGE */
};

struct store_row {
	char		 token[37];
	char		*owner;
	int		 lang_id;
	int		 status;
	int		 has_time;	/* time_s and wall_time_s are set */
	double		 time_s;
	double		 wall_time_s;
	int		 has_memory;
	int64_t		 memory_kb;
	int64_t		 created_ms;
	int64_t		 finished_ms;	/* 0 until final */
};

/*
 * Fills *rows (caller frees with store_rows_free) with page f->page of
 * the submissions f selects, newest first, *nrows of them (0 past the
 * last page), and *total with the count of all that f selects (one
 * snapshot).  Returns 0, or -1 with err set (also for a page or per_page
 * out of range).
 */
int	store_list(struct store *, const struct store_filter *f,
	    struct store_row **rows, size_t *nrows, int64_t *total,
	    struct err *);
void	store_rows_free(struct store_row *, size_t n);

/* Statistics: submissions per language and verdict. */
struct store_count {
	int		 lang_id;
	int		 status;
	int64_t		 n;
};

/*
 * Fills *counts (caller frees) with one entry per (language, status)
 * that has submissions of owner (NULL: everyone), ordered by language
 * and status, *n of them.  Returns 0, or -1 with err set.
 */
int	store_count_verdicts(struct store *, const char *owner,
	    struct store_count **counts, size_t *n, struct err *);
/*
 * A histogram of the CPU time of owner's (NULL: everyone's) finished
 * submissions that ran (compile and internal errors did not): counts[0]
 * is below edges_s[0], counts[i] in [edges_s[i-1], edges_s[i]), and
 * counts[nedges] at or above edges_s[nedges-1], so counts has nedges + 1
 * entries.  edges_s ascend.  Returns 0, or -1 with err set.
 */
int	store_time_histogram(struct store *, const char *owner,
	    const double *edges_s, size_t nedges, int64_t *counts,
	    struct err *);

/* Submissions of owner (NULL: all) created at or after since_ms; -1. */
int64_t	store_count_since(struct store *, const char *owner,
	    int64_t since_ms, struct err *);
/* Submissions per UTC day (day_ms: its midnight), oldest first. */
struct store_day {
	int64_t		 day_ms;
	int64_t		 n;
};
/* Fills *days (caller frees) with *n days that have submissions.  0/-1. */
int	store_count_days(struct store *, const char *owner,
	    int64_t since_ms, struct store_day **days, size_t *n,
	    struct err *);

/*
 * The callback queue (callbacks.c; one row per submission with a
 * callback_url).  A callback is due once its submission is final and its
 * next_try_ms has come.  store_callbacks_due fills *out (caller frees
 * with store_callbacks_free) with up to max due ones, earliest first, and
 * *next_ms with the earliest later try of a final submission (0: none).
 * Returns 0, or -1 with err set.
 */
#define STORE_CB_PENDING	0
#define STORE_CB_DELIVERED	1
#define STORE_CB_FAILED		2	/* given up */
struct store_callback {
	int64_t		 submission_id;
	char		 token[37];
	char		*url;
	int		 base64;
	int		 attempts;	/* tries so far */
};
int	store_callbacks_due(struct store *, int64_t now_ms, size_t max,
	    struct store_callback **out, size_t *n, int64_t *next_ms,
	    struct err *);
void	store_callbacks_free(struct store_callback *, size_t n);
/*
 * Records a try: state (STORE_CB_*), tries so far, when to try again
 * (pending only) and the error ("" if none).  Returns 0, or -1.
 */
int	store_callback_done(struct store *, int64_t submission_id, int state,
	    int attempts, int64_t next_try_ms, const char *error,
	    struct err *);
/*
 * The callback of token: 1 with *state, *attempts, its last error (cut
 * to error_size) and *url (caller frees), 0 if it has none, -1 with err
 * set.
 */
int	store_callback_state(struct store *, const char *token, int *state,
	    int *attempts, char *error, size_t error_size, char **url,
	    struct err *);

#endif
