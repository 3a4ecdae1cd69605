/* A15: infinite recursion with a 1 KiB frame. */
#include <stdio.h>
#include <string.h>

static int
f(int n)
{
	volatile char	frame[1024];

	memset((char *)frame, n, sizeof(frame));
	return f(n + 1) + frame[n % 1024];
}

int
main(void)
{
	printf("%d\n", f(0));
	return 0;
}
