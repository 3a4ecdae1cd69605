/* A33: 100 MiB to ./big, default SIGXFSZ. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	static char	buf[1 << 16];
	int		fd, i;

	memset(buf, 'x', sizeof(buf));
	if ((fd = open("big", O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		perror("open big");
		return 1;
	}
	for (i = 0; i < 1600; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			return 1;
		}
	printf("wrote 100 MiB\n");
	return 0;
}
