#ifndef API_NEGOTIATE_H
#define API_NEGOTIATE_H

/*
 * Private to src/api/: content negotiation (negotiate.c).
 *
 * neg_wants_html: 1 if the Accept header asks for HTML before JSON:
 * text/html (or application/xhtml+xml) has a higher q than
 * application/json (or the wildcard that stands for it), or the same q
 * and comes first.  NULL, "*" "/" "*" and application/json are JSON (0).
 * api_handle asks once per request: the answer decides between a page
 * and JSON for the whole request.
 */
int	neg_wants_html(const char *accept);

/*
 * 1 if the media type of the Content-Type ct (its parameters aside,
 * any case, blanks before it skipped) is type; the type "+json" matches
 * every application/<x>+json.  A NULL ct is no type (0).
 */
int	neg_ct_is(const char *ct, const char *type);
/* 1 if ct is JSON: application/json or application/<x>+json. */
int	neg_ct_json(const char *ct);

#endif
