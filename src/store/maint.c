/*
 * Looking after the store while it runs: its health for /health and
 * /metrics, checkpoints of the write-ahead log, and backups.  None of
 * these waits for a lock longer than it was told to, so that a store
 * locked by another process, full or read-only never holds up the one
 * asking.  See the theory block of store.c.
 */

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/err.h"
#include "store.h"
#include "store_int.h"
#define PG_WEAK_REFS	/* see pg_int.h */
#include "pg_int.h"

/* Less free space than this, and the next write may not fit. */
#define MIN_FREE_BYTES	(64 << 10)

/* 1 if st is a database file (not ":memory:" or a temporary one). */
static int
on_disk(const struct store *st)
{
	return st->path[0] != '\0' && strcmp(st->path, ":memory:") != 0;
}

/* The size of path's write-ahead log: bytes, 0 if none, -1 unknown. */
static int64_t
wal_bytes(const struct store *st)
{
	struct stat	sb;
	char		wal[PATH_MAX];

	if (!on_disk(st))
		return 0;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", st->path) >=
	    sizeof(wal))
		return -1;
	if (stat(wal, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	return (int64_t)sb.st_size;
}

/* Free bytes for unprivileged writers on the database's file system. */
static int64_t
free_bytes(const struct store *st)
{
	struct statvfs	sv;
	char		path[PATH_MAX];

	if (!on_disk(st))
		return -1;
	snprintf(path, sizeof(path), "%s", st->path);
	if (statvfs(dirname(path), &sv) == -1)
		return -1;
	return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

static const char sql_health[] =
    "SELECT (SELECT count(*) FROM submissions WHERE status = 1), "
    "(page_count - freelist_count) * page_size "
    "FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()";

/*
 * Whether a write could start: the checks that cost nothing first, then
 * the write lock, taken and given back at once.  Sets h->writable and
 * h->problem.  Called with st->mu held.
 */
static void
try_write(struct store *st, struct store_health *h)
{
	int	rc;

	h->writable = 0;
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(h->problem, sizeof(h->problem), "the database was "
		    "read-only when this process opened it");
		return;
	}
	if (on_disk(st) && access(st->path, W_OK) == -1) {
		snprintf(h->problem, sizeof(h->problem), "the database file "
		    "is not writable: %s", strerror(errno));
		return;
	}
	if (h->free_bytes >= 0 && h->free_bytes < MIN_FREE_BYTES) {
		snprintf(h->problem, sizeof(h->problem), "the disk is full "
		    "(%lld bytes free)", (long long)h->free_bytes);
		return;
	}
	if ((rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL)) != SQLITE_OK) {
		snprintf(h->problem, sizeof(h->problem), "%s",
		    (rc & 0xff) == SQLITE_BUSY ? "the database is locked by "
		    "another connection" : sqlite3_errmsg(st->db));
		return;
	}
	sql_rollback(st);
	h->writable = 1;
}

int
store_health(struct store *st, int wait_ms, struct store_health *h,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1;

	memset(h, 0, sizeof(*h));
	h->queued = h->data_bytes = -1;
	if (st->pg != NULL) {
		h->wal_bytes = h->free_bytes = -1;
		if (pgstore_health(st->pg, h, err) == -1) {
			snprintf(h->problem, sizeof(h->problem), "%.*s",
			    (int)sizeof(h->problem) - 1, err->msg);
			return -1;
		}
		return 0;
	}
	h->wal_bytes = wal_bytes(st);
	h->free_bytes = free_bytes(st);
	if (sql_lock_ms(st, wait_ms, err) == -1) {
		snprintf(h->problem, sizeof(h->problem), "%.*s",
		    (int)sizeof(h->problem) - 1, err->msg);
		return -1;
	}
	if ((stmt = sql_prep(st, sql_health, err)) == NULL)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sql_err(st, err, "health");
		goto out;
	}
	h->queued = sqlite3_column_int64(stmt, 0);
	h->data_bytes = sqlite3_column_int64(stmt, 1);
	sql_done(stmt);
	stmt = NULL;
	try_write(st, h);
	rc = 0;
