/*
 * History and statistics in the SQLite store: one page of a user's (or
 * everyone's) submissions, and the counts and the CPU-time histogram of
 * /statistics.  These read-only queries run once per page view, so they
 * are prepared per call rather than cached (the counts of one number go
 * through sql_int64, which caches).  See the theory block of store.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "base/err.h"
#include "judge/judge.h"
#include "store.h"
#include "store_int.h"
#define PG_WEAK_REFS	/* see pg_int.h */
#include "pg_int.h"

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
	"AND (?3 = 0 OR status IN (?3, ?8)) AND (?4 = 0 OR created_ms >= ?4) "	\
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
	    sqlite3_bind_int64(stmt, 5, f->until_ms) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 8, f->status_or) != SQLITE_OK)
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
	if (st->pg != NULL)
		return pgstore_list(st->pg, f, rows, nrows, total, err);
	if ((r = calloc((size_t)f->per_page, sizeof(*r))) == NULL)
		return err_errno(err, "calloc");

	if (sql_lock(st, err) == -1) {
		free(r);
		return -1;
	}
	if (sql_exec(st, "BEGIN", "begin", err) == -1 ||
	    (cnt = sql_prep_once(st, list_sql[by_owner][1], err)) == NULL ||
	    (list = sql_prep_once(st, list_sql[by_owner][0], err)) == NULL)
		goto out;
	if (bind_filter(cnt, f) == -1 || bind_filter(list, f) == -1 ||
	    sqlite3_bind_int64(list, 6, f->per_page) != SQLITE_OK ||
	    sqlite3_bind_int64(list, 7, (f->page - 1) * f->per_page) !=
	    SQLITE_OK) {
		sql_err(st, err, "list: bind");
		goto out;
	}
	if (sqlite3_step(cnt) != SQLITE_ROW) {
		sql_err(st, err, "list: count");
		goto out;
	}
	*total = sqlite3_column_int64(cnt, 0);
	while (n < (size_t)f->per_page &&
	    (step = sqlite3_step(list)) == SQLITE_ROW) {
		row = &r[n++];
		sql_col_msg(list, 0, row->token, sizeof(row->token));
		if (sql_col_text_nn(list, 1, &row->owner, err) == -1)
			goto out;
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
		sql_err(st, err, "list");
		goto out;
	}
	sqlite3_finalize(cnt);
	sqlite3_finalize(list);
	cnt = list = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*rows = r;
	*nrows = n;
	r = NULL;
	rc = 0;
out:
	sqlite3_finalize(cnt);
	sqlite3_finalize(list);
	sql_rollback(st);
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
	if (st->pg != NULL)
		return pgstore_count_verdicts(st->pg, owner, counts, n, err);
	if (sql_lock(st, err) == -1)
		return -1;
	if ((stmt = sql_prep_once(st, "SELECT lang_id, status, count(*) "
	    "FROM submissions WHERE (?1 IS NULL OR owner = ?1) "
	    "GROUP BY lang_id, status ORDER BY lang_id, status", err)) == NULL)
		goto out;
	if ((owner != NULL ? sqlite3_bind_text(stmt, 1, owner, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, 1)) != SQLITE_OK) {
		sql_err(st, err, "count: bind");
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
		sql_err(st, err, "count");
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
	if (st->pg != NULL)
		return pgstore_time_histogram(st->pg, owner, edges_s, nedges,
		    counts, err);
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

	if (sql_lock(st, err) == -1)
		return -1;
	if ((stmt = sql_prep_once(st, sql, err)) == NULL)
		goto out;
	if ((owner != NULL ? sqlite3_bind_text(stmt, 1, owner, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, 1)) != SQLITE_OK) {
		sql_err(st, err, "histogram: bind");
		goto out;
	}
	for (i = 0; i < nedges; i++)
		if (sqlite3_bind_double(stmt, (int)i + 2, edges_s[i]) !=
		    SQLITE_OK) {
			sql_err(st, err, "histogram: bind");
			goto out;
		}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		b = sqlite3_column_int64(stmt, 0);
		if (b >= 0 && (uint64_t)b <= nedges)
			counts[b] = sqlite3_column_int64(stmt, 1);
	}
	if (step != SQLITE_DONE) {
		sql_err(st, err, "histogram");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* one query per case: with an owner it walks submissions_owner */
static const char sql_count_since_owner[] =
    "SELECT count(*) FROM submissions WHERE owner = ?1 AND created_ms >= ?2";
static const char sql_count_since[] =
    "SELECT count(*) FROM submissions WHERE created_ms >= ?2";

int64_t
store_count_since(struct store *st, const char *owner, int64_t since_ms,
    struct err *err)
{
	if (st->pg != NULL)
		return pgstore_count_since(st->pg, owner, since_ms, err);
	return sql_int64(st, owner != NULL ? sql_count_since_owner :
	    sql_count_since, owner, since_ms, "count", err);
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
	if (st->pg != NULL)
		return pgstore_count_days(st->pg, owner, since_ms, days, n,
		    err);
	if (sql_lock(st, err) == -1)
		return -1;
	if ((stmt = sql_prep_once(st, "SELECT created_ms / 86400000 AS d, "
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
		sql_err(st, err, "days");
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
