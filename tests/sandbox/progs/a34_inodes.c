/* A34: empty files in cwd, then in /tmp and /dev/shm, until an error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
fill(const char *dir)
{
	char	path[256];
	int	n, fd;

	for (n = 0; n < 100000; n++) {
		snprintf(path, sizeof(path), "%s/n%d", dir, n);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1)
			break;
		close(fd);
	}
	fprintf(stderr, "%s: %d (%s)\n", dir, n, strerrorname_np(errno));
	return n;
}

int
main(void)
{
	int	total;

	total = fill(".");
	total += fill("/tmp");
	total += fill("/dev/shm");
	printf("count=%d\n", total);
	return 0;
}
