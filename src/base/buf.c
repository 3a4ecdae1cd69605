#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

static int
grow(struct buf *b, size_t need, struct err *err)
{
	size_t	 cap;
	char	*p;

	if (need < b->len)	/* overflow */
		return err_set(err, "buffer too large");
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1) {
		if (cap > ((size_t)-1) / 2)
			return err_set(err, "buffer too large");
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL)
		return err_errno(err, "realloc");
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n, struct err *err)
{
	if (grow(b, b->len + n, err) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s, struct err *err)
{
	return buf_append(b, s, strlen(s), err);
}

int
buf_printf(struct buf *b, struct err *err, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(err, "vsnprintf failed");
	if (grow(b, b->len + (size_t)n, err) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
buf_steal(struct buf *b)
{
	char	*p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	buf_init(b);
	return p;
}
