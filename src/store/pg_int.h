#ifndef STORE_PG_INT_H
#define STORE_PG_INT_H

/*
 * The PostgreSQL backend of the store (libpq): its handle, the helpers
 * its queries share, and its implementations of store.h and queue.h,
 * which the public functions in store.c, submissions.c, queue.c,
 * history.c and callbacks.c hand over to when the handle is a
 * PostgreSQL one.  Not for use outside src/store/.  The theory of
 * operation is at the top of pg.c.
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "columns.h"

struct err;
struct submission;
struct store_callback;
struct store_count;
struct store_day;
struct store_filter;
struct store_health;
struct store_insert_opts;
struct store_lease;
struct store_row;

/*
 * libpq is loaded when a PostgreSQL store is opened (pglib_load,
 * pg_lib.c), not linked: linked, it would be mapped with the twenty-odd
 * libraries it needs in every process of a SQLite site too, and where
 * a sandbox run's init is a copy of the executor's address space (cgroup
 * v2), the copy would grow with them.  The
 * calls below go through the table pglib_load fills.
 */
#define PGLIB_FNS(X) \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) \
	X(PQconsumeInput) X(PQerrorMessage) X(PQexec) X(PQexecParams) \
	X(PQfinish) X(PQfreemem) X(PQftype) X(PQgetisnull) X(PQgetlength) \
	X(PQgetvalue) X(PQnfields) X(PQnotifies) X(PQntuples) X(PQreset) \
	X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) \
	X(PQsetClientEncoding) X(PQsetNoticeProcessor) X(PQsocket) \
	X(PQstatus) X(PQtransactionStatus)

struct pglib {
#define PGLIB_FIELD(f)	__typeof__(f) *f;
	PGLIB_FNS(PGLIB_FIELD)
#undef PGLIB_FIELD
};
extern struct pglib pglib;

/* Loads libpq once.  Returns 0, or -1 with err set. */
int	pglib_load(struct err *);

#ifndef PGLIB_TABLE
#define PQclear			(pglib.PQclear)
#define PQcmdStatus		(pglib.PQcmdStatus)
#define PQcmdTuples		(pglib.PQcmdTuples)
#define PQconnectdbParams	(pglib.PQconnectdbParams)
#define PQconsumeInput		(pglib.PQconsumeInput)
#define PQerrorMessage		(pglib.PQerrorMessage)
#define PQexec			(pglib.PQexec)
#define PQexecParams		(pglib.PQexecParams)
#define PQfinish		(pglib.PQfinish)
#define PQfreemem		(pglib.PQfreemem)
#define PQftype			(pglib.PQftype)
#define PQgetisnull		(pglib.PQgetisnull)
#define PQgetlength		(pglib.PQgetlength)
#define PQgetvalue		(pglib.PQgetvalue)
#define PQnfields		(pglib.PQnfields)
#define PQnotifies		(pglib.PQnotifies)
#define PQntuples		(pglib.PQntuples)
#define PQreset			(pglib.PQreset)
#define PQresultErrorField	(pglib.PQresultErrorField)
#define PQresultErrorMessage	(pglib.PQresultErrorMessage)
#define PQresultStatus		(pglib.PQresultStatus)
#define PQsetClientEncoding	(pglib.PQsetClientEncoding)
#define PQsetNoticeProcessor	(pglib.PQsetNoticeProcessor)
#define PQsocket		(pglib.PQsocket)
#define PQstatus		(pglib.PQstatus)
#define PQtransactionStatus	(pglib.PQtransactionStatus)
#endif

/* What a handle listens to (store_wake_fd). */
#define PG_LISTEN_JOB	0x1
#define PG_LISTEN_DONE	0x2

struct pgstore {
	PGconn		*conn;
	char		*conninfo;
	pthread_mutex_t	 mu;		/* held by every pgstore_* call */
	int		 mu_ok;
	char		*node;		/* the executors' node (queue.h) */
	unsigned int	 listening;	/* PG_LISTEN_*, as asked for */
	unsigned int	 listened;	/* PG_LISTEN_*, on this connection */
};

/*
 * Parameters of one query: numbers go as text, bytes as binary, each
 * with its type, so that no query needs casts to say what $n is.
 */
