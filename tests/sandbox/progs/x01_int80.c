/* X1: the i386 ABI (int 0x80) must kill the program (SIGSYS). */
#include <stdio.h>

int
main(void)
{
	long	rc;

	/* 20 = getpid on i386 */
	__asm__ volatile ("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
	printf("ESCAPED:int 0x80 returned %ld\n", rc);
	return 42;
}
