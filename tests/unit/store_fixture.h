#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

/*
 * The unit tests' store: a fresh database, built from sql/ by
 * store_open(), in a mkdtemp directory of its own, and helpers that make
 * submissions or look behind the interface with a raw sqlite3
 * connection.  The helpers fail the running cmocka test on an error.
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
	char		 dir[64];
	char		 path[128];	/* the database file */
	struct store	*st;
};

/*
 * Opens a fresh store in a new directory /tmp/<name>.XXXXXX.  Returns 0,
 * or -1 with err set (nothing is left behind).
 */
int	store_fixture_open(struct store_fixture *, const char *name,
	    struct err *);
/* Closes the store and removes the database, its -wal, -shm and dir. */
void	store_fixture_close(struct store_fixture *);
/* cmocka setup and teardown: *state is a struct store_fixture. */
int	store_fixture_setup(void **state);
int	store_fixture_teardown(void **state);

/* The first column of the first row of sql, on a raw connection. */
int64_t	raw_int(const char *path, const char *sql);
/* Runs sql on a raw connection. */
void	raw_exec(const char *path, const char *sql);
/* A one-test submission of owner with stdin in (caller frees). */
struct submission *new_sub(const char *owner, const char *in);
/* Inserts a one-test submission of owner; its id, and token if not NULL. */
int64_t	insert_sub(struct store *, const char *owner, char token[37]);
/* Fills the verdict of a claimed one-test submission. */
void	set_verdict(struct submission *, int status);

#endif