out:
	if (rc == -1)
		snprintf(h->problem, sizeof(h->problem), "%.*s",
		    (int)sizeof(h->problem) - 1, err->msg);
	sql_done(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int64_t
store_checkpoint(struct store *st, struct err *err)
{
	int64_t	before;
	int	mode, rc;

	if (st->pg != NULL)
		return 0;	/* PostgreSQL checkpoints by itself */
	if ((before = wal_bytes(st)) == 0)
		return 0;
	/*
	 * PASSIVE copies what it can and waits for nobody.  TRUNCATE waits
	 * (up to the handle's timeout) until no reader needs the log, then
	 * empties the file: only worth it once the log has outgrown its
	 * limit, which a burst of big outputs or a long reader can do.
	 */
	mode = before > STORE_WAL_LIMIT ? SQLITE_CHECKPOINT_TRUNCATE :
	    SQLITE_CHECKPOINT_PASSIVE;
	if (sql_lock(st, err) == -1)
		return -1;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, mode, NULL, NULL);
	pthread_mutex_unlock(&st->mu);
	/* BUSY: a reader or writer was in the way; the next one goes on */
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) {
		err_set(err, "checkpoint: %s", sqlite3_errstr(rc));
		err->unavailable = sql_fault(rc);
		return -1;
	}
	return wal_bytes(st);
}

/* Makes what was written to path (and to its directory) durable. */
static int
sync_path(const char *path, int dir, struct err *err)
{
	int	fd, rc = 0;

	if ((fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY |
	    O_CLOEXEC)) == -1)
		return err_errno(err, "open %s", path);
	if (fsync(fd) == -1)
		rc = err_errno(err, "fsync %s", path);
	close(fd);
	return rc;
}

/* Runs PRAGMA quick_check on db.  Returns 0 if it says "ok", else -1. */
static int
quick_check(sqlite3 *db, struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*t;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL) !=
	    SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		err_set(err, "backup: check: %s", sqlite3_errmsg(db));
		goto out;
	}
	t = (const char *)sqlite3_column_text(stmt, 0);
	if (t == NULL || strcmp(t, "ok") != 0) {
		err_set(err, "backup: check: %s", t != NULL ? t : "?");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * The copy is made under a temporary name beside path, in one step of
 * the online backup API: one read transaction, which in WAL mode holds
 * up no writer, so the copy is of one moment and never restarts.  It is
 * switched from WAL to a plain journal (one self-contained file), checked,
 * synced, and only then linked to path (link, not rename: an existing
 * path is never replaced).
 */
int
store_backup(struct store *st, const char *path, struct err *err)
{
	sqlite3		*dst = NULL;
	sqlite3_backup	*bk = NULL;
	char		 tmp[PATH_MAX], dir[PATH_MAX];
	int		 fd = -1, made = 0, rc = -1, e;

	if (st->pg != NULL)
		return err_set(err, "backup: the store is PostgreSQL's: use "
		    "pg_dump (or its own backups)");

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.partial", path) >=
	    sizeof(tmp))
		return err_set(err, "backup: %s: name too long", path);
	if (access(path, F_OK) == 0)
		return err_set(err, "backup: %s exists already", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return err_errno(err, "backup: %s", tmp);
	made = 1;
	close(fd);
	if ((e = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE,
	    NULL)) != SQLITE_OK) {
		err_set(err, "backup: %s: %s", tmp, dst != NULL ?
		    sqlite3_errmsg(dst) : sqlite3_errstr(e));
		goto out;
	}
	if (sql_lock(st, err) == -1)
		goto out;
	if ((bk = sqlite3_backup_init(dst, "main", st->db, "main")) == NULL) {
		err_set(err, "backup: %s", sqlite3_errmsg(dst));
		pthread_mutex_unlock(&st->mu);
		goto out;
	}
	e = sqlite3_backup_step(bk, -1);
	(void)sqlite3_backup_finish(bk);
	pthread_mutex_unlock(&st->mu);
	if (e != SQLITE_DONE) {
		err_set(err, "backup: %s", sqlite3_errstr(e));
		err->unavailable = sql_fault(e);
		goto out;
	}
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		err_set(err, "backup: journal_mode: %s", sqlite3_errmsg(dst));
		goto out;
	}
	if (quick_check(dst, err) == -1)
		goto out;
	if (sqlite3_close(dst) != SQLITE_OK) {
		err_set(err, "backup: close: %s", sqlite3_errmsg(dst));
		goto out;
	}
	dst = NULL;
	if (sync_path(tmp, 0, err) == -1)
		goto out;
	if (link(tmp, path) == -1) {
		err_errno(err, "backup: %s", path);
		goto out;
	}
	(void)unlink(tmp);
	made = 0;
	/* the name's durability is the file system's business after this */
	snprintf(dir, sizeof(dir), "%s", path);
	(void)sync_path(dirname(dir), 1, NULL);
	rc = 0;
out:
	sqlite3_close(dst);
	if (made)
		(void)unlink(tmp);
	return rc;
}
