#ifndef STORE_INT_H
#define STORE_INT_H

/*
 * What the files of the SQLite store share: the handle, its statement
 * cache and the small helpers every query uses.  Not for use outside
 * src/store/.  The theory of operation is at the top of store.c.
 *
 * The handle is also that of the PostgreSQL backend (pg_int.h): then pg
 * is set and nothing else, and every public function hands the call to
 * its pgstore_* counterpart before it looks at anything SQLite's.
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "columns.h"

struct err;
struct pgstore;
struct submission;

/* Cached statements per handle: more than the store prepares. */
#define STORE_NSTMT	48

struct store {
	struct pgstore	*pg;		/* a PostgreSQL handle, or NULL */
	sqlite3		*db;
	char		*path;		/* the database file */
	pthread_mutex_t	 mu;		/* held by every public function */
	int		 mu_ok;		/* mu initialised */
	int		 wait_ms;	/* store_set_timeout */
	int		 readonly;	/* opened read-only: the file was */
	struct {
		const char	*sql;	/* the key: the text's address */
		sqlite3_stmt	*stmt;
	}		 cache[STORE_NSTMT];
	size_t		 ncache;
};

/*
 * Takes st->mu, waiting at most st->wait_ms.  Returns 0, or -1 with err
 * set (unavailable: another thread of this process holds the handle).
 * Every public function takes it first and drops it before returning.
 * A handle opened read-only is opened again, for writing, as soon as
 * its file may be written again (so statements are prepared after it).
 */
int		 sql_lock(struct store *, struct err *);
/* As sql_lock, waiting at most wait_ms. */
int		 sql_lock_ms(struct store *, int wait_ms, struct err *);
/*
 * The write-ahead log: checkpointed by whoever commits when it holds
 * STORE_WAL_PAGES pages (SQLite's default is 1000, 4 MiB: more than a
 * small disk has to spare), cut back to STORE_WAL_LIMIT bytes when it
 * starts over, and truncated by store_checkpoint when it is bigger.
 */
#define STORE_WAL_PAGES	256
#define STORE_WAL_LIMIT	(1 << 20)
/*
 * Each connection's page cache, in KiB (SQLite's default is 2000).  In
 * WAL mode a connection drops its cache whenever another one committed
 * since its last read, which in a working service is nearly always: the
 * cache serves one transaction, and a bigger one only keeps pages no one
 * will read again.  Every process holds a connection, and a scan (the
 * statistics, a history far back) fills it for good: 2 MiB a process.
 */
#define STORE_CACHE_KB	512
/*
 * Sets err to "<fmt>: <SQLite's message>" and marks it unavailable when
 * SQLite's last error on the handle is a storage fault rather than a bug
 * (locked, busy, full, read-only, I/O, cannot open, damaged).  Returns -1.
 */
int		 sql_err(struct store *, struct err *, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* 1 if the SQLite result code rc is a storage fault (see sql_err). */
int		 sql_fault(int rc);

/*
 * Returns the handle's statement for sql, prepared on its first use and
 * kept until store_close, or NULL with err set.  sql is a static string:
 * its address identifies the statement.  Give it back with sql_done.
 */
sqlite3_stmt	*sql_prep(struct store *, const char *sql, struct err *);
/* Makes a cached statement ready for its next use.  NULL is fine. */
void		 sql_done(sqlite3_stmt *);
/* Prepares sql for one use (the caller finalises it), or NULL and err. */
sqlite3_stmt	*sql_prep_once(struct store *, const char *sql, struct err *);
/*
 * Starts a write transaction (BEGIN IMMEDIATE), trying until the
 * handle's wait is over while another connection holds the write lock;
 * between tries st->mu is let go (and taken again), so that the other
 * threads of the process read on meanwhile.  Call it first, with st->mu
 * held and no statement of the call under way.  Returns 0, or -1 with
 * err set (unavailable when the lock stayed taken).
 */
int		 sql_begin_write(struct store *, struct err *);
/* Runs sql (statements without rows); what names it in err.  0 or -1. */
int		 sql_exec(struct store *, const char *sql, const char *what,
		    struct err *);
/*
 * Ends the transaction an error path left open, if any.  Reset the
 * transaction's statements first.
 */
void		 sql_rollback(struct store *);
/* Steps a statement that returns no rows.  Returns 0, or -1 with err. */
int		 sql_step_done(struct store *, sqlite3_stmt *, const char *what,
		    struct err *);

/*
 * Runs sql, a query of one row of one integer (a count, a size), with
 * ?1 bound to text (NULL binds SQL NULL) and ?2 to i, as far as sql has
 * them, taking the handle's lock.  Returns the integer, or -1 with err
 * set (what names the query).
 */
int64_t		 sql_int64(struct store *, const char *sql, const char *text,
		    int64_t i, const char *what, struct err *);

/* Binds n bytes at p as a BLOB, or SQL NULL when p is NULL. */
int	sql_bind_bytes(sqlite3_stmt *, int i, const char *p, size_t n);
/* As sql_bind_bytes, for a NOT NULL column: NULL is stored as empty. */
int	sql_bind_bytes_nn(sqlite3_stmt *, int i, const char *p, size_t n);
/* Binds a fixed-size message buffer, which need not hold a NUL. */
int	sql_bind_msg(sqlite3_stmt *, int i, const char *msg, size_t size);
/*
 * Copies column i into *p (caller frees) as a NUL-terminated string of
 * *len bytes (the NUL not counted).  SQL NULL gives *p = NULL when
 * nullable, else "".  Returns 0, or -1 with err set.
 */
int	sql_col_bytes(sqlite3_stmt *, int i, int nullable, char **p,
	    size_t *len, struct err *);
/* Copies text column i into dst[size], truncating; NULL gives "". */
void	sql_col_msg(sqlite3_stmt *, int i, char *dst, size_t size);
/* Copies text column i (caller frees); NULL stays NULL.  0 or -1. */
int	sql_col_text_dup(sqlite3_stmt *, int i, char **out, struct err *);
/* As sql_col_text_dup, but NULL becomes "". */
int	sql_col_text_nn(sqlite3_stmt *, int i, char **out, struct err *);


/*
 * Builds the submission that row (a SUB_COLS row) stands on, with its
 * tests, results and files.  Call inside a transaction so that the reads
 * agree, with st->mu held.  Returns 0 with *out (caller frees with
 * submission_free), or -1 with err set.  In submissions.c.
 */
int	sub_load(struct store *, sqlite3_stmt *row, struct submission **out,
	    struct err *);

#endif
