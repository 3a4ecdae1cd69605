/*
 * The callback queue in the PostgreSQL store: the same as callbacks.c,
 * in PostgreSQL's words.  See the theory block of pg.c.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "base/err.h"
#include "store.h"
#include "pg_int.h"

/* Pending callbacks of final submissions, by when they are due. */
#define CALLBACK_DUE							\
	" FROM callbacks c JOIN submissions s ON s.id = c.submission_id "\
	"WHERE c.state = 0 AND s.status >= 3"

int
pgstore_callbacks_due(struct pgstore *ps, int64_t now_ms, size_t max,
    struct store_callback **out, size_t *n, int64_t *next_ms,
    struct err *err)
{
	struct store_callback	*cb = NULL, *c;
	PGresult		*res = NULL;
	struct pgq		 q;
	size_t			 k = 0;
	int			 i, rc = -1;

	if ((cb = calloc(max, sizeof(*cb))) == NULL)
		return err_errno(err, "calloc");
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 || pgs_cmd(ps, "BEGIN ISOLATION "
	    "LEVEL REPEATABLE READ READ ONLY", "begin", err) == -1)
		goto out;
	pgq_init(&q);
	pgq_int64(&q, now_ms);
	pgq_int64(&q, (int64_t)max);
	if ((res = pgs_exec(ps, "SELECT c.submission_id, s.token, c.url, "
	    "c.base64, c.attempts" CALLBACK_DUE " AND c.next_try_ms <= $1 "
	    "ORDER BY c.next_try_ms LIMIT $2", &q, "callbacks", err)) == NULL)
		goto out;
	for (i = 0; i < PQntuples(res) && k < max; i++) {
		c = &cb[k++];
		c->submission_id = pgs_get_int64(res, i, 0);
		pgs_get_msg(res, i, 1, c->token, sizeof(c->token));
		if (pgs_get_str_nn(res, i, 2, &c->url, err) == -1)
			goto out;
		c->base64 = pgs_get_int(res, i, 3);
		c->attempts = pgs_get_int(res, i, 4);
	}
	PQclear(res);
	pgq_init(&q);
	pgq_int64(&q, now_ms);
	if ((res = pgs_exec(ps, "SELECT min(c.next_try_ms)" CALLBACK_DUE
	    " AND c.next_try_ms > $1", &q, "callbacks: next", err)) == NULL)
		goto out;
	*next_ms = pgs_get_int64(res, 0, 0);	/* NULL reads as 0 */
	if (pgs_commit(ps, err) == -1)
		goto out;
	*out = cb;
	*n = k;
	cb = NULL;
	rc = 0;
out:
	PQclear(res);
	pgs_rollback(ps);
	pthread_mutex_unlock(&ps->mu);
	store_callbacks_free(cb, k);
	return rc;
}

int
pgstore_callback_done(struct pgstore *ps, int64_t submission_id, int state,
    int attempts, int64_t next_try_ms, const char *error, struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 rc = -1;

	pgq_init(&q);
	pgq_int64(&q, submission_id);
	pgq_int(&q, state);
	pgq_int(&q, attempts);
	pgq_int64(&q, next_try_ms);
	pgq_text(&q, error != NULL ? error : "");
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == 0 &&
	    (res = pgs_exec(ps, "UPDATE callbacks SET state = $2, "
	    "attempts = $3, next_try_ms = $4, last_error = $5 "
	    "WHERE submission_id = $1", &q, "callback", err)) != NULL)
		rc = 0;
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

int
pgstore_callback_state(struct pgstore *ps, const char *token, int *state,
    int *attempts, char *error, size_t error_size, char **url,
    struct err *err)
{
	PGresult	*res = NULL;
	struct pgq	 q;
	int		 rc = -1;

	*url = NULL;
	pgq_init(&q);
	pgq_text(&q, token);
	pthread_mutex_lock(&ps->mu);
	if (pgs_connected(ps, err) == -1 ||
	    (res = pgs_exec(ps, "SELECT c.state, c.attempts, c.last_error, "
	    "c.url FROM callbacks c JOIN submissions s "
	    "ON s.id = c.submission_id WHERE s.token = $1", &q, "callback",
	    err)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	*state = pgs_get_int(res, 0, 0);
	*attempts = pgs_get_int(res, 0, 1);
	pgs_get_msg(res, 0, 2, error, error_size);
	if (pgs_get_str_nn(res, 0, 3, url, err) == -1)
		goto out;
	rc = 1;
out:
	PQclear(res);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}
