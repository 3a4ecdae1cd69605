/* A37: read host secrets.  argv: the server's DB and config paths. */
#include <fcntl.h>

#include "attack.h"

int
main(int argc, char **argv)
{
	const char	*paths[] = {
		"/etc/shadow", "/etc/gshadow", "/root/.ssh/id_rsa",
		"/proc/1/environ", "/proc/1/root/etc/shadow",
		"/proc/self/root/../../etc/shadow",
	};
	unsigned	i;
	int		a;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		check(paths[i], open(paths[i], O_RDONLY), 0);
	for (a = 1; a < argc; a++)
		check(argv[a], open(argv[a], O_RDONLY), 0);
	finish();
}
