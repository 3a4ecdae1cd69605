/*
 * Unit tests of the job queue (store/queue.h): claim order, leases that
 * fence off a requeued job's old holder, requeue, and claims from several
 * processes and threads at once.  Each test starts from a fresh database
 * (see store_fixture.h), SQLite's or, with CODERUNNER_TEST_PG,
 * PostgreSQL's; the last tests are of what only PostgreSQL has (nodes,
 * notifications, a connection that is lost).
 */

#include <sys/wait.h>

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/queue.h"
#include "store/store.h"
#include "store_fixture.h"

static void
test_claim_order(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	int64_t			 id[3], before;
	int			 i;

	assert_int_equal(store_claim(f->st, 0, 1000, &lease, &c, &err), 0);
	assert_null(c);
	for (i = 0; i < 3; i++)
		id[i] = insert_sub(f->st, "alice", NULL);
	before = util_now_ms();
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_claim(f->st, 7, 60000, &lease, &c,
		    &err), 1);
		assert_non_null(c);
		assert_int_equal(c->id, id[i]);
		assert_int_equal(c->status, JS_PROCESSING);
		assert_true(c->started_ms >= before);
		assert_int_equal(c->attempts, 0);
		assert_int_equal(c->ntests, 1);
		assert_string_equal(c->tests[0].stdin_data, "1\n");
		assert_string_equal(c->tests[0].expected, "ok\n");
		assert_string_equal(c->source, "print(input())\n");
		submission_free(c);
		c = NULL;
	}
	assert_int_equal(store_claim(f->st, 7, 60000, &lease, &c, &err), 0);
	assert_null(c);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions "
	    "WHERE status = 2 AND executor = 7 AND "
	    "lease_until_ms >= started_ms + 60000"), 3);
}

static void
test_claim_finish_get(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL, *g = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	struct judge_test_result *r;
	char			 token[37], *big;
	size_t			 i, n = 3 << 20;	/* 3 MiB */
	int64_t			 before;

	insert_sub(f->st, "alice", token);
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);

	/* big binary stdout, empty (not absent) stderr, compile output */
	assert_non_null(big = malloc(n + 1));
	for (i = 0; i < n; i++)
		big[i] = (char)(i % 251);
	big[n] = '\0';
	c->status = JS_WA;
	snprintf(c->message, sizeof(c->message), "wrong answer on test 1");
	assert_non_null(c->compile_output = malloc(5));
	memcpy(c->compile_output, "w\0rn", 5);
	c->compile_output_len = 4;
	c->time_s = 0.125;
	c->wall_time_s = 0.75;
	c->memory_kb = 12345;
	r = &c->results[0];
	r->status = JS_WA;
	snprintf(r->message, sizeof(r->message), "line 1 differs");
	r->stdout_data = big;
	r->stdout_len = n;
	r->stdout_truncated = 1;
	assert_non_null(r->stderr_data = strdup(""));
	r->time_s = 0.125;
	r->wall_time_s = 0.75;
	r->memory_kb = 12345;
	r->exit_code = 3;
	r->exit_signal = 0;
	before = util_now_ms();
	CHECK(store_finish(f->st, &lease, c, &err));

	assert_int_equal(store_status(f->st, token, &err), JS_WA);
	assert_int_equal(store_get(f->st, token, "alice", &g, &err), 1);
	assert_int_equal(g->status, JS_WA);
	assert_string_equal(g->message, "wrong answer on test 1");
	assert_int_equal(g->compile_output_len, 4);
	assert_memory_equal(g->compile_output, "w\0rn", 5);
	assert_true(g->time_s == 0.125);
	assert_true(g->wall_time_s == 0.75);
	assert_int_equal(g->memory_kb, 12345);
	assert_int_equal(g->started_ms, c->started_ms);
	assert_true(g->finished_ms >= before);
	r = &g->results[0];
	assert_int_equal(r->status, JS_WA);
	assert_string_equal(r->message, "line 1 differs");
	assert_int_equal(r->stdout_len, n);
	assert_memory_equal(r->stdout_data, big, n + 1);
	assert_int_equal(r->stdout_truncated, 1);
	assert_non_null(r->stderr_data);
	assert_int_equal(r->stderr_len, 0);
	assert_int_equal(r->stderr_truncated, 0);
	assert_true(r->time_s == 0.125);
	assert_int_equal(r->memory_kb, 12345);
	assert_int_equal(r->exit_code, 3);
	assert_int_equal(r->exit_signal, 0);

	/* a final job cannot be finished again */
	c->status = JS_AC;
	assert_int_equal(store_finish(f->st, &lease, c, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	submission_free(g);
	g = NULL;
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_WA);
	submission_free(g);
	submission_free(c);
}

