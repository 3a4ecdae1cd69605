#ifndef API_FIELDS_H
#define API_FIELDS_H

/*
 * Private to src/api/: a submission's fields, in one table (fields.c).
 * The table says, for each field: whether GET /submissions/{token} shows
 * it by default, its name for fields= (and its place in every answer),
 * how it is written in JSON (text fields in base64 when asked), and
 * where and how the result page shows it.  A new field is one row there,
 * plus its line in contrib/openapi.yaml (a test holds the two together).
 */
#include <stddef.h>

#include <json.h>

struct api;
struct api_query;
struct api_resp;
struct page;
struct submission;

/*
 * The index of the field named by len bytes of name, or -1.  At most 64
 * fields (struct api_query's mask).
 */
int	fields_index(const char *name, size_t len);
/*
 * One submission as q asks: the default fields or q's (fields=, "*"),
 * text fields in base64 when q->base64.  Without base64, text that is
 * not UTF-8 is refused with Judge0's 400 rather than altered (a client
 * that compares output must see the bytes the program wrote).  Returns a
 * new object (caller puts it), or NULL with resp answered: 400 when a
 * text field shown is not UTF-8 without base64, 500 when memory or the
 * store fails.
 */
json_object *fields_json(struct api *, const struct submission *,
	    const struct api_query *q, struct api_resp *resp);
/*
 * The result page's share of the fields, in the page's order: the facts
 * (<dt>/<dd> pairs, inside the caller's <dl>), or the blocks (the
 * outputs, the tests, the inputs).
 */
void	fields_page_facts(struct page *, const struct api *,
	    const struct submission *);
void	fields_page_blocks(struct page *, const struct api *,
	    const struct submission *);

#endif
