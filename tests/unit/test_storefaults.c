/*
 * Unit tests of the store when the storage misbehaves: a database locked
 * by another connection, a read-only file, a full file system; and of
 * what the service does to keep it well: bounded waits, health, the
 * write-ahead log's size, checkpoints, retention batches and backups.
 * Each test starts from a fresh database (see store_fixture.h).
 */

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/queue.h"
#include "store/store.h"
#include "store_fixture.h"

/* Another process's connection holding the write lock. */
static sqlite3 *
lock_db(const char *path)
{
	sqlite3	*db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	return db;
}

static void
unlock_db(sqlite3 *db)
{
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
}

static int64_t
ms_since(int64_t t0_us)
{
	return (util_mono_us() - t0_us) / 1000;
}

/*
 * A write while another connection holds the lock fails within the
 * handle's wait, as unavailable; reads go on (WAL).  Then it works.
 */
static void
test_locked_write(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*s, *g = NULL;
	struct err		 err = { "" };
	char			 token[37];
	sqlite3			*db;
	int64_t			 t0;

	insert_sub(f->st, "alice", token);
	store_set_timeout(f->st, 300);
	db = lock_db(f->path);
	s = new_sub("alice", "2\n");
	t0 = util_mono_us();
	assert_int_equal(store_insert(f->st, s, &err), -1);
	assert_true(ms_since(t0) >= 250 && ms_since(t0) < 1500);
	assert_int_equal(err.unavailable, 1);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	submission_free(g);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 1);
	unlock_db(db);
	CHECK(store_insert(f->st, s, &err));
	submission_free(s);
	/* a bug is no storage fault */
	assert_int_equal(store_prune_batch(f->st, 0, 0, &err), -1);
	assert_int_equal(err.unavailable, 0);
}

struct reader {
	struct store	*st;
	char		 token[37];
	int64_t		 ms;		/* how long store_status took */
	int		 rc;
	struct err	 err;
};

static void *
read_status(void *arg)
{
	struct reader	*r = arg;
	int64_t		 t0 = util_mono_us();

	r->rc = store_status(r->st, r->token, &r->err);
	r->ms = ms_since(t0);
	return NULL;
}

static void *
delayed_read(void *arg)
{
	usleep(200000);
	return read_status(arg);
}

/*
 * Threads share a handle: one waiting for a lock another process holds
 * must not hold up the others, which only read.
 */
static void
test_threads_wait_bounded(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*s;
	struct reader		 r;
	struct err		 err = { "" };
	pthread_t		 t;
	sqlite3			*db;
	int64_t			 t0;

	memset(&r, 0, sizeof(r));
	r.st = f->st;
	insert_sub(f->st, "alice", r.token);
	store_set_timeout(f->st, 800);
	db = lock_db(f->path);
	s = new_sub("alice", "2\n");
	t0 = util_mono_us();
	/* the reader starts while the insert waits for the lock */
	assert_int_equal(pthread_create(&t, NULL, delayed_read, &r), 0);
	assert_int_equal(store_insert(f->st, s, &err), -1);
	assert_int_equal(err.unavailable, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(ms_since(t0) < 2000);
	/* the waiting writer let the handle go: the read went on at once */
	assert_int_equal(r.rc, JS_QUEUE);
	assert_true(r.ms < 300);
	unlock_db(db);
	submission_free(s);
}

/*
 * The master's sweep reads first: no write lock (no wait) when no lease
 * has expired, so a locked store costs it nothing.  An expired lease is
 * requeued once the lock is gone.
 */
static void
test_sweep_reads_first(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	sqlite3			*db;
	int64_t			 t0;

	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 3, 60000, &lease, &c, &err), 1);
	submission_free(c);
	store_set_timeout(f->st, 2000);
	db = lock_db(f->path);
	t0 = util_mono_us();
	assert_int_equal(store_requeue_expired(f->st, util_now_ms(), 3,
	    &err), 0);
	assert_true(ms_since(t0) < 500);
	/* expired while locked: it waits, then fails as unavailable */
	store_set_timeout(f->st, 100);
	assert_int_equal(store_requeue_expired(f->st, lease.until_ms + 1, 3,
	    &err), -1);
	assert_int_equal(err.unavailable, 1);
	unlock_db(db);
	assert_int_equal(store_requeue_expired(f->st, lease.until_ms + 1, 3,
	    &err), 1);
	assert_int_equal(raw_int(f->path, "SELECT status FROM submissions"),
	    JS_QUEUE);
}

