/*
 * A submission's argv as one column (SQLite's argv BLOB, PostgreSQL's
 * argv bytea): each word followed by a NUL byte; no column (NULL) when
 * the submission has no argv.  Both backends store and load it alike.
 */
#ifndef STORE_ARGV_H
#define STORE_ARGV_H

#include <stddef.h>

struct buf;
struct err;
struct submission;

/* Appends s->argv to b (nothing when s has none).  0, or -1 with err. */
int	argv_pack(const struct submission *s, struct buf *b, struct err *);
/*
 * Sets s->argv from the len bytes at p (p NULL: no argv).  0, or -1
 * with err set.
 */
int	argv_unpack(const char *p, size_t len, struct submission *s,
	    struct err *);

#endif