static void
test_finish_not_running(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*g = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	char			 token[37];

	insert_sub(f->st, "alice", token);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	set_verdict(g, JS_AC);
	/* still queued: no lease is its holder's */
	lease.job = g->id;
	lease.attempt = g->attempts;
	lease.until_ms = 0;
	assert_int_equal(store_finish(f->st, &lease, g, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	/* the verdict of another job than the lease's */
	lease.job = 999;
	assert_int_equal(store_finish(f->st, &lease, g, &err), -1);
	assert_non_null(strstr(err.msg, "not the leased one"));
	/* no such id */
	g->id = 999;
	assert_int_equal(store_finish(f->st, &lease, g, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	/* not a final status */
	g->status = JS_PROCESSING;
	assert_int_equal(store_finish(f->st, &lease, g, &err), -1);
	assert_non_null(strstr(err.msg, "not final"));
	submission_free(g);

	/* and nothing changed; no transaction left open */
	assert_int_equal(store_status(f->st, token, &err), JS_QUEUE);
	assert_int_equal(raw_int(f->path,
	    "SELECT count(*) FROM test_results"), 0);
	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 2);
}

static void
test_finish_replaces_results(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };

	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);
	/* a stray result row from an earlier run is replaced, not kept */
	raw_exec(f->path, "INSERT INTO test_results (submission_id, idx, "
	    "status) VALUES (1, 0, 13)");
	set_verdict(c, JS_AC);
	CHECK(store_finish(f->st, &lease, c, &err));
	assert_int_equal(raw_int(f->path, "SELECT status FROM test_results "
	    "WHERE submission_id = 1 AND idx = 0"), JS_AC);
	submission_free(c);
}

static void
test_renew(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease, other;
	struct err		 err = { "" };
	int64_t			 id, queued, before;

	id = insert_sub(f->st, "alice", NULL);
	queued = insert_sub(f->st, "alice", NULL);
	before = util_now_ms();
	assert_int_equal(store_claim(f->st, 1, 1000, &lease, &c, &err), 1);
	assert_int_equal(c->id, id);
	assert_int_equal(lease.job, id);
	assert_int_equal(lease.attempt, 0);
	assert_true(lease.until_ms >= before + 1000);
	assert_int_equal(raw_int(f->path, "SELECT lease_until_ms "
	    "FROM submissions WHERE id = 1"), lease.until_ms);
	CHECK(store_renew(f->st, &lease, 3600000, &err));
	assert_true(raw_int(f->path, "SELECT lease_until_ms - "
	    "started_ms FROM submissions WHERE id = 1") >= 3600000);
	assert_int_equal(raw_int(f->path, "SELECT lease_until_ms "
	    "FROM submissions WHERE id = 1"), lease.until_ms);
	/* progress renews too, and notes the test */
	CHECK(store_progress(f->st, &lease, 1, 3600000, &err));
	assert_int_equal(raw_int(f->path, "SELECT progress "
	    "FROM submissions WHERE id = 1"), 1);
	other.job = queued;
	other.attempt = 0;
	other.until_ms = 0;
	assert_int_equal(store_renew(f->st, &other, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	assert_int_equal(store_renew(f->st, &lease, -1, &err), -1);
	set_verdict(c, JS_AC);
	CHECK(store_finish(f->st, &lease, c, &err));
	assert_int_equal(store_renew(f->st, &lease, 1000, &err), -1);
	submission_free(c);
}

static void
test_requeue(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL, *g = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	char			 token[37];

	insert_sub(f->st, "alice", token);

	/* attempt 1 dies: back in the queue */
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);
	submission_free(c);
	/* executor 2 has nothing running */
	assert_int_equal(store_requeue(f->st, 2, 3, &err), 0);
	assert_int_equal(store_requeue(f->st, 1, 3, &err), 1);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_QUEUE);
	assert_int_equal(g->attempts, 1);
	assert_int_equal(g->started_ms, 0);
	submission_free(g);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions "
	    "WHERE executor IS NULL AND lease_until_ms IS NULL"), 1);

	/* attempt 2 dies; the master requeues every executor's jobs */
	assert_int_equal(store_claim(f->st, 2, 60000, &lease, &c, &err), 1);
	assert_int_equal(c->attempts, 1);
	submission_free(c);
	assert_int_equal(store_requeue(f->st, -1, 3, &err), 1);
	assert_int_equal(store_status(f->st, token, &err), JS_QUEUE);

	/* attempt 3 dies: Internal Error */
	assert_int_equal(store_claim(f->st, 3, 60000, &lease, &c, &err), 1);
	submission_free(c);
	assert_int_equal(store_requeue(f->st, 3, 3, &err), 1);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_IE);
	assert_int_equal(g->attempts, 3);
	assert_string_equal(g->message, "executor died 3 times");
	assert_true(g->finished_ms > 0);
	submission_free(g);
	c = NULL;
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 0);
	assert_int_equal(store_requeue(f->st, -1, 3, &err), 0);
}

