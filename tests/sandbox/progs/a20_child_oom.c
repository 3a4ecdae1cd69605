/* A20: a child allocates until killed; the parent reports and exits 0. */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	pid_t	p;
	int	st;
	char	*m;

	if ((p = fork()) == 0) {
		for (;;)
			if ((m = malloc(1 << 20)) != NULL)
				memset(m, 1, 1 << 20);
	}
	waitpid(p, &st, 0);
	if (WIFSIGNALED(st))
		printf("child sig %d\n", WTERMSIG(st));
	else
		printf("child exit %d\n", WEXITSTATUS(st));
	return 0;
}
