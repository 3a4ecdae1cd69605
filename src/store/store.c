/*
 * The SQLite store and job queue.
 *
 * Theory of operation.  Each process opens its own handle after fork.  The
 * connection is opened with SQLITE_OPEN_FULLMUTEX, which makes each sqlite3
 * call safe from any thread; the handle's own mutex, taken by every public
 * function, makes each store_* call (often a transaction of several
 * statements) one unit, so the threads of an http worker never interleave
 * their transactions on the shared connection.  SQLite opens its files with
 * O_CLOEXEC, so nothing leaks into a sandboxed child.
 *
 * Processes meet in the database file.  WAL mode lets readers run beside
 * the one writer; busy_timeout makes a writer wait for the lock instead of
 * failing.  Every write transaction starts with BEGIN IMMEDIATE, which
 * takes the write lock up front: a deferred transaction that reads first
 * and writes later can fail with SQLITE_BUSY_SNAPSHOT without ever calling
 * the busy handler.  Reads that span several statements run in a deferred
 * transaction so they see one snapshot.  Every error path rolls back
 * whatever transaction is still open (rollback()), after resetting its
 * statements.
 *
 * Statements are prepared once per handle, on first use, and reset (with
 * their bindings cleared) before the call returns.  Bytes are bound with
 * SQLITE_STATIC: they only have to live until that reset.
 */

#include <sys/types.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store.h"

#define BUSY_TIMEOUT_MS	5000
#define PRUNE_BATCH	256	/* submissions per prune transaction */

/*
 * Schema versions, in order, from sql/ (the Makefile turns schema.sql into
 * version 1 and sql/NNN_<what>.sql into version NNN).  Version n is
 * applied when PRAGMA user_version is below n, in one transaction that
 * also sets user_version to n.  To change the schema, add the next
 * sql/NNN_<what>.sql; never edit an applied file.
 * XXX A migration that rebuilds a table needs foreign_keys off, which
 * cannot change inside a transaction; migrate() must learn that first.
 */
struct migration {
	int		 version;
	const char	*sql;
};
extern const struct migration store_migrations[];
extern const size_t store_nmigrations;
#define migrations	store_migrations
#define NMIGRATIONS	store_nmigrations

int
store_schema_version(void)
{
	return migrations[NMIGRATIONS - 1].version;
}

/* The columns of a submission row, in the order of enum sub_col. */
#define SUB_COLS							\
	"id, token, owner, lang_id, source, lim_cpu_time_s, "		\
	"lim_cpu_extra_s, lim_wall_time_s, lim_memory_kb, lim_stack_kb, "\
	"lim_max_file_kb, lim_max_procs, lim_output_bytes, "		\
	"redirect_stderr, status, message, compile_output, time_s, "	\
	"wall_time_s, memory_kb, created_ms, started_ms, finished_ms, "	\
	"attempts, compare, abs_eps, rel_eps, stop_on_failure, "	\
	"number_of_runs, compiler_options, command_line_arguments, "	\
	"compiles, progress"

enum sub_col {
	SC_ID, SC_TOKEN, SC_OWNER, SC_LANG, SC_SOURCE, SC_CPU, SC_EXTRA,
	SC_WALL, SC_MEM, SC_STACK, SC_FILE, SC_PROCS, SC_OUTPUT,
	SC_REDIRECT, SC_STATUS, SC_MESSAGE, SC_COMPILE, SC_TIME,
	SC_WALL_TIME, SC_MEMORY, SC_CREATED, SC_STARTED, SC_FINISHED,
	SC_ATTEMPTS, SC_COMPARE, SC_ABS_EPS, SC_REL_EPS, SC_STOP,
	SC_RUNS, SC_COPTS, SC_ARGS, SC_COMPILES, SC_PROGRESS,
};

enum query {
	Q_INSERT_SUB,
	Q_INSERT_TEST,
	Q_GET_BY_TOKEN,
	Q_GET_BY_ID,
	Q_COUNT_TESTS,
	Q_GET_TESTS,
	Q_GET_RESULTS,
	Q_CLAIM_PICK,
	Q_CLAIM_MARK,
	Q_RENEW,
	Q_FINISH,
	Q_DELETE_RESULTS,
	Q_INSERT_RESULT,
	Q_REQUEUE,
	Q_QUEUE_DEPTH,
	Q_STATUS,
	Q_PRUNE,
	Q_INSERT_FILE,
	Q_GET_FILES,
	Q_IDEM_GET,
	Q_IDEM_PUT,
	Q_CALLBACK_PUT,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	[Q_INSERT_SUB] =
	    "INSERT INTO submissions (token, owner, lang_id, source, "
	    "lim_cpu_time_s, lim_cpu_extra_s, lim_wall_time_s, lim_memory_kb, "
	    "lim_stack_kb, lim_max_file_kb, lim_max_procs, lim_output_bytes, "
	    "redirect_stderr, status, created_ms, compare, abs_eps, "
	    "rel_eps, stop_on_failure, number_of_runs, compiler_options, "
	    "command_line_arguments) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "1, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
	[Q_INSERT_TEST] =
	    "INSERT INTO tests (submission_id, idx, stdin, expected) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[Q_GET_BY_TOKEN] =
	    "SELECT " SUB_COLS " FROM submissions "
	    "WHERE token = ?1 AND (?2 IS NULL OR owner = ?2)",
	[Q_GET_BY_ID] =
	    "SELECT " SUB_COLS " FROM submissions WHERE id = ?1",
	[Q_COUNT_TESTS] =
	    "SELECT count(*) FROM tests WHERE submission_id = ?1",
	[Q_GET_TESTS] =
	    "SELECT idx, stdin, expected FROM tests "
	    "WHERE submission_id = ?1 ORDER BY idx",
	[Q_GET_RESULTS] =
	    "SELECT idx, status, message, stdout, stdout_truncated, stderr, "
	    "stderr_truncated, time_s, wall_time_s, memory_kb, exit_code, "
	    "exit_signal FROM test_results "
	    "WHERE submission_id = ?1 ORDER BY idx",
	[Q_CLAIM_PICK] =
	    "SELECT id FROM submissions WHERE status = 1 ORDER BY id LIMIT 1",
	[Q_CLAIM_MARK] =
	    "UPDATE submissions SET status = 2, executor = ?2, "
	    "started_ms = ?3, lease_until_ms = ?4 "
	    "WHERE id = ?1 AND status = 1",
	[Q_RENEW] =
	    "UPDATE submissions SET lease_until_ms = ?2, "
	    "progress = coalesce(?3, progress) "
	    "WHERE id = ?1 AND status = 2",
	/* attempts fences off an executor whose job was requeued */
	[Q_FINISH] =
	    "UPDATE submissions SET status = ?3, message = ?4, "
	    "compile_output = ?5, time_s = ?6, wall_time_s = ?7, "
	    "memory_kb = ?8, finished_ms = ?9, lease_until_ms = NULL, "
	    "compiles = ?10 "
	    "WHERE id = ?1 AND attempts = ?2 AND status = 2",
	[Q_DELETE_RESULTS] =
	    "DELETE FROM test_results WHERE submission_id = ?1",
	[Q_INSERT_RESULT] =
	    "INSERT INTO test_results (submission_id, idx, status, message, "
	    "stdout, stdout_truncated, stderr, stderr_truncated, time_s, "
	    "wall_time_s, memory_kb, exit_code, exit_signal) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	/*
	 * ?1 max_attempts, ?2 now, ?3 message prefix, ?4 executor (< 0: any),
	 * ?5 lease deadline (NULL: any).  The right-hand sides all see the
	 * old row, so "attempts + 1" is the new count everywhere.
	 */
	[Q_REQUEUE] =
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
	    "AND (?5 IS NULL OR lease_until_ms < ?5)",
	[Q_QUEUE_DEPTH] =
	    "SELECT count(*) FROM submissions "
	    "WHERE status = 1 AND (?1 IS NULL OR owner = ?1)",
	[Q_STATUS] =
	    "SELECT status FROM submissions WHERE token = ?1",
	/* the tests and results go with them (ON DELETE CASCADE) */
	[Q_PRUNE] =
	    "DELETE FROM submissions WHERE id IN (SELECT id FROM submissions "
	    "WHERE finished_ms < ?1 AND status >= 3 LIMIT ?2)",
	[Q_INSERT_FILE] =
	    "INSERT INTO files (submission_id, idx, name, content) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[Q_GET_FILES] =
	    "SELECT name, content FROM files WHERE submission_id = ?1 "
	    "ORDER BY idx",
	[Q_IDEM_GET] =
	    "SELECT s.token, s.id, s.created_ms, s.status "
	    "FROM idempotency i JOIN submissions s ON s.id = i.submission_id "
	    "WHERE i.owner = ?1 AND i.key = ?2 AND i.created_ms >= ?3",
	/* an expired row of the same key is replaced */
	[Q_IDEM_PUT] =
	    "INSERT OR REPLACE INTO idempotency (owner, key, submission_id, "
	    "created_ms) VALUES (?1, ?2, ?3, ?4)",
	[Q_CALLBACK_PUT] =
	    "INSERT INTO callbacks (submission_id, url, base64) "
	    "VALUES (?1, ?2, ?3)",
};

