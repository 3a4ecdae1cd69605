/*
 * libpq, loaded when the first PostgreSQL store is opened (see PQ_FNS in
 * pg_int.h for why it is not linked).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#define PG_LIB_TABLE		/* the table itself, not the calls */
#include "base/err.h"
#include "pg_int.h"

#define PQ_SONAME	"libpq.so.5"

struct pq_lib	pq;

static pthread_once_t	pq_once = PTHREAD_ONCE_INIT;
static char		pq_error[256] = "not loaded";	/* "": loaded */

static void
pq_load_once(void)
{
	void	*h;

	if ((h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(pq_error, sizeof(pq_error), "%s", dlerror());
		return;
	}
#define PQ_SYM(f)							\
	if ((*(void **)&pq.f = dlsym(h, #f)) == NULL) {			\
		snprintf(pq_error, sizeof(pq_error), "%s: no %s",	\
		    PQ_SONAME, #f);					\
		return;							\
	}
	PQ_FNS(PQ_SYM)
#undef PQ_SYM
	pq_error[0] = '\0';
}

int
pq_load(struct err *err)
{
	(void)pthread_once(&pq_once, pq_load_once);
	if (pq_error[0] != '\0')
		return err_set(err, "PostgreSQL store: %s", pq_error);
	return 0;
}
