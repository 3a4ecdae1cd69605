/*
 * The SQLite store: the handle, the schema and the helpers every query
 * of src/store/ shares.
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
 * whatever transaction is still open (sql_rollback()), after resetting its
 * statements.
 *
 * Each file keeps its SQL next to the function that runs it.  The
 * statements of the hot paths (insert, get, the queue, the counts) are
 * prepared once per handle, on first use, in a cache keyed by the
 * address of their text (sql_prep), and reset with their bindings
 * cleared before the call returns; the larger reads behind pages and the
 * rare writes (history, statistics, callbacks, delete) are prepared per
 * call.  Bytes are bound with SQLITE_STATIC: they only have to live until
 * that reset.
 *
 * The files: store.c (this one: open, migrate, the shared helpers of
 * store_int.h, integrity and size); submissions.c (insert with its
 * idempotency key and callback, get, delete, prune, and the loader that
 * turns a row into a struct submission); queue.c (the job queue of
 * queue.h: claim, renew, progress, finish, requeue, depth, ahead,
 * status); history.c (the history list, the statistics' counts and
 * histogram); callbacks.c (the callback queue).  queue.h is all an
 * executor needs besides store_open and store_close.
 *
 * The second backend, PostgreSQL (pg.c, whose theory block says how, and
 * pg_*.c), implements the same two headers: store_open of a
 * "postgresql://" URI makes a handle whose pg is set, and every public
 * function of these files hands such a handle over to its pgstore_*
 * counterpart before it touches anything of SQLite's.
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
#include "store.h"
#include "store_int.h"
#include "pg_int.h"

#define BUSY_TIMEOUT_MS	5000

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

sqlite3_stmt *
sql_prep(struct store *st, const char *sql, struct err *err)
{
	size_t	i;

	for (i = 0; i < st->ncache; i++)
		if (st->cache[i].sql == sql)
			return st->cache[i].stmt;
	if (st->ncache == STORE_NSTMT) {
		err_set(err, "prepare: more than %d statements", STORE_NSTMT);
		return NULL;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st->cache[i].stmt, NULL) != SQLITE_OK) {
		err_set(err, "prepare: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(st->cache[i].stmt);
		st->cache[i].stmt = NULL;
		return NULL;
	}
	st->cache[i].sql = sql;
	st->ncache++;
	return st->cache[i].stmt;
}

void
sql_done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

sqlite3_stmt *
sql_prep_once(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		err_set(err, "prepare: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

int
sql_exec(struct store *st, const char *sql, const char *what,
    struct err *err)
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
 * Some errors (SQLITE_FULL, SQLITE_IOERR, ...) roll back by themselves;
 * autocommit tells.
 */
void
sql_rollback(struct store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return;
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_debug("store: rollback: %s", sqlite3_errmsg(st->db));
}

int
sql_step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct err *err)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return err_set(err, "%s: %s", what, sqlite3_errmsg(st->db));
	return 0;
}

