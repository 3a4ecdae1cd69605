/*
 * The job queue of queue.h over PostgreSQL: calls of the schema's queue
 * functions (sql/pg/schema.sql), which an executor-only node's role may
 * call and nothing else.  The claim, the job's tests and files are one
 * transaction (the claimed row stays locked until it ends); so are the
 * results and the verdict of a finish.  A lease is (job, attempt); see
 * the theory block of pg.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/err.h"
#include "base/log.h"
#include "judge/judge.h"
#include "queue.h"
#include "pg_int.h"

int
pgstore_set_node(struct pgstore *ps, const char *node, struct err *err)
{
	char	*n;

	if ((n = strdup(node != NULL ? node : "")) == NULL)
		return err_errno(err, "strdup");
	pthread_mutex_lock(&ps->mu);
	free(ps->node);
	ps->node = n;
	pthread_mutex_unlock(&ps->mu);
	return 0;
}

static const char sql_claim[] =
    "SELECT " SUB_COLS " FROM queue_claim($1, $2, $3, $4)";

int
pgstore_claim(struct pgstore *ps, int executor, int64_t now_ms,
    int64_t lease_ms, struct store_lease *lease, struct submission **out,
    struct err *err)
{
	struct submission	*s = NULL;
	PGresult		*res = NULL;
	struct pgq		 q;
	int			 rc = -1;

	*out = NULL;
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    pgs_cmd(ps, "BEGIN", "begin", err) == -1)
		goto out;
	pgq_init(&q);
	pgq_text(&q, ps->node);
	pgq_int(&q, executor);
	pgq_int64(&q, now_ms);
	pgq_int64(&q, lease_ms);
	if ((res = pgs_exec(ps, sql_claim, &q, "claim", err)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		/* an empty queue: out ends the (unused) transaction */
		rc = 0;
		goto out;
	}
	if (pgs_sub_row(res, &s, err) == -1)
		goto out;
	PQclear(res);
	pgq_init(&q);
	pgq_int64(&q, s->id);
	pgq_int(&q, s->attempts);
	if ((res = pgs_exec(ps, "SELECT idx, stdin, expected "
	    "FROM queue_tests($1, $2)", &q, "claim: tests", err)) == NULL ||
	    pgs_sub_tests(res, s, err) == -1)
		goto out;
	PQclear(res);
	if ((res = pgs_exec(ps, "SELECT name, content FROM queue_files($1, $2)",
	    &q, "claim: files", err)) == NULL ||
	    pgs_sub_files(res, s, err) == -1 || pgs_commit(ps, err) == -1)
		goto out;
	lease->job = s->id;
	lease->attempt = s->attempts;
	lease->until_ms = now_ms + lease_ms;
	*out = s;
	s = NULL;
	rc = 1;
out:
	PQclear(res);
	pgs_rollback(ps);
	pthread_mutex_unlock(&ps->mu);
	submission_free(s);
	return rc;
}

int
pgstore_progress(struct pgstore *ps, struct store_lease *lease, int test,
    int64_t until_ms, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 rc = -1;

	pgq_init(&q);
	pgq_int64(&q, lease->job);
	pgq_int(&q, lease->attempt);
	pgq_int64(&q, until_ms);
	if (test >= 0)
		pgq_int(&q, test);
	else
		pgq_null_int(&q);
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, "SELECT queue_renew($1, $2, $3, $4)", &q,
	    "renew", err)) == NULL)
		goto out;
	if (!pgs_get_int(res, 0, 0)) {
		err_set(err, "renew: submission %lld is not running under "
		    "this lease", (long long)lease->job);
		goto out;
	}
	lease->until_ms = until_ms;
	rc = 0;
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

static const char sql_result[] =
    "SELECT queue_result($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
    "$12, $13, $14)";

static const char sql_finish[] =
    "SELECT queue_finish($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/* The lease was not ours: say so, once, where it is decided. */
static int
lease_lost(const struct submission *s, struct err *err)
{
	return err_set(err, "finish: submission %lld is not running under "
	    "this lease", (long long)s->id);
}

