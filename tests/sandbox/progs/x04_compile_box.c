/*
 * X4: what a compile writes stays on the box's own capped tmpfs.  Run in
 * a writable box (--box-rw, as a compile), it prints the file system of
 * its cwd, then writes 1 MiB files there until a write fails, and prints
 * how many MiB got written and the errno.  The harness wants tmpfs,
 * ENOSPC and no more than the box's cap; a cwd on the host's disk would
 * take everything up to the file size limit per file.
 */
#include <sys/statfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TMPFS_MAGIC	0x01021994

int
main(void)
{
	static char	chunk[1 << 20];
	struct statfs	sf;
	char		name[32];
	int		fd, i, e = 0;
	ssize_t		n;

	memset(chunk, 'x', sizeof(chunk));
	if (statfs(".", &sf) == -1)
		return 1;
	printf("fs=%s\n", sf.f_type == TMPFS_MAGIC ? "tmpfs" : "other");
	for (i = 0; i < 1024 && e == 0; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		if ((fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1) {
			e = errno;
			break;
		}
		if ((n = write(fd, chunk, sizeof(chunk))) != sizeof(chunk))
			e = n == -1 ? errno : ENOSPC;
		close(fd);
	}
	printf("mib=%d errno=%s\n", i, strerrorname_np(e));
	return 0;
}
