/*
 * The PostgreSQL store: the handle, the schema and the helpers the files
 * pg_*.c share.
 *
 * Theory of operation.  store_open() of a "postgresql://" (or
 * "postgres://") URI makes a handle of this backend; every public
 * function of store.h and queue.h hands it over to its pgstore_*
 * counterpart.  Several nodes (hosts, or processes on one host) share
 * the database; each process has its own handle, opened after fork, with
 * one connection.  The handle's mutex, taken by every pgstore_* call,
 * makes each call (often a transaction of several statements) one unit
 * on that connection, so the threads of an http worker may share it.
 * libpq's socket is close-on-exec: nothing leaks into a sandboxed child.
 *
 * Transactions are READ COMMITTED, each as small as the call.  Reads of
 * several statements (a submission with its tests and results, a page
 * with its count) run in one REPEATABLE READ READ ONLY transaction, so
 * they see one snapshot.  Every error path rolls back what is open
 * (pgs_rollback()).  Queries are sent with their parameters apart
 * (PQexecParams: nothing is ever spliced into SQL text), numbers as text
 * and bytes as binary, and answered in binary; SQL text lives next to
 * the function that runs it, as in the SQLite files.
 *
 * The job queue is the schema's functions (sql/pg/schema.sql): claim is
 * SELECT ... FOR UPDATE SKIP LOCKED, so executors on every node claim at
 * once without waiting on each other; a lease is (job, attempt), and
 * renew, the results and finish go through only while it is the
 * caller's: a late finish after a requeue changes nothing and is
 * refused.  The functions run as the schema's owner, which lets an
 * executor-only node use a role that may call them and nothing else.
 * Running jobs carry the name of their node (store_set_node) beside the
 * executor's slot, so that a node requeues only its own dead executors'
 * jobs; expired leases are requeued by anyone (store_requeue_expired).
 * Times are the nodes' clocks (util_now_ms), as with SQLite: keep them
 * in step (NTP); a skew eats into the lease.
 *
 * Wake-ups: a trigger NOTIFYs coderunner_job when a job is queued and
 * coderunner_done when one became final.  store_wake_fd() LISTENs and
 * gives the connection's socket to poll; store_wake_read() takes the
 * notifications.  A lost notification (a connection that was down) only
 * costs the callers' bounded poll.
 *
 * A lost connection (the server restarted, a failover) fails the call in
 * hand; the next call connects again (PQreset) and LISTENs again.
 *
 * XXX Text columns (owner, messages, URLs) must be valid in the
 * database's encoding (UTF-8): the server refuses the call otherwise.
 * What a request gives as free text (options, arguments, inputs,
 * outputs) is bytea; the owner is nginx's authenticated user name.
 *
 * Schema versions are sql/pg/schema.sql (1) and sql/pg/NNN_<what>.sql,
 * in the table schema_version of the schema the connection's search_path
 * names first (current_schema()).  Migrations run under a transaction
 * advisory lock, so nodes that start together migrate once.
 */

#include <endian.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/err.h"
#include "base/log.h"
#include "judge/judge.h"
#include "store.h"
#include "pg_int.h"

/* Type oids of the built-in types we bind and read (pg_type.dat). */
#define BOOLOID		16
#define BYTEAOID	17
#define INT8OID		20
#define INT2OID		21
#define INT4OID		23
#define TEXTOID		25
#define FLOAT4OID	700
#define FLOAT8OID	701

#define CONNECT_TIMEOUT	"10"	/* seconds, unless the URI says */

struct migration {
	int		 version;
	const char	*sql;
};
extern const struct migration store_pg_migrations[];
extern const size_t store_pg_nmigrations;

void
pgq_init(struct pgq *q)
{
	q->n = 0;
}

