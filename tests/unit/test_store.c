/*
 * Unit tests of the store: each test opens a fresh database in its own
 * mkdtemp directory, built from sql/schema.sql by store_open().  Raw
 * sqlite3 connections look behind the interface where a test needs to
 * (user_version, row counts, journal mode).
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
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
#include <sqlite3.h>

#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/store.h"

/* Fails the test with err's message when call returns -1. */
#define CHECK(call) do {						\
	if ((call) == -1)						\
		fail_msg("%s: %s", #call, err.msg);			\
} while (0)

struct fixture {
	char		 dir[64];
	char		 path[128];
	struct store	*st;
};

static int
setup(void **state)
{
	struct fixture	*f;
	struct err	 err = { "" };

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/coderunner.db", f->dir);
	if ((f->st = store_open(f->path, &err)) == NULL) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		rmdir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[160];

	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The first column of the first row of sql, run on a raw connection. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*stmt = NULL;
	int64_t		 v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	else
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* Runs sql on a raw connection. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A one-test submission of owner with stdin in. */
static struct submission *
new_sub(const char *owner, const char *in)
{
	struct submission	*s;
	struct err		 err = { "" };

	assert_non_null(s = submission_new());
	assert_non_null(s->owner = strdup(owner));
	assert_non_null(s->source = strdup("print(input())\n"));
	s->source_len = strlen(s->source);
	s->lang_id = 71;
	s->lim.cpu_time_s = 2.5;
	s->lim.cpu_extra_s = 0.5;
	s->lim.wall_time_s = 5;
	s->lim.memory_kb = 128000;
	s->lim.stack_kb = 64000;
	s->lim.max_file_kb = 1024;
	s->lim.max_procs = 60;
	s->lim.output_bytes = 1 << 20;
	CHECK(submission_set_single_test(s, in, strlen(in), "ok\n", 3, &err));
	return s;
}

/* Inserts a one-test submission of owner; returns its id. */
static int64_t
insert(struct store *st, const char *owner, char token[37])
{
	struct submission	*s;
	struct err		 err = { "" };
	int64_t			 id;

	s = new_sub(owner, "1\n");
	CHECK(store_insert(st, s, &err));
	id = s->id;
	if (token != NULL)
		memcpy(token, s->token, 37);
	submission_free(s);
	return id;
}

/* Fills the verdict of a claimed one-test submission. */
static void
set_verdict(struct submission *s, int status)
{
	s->status = status;
	snprintf(s->message, sizeof(s->message), "verdict %d", status);
	s->time_s = 0.25;
	s->wall_time_s = 0.5;
	s->memory_kb = 3000;
	s->results[0].status = status;
	assert_non_null(s->results[0].stdout_data = strdup("ok\n"));
	s->results[0].stdout_len = 3;
}

static void
test_insert_get(void **state)
{
	struct fixture		*f = *state;
	struct submission	*s, *g = NULL;
	struct err		 err = { "" };
	static const char	 bin[] = "a\0b\0\0c\n";	/* 7 bytes */
	static const char	 exp[] = "x\0y";		/* 3 bytes */
	int64_t			 before;

	assert_non_null(s = submission_new());
	assert_non_null(s->owner = strdup("alice"));
	s->lang_id = 50;
	assert_non_null(s->source = malloc(4));
	memcpy(s->source, "m\0n", 4);
	s->source_len = 3;
	s->lim.cpu_time_s = 1.5;
	s->lim.cpu_extra_s = 0.25;
	s->lim.wall_time_s = 3;
	s->lim.memory_kb = 262144;
	s->lim.stack_kb = 65536;
	s->lim.max_file_kb = 4096;
	s->lim.max_procs = 32;
	s->lim.output_bytes = 65536;
	s->redirect_stderr = 1;
	/* test 0: binary stdin and expected; test 1: empty, no expected */
	assert_non_null(s->tests = calloc(2, sizeof(*s->tests)));
	s->ntests = 2;
	assert_non_null(s->tests[0].stdin_data = malloc(sizeof(bin)));
	memcpy(s->tests[0].stdin_data, bin, sizeof(bin));
	s->tests[0].stdin_len = 7;
	assert_non_null(s->tests[0].expected = malloc(sizeof(exp)));
	memcpy(s->tests[0].expected, exp, sizeof(exp));
	s->tests[0].expected_len = 3;
	assert_non_null(s->tests[1].stdin_data = strdup(""));

	before = util_now_ms();
	CHECK(store_insert(f->st, s, &err));
	assert_true(util_is_uuid(s->token));
	assert_true(s->id > 0);
	assert_true(s->created_ms >= before);
	assert_int_equal(s->status, JS_QUEUE);

	assert_int_equal(store_get(f->st, s->token, NULL, &g, &err), 1);
	assert_non_null(g);
	assert_int_equal(g->id, s->id);
	assert_string_equal(g->token, s->token);
	assert_string_equal(g->owner, "alice");
	assert_int_equal(g->lang_id, 50);
	assert_int_equal(g->source_len, 3);
	assert_memory_equal(g->source, "m\0n", 4);	/* NUL-terminated */
	assert_true(g->lim.cpu_time_s == 1.5);
	assert_true(g->lim.cpu_extra_s == 0.25);
	assert_true(g->lim.wall_time_s == 3);
	assert_int_equal(g->lim.memory_kb, 262144);
	assert_int_equal(g->lim.stack_kb, 65536);
	assert_int_equal(g->lim.max_file_kb, 4096);
	assert_int_equal(g->lim.max_procs, 32);
	assert_int_equal(g->lim.output_bytes, 65536);
	assert_int_equal(g->redirect_stderr, 1);
	assert_int_equal(g->status, JS_QUEUE);
	assert_string_equal(g->message, "");
	assert_null(g->compile_output);
	assert_int_equal(g->created_ms, s->created_ms);
	assert_int_equal(g->started_ms, 0);
	assert_int_equal(g->finished_ms, 0);
	assert_int_equal(g->attempts, 0);

	assert_int_equal(g->ntests, 2);
	assert_int_equal(g->tests[0].stdin_len, 7);
	assert_memory_equal(g->tests[0].stdin_data, bin, 8);
	assert_int_equal(g->tests[0].expected_len, 3);
	assert_memory_equal(g->tests[0].expected, exp, 4);
	assert_non_null(g->tests[1].stdin_data);	/* empty, not NULL */
	assert_int_equal(g->tests[1].stdin_len, 0);
	assert_string_equal(g->tests[1].stdin_data, "");
	assert_null(g->tests[1].expected);
	assert_int_equal(g->tests[1].expected_len, 0);

	/* no results yet: zeroed entries */
	assert_non_null(g->results);
	assert_int_equal(g->results[0].status, 0);
	assert_null(g->results[0].stdout_data);
	assert_int_equal(g->results[1].status, 0);

	assert_int_equal(store_status(f->st, s->token, &err), JS_QUEUE);
	submission_free(g);
	submission_free(s);
}

static void
test_insert_rejects(void **state)
{
	struct fixture		*f = *state;
	struct submission	*s;
	struct err		 err = { "" };

	s = new_sub("alice", "");
	free(s->owner);
	s->owner = NULL;
	assert_int_equal(store_insert(f->st, s, &err), -1);
	assert_non_null(strstr(err.msg, "owner"));
	submission_free(s);

	assert_non_null(s = submission_new());
	assert_non_null(s->owner = strdup("alice"));
	assert_int_equal(store_insert(f->st, s, &err), -1);
	assert_non_null(strstr(err.msg, "tests"));
	assert_int_equal(s->id, 0);
	submission_free(s);

	assert_int_equal(store_queue_depth(f->st, NULL, &err), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM tests"), 0);
}

static void
test_owner_scoping(void **state)
{
	struct fixture		*f = *state;
	struct submission	*g = NULL;
	struct err		 err = { "" };
	char			 token[37];

	insert(f->st, "alice", token);
	assert_int_equal(store_get(f->st, token, "bob", &g, &err), 0);
	assert_null(g);
	assert_int_equal(store_get(f->st, token, "", &g, &err), 0);
	assert_int_equal(store_get(f->st, token, "alice", &g, &err), 1);
	assert_string_equal(g->owner, "alice");
	submission_free(g);
	g = NULL;
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	submission_free(g);
	g = NULL;

	assert_int_equal(store_get(f->st,
	    "00000000-0000-4000-8000-000000000000", NULL, &g, &err), 0);
	assert_null(g);
	assert_int_equal(store_status(f->st,
	    "00000000-0000-4000-8000-000000000000", &err), 0);
}

static void
test_claim_order(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL;
	struct err		 err = { "" };
	int64_t			 id[3], before;
	int			 i;

	assert_int_equal(store_claim(f->st, 0, 1000, &c, &err), 0);
	assert_null(c);
	for (i = 0; i < 3; i++)
		id[i] = insert(f->st, "alice", NULL);
	before = util_now_ms();
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_claim(f->st, 7, 60000, &c, &err), 1);
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
	assert_int_equal(store_claim(f->st, 7, 60000, &c, &err), 0);
	assert_null(c);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions "
	    "WHERE status = 2 AND executor = 7 AND "
	    "lease_until_ms >= started_ms + 60000"), 3);
}

