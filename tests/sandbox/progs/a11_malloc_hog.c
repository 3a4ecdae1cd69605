/* A11: 1 MiB blocks, each touched, until failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	char	*p;
	long	 n = 0;

	while ((p = malloc(1 << 20)) != NULL) {
		memset(p, 1, 1 << 20);
		n++;
	}
	printf("malloc failed after %ld MiB\n", n);
	return 0;
}
