/* A58: inherited descriptors, looked at before opening anything. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>

#include "attack.h"

int
main(void)
{
	static int	open_fds[65536];
	struct stat	st;
	char		path[64], link[4096];
	int		fd, n = 0, i, acc;
	socklen_t	len;
	ssize_t		l;

	for (fd = 0; fd < 65536; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			open_fds[n++] = fd;
	for (i = 0; i < n; i++) {
		fd = open_fds[i];
		if (fstat(fd, &st) == -1)
			continue;
		len = sizeof(acc);
		fprintf(stderr, "fd %d mode %o acceptconn %d\n", fd,
		    st.st_mode & S_IFMT, getsockopt(fd, SOL_SOCKET,
		    SO_ACCEPTCONN, &acc, &len) == 0 ? acc : -1);
		if (fd > 2)
			escape("fd %d is open", fd);
		if (S_ISSOCK(st.st_mode))
			escape("fd %d is a socket", fd);
	}
	for (i = 0; i < n; i++) {
		fd = open_fds[i];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((l = readlink(path, link, sizeof(link) - 1)) < 0)
			continue;
		link[l] = '\0';
		fprintf(stderr, "fd %d -> %s\n", fd, link);
		if (strncmp(link, "pipe:", 5) == 0 ||
		    strcmp(link, "/dev/null") == 0 ||
		    strncmp(link, "/memfd:", 7) == 0 ||
		    strncmp(link, "/box/", 5) == 0)
			continue;
		escape("fd %d is %s", fd, link);
	}
	finish();
}
