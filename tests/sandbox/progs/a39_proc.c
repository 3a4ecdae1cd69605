/*
 * A39: /proc exploration.  argv[1]: the server's data directory, which
 * must not show up in our mountinfo.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>

#include "attack.h"

static int
slurp(const char *path, char *buf, size_t size)
{
	int	fd;
	ssize_t	n, got = 0;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while ((size_t)got < size - 1 &&
	    (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

int
main(int argc, char **argv)
{
	static char	 buf[1 << 16];
	const char	*w[] = { "/proc/sys/kernel/core_pattern",
			    "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger" };
	DIR		*d;
	struct dirent	*e;
	char		 path[300];
	int		 uid, n, fd;
	unsigned	 i;
	char		*p;

	if ((d = opendir("/proc")) == NULL)
		escape("no /proc at all?");
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		uid = -1;
		if (slurp(path, buf, sizeof(buf)) > 0 &&
		    (p = strstr(buf, "\nUid:")) != NULL)
			uid = atoi(p + 5);
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		n = slurp(path, buf, sizeof(buf));
		fprintf(stderr, "pid %s uid %d cmdline %.60s\n", e->d_name,
		    uid, n > 0 ? buf : "");
		if (uid != -1 && uid != (int)getuid())
			escape("/proc/%s of uid %d", e->d_name, uid);
		if (n > 0 && (strstr(buf, "coderunner") != NULL ||
		    strstr(buf, "systemd") != NULL || strstr(buf,
		    "pytest") != NULL || strstr(buf, "init") != NULL))
			escape("/proc/%s cmdline %s", e->d_name, buf);
	}
	if (d != NULL)
		closedir(d);
	if (slurp("/proc/self/mountinfo", buf, sizeof(buf)) < 0)
		fprintf(stderr, "mountinfo: %s\n", strerror(errno));
	else if (argc > 1 && strstr(buf, argv[1]) != NULL)
		escape("mountinfo shows %s", argv[1]);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		fd = open(w[i], O_WRONLY);
		check(w[i], fd, 0);
		if (fd != -1) {
			check(w[i], write(fd, "0", 1), 0);
			close(fd);
		}
	}
	finish();
}
