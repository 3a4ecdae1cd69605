/*
 * A56: unix sockets.  argv[1]: the server's FastCGI socket path; the
 * harness also binds the abstract name @judge-canary in the host netns.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

#include "attack.h"

static void
try_connect(const char *path, int abstract)
{
	struct sockaddr_un	sa;
	socklen_t		len;
	int			fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		fprintf(stderr, "socket(AF_UNIX): %s\n", strerror(errno));
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (abstract) {
		memcpy(sa.sun_path + 1, path, strlen(path));
		len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
	} else {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		len = sizeof(sa);
	}
	/* ECONNREFUSED: no such socket in this box (different netns/fs) */
	check(path, connect(fd, (void *)&sa, len), ECONNREFUSED);
	close(fd);
}

int
main(int argc, char **argv)
{
	try_connect("/run/systemd/private", 0);
	try_connect("/run/dbus/system_bus_socket", 0);
	try_connect("/var/run/docker.sock", 0);
	if (argc > 1)
		try_connect(argv[1], 0);
	try_connect("judge-canary", 1);
	try_connect("/org/freedesktop/systemd1/notify", 1);
	finish();
}