static void
test_claim_finish_get(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL, *g = NULL;
	struct err		 err = { "" };
	struct judge_test_result *r;
	char			 token[37], *big;
	size_t			 i, n = 3 << 20;	/* 3 MiB */
	int64_t			 before;

	insert(f->st, "alice", token);
	assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 1);

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
	CHECK(store_finish(f->st, c, &err));

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
	assert_int_equal(store_finish(f->st, c, &err), -1);
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
	struct fixture		*f = *state;
	struct submission	*g = NULL;
	struct err		 err = { "" };
	char			 token[37];

	insert(f->st, "alice", token);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	set_verdict(g, JS_AC);
	/* still queued */
	assert_int_equal(store_finish(f->st, g, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	/* no such id */
	g->id = 999;
	assert_int_equal(store_finish(f->st, g, &err), -1);
	/* not a final status */
	g->status = JS_PROCESSING;
	assert_int_equal(store_finish(f->st, g, &err), -1);
	assert_non_null(strstr(err.msg, "not final"));
	submission_free(g);

	/* and nothing changed; no transaction left open */
	assert_int_equal(store_status(f->st, token, &err), JS_QUEUE);
	assert_int_equal(raw_int(f->path,
	    "SELECT count(*) FROM test_results"), 0);
	insert(f->st, "alice", NULL);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 2);
}

