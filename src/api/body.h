#ifndef API_BODY_H
#define API_BODY_H

/*
 * Private to src/api/: a request body, classified and parsed once
 * (body.c), before the CSRF gate, for the gate and the handlers.
 */
#include <json.h>

#include "api.h"

struct api;
struct api_req;

struct api_body {
	json_object	*obj;	/* the body's object, or NULL */
	int		 form;	/* obj's values are form text: absent and
				   "" are alike */
	/*
	 * Status 0, or the answer to a body that cannot be used (400
	 * malformed, 422 a file and code both, 500); obj may still hold
	 * what was read (the form shows it again).
	 */
	struct api_resp	 answer;
};

/*
 * Reads req's body into b (release with body_reset): JSON whatever the
 * Content-Type when json_only (Piston's clients send none), else by the
 * Content-Type: a urlencoded form (values are text), multipart/form-data
 * (the HTML form: a file in the part source_file becomes source_code, its
 * name picks the language when none was chosen), or JSON.  A form type
 * whose body starts with '{' is JSON (curl -d).  Never fails: a body
 * that cannot be used keeps its answer in b->answer.
 */
void	body_parse(struct api *, const struct api_req *req, int json_only,
	    struct api_body *b);
void	body_reset(struct api_body *);
/*
 * The body's object (borrowed from b) and whether it is form text.
 * Returns 0, or -1 with resp answered with the body's answer.
 */
int	body_take(const struct api_body *b, json_object **obj, int *form,
	    struct api_resp *resp);
/* A text field of a form body (urlencoded or multipart), or NULL. */
const char *body_form_value(const struct api_body *b, const char *name);
/* 1 if the body's first non-blank byte is '{': JSON, whatever its type. */
int	body_looks_json(const struct api_req *);

#endif