/*
 * A claim on an empty queue reads first: another connection's write
 * lock does not hold it up (an idle executor looks after every job and
 * at every wake-up).  With a job queued, it waits for the lock as
 * before and fails as unavailable; then it claims the job.
 */
static void
test_claim_reads_first(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	sqlite3			*db;
	int64_t			 t0, id;

	store_set_timeout(f->st, 2000);
	db = lock_db(f->path);
	t0 = util_mono_us();
	assert_int_equal(store_claim(f->st, 3, 60000, &lease, &c, &err), 0);
	assert_null(c);
	assert_true(ms_since(t0) < 500);
	unlock_db(db);

	id = insert_sub(f->st, "alice", NULL);
	store_set_timeout(f->st, 100);
	db = lock_db(f->path);
	assert_int_equal(store_claim(f->st, 3, 60000, &lease, &c, &err), -1);
	assert_null(c);
	assert_int_equal(err.unavailable, 1);
	unlock_db(db);
	assert_int_equal(store_claim(f->st, 3, 60000, &lease, &c, &err), 1);
	assert_non_null(c);
	assert_int_equal(c->id, id);
	submission_free(c);
}

static void
test_health(void **state)
{
	struct store_fixture	*f = *state;
	struct store_health	 h;
	struct err		 err = { "" };
	sqlite3			*db;
	int64_t			 t0;

	insert_sub(f->st, "alice", NULL);
	insert_sub(f->st, "alice", NULL);
	CHECK(store_health(f->st, 300, &h, &err));
	assert_int_equal(h.writable, 1);
	assert_string_equal(h.problem, "");
	assert_int_equal(h.queued, 2);
	assert_true(h.data_bytes > 0);
	assert_true(h.wal_bytes > 0);
	assert_true(h.free_bytes > 0);

	db = lock_db(f->path);
	t0 = util_mono_us();
	CHECK(store_health(f->st, 300, &h, &err));
	assert_true(ms_since(t0) < 1000);
	assert_int_equal(h.writable, 0);
	assert_non_null(strstr(h.problem, "locked"));
	assert_int_equal(h.queued, 2);
	unlock_db(db);
}

/*
 * In a child, as a user who may not write the database (root may write
 * anything: the child becomes nobody): the store opens read-only, reads
 * work, writes fail as unavailable, health says why; once the file may
 * be written again, so may the handle.  Exit status: the number of the
 * first check that failed.
 */
static int
readonly_child(const char *path, const char *token)
{
	struct store		*rw, *st;
	struct submission	*s, *g = NULL;
	struct store_health	 h;
	struct err		 err = { "" };

	if (getuid() == 0 && (setgid(65534) == -1 || setuid(65534) == -1))
		return 1;
	/* as in the service: the others opened it while it was writable */
	if ((rw = store_open(path, &err)) == NULL || chmod(path, 0400) == -1)
		return 9;
	if ((st = store_open(path, &err)) == NULL) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		return 2;
	}
	if (store_get(st, token, NULL, &g, &err) != 1)
		return 3;
	submission_free(g);
	s = new_sub("alice", "2\n");
	if (store_insert(st, s, &err) != -1 || !err.unavailable)
		return 4;
	submission_free(s);
	if (store_health(st, 300, &h, &err) == -1 || h.writable ||
	    strstr(h.problem, "read-only") == NULL)
		return 5;
	/* the file writable again: so is the handle, without a restart */
	if (chmod(path, 0600) == -1)
		return 6;
	s = new_sub("alice", "2\n");
	if (store_insert(st, s, &err) == -1) {
		fprintf(stderr, "insert: %s\n", err.msg);
		return 7;
	}
	submission_free(s);
	if (store_health(st, 300, &h, &err) == -1 || !h.writable)
		return 8;
	store_close(st);
	store_close(rw);
	return 0;
}