static void
test_finish_replaces_results(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL;
	struct err		 err = { "" };

	insert(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 1);
	/* a stray result row from an earlier run is replaced, not kept */
	raw_exec(f->path, "INSERT INTO test_results (submission_id, idx, "
	    "status) VALUES (1, 0, 13)");
	set_verdict(c, JS_AC);
	CHECK(store_finish(f->st, c, &err));
	assert_int_equal(raw_int(f->path, "SELECT status FROM test_results "
	    "WHERE submission_id = 1 AND idx = 0"), JS_AC);
	submission_free(c);
}

static void
test_renew(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL;
	struct err		 err = { "" };
	int64_t			 id, queued;

	id = insert(f->st, "alice", NULL);
	queued = insert(f->st, "alice", NULL);
	assert_int_equal(store_claim(f->st, 1, 1000, &c, &err), 1);
	assert_int_equal(c->id, id);
	CHECK(store_renew(f->st, id, 3600000, &err));
	assert_true(raw_int(f->path, "SELECT lease_until_ms - started_ms "
	    "FROM submissions WHERE id = 1") >= 3600000);
	assert_int_equal(store_renew(f->st, queued, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "not running"));
	assert_int_equal(store_renew(f->st, id, -1, &err), -1);
	set_verdict(c, JS_AC);
	CHECK(store_finish(f->st, c, &err));
	assert_int_equal(store_renew(f->st, id, 1000, &err), -1);
	submission_free(c);
}

static void
test_requeue(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL, *g = NULL;
	struct err		 err = { "" };
	char			 token[37];

	insert(f->st, "alice", token);

	/* attempt 1 dies: back in the queue */
	assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 1);
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
	assert_int_equal(store_claim(f->st, 2, 60000, &c, &err), 1);
	assert_int_equal(c->attempts, 1);
	submission_free(c);
	assert_int_equal(store_requeue(f->st, -1, 3, &err), 1);
	assert_int_equal(store_status(f->st, token, &err), JS_QUEUE);

	/* attempt 3 dies: Internal Error */
	assert_int_equal(store_claim(f->st, 3, 60000, &c, &err), 1);
	submission_free(c);
	assert_int_equal(store_requeue(f->st, 3, 3, &err), 1);
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_IE);
	assert_int_equal(g->attempts, 3);
	assert_string_equal(g->message, "executor died 3 times");
	assert_true(g->finished_ms > 0);
	submission_free(g);
	c = NULL;
	assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 0);
	assert_int_equal(store_requeue(f->st, -1, 3, &err), 0);
}

