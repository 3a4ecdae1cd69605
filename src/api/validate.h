#ifndef API_VALIDATE_H
#define API_VALIDATE_H

/*
 * Private to src/api/: the one validator (validate.c).  Every route
 * family maps its request onto an object in Judge0's names and hands it
 * here (through api_submit, submit.h).
 */
#include <stddef.h>

#include <json.h>

struct api;
struct api_resp;
struct submission;

#define API_MAX_TESTS		100	/* entries of "tests" */
#define API_MAX_FILES		32	/* entries of "files" */
#define API_MAX_FILE_NAME	64
#define API_MAX_RUNS		20	/* number_of_runs */
#define API_MAX_OPTIONS		512	/* bytes of compiler_options */
#define API_MAX_ARGS		4096	/* bytes of command_line_arguments */

/*
 * The limits a submission may set, in Judge0's names and units, with
 * where each lives in struct limits (/config_info, the form and the
 * field table show them).
 */
struct api_limit {
	const char	*name;		/* "cpu_time_limit" */
	int		 is_int;	/* int64_t (KB, count), else double s */
	size_t		 off;		/* in struct limits */
	int		 zero_ok;	/* 0 is a meaningful value */
};
const struct api_limit *api_limit_table(size_t *n);

struct validate_opts {
	const char	*owner;		/* the submission's owner */
	int		 form;		/* obj's values are form text */
	int		 base64;	/* base64_encoded=true */
};
/*
 * Decodes obj's texts in place when o->base64 (strict RFC 4648 but for
 * line breaks: a 400 otherwise), then validates it into a new
 * submission *out (caller frees; queued, no token yet) and its callback
 * URL (borrowed from obj, or NULL).  Field rules: null is absent; in a form "" is absent too;
 * numbers may be written as text; unknown keys are ignored, keys that
 * would change what runs and that we do not do are a 422.  Returns 0,
 * or -1 with resp answered (400, 413, 422, 500).
 */
int	validate_submission(struct api *, json_object *obj,
	    const struct validate_opts *o, struct submission **out,
	    const char **callback_url, struct api_resp *resp);

#endif