struct store {
	sqlite3		*db;
	pthread_mutex_t	 mu;
	int		 mu_ok;		/* mu initialised */
	sqlite3_stmt	*stmt[Q_COUNT];	/* prepared on first use */
};

/* Returns the prepared statement q, or NULL with err set. */
static sqlite3_stmt *
prep(struct store *st, enum query q, struct err *err)
{
	if (st->stmt[q] == NULL && sqlite3_prepare_v3(st->db, queries[q], -1,
	    SQLITE_PREPARE_PERSISTENT, &st->stmt[q], NULL) != SQLITE_OK) {
		err_set(err, "prepare: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return st->stmt[q];
}

/* Makes a cached statement ready for its next use.  NULL is fine. */
static void
done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Runs sql (one or more statements, no results); what names it in err. */
static int
exec(struct store *st, const char *sql, const char *what, struct err *err)
{
	char	*msg = NULL;
	int	 rc = 0;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		rc = err_set(err, "%s: %s", what,
		    msg != NULL ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return rc;
}

/*
 * Ends the transaction an error path left open, if any.  Some errors
 * (SQLITE_FULL, SQLITE_IOERR, ...) roll back by themselves; autocommit
 * tells.  Reset the statements of the transaction first.
 */
static void
rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return;
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_debug("store: rollback: %s", sqlite3_errmsg(st->db));
}

/* Steps a statement that returns no rows.  Returns 0, or -1 with err set. */
static int
step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct err *err)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return err_set(err, "%s: %s", what, sqlite3_errmsg(st->db));
	return 0;
}

