/*
 * The callback queue in the SQLite store: one row per submission that
 * has a callback_url (written by store_insert_ex), read by the callback
 * sender once the submission is final, and the state of its delivery.
 * Small and rare: prepared per call.  See the theory block of store.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "base/err.h"
#include "store.h"
#include "store_int.h"
#define PG_WEAK_REFS	/* see pg_int.h */
#include "pg_int.h"

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
	size_t			 k = 0;
	int			 rc = -1, step = SQLITE_DONE;

	*out = NULL;
	*n = 0;
	*next_ms = 0;
	if (max == 0)
		return err_set(err, "callbacks: max is 0");
	if (st->pg != NULL)
		return pgstore_callbacks_due(st->pg, now_ms, max, out, n,
		    next_ms, err);
	if ((cb = calloc(max, sizeof(*cb))) == NULL)
		return err_errno(err, "calloc");
	if (sql_lock(st, err) == -1) {
		free(cb);
		return -1;
	}
	if (sql_exec(st, "BEGIN", "begin", err) == -1 ||
	    (due = sql_prep_once(st, "SELECT c.submission_id, s.token, c.url, "
	    "c.base64, c.attempts" CALLBACK_DUE " AND c.next_try_ms <= ?1 "
	    "ORDER BY c.next_try_ms LIMIT ?2", err)) == NULL ||
	    (next = sql_prep_once(st, "SELECT min(c.next_try_ms)" CALLBACK_DUE
	    " AND c.next_try_ms > ?1", err)) == NULL)
		goto out;
	sqlite3_bind_int64(due, 1, now_ms);
	sqlite3_bind_int64(due, 2, (int64_t)max);
	sqlite3_bind_int64(next, 1, now_ms);
	while (k < max && (step = sqlite3_step(due)) == SQLITE_ROW) {
		c = &cb[k++];
		c->submission_id = sqlite3_column_int64(due, 0);
		sql_col_msg(due, 1, c->token, sizeof(c->token));
		if (sql_col_text_nn(due, 2, &c->url, err) == -1)
			goto out;
		c->base64 = sqlite3_column_int(due, 3);
		c->attempts = sqlite3_column_int(due, 4);
	}
	if (k < max && step != SQLITE_DONE) {
		sql_err(st, err, "callbacks");
		goto out;
	}
	if (sqlite3_step(next) != SQLITE_ROW) {
		sql_err(st, err, "callbacks: next");
		goto out;
	}
	*next_ms = sqlite3_column_int64(next, 0);	/* NULL reads as 0 */
	sqlite3_finalize(due);
	sqlite3_finalize(next);
	due = next = NULL;
	if (sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	*out = cb;
	*n = k;
	cb = NULL;
	rc = 0;
out:
	sqlite3_finalize(due);
	sqlite3_finalize(next);
	sql_rollback(st);
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

	if (st->pg != NULL)
		return pgstore_callback_done(st->pg, submission_id, state,
		    attempts, next_try_ms, error, err);
	if (sql_lock(st, err) == -1)
		return -1;
	if (sql_begin_write(st, err) == -1 ||
	    (stmt = sql_prep_once(st, "UPDATE callbacks SET state = ?2, "
	    "attempts = ?3, next_try_ms = ?4, last_error = ?5 "
	    "WHERE submission_id = ?1", err)) == NULL)
		goto out;
	if (sqlite3_bind_int64(stmt, 1, submission_id) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 2, state) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 3, attempts) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, next_try_ms) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 5, error != NULL ? error : "", -1,
	    SQLITE_STATIC) != SQLITE_OK) {
		sql_err(st, err, "callback: bind");
		goto out;
	}
	if (sql_step_done(st, stmt, "callback", err) == -1 ||
	    sql_exec(st, "COMMIT", "commit", err) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(stmt);
	sql_rollback(st);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int
store_callback_state(struct store *st, const char *token, int *state,
    int *attempts, char *error, size_t error_size, char **url,
    struct err *err)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc = -1, step;

	*url = NULL;
	if (st->pg != NULL)
		return pgstore_callback_state(st->pg, token, state, attempts,
		    error, error_size, url, err);
	if (sql_lock(st, err) == -1)
		return -1;
	if ((stmt = sql_prep_once(st, "SELECT c.state, c.attempts, "
	    "c.last_error, c.url FROM callbacks c JOIN submissions s "
	    "ON s.id = c.submission_id WHERE s.token = ?1", err)) == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, token, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(stmt)) != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			rc = 0;
		else
			sql_err(st, err, "callback");
		goto out;
	}
	*state = sqlite3_column_int(stmt, 0);
	*attempts = sqlite3_column_int(stmt, 1);
	sql_col_msg(stmt, 2, error, error_size);
	if (sql_col_text_nn(stmt, 3, url, err) == -1)
		goto out;
	rc = 1;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->mu);
	return rc;
}
