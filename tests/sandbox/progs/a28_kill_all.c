/* A28: kill(-1, SIGKILL), then say we are still here. */
#include <signal.h>
#include <stdio.h>

int
main(void)
{
	kill(-1, SIGKILL);
	printf("SURVIVED\n");
	return 0;
}
