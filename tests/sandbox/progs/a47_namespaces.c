/* A47: namespaces and the release_agent chain (CVE-2022-0492). */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>

#include "attack.h"

static void
release_agent(void)
{
	int	fd;

	(void)mkdir("/tmp/cg", 0755);
	if (mount("cgroup", "/tmp/cg", "cgroup", 0, "rdma") == -1 &&
	    mount("cgroup", "/tmp/cg", "cgroup", 0, "memory") == -1)
		return;
	escape("mounted cgroup v1");
	if ((fd = open("/tmp/cg/release_agent", O_WRONLY)) != -1 &&
	    write(fd, "/x", 2) == 2)
		escape("wrote release_agent");
}

static int
child(void *arg)
{
	(void)arg;
	_exit(0);
}

int
main(void)
{
	static char		 stack[65536];
	static const char	*ns[] = { "user", "mnt", "pid", "net", "ipc",
				    "uts", "cgroup", "time" };
	struct clone_args	 ca;
	char			 path[64];
	unsigned		 i;
	long			 rc;
	int			 fd, d;

	rc = unshare(CLONE_NEWUSER);
	check("unshare user", rc, 0);
	if (rc == 0)
		release_agent();
	rc = unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP);
	check("unshare user|mnt|cgroup", rc, 0);
	if (rc == 0)
		release_agent();
	rc = clone(child, stack + sizeof(stack), CLONE_NEWUSER | SIGCHLD,
	    NULL);
	check("clone NEWUSER", rc, 0);
	if (rc > 0)
		waitpid(rc, NULL, 0);
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWUSER;
	ca.exit_signal = SIGCHLD;
	rc = syscall(SYS_clone3, &ca, sizeof(ca));
	if (rc == 0)
		_exit(0);
	check("clone3 NEWUSER", rc, 0);
	if (rc > 0)
		waitpid(rc, NULL, 0);
	for (d = 0; d < 2; d++)
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			snprintf(path, sizeof(path), "/proc/%s/ns/%s",
			    d ? "1" : "self", ns[i]);
			if ((fd = open(path, O_RDONLY)) == -1) {
				check(path, -1, 0);
				continue;
			}
			check(path, setns(fd, 0), 0);
			close(fd);
		}
	finish();
}
