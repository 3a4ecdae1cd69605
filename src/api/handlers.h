#ifndef API_HANDLERS_H
#define API_HANDLERS_H

/*
 * Private to src/api/: every handler the router (api.c) routes to, by
 * the file it lives in.  A handler answers one route for one
 * representation: the page column of the routing table names the one a
 * browser gets where the two differ.
 */
#include "request.h"

/* the form: GET /, /submissions/new; a browser's POST /submissions */
API_HANDLER(page_form_get);		/* page_form.c */
API_HANDLER(page_form_post);
/* POST /submissions for API clients */
API_HANDLER(submit_post);		/* submit.c */
/* GET and DELETE /submissions/{token} */
API_HANDLER(result_get);		/* result.c */
API_HANDLER(result_delete);
API_HANDLER(page_result);		/* page_result.c */
/* GET /submissions, /statistics: the JSON and the page of each */
API_HANDLER(history_json);		/* history.c */
API_HANDLER(history_page);
API_HANDLER(statistics_json);		/* statistics.c */
API_HANDLER(statistics_page);
/* Judge0's batches */
API_HANDLER(batch_post);		/* batch.c */
API_HANDLER(batch_get);
/* the catalogue */
API_HANDLER(catalogue_languages);	/* catalogue.c */
API_HANDLER(catalogue_languages_all);
API_HANDLER(catalogue_language);
API_HANDLER(catalogue_statuses);
API_HANDLER(catalogue_config_info);
API_HANDLER(catalogue_about);
API_HANDLER(catalogue_version);
/* the service's state */
API_HANDLER(service_health);		/* service.c */
API_HANDLER(service_system_info);
API_HANDLER(service_workers);
API_HANDLER(service_metrics);
API_HANDLER(service_authenticate);
API_HANDLER(service_authorize);
/* Piston v2 */
API_HANDLER(piston_runtimes);		/* piston.c */
API_HANDLER(piston_execute);
/* their errors in Piston's shape, {"message"} (the routes' error column) */
void	piston_error(struct api_resp *);
/* the small runners' routes */
API_HANDLER(compat_code);		/* compat.c */
API_HANDLER(compat_submissions_new);
API_HANDLER(compat_api_execute);
API_HANDLER(compat_api_languages);
API_HANDLER(compat_api_health);
API_HANDLER(compat_run);
API_HANDLER(compat_status);
API_HANDLER(compat_execute);

#endif
