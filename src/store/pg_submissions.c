/*
 * Submissions in the PostgreSQL store: insert (with an Idempotency-Key
 * and a callback URL in the same transaction), get, delete, prune, and
 * the readers that turn rows into a struct submission for get and claim.
 * See the theory block of pg.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store.h"
#include "pg_int.h"
#include "argv.h"

#define PRUNE_BATCH	256	/* submissions per prune transaction */

int
pgs_sub_row(const PGresult *res, struct submission **out, struct err *err)
{
	struct submission	*s = NULL;
	char			 compare[16], *argv = NULL;
	size_t			 argv_len = 0;
	int			 rc = -1;

	if (PQntuples(res) != 1 || PQnfields(res) != SC_NCOLS)
		return err_set(err, "submission: %d rows of %d columns",
		    PQntuples(res), PQnfields(res));
	if ((s = submission_new()) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	s->id = pgs_get_int64(res, 0, SC_ID);
	pgs_get_msg(res, 0, SC_TOKEN, s->token, sizeof(s->token));
	if (pgs_get_str_nn(res, 0, SC_OWNER, &s->owner, err) == -1 ||
	    pgs_get_bytes(res, 0, SC_SOURCE, 0, &s->source, &s->source_len,
	    err) == -1)
		goto out;
	s->lang_id = pgs_get_int(res, 0, SC_LANG);
	s->lim.cpu_time_s = pgs_get_double(res, 0, SC_CPU);
	s->lim.cpu_extra_s = pgs_get_double(res, 0, SC_EXTRA);
	s->lim.wall_time_s = pgs_get_double(res, 0, SC_WALL);
	s->lim.memory_kb = pgs_get_int64(res, 0, SC_MEM);
	s->lim.stack_kb = pgs_get_int64(res, 0, SC_STACK);
	s->lim.max_file_kb = pgs_get_int64(res, 0, SC_FILE);
	s->lim.max_procs = pgs_get_int64(res, 0, SC_PROCS);
	s->lim.output_bytes = pgs_get_int64(res, 0, SC_OUTPUT);
	s->redirect_stderr = pgs_get_int(res, 0, SC_REDIRECT);
	s->status = pgs_get_int(res, 0, SC_STATUS);
	pgs_get_msg(res, 0, SC_MESSAGE, s->message, sizeof(s->message));
	if (pgs_get_bytes(res, 0, SC_COMPILE, 1, &s->compile_output,
	    &s->compile_output_len, err) == -1)
		goto out;
	s->time_s = pgs_get_double(res, 0, SC_TIME);
	s->wall_time_s = pgs_get_double(res, 0, SC_WALL_TIME);
	s->memory_kb = pgs_get_int64(res, 0, SC_MEMORY);
	s->created_ms = pgs_get_int64(res, 0, SC_CREATED);
	s->started_ms = pgs_get_int64(res, 0, SC_STARTED);
	s->finished_ms = pgs_get_int64(res, 0, SC_FINISHED);
	s->attempts = pgs_get_int(res, 0, SC_ATTEMPTS);
	pgs_get_msg(res, 0, SC_COMPARE, compare, sizeof(compare));
	if ((s->compare = judge_compare_parse(compare)) < 0)
		s->compare = JC_TRIM;
	s->abs_eps = pgs_get_double(res, 0, SC_ABS_EPS);
	s->rel_eps = pgs_get_double(res, 0, SC_REL_EPS);
	s->stop_on_failure = pgs_get_int(res, 0, SC_STOP);
	s->number_of_runs = pgs_get_int(res, 0, SC_RUNS);
	s->compiles = pgs_get_int(res, 0, SC_COMPILES);
	s->progress = pgs_get_int(res, 0, SC_PROGRESS);
	if (pgs_get_str(res, 0, SC_COPTS, &s->compiler_options, err) == -1 ||
	    pgs_get_str(res, 0, SC_ARGS, &s->command_line_arguments,
	    err) == -1 ||
	    pgs_get_bytes(res, 0, SC_ZIP, 1, &s->additional_files,
	    &s->additional_files_len, err) == -1 ||
	    pgs_get_bytes(res, 0, SC_ARGV, 1, &argv, &argv_len, err) == -1 ||
	    argv_unpack(argv, argv_len, s, err) == -1)
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	free(argv);
	submission_free(s);
	return rc;
}

int
pgs_sub_tests(const PGresult *res, struct submission *s, struct err *err)
{
	struct judge_test	*t;
	int			 n = PQntuples(res), i;

	if (n == 0)
		return 0;
	if ((s->tests = calloc((size_t)n, sizeof(*s->tests))) == NULL ||
	    (s->results = calloc((size_t)n, sizeof(*s->results))) == NULL)
		return err_errno(err, "calloc");
	s->ntests = (size_t)n;
	for (i = 0; i < n; i++) {
		/* insert numbers them 0 .. n-1; anything else is damage */
		if (pgs_get_int64(res, i, 0) != i)
			return err_set(err, "submission %lld: tests out of "
			    "sequence", (long long)s->id);
		t = &s->tests[i];
		if (pgs_get_bytes(res, i, 1, 0, &t->stdin_data, &t->stdin_len,
		    err) == -1 ||
		    pgs_get_bytes(res, i, 2, 1, &t->expected, &t->expected_len,
		    err) == -1)
			return -1;
	}
	return 0;
}

int
pgs_sub_files(const PGresult *res, struct submission *s, struct err *err)
{
	struct judge_file	*f;
	int			 n = PQntuples(res), i;

	if (n == 0)
		return 0;
	if ((f = reallocarray(s->files, s->nfiles + (size_t)n,
	    sizeof(*f))) == NULL)
		return err_errno(err, "reallocarray");
	s->files = f;
	for (i = 0; i < n; i++) {
		f = &s->files[s->nfiles];
		memset(f, 0, sizeof(*f));
		s->nfiles++;
		if (pgs_get_str_nn(res, i, 0, &f->name, err) == -1 ||
		    pgs_get_bytes(res, i, 1, 0, &f->content, &f->len,
		    err) == -1)
			return -1;
	}
	return 0;
}

static const char sql_get_results[] =
    "SELECT idx, status, message, stdout, stdout_truncated, stderr, "
    "stderr_truncated, time_s, wall_time_s, memory_kb, exit_code, "
    "exit_signal FROM test_results WHERE submission_id = $1 ORDER BY idx";

/* Reads the stored results of s->id into s->results (sized by ntests). */
static int
load_results(struct pgstore *ps, struct submission *s, struct err *err)
{
	struct judge_test_result	*r;
	PGresult			*res = NULL;
	struct pgq			 q;
	int64_t				 idx;
	int				 i, rc = -1;

	pgq_init(&q);
	pgq_int64(&q, s->id);
	if ((res = pgs_exec(ps, sql_get_results, &q, "read results",
	    err)) == NULL)
		goto out;
	for (i = 0; i < PQntuples(res); i++) {
		/* the foreign key on tests keeps idx in range */
		idx = pgs_get_int64(res, i, 0);
		if (idx < 0 || (uint64_t)idx >= s->ntests)
			continue;
		r = &s->results[idx];
		r->status = pgs_get_int(res, i, 1);
		pgs_get_msg(res, i, 2, r->message, sizeof(r->message));
		if (pgs_get_bytes(res, i, 3, 1, &r->stdout_data, &r->stdout_len,
		    err) == -1 ||
		    pgs_get_bytes(res, i, 5, 1, &r->stderr_data, &r->stderr_len,
		    err) == -1)
			goto out;
		r->stdout_truncated = pgs_get_int(res, i, 4);
		r->stderr_truncated = pgs_get_int(res, i, 6);
		r->time_s = pgs_get_double(res, i, 7);
		r->wall_time_s = pgs_get_double(res, i, 8);
		r->memory_kb = pgs_get_int64(res, i, 9);
		r->exit_code = pgs_get_int(res, i, 10);
		r->exit_signal = pgs_get_int(res, i, 11);
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static const char sql_idem_get[] =
    "SELECT s.token, s.id, s.created_ms, s.status "
    "FROM idempotency i JOIN submissions s ON s.id = i.submission_id "
    "WHERE i.owner = $1 AND i.key = $2 AND i.created_ms >= $3";

/* As idem_lookup of submissions.c: 1 with s filled, 0, or -1. */
static int
idem_lookup(struct pgstore *ps, const char *key, int64_t since_ms,
    struct submission *s, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 rc = -1;

	pgq_init(&q);
	pgq_text(&q, s->owner);
	pgq_text(&q, key);
	pgq_int64(&q, since_ms);
	if ((res = pgs_exec(ps, sql_idem_get, &q, "idempotency", err)) ==
	    NULL)
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	pgs_get_msg(res, 0, 0, s->token, sizeof(s->token));
	s->id = pgs_get_int64(res, 0, 1);
	s->created_ms = pgs_get_int64(res, 0, 2);
	s->status = pgs_get_int(res, 0, 3);
	rc = 1;
out:
	PQclear(res);
	return rc;
}

/* one command per statement: each returns its own result */
static int
exec_q(struct pgstore *ps, const char *sql, const struct pgq *q,
    const char *what, struct err *err)
{
	PGresult	*res;

	if ((res = pgs_exec(ps, sql, q, what, err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/* an expired row of the same key is replaced */
static const char sql_idem_put[] =
    "INSERT INTO idempotency (owner, key, submission_id, created_ms) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (owner, key) DO UPDATE SET "
    "submission_id = EXCLUDED.submission_id, "
    "created_ms = EXCLUDED.created_ms";

static const char sql_callback_put[] =
    "INSERT INTO callbacks (submission_id, url, base64) "
    "VALUES ($1, $2, $3)";

static const char sql_insert_sub[] =
    "INSERT INTO submissions (token, owner, lang_id, source, "
    "lim_cpu_time_s, lim_cpu_extra_s, lim_wall_time_s, lim_memory_kb, "
    "lim_stack_kb, lim_max_file_kb, lim_max_procs, lim_output_bytes, "
    "redirect_stderr, status, created_ms, compare, abs_eps, "
    "rel_eps, stop_on_failure, number_of_runs, compiler_options, "
    "command_line_arguments, additional_files, argv) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
    "1, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id";

static const char sql_insert_test[] =
    "INSERT INTO tests (submission_id, idx, stdin, expected) "
    "VALUES ($1, $2, $3, $4)";

static const char sql_insert_file[] =
    "INSERT INTO files (submission_id, idx, name, content) "
    "VALUES ($1, $2, $3, $4)";

/* Optional text as bytea (the request's words need not be UTF-8). */
static void
pgq_opt_bytes(struct pgq *q, const char *s)
{
	pgq_bytes(q, s, s != NULL ? strlen(s) : 0);
}

int
pgstore_insert_ex(struct pgstore *ps, struct submission *s,
    const struct store_insert_opts *o, struct err *err)
{
	const struct limits	*l = &s->lim;
	const struct judge_test	*t;
	PGresult		*res = NULL;
	struct pgq		 q;
	struct buf		 argv = { 0 };
	char			 token[37];
	int64_t			 id = 0, now;
	size_t			 i;
	int			 rc = -1;

	pthread_mutex_lock(&ps->mu);
	if (argv_pack(s, &argv, err) == -1 ||
	    util_uuid4(token, err) == -1 || pgs_connected(ps, err) == -1)
		goto out;
	now = util_now_ms();
	if (pgs_cmd(ps, "BEGIN", "begin", err) == -1)
		goto out;
	/*
	 * A concurrent retry with the same key (from any node) waits here
	 * until this transaction ends, then finds it.
	 */
	if (o != NULL && o->idempotency_key != NULL) {
		pgq_init(&q);
		pgq_text(&q, s->owner);
		pgq_text(&q, o->idempotency_key);
		if (exec_q(ps, "SELECT pg_advisory_xact_lock(hashtextextended("
		    "'coderunner key ' || length($1) || ' ' || $1 || $2, 0))",
		    &q, "idempotency: lock", err) == -1)
			goto out;
		switch (idem_lookup(ps, o->idempotency_key,
		    now - o->idempotency_ttl_ms, s, err)) {
		case -1:
			goto out;
		case 1:
			if (pgs_commit(ps, err) == 0)
				rc = 0;
			goto out;
		}
	}
	pgq_init(&q);
	pgq_text(&q, token);
	pgq_text(&q, s->owner);
	pgq_int(&q, s->lang_id);
	pgq_bytes_nn(&q, s->source, s->source_len);
	pgq_double(&q, l->cpu_time_s);
	pgq_double(&q, l->cpu_extra_s);
	pgq_double(&q, l->wall_time_s);
	pgq_int64(&q, l->memory_kb);
	pgq_int64(&q, l->stack_kb);
	pgq_int64(&q, l->max_file_kb);
	pgq_int64(&q, l->max_procs);
	pgq_int64(&q, l->output_bytes);
	pgq_int(&q, s->redirect_stderr != 0);
	pgq_int64(&q, now);
	pgq_text(&q, judge_compare_name(s->compare));
	pgq_double(&q, s->abs_eps);
	pgq_double(&q, s->rel_eps);
	pgq_int(&q, s->stop_on_failure != 0);
	pgq_int(&q, s->number_of_runs);
	pgq_opt_bytes(&q, s->compiler_options);
	pgq_opt_bytes(&q, s->command_line_arguments);
	pgq_bytes(&q, s->additional_files, s->additional_files_len);
	pgq_bytes(&q, argv.data, argv.len);
	if ((res = pgs_exec(ps, sql_insert_sub, &q, "insert", err)) == NULL)
		goto out;
	id = pgs_get_int64(res, 0, 0);
	PQclear(res);
	res = NULL;
	for (i = 0; i < s->ntests; i++) {
		t = &s->tests[i];
		pgq_init(&q);
		pgq_int64(&q, id);
		pgq_int(&q, (int)i);
		pgq_bytes_nn(&q, t->stdin_data, t->stdin_len);
		pgq_bytes(&q, t->expected, t->expected_len);
		if (exec_q(ps, sql_insert_test, &q, "insert test", err) == -1)
			goto out;
	}
	for (i = 0; i < s->nfiles; i++) {
		pgq_init(&q);
		pgq_int64(&q, id);
		pgq_int(&q, (int)i);
		pgq_text(&q, s->files[i].name);
		pgq_bytes_nn(&q, s->files[i].content, s->files[i].len);
		if (exec_q(ps, sql_insert_file, &q, "insert file", err) == -1)
			goto out;
	}
	if (o != NULL && o->idempotency_key != NULL) {
		pgq_init(&q);
		pgq_text(&q, s->owner);
		pgq_text(&q, o->idempotency_key);
		pgq_int64(&q, id);
		pgq_int64(&q, now);
		if (exec_q(ps, sql_idem_put, &q, "idempotency", err) == -1)
			goto out;
	}
	if (o != NULL && o->callback_url != NULL) {
		pgq_init(&q);
		pgq_int64(&q, id);
		pgq_text(&q, o->callback_url);
		pgq_int(&q, o->callback_base64 != 0);
		if (exec_q(ps, sql_callback_put, &q, "callback", err) == -1)
			goto out;
	}
	if (pgs_commit(ps, err) == -1)
		goto out;
	memcpy(s->token, token, sizeof(s->token));
	s->id = id;
	s->created_ms = now;
	s->status = JS_QUEUE;
	s->attempts = 0;
	rc = 1;
out:
	PQclear(res);
	pgs_rollback(ps);
	pthread_mutex_unlock(&ps->mu);
	buf_reset(&argv);
	return rc;
}

int
pgstore_idempotent(struct pgstore *ps, struct submission *s,
    const char *key, int64_t since_ms, struct err *err)
{
	int	rc = -1;

	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == 0)
		rc = idem_lookup(ps, key, since_ms, s, err);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

static const char sql_get_by_token[] =
    "SELECT " SUB_COLS " FROM submissions "
    "WHERE token = $1 AND ($2::text IS NULL OR owner = $2)";

static const char sql_get_tests[] =
    "SELECT idx, stdin, expected FROM tests WHERE submission_id = $1 "
    "ORDER BY idx";

static const char sql_get_files[] =
    "SELECT name, content FROM files WHERE submission_id = $1 "
    "ORDER BY idx";

int
pgstore_get(struct pgstore *ps, const char *token, const char *owner,
    struct submission **out, struct err *err)
{
	struct submission	*s = NULL;
	PGresult		*res = NULL;
	struct pgq		 q;
	int			 rc = -1;

	*out = NULL;
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 || pgs_cmd(ps, "BEGIN ISOLATION "
	    "LEVEL REPEATABLE READ READ ONLY", "begin", err) == -1)
		goto out;
	pgq_init(&q);
	pgq_text(&q, token);
	pgq_text(&q, owner);
	if ((res = pgs_exec(ps, sql_get_by_token, &q, "get", err)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	if (pgs_sub_row(res, &s, err) == -1)
		goto out;
	PQclear(res);
	pgq_init(&q);
	pgq_int64(&q, s->id);
	if ((res = pgs_exec(ps, sql_get_tests, &q, "read tests", err)) ==
	    NULL || pgs_sub_tests(res, s, err) == -1)
		goto out;
	PQclear(res);
	if ((res = pgs_exec(ps, sql_get_files, &q, "files", err)) == NULL ||
	    pgs_sub_files(res, s, err) == -1 ||
	    load_results(ps, s, err) == -1 || pgs_commit(ps, err) == -1)
		goto out;
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
pgstore_delete(struct pgstore *ps, const char *token, const char *owner,
    int *status, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int64_t		 id;
	int		 rc = -1;

	*status = 0;
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    pgs_cmd(ps, "BEGIN", "begin", err) == -1)
		goto out;
	pgq_init(&q);
	pgq_text(&q, token);
	pgq_text(&q, owner);
	/* the row lock keeps an executor from finishing it meanwhile */
	if ((res = pgs_exec(ps, "SELECT id, status FROM submissions "
	    "WHERE token = $1 AND ($2::text IS NULL OR owner = $2) "
	    "FOR UPDATE", &q, "delete", err)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	id = pgs_get_int64(res, 0, 0);
	*status = pgs_get_int(res, 0, 1);
	if (!judge_status_is_final(*status)) {
		rc = 0;
		goto out;
	}
	/* the tests, results, files, key and callback go with it */
	pgq_init(&q);
	pgq_int64(&q, id);
	if (exec_q(ps, "DELETE FROM submissions WHERE id = $1", &q,
	    "delete", err) == -1 || pgs_commit(ps, err) == -1)
		goto out;
	rc = 1;
out:
	PQclear(res);
	pgs_rollback(ps);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

/* the tests and results go with them (ON DELETE CASCADE) */
/* the oldest first: max_db_bytes prunes from the oldest end */
static const char sql_prune[] =
    "DELETE FROM submissions WHERE id IN (SELECT id FROM submissions "
    "WHERE finished_ms < $1 AND status >= 3 ORDER BY id LIMIT $2)";

int
pgstore_prune_batch(struct pgstore *ps, int64_t older_than_ms, int max,
    struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 n = -1;

	pgq_init(&q);
	pgq_int64(&q, older_than_ms);
	pgq_int(&q, max);
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == 0 &&
	    (res = pgs_exec(ps, sql_prune, &q, "prune", err)) != NULL)
		n = atoi(PQcmdTuples(res));
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return n;
}

int
pgstore_prune(struct pgstore *ps, int64_t older_than_ms, struct err *err)
{
	int	total = 0, n;

	/* one batch per statement: the lock is free between them */
	do {
		if ((n = pgstore_prune_batch(ps, older_than_ms, PRUNE_BATCH,
		    err)) == -1)
			return -1;
		total += n;
	} while (n > 0);
	if (total > 0)
		log_debug("store: pruned %d submission(s)", total);
	return total;
}
