#ifndef API_MULTIPART_H
#define API_MULTIPART_H

/*
 * Private to src/api/: the multipart/form-data parser (multipart.c) that
 * the HTML form's posts need.
 */
#include <stddef.h>

struct err;

#define MP_MAX_PARTS		64	/* parts in one body */
#define MP_MAX_HEADER_BYTES	8192	/* the header lines of one part */
#define MP_MAX_NAME		256	/* a field name, file name, type */
#define MP_MAX_BOUNDARY		70	/* RFC 2046 */

/*
 * One part.  name is always set (a part without one is malformed);
 * filename is NULL for a plain field and may be "" (a file input left
 * empty); content_type is NULL when the part has none.  The strings are
 * owned by the struct multipart; data points into the parsed body.
 */
struct mp_part {
	char		*name;
	char		*filename;
	char		*content_type;
	const char	*data;
	size_t		 len;
};

struct multipart {
	struct mp_part	*parts;
	size_t		 n;
};

/*
 * The boundary parameter of a multipart/form-data content type, checked
 * against RFC 2046 (1 to 70 characters of its set).  Returns 0 with out
 * filled, or -1 if content_type is no such type or has no valid boundary.
 */
int	multipart_boundary(const char *content_type,
	    char out[MP_MAX_BOUNDARY + 1]);
/*
 * Parses len bytes of body (borrowed: the parts point into it for as
 * long as mp lives) as content_type says.  Returns 1 with mp filled
 * (release with multipart_reset), 0 if the body is malformed or over a
 * limit (err says which; mp is empty), or -1 with err set when memory
 * runs out.  Never reads outside [body, body + len).
 */
int	multipart_parse(const char *content_type, const char *body,
	    size_t len, struct multipart *mp, struct err *err);
void	multipart_reset(struct multipart *);
/* The last part named name, or NULL.  Borrowed from mp. */
const struct mp_part *multipart_get(const struct multipart *mp,
	    const char *name);

#endif
