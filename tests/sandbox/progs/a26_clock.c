/* A26: clock tampering. */
#include <sys/time.h>
#include <sys/timex.h>

#include <time.h>

#include "attack.h"

int
main(void)
{
	struct timespec	ts;
	struct timeval	tv;
	struct timex	tx;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 86400;
	check("clock_settime", clock_settime(CLOCK_REALTIME, &ts), 0);
	gettimeofday(&tv, NULL);
	tv.tv_sec += 86400;
	check("settimeofday", settimeofday(&tv, NULL), 0);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET;
	tx.offset = 1000;
	check("adjtimex", adjtimex(&tx), 0);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET;
	tx.offset = 1000;
	check("clock_adjtime", clock_adjtime(CLOCK_REALTIME, &tx), 0);
	finish();
}
