#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "judge.h"

static const struct {
	const char	*code;
	const char	*description;
} statuses[JS_MAX + 1] = {
	[JS_QUEUE] = { "QU", "In Queue" },
	[JS_PROCESSING] = { "PR", "Processing" },
	[JS_AC] = { "AC", "Accepted" },
	[JS_WA] = { "WA", "Wrong Answer" },
	[JS_TLE] = { "TLE", "Time Limit Exceeded" },
	[JS_CE] = { "CE", "Compilation Error" },
	[JS_SIGSEGV] = { "RE", "Runtime Error (SIGSEGV)" },
	[JS_SIGXFSZ] = { "RE", "Runtime Error (SIGXFSZ)" },
	[JS_SIGFPE] = { "RE", "Runtime Error (SIGFPE)" },
	[JS_SIGABRT] = { "RE", "Runtime Error (SIGABRT)" },
	[JS_NZEC] = { "RE", "Runtime Error (NZEC)" },
	[JS_RE_OTHER] = { "RE", "Runtime Error (Other)" },
	[JS_IE] = { "IE", "Internal Error" },
	[JS_EXEC_FORMAT] = { "IE", "Exec Format Error" },
	[JS_MLE] = { "MLE", "Memory Limit Exceeded" },
	[JS_OLE] = { "OLE", "Output Limit Exceeded" },
};

const char *
judge_status_description(int id)
{
	if (id < 1 || id > JS_MAX)
		return "Unknown";
	return statuses[id].description;
}

const char *
judge_status_code(int id)
{
	if (id < 1 || id > JS_MAX)
		return "??";
	return statuses[id].code;
}

int
judge_status_judge0(int id)
{
	switch (id) {
	case JS_MLE:
		return JS_RE_OTHER;
	case JS_OLE:
		return JS_SIGXFSZ;
	default:
		return id;
	}
}

int
judge_status_is_final(int id)
{
	return id >= JS_AC && id <= JS_MAX;
}

struct submission *
submission_new(void)
{
	struct submission	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->compare = JC_TRIM;
	s->abs_eps = s->rel_eps = JUDGE_DEFAULT_EPS;
	s->number_of_runs = 1;
	return s;
}

static void
test_result_reset(struct judge_test_result *r)
{
	free(r->stdout_data);
	free(r->stderr_data);
	memset(r, 0, sizeof(*r));
}

void
submission_free(struct submission *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntests; i++) {
		free(s->tests[i].stdin_data);
		free(s->tests[i].expected);
		if (s->results != NULL)
			test_result_reset(&s->results[i]);
	}
	for (i = 0; i < s->nfiles; i++) {
		free(s->files[i].name);
		free(s->files[i].content);
	}
	free(s->files);
	free(s->additional_files);
	free(s->compiler_options);
	free(s->command_line_arguments);
	util_strv_free(s->argv);
	free(s->tests);
	free(s->results);
	free(s->owner);
	free(s->source);
	free(s->compile_output);
	free(s);
}

const struct judge_test_result *
submission_main_result(const struct submission *s)
{
	size_t	i;

	if (s->results == NULL || s->ntests == 0)
		return NULL;
	for (i = 0; i < s->ntests; i++)
		if (judge_status_is_final(s->results[i].status) &&
		    s->results[i].status != JS_AC)
			return &s->results[i];
	return &s->results[0];
}

int
submission_set_single_test(struct submission *s, const char *in,
    size_t in_len, const char *expected, size_t expected_len,
    struct err *err)
{
	struct judge_test	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_errno(err, "calloc");
	if ((t->stdin_data = util_memdup0(in != NULL ? in : "", in_len)) == NULL)
		goto nomem;
	t->stdin_len = in_len;
	if (expected != NULL) {
		if ((t->expected = util_memdup0(expected, expected_len)) == NULL)
			goto nomem;
		t->expected_len = expected_len;
	}
	s->tests = t;
	s->ntests = 1;
	return 0;
nomem:
	free(t->stdin_data);
	free(t);
	return err_errno(err, "malloc");
}
