/*
 * Submissions in the SQLite store: insert (with an Idempotency-Key and a
 * callback URL in the same transaction), get, delete, prune, and the
 * loader that turns a row into a struct submission for store_get and
 * store_claim.  See the theory block of store.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store.h"
#include "store_int.h"
#include "argv.h"
#define PG_WEAK_REFS	/* see pg_int.h */
#include "pg_int.h"

#define PRUNE_BATCH	256	/* submissions per prune transaction */

static const char sql_count_tests[] =
    "SELECT count(*) FROM tests WHERE submission_id = ?1";

static const char sql_get_tests[] =
    "SELECT idx, stdin, expected FROM tests "
    "WHERE submission_id = ?1 ORDER BY idx";

/* Reads the tests of s->id into s->tests and sizes s->results to match. */
static int
load_tests(struct store *st, struct submission *s, struct err *err)
{
	struct judge_test	*t;
	sqlite3_stmt		*count = NULL, *rows = NULL;
	int64_t			 n;
	size_t			 i = 0;
	int			 rc = -1, step;

	if ((count = sql_prep(st, sql_count_tests, err)) == NULL)
		goto out;
	sqlite3_bind_int64(count, 1, s->id);
	if (sqlite3_step(count) != SQLITE_ROW) {
		sql_err(st, err, "count tests");
		goto out;
	}
	if ((n = sqlite3_column_int64(count, 0)) == 0) {
		rc = 0;
		goto out;
	}
	if ((s->tests = calloc((size_t)n, sizeof(*s->tests))) == NULL ||
	    (s->results = calloc((size_t)n, sizeof(*s->results))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	s->ntests = (size_t)n;

	if ((rows = sql_prep(st, sql_get_tests, err)) == NULL)
		goto out;
	sqlite3_bind_int64(rows, 1, s->id);
	while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
		/* insert numbers them 0 .. n-1; anything else is damage */
		if (i >= s->ntests ||
		    sqlite3_column_int64(rows, 0) != (int64_t)i) {
			err_set(err, "submission %lld: tests out of sequence",
			    (long long)s->id);
			goto out;
		}
		t = &s->tests[i++];
		if (sql_col_bytes(rows, 1, 0, &t->stdin_data, &t->stdin_len,
		    err) == -1 ||
		    sql_col_bytes(rows, 2, 1, &t->expected, &t->expected_len,
		    err) == -1)
			goto out;
	}
	if (step != SQLITE_DONE) {
		sql_err(st, err, "read tests");
		goto out;
	}
	if (i != s->ntests) {
		err_set(err, "submission %lld: tests out of sequence",
		    (long long)s->id);
		goto out;
	}
	rc = 0;
out:
	sql_done(count);
	sql_done(rows);
	return rc;
}

static const char sql_get_results[] =
    "SELECT idx, status, message, stdout, stdout_truncated, stderr, "
    "stderr_truncated, time_s, wall_time_s, memory_kb, exit_code, "
    "exit_signal FROM test_results "
    "WHERE submission_id = ?1 ORDER BY idx";

/* Reads the stored results of s->id into s->results (sized by ntests). */
static int
load_results(struct store *st, struct submission *s, struct err *err)
{
	struct judge_test_result	*r;
	sqlite3_stmt			*rows = NULL;
	int64_t				 idx;
	int				 rc = -1, step;

	if ((rows = sql_prep(st, sql_get_results, err)) == NULL)
		goto out;
	sqlite3_bind_int64(rows, 1, s->id);
	while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
		/* the foreign key on tests keeps idx in range */
		idx = sqlite3_column_int64(rows, 0);
		if (idx < 0 || (uint64_t)idx >= s->ntests)
			continue;
		r = &s->results[idx];
		r->status = sqlite3_column_int(rows, 1);
		sql_col_msg(rows, 2, r->message, sizeof(r->message));
		if (sql_col_bytes(rows, 3, 1, &r->stdout_data, &r->stdout_len,
		    err) == -1 ||
		    sql_col_bytes(rows, 5, 1, &r->stderr_data, &r->stderr_len,
		    err) == -1)
			goto out;
		r->stdout_truncated = sqlite3_column_int(rows, 4);
		r->stderr_truncated = sqlite3_column_int(rows, 6);
		r->time_s = sqlite3_column_double(rows, 7);
		r->wall_time_s = sqlite3_column_double(rows, 8);
		r->memory_kb = sqlite3_column_int64(rows, 9);
		r->exit_code = sqlite3_column_int(rows, 10);
		r->exit_signal = sqlite3_column_int(rows, 11);
	}
	if (step != SQLITE_DONE) {
		sql_err(st, err, "read results");
		goto out;
	}
	rc = 0;
out:
	sql_done(rows);
	return rc;
}