static void
test_requeue_fences_stale_finish(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*old = NULL, *cur = NULL, *g = NULL;
	struct store_lease	 old_lease, cur_lease;
	struct err		 err = { "" };
	char			 token[37];

	insert_sub(f->st, "alice", token);
	assert_int_equal(store_claim(f->st, 1, 60000, &old_lease, &old,
	    &err), 1);
	assert_int_equal(store_requeue(f->st, 1, 3, &err), 1);
	assert_int_equal(store_claim(f->st, 2, 60000, &cur_lease, &cur,
	    &err), 1);
	assert_int_equal(cur->id, old->id);

	/* the first executor comes back late: refused, and it can tell */
	assert_int_equal(store_lease_held(f->st, &old_lease, &err), 0);
	assert_int_equal(store_lease_held(f->st, &cur_lease, &err), 1);
	set_verdict(old, JS_WA);
	assert_int_equal(store_finish(f->st, &old_lease, old, &err), -1);
	set_verdict(cur, JS_AC);
	CHECK(store_finish(f->st, &cur_lease, cur, &err));
	assert_int_equal(store_lease_held(f->st, &cur_lease, &err), 0);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_AC);
	assert_int_equal(g->results[0].status, JS_AC);
	submission_free(g);
	submission_free(old);
	submission_free(cur);
}

/*
 * The same for renew and progress: a late holder's note must not extend
 * the next holder's lease or overwrite its progress.
 */
static void
test_requeue_fences_stale_renew(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*old = NULL, *cur = NULL;
	struct store_lease	 old_lease, cur_lease;
	struct err		 err = { "" };

	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 1, 60000, &old_lease, &old,
	    &err), 1);
	assert_int_equal(store_requeue_expired(f->st, util_now_ms() + 120000,
	    3, &err), 1);
	assert_int_equal(store_claim(f->st, 2, 1000, &cur_lease, &cur,
	    &err), 1);
	CHECK(store_progress(f->st, &cur_lease, 1, 1000, &err));

	assert_int_equal(store_renew(f->st, &old_lease, 3600000, &err), -1);
	assert_non_null(strstr(err.msg, "not running under this lease"));
	assert_int_equal(store_progress(f->st, &old_lease, 5, 3600000, &err),
	    -1);
	assert_int_equal(raw_int(f->path, "SELECT lease_until_ms "
	    "FROM submissions WHERE id = 1"), cur_lease.until_ms);
	assert_int_equal(raw_int(f->path, "SELECT progress "
	    "FROM submissions WHERE id = 1"), 1);
	submission_free(old);
	submission_free(cur);
}