#define PGQ_MAX		24
struct pgq {
	int		 n;
	const char	*val[PGQ_MAX];
	int		 len[PGQ_MAX];
	int		 fmt[PGQ_MAX];
	unsigned int	 type[PGQ_MAX];
	char		 num[PGQ_MAX][32];
};

void	pgq_init(struct pgq *);
void	pgq_int(struct pgq *, int);		/* integer */
void	pgq_int64(struct pgq *, int64_t);	/* bigint */
void	pgq_double(struct pgq *, double);	/* double precision */
void	pgq_null_int(struct pgq *);		/* integer NULL */
/* text; NULL binds SQL NULL.  Borrowed until the query ran. */
void	pgq_text(struct pgq *, const char *);
/* A fixed-size message buffer (need not hold a NUL), as text. */
void	pgq_msg(struct pgq *, const char *, size_t size);
/* n bytes at p as bytea; NULL binds SQL NULL (nn: binds empty instead). */
void	pgq_bytes(struct pgq *, const char *p, size_t n);
void	pgq_bytes_nn(struct pgq *, const char *p, size_t n);

/*
 * Makes sure the connection is up, at the start of a call (never inside
 * a transaction): a lost one is made again (the call that lost it failed
 * already), and what was listened to is listened to again.  0 or -1.
 */
int		 pgs_connected(struct pgstore *, struct err *);
/*
 * Runs sql with q's parameters (q may be NULL) and asks for binary
 * results.  Returns the result (PQclear it) of a command or a query, or
 * NULL with err set ("what: the server's message").
 */
PGresult	*pgs_exec(struct pgstore *, const char *sql, const struct pgq *q,
		    const char *what, struct err *);
/* Runs sql (no parameters, no rows).  0, or -1 with err set. */
int		 pgs_cmd(struct pgstore *, const char *sql, const char *what,
		    struct err *);
/* Commits; a transaction that failed on the way is an error.  0, -1. */
int		 pgs_commit(struct pgstore *, struct err *);
/* Ends the transaction an error path left open, if any. */
void		 pgs_rollback(struct pgstore *);
/*
 * Runs sql, a query of one row of one integer (a count, a size), with q's
 * parameters (q may be NULL), taking the handle's lock.  Returns the
 * integer (NULL reads as 0), or -1 with err set.
 */
int64_t		 pgs_scalar(struct pgstore *, const char *sql,
		    const struct pgq *q, const char *what, struct err *);

/*
 * Column readers of binary results.  Integers read any integer type (and
 * boolean), doubles float8 or float4, NULL reads as 0.
 */
int	pgs_isnull(const PGresult *, int row, int col);
int64_t	pgs_get_int64(const PGresult *, int row, int col);
int	pgs_get_int(const PGresult *, int row, int col);
double	pgs_get_double(const PGresult *, int row, int col);
/* Copies text column col into dst[size], truncating; NULL gives "". */
void	pgs_get_msg(const PGresult *, int row, int col, char *dst,
	    size_t size);
/*
 * Copies a text or bytea column into *p (caller frees) as a
 * NUL-terminated string of *len bytes.  SQL NULL gives *p = NULL when
 * nullable, else "".  0, or -1 with err set.
 */
int	pgs_get_bytes(const PGresult *, int row, int col, int nullable,
	    char **p, size_t *len, struct err *);
/* As pgs_get_bytes for a string: NULL stays NULL (nn: becomes ""). */
int	pgs_get_str(const PGresult *, int row, int col, char **out,
	    struct err *);
int	pgs_get_str_nn(const PGresult *, int row, int col, char **out,
	    struct err *);

/*
 * Builds the submission of row 0 of res (SUB_COLS), without tests.
 * Returns 0 with *out (caller frees), or -1 with err set.
 */
int	pgs_sub_row(const PGresult *res, struct submission **out,
	    struct err *);
/*
 * Fills s->tests (and sizes s->results) from res, rows of (idx, stdin,
 * expected) in idx order.  0, or -1 with err set.
 */
int	pgs_sub_tests(const PGresult *res, struct submission *s,
	    struct err *);
/* Appends the files of res, rows of (name, content).  0 or -1. */
int	pgs_sub_files(const PGresult *res, struct submission *s,
	    struct err *);

