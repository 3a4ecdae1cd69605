/*
 * X3 (compile box, writable): plants what a hostile compile would leave
 * for the host to trip over: symlinks to host files and dirs under the
 * names the host reads, a fifo, a dir it cannot read, a deep tree.
 * argv[1]: a host directory the harness watches.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char	path[64];
	int	i;

	if (argc > 1) {
		(void)!symlink(argv[1], "hostdir");
		(void)!symlink(argv[1], "a.out");
	}
	(void)!symlink("/etc/shadow", "shadow");
	(void)!symlink("/", "root");
	(void)!mkfifo("fifo", 0644);
	(void)!mkdir("locked", 0755);
	close(open("locked/f", O_WRONLY | O_CREAT, 0644));
	(void)!chmod("locked", 0);
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "d%d", i);
		if (mkdir(path, 0755) == -1 || chdir(path) == -1)
			break;
	}
	printf("planted\n");
	return 0;
}