int
pgstore_finish(struct pgstore *ps, const struct store_lease *lease,
    const struct submission *s, int64_t now_ms, struct err *err)
{
	const struct judge_test_result	*r;
	PGresult			*res = NULL;
	struct pgq			 q;
	size_t				 i, n;
	int				 rc = -1;

	n = s->results != NULL ? s->ntests : 0;
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    pgs_cmd(ps, "BEGIN", "begin", err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		r = &s->results[i];
		pgq_init(&q);
		pgq_int64(&q, lease->job);
		pgq_int(&q, lease->attempt);
		pgq_int(&q, (int)i);
		pgq_int(&q, r->status);
		pgq_msg(&q, r->message, sizeof(r->message));
		pgq_bytes(&q, r->stdout_data, r->stdout_len);
		pgq_int(&q, r->stdout_truncated != 0);
		pgq_bytes(&q, r->stderr_data, r->stderr_len);
		pgq_int(&q, r->stderr_truncated != 0);
		pgq_double(&q, r->time_s);
		pgq_double(&q, r->wall_time_s);
		pgq_int64(&q, r->memory_kb);
		pgq_int(&q, r->exit_code);
		pgq_int(&q, r->exit_signal);
		if ((res = pgs_exec(ps, sql_result, &q, "finish: result",
		    err)) == NULL)
			goto out;
		if (!pgs_get_int(res, 0, 0)) {
			lease_lost(s, err);
			goto out;
		}
		PQclear(res);
		res = NULL;
	}
	pgq_init(&q);
	pgq_int64(&q, lease->job);
	pgq_int(&q, lease->attempt);
	pgq_int(&q, s->status);
	pgq_msg(&q, s->message, sizeof(s->message));
	pgq_bytes(&q, s->compile_output, s->compile_output_len);
	pgq_double(&q, s->time_s);
	pgq_double(&q, s->wall_time_s);
	pgq_int64(&q, s->memory_kb);
	pgq_int64(&q, now_ms);
	pgq_int(&q, s->compiles);
	pgq_int(&q, (int)n);
	if ((res = pgs_exec(ps, sql_finish, &q, "finish", err)) == NULL)
		goto out;
	if (!pgs_get_int(res, 0, 0)) {
		lease_lost(s, err);
		goto out;
	}
	if (pgs_commit(ps, err) == -1)
		goto out;
	rc = 0;
out:
	PQclear(res);
	pgs_rollback(ps);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

/*
 * Every job has a test, and queue_tests shows the tests of a job only to
 * the holder of its lease: the one question an executor's role may ask.
 */
int
pgstore_lease_held(struct pgstore *ps, const struct store_lease *lease,
    struct err *err)
{
	struct pgq	q;
	int64_t		n;

	pgq_init(&q);
	pgq_int64(&q, lease->job);
	pgq_int(&q, lease->attempt);
	if ((n = pgs_scalar(ps, "SELECT count(*) FROM queue_tests($1, $2)",
	    &q, "lease", err)) == -1)
		return -1;
	return n > 0;
}

int
pgstore_requeue(struct pgstore *ps, int executor, int64_t before_ms,
    int max_attempts, int64_t now_ms, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 rc = -1;

	pgq_init(&q);
	pthread_mutex_lock(&ps->mu);
	if (before_ms < 0) {
		pgq_text(&q, ps->node);
		pgq_int(&q, executor);
		pgq_int(&q, max_attempts);
		pgq_int64(&q, now_ms);
		if (pgs_connected(ps, err) == 0)
			res = pgs_exec(ps, "SELECT queue_requeue($1, $2, $3, $4)",
			    &q, "requeue", err);
	} else {
		pgq_int64(&q, before_ms);
		pgq_int(&q, max_attempts);
		pgq_int64(&q, now_ms);
		if (pgs_connected(ps, err) == 0)
			res = pgs_exec(ps, "SELECT queue_requeue_expired($1, "
			    "$2, $3)", &q, "requeue", err);
	}
	if (res != NULL) {
		rc = pgs_get_int(res, 0, 0);
		if (rc > 0)
			log_debug("store: requeued %d job(s) (%s)", rc,
			    before_ms < 0 ? "executor died" : "lease expired");
	}
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

int64_t
pgstore_queue_depth(struct pgstore *ps, const char *owner, struct err *err)
{
	struct pgq	q;

	pgq_init(&q);
	pgq_text(&q, owner);
	return pgs_scalar(ps, "SELECT count(*) FROM submissions "
	    "WHERE status = 1 AND ($1::text IS NULL OR owner = $1)", &q,
	    "queue depth", err);
}

/* the claim order is status = 1 ORDER BY id: index submissions_status */
int64_t
pgstore_queue_ahead(struct pgstore *ps, int64_t id, struct err *err)
{
	struct pgq	q;

	pgq_init(&q);
	pgq_int64(&q, id);
	return pgs_scalar(ps, "SELECT count(*) FROM submissions "
	    "WHERE status = 1 AND id < $1", &q, "queue ahead", err);
}

int
pgstore_status(struct pgstore *ps, const char *token, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 rc = -1;

	pgq_init(&q);
	pgq_text(&q, token);
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, "SELECT status FROM submissions "
	    "WHERE token = $1", &q, "status", err)) == NULL)
		goto out;
	rc = PQntuples(res) == 0 ? 0 : pgs_get_int(res, 0, 0);
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}
