/* The unit tests' store; see store_fixture.h. */

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
#include "judge/judge.h"
#include "store/store.h"
#include "store_fixture.h"

int
store_fixture_open(struct store_fixture *f, const char *name,
    struct err *err)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(f->dir) == NULL)
		return err_errno(err, "mkdtemp %s", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/coderunner.db", f->dir);
	if ((f->st = store_open(f->path, err)) == NULL) {
		store_fixture_close(f);
		return -1;
	}
	return 0;
}

void
store_fixture_close(struct store_fixture *f)
{
	char	p[160];

	store_close(f->st);
	f->st = NULL;
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
}

int
store_fixture_setup(void **state)
{
	struct store_fixture	*f;
	struct err		 err = { "" };

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if (store_fixture_open(f, "test_store", &err) == -1) {
		fprintf(stderr, "store_fixture_open: %s\n", err.msg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int
store_fixture_teardown(void **state)
{
	struct store_fixture	*f = *state;

	store_fixture_close(f);
	free(f);
	return 0;
}

int64_t
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

void
raw_exec(const char *path, const char *sql)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

struct submission *
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

int64_t
insert_sub(struct store *st, const char *owner, char token[37])
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

void
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