/* Adds a parameter; the callers never pass more than PGQ_MAX. */
static void
pgq_add(struct pgq *q, const char *val, int len, int fmt, unsigned int type)
{
	if (q->n >= PGQ_MAX)
		return;
	q->val[q->n] = val;
	q->len[q->n] = len;
	q->fmt[q->n] = fmt;
	q->type[q->n] = type;
	q->n++;
}

void
pgq_int(struct pgq *q, int v)
{
	if (q->n < PGQ_MAX)
		snprintf(q->num[q->n], sizeof(q->num[0]), "%d", v);
	pgq_add(q, q->num[q->n], 0, 0, INT4OID);
}

void
pgq_int64(struct pgq *q, int64_t v)
{
	if (q->n < PGQ_MAX)
		snprintf(q->num[q->n], sizeof(q->num[0]), "%lld",
		    (long long)v);
	pgq_add(q, q->num[q->n], 0, 0, INT8OID);
}

void
pgq_double(struct pgq *q, double v)
{
	/* 17 significant digits come back as the same double */
	if (q->n < PGQ_MAX)
		snprintf(q->num[q->n], sizeof(q->num[0]), "%.17g", v);
	pgq_add(q, q->num[q->n], 0, 0, FLOAT8OID);
}

void
pgq_null_int(struct pgq *q)
{
	pgq_add(q, NULL, 0, 0, INT4OID);
}

void
pgq_text(struct pgq *q, const char *s)
{
	pgq_add(q, s, 0, 0, TEXTOID);
}

void
pgq_msg(struct pgq *q, const char *msg, size_t size)
{
	/* binary text: the bytes as they are, up to the NUL or the end */
	pgq_add(q, msg, (int)strnlen(msg, size), 1, TEXTOID);
}

void
pgq_bytes(struct pgq *q, const char *p, size_t n)
{
	pgq_add(q, p, (int)n, 1, BYTEAOID);
}

void
pgq_bytes_nn(struct pgq *q, const char *p, size_t n)
{
	pgq_add(q, p != NULL ? p : "", p != NULL ? (int)n : 0, 1, BYTEAOID);
}

/* The server's notices (a NOTICE from a migration, ...) are debug lines. */
static void
notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store: PostgreSQL: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* The server's (or libpq's) message, without its trailing newline. */
static void
set_pg_err(struct err *err, const char *what, const char *msg)
{
	size_t	n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	err_set(err, "%s: %.*s", what, (int)n, msg);
}

/* LISTENs to what the handle asked for, on a (new) connection. */
static int
listen_again(struct pgstore *ps, struct err *err)
{
	PGresult	*res;
	int		 rc = 0;

	if ((ps->listening & PG_LISTEN_JOB) &&
	    !(ps->listened & PG_LISTEN_JOB)) {
		res = PQexec(ps->conn, "LISTEN coderunner_job");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			set_pg_err(err, "listen", PQerrorMessage(ps->conn));
			rc = -1;
		} else
			ps->listened |= PG_LISTEN_JOB;
		PQclear(res);
	}
	if (rc == 0 && (ps->listening & PG_LISTEN_DONE) &&
	    !(ps->listened & PG_LISTEN_DONE)) {
		res = PQexec(ps->conn, "LISTEN coderunner_done");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			set_pg_err(err, "listen", PQerrorMessage(ps->conn));
			rc = -1;
		} else
			ps->listened |= PG_LISTEN_DONE;
		PQclear(res);
	}
	return rc;
}

int
pgs_connected(struct pgstore *ps, struct err *err)
{
	if (PQstatus(ps->conn) == CONNECTION_OK)
		return 0;
	ps->listened = 0;
	PQreset(ps->conn);
	if (PQstatus(ps->conn) != CONNECTION_OK) {
		set_pg_err(err, "reconnect", PQerrorMessage(ps->conn));
		err->unavailable = 1;
		return -1;
	}
	log_debug("store: connected to PostgreSQL again");
	if (PQsetClientEncoding(ps->conn, "UTF8") != 0) {
		set_pg_err(err, "client_encoding", PQerrorMessage(ps->conn));
		return -1;
	}
	return listen_again(ps, err);
}

