#ifndef JUDGE_CACHE_H
#define JUDGE_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct err;
struct sandbox_box_file;

/*
 * The compile cache: what a compile left in its box (the program and the
 * sources), kept on disk under a key of everything the compile depends
 * on, so that a resubmission, or a batch item with the same source, skips
 * the compile.  See cache.c for the format and why it cannot become a
 * channel between submissions.
 */
struct cache;

#define CACHE_KEY_HEX	65	/* 64 hex digits and a NUL */

/*
 * Opens (makes, 0700) the cache directory dir, which must be ours, mode
 * 0700 or stricter and not a link; entries beyond max_bytes in all are
 * evicted, the least recently used first.  Returns the cache (close with
 * cache_close), or NULL with err set.
 */
struct cache	*cache_open(const char *dir, uint64_t max_bytes, struct err *);
void		 cache_close(struct cache *);

/* A key in the making: feed it every input of the compile, in order. */
struct cache_key;
struct cache_key *cache_key_new(void);
void	cache_key_add(struct cache_key *, const void *p, size_t len);
/* Adds a string and its terminating NUL (so "ab","c" != "a","bc"). */
void	cache_key_str(struct cache_key *, const char *s);
/* Writes the key as hex into out and frees k. */
void	cache_key_final(struct cache_key *k, char out[CACHE_KEY_HEX]);

/* One cached compile. */
struct cache_entry {
	char		*output;	/* the compiler's output (owned) */
	size_t		 output_len;
	struct cache_file {
		char	*path;		/* relative, checked (owned) */
		int	 mode;
		char	*data;		/* owned */
		size_t	 len;
	}		*files;
	size_t		 nfiles;
};

/*
 * Looks key up.  Returns 1 with *e (free with cache_entry_free), 0 if
 * there is no (intact) entry, -1 with err set.
 */
int	cache_get(struct cache *, const char *key, struct cache_entry **e,
	    struct err *);
void	cache_entry_free(struct cache_entry *);

/*
 * A new entry for key: cache_put_begin, then cache_put_file for each file
 * (fits sandbox_box_export's callback, with the writer as arg), then
 * cache_put_commit with the compiler's output, or cache_put_abort.  The
 * entry appears whole or not at all.  begin returns the writer, or NULL
 * with err set.
 */
struct cache_writer;
struct cache_writer *cache_put_begin(struct cache *, const char *key,
	    struct err *);
int	cache_put_file(void *writer, const struct sandbox_box_file *,
	    struct err *);
int	cache_put_commit(struct cache_writer *, const char *output,
	    size_t output_len, struct err *);
void	cache_put_abort(struct cache_writer *);

#endif
