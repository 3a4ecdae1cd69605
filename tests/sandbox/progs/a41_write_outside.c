/* A41: write outside the box. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>

#include "attack.h"

int
main(void)
{
	const char	*dirs[] = { "/", "/etc", "/usr", "/bin", "/lib",
			    "/var/tmp", "/run", "/home" };
	char		 path[256];
	unsigned	 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/a41-was-here",
		    strcmp(dirs[i], "/") == 0 ? "" : dirs[i]);
		check(path, open(path, O_WRONLY | O_CREAT, 0644), 0);
	}
	check("unlink /usr/bin/ls", unlink("/usr/bin/ls"), 0);
	check("rename in /usr", rename("/usr/bin/ls", "/usr/bin/ls2"), 0);
	check("chmod /usr/bin", chmod("/usr/bin", 0777), 0);
	check("utimensat /etc/passwd", utimensat(AT_FDCWD, "/etc/passwd",
	    NULL, 0), 0);
	finish();
}
