/* A16: a legal 100 MiB local array, touched. */
#include <stdio.h>
#include <string.h>

static int
use(volatile char *p, size_t n)
{
	size_t	i;
	int	s = 0;

	for (i = 0; i < n; i += 4096)
		s += p[i];
	return s;
}

int
main(void)
{
	char	a[100 << 20];

	memset(a, 1, sizeof(a));
	if (use(a, sizeof(a)) > 0)
		printf("big stack\n");
	return 0;
}
