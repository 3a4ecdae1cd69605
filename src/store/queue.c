/*
 * The job queue of queue.h over SQLite.  The claim is two statements in
 * one BEGIN IMMEDIATE transaction (pick the oldest queued job, mark it
 * running): the write lock taken up front means no two executors, in any
 * process, pick the same job.  A read before it answers "empty" without
 * the write lock.  A lease is "ours" while the job is running
 * with the attempts it had at the claim: every way back to the queue adds
 * one, so a requeued job's old holder can no longer renew or finish it.
 * See the theory block of store.c for transactions and locking.
 */

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "judge/judge.h"
#include "queue.h"
#include "store_int.h"
#define PG_WEAK_REFS	/* see pg_int.h */
#include "pg_int.h"

int
store_set_node(struct store *st, const char *node, struct err *err)
{
	if (st->pg != NULL)
		return pgstore_set_node(st->pg, node, err);
	return 0;
}

int
store_wake_fd(struct store *st, unsigned int what, struct err *err)
{
	if (st->pg != NULL)
		return pgstore_wake_fd(st->pg, (what & STORE_WAKE_JOB ?
		    PG_LISTEN_JOB : 0) | (what & STORE_WAKE_DONE ?
		    PG_LISTEN_DONE : 0), err);
	return err_set(err, "SQLite: no wake-ups from other hosts");
}

int
store_wake_read(struct store *st, struct err *err)
{
	if (st->pg != NULL)
		return pgstore_wake_read(st->pg, err);
	return 0;
}

/* the claim order; index submissions_status */
static const char sql_claim_pick[] =
    "SELECT id FROM submissions WHERE status = 1 ORDER BY id LIMIT 1";

static const char sql_claim_mark[] =
    "UPDATE submissions SET status = 2, executor = ?2, "
    "started_ms = ?3, lease_until_ms = ?4 "
    "WHERE id = ?1 AND status = 1";

static const char sql_get_by_id[] =
    "SELECT " SUB_COLS " FROM submissions WHERE id = ?1";

/* Steps the claim's pick: 1 a job (its row), 0 none, -1 an error. */
static int
claim_pick(struct store *st, sqlite3_stmt *pick, struct err *err)
{
	int	step;

	if ((step = sqlite3_step(pick)) == SQLITE_ROW)
		return 1;
	if (step == SQLITE_DONE)
		return 0;
	sql_err(st, err, "claim");
	return -1;
}

int
store_claim(struct store *st, int executor, int64_t lease_ms,
    struct store_lease *lease, struct submission **out, struct err *err)
{
	struct submission	*s = NULL;
	sqlite3_stmt		*pick = NULL, *mark = NULL, *get = NULL;
	int64_t			 id, now;
	int			 rc = -1, found;

	*out = NULL;
	now = util_now_ms();
	if (lease_ms < 0 || lease_ms > INT64_MAX - now)
		return err_set(err, "claim: bad lease %lld ms",
		    (long long)lease_ms);
	if (st->pg != NULL)
		return pgstore_claim(st->pg, executor, now, lease_ms, lease, out,
		    err);

	if (sql_lock(st, err) == -1)
		return -1;
	if ((pick = sql_prep(st, sql_claim_pick, err)) == NULL)
		goto out;
	/*
	 * Look before taking the write lock: an executor that finished a
	 * job claims again at once, and the queue is empty as often as not.
	 * A job queued after this look wakes the executors (job_fd), so the
	 * empty answer loses nothing.
	 */
	if ((found = claim_pick(st, pick, err)) != 1) {
		rc = found;
		goto out;
	}
	sql_done(pick);
	if (sql_begin_write(st, err) == -1 ||
	    (mark = sql_prep(st, sql_claim_mark, err)) == NULL ||
	    (get = sql_prep(st, sql_get_by_id, err)) == NULL)
		goto out;
	if ((found = claim_pick(st, pick, err)) != 1) {
		/* an empty queue: out ends the (unused) transaction */
		rc = found;
		goto out;
	}
	id = sqlite3_column_int64(pick, 0);
	sql_done(pick);