static const char sql_insert_file[] =
    "INSERT INTO files (submission_id, idx, name, content) "
    "VALUES (?1, ?2, ?3, ?4)";

/* Inserts the extra files of s under submission id (in the caller's tx). */
static int
insert_files(struct store *st, int64_t id, const struct submission *s,
    struct err *err)
{
	sqlite3_stmt	*f;
	size_t		 i;

	if (s->nfiles == 0)
		return 0;
	if ((f = sql_prep(st, sql_insert_file, err)) == NULL)
		return -1;
	for (i = 0; i < s->nfiles; i++) {
		if (sqlite3_bind_int64(f, 1, id) != SQLITE_OK ||
		    sqlite3_bind_int64(f, 2, (int64_t)i) != SQLITE_OK ||
		    sqlite3_bind_text(f, 3, s->files[i].name, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sql_bind_bytes_nn(f, 4, s->files[i].content,
		    s->files[i].len) != SQLITE_OK) {
			sql_done(f);
			return sql_err(st, err, "insert file %zu: bind", i);
		}
		if (sql_step_done(st, f, "insert file", err) == -1) {
			sql_done(f);
			return -1;
		}
		sql_done(f);
	}
	return 0;
}

static const char sql_get_files[] =
    "SELECT name, content FROM files WHERE submission_id = ?1 "
    "ORDER BY idx";

/* Reads the extra files of s->id into s->files. */
static int
load_files(struct store *st, struct submission *s, struct err *err)
{
	sqlite3_stmt		*f;
	struct judge_file	*nf;
	int			 step, rc = -1;

	if ((f = sql_prep(st, sql_get_files, err)) == NULL)
		return -1;
	sqlite3_bind_int64(f, 1, s->id);
	while ((step = sqlite3_step(f)) == SQLITE_ROW) {
		if ((nf = realloc(s->files, (s->nfiles + 1) *
		    sizeof(*nf))) == NULL) {
			err_errno(err, "realloc");
			goto out;
		}
		s->files = nf;
		nf = &s->files[s->nfiles];
		memset(nf, 0, sizeof(*nf));
		s->nfiles++;
		if (sql_col_text_nn(f, 0, &nf->name, err) == -1)
			goto out;
		if (sql_col_bytes(f, 1, 0, &nf->content, &nf->len, err) == -1)
			goto out;
	}
	if (step != SQLITE_DONE) {
		sql_err(st, err, "files");
		goto out;
	}
	rc = 0;
out:
	sql_done(f);
	return rc;
}

/* Reads the argv column of row into s->argv (argv.h). */
static int
load_argv(sqlite3_stmt *row, struct submission *s, struct err *err)
{
	char	*p = NULL;
	size_t	 len;
	int	 rc;

	if (sql_col_bytes(row, SC_ARGV, 1, &p, &len, err) == -1)
		return -1;
	rc = argv_unpack(p, len, s, err);
	free(p);
	return rc;
}

/* See store_int.h. */
int
sub_load(struct store *st, sqlite3_stmt *row, struct submission **out,
    struct err *err)
{
	struct submission	*s = NULL;
	const char		*compare;
	int			 rc = -1;

