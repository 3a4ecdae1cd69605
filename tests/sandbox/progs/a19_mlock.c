/* A19: mlock 64 MiB, mlockall. */
#include <sys/mman.h>

#include <stdlib.h>

#include "attack.h"

int
main(void)
{
	char	*p = malloc(64 << 20);

	check("mlock", mlock(p, 64 << 20), 0);
	check("mlockall", mlockall(MCL_CURRENT | MCL_FUTURE), 0);
	finish();
}