	sqlite3_bind_int64(mark, 1, id);
	sqlite3_bind_int(mark, 2, executor);
	sqlite3_bind_int64(mark, 3, now);
	sqlite3_bind_int64(mark, 4, now + lease_ms);
	if (sql_step_done(st, mark, "claim", err) == -1)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		err_set(err, "claim: submission %lld vanished", (long long)id);
		goto out;
	}

	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		sql_err(st, err, "claim: read back");
		goto out;
	}
	if (sub_load(st, get, &s, err) == -1)
		goto out;
	sql_done(get);
	get = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	lease->job = id;
	lease->attempt = s->attempts;
	lease->until_ms = now + lease_ms;
	*out = s;
	s = NULL;
	rc = 1;
out:
	sql_done(pick);
	sql_done(mark);
	sql_done(get);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	submission_free(s);
	return rc;
}

/*
 * ?3 is the test being run, or NULL to leave the progress note as it is.
 * attempts fences off a holder whose job was requeued.
 */
static const char sql_renew[] =
    "UPDATE submissions SET lease_until_ms = ?2, "
    "progress = coalesce(?3, progress) "
    "WHERE id = ?1 AND attempts = ?4 AND status = 2";

int
store_renew(struct store *st, struct store_lease *lease, int64_t lease_ms,
    struct err *err)
{
	return store_progress(st, lease, -1, lease_ms, err);
}

int
store_progress(struct store *st, struct store_lease *lease, int test,
    int64_t lease_ms, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 now;
	int		 rc = -1;

	now = util_now_ms();
	if (lease_ms < 0 || lease_ms > INT64_MAX - now)
		return err_set(err, "renew: bad lease %lld ms",
		    (long long)lease_ms);
	if (st->pg != NULL)
		return pgstore_progress(st->pg, lease, test, now + lease_ms,
		    err);

	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_begin_write(st, err) == -1 ||
	    (stmt = sql_prep(st, sql_renew, err)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, lease->job);
	sqlite3_bind_int64(stmt, 2, now + lease_ms);
	if (test >= 0)
		sqlite3_bind_int(stmt, 3, test);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_int(stmt, 4, lease->attempt);
	if (sql_step_done(st, stmt, "renew", err) == -1)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		err_set(err, "renew: submission %lld is not running under "
		    "this lease", (long long)lease->job);
		goto out;
	}
	sql_done(stmt);
	stmt = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	lease->until_ms = now + lease_ms;
	rc = 0;
out:
	sql_done(stmt);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* attempts fences off a holder whose job was requeued */
static const char sql_finish[] =
    "UPDATE submissions SET status = ?3, message = ?4, "
    "compile_output = ?5, time_s = ?6, wall_time_s = ?7, "
    "memory_kb = ?8, finished_ms = ?9, lease_until_ms = NULL, "
    "compiles = ?10 "
    "WHERE id = ?1 AND attempts = ?2 AND status = 2";

static const char sql_delete_results[] =
    "DELETE FROM test_results WHERE submission_id = ?1";

static const char sql_insert_result[] =
    "INSERT INTO test_results (submission_id, idx, status, message, "
    "stdout, stdout_truncated, stderr, stderr_truncated, time_s, "
    "wall_time_s, memory_kb, exit_code, exit_signal) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