int64_t
sql_int64(struct store *st, const char *sql, const char *text, int64_t i,
    const char *what, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 rc = -1;
	int		 nparam;

	pthread_mutex_lock(&st->mu);
	if ((stmt = sql_prep(st, sql, err)) == NULL)
		goto out;
	nparam = sqlite3_bind_parameter_count(stmt);
	if ((nparam >= 1 && sqlite3_bind_text(stmt, 1, text, -1,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    (nparam >= 2 && sqlite3_bind_int64(stmt, 2, i) != SQLITE_OK)) {
		err_set(err, "%s: bind: %s", what, sqlite3_errmsg(st->db));
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "%s: %s", what, sqlite3_errmsg(st->db));
		goto out;
	}
	rc = sqlite3_column_int64(stmt, 0);
out:
	sql_done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
sql_bind_bytes(sqlite3_stmt *stmt, int i, const char *p, size_t n)
{
	if (p == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_blob64(stmt, i, p, n, SQLITE_STATIC);
}

int
sql_bind_bytes_nn(sqlite3_stmt *stmt, int i, const char *p, size_t n)
{
	if (p == NULL)
		return sqlite3_bind_blob64(stmt, i, "", 0, SQLITE_STATIC);
	return sqlite3_bind_blob64(stmt, i, p, n, SQLITE_STATIC);
}

int
sql_bind_msg(sqlite3_stmt *stmt, int i, const char *msg, size_t size)
{
	return sqlite3_bind_text(stmt, i, msg, (int)strnlen(msg, size),
	    SQLITE_STATIC);
}

int
sql_col_bytes(sqlite3_stmt *stmt, int i, int nullable, char **p,
    size_t *len, struct err *err)
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

void
sql_col_msg(sqlite3_stmt *stmt, int i, char *dst, size_t size)
{
	const char	*t = (const char *)sqlite3_column_text(stmt, i);

	snprintf(dst, size, "%s", t != NULL ? t : "");
}

int
sql_col_text_dup(sqlite3_stmt *row, int i, char **out, struct err *err)
{
	const char	*t = (const char *)sqlite3_column_text(row, i);

	*out = NULL;
	if (t != NULL && (*out = strdup(t)) == NULL)
		return err_errno(err, "strdup");
	return 0;
}

int
sql_col_text_nn(sqlite3_stmt *row, int i, char **out, struct err *err)
{
	const char	*t = (const char *)sqlite3_column_text(row, i);

	if ((*out = strdup(t != NULL ? t : "")) == NULL)
		return err_errno(err, "strdup");
	return 0;
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
		if (sql_exec(st, "BEGIN IMMEDIATE", "begin", err) == -1 ||
		    user_version(st, &v, err) == -1)
			goto out;
		if (v < m->version) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			    m->version);
			if (sql_exec(st, m->sql, "schema", err) == -1 ||
			    sql_exec(st, sql, "user_version", err) == -1)
				goto out;
			log_debug("store: schema version %d", m->version);
			v = m->version;
		}
		if (sql_exec(st, "COMMIT", "commit", err) == -1)
			goto out;
	}
	rc = 0;
out:
	sql_rollback(st);
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
	if (sql_exec(st, "PRAGMA synchronous = NORMAL", "synchronous",
	    err) == -1 ||
	    sql_exec(st, "PRAGMA journal_size_limit = 67108864",
	    "journal_size_limit", err) == -1 ||
	    sql_exec(st, "PRAGMA foreign_keys = ON", "foreign_keys", err) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/* A libpq URI names a PostgreSQL database; anything else is a file. */
static int
is_postgresql(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
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
	if (is_postgresql(path)) {
		if ((st->pg = pgstore_open(path, err)) == NULL)
			goto out;
		ret = st;
		st = NULL;
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
	if (st->pg != NULL) {
		pgstore_close(st->pg);
		free(st);
		return;
	}
	for (i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (sqlite3_close(st->db) != SQLITE_OK)
		log_debug("store: close: %s", sqlite3_errmsg(st->db));
	if (st->mu_ok)
		pthread_mutex_destroy(&st->mu);
	free(st);
}

int
store_integrity_check(struct store *st, struct err *err)
{
	sqlite3_stmt	*ic = NULL, *fk = NULL;
	const char	*text, *parent;
	int		 rc = -1, step;

	if (st->pg != NULL)
		return pgstore_integrity_check(st->pg, err);
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

/* the pages in use and the free ones */
static const char sql_db_bytes[] =
    "SELECT page_count * page_size "
    "FROM pragma_page_count(), pragma_page_size()";

int64_t
store_db_bytes(struct store *st, struct err *err)
{
	if (st->pg != NULL)
		return pgstore_db_bytes(st->pg, err);
	return sql_int64(st, sql_db_bytes, NULL, 0, "size", err);
}