static void
test_readonly(void **state)
{
	struct store_fixture	*f = *state;
	char			 token[37], p[600];
	pid_t			 pid;
	int			 status;

	insert_sub(f->st, "alice", token);
	store_close(f->st);
	f->st = NULL;
	/* the files stay the owner's; the child is someone else */
	if (getuid() == 0) {
		assert_int_equal(chown(f->dir, 65534, 65534), 0);
		assert_int_equal(chown(f->path, 65534, 65534), 0);
		snprintf(p, sizeof(p), "%s-wal", f->path);
		(void)chown(p, 65534, 65534);
		snprintf(p, sizeof(p), "%s-shm", f->path);
		(void)chown(p, 65534, 65534);
	}
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0)
		_exit(readonly_child(f->path, token));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* writable again: all is well */
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_non_null(f->st = store_open(f->path, &(struct err){ "" }));
	insert_sub(f->st, "alice", NULL);
}

/*
 * In a child with a mount namespace of its own: the database on a small
 * tmpfs, which a file then fills.  Writes fail as unavailable and health
 * says the disk is full; reads work; with the file gone, writes work
 * again.  Exit status: the first failed check, 77 if the host cannot do
 * this.
 */
static int
full_child(const char *dir)
{
	struct store		*st;
	struct submission	*s, *g = NULL;
	struct store_health	 h;
	struct err		 err = { "" };
	char			 db[160], fill[160], token[37], block[4096];
	int			 fd, i;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=1m") == -1)
		return 77;
	snprintf(db, sizeof(db), "%s/full.db", dir);
	snprintf(fill, sizeof(fill), "%s/filler", dir);
	if ((st = store_open(db, &err)) == NULL)
		return 1;
	insert_sub(st, "alice", token);
	if ((fd = open(fill, O_WRONLY | O_CREAT, 0600)) == -1)
		return 2;
	memset(block, 'x', sizeof(block));
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);
	/* the log may still have room from before: write until it is out */
	for (i = 0, err.unavailable = 0; i < 200; i++) {
		s = new_sub("alice", "more input to take up pages\n");
		if (store_insert(st, s, &err) == -1) {
			submission_free(s);
			break;
		}
		submission_free(s);
	}
	if (i == 200 || !err.unavailable || strstr(err.msg, "full") == NULL)
		return 3;
	if (store_get(st, token, NULL, &g, &err) != 1)
		return 4;
	submission_free(g);
	if (store_health(st, 300, &h, &err) == -1 || h.writable ||
	    strstr(h.problem, "full") == NULL)
		return 5;
	unlink(fill);
	s = new_sub("alice", "2\n");
	if (store_insert(st, s, &err) == -1)
		return 6;
	submission_free(s);
	if (store_health(st, 300, &h, &err) == -1 || !h.writable)
		return 7;
	store_close(st);
	return 0;
}

