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
#include <libpq-fe.h>
#include <sqlite3.h>

#include "base/err.h"
#include "judge/judge.h"
#include "store/store.h"
#include "store_fixture.h"

const char *
store_fixture_pg_uri(void)
{
	const char	*uri = getenv("CODERUNNER_TEST_PG");

	return uri != NULL && *uri != '\0' ? uri : NULL;
}

static int
is_pg(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

/* Runs sql on a connection to uri.  0, or -1 with err set. */
static int
pg_run(const char *uri, const char *sql, struct err *err)
{
	PGconn		*c;
	PGresult	*r;
	int		 rc = 0;

	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		rc = err_set(err, "%s: %s", uri, PQerrorMessage(c));
		PQfinish(c);
		return rc;
	}
	/* DROP SCHEMA ... CASCADE tells of every object it drops */
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = err_set(err, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return rc;
}

/* A new schema of the test database, and the URI that works in it. */
static int
pg_fixture_open(struct store_fixture *f, const char *name, struct err *err)
{
	static int	 n;
	const char	*uri = store_fixture_pg_uri();
	char		 sql[128];

	f->pg = 1;
	snprintf(f->schema, sizeof(f->schema), "%s_%d_%d", name,
	    (int)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
	if (pg_run(uri, sql, err) == -1)
		return -1;
	/* the search_path names the schema first: the store's tables */
	snprintf(f->path, sizeof(f->path), "%s%coptions=-csearch_path%%3D%s",
	    uri, strchr(uri, '?') != NULL ? '&' : '?', f->schema);
	if ((f->st = store_open(f->path, err)) == NULL) {
		store_fixture_close(f);
		return -1;
	}
	return 0;
}

int
store_fixture_open(struct store_fixture *f, const char *name,
    struct err *err)
{
	memset(f, 0, sizeof(*f));
	if (store_fixture_pg_uri() != NULL)
		return pg_fixture_open(f, name, err);
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
	struct err	err;
	char		p[600];

	store_close(f->st);
	f->st = NULL;
	if (f->pg) {
		snprintf(p, sizeof(p), "DROP SCHEMA %s CASCADE", f->schema);
		if (pg_run(store_fixture_pg_uri(), p, &err) == -1)
			fprintf(stderr, "store_fixture_close: %s\n", err.msg);
		return;
	}
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

/* raw_int over libpq: text results, the first value as an integer. */
static int64_t
pg_raw_int(const char *uri, const char *sql)
{
	PGconn		*c;
	PGresult	*r = NULL;
	int64_t		 v = -1;

	c = PQconnectdb(uri);
	if (PQstatus(c) == CONNECTION_OK && (r = PQexec(c, sql)) != NULL &&
	    PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
	    PQnfields(r) > 0) {
		v = PQgetisnull(r, 0, 0) ? 0 :
		    strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? 1 :
		    strcmp(PQgetvalue(r, 0, 0), "f") == 0 ? 0 :
		    strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		PQfinish(c);
		return v;
	}
	PQclear(r);
	fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQfinish(c);
	return v;
}

int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*stmt = NULL;
	int64_t		 v = -1;

	if (is_pg(path))
		return pg_raw_int(path, sql);
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
	sqlite3		*db = NULL;
	struct err	 err;

	if (is_pg(path)) {
		if (pg_run(path, sql, &err) == -1)
			fail_msg("%s", err.msg);
		return;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

int64_t
raw_schema_version(const struct store_fixture *f)
{
	return raw_int(f->path, f->pg ?
	    "SELECT max(version) FROM schema_version" : "PRAGMA user_version");
}

void
raw_set_schema_version(const struct store_fixture *f, int v)
{
	char	sql[64];

	snprintf(sql, sizeof(sql), f->pg ?
	    "UPDATE schema_version SET version = %d" :
	    "PRAGMA user_version = %d", v);
	raw_exec(f->path, sql);
}

int64_t
raw_schema_objects(const struct store_fixture *f)
{
	if (!f->pg)
		return raw_int(f->path, "SELECT count(*) FROM sqlite_master");
	return raw_int(f->path, "SELECT (SELECT count(*) FROM pg_class "
	    "WHERE relnamespace = current_schema()::regnamespace) + "
	    "(SELECT count(*) FROM pg_proc "
	    "WHERE pronamespace = current_schema()::regnamespace) + "
	    "(SELECT count(*) FROM pg_trigger t JOIN pg_class c "
	    "ON c.oid = t.tgrelid "
	    "WHERE c.relnamespace = current_schema()::regnamespace)");
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
