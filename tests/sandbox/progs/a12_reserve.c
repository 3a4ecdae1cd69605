/* A12: 8 GiB reserved, 1 MiB touched. */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	char	*m, *p;
	int	 ok = 1;

	m = mmap(NULL, 8ull << 30, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = malloc(8ull << 30);
	if (m == MAP_FAILED || p == NULL)
		ok = 0;
	if (m != MAP_FAILED)
		memset(m, 1, 1 << 20);
	else if (p != NULL)
		memset(p, 1, 1 << 20);
	printf("%s\n", ok ? "ALLOC_OK" : "ALLOC_FAIL");
	return 0;
}
