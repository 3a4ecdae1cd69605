/*
 * libpq, loaded when the first PostgreSQL store is opened (see PGLIB_FNS
 * in pg_int.h for why it is not linked).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#define PGLIB_TABLE		/* the table itself, not the calls */
#include "base/err.h"
#include "pg_int.h"

#define PGLIB_SONAME	"libpq.so.5"

struct pglib	pglib;

static pthread_once_t	pglib_once = PTHREAD_ONCE_INIT;
static char		pglib_error[256] = "not loaded";	/* "": loaded */

static void
pglib_load_once(void)
{
	void	*h;

	if ((h = dlopen(PGLIB_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(pglib_error, sizeof(pglib_error), "%s", dlerror());
		return;
	}
#define PGLIB_SYM(f)							\
	if ((pglib.f = (__typeof__(pglib.f))dlsym(h, #f)) == NULL) {	\
		snprintf(pglib_error, sizeof(pglib_error), "%s: no %s",	\
		    PGLIB_SONAME, #f);					\
		return;							\
	}
	PGLIB_FNS(PGLIB_SYM)
#undef PGLIB_SYM
	pglib_error[0] = '\0';
}

int
pglib_load(struct err *err)
{
	(void)pthread_once(&pglib_once, pglib_load_once);
	if (pglib_error[0] != '\0')
		return err_set(err, "PostgreSQL store: %s", pglib_error);
	return 0;
}
