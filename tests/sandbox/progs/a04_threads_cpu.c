/* A4: 4 threads each burn 700 ms of CPU, then exit 0 (2.8 s in total). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void *
burn(void *arg)
{
	struct timespec	ts;

	(void)arg;
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < 700);
	return NULL;
}

int
main(void)
{
	pthread_t	t[4];
	int		i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, burn, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("done\n");
	return 0;
}