/*
 * Whether a failed statement is a storage fault that may pass (the
 * client is told 503 + Retry-After, as for SQLite's locked or full
 * file): the connection is gone, or SQLSTATE class 08 (connection), 40
 * (serialization, deadlock), 53 (disk full, out of memory or
 * connections), 57 (shutdown, cannot connect now), 55P03 (lock not
 * available), 25006 (read-only transaction: a standby).
 */
static int
pg_fault(const struct pgstore *ps, const PGresult *res)
{
	const char	*state;

	if (PQstatus(ps->conn) != CONNECTION_OK || res == NULL ||
	    (state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return 1;
	return strncmp(state, "08", 2) == 0 || strncmp(state, "40", 2) == 0 ||
	    strncmp(state, "53", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "25006") == 0;
}

PGresult *
pgs_exec(struct pgstore *ps, const char *sql, const struct pgq *q,
    const char *what, struct err *err)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexecParams(ps->conn, sql, q != NULL ? q->n : 0,
	    q != NULL ? q->type : NULL, q != NULL ? q->val : NULL,
	    q != NULL ? q->len : NULL, q != NULL ? q->fmt : NULL, 1);
	st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		set_pg_err(err, what, res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(ps->conn));
		err->unavailable = pg_fault(ps, res);
		PQclear(res);
		return NULL;
	}
	return res;
}

int
pgs_cmd(struct pgstore *ps, const char *sql, const char *what,
    struct err *err)
{
	PGresult	*res;

	if ((res = pgs_exec(ps, sql, NULL, what, err)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
pgs_commit(struct pgstore *ps, struct err *err)
{
	PGresult	*res;
	int		 rc = 0;

	/* COMMIT of a failed transaction answers ROLLBACK, not an error */
	if (PQtransactionStatus(ps->conn) != PQTRANS_INTRANS)
		return err_set(err, "commit: no transaction to commit");
	res = PQexec(ps->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		set_pg_err(err, "commit", PQresultStatus(res) ==
		    PGRES_COMMAND_OK ? "rolled back" :
		    PQresultErrorMessage(res));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

void
pgs_rollback(struct pgstore *ps)
{
	PGresult	*res;

	switch (PQtransactionStatus(ps->conn)) {
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		res = PQexec(ps->conn, "ROLLBACK");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			log_debug("store: rollback: %s",
			    PQerrorMessage(ps->conn));
		PQclear(res);
		break;
	default:
		break;
	}
}

int64_t
pgs_scalar(struct pgstore *ps, const char *sql, const struct pgq *q,
    const char *what, struct err *err)
{
	PGresult	*res = NULL;
	int64_t		 rc = -1;

	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, sql, q, what, err)) == NULL)
		goto out;
	if (PQntuples(res) != 1 || PQnfields(res) != 1) {
		err_set(err, "%s: no answer", what);
		goto out;
	}
	rc = pgs_get_int64(res, 0, 0);
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

int
pgs_isnull(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col);
}

/* Reads n (2, 4 or 8) big-endian bytes at p as a signed integer. */
static int64_t
be_int(const char *p, int n)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < n; i++)
		v = v << 8 | (unsigned char)p[i];
	if (n < 8 && (v & (UINT64_C(1) << (8 * n - 1))))
		v |= ~UINT64_C(0) << (8 * n);
	return (int64_t)v;
}

int64_t
pgs_get_int64(const PGresult *res, int row, int col)
{
	const char	*p;
	int		 len;

	if (PQgetisnull(res, row, col))
		return 0;
	p = PQgetvalue(res, row, col);
	len = PQgetlength(res, row, col);
	switch (PQftype(res, col)) {
	case BOOLOID:
		return len == 1 && p[0] != 0;
	case INT2OID:
	case INT4OID:
	case INT8OID:
		if (len == 2 || len == 4 || len == 8)
			return be_int(p, len);
		return 0;
	default:
		return (int64_t)pgs_get_double(res, row, col);
	}
}

