#ifndef API_SUBMIT_H
#define API_SUBMIT_H

/*
 * Private to src/api/: the one way in for every route family (submit.c).
 */
#include <json.h>

struct api;
struct api_call;
struct api_resp;
struct submission;

#define API_RETRY_AFTER_S	5
#define API_IDEM_TTL_MS		(24LL * 60 * 60 * 1000)
#define API_MAX_IDEM_KEY	255	/* bytes of an Idempotency-Key */

/*
 * obj holds a submission in Judge0's names (the family maps its own onto
 * them).  It is decoded (base64), validated (400/413/422), checked
 * against the queue (503/429) and stored, or found by the request's
 * Idempotency-Key.  Returns 0 with *out (caller frees; token set; the
 * request part only) and resp->token set, or -1 with resp answered.
 * Does not answer the success: the caller renders its own shape.
 */
struct api_submit_opts {
	int		 form;		/* obj's values are form text */
	int		 base64;	/* base64_encoded=true */
	int		 no_idempotency; /* ignore the header (batch) */
};
int	api_submit(struct api *, const struct api_call *, json_object *obj,
	    const struct api_submit_opts *, struct submission **out,
	    struct api_resp *);
/*
 * Waits up to wait_timeout_ms for token's verdict.  Returns 1 with *out
 * (caller frees) once final, or 0 when the wait ended first (timeout,
 * stopping, pruned, or the store failed: resp->err says why): the caller
 * answers with the token.  Never fails otherwise: the job is stored.
 */
int	api_wait(struct api *, const char *token, struct submission **out,
	    struct api_resp *);
/*
 * A synchronous route (compat.c, piston.c): api_submit, then api_wait.
 * Returns 1 with *out final (caller frees), 0 when the wait ended first
 * (resp->token names the job; the caller answers), -1 with resp
 * answered.
 */
int	api_run_sync(struct api *, const struct api_call *, json_object *obj,
	    int form, struct submission **out, struct api_resp *);
/*
 * Back-pressure for n new jobs of owner: 503 (queue full) or 429 (owner
 * over owner_queue_max), both with Retry-After.  Returns 0, or -1 with
 * resp answered.
 */
int	api_check_queue(struct api *, const char *owner, int n,
	    struct api_resp *);

#endif
