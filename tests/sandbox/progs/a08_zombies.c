/* A8 zombie farm: children _exit(0) at once, never reaped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	int	n = 0;
	pid_t	p;

	for (;;) {
		if ((p = fork()) == -1)
			break;
		if (p == 0)
			_exit(0);
		n++;
	}
	printf("count=%d errno=%s\n", n, strerrorname_np(errno));
	return 0;
}