static void
test_requeue_expired(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	char			 token[37];
	int64_t			 now;

	insert_sub(f->st, "alice", token);
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);
	submission_free(c);
	now = util_now_ms();
	assert_int_equal(store_requeue_expired(f->st, now, 3, &err), 0);
	assert_int_equal(store_requeue_expired(f->st, now + 120000, 3, &err),
	    1);
	assert_int_equal(store_status(f->st, token, &err), JS_QUEUE);

	/* max_attempts 1: the first expiry is final */
	assert_int_equal(store_claim(f->st, 1, 0, &lease, &c, &err), 1);
	submission_free(c);
	c = NULL;
	assert_int_equal(store_requeue_expired(f->st, util_now_ms() + 1, 1,
	    &err), 1);
	assert_int_equal(store_get(f->st, token, NULL, &c, &err), 1);
	assert_int_equal(c->status, JS_IE);
	assert_string_equal(c->message, "lease expired 2 times");
	submission_free(c);
}

static void
test_two_handles(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*a = NULL, *b = NULL;
	struct store		*st2;
	struct store_lease	 lease;
	struct err		 err = { "" };

	assert_non_null(st2 = store_open(f->path, &err));
	insert_sub(f->st, "alice", NULL);
	insert_sub(st2, "bob", NULL);
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &a, &err), 1);
	assert_int_equal(store_claim(st2, 2, 60000, &lease, &b, &err), 1);
	assert_int_not_equal(a->id, b->id);
	submission_free(a);
	submission_free(b);
	a = b = NULL;
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &a, &err), 0);
	assert_int_equal(store_claim(st2, 2, 60000, &lease, &b, &err), 0);
	assert_int_equal(store_queue_depth(st2, NULL, &err), 0);
	store_close(st2);
}

#define NJOBS	60
#define NPROC	4

/*
 * A child process: its own handle, claims and finishes jobs until the
 * queue is empty, writing each id to fd.  Exits 0, or 1 on any failure.
 */
static void
claim_loop(const char *path, int executor, int fd)
{
	struct submission	*c = NULL;
	struct store		*st;
	struct store_lease	 lease;
	struct err		 err = { "" };
	int			 r;

	if ((st = store_open(path, &err)) == NULL)
		_exit(1);
	while ((r = store_claim(st, executor, 60000, &lease, &c, &err)) == 1) {
		c->status = JS_AC;
		if (write(fd, &c->id, sizeof(c->id)) != sizeof(c->id) ||
		    store_finish(st, &lease, c, &err) == -1) {
			fprintf(stderr, "child %d: %s\n", executor, err.msg);
			_exit(1);
		}
		submission_free(c);
		c = NULL;
	}
	if (r == -1)
		fprintf(stderr, "child %d: %s\n", executor, err.msg);
	store_close(st);
	_exit(r == 0 ? 0 : 1);
}

static void
test_processes_claim_once(void **state)
{
	struct store_fixture	*f = *state;
	struct err	 err = { "" };
	pid_t		 pid[NPROC];
	int64_t		 id;
	int		 fds[2], seen[NJOBS + 1] = { 0 };
	int		 i, status, total = 0;

	for (i = 0; i < NJOBS; i++)
		insert_sub(f->st, i % 2 ? "alice" : "bob", NULL);
	assert_int_equal(pipe(fds), 0);
	for (i = 0; i < NPROC; i++) {
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] == 0) {
			close(fds[0]);
			claim_loop(f->path, i + 1, fds[1]);
		}
	}
	close(fds[1]);
	while (read(fds[0], &id, sizeof(id)) == sizeof(id)) {
		assert_true(id >= 1 && id <= NJOBS);
		seen[id]++;
		total++;
	}
	close(fds[0]);
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(total, NJOBS);
	for (i = 1; i <= NJOBS; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions "
	    "WHERE status = 3"), NJOBS);
}

struct thread_arg {
	struct store	*st;
	int		 executor;
	int		 n;
	int64_t		 ids[NJOBS];
	int		 failed;
};

static void *
thread_claim(void *p)
{
	struct thread_arg	*a = p;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	int			 r;

	while ((r = store_claim(a->st, a->executor, 60000, &lease, &c,
	    &err)) == 1) {
		a->ids[a->n++] = c->id;
		c->status = JS_AC;
		if (store_finish(a->st, &lease, c, &err) == -1)
			a->failed = 1;
		submission_free(c);
		c = NULL;
	}
	if (r == -1)
		a->failed = 1;
	return NULL;
}

