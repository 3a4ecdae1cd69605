/*
 * History and statistics in the PostgreSQL store: one page of a user's
 * (or everyone's) submissions, and the counts and the CPU-time histogram
 * of /statistics.  The same queries as history.c, in PostgreSQL's words.
 * See the theory block of pg.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "base/err.h"
#include "judge/judge.h"
#include "store.h"
#include "pg_int.h"

/* The history filter; $1 is the owner (NULL: everyone's). */
#define LIST_FROM							\
	" FROM submissions WHERE ($1::text IS NULL OR owner = $1) "	\
	"AND ($2 = 0 OR lang_id = $2) "					\
	"AND ($3 = 0 OR status IN ($3, $6)) "				\
	"AND ($4 = 0 OR created_ms >= $4) AND ($5 = 0 OR created_ms < $5)"

static const char sql_list[] =
    "SELECT token, owner, lang_id, status, time_s, wall_time_s, "
    "memory_kb, created_ms, finished_ms" LIST_FROM
    " ORDER BY id DESC LIMIT $7 OFFSET $8";
static const char sql_list_count[] = "SELECT count(*)" LIST_FROM;

static void
bind_filter(struct pgq *q, const struct store_filter *f)
{
	pgq_init(q);
	pgq_text(q, f->owner);
	pgq_int(q, f->lang_id);
	pgq_int(q, f->status);
	pgq_int64(q, f->since_ms);
	pgq_int64(q, f->until_ms);
	pgq_int(q, f->status_or);
}

int
pgstore_list(struct pgstore *ps, const struct store_filter *f,
    struct store_row **rows, size_t *nrows, int64_t *total,
    struct err *err)
{
	struct store_row	*r = NULL, *row;
	PGresult		*res = NULL;
	struct pgq		 q;
	size_t			 n = 0;
	int			 i, rc = -1;

	if ((r = calloc((size_t)f->per_page, sizeof(*r))) == NULL)
		return err_errno(err, "calloc");
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 || pgs_cmd(ps, "BEGIN ISOLATION "
	    "LEVEL REPEATABLE READ READ ONLY", "begin", err) == -1)
		goto out;
	bind_filter(&q, f);
	if ((res = pgs_exec(ps, sql_list_count, &q, "list: count", err)) ==
	    NULL)
		goto out;
	*total = pgs_get_int64(res, 0, 0);
	PQclear(res);
	pgq_int64(&q, f->per_page);
	pgq_int64(&q, (f->page - 1) * f->per_page);
	if ((res = pgs_exec(ps, sql_list, &q, "list", err)) == NULL)
		goto out;
	for (i = 0; i < PQntuples(res) && n < (size_t)f->per_page; i++) {
		row = &r[n++];
		pgs_get_msg(res, i, 0, row->token, sizeof(row->token));
		if (pgs_get_str_nn(res, i, 1, &row->owner, err) == -1)
			goto out;
		row->lang_id = pgs_get_int(res, i, 2);
		row->status = pgs_get_int(res, i, 3);
		row->has_time = !pgs_isnull(res, i, 4);
		row->time_s = pgs_get_double(res, i, 4);
		row->wall_time_s = pgs_get_double(res, i, 5);
		row->has_memory = !pgs_isnull(res, i, 6);
		row->memory_kb = pgs_get_int64(res, i, 6);
		row->created_ms = pgs_get_int64(res, i, 7);
		row->finished_ms = pgs_get_int64(res, i, 8);
	}
	if (pgs_commit(ps, err) == -1)
		goto out;
	*rows = r;
	*nrows = n;
	r = NULL;
	rc = 0;
out:
	PQclear(res);
	pgs_rollback(ps);
	pthread_mutex_unlock(&ps->mu);
	store_rows_free(r, n);
	return rc;
}

int
pgstore_count_verdicts(struct pgstore *ps, const char *owner,
    struct store_count **counts, size_t *n, struct err *err)
{
	struct store_count	*c = NULL;
	PGresult		*res = NULL;
	struct pgq		 q;
	int			 i, rc = -1;

