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
 * the one writer.  Every write transaction starts with BEGIN IMMEDIATE
 * (sql_begin_write), which takes the write lock up front: a deferred
 * transaction that reads first and writes later can fail with
 * SQLITE_BUSY_SNAPSHOT without ever calling the busy handler.  Reads
 * that span several statements run in a deferred transaction so they see
 * one snapshot.  Every error path rolls back whatever transaction is
 * still open (sql_rollback()), after resetting its statements.
 *
 * Faults.  Nothing waits without a bound: not for the handle's mutex
 * (sql_lock, st->wait_ms), not for another connection's write lock
 * (sql_begin_write tries again until st->wait_ms is over, letting the
 * mutex go between tries, so that one thread waiting to write never
 * holds up the threads that only read; SQLite's own busy wait is a short
 * slice).  A failure that is the storage's and not ours (locked, full,
 * read-only, I/O) is marked err->unavailable (sql_err), which the API
 * answers with 503.  A file that is read-only at open is opened
 * read-only, and opened again for writing once it is writable.  The
 * write-ahead log is kept small (STORE_WAL_PAGES, store_checkpoint).
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
 * store_int.h, integrity and size); maint.c (health, checkpoints,
 * backups); submissions.c (insert with its idempotency key and callback,
 * get, delete, prune, and the loader that turns a row into a struct
 * submission); queue.c (the job queue of
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

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "store.h"
#include "store_int.h"
#define PG_WEAK_REFS	/* see pg_int.h */
#include "pg_int.h"

/*
 * How long a call waits for a lock by default (store_set_timeout): short,
 * so that a store locked by someone else is a quick 503 for a client and
 * not a request that holds its thread; processes that only wait (the
 * executors) ask for more.
 */
#define WAIT_MS_DEFAULT	1000
/*
 * The busy handler's wait for a lock (busy_wait), per try: short,
 * because it waits holding the handle (st->mu).  Waits for the write lock are sql_begin_write's,
 * which lets the handle go between tries.
 */
#define BUSY_SLICE_MS	20

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

static int	set_pragmas(struct store *, const char *, struct err *);

/*
 * SQLite's own busy wait (sqlite3_busy_timeout) sleeps 1, 2, 5, 10 ms
 * between tries; our write transactions hold the lock for a few tenths
 * of a millisecond, so its first sleep alone is several times the wait.
 * This one starts at 50 us and doubles up to 1 ms, for at most
 * BUSY_SLICE_MS in all.  Returns nonzero to try again.
 */
static int
busy_wait(void *arg, int n)
{
	static const useconds_t	nap_us[] = { 50, 100, 200, 400, 800 };
	useconds_t		nap, spent = 0;
	int			i;

	(void)arg;
	for (i = 0; i < n; i++)
		spent += i < (int)(sizeof(nap_us) / sizeof(nap_us[0])) ?
		    nap_us[i] : 1000;
	if (spent >= (useconds_t)BUSY_SLICE_MS * 1000)
		return 0;
	nap = n < (int)(sizeof(nap_us) / sizeof(nap_us[0])) ? nap_us[n] : 1000;
	usleep(nap);
	return 1;
}

/*
 * The file of a read-only handle may be written again: make the
 * connection anew, for writing.  Called with st->mu held, before any
 * statement of the call is prepared.  The old connection goes first:
 * the connections of one process share the write-ahead log's index,
 * which stays read-only while any of them holds it.  If the new one is
 * read-only again, the handle stays so (writes keep failing as
 * unavailable); if it cannot be opened at all, every call fails.
 */
static void
reopen_writable(struct store *st)
{
	struct stat	sb;
	struct err	err;
	char		side[PATH_MAX];
	size_t		i;

	if (access(st->path, W_OK) == -1 || stat(st->path, &sb) == -1)
		return;
	/*
	 * A log (or its index) that a read-only connection made has the
	 * database's mode of then: SQLite would open it read-only, and the
	 * database with it.  It is ours; give it the mode of now.
	 */
	for (i = 0; i < 2; i++)
		if ((size_t)snprintf(side, sizeof(side), "%s-%s", st->path,
		    i == 0 ? "wal" : "shm") < sizeof(side) &&
		    access(side, W_OK) == -1 && errno == EACCES)
			(void)chmod(side, sb.st_mode & 0666);
	for (i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	st->ncache = 0;
	sqlite3_close(st->db);
	st->db = NULL;
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		log_debug("store: %s: %s", st->path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : "out of memory");
		return;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_handler(st->db, busy_wait, NULL);
	if (set_pragmas(st, st->path, &err) == -1)
		log_debug("store: %s: %s", st->path, err.msg);
	st->readonly = sqlite3_db_readonly(st->db, "main") != 0;
	if (!st->readonly)
		log_debug("store: %s is writable again", st->path);
}

int
sql_lock(struct store *st, struct err *err)
{
	return sql_lock_ms(st, st->wait_ms, err);
}

int
sql_lock_ms(struct store *st, int wait_ms, struct err *err)
{
	struct timespec	ts;
	int		e;

	/* pthread_mutex_timedlock has no choice of clock */
	util_deadline(&ts, CLOCK_REALTIME, wait_ms);
	if ((e = pthread_mutex_timedlock(&st->mu, &ts)) == 0) {
		if (st->readonly)
			reopen_writable(st);
		return 0;
	}
	err_set(err, "store: busy: the connection was not free within "
	    "%d ms (%s)", wait_ms, strerror(e));
	if (err != NULL)
		err->unavailable = 1;
	return -1;
}

int
sql_fault(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
	case SQLITE_NOLFS:
	case SQLITE_NOTADB:
		return 1;
	}
	return 0;
}

int
sql_err(struct store *st, struct err *err, const char *fmt, ...)
{
	va_list	ap;
	size_t	len;
	int	rc = sqlite3_extended_errcode(st->db);

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
	    sqlite3_errmsg(st->db));
	err->unavailable = sql_fault(rc);
	return -1;
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
		sql_err(st, err, "prepare");
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
		sql_err(st, err, "prepare");
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
	int	 rc = 0, e;

	if ((e = sqlite3_exec(st->db, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		rc = err_set(err, "%s: %s", what,
		    msg != NULL ? msg : sqlite3_errmsg(st->db));
		if (err != NULL)
			err->unavailable = sql_fault(e);
	}
	sqlite3_free(msg);
	return rc;
}

int
sql_begin_write(struct store *st, struct err *err)
{
	int64_t		deadline = util_mono_us() + (int64_t)st->wait_ms * 1000;
	useconds_t	nap = 1000;
	int		rc;

	for (;;) {
		if ((rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL)) == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || util_mono_us() >= deadline)
			break;
		/* nothing of this call is under way: others may go on */
		pthread_mutex_unlock(&st->mu);
		usleep(nap);
		if ((nap *= 2) > 50000)
			nap = 50000;
		pthread_mutex_lock(&st->mu);
	}
	sql_err(st, err, "begin");
	if ((rc & 0xff) == SQLITE_BUSY && err != NULL)
		snprintf(err->msg, sizeof(err->msg), "begin: the database is "
		    "locked by another connection (waited %d ms)", st->wait_ms);
	return -1;
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
		return sql_err(st, err, "%s", what);
	return 0;
}

int64_t
sql_int64(struct store *st, const char *sql, const char *text, int64_t i,
    const char *what, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 rc = -1;
	int		 nparam;

	if (sql_lock(st, err) == -1)
		return -1;
	if ((stmt = sql_prep(st, sql, err)) == NULL)
		goto out;
	nparam = sqlite3_bind_parameter_count(stmt);
	if ((nparam >= 1 && sqlite3_bind_text(stmt, 1, text, -1,
	    SQLITE_STATIC) != SQLITE_OK) ||
	    (nparam >= 2 && sqlite3_bind_int64(stmt, 2, i) != SQLITE_OK)) {
		sql_err(st, err, "%s: bind", what);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sql_err(st, err, "%s", what);
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
		sql_err(st, err, "user_version");
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
		if (sql_begin_write(st, err) == -1 ||
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
	char		 sql[128];
	int		 rc = -1;

	/* on a read-only handle this only reads the mode */
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		sql_err(st, err, "journal_mode");
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
	 * power cut.
	 */
	snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint = %d; "
	    "PRAGMA journal_size_limit = %d", STORE_WAL_PAGES,
	    STORE_WAL_LIMIT);
	if (sql_exec(st, "PRAGMA synchronous = NORMAL", "synchronous",
	    err) == -1 ||
	    sql_exec(st, sql, "wal limits", err) == -1 ||
	    sql_exec(st, "PRAGMA foreign_keys = ON", "foreign_keys", err) == -1)
		goto out;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", STORE_CACHE_KB);
	if (sql_exec(st, sql, "cache_size", err) == -1)
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
	int		 fd = -1, e, v, ro = 0;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	if (is_postgresql(path)) {
		if (pgstore_open == NULL) {
			err_set(err, "this program is built without PostgreSQL "
			    "(the service is): use the service, or pg_dump");
			goto out;
		}
		if ((st->pg = pgstore_open(path, err)) == NULL)
			goto out;
		ret = st;
		st = NULL;
		goto out;
	}
	st->wait_ms = WAIT_MS_DEFAULT;
	if ((st->path = strdup(path)) == NULL) {
		err_errno(err, "strdup");
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
	 * A database we may only read is opened all the same, read-only:
	 * results can still be served, and every write fails as a storage
	 * fault (503) until the file is writable again.
	 */
	if (*path != '\0' && strcmp(path, ":memory:") != 0) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd == -1 && (errno == EACCES || errno == EROFS ||
		    errno == EPERM)) {
			ro = 1;
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (fd == -1) {
			err_errno(err, "open %s", path);
			err->unavailable = 1;
			goto out;
		}
		close(fd);
		fd = -1;
	}
	/*
	 * Read-only as such: SQLite's fallback would open it read-only all
	 * the same, but under the read-write flags, and hand the same
	 * descriptor to the connection reopen_writable makes.
	 */
	if ((e = sqlite3_open_v2(path, &st->db, (ro ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
	    SQLITE_OPEN_FULLMUTEX, NULL)) != SQLITE_OK) {
		err_set(err, "sqlite3_open %s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : sqlite3_errstr(e));
		err->unavailable = sql_fault(e);
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_handler(st->db, busy_wait, NULL);
	if (set_pragmas(st, path, err) == -1)
		goto out;
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		/* no migration: one that is due makes this an error */
		if (user_version(st, &v, err) == -1)
			goto out;
		if (v != store_schema_version()) {
			err_set(err, "%s: read-only, and its schema (version "
			    "%d) is not this program's (%d)", path, v,
			    store_schema_version());
			err->unavailable = 1;
			goto out;
		}
		st->readonly = 1;
		log_debug("store: %s is read-only: reads only", path);
	} else if (migrate(st, err) == -1)
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
store_set_timeout(struct store *st, int wait_ms)
{
	if (st->pg != NULL)
		return;		/* PostgreSQL's locks are row locks */
	pthread_mutex_lock(&st->mu);
	st->wait_ms = wait_ms > 0 ? wait_ms : 0;
	pthread_mutex_unlock(&st->mu);
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
	free(st->path);
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
	if (sql_lock(st, err) == -1)
		return -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &ic,
	    NULL) != SQLITE_OK || sqlite3_step(ic) != SQLITE_ROW) {
		sql_err(st, err, "integrity_check");
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
		sql_err(st, err, "foreign_key_check");
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
		sql_err(st, err, "foreign_key_check");
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