int
store_finish(struct store *st, const struct store_lease *lease,
    const struct submission *s, struct err *err)
{
	const struct judge_test_result	*r;
	sqlite3_stmt			*fin = NULL, *del = NULL;
	sqlite3_stmt			*ins = NULL;
	size_t				 i;
	int				 rc = -1;

	if (s->status < JS_AC || s->status > JS_MAX)
		return err_set(err, "finish: status %d is not final",
		    s->status);
	if (s->id != lease->job)
		return err_set(err, "finish: submission %lld is not the "
		    "leased one (%lld)", (long long)s->id,
		    (long long)lease->job);
	if (st->pg != NULL)
		return pgstore_finish(st->pg, lease, s, util_now_ms(), err);

	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_begin_write(st, err) == -1 ||
	    (fin = sql_prep(st, sql_finish, err)) == NULL ||
	    (del = sql_prep(st, sql_delete_results, err)) == NULL ||
	    (ins = sql_prep(st, sql_insert_result, err)) == NULL)
		goto out;
	if (sqlite3_bind_int64(fin, 1, lease->job) != SQLITE_OK ||
	    sqlite3_bind_int(fin, 2, lease->attempt) != SQLITE_OK ||
	    sqlite3_bind_int(fin, 3, s->status) != SQLITE_OK ||
	    sql_bind_msg(fin, 4, s->message, sizeof(s->message)) != SQLITE_OK ||
	    sql_bind_bytes(fin, 5, s->compile_output, s->compile_output_len) !=
	    SQLITE_OK ||
	    sqlite3_bind_double(fin, 6, s->time_s) != SQLITE_OK ||
	    sqlite3_bind_double(fin, 7, s->wall_time_s) != SQLITE_OK ||
	    sqlite3_bind_int64(fin, 8, s->memory_kb) != SQLITE_OK ||
	    sqlite3_bind_int64(fin, 9, util_now_ms()) != SQLITE_OK ||
	    sqlite3_bind_int(fin, 10, s->compiles) != SQLITE_OK) {
		sql_err(st, err, "finish: bind");
		goto out;
	}
	if (sql_step_done(st, fin, "finish", err) == -1)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		err_set(err, "finish: submission %lld is not running under "
		    "this lease", (long long)s->id);
		goto out;
	}
	sqlite3_bind_int64(del, 1, s->id);
	if (sql_step_done(st, del, "finish: delete results", err) == -1)
		goto out;
	for (i = 0; s->results != NULL && i < s->ntests; i++) {
		r = &s->results[i];
		if (sqlite3_bind_int64(ins, 1, s->id) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 2, (int64_t)i) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 3, r->status) != SQLITE_OK ||
		    sql_bind_msg(ins, 4, r->message, sizeof(r->message)) !=
		    SQLITE_OK ||
		    sql_bind_bytes(ins, 5, r->stdout_data, r->stdout_len) !=
		    SQLITE_OK ||
		    sqlite3_bind_int(ins, 6, r->stdout_truncated != 0) !=
		    SQLITE_OK ||
		    sql_bind_bytes(ins, 7, r->stderr_data, r->stderr_len) !=
		    SQLITE_OK ||
		    sqlite3_bind_int(ins, 8, r->stderr_truncated != 0) !=
		    SQLITE_OK ||
		    sqlite3_bind_double(ins, 9, r->time_s) != SQLITE_OK ||
		    sqlite3_bind_double(ins, 10, r->wall_time_s) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 11, r->memory_kb) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 12, r->exit_code) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 13, r->exit_signal) != SQLITE_OK) {
			sql_err(st, err, "finish: result %zu: bind", i);
			goto out;
		}
		if (sql_step_done(st, ins, "finish: insert result", err) == -1)
			goto out;
		sql_done(ins);
	}
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	rc = 0;
out:
	sql_done(fin);
	sql_done(del);
	sql_done(ins);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static const char sql_lease_held[] =
    "SELECT count(*) FROM submissions "
    "WHERE id = ?2 AND attempts = ?3 AND status = 2";

