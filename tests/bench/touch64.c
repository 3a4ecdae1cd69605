/* Touches 64 MiB, for the overhead benchmark. */
#include <stdlib.h>

int
main(void)
{
	volatile char	*p = malloc(64 << 20);
	size_t		 i;

	if (p == NULL)
		return 1;
	for (i = 0; i < (64u << 20); i += 4096)
		p[i] = 1;
	return p[4096] == 1 ? 0 : 2;
}