static void
test_disk_full(void **state)
{
	struct store_fixture	*f = *state;
	pid_t			 pid;
	int			 status;

	if (getuid() != 0)
		skip();		/* a tmpfs of its own needs root */
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0)
		_exit(full_child(f->dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();		/* no mount namespace here */
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * The write-ahead log stays small without anyone's help (SQLite's own
 * checkpoints come at 4 MiB; ours at 1 MiB, and it is cut back), and
 * store_checkpoint empties a log a long reader let grow.
 */
static void
test_wal_bounded(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*s;
	struct err		 err = { "" };
	struct stat		 sb;
	sqlite3			*reader = NULL;
	sqlite3_stmt		*stmt = NULL;
	char			 wal[600], *big;
	int64_t			 max = 0;
	int			 i;

	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_non_null(big = malloc(16 << 10));
	memset(big, 'y', (16 << 10) - 1);
	big[(16 << 10) - 1] = '\0';
	for (i = 0; i < 400; i++) {		/* 6.4 MB of stdin */
		s = new_sub("alice", big);
		CHECK(store_insert(f->st, s, &err));
		submission_free(s);
		assert_int_equal(stat(wal, &sb), 0);
		if (sb.st_size > max)
			max = sb.st_size;
	}
	assert_true(max < (3 << 19));		/* 1.5 MiB */

	/* a reader keeps its snapshot: the log grows past its limit */
	assert_int_equal(sqlite3_open(f->path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_exec(reader, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(reader, "SELECT count(*) FROM "
	    "submissions", -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	for (i = 0; i < 150; i++) {
		s = new_sub("alice", big);
		CHECK(store_insert(f->st, s, &err));
		submission_free(s);
	}
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > (1 << 20));
	/* while it reads, a checkpoint cannot empty the log: no error */
	store_set_timeout(f->st, 100);
	assert_true(store_checkpoint(f->st, &err) > (1 << 20));
	sqlite3_finalize(stmt);
	sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(reader);
	assert_int_equal(store_checkpoint(f->st, &err), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	free(big);
}

/* Final submissions finish at ms 1000 + k, k = 0..n-1. */
static void
finished_subs(struct store_fixture *f, int n)
{
	char	sql[160];
	int	i;

	for (i = 0; i < n; i++) {
		insert_sub(f->st, "alice", NULL);
		snprintf(sql, sizeof(sql), "UPDATE submissions SET status = 3, "
		    "finished_ms = %d WHERE id = (SELECT max(id) FROM "
		    "submissions)", 1000 + (n - 1 - i));
		raw_exec(f->path, sql);
	}
}

static void
test_prune_batch(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	sqlite3			*db;
	int64_t			 t0;

	finished_subs(f, 5);			/* newest id: oldest finish */
	insert_sub(f->st, "alice", NULL);	/* queued */
	insert_sub(f->st, "alice", NULL);	/* running */
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);
	submission_free(c);
	insert_sub(f->st, "alice", NULL);	/* queued */

	assert_int_equal(store_prune_batch(f->st, 1000, 10, &err), 0);
	/* the oldest first: finished 1000 and 1001 */
	assert_int_equal(store_prune_batch(f->st, INT64_MAX, 2, &err), 2);
	assert_int_equal(raw_int(f->path, "SELECT min(finished_ms) FROM "
	    "submissions"), 1002);
	assert_int_equal(store_prune_batch(f->st, 1004, 10, &err), 2);
	assert_int_equal(store_prune_batch(f->st, INT64_MAX, 10, &err), 1);
	assert_int_equal(store_prune_batch(f->st, INT64_MAX, 10, &err), 0);
	/* what is not final stays */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions"),
	    3);
	/* nothing to prune: no write lock, no wait */
	store_set_timeout(f->st, 2000);
	db = lock_db(f->path);
	t0 = util_mono_us();
	assert_int_equal(store_prune_batch(f->st, INT64_MAX, 10, &err), 0);
	assert_true(ms_since(t0) < 500);
	unlock_db(db);
}

/*
 * A backup while another connection is in the middle of a write: the
 * copy has what was committed, not the rest; it is one file that opens
 * as a store; an existing file is never overwritten.
 */
static void
test_backup(void **state)
{
	struct store_fixture	*f = *state;
	struct store		*copy;
	struct submission	*g = NULL;
	struct err		 err = { "" };
	char			 token[5][37], path[160], p[200];
	sqlite3			*db;
	int			 i, fd;

	for (i = 0; i < 5; i++)
		insert_sub(f->st, "alice", token[i]);
	db = lock_db(f->path);
	assert_int_equal(sqlite3_exec(db, "UPDATE submissions SET owner = "
	    "'mallory'", NULL, NULL, NULL), SQLITE_OK);
	snprintf(path, sizeof(path), "%s/backup.db", f->dir);
	CHECK(store_backup(f->st, path, &err));
	unlock_db(db);
	assert_int_equal(store_backup(f->st, path, &err), -1);
	assert_non_null(strstr(err.msg, "exists"));
	snprintf(p, sizeof(p), "%s.partial", path);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s-wal", path);
	assert_int_equal(access(p, F_OK), -1);

	assert_non_null(copy = store_open(path, &err));
	for (i = 0; i < 5; i++) {
		assert_int_equal(store_get(copy, token[i], "alice", &g, &err),
		    1);
		submission_free(g);
		g = NULL;
	}
	CHECK(store_integrity_check(copy, &err));
	store_close(copy);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);

	/* a failed copy leaves nothing behind: here, no room for a name */
	snprintf(p, sizeof(p), "%s.partial", path);
	assert_int_not_equal(fd = open(p, O_CREAT | O_WRONLY, 0600), -1);
	close(fd);
	assert_int_equal(store_backup(f->st, path, &err), -1);
	assert_int_equal(access(path, F_OK), -1);
	unlink(p);
}

int
main(void)
{
#define T(name)	cmocka_unit_test_setup_teardown(name, store_fixture_setup, \
	    store_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_locked_write),
		T(test_threads_wait_bounded),
		T(test_sweep_reads_first),
		T(test_claim_reads_first),
		T(test_health),
		T(test_readonly),
		T(test_disk_full),
		T(test_wal_bounded),
		T(test_prune_batch),
		T(test_backup),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
