/* X2: the x32 ABI (syscall nr | 0x40000000) must kill the program. */
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	long	rc;

	rc = syscall(0x40000000L | 39);	/* x32 getpid */
	printf("ESCAPED:x32 getpid returned %ld\n", rc);
	return 42;
}
