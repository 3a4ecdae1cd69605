/* A40: /sys, cgroupfs and /dev. */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dirent.h>
#include <fcntl.h>

#include "attack.h"

static void
try_write(const char *path, const char *val)
{
	int	fd;

	fd = open(path, O_WRONLY);
	check(path, fd, 0);
	if (fd != -1) {
		check(path, write(fd, val, strlen(val)), 0);
		close(fd);
	}
}

/* Writes into every cgroup.procs / memory.max / pids.max below dir. */
static void
walk(const char *dir, int depth)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[1024], pid[32];

	if (depth > 6 || (d = opendir(dir)) == NULL)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strcmp(e->d_name, "cgroup.procs") == 0)
			try_write(path, pid);
		else if (strcmp(e->d_name, "memory.max") == 0 ||
		    strcmp(e->d_name, "pids.max") == 0 ||
		    strcmp(e->d_name, "memory.limit_in_bytes") == 0)
			try_write(path, "max");
		else if (e->d_type == DT_DIR)
			walk(path, depth + 1);
	}
	closedir(d);
}

int
main(void)
{
	const char	*devs[] = { "/dev/mem", "/dev/kmem", "/dev/port",
			    "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/nvme0n1",
			    "/dev/console", "/dev/vsock", "/dev/fuse" };
	unsigned	 i;

	try_write("/sys/kernel/mm/transparent_hugepage/enabled", "always");
	try_write("/sys/power/state", "mem");
	walk("/sys/fs/cgroup", 0);
	walk("/proc/self", 0);
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		check(devs[i], open(devs[i], O_RDWR), 0);
	check("mknod /tmp/mem", mknod("/tmp/mem", S_IFCHR | 0600,
	    makedev(1, 1)), 0);
	finish();
}
