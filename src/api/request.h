#ifndef API_REQUEST_H
#define API_REQUEST_H

/*
 * Private to src/api/: one request as the router hands it to a handler,
 * and the helpers every handler uses (request.c): the owner, the query
 * string, the submissions the owner may see.
 */
#include <stdint.h>

struct api;
struct api_body;
struct api_req;
struct api_resp;
struct form;
struct submission;

/*
 * A request after routing.  api_handle fills it once: who asks, which
 * representation the answer takes (html: a page for a browser, else
 * JSON; error pages too), and the body, classified and parsed once
 * (body.h) for the routes that take one.
 */
struct api_call {
	const struct api_req	*req;
	const char		*arg;	/* the segment '*' matched, or "" */
	const char		*owner;	/* REMOTE_USER, or "anonymous" */
	int			 admin;	/* owner is one of the admins */
	int			 html;	/* Accept prefers HTML */
	struct api_body		*body;	/* NULL for routes without one */
};

/* What every route's handler looks like. */
#define API_HANDLER(name)						\
	void name(struct api *, const struct api_call *,		\
	    struct api_resp *)

/* The owner of the request: REMOTE_USER, or "anonymous" if unset. */
const char *api_owner(const struct api_req *);

/*
 * Parses the query string into f (release with form_reset).  Returns 0,
 * or -1 with resp answered (400 for a malformed query).
 */
int	api_query_form(const struct api_req *, struct form *,
	    struct api_resp *);

/*
 * The query parameters of a submission request: wait=, base64_encoded=
 * and fields= (a comma list of the field table's names, or "*").
 */
struct api_query {
	int		wait;
	int		base64;
	int		fields_all;	/* "*" in fields=: Judge0's all */
	uint64_t	fields;		/* bit i: field i named; 0 and not
					   fields_all: the default set */
};
/*
 * Returns 0 with q filled, or -1 with resp answered (400 for a malformed
 * query or an unknown field).
 */
int	api_parse_query(const struct api_req *, struct api_query *,
	    struct api_resp *);

/*
 * The submission token as the caller may see it (their own; admins see
 * all).  Returns 1 with *s (caller frees) and resp->token set, 0 if there
 * is none to show (bad token, unknown, another owner's: the caller
 * answers its 404), -1 with resp answered (500).
 */
int	api_get_owned(struct api *, const struct api_call *,
	    const char *token, struct submission **s, struct api_resp *resp);

#endif
