/* A38 (C): chroot escapes; prints the root's dev:ino on stderr. */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <fcntl.h>

#include "attack.h"

int
main(void)
{
	struct stat	st;
	struct {
		unsigned int	handle_bytes;
		int		handle_type;
		unsigned char	f_handle[128];
	} fh;
	int		rootfd, i;

	rootfd = open("/", O_RDONLY | O_DIRECTORY);
	(void)mkdir("x", 0755);
	check("chroot x", chroot("x"), 0);
	for (i = 0; i < 64; i++)
		(void)!chdir("..");
	check("chroot .", chroot("."), 0);
	if (fchdir(rootfd) == 0) {
		for (i = 0; i < 64; i++)
			(void)!chdir("..");
		check("chroot after fchdir", chroot("."), 0);
	}
	memset(&fh, 0, sizeof(fh));
	fh.handle_bytes = 8;
	check("open_by_handle_at", syscall(SYS_open_by_handle_at, rootfd,
	    &fh, O_RDONLY), 0);
	if (stat("/", &st) == 0)
		fprintf(stderr, "ROOT %lu:%lu\n", (unsigned long)st.st_dev,
		    (unsigned long)st.st_ino);
	if (stat(".", &st) == 0)
		fprintf(stderr, "CWD %lu:%lu\n", (unsigned long)st.st_dev,
		    (unsigned long)st.st_ino);
	finish();
}
