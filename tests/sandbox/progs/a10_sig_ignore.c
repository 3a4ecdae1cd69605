/* A10: ignores or catches every catchable signal a sandbox might send. */
#include <signal.h>

static void
h(int sig)
{
	(void)sig;
}

int
main(void)
{
	static const int	ign[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	static const int	cat[] = { SIGXCPU, SIGALRM, SIGVTALRM };
	volatile unsigned long	n = 0;
	unsigned		i;

	for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		signal(ign[i], SIG_IGN);
	for (i = 0; i < sizeof(cat) / sizeof(cat[0]); i++)
		signal(cat[i], h);
	for (;;)
		n++;
}
