#ifndef BASE_UTIL_H
#define BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct err;

/* Fills p with n bytes from getrandom(2).  Returns 0, or -1 with err set. */
int	 util_random(void *p, size_t n, struct err *err);
/* Writes a random UUIDv4 ("8-4-4-4-12", lower-case hex) into out[37]. */
int	 util_uuid4(char out[37], struct err *err);
/* 1 if s is a UUID in the canonical lower-case form util_uuid4 writes. */
int	 util_is_uuid(const char *s);
/* Copies n bytes of p into a new NUL-terminated buffer (caller frees). */
char	*util_memdup0(const void *p, size_t n);
int64_t	 util_now_ms(void);	/* CLOCK_REALTIME, ms since the epoch */
int64_t	 util_mono_us(void);	/* CLOCK_MONOTONIC, microseconds */
/* ts = ms from now on clock, for the timed waits of pthreads */
void	 util_deadline(struct timespec *ts, clockid_t clock, int ms);
/* Formats ms since the epoch as ISO 8601 UTC ("2024-01-02T03:04:05.678Z"). */
void	 util_iso8601(int64_t ms, char out[32]);
/*
 * Parses a decimal integer in [min, max] with nothing after it.
 * Returns 0 with *out set, or -1.
 */
int	 util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* The value of the hex digit c (either case), or -1. */
int	 util_hexval(int c);
/*
 * Frees a NULL-terminated vector of strings and the strings (argv-like
 * lists of the config, the language table, split words).  NULL is fine.
 */
void	 util_strv_free(char **v);

#endif
