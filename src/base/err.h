#ifndef BASE_ERR_H
#define BASE_ERR_H

/*
 * The one error idiom of the project: a function that fails fills a
 * caller-owned struct err and returns -1 (or NULL).  The code that decides
 * what to do about the failure logs it, once.
 */
struct err {
	char	msg[256];
	/*
	 * 1: what failed is a resource that is unavailable for now, not
	 * the request nor our code: a store that is locked, full,
	 * read-only or out of reach.  The caller answers "try again later"
	 * (HTTP 503 with Retry-After), never an internal error.  err_set
	 * and err_errno clear it; the code that knows sets it after them.
	 */
	int	unavailable;
};

/*
 * Formats the message into err (if err is not NULL) and clears
 * err->unavailable.  Returns -1.
 */
int	err_set(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* As err_set, then appends ": strerror(errno)" with errno saved on entry. */
int	err_errno(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
