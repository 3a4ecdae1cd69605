/*
 * A51: scheduling, priority, limits, identity.  With "--spin" it spins
 * after printing its verdict line, to show the limits still bite.
 */
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>

#include "attack.h"

static void
raise_hard(const char *what, int res)
{
	struct rlimit	rl;

	getrlimit(res, &rl);
	if (rl.rlim_max == RLIM_INFINITY) {
		fprintf(stderr, "%s: hard limit already infinite\n", what);
		if (res != RLIMIT_AS)
			escape("%s has no hard limit", what);
		return;
	}
	rl.rlim_max += 1000;
	rl.rlim_cur = rl.rlim_max;
	check(what, setrlimit(res, &rl), 0);
}

int
main(int argc, char **argv)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];
	struct sched_param		sp = { 1 };
	struct rlimit			rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct utsname			u;
	cpu_set_t			set;
	gid_t				g = 0;
	int				fd, i;

	check("setpriority -20", setpriority(PRIO_PROCESS, 0, -20), 0);
	check("sched_setscheduler FIFO", sched_setscheduler(0, SCHED_FIFO,
	    &sp), 0);
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd != -1) {
		check("oom_score_adj -1000", write(fd, "-1000", 5), 0);
		close(fd);
	}
	raise_hard("RLIMIT_CPU", RLIMIT_CPU);
	raise_hard("RLIMIT_NPROC", RLIMIT_NPROC);
	raise_hard("RLIMIT_NOFILE", RLIMIT_NOFILE);
	raise_hard("RLIMIT_FSIZE", RLIMIT_FSIZE);
	raise_hard("RLIMIT_AS", RLIMIT_AS);
	check("prlimit ppid", prlimit(getppid(), RLIMIT_CPU, &rl, NULL), 0);
	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0) {
		sched_getaffinity(0, sizeof(set), &set);
		fprintf(stderr, "affinity: %d cpus\n", CPU_COUNT(&set));
	}
	if (sethostname("pwned", 5) == 0) {
		uname(&u);
		fprintf(stderr, "sethostname worked inside: %s\n", u.nodename);
	} else
		fprintf(stderr, "sethostname: %s\n", strerrorname_np(errno));
	check("personality", personality(PER_LINUX32 | ADDR_NO_RANDOMIZE |
	    READ_IMPLIES_EXEC), 0);
	if (personality(0xffffffff) & READ_IMPLIES_EXEC)
		escape("personality changed");
	/* EINVAL: uid 0 is not mapped in the box's user namespace */
	check("setuid 0", setuid(0), EINVAL);
	check("setgroups", setgroups(1, &g), 0);
	memset(data, 0xff, sizeof(data));
	check("capset", syscall(SYS_capset, &hdr, data), 0);
	if (argc > 1 && strcmp(argv[1], "--spin") == 0) {
		volatile unsigned long n = 0;

		printf("%s\n", escaped ? "ESCAPED" : "BLOCKED");
		fflush(stdout);
		for (;;)
			n++;
	}
	finish();
}