int
pgs_get_int(const PGresult *res, int row, int col)
{
	return (int)pgs_get_int64(res, row, col);
}

double
pgs_get_double(const PGresult *res, int row, int col)
{
	const char	*p;
	uint64_t	 u;
	uint32_t	 u4;
	double		 d;
	float		 f;

	if (PQgetisnull(res, row, col))
		return 0;
	p = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case FLOAT8OID:
		if (PQgetlength(res, row, col) != 8)
			return 0;
		memcpy(&u, p, 8);
		u = be64toh(u);
		memcpy(&d, &u, 8);
		return d;
	case FLOAT4OID:
		if (PQgetlength(res, row, col) != 4)
			return 0;
		memcpy(&u4, p, 4);
		u4 = be32toh(u4);
		memcpy(&f, &u4, 4);
		return f;
	case BOOLOID:
	case INT2OID:
	case INT4OID:
	case INT8OID:
		return (double)pgs_get_int64(res, row, col);
	default:
		return 0;
	}
}

void
pgs_get_msg(const PGresult *res, int row, int col, char *dst, size_t size)
{
	int	len = PQgetlength(res, row, col);

	if (size == 0)
		return;
	if (PQgetisnull(res, row, col) || len < 0)
		len = 0;
	if ((size_t)len >= size)
		len = (int)size - 1;
	memcpy(dst, PQgetvalue(res, row, col), (size_t)len);
	dst[len] = '\0';
}

int
pgs_get_bytes(const PGresult *res, int row, int col, int nullable, char **p,
    size_t *len, struct err *err)
{
	char	*d;
	int	 n;

	*p = NULL;
	*len = 0;
	if (nullable && PQgetisnull(res, row, col))
		return 0;
	n = PQgetisnull(res, row, col) ? 0 : PQgetlength(res, row, col);
	if ((d = malloc((size_t)n + 1)) == NULL)
		return err_errno(err, "malloc");
	if (n > 0)
		memcpy(d, PQgetvalue(res, row, col), (size_t)n);
	d[n] = '\0';
	*p = d;
	*len = (size_t)n;
	return 0;
}

int
pgs_get_str(const PGresult *res, int row, int col, char **out,
    struct err *err)
{
	size_t	len;

	return pgs_get_bytes(res, row, col, 1, out, &len, err);
}

int
pgs_get_str_nn(const PGresult *res, int row, int col, char **out,
    struct err *err)
{
	size_t	len;

	return pgs_get_bytes(res, row, col, 0, out, &len, err);
}

/*
 * The schema's version: 0 when schema_version does not exist yet (in the
 * schema the tables go to, current_schema()).
 */
