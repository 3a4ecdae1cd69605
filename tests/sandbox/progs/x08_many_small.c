/*
 * X8: the memory limit is reached by many small processes together, none
 * of them bigger than the sandbox's own init.  The kernel's OOM killer
 * must take the program's processes, never init (whose death loses the
 * run's report: an internal error instead of a verdict).  So the program
 * starts with the highest OOM score, which its children inherit, and
 * prints it.  Expected: MLE, stdout "oom_score_adj 1000".
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHILDREN	30
#define EACH		(4 << 20)	/* 30 x 4 MiB > the 64 MiB limit */

int
main(void)
{
	pid_t		 kids[CHILDREN];
	volatile char	*m;
	char		 buf[16] = "", c;
	int		 i, j, fd, p[2], filled = 0, dead = 0;

	if ((fd = open("/proc/self/oom_score_adj", O_RDONLY)) != -1 &&
	    read(fd, buf, sizeof(buf) - 1) > 0)
		printf("oom_score_adj %s", buf);
	fflush(stdout);
	if (pipe(p) == -1)
		return 1;
	for (i = 0; i < CHILDREN; i++)
		if ((kids[i] = fork()) == 0) {
			if ((m = malloc(EACH)) != NULL)
				for (j = 0; j < EACH; j += 4096)
					m[j] = 1;	/* volatile: not elided */
			(void)!write(p[1], "f", 1);
			pause();
			_exit(0);
		}
	close(p[1]);
	/*
	 * Wait until every child has either filled its share or been killed
	 * (however slow the host), then end the survivors.
	 */
	while (filled + dead < CHILDREN) {
		struct pollfd	pfd = { p[0], POLLIN, 0 };

		if (poll(&pfd, 1, 50) > 0 && read(p[0], &c, 1) == 1)
			filled++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			dead++;
	}
	for (i = 0; i < CHILDREN; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
