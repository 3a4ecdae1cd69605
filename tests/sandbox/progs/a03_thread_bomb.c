/* A3 thread bomb: spinning threads, never joined; successes on stderr. */
#include <pthread.h>
#include <stdio.h>

static void *
spin(void *arg)
{
	volatile unsigned long	n = 0;

	(void)arg;
	for (;;)
		n++;
	return NULL;
}

int
main(void)
{
	pthread_attr_t	a;
	pthread_t	t;
	int		ok = 0;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 << 10);
	for (;;) {
		if (pthread_create(&t, &a, spin, NULL) == 0) {
			ok++;
			fprintf(stderr, "threads=%d\n", ok);
		}
	}
}
