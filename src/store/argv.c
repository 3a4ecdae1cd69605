/* See argv.h. */

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "judge/judge.h"
#include "argv.h"

int
argv_pack(const struct submission *s, struct buf *b, struct err *err)
{
	size_t	i;

	for (i = 0; s->argv != NULL && s->argv[i] != NULL; i++)
		if (buf_append(b, s->argv[i], strlen(s->argv[i]) + 1,
		    err) == -1)
			return -1;
	return 0;
}

int
argv_unpack(const char *p, size_t len, struct submission *s,
    struct err *err)
{
	size_t	n = 0, i, k;

	if (p == NULL)
		return 0;
	/* a last word without its NUL (damage) is dropped, not overrun */
	for (i = 0; i < len; i++)
		if (p[i] == '\0')
			n++;
	if ((s->argv = calloc(n + 1, sizeof(char *))) == NULL)
		return err_errno(err, "calloc");
	for (i = 0, k = 0; k < n; k++) {
		if ((s->argv[k] = strdup(p + i)) == NULL)
			return err_errno(err, "strdup");
		i += strlen(p + i) + 1;
	}
	return 0;
}
