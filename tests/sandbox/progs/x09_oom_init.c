/*
 * X9: makes the run's memory cgroup run out with the program as small as
 * it can be, so that the OOM killer weighs the run's other processes: it
 * lowers its own OOM score back to the default, then fills /tmp (tmpfs,
 * charged to the run, in nobody's resident set) past the memory limit.
 * The program must be the one killed, and nothing outside the run.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	static char	buf[1 << 16];
	int		fd, i;

	if ((fd = open("/proc/self/oom_score_adj", O_WRONLY)) == -1 ||
	    write(fd, "0", 1) != 1)
		perror("oom_score_adj");
	else
		printf("score lowered\n");
	fflush(stdout);
	memset(buf, 'x', sizeof(buf));
	if ((fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0644)) ==
	    -1) {
		perror("open /tmp/fill");
		return 1;
	}
	/* 16 MiB, the scratch tmpfs's size: more than the run may have */
	for (i = 0; i < 256; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			return 1;
		}
	printf("filled\n");
	return 0;
}