	if ((s = submission_new()) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	s->id = sqlite3_column_int64(row, SC_ID);
	sql_col_msg(row, SC_TOKEN, s->token, sizeof(s->token));
	if (sql_col_text_nn(row, SC_OWNER, &s->owner, err) == -1)
		goto out;
	s->lang_id = sqlite3_column_int(row, SC_LANG);
	if (sql_col_bytes(row, SC_SOURCE, 0, &s->source, &s->source_len,
	    err) == -1)
		goto out;
	s->lim.cpu_time_s = sqlite3_column_double(row, SC_CPU);
	s->lim.cpu_extra_s = sqlite3_column_double(row, SC_EXTRA);
	s->lim.wall_time_s = sqlite3_column_double(row, SC_WALL);
	s->lim.memory_kb = sqlite3_column_int64(row, SC_MEM);
	s->lim.stack_kb = sqlite3_column_int64(row, SC_STACK);
	s->lim.max_file_kb = sqlite3_column_int64(row, SC_FILE);
	s->lim.max_procs = sqlite3_column_int64(row, SC_PROCS);
	s->lim.output_bytes = sqlite3_column_int64(row, SC_OUTPUT);
	s->redirect_stderr = sqlite3_column_int(row, SC_REDIRECT);
	s->status = sqlite3_column_int(row, SC_STATUS);
	sql_col_msg(row, SC_MESSAGE, s->message, sizeof(s->message));
	if (sql_col_bytes(row, SC_COMPILE, 1, &s->compile_output,
	    &s->compile_output_len, err) == -1)
		goto out;
	s->time_s = sqlite3_column_double(row, SC_TIME);
	s->wall_time_s = sqlite3_column_double(row, SC_WALL_TIME);
	s->memory_kb = sqlite3_column_int64(row, SC_MEMORY);
	s->created_ms = sqlite3_column_int64(row, SC_CREATED);
	s->started_ms = sqlite3_column_int64(row, SC_STARTED);
	s->finished_ms = sqlite3_column_int64(row, SC_FINISHED);
	s->attempts = sqlite3_column_int(row, SC_ATTEMPTS);
	compare = (const char *)sqlite3_column_text(row, SC_COMPARE);
	if (compare == NULL || (s->compare = judge_compare_parse(compare)) < 0)
		s->compare = JC_TRIM;
	s->abs_eps = sqlite3_column_double(row, SC_ABS_EPS);
	s->rel_eps = sqlite3_column_double(row, SC_REL_EPS);
	s->stop_on_failure = sqlite3_column_int(row, SC_STOP);
	s->number_of_runs = sqlite3_column_int(row, SC_RUNS);
	s->compiles = sqlite3_column_int(row, SC_COMPILES);
	s->progress = sqlite3_column_int(row, SC_PROGRESS);
	if (sql_col_text_dup(row, SC_COPTS, &s->compiler_options, err) == -1 ||
	    sql_col_text_dup(row, SC_ARGS, &s->command_line_arguments,
	    err) == -1 || sql_col_bytes(row, SC_ZIP, 1, &s->additional_files,
	    &s->additional_files_len, err) == -1 ||
	    load_argv(row, s, err) == -1)
		goto out;
	if (load_tests(st, s, err) == -1 || load_results(st, s, err) == -1 ||
	    load_files(st, s, err) == -1)
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	submission_free(s);
	return rc;
}

static const char sql_idem_get[] =
    "SELECT s.token, s.id, s.created_ms, s.status "
    "FROM idempotency i JOIN submissions s ON s.id = i.submission_id "
    "WHERE i.owner = ?1 AND i.key = ?2 AND i.created_ms >= ?3";

/*
 * The submission owner's earlier use of an Idempotency-Key, created at or
 * after since_ms: fills token, id, created_ms and status of s from it.
 * Returns 1 if there is one, 0 if not, -1 with err set.
 */
static int
idem_lookup(struct store *st, const char *key, int64_t since_ms,
    struct submission *s, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1, step;

	if ((stmt = sql_prep(st, sql_idem_get, err)) == NULL)
		goto out;
	if (sqlite3_bind_text(stmt, 1, s->owner, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, since_ms) != SQLITE_OK) {
		sql_err(st, err, "idempotency: bind");
		goto out;
	}
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			rc = 0;
		else
			sql_err(st, err, "idempotency");
		goto out;
	}
	sql_col_msg(stmt, 0, s->token, sizeof(s->token));
	s->id = sqlite3_column_int64(stmt, 1);
	s->created_ms = sqlite3_column_int64(stmt, 2);
	s->status = sqlite3_column_int(stmt, 3);
	rc = 1;
out:
	sql_done(stmt);
	return rc;
}

/* an expired row of the same key is replaced */
static const char sql_idem_put[] =
    "INSERT OR REPLACE INTO idempotency (owner, key, submission_id, "
    "created_ms) VALUES (?1, ?2, ?3, ?4)";

static const char sql_callback_put[] =
    "INSERT INTO callbacks (submission_id, url, base64) "
    "VALUES (?1, ?2, ?3)";

/* Records o's key and callback for submission id (in the caller's tx). */
static int
insert_extra(struct store *st, int64_t id, const char *owner,
    const struct store_insert_opts *o, int64_t now, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	if (o->idempotency_key != NULL) {
		if ((stmt = sql_prep(st, sql_idem_put, err)) == NULL)
			goto out;
		if (sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    sqlite3_bind_text(stmt, 2, o->idempotency_key, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(stmt, 3, id) != SQLITE_OK ||
		    sqlite3_bind_int64(stmt, 4, now) != SQLITE_OK) {
			sql_err(st, err, "idempotency: bind");
			goto out;
		}
		if (sql_step_done(st, stmt, "idempotency", err) == -1)
			goto out;
		sql_done(stmt);
		stmt = NULL;
	}
	if (o->callback_url != NULL) {
		if ((stmt = sql_prep(st, sql_callback_put, err)) == NULL)
			goto out;
		if (sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK ||
		    sqlite3_bind_text(stmt, 2, o->callback_url, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int(stmt, 3, o->callback_base64 != 0) !=
		    SQLITE_OK) {
			sql_err(st, err, "callback: bind");
			goto out;
		}
		if (sql_step_done(st, stmt, "callback", err) == -1)
			goto out;
	}
	rc = 0;
out:
	sql_done(stmt);
	return rc;
}

static const char sql_insert_sub[] =
    "INSERT INTO submissions (token, owner, lang_id, source, "
    "lim_cpu_time_s, lim_cpu_extra_s, lim_wall_time_s, lim_memory_kb, "
    "lim_stack_kb, lim_max_file_kb, lim_max_procs, lim_output_bytes, "
    "redirect_stderr, status, created_ms, compare, abs_eps, "
    "rel_eps, stop_on_failure, number_of_runs, compiler_options, "
    "command_line_arguments, additional_files, argv) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "1, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";

static const char sql_insert_test[] =
    "INSERT INTO tests (submission_id, idx, stdin, expected) "
    "VALUES (?1, ?2, ?3, ?4)";

int
store_insert(struct store *st, struct submission *s, struct err *err)
{
	return store_insert_ex(st, s, NULL, err) == -1 ? -1 : 0;
}

int
store_insert_ex(struct store *st, struct submission *s,
    const struct store_insert_opts *o, struct err *err)
{
	const struct limits	*l = &s->lim;
	const struct judge_test	*t;
	sqlite3_stmt		*sub = NULL, *test = NULL;
	struct buf		 argv = { 0 };
	char			 token[37];
	int64_t			 id = 0, now;
	size_t			 i;
	int			 rc = -1;

	if (s->owner == NULL)
		return err_set(err, "store_insert: no owner");
	if (s->ntests == 0 || s->tests == NULL)
		return err_set(err, "store_insert: no tests");
	if (st->pg != NULL)
		return pgstore_insert_ex(st->pg, s, o, err);
	if (argv_pack(s, &argv, err) == -1) {
		buf_reset(&argv);
		return -1;
	}

	if (sql_lock(st, err) == -1)
		return -1;
	if (util_uuid4(token, err) == -1)
		goto out;
	now = util_now_ms();
	if (sql_begin_write(st, err) == -1 ||
	    (sub = sql_prep(st, sql_insert_sub, err)) == NULL ||
	    (test = sql_prep(st, sql_insert_test, err)) == NULL)
		goto out;
	/* under the write lock: a concurrent retry waits, then finds it */
	if (o != NULL && o->idempotency_key != NULL) {
		switch (idem_lookup(st, o->idempotency_key,
		    now - o->idempotency_ttl_ms, s, err)) {
		case -1:
			goto out;
		case 1:
			if (sql_exec(st, "COMMIT", "commit", err) == 0)
				rc = 0;
			goto out;
		}
	}
	if (sqlite3_bind_text(sub, 1, token, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(sub, 2, s->owner, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(sub, 3, s->lang_id) != SQLITE_OK ||
	    sql_bind_bytes_nn(sub, 4, s->source, s->source_len) != SQLITE_OK ||
	    sqlite3_bind_double(sub, 5, l->cpu_time_s) != SQLITE_OK ||
	    sqlite3_bind_double(sub, 6, l->cpu_extra_s) != SQLITE_OK ||
	    sqlite3_bind_double(sub, 7, l->wall_time_s) != SQLITE_OK ||
	    sqlite3_bind_int64(sub, 8, l->memory_kb) != SQLITE_OK ||
	    sqlite3_bind_int64(sub, 9, l->stack_kb) != SQLITE_OK ||
	    sqlite3_bind_int64(sub, 10, l->max_file_kb) != SQLITE_OK ||
	    sqlite3_bind_int64(sub, 11, l->max_procs) != SQLITE_OK ||
	    sqlite3_bind_int64(sub, 12, l->output_bytes) != SQLITE_OK ||
	    sqlite3_bind_int(sub, 13, s->redirect_stderr != 0) != SQLITE_OK ||
	    sqlite3_bind_int64(sub, 14, now) != SQLITE_OK ||
	    sqlite3_bind_text(sub, 15, judge_compare_name(s->compare), -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_double(sub, 16, s->abs_eps) != SQLITE_OK ||
	    sqlite3_bind_double(sub, 17, s->rel_eps) != SQLITE_OK ||
	    sqlite3_bind_int(sub, 18, s->stop_on_failure != 0) != SQLITE_OK ||
	    sqlite3_bind_int(sub, 19, s->number_of_runs) != SQLITE_OK ||
	    sqlite3_bind_text(sub, 20, s->compiler_options, -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(sub, 21, s->command_line_arguments, -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sql_bind_bytes(sub, 22, s->additional_files,
	    s->additional_files_len) != SQLITE_OK ||
	    sql_bind_bytes(sub, 23, argv.data, argv.len) != SQLITE_OK) {
		sql_err(st, err, "insert: bind");
		goto out;
	}
	if (sql_step_done(st, sub, "insert", err) == -1)
		goto out;
	id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < s->ntests; i++) {
		t = &s->tests[i];
		if (sqlite3_bind_int64(test, 1, id) != SQLITE_OK ||
		    sqlite3_bind_int64(test, 2, (int64_t)i) != SQLITE_OK ||
		    sql_bind_bytes_nn(test, 3, t->stdin_data, t->stdin_len) !=
		    SQLITE_OK ||
		    sql_bind_bytes(test, 4, t->expected, t->expected_len) !=
		    SQLITE_OK) {
			sql_err(st, err, "insert test %zu: bind", i);
			goto out;
		}
		if (sql_step_done(st, test, "insert test", err) == -1)
			goto out;
		sql_done(test);
	}
	if (insert_files(st, id, s, err) == -1 ||
	    (o != NULL && insert_extra(st, id, s->owner, o, now, err) == -1))
		goto out;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	memcpy(s->token, token, sizeof(s->token));
	s->id = id;
	s->created_ms = now;
	s->status = JS_QUEUE;
	s->attempts = 0;
	rc = 1;
out:
	sql_done(sub);
	sql_done(test);
	buf_reset(&argv);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_idempotent(struct store *st, struct submission *s, const char *key,
    int64_t since_ms, struct err *err)
{
	int	rc;

	if (st->pg != NULL)
		return pgstore_idempotent(st->pg, s, key, since_ms, err);
	if (sql_lock(st, err) == -1)
		return -1;
	rc = idem_lookup(st, key, since_ms, s, err);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static const char sql_get_by_token[] =
    "SELECT " SUB_COLS " FROM submissions "
    "WHERE token = ?1 AND (?2 IS NULL OR owner = ?2)";

int
store_get(struct store *st, const char *token, const char *owner,
    struct submission **out, struct err *err)
{
	struct submission	*s = NULL;
	sqlite3_stmt		*stmt = NULL;
	int			 rc = -1, step;

	*out = NULL;
	if (st->pg != NULL)
		return pgstore_get(st->pg, token, owner, out, err);
	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_exec(st, "BEGIN", "begin", err) == -1 ||
	    (stmt = sql_prep(st, sql_get_by_token, err)) == NULL)
		goto out;
	if (sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK) {
		sql_err(st, err, "get: bind");
		goto out;
	}
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		/* not found: out ends the read transaction */
		if (step == SQLITE_DONE)
			rc = 0;
		else
			sql_err(st, err, "get");
		goto out;
	}
	if (sub_load(st, stmt, &s, err) == -1)
		goto out;
	sql_done(stmt);
	stmt = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*out = s;
	s = NULL;
	rc = 1;
out:
	sql_done(stmt);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	submission_free(s);
	return rc;
}

int
store_delete(struct store *st, const char *token, const char *owner,
    int *status, struct err *err)
{
	sqlite3_stmt	*get = NULL, *del = NULL;
	int64_t		 id;
	int		 rc = -1, step;

	*status = 0;
	if (st->pg != NULL)
		return pgstore_delete(st->pg, token, owner, status, err);
	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_begin_write(st, err) == -1 ||
	    (get = sql_prep_once(st, "SELECT id, status FROM submissions "
	    "WHERE token = ?1 AND (?2 IS NULL OR owner = ?2)", err)) == NULL ||
	    (del = sql_prep_once(st, "DELETE FROM submissions WHERE id = ?1 "
	    "AND status >= 3", err)) == NULL)
		goto out;
	if (sqlite3_bind_text(get, 1, token, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(get, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK) {
		sql_err(st, err, "delete: bind");
		goto out;
	}
	if ((step = sqlite3_step(get)) != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			rc = 0;
		else
			sql_err(st, err, "delete");
		goto out;
	}
	id = sqlite3_column_int64(get, 0);
	*status = sqlite3_column_int(get, 1);
	if (!judge_status_is_final(*status)) {
		rc = 0;
		goto out;
	}
	/* the tests, results, files, key and callback go with it */
	sqlite3_bind_int64(del, 1, id);
	if (sql_step_done(st, del, "delete", err) == -1 ||
	    sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	rc = 1;
out:
	sqlite3_finalize(get);
	sqlite3_finalize(del);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/*
 * The tests, results, files, key and callback go with them (ON DELETE
 * CASCADE).  Oldest first (index submissions_finished): a size bound
 * takes the oldest.
 */
static const char sql_prune[] =
    "DELETE FROM submissions WHERE id IN (SELECT id FROM submissions "
    "WHERE finished_ms < ?1 AND status >= 3 ORDER BY finished_ms "
    "LIMIT ?2)";

/* a read: no write lock when there is nothing to prune */
static const char sql_prunable[] =
    "SELECT count(*) FROM (SELECT 1 FROM submissions "
    "WHERE finished_ms < ?2 AND status >= 3 LIMIT 1)";

int
store_prune_batch(struct store *st, int64_t older_than_ms, int max,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 any;
	int		 rc = -1, n;

	if (max < 1)
		return err_set(err, "prune: bad batch size %d", max);
	if (st->pg != NULL)
		return pgstore_prune_batch(st->pg, older_than_ms, max, err);
	if ((any = sql_int64(st, sql_prunable, NULL, older_than_ms,
	    "prune", err)) <= 0)
		return (int)any;
	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_begin_write(st, err) == -1 ||
	    (stmt = sql_prep(st, sql_prune, err)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, older_than_ms);
	sqlite3_bind_int(stmt, 2, max);
	if (sql_step_done(st, stmt, "prune", err) == -1)
		goto out;
	n = sqlite3_changes(st->db);
	sql_done(stmt);
	stmt = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	rc = n;
out:
	sql_done(stmt);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_prune(struct store *st, int64_t older_than_ms, struct err *err)
{
	int	total = 0, n;

	if (st->pg != NULL)
		return pgstore_prune(st->pg, older_than_ms, err);
	/* between batches the lock is free for other threads and processes */
	do {
		if ((n = store_prune_batch(st, older_than_ms, PRUNE_BATCH,
		    err)) == -1)
			return -1;
		total += n;
	} while (n > 0);
	if (total > 0)
		log_debug("store: pruned %d submission(s)", total);
	return total;
}
