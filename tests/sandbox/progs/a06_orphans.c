/* A6: 10 children sleep(20); the parent says so and exits 0. */
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	int	i;

	for (i = 0; i < 10; i++)
		if (fork() == 0) {
			sleep(20);
			_exit(0);
		}
	printf("parent done\n");
	return 0;
}
