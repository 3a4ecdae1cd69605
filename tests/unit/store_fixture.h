#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

/*
 * The unit tests' store: a fresh database, built from sql/ by
 * store_open(), and helpers that make submissions or look behind the
 * interface with a raw connection of their own.  The helpers fail the
 * running cmocka test on an error.
 *
 * The backend is SQLite (a database in a mkdtemp directory of its own),
 * or PostgreSQL when the environment has CODERUNNER_TEST_PG, the URI of
 * a database where its role may create schemas (tests/test_unit.py sets
 * it, with a throwaway cluster): each store is then a new schema of that
 * database, dropped at the end.  The raw helpers speak either; SQL they
 * run must mean the same in both.
 */

#include <stdint.h>

struct err;
struct store;
struct submission;

/* Fails the test with err's message when call returns -1. */
#define CHECK(call) do {						\
	if ((call) == -1)						\
		fail_msg("%s: %s", #call, err.msg);			\
} while (0)

struct store_fixture {
	int		 pg;		/* PostgreSQL, not SQLite */
	char		 dir[64];	/* SQLite: the database's dir */
	char		 schema[64];	/* PostgreSQL: the store's schema */
	char		 path[512];	/* the file, or the URI */
	struct store	*st;
};

/* CODERUNNER_TEST_PG, or NULL: the stores are SQLite's. */
const char	*store_fixture_pg_uri(void);

/*
 * Opens a fresh store: a new directory /tmp/<name>.XXXXXX, or a new
 * schema <name>_<pid>_<n>.  Returns 0, or -1 with err set (nothing is
 * left behind).
 */
int	store_fixture_open(struct store_fixture *, const char *name,
	    struct err *);
/*
 * Closes the store and removes the database, its -wal, -shm and dir (or
 * drops the schema).
 */
void	store_fixture_close(struct store_fixture *);
/* cmocka setup and teardown: *state is a struct store_fixture. */
int	store_fixture_setup(void **state);
int	store_fixture_teardown(void **state);

/*
 * The first column of the first row of sql, on a raw connection to path
 * (a file or a URI).
 */
int64_t	raw_int(const char *path, const char *sql);
/* Runs sql on a raw connection. */
void	raw_exec(const char *path, const char *sql);
/* The schema version the store has (user_version, schema_version). */
int64_t	raw_schema_version(const struct store_fixture *);
/* Sets it (to make a newer or older database), as raw_exec does. */
void	raw_set_schema_version(const struct store_fixture *, int v);
/* The tables, indexes, triggers (and functions) the schema holds. */
int64_t	raw_schema_objects(const struct store_fixture *);
/* A one-test submission of owner with stdin in (caller frees). */
struct submission *new_sub(const char *owner, const char *in);
/* Inserts a one-test submission of owner; its id, and token if not NULL. */
int64_t	insert_sub(struct store *, const char *owner, char token[37]);
/* Fills the verdict of a claimed one-test submission. */
void	set_verdict(struct submission *, int status);

#endif
