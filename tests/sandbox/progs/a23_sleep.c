/* A23: sleep(100). */
#include <unistd.h>

int
main(void)
{
	sleep(100);
	return 0;
}
