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
	char		 buf[16] = "";
	int		 i, j, fd;

	if ((fd = open("/proc/self/oom_score_adj", O_RDONLY)) != -1 &&
	    read(fd, buf, sizeof(buf) - 1) > 0)
		printf("oom_score_adj %s", buf);
	fflush(stdout);

	for (i = 0; i < CHILDREN; i++)
		if ((kids[i] = fork()) == 0) {
			if ((m = malloc(EACH)) != NULL)
				for (j = 0; j < EACH; j += 4096)
					m[j] = 1;	/* volatile: not elided */
			pause();
			_exit(0);
		}
	/* give them time to fill memory, then end the survivors */
	sleep(3);
	for (i = 0; i < CHILDREN; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