static int
schema_version(struct pgstore *ps, int *v, struct err *err)
{
	PGresult	*res = NULL;
	int		 rc = -1;

	if ((res = pgs_exec(ps, "SELECT to_regclass('schema_version') IS NULL",
	    NULL, "schema version", err)) == NULL)
		goto out;
	if (pgs_get_int(res, 0, 0)) {
		*v = 0;
		rc = 0;
		goto out;
	}
	PQclear(res);
	if ((res = pgs_exec(ps, "SELECT max(version) FROM schema_version",
	    NULL, "schema version", err)) == NULL)
		goto out;
	*v = pgs_get_int(res, 0, 0);
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/*
 * Brings the schema up to the last of store_pg_migrations[], each
 * version in its own transaction under an advisory lock that other
 * nodes migrating the same schema wait for; each step reads the version
 * again under the lock.  The search_path of the migration is the schema
 * and then pg_temp, which the queue functions keep (SET search_path FROM
 * CURRENT): a temporary table can never stand in for one of ours.
 */
static int
migrate(struct pgstore *ps, struct err *err)
{
	const struct migration	*m, *last;
	PGresult		*res = NULL;
	struct pgq		 q;
	char			*schema = NULL, *path = NULL;
	size_t			 i;
	int			 v, rc = -1;

	last = &store_pg_migrations[store_pg_nmigrations - 1];
	if (schema_version(ps, &v, err) == -1)
		goto out;
	if (v > last->version) {
		err_set(err, "schema version %d is newer than this program's "
		    "(%d)", v, last->version);
		goto out;
	}
	if (v == last->version) {
		rc = 0;
		goto out;
	}
	if ((res = pgs_exec(ps, "SELECT current_schema(), "
	    "quote_ident(current_schema()) || ', pg_temp'", NULL, "schema",
	    err)) == NULL)
		goto out;
	if (pgs_isnull(res, 0, 0)) {
		err_set(err, "no schema to make the tables in: the "
		    "search_path names none that exists");
		goto out;
	}
	if (pgs_get_str(res, 0, 0, &schema, err) == -1 ||
	    pgs_get_str(res, 0, 1, &path, err) == -1)
		goto out;
	PQclear(res);
	res = NULL;
	for (i = 0; i < store_pg_nmigrations; i++) {
		m = &store_pg_migrations[i];
		if (m->version <= v)
			continue;
		pgq_init(&q);
		pgq_text(&q, schema);
		if (pgs_cmd(ps, "BEGIN", "begin", err) == -1 ||
		    (res = pgs_exec(ps, "SELECT pg_advisory_xact_lock("
		    "hashtextextended('coderunner schema ' || $1, 0))", &q,
		    "migrate: lock", err)) == NULL)
			goto out;
		PQclear(res);
		res = NULL;
		pgq_init(&q);
		pgq_text(&q, path);
		if ((res = pgs_exec(ps, "SELECT set_config('search_path', $1, "
		    "true)", &q, "migrate: search_path", err)) == NULL ||
		    schema_version(ps, &v, err) == -1)
			goto out;
		PQclear(res);
		res = NULL;
		if (v < m->version) {
			/* several statements: the simple query protocol */
			res = PQexec(ps->conn, m->sql);
			if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			    PQresultStatus(res) != PGRES_TUPLES_OK) {
				set_pg_err(err, "schema",
				    PQresultErrorMessage(res));
				goto out;
			}
			PQclear(res);
			res = NULL;
			pgq_init(&q);
			pgq_int(&q, m->version);
			if ((res = pgs_exec(ps, "UPDATE schema_version SET "
			    "version = $1", &q, "schema version", err)) ==
			    NULL)
				goto out;
			PQclear(res);
			res = NULL;
			log_debug("store: schema version %d", m->version);
			v = m->version;
		}
		if (pgs_commit(ps, err) == -1)
			goto out;
	}
	rc = 0;
out:
	PQclear(res);
	pgs_rollback(ps);
	free(schema);
	free(path);
	return rc;
}

struct pgstore *
pgstore_open(const char *conninfo, struct err *err)
{
	static const char *const keys[] = {
		"connect_timeout", "application_name", "dbname", NULL
	};
	const char		*vals[4];
	struct pgstore		*ps = NULL, *ret = NULL;
	int			 e;

	if (pglib_load(err) == -1)
		return NULL;
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	if ((e = pthread_mutex_init(&ps->mu, NULL)) != 0) {
		err_set(err, "pthread_mutex_init: %s", strerror(e));
		goto out;
	}
	ps->mu_ok = 1;
	if ((ps->conninfo = strdup(conninfo)) == NULL ||
	    (ps->node = strdup("")) == NULL) {
		err_errno(err, "strdup");
		goto out;
	}
	/* the URI comes last: what it says overrides our defaults */
	vals[0] = CONNECT_TIMEOUT;
	vals[1] = "coderunner";
	vals[2] = conninfo;
	vals[3] = NULL;
	ps->conn = PQconnectdbParams(keys, vals, 1);
	if (ps->conn == NULL) {
		err_set(err, "PostgreSQL: out of memory");
		goto out;
	}
	if (PQstatus(ps->conn) != CONNECTION_OK) {
		set_pg_err(err, "PostgreSQL", PQerrorMessage(ps->conn));
		goto out;
	}
	/* kept by PQreset too */
	PQsetNoticeProcessor(ps->conn, notice, NULL);
	if (PQsetClientEncoding(ps->conn, "UTF8") != 0) {
		set_pg_err(err, "client_encoding", PQerrorMessage(ps->conn));
		goto out;
	}
	if (migrate(ps, err) == -1)
		goto out;
	ret = ps;
	ps = NULL;
out:
	pgstore_close(ps);
	return ret;
}

