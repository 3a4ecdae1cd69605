#ifndef TESTS_API_FIXTURE_H
#define TESTS_API_FIXTURE_H

/*
 * The fixture test_api.c and test_html.c share: the API over a fresh
 * store in a temporary directory, the config's defaults with one admin
 * ("root"), and contrib/languages.json (run from the repository root).
 */
#include "api/api.h"
#include "base/config.h"
#include "store_fixture.h"

struct lang_table;
struct store;

struct api_fx {
	struct store_fixture	 db;		/* the store, its path */
	struct config		 cfg;
	struct lang_table	*langs;
	struct store		*st;
	struct api		 api;
	struct api_resp		 resp;		/* the last answer */
};

/*
 * Opens x, its directory named after name ("test_api").  Returns 0, or -1
 * (the reason on stderr).
 */
int	api_fx_open(struct api_fx *x, const char *name);
/* Closes the store and removes the directory. */
void	api_fx_close(struct api_fx *x);
/* Runs req through api_handle into x->resp; returns the status. */
int	api_fx_handle(struct api_fx *x, const struct api_req *req);
/*
 * Plays one executor run: claims the oldest job and stores the verdict
 * status, with out as the first test's stdout (or none), time_s and
 * wall_s for the submission and its first test, 1234 KB.  Fails the
 * test if there is no job.
 */
void	api_fx_finish(struct api_fx *x, int status, const char *out,
	    double time_s, double wall_s);
/* 1 if the answer's headers hold s. */
int	api_fx_has_header(const struct api_fx *x, const char *s);

#endif