/* Binds n bytes at p as a BLOB, or SQL NULL when p is NULL. */
static int
bind_bytes(sqlite3_stmt *stmt, int i, const char *p, size_t n)
{
	if (p == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_blob64(stmt, i, p, n, SQLITE_STATIC);
}

/* As bind_bytes, for a NOT NULL column: NULL is stored as empty. */
static int
bind_bytes_nn(sqlite3_stmt *stmt, int i, const char *p, size_t n)
{
	if (p == NULL)
		return sqlite3_bind_blob64(stmt, i, "", 0, SQLITE_STATIC);
	return sqlite3_bind_blob64(stmt, i, p, n, SQLITE_STATIC);
}

/* Binds a fixed-size message buffer, which need not hold a NUL. */
static int
bind_msg(sqlite3_stmt *stmt, int i, const char *msg, size_t size)
{
	return sqlite3_bind_text(stmt, i, msg, (int)strnlen(msg, size),
	    SQLITE_STATIC);
}

/*
 * Copies column i into *p as a NUL-terminated string of *len bytes (the
 * NUL not counted).  SQL NULL gives *p = NULL when nullable, else "".
 * Returns 0, or -1 with err set.
 */
static int
col_bytes(sqlite3_stmt *stmt, int i, int nullable, char **p, size_t *len,
    struct err *err)
{
	const void	*b;
	char		*d;
	int		 n;

	*p = NULL;
	*len = 0;
	if (nullable && sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return 0;
	/* blob first, then its size; an empty blob comes back as NULL */
	b = sqlite3_column_blob(stmt, i);
	n = sqlite3_column_bytes(stmt, i);
	if (b == NULL && n > 0)
		return err_set(err, "column %d: out of memory", i);
	if ((d = malloc((size_t)n + 1)) == NULL)
		return err_errno(err, "malloc");
	if (n > 0)
		memcpy(d, b, (size_t)n);
	d[n] = '\0';
	*p = d;
	*len = (size_t)n;
	return 0;
}

/* Copies text column i into dst[size], truncating; NULL gives "". */
static void
col_msg(sqlite3_stmt *stmt, int i, char *dst, size_t size)
{
	const char	*t = (const char *)sqlite3_column_text(stmt, i);

	snprintf(dst, size, "%s", t != NULL ? t : "");
}

/* Reads the tests of s->id into s->tests and sizes s->results to match. */
static int
load_tests(struct store *st, struct submission *s, struct err *err)
{
	struct judge_test	*t;
	sqlite3_stmt		*count = NULL, *rows = NULL;
	int64_t			 n;
	size_t			 i = 0;
	int			 rc = -1, step;

	if ((count = prep(st, Q_COUNT_TESTS, err)) == NULL)
		goto out;
	sqlite3_bind_int64(count, 1, s->id);
	if (sqlite3_step(count) != SQLITE_ROW) {
		err_set(err, "count tests: %s", sqlite3_errmsg(st->db));
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

	if ((rows = prep(st, Q_GET_TESTS, err)) == NULL)
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
		if (col_bytes(rows, 1, 0, &t->stdin_data, &t->stdin_len,
		    err) == -1 ||
		    col_bytes(rows, 2, 1, &t->expected, &t->expected_len,
		    err) == -1)
			goto out;
	}
	if (step != SQLITE_DONE) {
		err_set(err, "read tests: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (i != s->ntests) {
		err_set(err, "submission %lld: tests out of sequence",
		    (long long)s->id);
		goto out;
	}
	rc = 0;
out:
	done(count);
	done(rows);
	return rc;
}

/* Reads the stored results of s->id into s->results (sized by ntests). */
static int
load_results(struct store *st, struct submission *s, struct err *err)
{
	struct judge_test_result	*r;
	sqlite3_stmt			*rows = NULL;
	int64_t				 idx;
	int				 rc = -1, step;

	if ((rows = prep(st, Q_GET_RESULTS, err)) == NULL)
		goto out;
	sqlite3_bind_int64(rows, 1, s->id);
	while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
		/* the foreign key on tests keeps idx in range */
		idx = sqlite3_column_int64(rows, 0);
		if (idx < 0 || (uint64_t)idx >= s->ntests)
			continue;
		r = &s->results[idx];
		r->status = sqlite3_column_int(rows, 1);
		col_msg(rows, 2, r->message, sizeof(r->message));
		if (col_bytes(rows, 3, 1, &r->stdout_data, &r->stdout_len,
		    err) == -1 ||
		    col_bytes(rows, 5, 1, &r->stderr_data, &r->stderr_len,
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
		err_set(err, "read results: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = 0;
out:
	done(rows);
	return rc;
}

/* Inserts the extra files of s under submission id (in the caller's tx). */
static int
insert_files(struct store *st, int64_t id, const struct submission *s,
    struct err *err)
{
	sqlite3_stmt	*f;
	size_t		 i;

	if (s->nfiles == 0)
		return 0;
	if ((f = prep(st, Q_INSERT_FILE, err)) == NULL)
		return -1;
	for (i = 0; i < s->nfiles; i++) {
		if (sqlite3_bind_int64(f, 1, id) != SQLITE_OK ||
		    sqlite3_bind_int64(f, 2, (int64_t)i) != SQLITE_OK ||
		    sqlite3_bind_text(f, 3, s->files[i].name, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    bind_bytes_nn(f, 4, s->files[i].content, s->files[i].len) !=
		    SQLITE_OK) {
			done(f);
			return err_set(err, "insert file %zu: bind: %s", i,
			    sqlite3_errmsg(st->db));
		}
		if (step_done(st, f, "insert file", err) == -1) {
			done(f);
			return -1;
		}
		done(f);
	}
	return 0;
}

/* Reads the extra files of s->id into s->files. */
static int
load_files(struct store *st, struct submission *s, struct err *err)
{
	sqlite3_stmt		*f;
	struct judge_file	*nf;
	const char		*name;
	int			 step, rc = -1;

	if ((f = prep(st, Q_GET_FILES, err)) == NULL)
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
		name = (const char *)sqlite3_column_text(f, 0);
		if ((nf->name = strdup(name != NULL ? name : "")) == NULL) {
			err_errno(err, "strdup");
			goto out;
		}
		if (col_bytes(f, 1, 0, &nf->content, &nf->len, err) == -1)
			goto out;
	}
	if (step != SQLITE_DONE) {
		err_set(err, "files: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = 0;
out:
	done(f);
	return rc;
}

/* Copies a nullable text column; NULL stays NULL. */
static int
col_text_dup(sqlite3_stmt *row, int i, char **out, struct err *err)
{
	const char	*t = (const char *)sqlite3_column_text(row, i);

	*out = NULL;
	if (t != NULL && (*out = strdup(t)) == NULL)
		return err_errno(err, "strdup");
	return 0;
}

/*
 * Builds the submission that row (a SUB_COLS row) stands on, with its tests
 * and results.  Call inside a transaction so that the reads agree.
 * Returns 0 with *out (caller frees), or -1 with err set.
 */
static int
load(struct store *st, sqlite3_stmt *row, struct submission **out,
    struct err *err)
{
	struct submission	*s = NULL;
	const char		*owner, *compare;
	int			 rc = -1;

	if ((s = submission_new()) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	s->id = sqlite3_column_int64(row, SC_ID);
	col_msg(row, SC_TOKEN, s->token, sizeof(s->token));
	owner = (const char *)sqlite3_column_text(row, SC_OWNER);
	if ((s->owner = strdup(owner != NULL ? owner : "")) == NULL) {
		err_errno(err, "strdup");
		goto out;
	}
	s->lang_id = sqlite3_column_int(row, SC_LANG);
	if (col_bytes(row, SC_SOURCE, 0, &s->source, &s->source_len,
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
	col_msg(row, SC_MESSAGE, s->message, sizeof(s->message));
	if (col_bytes(row, SC_COMPILE, 1, &s->compile_output,
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
	if (col_text_dup(row, SC_COPTS, &s->compiler_options, err) == -1 ||
	    col_text_dup(row, SC_ARGS, &s->command_line_arguments,
	    err) == -1)
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

/* Reads PRAGMA user_version into *v.  Returns 0, or -1 with err set. */
static int
user_version(struct store *st, int *v, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "user_version: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	*v = sqlite3_column_int(stmt, 0);
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Brings the schema up to the last version in migrations[].  An up to
 * date database costs one read.  Each step re-reads the version under the
 * write lock: another process may have migrated while this one waited.
 */
static int
migrate(struct store *st, struct err *err)
{
	const struct migration	*m;
	char			 sql[64];
	size_t			 i;
	int			 v, rc = -1;

	if (user_version(st, &v, err) == -1)
		goto out;
	if (v > migrations[NMIGRATIONS - 1].version) {
		err_set(err, "schema version %d is newer than this program's "
		    "(%d)", v, migrations[NMIGRATIONS - 1].version);
		goto out;
	}
	for (i = 0; i < NMIGRATIONS; i++) {
		m = &migrations[i];
		if (m->version <= v)
			continue;
		if (exec(st, "BEGIN IMMEDIATE", "begin", err) == -1 ||
		    user_version(st, &v, err) == -1)
			goto out;
		if (v < m->version) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			    m->version);
			if (exec(st, m->sql, "schema", err) == -1 ||
			    exec(st, sql, "user_version", err) == -1)
				goto out;
			log_debug("store: schema version %d", m->version);
			v = m->version;
		}
		if (exec(st, "COMMIT", "commit", err) == -1)
			goto out;
	}
	rc = 0;
out:
	rollback(st);
	return rc;
}

/* Sets the per-connection pragmas; checks that WAL mode took. */
static int
set_pragmas(struct store *st, const char *path, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*mode;
	int		 rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "journal_mode: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	/* an in-memory database (tests) answers "memory" */
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode == NULL || (strcmp(mode, "wal") != 0 &&
	    !(strcmp(mode, "memory") == 0 && strcmp(path, ":memory:") == 0))) {
		err_set(err, "%s: cannot use WAL mode (journal_mode %s)",
		    path, mode != NULL ? mode : "?");
		goto out;
	}
	/*
	 * NORMAL is durable in WAL mode except for the last commits before a
	 * power cut; the WAL is cut back to 64 MiB after each checkpoint, as
	 * big outputs would otherwise leave it as large as the biggest burst.
	 */
	if (exec(st, "PRAGMA synchronous = NORMAL", "synchronous",
	    err) == -1 ||
	    exec(st, "PRAGMA journal_size_limit = 67108864",
	    "journal_size_limit", err) == -1 ||
	    exec(st, "PRAGMA foreign_keys = ON", "foreign_keys", err) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

struct store *
store_open(const char *path, struct err *err)
{
	struct store	*st = NULL, *ret = NULL;
	int		 fd = -1, e;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	if ((e = pthread_mutex_init(&st->mu, NULL)) != 0) {
		err_set(err, "pthread_mutex_init: %s", strerror(e));
		goto out;
	}
	st->mu_ok = 1;
	/*
	 * The database holds every user's source: create it 0600 ourselves
	 * (SQLite would use 0644); its -wal and -shm files copy the mode.
	 * This also fails early on a file we could only read.
	 */
	if (*path != '\0' && strcmp(path, ":memory:") != 0) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) == -1) {
			err_errno(err, "open %s", path);
			goto out;
		}
		close(fd);
		fd = -1;
	}
	if ((e = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL)) != SQLITE_OK) {
		err_set(err, "sqlite3_open %s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : sqlite3_errstr(e));
		goto out;
	}
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		err_set(err, "%s: read-only", path);
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (set_pragmas(st, path, err) == -1 || migrate(st, err) == -1)
		goto out;
	ret = st;
	st = NULL;
out:
	if (fd != -1)
		close(fd);
	store_close(st);
	return ret;
}

void
store_close(struct store *st)
{
	size_t	i;

	if (st == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (sqlite3_close(st->db) != SQLITE_OK)
		log_debug("store: close: %s", sqlite3_errmsg(st->db));
	if (st->mu_ok)
		pthread_mutex_destroy(&st->mu);
	free(st);
}

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

	if ((stmt = prep(st, Q_IDEM_GET, err)) == NULL)
		goto out;
	if (sqlite3_bind_text(stmt, 1, s->owner, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, since_ms) != SQLITE_OK) {
		err_set(err, "idempotency: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			rc = 0;
		else
			err_set(err, "idempotency: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	col_msg(stmt, 0, s->token, sizeof(s->token));
	s->id = sqlite3_column_int64(stmt, 1);
	s->created_ms = sqlite3_column_int64(stmt, 2);
	s->status = sqlite3_column_int(stmt, 3);
	rc = 1;
out:
	done(stmt);
	return rc;
}

/* Records o's key and callback for submission id (in the caller's tx). */
static int
insert_extra(struct store *st, int64_t id, const char *owner,
    const struct store_insert_opts *o, int64_t now, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	if (o->idempotency_key != NULL) {
		if ((stmt = prep(st, Q_IDEM_PUT, err)) == NULL)
			goto out;
		if (sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    sqlite3_bind_text(stmt, 2, o->idempotency_key, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(stmt, 3, id) != SQLITE_OK ||
		    sqlite3_bind_int64(stmt, 4, now) != SQLITE_OK) {
			err_set(err, "idempotency: bind: %s",
			    sqlite3_errmsg(st->db));
			goto out;
		}
		if (step_done(st, stmt, "idempotency", err) == -1)
			goto out;
		done(stmt);
		stmt = NULL;
	}
	if (o->callback_url != NULL) {
		if ((stmt = prep(st, Q_CALLBACK_PUT, err)) == NULL)
			goto out;
		if (sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK ||
		    sqlite3_bind_text(stmt, 2, o->callback_url, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int(stmt, 3, o->callback_base64 != 0) !=
		    SQLITE_OK) {
			err_set(err, "callback: bind: %s",
			    sqlite3_errmsg(st->db));
			goto out;
		}
		if (step_done(st, stmt, "callback", err) == -1)
			goto out;
	}
	rc = 0;
out:
	done(stmt);
	return rc;
}

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
	char			 token[37];
	int64_t			 id = 0, now;
	size_t			 i;
	int			 rc = -1;

	if (s->owner == NULL)
		return err_set(err, "store_insert: no owner");
	if (s->ntests == 0 || s->tests == NULL)
		return err_set(err, "store_insert: no tests");

	pthread_mutex_lock(&st->mu);
	if (util_uuid4(token, err) == -1)
		goto out;
	now = util_now_ms();
	if (exec(st, "BEGIN IMMEDIATE", "begin", err) == -1 ||
	    (sub = prep(st, Q_INSERT_SUB, err)) == NULL ||
	    (test = prep(st, Q_INSERT_TEST, err)) == NULL)
		goto out;
	/* under the write lock: a concurrent retry waits, then finds it */
	if (o != NULL && o->idempotency_key != NULL) {
		switch (idem_lookup(st, o->idempotency_key,
		    now - o->idempotency_ttl_ms, s, err)) {
		case -1:
			goto out;
		case 1:
			if (exec(st, "COMMIT", "commit", err) == 0)
				rc = 0;
			goto out;
		}
	}
	if (sqlite3_bind_text(sub, 1, token, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(sub, 2, s->owner, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(sub, 3, s->lang_id) != SQLITE_OK ||
	    bind_bytes_nn(sub, 4, s->source, s->source_len) != SQLITE_OK ||
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
	    SQLITE_STATIC) != SQLITE_OK) {
		err_set(err, "insert: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (step_done(st, sub, "insert", err) == -1)
		goto out;
	id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < s->ntests; i++) {
		t = &s->tests[i];
		if (sqlite3_bind_int64(test, 1, id) != SQLITE_OK ||
		    sqlite3_bind_int64(test, 2, (int64_t)i) != SQLITE_OK ||
		    bind_bytes_nn(test, 3, t->stdin_data, t->stdin_len) !=
		    SQLITE_OK ||
		    bind_bytes(test, 4, t->expected, t->expected_len) !=
		    SQLITE_OK) {
			err_set(err, "insert test %zu: bind: %s", i,
			    sqlite3_errmsg(st->db));
			goto out;
		}
		if (step_done(st, test, "insert test", err) == -1)
			goto out;
		done(test);
	}
	if (insert_files(st, id, s, err) == -1 ||
	    (o != NULL && insert_extra(st, id, s->owner, o, now, err) == -1))
		goto out;
	if (exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	memcpy(s->token, token, sizeof(s->token));
	s->id = id;
	s->created_ms = now;
	s->status = JS_QUEUE;
	s->attempts = 0;
	rc = 1;
out:
	done(sub);
	done(test);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_get(struct store *st, const char *token, const char *owner,
    struct submission **out, struct err *err)
{
	struct submission	*s = NULL;
	sqlite3_stmt		*stmt = NULL;
	int			 rc = -1, step;

	*out = NULL;
	pthread_mutex_lock(&st->mu);
	if (exec(st, "BEGIN", "begin", err) == -1 ||
	    (stmt = prep(st, Q_GET_BY_TOKEN, err)) == NULL)
		goto out;
	if (sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK) {
		err_set(err, "get: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		/* not found: out ends the read transaction */
		if (step == SQLITE_DONE)
			rc = 0;
		else
			err_set(err, "get: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (load(st, stmt, &s, err) == -1)
		goto out;
	done(stmt);
	stmt = NULL;
	if (exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*out = s;
	s = NULL;
	rc = 1;
out:
	done(stmt);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	submission_free(s);
	return rc;
}

int
store_claim(struct store *st, int executor, int64_t lease_ms,
    struct submission **out, struct err *err)
{
	struct submission	*s = NULL;
	sqlite3_stmt		*pick = NULL, *mark = NULL, *get = NULL;
	int64_t			 id, now;
	int			 rc = -1, step;

	*out = NULL;
	now = util_now_ms();
	if (lease_ms < 0 || lease_ms > INT64_MAX - now)
		return err_set(err, "claim: bad lease %lld ms",
		    (long long)lease_ms);

	pthread_mutex_lock(&st->mu);
	if (exec(st, "BEGIN IMMEDIATE", "begin", err) == -1 ||
	    (pick = prep(st, Q_CLAIM_PICK, err)) == NULL ||
	    (mark = prep(st, Q_CLAIM_MARK, err)) == NULL ||
	    (get = prep(st, Q_GET_BY_ID, err)) == NULL)
		goto out;
	if ((step = sqlite3_step(pick)) != SQLITE_ROW) {
		/* an empty queue: out ends the (unused) transaction */
		if (step == SQLITE_DONE)
			rc = 0;
		else
			err_set(err, "claim: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	id = sqlite3_column_int64(pick, 0);
	done(pick);

	sqlite3_bind_int64(mark, 1, id);
	sqlite3_bind_int(mark, 2, executor);
	sqlite3_bind_int64(mark, 3, now);
	sqlite3_bind_int64(mark, 4, now + lease_ms);
	if (step_done(st, mark, "claim", err) == -1)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		err_set(err, "claim: submission %lld vanished", (long long)id);
		goto out;
	}

	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		err_set(err, "claim: read back: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (load(st, get, &s, err) == -1)
		goto out;
	done(get);
	get = NULL;
	if (exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*out = s;
	s = NULL;
	rc = 1;
out:
	done(pick);
	done(mark);
	done(get);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	submission_free(s);
	return rc;
}

int
store_renew(struct store *st, int64_t id, int64_t lease_ms, struct err *err)
{
	return store_progress(st, id, -1, lease_ms, err);
}

int
store_progress(struct store *st, int64_t id, int test, int64_t lease_ms,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 now;
	int		 rc = -1;

	now = util_now_ms();
	if (lease_ms < 0 || lease_ms > INT64_MAX - now)
		return err_set(err, "renew: bad lease %lld ms",
		    (long long)lease_ms);

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep(st, Q_RENEW, err)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now + lease_ms);
	if (test >= 0)
		sqlite3_bind_int(stmt, 3, test);
	else
		sqlite3_bind_null(stmt, 3);
	if (step_done(st, stmt, "renew", err) == -1)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		err_set(err, "renew: submission %lld is not running",
		    (long long)id);
		goto out;
	}
	rc = 0;
out:
	done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_finish(struct store *st, const struct submission *s, struct err *err)
{
	const struct judge_test_result	*r;
	sqlite3_stmt			*fin = NULL, *del = NULL;
	sqlite3_stmt			*ins = NULL;
	size_t				 i;
	int				 rc = -1;

	if (s->status < JS_AC || s->status > JS_MAX)
		return err_set(err, "finish: status %d is not final",
		    s->status);

	pthread_mutex_lock(&st->mu);
	if (exec(st, "BEGIN IMMEDIATE", "begin", err) == -1 ||
	    (fin = prep(st, Q_FINISH, err)) == NULL ||
	    (del = prep(st, Q_DELETE_RESULTS, err)) == NULL ||
	    (ins = prep(st, Q_INSERT_RESULT, err)) == NULL)
		goto out;
	if (sqlite3_bind_int64(fin, 1, s->id) != SQLITE_OK ||
	    sqlite3_bind_int(fin, 2, s->attempts) != SQLITE_OK ||
	    sqlite3_bind_int(fin, 3, s->status) != SQLITE_OK ||
	    bind_msg(fin, 4, s->message, sizeof(s->message)) != SQLITE_OK ||
	    bind_bytes(fin, 5, s->compile_output, s->compile_output_len) !=
	    SQLITE_OK ||
	    sqlite3_bind_double(fin, 6, s->time_s) != SQLITE_OK ||
	    sqlite3_bind_double(fin, 7, s->wall_time_s) != SQLITE_OK ||
	    sqlite3_bind_int64(fin, 8, s->memory_kb) != SQLITE_OK ||
	    sqlite3_bind_int64(fin, 9, util_now_ms()) != SQLITE_OK ||
	    sqlite3_bind_int(fin, 10, s->compiles) != SQLITE_OK) {
		err_set(err, "finish: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (step_done(st, fin, "finish", err) == -1)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		err_set(err, "finish: submission %lld is not running under "
		    "this claim", (long long)s->id);
		goto out;
	}
	sqlite3_bind_int64(del, 1, s->id);
	if (step_done(st, del, "finish: delete results", err) == -1)
		goto out;
	for (i = 0; s->results != NULL && i < s->ntests; i++) {
		r = &s->results[i];
		if (sqlite3_bind_int64(ins, 1, s->id) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 2, (int64_t)i) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 3, r->status) != SQLITE_OK ||
		    bind_msg(ins, 4, r->message, sizeof(r->message)) !=
		    SQLITE_OK ||
		    bind_bytes(ins, 5, r->stdout_data, r->stdout_len) !=
		    SQLITE_OK ||
		    sqlite3_bind_int(ins, 6, r->stdout_truncated != 0) !=
		    SQLITE_OK ||
		    bind_bytes(ins, 7, r->stderr_data, r->stderr_len) !=
		    SQLITE_OK ||
		    sqlite3_bind_int(ins, 8, r->stderr_truncated != 0) !=
		    SQLITE_OK ||
		    sqlite3_bind_double(ins, 9, r->time_s) != SQLITE_OK ||
		    sqlite3_bind_double(ins, 10, r->wall_time_s) != SQLITE_OK ||
		    sqlite3_bind_int64(ins, 11, r->memory_kb) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 12, r->exit_code) != SQLITE_OK ||
		    sqlite3_bind_int(ins, 13, r->exit_signal) != SQLITE_OK) {
			err_set(err, "finish: result %zu: bind: %s", i,
			    sqlite3_errmsg(st->db));
			goto out;
		}
		if (step_done(st, ins, "finish: insert result", err) == -1)
			goto out;
		done(ins);
	}
	if (exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	rc = 0;
out:
	done(fin);
	done(del);
	done(ins);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/*
 * Requeues the running jobs of executor (< 0: any) whose lease ended
 * before deadline_ms (< 0: any lease); see store_requeue.  One UPDATE,
 * so it is atomic without an explicit transaction.
 */
static int
requeue(struct store *st, int executor, int64_t deadline_ms,
    int max_attempts, const char *why, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep(st, Q_REQUEUE, err)) == NULL)
		goto out;
	sqlite3_bind_int(stmt, 1, max_attempts);
	sqlite3_bind_int64(stmt, 2, util_now_ms());
	sqlite3_bind_text(stmt, 3, why, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, executor);
	if (deadline_ms >= 0)
		sqlite3_bind_int64(stmt, 5, deadline_ms);
	if (step_done(st, stmt, "requeue", err) == -1)
		goto out;
	rc = sqlite3_changes(st->db);
	if (rc > 0)
		log_debug("store: requeued %d job(s) (%s)", rc, why);
out:
	done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_requeue(struct store *st, int executor, int max_attempts,
    struct err *err)
{
	return requeue(st, executor, -1, max_attempts, "executor died", err);
}

int
store_requeue_expired(struct store *st, int64_t now_ms, int max_attempts,
    struct err *err)
{
	if (now_ms < 0)
		return err_set(err, "requeue: bad time %lld",
		    (long long)now_ms);
	return requeue(st, -1, now_ms, max_attempts, "lease expired", err);
}

int64_t
store_queue_depth(struct store *st, const char *owner, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 rc = -1;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep(st, Q_QUEUE_DEPTH, err)) == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "queue depth: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = sqlite3_column_int64(stmt, 0);
out:
	done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_status(struct store *st, const char *token, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1, step;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep(st, Q_STATUS, err)) == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = sqlite3_column_int(stmt, 0);
	else if (step == SQLITE_DONE)
		rc = 0;
	else
		err_set(err, "status: %s", sqlite3_errmsg(st->db));
out:
	done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/*
 * Deletes up to PRUNE_BATCH submissions, in a transaction of its own, and
 * sets *n to how many.  Returns 0, or -1 with err set.
 */
static int
prune_batch(struct store *st, int64_t older_than_ms, int *n,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep(st, Q_PRUNE, err)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, older_than_ms);
	sqlite3_bind_int(stmt, 2, PRUNE_BATCH);
	if (step_done(st, stmt, "prune", err) == -1)
		goto out;
	*n = sqlite3_changes(st->db);
	rc = 0;
out:
	done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_prune(struct store *st, int64_t older_than_ms, struct err *err)
{
	int	total = 0, n;

	/* between batches the lock is free for other threads and processes */
	do {
		if (prune_batch(st, older_than_ms, &n, err) == -1)
			return -1;
		total += n;
	} while (n > 0);
	if (total > 0)
		log_debug("store: pruned %d submission(s)", total);
	return total;
}

int
store_integrity_check(struct store *st, struct err *err)
{
	sqlite3_stmt	*ic = NULL, *fk = NULL;
	const char	*text, *parent;
	int		 rc = -1, step;

	pthread_mutex_lock(&st->mu);
	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &ic,
	    NULL) != SQLITE_OK || sqlite3_step(ic) != SQLITE_ROW) {
		err_set(err, "integrity_check: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	/* one row "ok", or one row per problem */
	text = (const char *)sqlite3_column_text(ic, 0);
	if (text == NULL || strcmp(text, "ok") != 0) {
		err_set(err, "integrity_check: %s", text != NULL ? text : "?");
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1, &fk,
	    NULL) != SQLITE_OK) {
		err_set(err, "foreign_key_check: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	/* rows of (table, rowid, parent, fkid), none if all is well */
	if ((step = sqlite3_step(fk)) == SQLITE_ROW) {
		text = (const char *)sqlite3_column_text(fk, 0);
		parent = (const char *)sqlite3_column_text(fk, 2);
		err_set(err, "foreign_key_check: row %lld of %s has no "
		    "parent in %s", (long long)sqlite3_column_int64(fk, 1),
		    text != NULL ? text : "?", parent != NULL ? parent : "?");
		goto out;
	}
	if (step != SQLITE_DONE) {
		err_set(err, "foreign_key_check: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ic);
	sqlite3_finalize(fk);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/*
 * History and statistics.  These read-only queries run once per page
 * view, so they are prepared per call rather than cached in stmt[].
 */

/* Prepares sql for one use; the caller finalises it. */
static sqlite3_stmt *
prep_once(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		err_set(err, "prepare: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/*
 * The history filter; ?1 is the owner.  With an owner the query walks
 * the index submissions_owner (owner, id DESC); without one, "?1 IS
 * NULL" is true and it walks the table by rowid.
 */
#define LIST_COLS							\
	"SELECT token, owner, lang_id, status, time_s, wall_time_s, "	\
	"memory_kb, created_ms, finished_ms"
#define LIST_FROM(owner)						\
	" FROM submissions WHERE " owner " AND (?2 = 0 OR lang_id = ?2) "\
	"AND (?3 = 0 OR status = ?3) AND (?4 = 0 OR created_ms >= ?4) "	\
	"AND (?5 = 0 OR created_ms < ?5)"
#define LIST_PAGE	" ORDER BY id DESC LIMIT ?6 OFFSET ?7"

static const char *const list_sql[2][2] = {
	/* [owner given][0: rows, 1: count] */
	{ LIST_COLS LIST_FROM("?1 IS NULL") LIST_PAGE,
	  "SELECT count(*)" LIST_FROM("?1 IS NULL") },
	{ LIST_COLS LIST_FROM("owner = ?1") LIST_PAGE,
	  "SELECT count(*)" LIST_FROM("owner = ?1") },
};

static int
bind_filter(sqlite3_stmt *stmt, const struct store_filter *f)
{
	if ((f->owner != NULL ? sqlite3_bind_text(stmt, 1, f->owner, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, 1)) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 2, f->lang_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 3, f->status) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, f->since_ms) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 5, f->until_ms) != SQLITE_OK)
		return -1;
	return 0;
}

void
store_rows_free(struct store_row *rows, size_t n)
{
	size_t	i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].owner);
	free(rows);
}

int
store_list(struct store *st, const struct store_filter *f,
    struct store_row **rows, size_t *nrows, int64_t *total,
    struct err *err)
{
	struct store_row	*r = NULL, *row;
	sqlite3_stmt		*cnt = NULL, *list = NULL;
	const char		*owner;
	size_t			 n = 0;
	int			 rc = -1, step = SQLITE_DONE;
	int			 by_owner = f->owner != NULL;

	*rows = NULL;
	*nrows = 0;
	*total = 0;
	if (f->page < 1 || f->page > STORE_MAX_PAGE || f->per_page < 1 ||
	    f->per_page > STORE_MAX_PER_PAGE)
		return err_set(err, "list: page %lld of %lld is out of range",
		    (long long)f->page, (long long)f->per_page);
	if ((r = calloc((size_t)f->per_page, sizeof(*r))) == NULL)
		return err_errno(err, "calloc");

	pthread_mutex_lock(&st->mu);
	if (exec(st, "BEGIN", "begin", err) == -1 ||
	    (cnt = prep_once(st, list_sql[by_owner][1], err)) == NULL ||
	    (list = prep_once(st, list_sql[by_owner][0], err)) == NULL)
		goto out;
	if (bind_filter(cnt, f) == -1 || bind_filter(list, f) == -1 ||
	    sqlite3_bind_int64(list, 6, f->per_page) != SQLITE_OK ||
	    sqlite3_bind_int64(list, 7, (f->page - 1) * f->per_page) !=
	    SQLITE_OK) {
		err_set(err, "list: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (sqlite3_step(cnt) != SQLITE_ROW) {
		err_set(err, "list: count: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	*total = sqlite3_column_int64(cnt, 0);
	while (n < (size_t)f->per_page &&
	    (step = sqlite3_step(list)) == SQLITE_ROW) {
		row = &r[n++];
		col_msg(list, 0, row->token, sizeof(row->token));
		owner = (const char *)sqlite3_column_text(list, 1);
		if ((row->owner = strdup(owner != NULL ? owner : "")) ==
		    NULL) {
			err_errno(err, "strdup");
			goto out;
		}
		row->lang_id = sqlite3_column_int(list, 2);
		row->status = sqlite3_column_int(list, 3);
		row->has_time = sqlite3_column_type(list, 4) != SQLITE_NULL;
		row->time_s = sqlite3_column_double(list, 4);
		row->wall_time_s = sqlite3_column_double(list, 5);
		row->has_memory = sqlite3_column_type(list, 6) != SQLITE_NULL;
		row->memory_kb = sqlite3_column_int64(list, 6);
		row->created_ms = sqlite3_column_int64(list, 7);
		row->finished_ms = sqlite3_column_int64(list, 8);
	}
	if (n < (size_t)f->per_page && step != SQLITE_DONE) {
		err_set(err, "list: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	sqlite3_finalize(cnt);
	sqlite3_finalize(list);
	cnt = list = NULL;
	if (exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*rows = r;
	*nrows = n;
	r = NULL;
	rc = 0;
out:
	sqlite3_finalize(cnt);
	sqlite3_finalize(list);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	store_rows_free(r, n);
	return rc;
}

int
store_count_verdicts(struct store *st, const char *owner,
    struct store_count **counts, size_t *n, struct err *err)
{
	struct store_count	*c = NULL, *p;
	sqlite3_stmt		*stmt = NULL;
	size_t			 len = 0, cap = 0;
	int			 rc = -1, step;

	*counts = NULL;
	*n = 0;
	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, "SELECT lang_id, status, count(*) "
	    "FROM submissions WHERE (?1 IS NULL OR owner = ?1) "
	    "GROUP BY lang_id, status ORDER BY lang_id, status", err)) == NULL)
		goto out;
	if ((owner != NULL ? sqlite3_bind_text(stmt, 1, owner, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, 1)) != SQLITE_OK) {
		err_set(err, "count: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 32;
			if ((p = reallocarray(c, cap, sizeof(*c))) == NULL) {
				err_errno(err, "reallocarray");
				goto out;
			}
			c = p;
		}
		c[len].lang_id = sqlite3_column_int(stmt, 0);
		c[len].status = sqlite3_column_int(stmt, 1);
		c[len].n = sqlite3_column_int64(stmt, 2);
		len++;
	}
	if (step != SQLITE_DONE) {
		err_set(err, "count: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	*counts = c;
	*n = len;
	c = NULL;
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	free(c);
	return rc;
}

#define HIST_MAX_EDGES	32

int
store_time_histogram(struct store *st, const char *owner,
    const double *edges_s, size_t nedges, int64_t *counts, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	char		 sql[2048];
	size_t		 i, len;
	int64_t		 b;
	int		 rc = -1, step;

	if (nedges == 0 || nedges > HIST_MAX_EDGES)
		return err_set(err, "histogram: %zu edges", nedges);
	for (i = 0; i <= nedges; i++)
		counts[i] = 0;
	/*
	 * One pass: bucket i is the first edge above the time.  The edges
	 * are bound (?2 ...), only their number shapes the text.
	 */
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT CASE");
	for (i = 0; i < nedges; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " WHEN time_s < ?%zu THEN %zu", i + 2, i);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len,
	    " ELSE %zu END AS b, count(*) FROM submissions "
	    "WHERE (?1 IS NULL OR owner = ?1) AND status >= %d "
	    "AND status NOT IN (%d, %d, %d) AND time_s IS NOT NULL "
	    "GROUP BY b", nedges, JS_AC, JS_CE, JS_IE, JS_EXEC_FORMAT);
	if (len >= sizeof(sql))
		return err_set(err, "histogram: query too long");

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, sql, err)) == NULL)
		goto out;
	if ((owner != NULL ? sqlite3_bind_text(stmt, 1, owner, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, 1)) != SQLITE_OK) {
		err_set(err, "histogram: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	for (i = 0; i < nedges; i++)
		if (sqlite3_bind_double(stmt, (int)i + 2, edges_s[i]) !=
		    SQLITE_OK) {
			err_set(err, "histogram: bind: %s",
			    sqlite3_errmsg(st->db));
			goto out;
		}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		b = sqlite3_column_int64(stmt, 0);
		if (b >= 0 && (uint64_t)b <= nedges)
			counts[b] = sqlite3_column_int64(stmt, 1);
	}
	if (step != SQLITE_DONE) {
		err_set(err, "histogram: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int64_t
store_queue_ahead(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 rc = -1;

	pthread_mutex_lock(&st->mu);
	/* the claim order is status = 1 ORDER BY id: index submissions_status */
	if ((stmt = prep_once(st, "SELECT count(*) FROM submissions "
	    "WHERE status = 1 AND id < ?1", err)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "queue ahead: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = sqlite3_column_int64(stmt, 0);
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/*
 * The API's extras: DELETE, counts for /statistics, the database size and
 * the callback queue.  Rare or small: prepared per call.
 */

int
store_delete(struct store *st, const char *token, const char *owner,
    int *status, struct err *err)
{
	sqlite3_stmt	*get = NULL, *del = NULL;
	int64_t		 id;
	int		 rc = -1, step;

	*status = 0;
	pthread_mutex_lock(&st->mu);
	if (exec(st, "BEGIN IMMEDIATE", "begin", err) == -1 ||
	    (get = prep_once(st, "SELECT id, status FROM submissions "
	    "WHERE token = ?1 AND (?2 IS NULL OR owner = ?2)", err)) == NULL ||
	    (del = prep_once(st, "DELETE FROM submissions WHERE id = ?1 "
	    "AND status >= 3", err)) == NULL)
		goto out;
	if (sqlite3_bind_text(get, 1, token, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(get, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK) {
		err_set(err, "delete: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if ((step = sqlite3_step(get)) != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			rc = 0;
		else
			err_set(err, "delete: %s", sqlite3_errmsg(st->db));
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
	if (step_done(st, del, "delete", err) == -1 ||
	    exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	rc = 1;
out:
	sqlite3_finalize(get);
	sqlite3_finalize(del);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int64_t
store_count_since(struct store *st, const char *owner, int64_t since_ms,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 rc = -1;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, owner != NULL ?
	    "SELECT count(*) FROM submissions "
	    "WHERE owner = ?1 AND created_ms >= ?2" :
	    "SELECT count(*) FROM submissions WHERE created_ms >= ?2",
	    err)) == NULL)
		goto out;
	if (owner != NULL)
		sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, since_ms);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "count: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = sqlite3_column_int64(stmt, 0);
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_count_days(struct store *st, const char *owner, int64_t since_ms,
    struct store_day **days, size_t *n, struct err *err)
{
	struct store_day	*d = NULL, *nd;
	sqlite3_stmt		*stmt = NULL;
	size_t			 k = 0;
	int			 rc = -1, step;

	*days = NULL;
	*n = 0;
	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, "SELECT created_ms / 86400000 AS d, "
	    "count(*) FROM submissions WHERE (?1 IS NULL OR owner = ?1) "
	    "AND created_ms >= ?2 GROUP BY d ORDER BY d", err)) == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, since_ms);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nd = realloc(d, (k + 1) * sizeof(*d))) == NULL) {
			err_errno(err, "realloc");
			goto out;
		}
		d = nd;
		d[k].day_ms = sqlite3_column_int64(stmt, 0) * 86400000;
		d[k].n = sqlite3_column_int64(stmt, 1);
		k++;
	}
	if (step != SQLITE_DONE) {
		err_set(err, "days: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	*days = d;
	*n = k;
	d = NULL;
	rc = 0;
out:
	free(d);
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int64_t
store_db_bytes(struct store *st, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 rc = -1;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, "SELECT page_count * page_size "
	    "FROM pragma_page_count(), pragma_page_size()", err)) == NULL)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "size: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = sqlite3_column_int64(stmt, 0);
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

void
store_callbacks_free(struct store_callback *cb, size_t n)
{
	size_t	i;

	if (cb == NULL)
		return;
	for (i = 0; i < n; i++)
		free(cb[i].url);
	free(cb);
}

/* Pending callbacks of final submissions, by when they are due. */
#define CALLBACK_DUE							\
	" FROM callbacks c JOIN submissions s ON s.id = c.submission_id "\
	"WHERE c.state = 0 AND s.status >= 3"

int
store_callbacks_due(struct store *st, int64_t now_ms, size_t max,
    struct store_callback **out, size_t *n, int64_t *next_ms,
    struct err *err)
{
	struct store_callback	*cb = NULL, *c;
	sqlite3_stmt		*due = NULL, *next = NULL;
	const char		*url;
	size_t			 k = 0;
	int			 rc = -1, step = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	*next_ms = 0;
	if (max == 0 || (cb = calloc(max, sizeof(*cb))) == NULL)
		return err_errno(err, "calloc");
	pthread_mutex_lock(&st->mu);
	if (exec(st, "BEGIN", "begin", err) == -1 ||
	    (due = prep_once(st, "SELECT c.submission_id, s.token, c.url, "
	    "c.base64, c.attempts" CALLBACK_DUE " AND c.next_try_ms <= ?1 "
	    "ORDER BY c.next_try_ms LIMIT ?2", err)) == NULL ||
	    (next = prep_once(st, "SELECT min(c.next_try_ms)" CALLBACK_DUE
	    " AND c.next_try_ms > ?1", err)) == NULL)
		goto out;
	sqlite3_bind_int64(due, 1, now_ms);
	sqlite3_bind_int64(due, 2, (int64_t)max);
	sqlite3_bind_int64(next, 1, now_ms);
	while (k < max && (step = sqlite3_step(due)) == SQLITE_ROW) {
		c = &cb[k++];
		c->submission_id = sqlite3_column_int64(due, 0);
		col_msg(due, 1, c->token, sizeof(c->token));
		url = (const char *)sqlite3_column_text(due, 2);
		if ((c->url = strdup(url != NULL ? url : "")) == NULL) {
			err_errno(err, "strdup");
			goto out;
		}
		c->base64 = sqlite3_column_int(due, 3);
		c->attempts = sqlite3_column_int(due, 4);
	}
	if (k < max && step != SQLITE_DONE) {
		err_set(err, "callbacks: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	if (sqlite3_step(next) != SQLITE_ROW) {
		err_set(err, "callbacks: next: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	*next_ms = sqlite3_column_int64(next, 0);	/* NULL reads as 0 */
	sqlite3_finalize(due);
	sqlite3_finalize(next);
	due = next = NULL;
	if (exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*out = cb;
	*n = k;
	cb = NULL;
	rc = 0;
out:
	sqlite3_finalize(due);
	sqlite3_finalize(next);
	rollback(st);
	pthread_mutex_unlock(&st->mu);
	store_callbacks_free(cb, k);
	return rc;
}

int
store_callback_done(struct store *st, int64_t submission_id, int state,
    int attempts, int64_t next_try_ms, const char *error, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, "UPDATE callbacks SET state = ?2, "
	    "attempts = ?3, next_try_ms = ?4, last_error = ?5 "
	    "WHERE submission_id = ?1", err)) == NULL)
		goto out;
	if (sqlite3_bind_int64(stmt, 1, submission_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 2, state) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 3, attempts) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, next_try_ms) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 5, error != NULL ? error : "", -1,
	    SQLITE_STATIC) != SQLITE_OK) {
		err_set(err, "callback: bind: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	rc = step_done(st, stmt, "callback", err);
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_callback_state(struct store *st, const char *token, int *state,
    int *attempts, char *error, size_t error_size, char **url,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*u;
	int		 rc = -1, step;

	*url = NULL;
	pthread_mutex_lock(&st->mu);
	if ((stmt = prep_once(st, "SELECT c.state, c.attempts, "
	    "c.last_error, c.url FROM callbacks c JOIN submissions s "
	    "ON s.id = c.submission_id WHERE s.token = ?1", err)) == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			rc = 0;
		else
			err_set(err, "callback: %s", sqlite3_errmsg(st->db));
		goto out;
	}
	*state = sqlite3_column_int(stmt, 0);
	*attempts = sqlite3_column_int(stmt, 1);
	col_msg(stmt, 2, error, error_size);
	u = (const char *)sqlite3_column_text(stmt, 3);
	if ((*url = strdup(u != NULL ? u : "")) == NULL) {
		err_errno(err, "strdup");
		goto out;
	}
	rc = 1;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_idempotent(struct store *st, struct submission *s, const char *key,
    int64_t since_ms, struct err *err)
{
	int	rc;

	pthread_mutex_lock(&st->mu);
	rc = idem_lookup(st, key, since_ms, s, err);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