static void
test_requeue_fences_stale_finish(void **state)
{
	struct fixture		*f = *state;
	struct submission	*old = NULL, *cur = NULL, *g = NULL;
	struct err		 err = { "" };
	char			 token[37];

	insert(f->st, "alice", token);
	assert_int_equal(store_claim(f->st, 1, 60000, &old, &err), 1);
	assert_int_equal(store_requeue(f->st, 1, 3, &err), 1);
	assert_int_equal(store_claim(f->st, 2, 60000, &cur, &err), 1);
	assert_int_equal(cur->id, old->id);

	/* the first executor comes back late: refused */
	set_verdict(old, JS_WA);
	assert_int_equal(store_finish(f->st, old, &err), -1);
	set_verdict(cur, JS_AC);
	CHECK(store_finish(f->st, cur, &err));
	assert_int_equal(store_get(f->st, token, NULL, &g, &err), 1);
	assert_int_equal(g->status, JS_AC);
	assert_int_equal(g->results[0].status, JS_AC);
	submission_free(g);
	submission_free(old);
	submission_free(cur);
}

static void
test_requeue_expired(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL;
	struct err		 err = { "" };
	char			 token[37];
	int64_t			 now;

	insert(f->st, "alice", token);
	assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 1);
	submission_free(c);
	now = util_now_ms();
	assert_int_equal(store_requeue_expired(f->st, now, 3, &err), 0);
	assert_int_equal(store_requeue_expired(f->st, now + 120000, 3, &err),
	    1);
	assert_int_equal(store_status(f->st, token, &err), JS_QUEUE);

	/* max_attempts 1: the first expiry is final */
	assert_int_equal(store_claim(f->st, 1, 0, &c, &err), 1);
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
test_reopen(void **state)
{
	struct fixture		*f = *state;
	struct submission	*g = NULL;
	struct store		*st;
	struct err		 err = { "" };
	struct stat		 sb;
	char			 token[37];
	int64_t			 objects;

	insert(f->st, "alice", token);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), store_schema_version());
	objects = raw_int(f->path, "SELECT count(*) FROM sqlite_master");
	assert_true(objects >= 6);
	store_close(f->st);
	f->st = NULL;

	/* the schema has no IF NOT EXISTS: running it again would fail */
	assert_non_null(f->st = store_open(f->path, &err));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"),
	    objects);
	assert_int_equal(store_get(f->st, token, "alice", &g, &err), 1);
	assert_string_equal(g->tests[0].stdin_data, "1\n");
	submission_free(g);

	/* the file and its mode */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	assert_int_equal(raw_int(f->path,
	    "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);

	/* a database from a newer program is refused */
	raw_exec(f->path, "PRAGMA user_version = 99");
	assert_null(st = store_open(f->path, &err));
	assert_non_null(strstr(err.msg, "newer"));
	raw_exec(f->path, "PRAGMA user_version = 1");
}

static void
test_open_fails(void **state)
{
	struct fixture	*f = *state;
	struct err	 err = { "" };
	char		 p[160];

	snprintf(p, sizeof(p), "%s/no/such/dir/db", f->dir);
	assert_null(store_open(p, &err));
	assert_non_null(strstr(err.msg, p));
}

static void
test_memory_db(void **state)
{
	struct submission	*g = NULL;
	struct store		*st;
	struct err		 err = { "" };
	char			 token[37];

	(void)state;
	assert_non_null(st = store_open(":memory:", &err));
	insert(st, "alice", token);
	assert_int_equal(store_get(st, token, NULL, &g, &err), 1);
	submission_free(g);
	store_close(st);
}

static void
test_two_handles(void **state)
{
	struct fixture		*f = *state;
	struct submission	*a = NULL, *b = NULL;
	struct store		*st2;
	struct err		 err = { "" };

	assert_non_null(st2 = store_open(f->path, &err));
	insert(f->st, "alice", NULL);
	insert(st2, "bob", NULL);
	assert_int_equal(store_claim(f->st, 1, 60000, &a, &err), 1);
	assert_int_equal(store_claim(st2, 2, 60000, &b, &err), 1);
	assert_int_not_equal(a->id, b->id);
	submission_free(a);
	submission_free(b);
	a = b = NULL;
	assert_int_equal(store_claim(f->st, 1, 60000, &a, &err), 0);
	assert_int_equal(store_claim(st2, 2, 60000, &b, &err), 0);
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
	struct err		 err = { "" };
	int			 r;

	if ((st = store_open(path, &err)) == NULL)
		_exit(1);
	while ((r = store_claim(st, executor, 60000, &c, &err)) == 1) {
		c->status = JS_AC;
		if (write(fd, &c->id, sizeof(c->id)) != sizeof(c->id) ||
		    store_finish(st, c, &err) == -1) {
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
	struct fixture	*f = *state;
	struct err	 err = { "" };
	pid_t		 pid[NPROC];
	int64_t		 id;
	int		 fds[2], seen[NJOBS + 1] = { 0 };
	int		 i, status, total = 0;

	for (i = 0; i < NJOBS; i++)
		insert(f->st, i % 2 ? "alice" : "bob", NULL);
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
	struct err		 err = { "" };
	int			 r;

	while ((r = store_claim(a->st, a->executor, 60000, &c, &err)) == 1) {
		a->ids[a->n++] = c->id;
		c->status = JS_AC;
		if (store_finish(a->st, c, &err) == -1)
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
	struct fixture		*f = *state;
	struct thread_arg	 arg[NPROC];
	pthread_t		 t[NPROC];
	int			 seen[NJOBS + 1] = { 0 }, i, j;

	for (i = 0; i < NJOBS; i++)
		insert(f->st, "alice", NULL);
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
	struct fixture		*f = *state;
	struct submission	*c = NULL;
	struct err		 err = { "" };

	assert_int_equal(store_queue_depth(f->st, NULL, &err), 0);
	insert(f->st, "alice", NULL);
	insert(f->st, "bob", NULL);
	insert(f->st, "alice", NULL);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 3);
	assert_int_equal(store_queue_depth(f->st, "alice", &err), 2);
	assert_int_equal(store_queue_depth(f->st, "bob", &err), 1);
	assert_int_equal(store_queue_depth(f->st, "carol", &err), 0);
	assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 1);
	assert_string_equal(c->owner, "alice");
	submission_free(c);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 2);
	assert_int_equal(store_queue_depth(f->st, "alice", &err), 1);
}

static void
test_prune(void **state)
{
	struct fixture		*f = *state;
	struct submission	*c = NULL, *g = NULL;
	struct err		 err = { "" };
	char			 queued[37], done1[37];
	int64_t			 before;
	int			 i;

	insert(f->st, "alice", done1);
	insert(f->st, "alice", NULL);
	insert(f->st, "alice", queued);
	before = util_now_ms();
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_claim(f->st, 1, 60000, &c, &err), 1);
		set_verdict(c, JS_AC);
		CHECK(store_finish(f->st, c, &err));
		submission_free(c);
		c = NULL;
	}
	assert_int_equal(raw_int(f->path,
	    "SELECT count(*) FROM test_results"), 2);

	assert_int_equal(store_prune(f->st, before - 1, &err), 0);
	assert_int_equal(store_prune(f->st, util_now_ms() + 1, &err), 2);
	assert_int_equal(store_get(f->st, done1, NULL, &g, &err), 0);
	assert_int_equal(store_get(f->st, queued, NULL, &g, &err), 1);
	submission_free(g);
	/* the cascade took their tests and results */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM tests"), 1);
	assert_int_equal(raw_int(f->path,
	    "SELECT count(*) FROM test_results"), 0);
	assert_int_equal(store_prune(f->st, util_now_ms() + 1, &err), 0);

	/* more than one batch */
	for (i = 0; i < 600; i++)
		insert(f->st, "bob", NULL);
	raw_exec(f->path, "UPDATE submissions SET status = 3, "
	    "finished_ms = 1 WHERE owner = 'bob'");
	assert_int_equal(store_prune(f->st, 2, &err), 600);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions"),
	    1);
}

