/*
 * The result page: GET /submissions/{token} for a browser.  The verdict
 * badge and where a pending job is, then the fields the field table
 * shows on the page (fields.c: the facts, the outputs, the tests, the
 * inputs).  While the job is queued or running the page refreshes itself
 * (<meta refresh> without JavaScript; with it, static/coderunner.js polls
 * the JSON of the same URL and updates the elements by their ids).
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "judge/judge.h"
#include "store/queue.h"
#include "store/store.h"
#include "api.h"
#include "fields.h"
#include "handlers.h"
#include "page.h"
#include "request.h"

/*
 * Where a pending job is, in words: its place in the queue, or the test
 * the executor recorded last (the field "progress").
 */
static void
p_progress(struct page *pg, const struct submission *s, int64_t ahead)
{
	if (s->status == JS_QUEUE) {
		if (ahead == 0)
			p_raw(pg, "Next in the queue.");
		else if (ahead > 0)
			p_fmt(pg, "Waiting in the queue: %lld %s ahead of it.",
			    (long long)ahead, ahead == 1 ? "job" : "jobs");
		else
			p_raw(pg, "Waiting in the queue.");
	} else if (s->status == JS_PROCESSING) {
		if (s->ntests > 1 && s->progress > 0)
			p_fmt(pg, "Running test %d of %zu.", s->progress,
			    s->ntests);
		else if (s->ntests > 1)
			p_fmt(pg, "Compiling; %zu tests to run.", s->ntests);
		else
			p_raw(pg, "Running.");
	}
}

void
page_result(struct api *a, const struct api_call *c, struct api_resp *resp)
{
	struct submission	*s = NULL;
	struct page		 pg;
	struct err		 err;
	char			 title[64], path[256];
	int64_t			 ahead = -1;
	int			 final;

	switch (api_get_owned(a, c, c->arg, &s, resp)) {
	case -1:
		goto out;
	case 0:
		page_error(a, c, 404, "There is no such submission, or it "
		    "is not yours.", resp);
		goto out;
	}
	final = judge_status_is_final(s->status);
	if (s->status == JS_QUEUE &&
	    (ahead = store_queue_ahead(a->store, s->id, &err)) < 0)
		ahead = -1;	/* only a nicety: say less */

	page_init(&pg, a, c);
	snprintf(title, sizeof(title), "%s", judge_status_description(
	    s->status));
	page_begin(&pg, title, final ? 0 : 1);
	p_raw(&pg, "<h1>Submission <code class=\"token\">");
	p_text(&pg, s->token);
	p_raw(&pg, "</code></h1>\n<div class=\"verdict\" id=\"cr-verdict\" "
	    "aria-live=\"polite\" data-poll=\"");
	/* what the script shows, and our status: verdict, not Judge0's */
	snprintf(path, sizeof(path), "/submissions/%s?fields=status,verdict,"
	    "progress,message,time,wall_time,memory,exit_code,exit_signal,"
	    "finished_at,compile_output,stdout,stderr,tests", s->token);
	p_url(&pg, path);
	p_fmt(&pg, "\" data-status=\"%d\" data-final=\"%d\">\n", s->status,
	    final);
	p_badge(&pg, s->status, "cr-status");
	p_raw(&pg, "\n<span class=\"progress\" id=\"cr-progress\">");
	p_progress(&pg, s, ahead);
	p_raw(&pg, "</span>\n</div>\n<dl class=\"facts\">\n");
	fields_page_facts(&pg, a, s);
	if (pg.admin) {
		p_raw(&pg, "<dt>Owner</dt><dd>");
		p_text(&pg, s->owner);
		p_raw(&pg, "</dd>\n");
	}
	p_raw(&pg, "</dl>\n");
	fields_page_blocks(&pg, a, s);
	p_raw(&pg, "<p class=\"next\"><a href=\"");
	p_url(&pg, "/submissions/new");
	p_raw(&pg, "\">New submission</a> \xc2\xb7 <a href=\"");
	p_url(&pg, "/submissions");
	p_raw(&pg, "\">History</a></p>\n");
	page_end(&pg);
	page_reply(&pg, resp, 200);
out:
	submission_free(s);
}