static void
test_threads_share_handle(void **state)
{
	struct store_fixture	*f = *state;
	struct thread_arg	 arg[NPROC];
	pthread_t		 t[NPROC];
	int			 seen[NJOBS + 1] = { 0 }, i, j;

	for (i = 0; i < NJOBS; i++)
		insert_sub(f->st, "alice", NULL);
	memset(arg, 0, sizeof(arg));
	for (i = 0; i < NPROC; i++) {
		arg[i].st = f->st;
		arg[i].executor = i + 1;
		assert_int_equal(pthread_create(&t[i], NULL, thread_claim,
		    &arg[i]), 0);
	}
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(arg[i].failed, 0);
		for (j = 0; j < arg[i].n; j++)
			seen[arg[i].ids[j]]++;
	}
	for (i = 1; i <= NJOBS; i++)
		assert_int_equal(seen[i], 1);
}

static void
test_queue_depth(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };

	assert_int_equal(store_queue_depth(f->st, NULL, &err), 0);
	insert_sub(f->st, "alice", NULL);
	insert_sub(f->st, "bob", NULL);
	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 3);
	assert_int_equal(store_queue_depth(f->st, "alice", &err), 2);
	assert_int_equal(store_queue_depth(f->st, "bob", &err), 1);
	assert_int_equal(store_queue_depth(f->st, "carol", &err), 0);
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);
	assert_string_equal(c->owner, "alice");
	submission_free(c);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 2);
	assert_int_equal(store_queue_depth(f->st, "alice", &err), 1);
}

static void
test_queue_ahead(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	int64_t			 id[3];
	int			 i;

	for (i = 0; i < 3; i++)
		id[i] = insert_sub(f->st, i == 1 ? "bob" : "alice", NULL);
	/* every owner's older queued jobs count */
	assert_int_equal(store_queue_ahead(f->st, id[0], &err), 0);
	assert_int_equal(store_queue_ahead(f->st, id[2], &err), 2);
	/* a running job is no longer ahead */
	assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c, &err), 1);
	assert_int_equal(store_queue_ahead(f->st, id[2], &err), 1);
	submission_free(c);
}

/* Skips a test of what SQLite does not have, saying why. */
#define PG_ONLY(f) do {							\
	if (!(f)->pg) {							\
		fprintf(stderr, "skipped: PostgreSQL only (set "	\
		    "CODERUNNER_TEST_PG)\n");				\
		skip();							\
	}								\
} while (0)

/*
 * Nodes share the database: executor 0 of node a and executor 0 of node
 * b are two executors, and a's master requeues only a's.
 */
static void
test_nodes(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*a = NULL, *b = NULL, *g = NULL;
	struct store		*st2;
	struct store_lease	 la, lb;
	struct err		 err = { "" };

	PG_ONLY(f);
	assert_non_null(st2 = store_open(f->path, &err));
	CHECK(store_set_node(f->st, "a", &err));
	CHECK(store_set_node(st2, "b", &err));
	insert_sub(f->st, "alice", NULL);
	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 0, 60000, &la, &a, &err), 1);
	assert_int_equal(store_claim(st2, 0, 60000, &lb, &b, &err), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions "
	    "WHERE status = 2 AND executor = 0 AND node IN ('a', 'b')"), 2);

	/* node a's executor 0 died, and then all of a's: b's job stays */
	assert_int_equal(store_requeue(f->st, 0, 3, &err), 1);
	assert_int_equal(store_requeue(f->st, -1, 3, &err), 0);
	assert_int_equal(store_status(f->st, b->token, &err), JS_PROCESSING);
	set_verdict(b, JS_AC);
	CHECK(store_finish(st2, &lb, b, &err));
	/* and a's late verdict is refused */
	set_verdict(a, JS_WA);
	assert_int_equal(store_finish(f->st, &la, a, &err), -1);
	assert_non_null(strstr(err.msg, "not running under this lease"));
	assert_int_equal(store_get(f->st, a->token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_QUEUE);
	assert_int_equal(g->attempts, 1);
	submission_free(g);
	submission_free(a);
	submission_free(b);
	store_close(st2);
}

/* Waits up to ms for fd to be readable; returns poll()'s answer. */
static int
readable(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms);
}

/*
 * A job queued through one handle wakes a listener on another (any
 * host); a verdict wakes a listener of "done".  Nothing else does.
 */