void
pgstore_close(struct pgstore *ps)
{
	if (ps == NULL)
		return;
	PQfinish(ps->conn);
	if (ps->mu_ok)
		pthread_mutex_destroy(&ps->mu);
	free(ps->conninfo);
	free(ps->node);
	free(ps);
}

/*
 * PostgreSQL keeps its own constraints; what is ours to check is that the
 * schema is the one this program knows and the server answers.
 */
int
pgstore_integrity_check(struct pgstore *ps, struct err *err)
{
	const struct migration	*last;
	int			 v, rc = -1;

	last = &store_pg_migrations[store_pg_nmigrations - 1];
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 || schema_version(ps, &v, err) == -1)
		goto out;
	if (v != last->version) {
		err_set(err, "schema version %d, this program's is %d", v,
		    last->version);
		goto out;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

int64_t
pgstore_db_bytes(struct pgstore *ps, struct err *err)
{
	return pgs_scalar(ps, "SELECT pg_database_size(current_database())",
	    NULL, "size", err);
}

/*
 * The server answers, and a write could start: not a standby (read only),
 * not in a read-only transaction mode.  PostgreSQL keeps its own log and
 * free space; those stay unknown (-1).
 */
int
pgstore_health(struct pgstore *ps, struct store_health *h, struct err *err)
{
	PGresult	*res = NULL;
	int		 rc = -1;

	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, "SELECT (SELECT count(*) FROM submissions "
	    "WHERE status = 1), pg_database_size(current_database()), "
	    "pg_is_in_recovery() OR "
	    "current_setting('transaction_read_only') = 'on'", NULL, "health",
	    err)) == NULL)
		goto out;
	h->queued = pgs_get_int64(res, 0, 0);
	h->data_bytes = pgs_get_int64(res, 0, 1);
	h->writable = !pgs_get_int(res, 0, 2);
	if (!h->writable)
		snprintf(h->problem, sizeof(h->problem), "the server is read "
		    "only (a standby?)");
	rc = 0;
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

int
pgstore_wake_fd(struct pgstore *ps, unsigned int what, struct err *err)
{
	int	fd = -1;

	pthread_mutex_lock(&ps->mu);
	ps->listening |= what & (PG_LISTEN_JOB | PG_LISTEN_DONE);
	if (pgs_connected(ps, err) == -1 || listen_again(ps, err) == -1)
		goto out;
	if ((fd = PQsocket(ps->conn)) < 0)
		err_set(err, "listen: no socket");
out:
	pthread_mutex_unlock(&ps->mu);
	return fd;
}

int
pgstore_wake_read(struct pgstore *ps, struct err *err)
{
	PGnotify	*n;
	int		 count = 0;

	pthread_mutex_lock(&ps->mu);
	if (PQconsumeInput(ps->conn) == 0) {
		set_pg_err(err, "notifications", PQerrorMessage(ps->conn));
		count = -1;
	}
	/* also those that came in with the answers of other calls */
	while ((n = PQnotifies(ps->conn)) != NULL) {
		if (count >= 0)
			count++;
		PQfreemem(n);
	}
	pthread_mutex_unlock(&ps->mu);
	return count;
}