int
store_lease_held(struct store *st, const struct store_lease *lease,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	if (st->pg != NULL)
		return pgstore_lease_held(st->pg, lease, err);
	pthread_mutex_lock(&st->mu);
	if ((stmt = sql_prep(st, sql_lease_held, err)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 2, lease->job);
	sqlite3_bind_int(stmt, 3, lease->attempt);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "lease: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = sqlite3_column_int(stmt, 0) > 0;
out:
	sql_done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/*
 * ?1 max_attempts, ?2 now, ?3 message prefix, ?4 executor (< 0: any),
 * ?5 lease deadline (NULL: any).  The right-hand sides all see the
 * old row, so "attempts + 1" is the new count everywhere.
 */
static const char sql_requeue[] =
    "UPDATE submissions SET "
    "attempts = attempts + 1, "
    "status = CASE WHEN attempts + 1 >= ?1 THEN 13 ELSE 1 END, "
    "message = CASE WHEN attempts + 1 >= ?1 "
    "    THEN ?3 || ' ' || (attempts + 1) || ' times' "
    "    ELSE message END, "
    "started_ms = CASE WHEN attempts + 1 >= ?1 THEN started_ms END, "
    "finished_ms = CASE WHEN attempts + 1 >= ?1 THEN ?2 END, "
    "executor = CASE WHEN attempts + 1 >= ?1 THEN executor END, "
    "lease_until_ms = NULL "
    "WHERE status = 2 AND (?4 < 0 OR executor = ?4) "
    "AND (?5 IS NULL OR lease_until_ms < ?5)";

/*
 * Requeues the running jobs of executor (< 0: any) whose lease ended
 * before deadline_ms (< 0: any lease); see store_requeue.  One UPDATE,
 * in a transaction only so that the wait for the lock is ours
 * (sql_begin_write).
 */
static int
requeue(struct store *st, int executor, int64_t deadline_ms,
    int max_attempts, const char *why, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1, n;

	if (st->pg != NULL)
		return pgstore_requeue(st->pg, executor, deadline_ms,
		    max_attempts, util_now_ms(), err);
	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_begin_write(st, err) == -1 ||
	    (stmt = sql_prep(st, sql_requeue, err)) == NULL)
		goto out;
	sqlite3_bind_int(stmt, 1, max_attempts);
	sqlite3_bind_int64(stmt, 2, util_now_ms());
	sqlite3_bind_text(stmt, 3, why, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, executor);
	if (deadline_ms >= 0)
		sqlite3_bind_int64(stmt, 5, deadline_ms);
	if (sql_step_done(st, stmt, "requeue", err) == -1)
		goto out;
	n = sqlite3_changes(st->db);
	sql_done(stmt);
	stmt = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	if ((rc = n) > 0)
		log_debug("store: requeued %d job(s) (%s)", rc, why);
out:
	sql_done(stmt);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_requeue(struct store *st, int executor, int max_attempts,
    struct err *err)
{
	return requeue(st, executor, -1, max_attempts, "executor died", err);
}

/* a read: the periodic sweep takes no write lock when all is well */
static const char sql_expired_any[] =
    "SELECT count(*) FROM (SELECT 1 FROM submissions "
    "WHERE status = 2 AND lease_until_ms < ?2 LIMIT 1)";

int
store_requeue_expired(struct store *st, int64_t now_ms, int max_attempts,
    struct err *err)
{
	int64_t	any;

	if (now_ms < 0)
		return err_set(err, "requeue: bad time %lld",
		    (long long)now_ms);
	if (st->pg != NULL)
		return requeue(st, -1, now_ms, max_attempts, "lease expired",
		    err);
	if ((any = sql_int64(st, sql_expired_any, NULL, now_ms, "requeue",
	    err)) <= 0)
		return (int)any;
	return requeue(st, -1, now_ms, max_attempts, "lease expired", err);
}

static const char sql_queue_depth[] =
    "SELECT count(*) FROM submissions "
    "WHERE status = 1 AND (?1 IS NULL OR owner = ?1)";

int64_t
store_queue_depth(struct store *st, const char *owner, struct err *err)
{
	if (st->pg != NULL)
		return pgstore_queue_depth(st->pg, owner, err);
	return sql_int64(st, sql_queue_depth, owner, 0, "queue depth", err);
}

/* the claim order is status = 1 ORDER BY id: index submissions_status */
static const char sql_queue_ahead[] =
    "SELECT count(*) FROM submissions WHERE status = 1 AND id < ?2";

int64_t
store_queue_ahead(struct store *st, int64_t id, struct err *err)
{
	if (st->pg != NULL)
		return pgstore_queue_ahead(st->pg, id, err);
	return sql_int64(st, sql_queue_ahead, NULL, id, "queue ahead", err);
}

static const char sql_status[] =
    "SELECT status FROM submissions WHERE token = ?1";

int
store_status(struct store *st, const char *token, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1, step;

	if (st->pg != NULL)
		return pgstore_status(st->pg, token, err);
	if (sql_lock(st, err) == -1)
		return -1;
	if ((stmt = sql_prep(st, sql_status, err)) == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = sqlite3_column_int(stmt, 0);
	else if (step == SQLITE_DONE)
		rc = 0;
	else
		sql_err(st, err, "status");
out:
	sql_done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
