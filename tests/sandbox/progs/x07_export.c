/*
 * X7: what the host reads back of a box (a compile's output, for the
 * compile cache) is plain files only, read without following links.
 *
 *   x07 plain     writes a file, an executable and one in a subdir
 *   x07 LINKTO    also plants a link to LINKTO (a host file), a link to
 *                 a dir, a fifo and an unreadable file
 *
 * The harness runs it in a writable box with --export and expects the
 * three files in the first case, and null (nothing to keep) and the host
 * file unchanged in the second.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
put(const char *path, const char *text, mode_t mode)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("write %s failed\n", path);
	if (fd != -1)
		close(fd);
	chmod(path, mode);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	mkdir("sub", 0755);
	put("sub/data.txt", "data\n", 0644);
	put("out", "#!/bin/sh\necho out\n", 0755);
	if (strcmp(argv[1], "plain") != 0) {
		if (symlink(argv[1], "main") == -1 ||
		    symlink("/", "sub/root") == -1 ||
		    mkfifo("pipe", 0644) == -1)
			printf("plant failed\n");
		put("secret", "mine\n", 0);
	}
	printf("done\n");
	return 0;
}