static void
test_wake(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL;
	struct store		*ex, *http;
	struct store_lease	 lease;
	struct err		 err = { "" };
	int			 fd, hfd;

	/* SQLite has no such descriptor: its processes wake each other */
	if (!f->pg) {
		assert_int_equal(store_wake_fd(f->st, STORE_WAKE_JOB, &err),
		    -1);
		assert_int_equal(store_wake_read(f->st, &err), 0);
		return;
	}
	assert_non_null(ex = store_open(f->path, &err));
	assert_non_null(http = store_open(f->path, &err));
	assert_true((fd = store_wake_fd(ex, STORE_WAKE_JOB, &err)) >= 0);
	assert_true((hfd = store_wake_fd(http, STORE_WAKE_DONE, &err)) >= 0);
	assert_int_equal(readable(fd, 0), 0);

	insert_sub(f->st, "alice", NULL);
	assert_int_equal(readable(fd, 5000), 1);
	assert_int_equal(store_wake_read(ex, &err), 1);
	assert_int_equal(store_wake_read(ex, &err), 0);
	assert_int_equal(store_claim(ex, 0, 60000, &lease, &c, &err), 1);
	/* the claim notified no one */
	assert_int_equal(readable(hfd, 200), 0);
	set_verdict(c, JS_AC);
	CHECK(store_finish(ex, &lease, c, &err));
	assert_int_equal(readable(hfd, 5000), 1);
	assert_int_equal(store_wake_read(http, &err), 1);
	/* a requeue queues again: the executors hear of it */
	submission_free(c);
	insert_sub(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 0, 60000, &lease, &c, &err), 1);
	assert_int_equal(readable(fd, 5000), 1);
	assert_int_equal(store_wake_read(ex, &err), 1);
	assert_int_equal(store_requeue(f->st, -1, 3, &err), 1);
	assert_int_equal(readable(fd, 5000), 1);
	assert_int_equal(store_wake_read(ex, &err), 1);
	submission_free(c);
	store_close(ex);
	store_close(http);
}

/*
 * A connection the server dropped (a restart, a failover) fails the
 * call in hand; the next call connects again, listening included.
 */
static void
test_reconnect(void **state)
{
	struct store_fixture	*f = *state;
	struct store		*ex;
	struct err		 err = { "" };
	char			 token[37];
	int			 fd, r;

	PG_ONLY(f);
	assert_non_null(ex = store_open(f->path, &err));
	assert_true(store_wake_fd(ex, STORE_WAKE_JOB, &err) >= 0);
	insert_sub(f->st, "alice", token);
	raw_exec(f->path, "SELECT pg_terminate_backend(pid) "
	    "FROM pg_stat_activity WHERE application_name = 'coderunner' "
	    "AND datname = current_database() AND pid <> pg_backend_pid()");
	/* one call may fail (it found the connection gone), not two */
	if ((r = store_status(ex, token, &err)) == -1)
		r = store_status(ex, token, &err);
	assert_int_equal(r, JS_QUEUE);
	assert_int_equal(store_status(f->st, token, &err) == -1 ?
	    store_status(f->st, token, &err) : JS_QUEUE, JS_QUEUE);
	/* and it listens again */
	assert_true((fd = store_wake_fd(ex, STORE_WAKE_JOB, &err)) >= 0);
	(void)store_wake_read(ex, &err);
	insert_sub(f->st, "alice", NULL);
	assert_int_equal(readable(fd, 5000), 1);
	assert_true(store_wake_read(ex, &err) >= 1);
	store_close(ex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name)	cmocka_unit_test_setup_teardown(name, store_fixture_setup, \
	    store_fixture_teardown)
		T(test_claim_order),
		T(test_claim_finish_get),
		T(test_finish_not_running),
		T(test_finish_replaces_results),
		T(test_renew),
		T(test_requeue),
		T(test_requeue_fences_stale_finish),
		T(test_requeue_fences_stale_renew),
		T(test_requeue_expired),
		T(test_two_handles),
		T(test_processes_claim_once),
		T(test_threads_share_handle),
		T(test_queue_depth),
		T(test_queue_ahead),
		T(test_nodes),
		T(test_wake),
		T(test_reconnect),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