/* The backend's side of store.h and queue.h, in the same words. */
/*
 * The SQLite store files refer to the pgstore_* functions weakly (they
 * define PG_WEAK_REFS before including this header): a program that does
 * not link the pg_*.o files (the CLI, whose commands work on a site's
 * SQLite store) has them NULL, and store_open refuses a postgresql://
 * URI there.
 */
#ifdef PG_WEAK_REFS
#define PG_API	__attribute__((weak))
#else
#define PG_API
#endif

PG_API struct pgstore	*pgstore_open(const char *conninfo, struct err *);
PG_API void		 pgstore_close(struct pgstore *);
PG_API int		 pgstore_integrity_check(struct pgstore *, struct err *);
PG_API int64_t		 pgstore_db_bytes(struct pgstore *, struct err *);
PG_API int		 pgstore_health(struct pgstore *, struct store_health *,
		    struct err *);

PG_API int	pgstore_insert_ex(struct pgstore *, struct submission *,
	    const struct store_insert_opts *, struct err *);
PG_API int	pgstore_idempotent(struct pgstore *, struct submission *,
	    const char *key, int64_t since_ms, struct err *);
PG_API int	pgstore_get(struct pgstore *, const char *token, const char *owner,
	    struct submission **, struct err *);
PG_API int	pgstore_delete(struct pgstore *, const char *token,
	    const char *owner, int *status, struct err *);
PG_API int	pgstore_prune(struct pgstore *, int64_t older_than_ms, struct err *);
PG_API int	pgstore_prune_batch(struct pgstore *, int64_t older_than_ms, int max,
	    struct err *);

PG_API int	pgstore_list(struct pgstore *, const struct store_filter *,
	    struct store_row **, size_t *, int64_t *, struct err *);
PG_API int	pgstore_count_verdicts(struct pgstore *, const char *owner,
	    struct store_count **, size_t *, struct err *);
PG_API int	pgstore_time_histogram(struct pgstore *, const char *owner,
	    const double *edges_s, size_t nedges, int64_t *counts,
	    struct err *);
PG_API int64_t	pgstore_count_since(struct pgstore *, const char *owner,
	    int64_t since_ms, struct err *);
PG_API int	pgstore_count_days(struct pgstore *, const char *owner,
	    int64_t since_ms, struct store_day **, size_t *, struct err *);

PG_API int	pgstore_callbacks_due(struct pgstore *, int64_t now_ms, size_t max,
	    struct store_callback **, size_t *, int64_t *next_ms,
	    struct err *);
PG_API int	pgstore_callback_done(struct pgstore *, int64_t submission_id,
	    int state, int attempts, int64_t next_try_ms, const char *error,
	    struct err *);
PG_API int	pgstore_callback_state(struct pgstore *, const char *token,
	    int *state, int *attempts, char *error, size_t error_size,
	    char **url, struct err *);

PG_API int	pgstore_set_node(struct pgstore *, const char *node, struct err *);
PG_API int	pgstore_claim(struct pgstore *, int executor, int64_t now_ms,
	    int64_t lease_ms, struct store_lease *, struct submission **,
	    struct err *);
PG_API int	pgstore_progress(struct pgstore *, struct store_lease *, int test,
	    int64_t until_ms, struct err *);
PG_API int	pgstore_finish(struct pgstore *, const struct store_lease *,
	    const struct submission *, int64_t now_ms, struct err *);
PG_API int	pgstore_lease_held(struct pgstore *, const struct store_lease *,
	    struct err *);
PG_API int	pgstore_requeue(struct pgstore *, int executor, int64_t before_ms,
	    int max_attempts, int64_t now_ms, struct err *);
PG_API int64_t	pgstore_queue_depth(struct pgstore *, const char *owner,
	    struct err *);
PG_API int64_t	pgstore_queue_ahead(struct pgstore *, int64_t id, struct err *);
PG_API int	pgstore_status(struct pgstore *, const char *token, struct err *);
PG_API int	pgstore_wake_fd(struct pgstore *, unsigned int what, struct err *);
PG_API int	pgstore_wake_read(struct pgstore *, struct err *);

#endif
