#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stddef.h>

/*
 * A growable byte buffer.  data is always NUL-terminated (the NUL is not
 * counted in len), so text can be used as a C string.  Initialise with
 * { 0 } or buf_init(); release with buf_reset().
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

struct err;

void	buf_init(struct buf *);
void	buf_reset(struct buf *);		/* frees, back to empty */
/* The appenders return 0, or -1 with err set when memory runs out. */
int	buf_append(struct buf *, const void *, size_t, struct err *);
int	buf_puts(struct buf *, const char *, struct err *);
int	buf_printf(struct buf *, struct err *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Hands the data to the caller (who frees it) and empties the buffer. */
char	*buf_steal(struct buf *);

#endif
