/* A36: re-execve with 4096 x 1 KiB arguments and a 1 MiB variable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static char	arg[1024], *av[4098], *env[2];
	char		*big;
	int		i;

	if (argc > 1 && strcmp(argv[1], "reexec") == 0) {
		printf("REEXEC_OK\n");
		return 0;
	}
	memset(arg, 'a', sizeof(arg) - 1);
	av[0] = argv[0];
	av[1] = "reexec";
	for (i = 2; i < 4097; i++)
		av[i] = arg;
	av[4097] = NULL;
	if ((big = malloc((1 << 20) + 8)) == NULL)
		return 1;
	memcpy(big, "BIG=", 4);
	memset(big + 4, 'b', 1 << 20);
	big[(1 << 20) + 4] = '\0';
	env[0] = big;
	env[1] = NULL;
	execve("/proc/self/exe", av, env);
	printf("%s\n", strerrorname_np(errno));
	return 0;
}
