/* A14: a 400 MiB static array, touched. */
#include <stdio.h>
#include <string.h>

static char	a[400 << 20];

int
main(void)
{
	memset(a, 1, sizeof(a));
	printf("%d\n", a[12345]);
	return 0;
}
