#ifndef BASE_ERR_H
#define BASE_ERR_H

/*
 * The one error idiom of the project: a function that fails fills a
 * caller-owned struct err and returns -1 (or NULL).  The code that decides
 * what to do about the failure logs it, once.
 */
struct err {
	char	msg[256];
};

/* Formats the message into err (if err is not NULL).  Returns -1. */
int	err_set(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* As err_set, then appends ": strerror(errno)" with errno saved on entry. */
int	err_errno(struct err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
