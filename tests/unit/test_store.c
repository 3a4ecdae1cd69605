/*
 * Unit tests of the store's submissions, history and callbacks, and of
 * opening a database: each test starts from a fresh database (see
 * store_fixture.h), SQLite's or, with CODERUNNER_TEST_PG, PostgreSQL's;
 * raw connections look behind the interface where a test needs to
 * (schema version, row counts, journal mode).
 */

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/util.h"
#include "judge/judge.h"
#include "store/queue.h"
#include "store/store.h"
#include "store_fixture.h"
static void
test_insert_get(void **state)
{
	struct store_fixture	*f = *state;
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
	struct store_fixture	*f = *state;
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
	struct store_fixture	*f = *state;
	struct submission	*g = NULL;
	struct err		 err = { "" };
	char			 token[37];

	insert_sub(f->st, "alice", token);
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
test_reopen(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*g = NULL;
	struct store		*st;
	struct err		 err = { "" };
	struct stat		 sb;
	char			 token[37];
	int64_t			 objects, version;

	insert_sub(f->st, "alice", token);
	version = raw_schema_version(f);
	if (!f->pg)
		assert_int_equal(version, store_schema_version());
	assert_true(version >= 1);
	objects = raw_schema_objects(f);
	assert_true(objects >= 6);
	store_close(f->st);
	f->st = NULL;

	/* the schema has no IF NOT EXISTS: running it again would fail */
	assert_non_null(f->st = store_open(f->path, &err));
	assert_int_equal(raw_schema_version(f), version);
	assert_int_equal(raw_schema_objects(f), objects);
	assert_int_equal(store_get(f->st, token, "alice", &g, &err), 1);
	assert_string_equal(g->tests[0].stdin_data, "1\n");
	submission_free(g);

	/* the file and its mode */
	if (!f->pg) {
		assert_int_equal(stat(f->path, &sb), 0);
		assert_int_equal(sb.st_mode & 077, 0);
		assert_int_equal(raw_int(f->path, "SELECT journal_mode = "
		    "'wal' FROM pragma_journal_mode"), 1);
	}

	/* a database from a newer program is refused */
	raw_set_schema_version(f, 99);
	assert_null(st = store_open(f->path, &err));
	assert_non_null(strstr(err.msg, "newer"));
	raw_set_schema_version(f, 1);
}

static void
test_open_fails(void **state)
{
	struct store_fixture	*f = *state;
	struct err	 err = { "" };
	char		 p[160];

	if (f->pg)
		snprintf(p, sizeof(p), "postgresql:///coderunner?host=/no/"
		    "such/dir&connect_timeout=2");
	else
		snprintf(p, sizeof(p), "%s/no/such/dir/db", f->dir);
	assert_null(store_open(p, &err));
	assert_non_null(strstr(err.msg, f->pg ? "/no/such/dir" : p));
}

static void
test_memory_db(void **state)
{
	struct submission	*g = NULL;
	struct store		*st;
	struct err		 err = { "" };
	char			 token[37];

	if (((struct store_fixture *)*state)->pg)
		skip();		/* SQLite's own */
	assert_non_null(st = store_open(":memory:", &err));
	insert_sub(st, "alice", token);
	assert_int_equal(store_get(st, token, NULL, &g, &err), 1);
	submission_free(g);
	store_close(st);
}

static void
test_prune(void **state)
{
	struct store_fixture	*f = *state;
	struct submission	*c = NULL, *g = NULL;
	struct store_lease	 lease;
	struct err		 err = { "" };
	char			 queued[37], done1[37];
	int64_t			 before;
	int			 i;

	insert_sub(f->st, "alice", done1);
	insert_sub(f->st, "alice", NULL);
	insert_sub(f->st, "alice", queued);
	before = util_now_ms();
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_claim(f->st, 1, 60000, &lease, &c,
		    &err), 1);
		set_verdict(c, JS_AC);
		CHECK(store_finish(f->st, &lease, c, &err));
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
		insert_sub(f->st, "bob", NULL);
	raw_exec(f->path, "UPDATE submissions SET status = 3, "
	    "finished_ms = 1 WHERE owner = 'bob'");
	assert_int_equal(store_prune(f->st, 2, &err), 600);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM submissions"),
	    1);
}

static void
test_integrity_check(void **state)
{
	struct store_fixture	*f = *state;
	struct err	 err = { "" };

	insert_sub(f->st, "alice", NULL);
	CHECK(store_integrity_check(f->st, &err));
	if (f->pg) {
		/* PostgreSQL keeps its keys; a schema we do not know fails */
		raw_set_schema_version(f, 99);
		assert_int_equal(store_integrity_check(f->st, &err), -1);
		assert_non_null(strstr(err.msg, "schema version 99"));
		return;
	}
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
	struct store_fixture	*f = *state;
	struct store_insert_opts o = { "k1", 60000, "http://127.0.0.2/cb", 1 };
	struct store_callback	*cb = NULL;
	struct submission	*s, *c = NULL;
	struct store_lease	 lease;
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
	assert_int_equal(store_claim(f->st, 0, 60000, &lease, &c, &err), 1);
	assert_string_equal(c->token, token);
	set_verdict(c, JS_AC);
	CHECK(store_finish(f->st, &lease, c, &err));
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
#define T(name)	cmocka_unit_test_setup_teardown(name, store_fixture_setup, \
	    store_fixture_teardown)
		T(test_insert_get),
		T(test_insert_rejects),
		T(test_owner_scoping),
		T(test_reopen),
		T(test_open_fails),
		T(test_memory_db),
		T(test_prune),
		T(test_integrity_check),
		T(test_api_extras),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