	pgq_init(&q);
	pgq_text(&q, owner);
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, "SELECT lang_id, status, count(*) "
	    "FROM submissions WHERE ($1::text IS NULL OR owner = $1) "
	    "GROUP BY lang_id, status ORDER BY lang_id, status", &q, "count",
	    err)) == NULL)
		goto out;
	if (PQntuples(res) > 0 && (c = calloc((size_t)PQntuples(res),
	    sizeof(*c))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		c[i].lang_id = pgs_get_int(res, i, 0);
		c[i].status = pgs_get_int(res, i, 1);
		c[i].n = pgs_get_int64(res, i, 2);
	}
	*counts = c;
	*n = (size_t)PQntuples(res);
	c = NULL;
	rc = 0;
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	free(c);
	return rc;
}

int
pgstore_time_histogram(struct pgstore *ps, const char *owner,
    const double *edges_s, size_t nedges, int64_t *counts, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	char		 sql[2048];
	size_t		 i, len;
	int64_t		 b;
	int		 k, rc = -1;

	if (nedges + 1 > PGQ_MAX)
		return err_set(err, "histogram: %zu edges", nedges);
	/*
	 * One pass: bucket i is the first edge above the time.  The edges
	 * are bound ($2 ...), only their number shapes the text.
	 */
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT CASE");
	for (i = 0; i < nedges; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " WHEN time_s < $%zu THEN %zu", i + 2, i);
	len += (size_t)snprintf(sql + len, sizeof(sql) - len,
	    " ELSE %zu END AS b, count(*) FROM submissions "
	    "WHERE ($1::text IS NULL OR owner = $1) AND status >= %d "
	    "AND status NOT IN (%d, %d, %d) AND time_s IS NOT NULL "
	    "GROUP BY b", nedges, JS_AC, JS_CE, JS_IE, JS_EXEC_FORMAT);
	if (len >= sizeof(sql))
		return err_set(err, "histogram: query too long");
	pgq_init(&q);
	pgq_text(&q, owner);
	for (i = 0; i < nedges; i++)
		pgq_double(&q, edges_s[i]);

	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, sql, &q, "histogram", err)) == NULL)
		goto out;
	for (k = 0; k < PQntuples(res); k++) {
		b = pgs_get_int64(res, k, 0);
		if (b >= 0 && (uint64_t)b <= nedges)
			counts[b] = pgs_get_int64(res, k, 1);
	}
	rc = 0;
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

int64_t
pgstore_count_since(struct pgstore *ps, const char *owner, int64_t since_ms,
    struct err *err)
{
	struct pgq	q;

	pgq_init(&q);
	pgq_text(&q, owner);
	pgq_int64(&q, since_ms);
	return pgs_scalar(ps, "SELECT count(*) FROM submissions WHERE "
	    "($1::text IS NULL OR owner = $1) AND created_ms >= $2", &q,
	    "count", err);
}

int
pgstore_count_days(struct pgstore *ps, const char *owner, int64_t since_ms,
    struct store_day **days, size_t *n, struct err *err)
{
	struct store_day	*d = NULL;
	PGresult		*res = NULL;
	struct pgq		 q;
	int			 i, rc = -1;

	pgq_init(&q);
	pgq_text(&q, owner);
	pgq_int64(&q, since_ms);
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, "SELECT created_ms / 86400000 AS d, count(*) "
	    "FROM submissions WHERE ($1::text IS NULL OR owner = $1) "
	    "AND created_ms >= $2 GROUP BY d ORDER BY d", &q, "days",
	    err)) == NULL)
		goto out;
	if (PQntuples(res) > 0 && (d = calloc((size_t)PQntuples(res),
	    sizeof(*d))) == NULL) {
		err_errno(err, "calloc");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		d[i].day_ms = pgs_get_int64(res, i, 0) * 86400000;
		d[i].n = pgs_get_int64(res, i, 1);
	}
	*days = d;
	*n = (size_t)PQntuples(res);
	d = NULL;
	rc = 0;
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	free(d);
	return rc;
}