static void
test_integrity_check(void **state)
{
	struct fixture	*f = *state;
	struct err	 err = { "" };

	insert(f->st, "alice", NULL);
	CHECK(store_integrity_check(f->st, &err));
	/* a row that breaks a foreign key (made with the checks off) */
	raw_exec(f->path, "INSERT INTO tests (submission_id, idx, stdin) "
	    "VALUES (42, 0, x'')");
	assert_int_equal(store_integrity_check(f->st, &err), -1);
	assert_non_null(strstr(err.msg, "tests"));
}

/*
 * The API's extras: an Idempotency-Key finds the first submission (and
 * only its owner's, within the TTL); a callback is due once final, and
 * its tries are recorded; DELETE takes only final submissions, with
 * everything that hangs on them.
 */
static void
test_api_extras(void **state)
{
	struct fixture		*f = *state;
	struct store_insert_opts o = { "k1", 60000, "http://127.0.0.2/cb", 1 };
	struct store_callback	*cb = NULL;
	struct submission	*s, *c = NULL;
	struct err		 err = { "" };
	char			 token[37], error[64], *url = NULL;
	int64_t			 next, now = util_now_ms();
	size_t			 n;
	int			 st, tries;

	s = new_sub("alice", "1\n");
	assert_int_equal(store_insert_ex(f->st, s, &o, &err), 1);
	memcpy(token, s->token, sizeof(token));
	submission_free(s);
	s = new_sub("alice", "2\n");
	assert_int_equal(store_idempotent(f->st, s, "k1", now - 60000, &err),
	    1);
	assert_string_equal(s->token, token);
	assert_int_equal(store_idempotent(f->st, s, "k1", now + 60000, &err),
	    0);		/* older than the TTL */
	assert_int_equal(store_insert_ex(f->st, s, &o, &err), 0);
	assert_string_equal(s->token, token);
	submission_free(s);
	s = new_sub("bob", "2\n");	/* another owner: its own */
	assert_int_equal(store_insert_ex(f->st, s, &o, &err), 1);
	assert_string_not_equal(s->token, token);
	submission_free(s);
	assert_int_equal(store_queue_depth(f->st, NULL, &err), 2);

	/* not due while queued */
	CHECK(store_callbacks_due(f->st, now + 1000, 8, &cb, &n, &next, &err));
	assert_int_equal(n, 0);
	store_callbacks_free(cb, n);
	assert_int_equal(store_delete(f->st, token, "alice", &st, &err), 0);
	assert_int_equal(st, JS_QUEUE);
	assert_int_equal(store_claim(f->st, 0, 60000, &c, &err), 1);
	assert_string_equal(c->token, token);
	set_verdict(c, JS_AC);
	CHECK(store_finish(f->st, c, &err));
	submission_free(c);

	CHECK(store_callbacks_due(f->st, util_now_ms(), 8, &cb, &n, &next,
	    &err));
	assert_int_equal(n, 1);
	assert_string_equal(cb[0].token, token);
	assert_string_equal(cb[0].url, "http://127.0.0.2/cb");
	assert_int_equal(cb[0].base64, 1);
	assert_int_equal(cb[0].attempts, 0);
	CHECK(store_callback_done(f->st, cb[0].submission_id,
	    STORE_CB_PENDING, 1, util_now_ms() + 5000, "HTTP 500", &err));
	store_callbacks_free(cb, n);
	CHECK(store_callbacks_due(f->st, util_now_ms(), 8, &cb, &n, &next,
	    &err));
	assert_int_equal(n, 0);
	assert_true(next > util_now_ms());
	store_callbacks_free(cb, n);
	assert_int_equal(store_callback_state(f->st, token, &st, &tries,
	    error, sizeof(error), &url, &err), 1);
	assert_int_equal(st, STORE_CB_PENDING);
	assert_int_equal(tries, 1);
	assert_string_equal(error, "HTTP 500");
	free(url);

	/* DELETE: not another owner's; then the key and callback go too */
	assert_int_equal(store_delete(f->st, token, "bob", &st, &err), 0);
	assert_int_equal(st, 0);
	assert_int_equal(store_delete(f->st, token, "alice", &st, &err), 1);
	/* bob's are left */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM callbacks"),
	    1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM idempotency"),
	    1);
	assert_int_equal(store_callback_state(f->st, token, &st, &tries,
	    error, sizeof(error), &url, &err), 0);
	assert_true(store_db_bytes(f->st, &err) > 0);
	assert_int_equal(store_count_since(f->st, "bob", 0, &err), 1);
	assert_int_equal(store_count_since(f->st, NULL, now + 86400000,
	    &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_insert_get),
		T(test_insert_rejects),
		T(test_owner_scoping),
		T(test_claim_order),
		T(test_claim_finish_get),
		T(test_finish_not_running),
		T(test_finish_replaces_results),
		T(test_renew),
		T(test_requeue),
		T(test_requeue_fences_stale_finish),
		T(test_requeue_expired),
		T(test_reopen),
		T(test_open_fails),
		T(test_memory_db),
		T(test_two_handles),
		T(test_processes_claim_once),
		T(test_threads_share_handle),
		T(test_queue_depth),
		T(test_prune),
		T(test_integrity_check),
		T(test_api_extras),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
