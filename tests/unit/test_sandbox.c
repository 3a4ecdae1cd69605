/*
 * Unit tests of the sandbox module's parts that do not need a live box:
 *
 *   - the cgroup v2 and v1 backends against fake cgroupfs trees in a temp
 *     dir (detection, limits written, counters parsed, kill, destroy,
 *     sweep).  A fake tree differs from cgroupfs in two ways the tests
 *     work around: control files are not created by mkdir (the tests make
 *     the run dir and its files first; cgroup_run_create accepts an
 *     existing dir) and rmdir refuses a dir with files in it (the tests
 *     empty it first);
 *   - the seccomp policy, loaded in forked children: both the errno build
 *     and the notify build (with this process answering as P does);
 *   - the verdict mapping (sandbox_classify);
 *   - host-side box file handling against planted links, fifos and dirs.
 */

#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "base/err.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_int.h"

#define CHECK(call) do {						\
	if ((call) == -1)						\
		fail_msg("%s: %s", #call, err.msg);			\
} while (0)

/* ------------------------------------------------------------------ */
/* fake cgroup trees                                                    */

struct tree {
	char	root[64];
};

static void
put(const char *dir, const char *file, const char *text)
{
	char	path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static char *
get(const char *dir, const char *file)
{
	static char	buf[256];
	char		path[PATH_MAX];
	FILE		*f;
	size_t		n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
mkdir_p(const char *fmt, ...)
{
	char	path[PATH_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* Empties dir of plain files (a fake cgroup), so rmdir can work. */
static void
empty_dir(const char *dir)
{
	const char *const files[] = {
		"memory.max", "memory.swap.max", "pids.max", "cpu.stat",
		"memory.peak", "memory.events", "pids.peak", "pids.events",
		"cgroup.procs", "cgroup.kill", "memory.limit_in_bytes",
		"memory.memsw.limit_in_bytes", "memory.swappiness",
		"cpuacct.usage", "memory.max_usage_in_bytes",
		"memory.oom_control", "freezer.state",
	};
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
}

static void
rm_rf(const char *dir)
{
	char	cmd[PATH_MAX + 16];

	if (strncmp(dir, "/tmp/test_sandbox.", 18) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

static int
tree_setup(void **state)
{
	struct tree	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/test_sandbox.XXXXXX");
	if (mkdtemp(t->root) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
tree_teardown(void **state)
{
	struct tree	*t = *state;

	rm_rf(t->root);
	free(t);
	return 0;
}

/* A pid that is certainly dead: a reaped child's. */
static pid_t
dead_pid(void)
{
	pid_t	pid;

	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void
test_cgroup_detect_none(void **state)
{
	struct tree		*t = *state;
	struct cgroup_backend	 be;

	cgroup_detect(&be, t->root, NULL);
	assert_int_equal(be.kind, SANDBOX_CG_NONE);
	/* v1 with memory but no cpuacct is not enough */
	mkdir_p("%s/memory", t->root);
	mkdir_p("%s/memory/coderunner", t->root);
	cgroup_detect(&be, t->root, "coderunner");
	assert_int_equal(be.kind, SANDBOX_CG_NONE);
	/* v2 whose delegated dir does not hand out memory+pids */
	put(t->root, "cgroup.controllers", "cpu memory pids\n");
	mkdir_p("%s/coderunner", t->root);
	put(t->root, "coderunner/cgroup.subtree_control", "cpu\n");
	cgroup_detect(&be, t->root, "coderunner");
	assert_int_not_equal(be.kind, SANDBOX_CG_V2);
}

static void
test_cgroup_v2(void **state)
{
	struct tree		*t = *state;
	struct cgroup_backend	 be;
	struct cgroup_run	 run;
	struct sandbox_limits	 lim;
	struct err		 err = { "" };
	char			 run_dir[PATH_MAX], base[128];

	put(t->root, "cgroup.controllers", "cpuset cpu io memory pids\n");
	mkdir_p("%s/judge", t->root);
	put(t->root, "judge/cgroup.subtree_control", "cpu memory pids\n");
	cgroup_detect(&be, t->root, "judge");
	assert_int_equal(be.kind, SANDBOX_CG_V2);
	snprintf(base, sizeof(base), "%s/judge", t->root);
	assert_string_equal(be.base[0], base);

	/*
	 * The kernel would create these with mkdir; a fake file is written
	 * without truncation, so they start empty.
	 */
	snprintf(run_dir, sizeof(run_dir), "%s/s3-1-0", base);
	mkdir_p("%s", run_dir);
	put(run_dir, "memory.max", "");
	put(run_dir, "memory.swap.max", "");
	put(run_dir, "pids.max", "");
	memset(&lim, 0, sizeof(lim));
	lim.mem_bytes = 256ull << 20;
	lim.max_procs = 32;
	CHECK(cgroup_run_create(&run, &be, "s3-1-0", &lim, &err));
	assert_string_equal(run.path[0], run_dir);
	assert_string_equal(get(run_dir, "memory.max"), "268435456");
	assert_string_equal(get(run_dir, "memory.swap.max"), "0");
	assert_string_equal(get(run_dir, "pids.max"), "33");	/* + the run's init */

	/* what the kernel reports after a run */
	put(run_dir, "cpu.stat", "usage_usec 1234567\nuser_usec 1000000\n"
	    "system_usec 234567\nnr_periods 0\n");
	put(run_dir, "memory.peak", "241172480\n");
	put(run_dir, "memory.events", "low 0\nhigh 0\nmax 17\noom 1\n"
	    "oom_kill 1\noom_group_kill 0\n");
	put(run_dir, "pids.peak", "32\n");
	put(run_dir, "pids.events", "max 5\n");
	put(run_dir, "cgroup.procs", "101\n102\n");
	assert_int_equal(cgroup_run_cpu_us(&run), 1234567);
	assert_int_equal(cgroup_run_mem_peak(&run), 241172480);
	assert_int_equal(cgroup_run_oom_kills(&run), 1);
	assert_int_equal(cgroup_run_procs_peak(&run), 32);
	assert_int_equal(cgroup_run_procs_limited(&run), 1);
	assert_int_equal(cgroup_run_nprocs(&run), 2);
	/* "max 17" in memory.events must not read as oom_kill */
	put(run_dir, "memory.events", "max 17\noom 0\noom_kill 0\n");
	assert_int_equal(cgroup_run_oom_kills(&run), 0);
	put(run_dir, "pids.events", "max 0\n");
	assert_int_equal(cgroup_run_procs_limited(&run), 0);

	/* kill goes through cgroup.kill when the kernel has it */
	put(run_dir, "cgroup.kill", "");
	cgroup_run_kill(&run);
	assert_string_equal(get(run_dir, "cgroup.kill"), "1");

	empty_dir(run_dir);
	CHECK(cgroup_run_destroy(&run, &err));
	assert_int_equal(access(run_dir, F_OK), -1);
	assert_string_equal(run.path[0], "");

	/*
	 * A spare (sandbox.c, tidy_between_runs): made without a limit,
	 * then given a run's, as cgroup_run_create writes them; one swept
	 * meanwhile fails, so that the run makes a cgroup of its own.
	 */
	snprintf(run_dir, sizeof(run_dir), "%s/s3-1-1", base);
	CHECK(cgroup_run_make(&run, &be, "s3-1-1", &err));
	assert_string_equal(run.path[0], run_dir);
	assert_int_equal(access(run_dir, F_OK), 0);
	put(run_dir, "memory.max", "");
	put(run_dir, "memory.swap.max", "");
	put(run_dir, "pids.max", "");
	CHECK(cgroup_run_limit(&run, &lim, &err));
	assert_string_equal(get(run_dir, "memory.max"), "268435456");
	assert_string_equal(get(run_dir, "memory.swap.max"), "0");
	assert_string_equal(get(run_dir, "pids.max"), "33");
	empty_dir(run_dir);
	assert_int_equal(rmdir(run_dir), 0);
	assert_int_equal(cgroup_run_limit(&run, &lim, &err), -1);
	CHECK(cgroup_run_destroy(&run, &err));
}

static void
test_cgroup_v2_no_limits(void **state)
{
	struct tree		*t = *state;
	struct cgroup_backend	 be;
	struct cgroup_run	 run;
	struct sandbox_limits	 lim;
	struct err		 err = { "" };
	char			 run_dir[PATH_MAX];

	put(t->root, "cgroup.controllers", "memory pids\n");
	mkdir_p("%s/coderunner", t->root);
	put(t->root, "coderunner/cgroup.subtree_control", "memory pids\n");
	cgroup_detect(&be, t->root, NULL);
	assert_int_equal(be.kind, SANDBOX_CG_V2);
	/* no limits: nothing written, so no control files needed */
	memset(&lim, 0, sizeof(lim));
	CHECK(cgroup_run_create(&run, &be, "s0-1-0", &lim, &err));
	snprintf(run_dir, sizeof(run_dir), "%s/coderunner/s0-1-0", t->root);
	assert_int_equal(access(run_dir, F_OK), 0);
	/* unreadable counters are "unknown", not errors */
	assert_int_equal(cgroup_run_cpu_us(&run), -1);
	assert_int_equal(cgroup_run_mem_peak(&run), 0);
	assert_int_equal(cgroup_run_procs_peak(&run), 0);
	/* a missing memory.max when a limit is asked for is an error */
	lim.mem_bytes = 1 << 20;
	assert_int_equal(cgroup_run_create(&run, &be, "s0-1-1", &lim, &err),
	    -1);
	assert_non_null(strstr(err.msg, "memory.max"));
	CHECK(cgroup_run_destroy(&run, &err));
}

/* The v1 controllers the sandbox uses, as cgroup.c orders them. */
static const char *const v1_ctrl[CG_NCTRL] = {
	"memory", "pids", "cpuacct", "freezer"
};

static void
test_cgroup_v1(void **state)
{
	struct tree		*t = *state;
	struct cgroup_backend	 be;
	struct cgroup_run	 run;
	struct sandbox_limits	 lim;
	struct err		 err = { "" };
	char			 dir[CG_NCTRL][PATH_MAX];
	int			 i;

	for (i = 0; i < CG_NCTRL; i++) {
		mkdir_p("%s/%s", t->root, v1_ctrl[i]);
		mkdir_p("%s/%s/coderunner", t->root, v1_ctrl[i]);
		snprintf(dir[i], sizeof(dir[i]), "%s/%s/coderunner/s1-7-0",
		    t->root, v1_ctrl[i]);
		mkdir_p("%s", dir[i]);
	}
	cgroup_detect(&be, t->root, "coderunner");
	assert_int_equal(be.kind, SANDBOX_CG_V1);
	put(dir[0], "memory.limit_in_bytes", "");
	put(dir[0], "memory.memsw.limit_in_bytes", "");
	put(dir[0], "memory.swappiness", "");
	put(dir[1], "pids.max", "");
	memset(&lim, 0, sizeof(lim));
	lim.mem_bytes = 64ull << 20;
	lim.max_procs = 8;
	CHECK(cgroup_run_create(&run, &be, "s1-7-0", &lim, &err));
	for (i = 0; i < CG_NCTRL; i++)
		assert_string_equal(run.path[i], dir[i]);
	assert_string_equal(get(dir[0], "memory.limit_in_bytes"), "67108864");
	/* swap off: memsw = memory, and it is written second */
	assert_string_equal(get(dir[0], "memory.memsw.limit_in_bytes"),
	    "67108864");
	assert_string_equal(get(dir[0], "memory.swappiness"), "0");
	assert_string_equal(get(dir[1], "pids.max"), "9");

	put(dir[2], "cpuacct.usage", "2500000000\n");	/* ns */
	put(dir[0], "memory.max_usage_in_bytes", "67108864\n");
	put(dir[0], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"
	    "oom_kill 2\n");
	put(dir[1], "pids.peak", "8\n");
	put(dir[1], "pids.events", "max 1\n");
	put(dir[0], "cgroup.procs", "");
	assert_int_equal(cgroup_run_cpu_us(&run), 2500000);
	assert_int_equal(cgroup_run_mem_peak(&run), 67108864);
	assert_int_equal(cgroup_run_oom_kills(&run), 2);
	assert_int_equal(cgroup_run_procs_peak(&run), 8);
	assert_int_equal(cgroup_run_procs_limited(&run), 1);
	assert_int_equal(cgroup_run_nprocs(&run), 0);

	/* kill freezes, kills what cgroup.procs lists, thaws */
	put(dir[3], "freezer.state", "");
	cgroup_run_kill(&run);
	assert_string_equal(get(dir[3], "freezer.state"), "THAWED");

	for (i = 0; i < CG_NCTRL; i++)
		empty_dir(dir[i]);
	CHECK(cgroup_run_destroy(&run, &err));
	for (i = 0; i < CG_NCTRL; i++)
		assert_int_equal(access(dir[i], F_OK), -1);

	/* a spare: a dir in every hierarchy, the limits in memory and pids */
	CHECK(cgroup_run_make(&run, &be, "s1-7-1", &err));
	for (i = 0; i < CG_NCTRL; i++) {
		snprintf(dir[i], sizeof(dir[i]), "%s/%s/coderunner/s1-7-1",
		    t->root, v1_ctrl[i]);
		assert_string_equal(run.path[i], dir[i]);
		assert_int_equal(access(dir[i], F_OK), 0);
	}
	put(dir[0], "memory.limit_in_bytes", "");
	put(dir[0], "memory.memsw.limit_in_bytes", "");
	put(dir[0], "memory.swappiness", "");
	put(dir[1], "pids.max", "");
	CHECK(cgroup_run_limit(&run, &lim, &err));
	assert_string_equal(get(dir[0], "memory.limit_in_bytes"), "67108864");
	assert_string_equal(get(dir[0], "memory.memsw.limit_in_bytes"),
	    "67108864");
	assert_string_equal(get(dir[1], "pids.max"), "9");
	for (i = 0; i < CG_NCTRL; i++)
		empty_dir(dir[i]);
	CHECK(cgroup_run_destroy(&run, &err));
}

static void
test_cgroup_sweep(void **state)
{
	struct tree		*t = *state;
	struct cgroup_backend	 be;
	char			 dead[64], live[64], other[64];
	int			 i;

	snprintf(dead, sizeof(dead), "s4-%d-0", (int)dead_pid());
	snprintf(live, sizeof(live), "s4-%d-0", (int)getppid());
	snprintf(other, sizeof(other), "s5-%d-0", (int)dead_pid());
	for (i = 0; i < CG_NCTRL; i++) {
		mkdir_p("%s/%s", t->root, v1_ctrl[i]);
		mkdir_p("%s/%s/coderunner", t->root, v1_ctrl[i]);
		mkdir_p("%s/%s/coderunner/%s", t->root, v1_ctrl[i], dead);
		mkdir_p("%s/%s/coderunner/%s", t->root, v1_ctrl[i], live);
		mkdir_p("%s/%s/coderunner/%s", t->root, v1_ctrl[i], other);
	}
	cgroup_detect(&be, t->root, NULL);
	assert_int_equal(be.kind, SANDBOX_CG_V1);
	/* only slot 4, only the dead maker's, in every hierarchy at once */
	assert_int_equal(cgroup_sweep(&be, "s4-"), 1);
	for (i = 0; i < CG_NCTRL; i++) {
		char	path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s/coderunner/%s", t->root,
		    v1_ctrl[i], dead);
		assert_int_equal(access(path, F_OK), -1);
		snprintf(path, sizeof(path), "%s/%s/coderunner/%s", t->root,
		    v1_ctrl[i], live);
		assert_int_equal(access(path, F_OK), 0);
		snprintf(path, sizeof(path), "%s/%s/coderunner/%s", t->root,
		    v1_ctrl[i], other);
		assert_int_equal(access(path, F_OK), 0);
	}
}

/* ------------------------------------------------------------------ */
/* seccomp                                                              */

struct probe {
	const char	*what;
	long		 rc;
	int		 err;
};

/* Runs the policy probes in the calling (filtered) process. */
static int
run_probes(struct probe *p)
{
	struct rlimit	rl = { 1 << 20, 1 << 20 };
	struct rlimit	cur;
	struct {
		uint64_t	flags, pidfd, child_tid, parent_tid;
		uint64_t	exit_signal, stack, stack_size, tls;
	} ca;
	unsigned long	aio_ctx = 0;
	int		n = 0, fd;

#define PROBE(name, call) do {						\
	errno = 0;							\
	p[n].what = (name);						\
	p[n].rc = (long)(call);						\
	p[n].err = p[n].rc < 0 ? errno : 0;				\
	n++;								\
} while (0)
	PROBE("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	PROBE("unshare", unshare(CLONE_NEWUSER));
	PROBE("ptrace", ptrace(PTRACE_TRACEME, 0, 0, 0));
	PROBE("socket inet", socket(AF_INET, SOCK_STREAM, 0));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	PROBE("socket unix", fd);
	if (fd != -1)
		close(fd);
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	PROBE("clone3", syscall(SYS_clone3, &ca, sizeof(ca)));
	PROBE("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
	PROBE("io_setup", syscall(SYS_io_setup, 1, &aio_ctx));
	PROBE("inotify_init1", syscall(SYS_inotify_init1, IN_CLOEXEC));
	PROBE("personality query", syscall(SYS_personality, 0xffffffffUL));
	PROBE("personality change", syscall(SYS_personality, 0x0008UL));
	PROBE("prlimit other", prlimit(getppid(), RLIMIT_NOFILE, &rl, NULL));
	PROBE("prlimit read other", prlimit(getppid(), RLIMIT_NOFILE, NULL,
	    &cur));
	PROBE("prlimit self", prlimit(0, RLIMIT_CORE, NULL, &cur));
	PROBE("bpf", syscall(SYS_bpf, 0, NULL, 0));
	PROBE("clone newnet", syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0,
	    0, 0, 0));
#undef PROBE
	return n;
}

/* What each probe must give: rc >= 0, or -1 with this errno. */
static const struct {
	const char	*what;
	int		 ok;
	int		 err;
} want[] = {
	{ "mount", 0, EPERM },
	{ "unshare", 0, EPERM },
	{ "ptrace", 0, EPERM },
	{ "socket inet", 0, EAFNOSUPPORT },
	{ "socket unix", 1, 0 },
	{ "clone3", 0, ENOSYS },
	{ "io_uring_setup", 0, ENOSYS },
	{ "io_setup", 0, ENOSYS },
	{ "inotify_init1", 0, ENOSYS },
	{ "personality query", 1, 0 },
	{ "personality change", 0, EPERM },
	{ "prlimit other", 0, EPERM },
	{ "prlimit read other", 1, 0 },
	{ "prlimit self", 1, 0 },
	{ "bpf", 0, EPERM },
	{ "clone newnet", 0, EPERM },
};

static void
check_probes(const struct probe *p, int n)
{
	size_t	i;

	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < (size_t)n; i++) {
		assert_string_equal(p[i].what, want[i].what);
		if (want[i].ok && p[i].rc < 0)
			fail_msg("%s: failed with %s", p[i].what,
			    strerror(p[i].err));
		if (!want[i].ok && (p[i].rc >= 0 || p[i].err != want[i].err))
			fail_msg("%s: rc %ld errno %s, want %s", p[i].what,
			    p[i].rc, strerror(p[i].err),
			    strerror(want[i].err));
	}
}

static void
test_seccomp_errno_build(void **state)
{
	struct seccomp_prog	 sp;
	struct sock_fprog	 fp;
	struct probe		*p;
	struct err		 err = { "" };
	pid_t			 pid;
	int			 st, n;

	(void)state;
	CHECK(seccomp_prog_build(&sp, 0, 1, &err));
	assert_non_null(sp.filter);
	assert_true(sp.len > 10);
	/* results come back through shared memory */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	assert_true(p != MAP_FAILED);
	if ((pid = fork()) == 0) {
		fp.len = sp.len;
		fp.filter = (struct sock_filter *)(uintptr_t)sp.filter;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) == -1)
			_exit(2);
		_exit(run_probes(p) > 0 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	n = (int)(sizeof(want) / sizeof(want[0]));
	check_probes(p, n);
	munmap(p, 4096);
	seccomp_prog_reset(&sp);
	assert_null(sp.filter);
}

/*
 * Non-native ABIs never run.  The filter kills them with SIGSYS; on a
 * kernel without ia32 emulation the kernel itself kills an int 0x80 with
 * SIGSEGV before seccomp sees it, which is as good.  Which one happens is
 * asked of the host first (sandbox_host_ia32, outside any filter), so
 * that where the filter is what stops the call, only SIGSYS passes.
 */
static void
test_seccomp_bad_abi_killed(void **state)
{
	struct seccomp_prog	 sp;
	struct sock_fprog	 fp;
	struct err		 err = { "" };
	pid_t			 pid;
	int			 st, abi, ia32;

	(void)state;
	assert_true((ia32 = sandbox_host_ia32()) != -1);
	CHECK(seccomp_prog_build(&sp, 0, 1, &err));
	for (abi = 0; abi < 2; abi++) {
		if ((pid = fork()) == 0) {
			long	rc = 0;

			/* cmocka's handlers must not run in this child */
			(void)signal(SIGSEGV, SIG_DFL);
			(void)signal(SIGSYS, SIG_DFL);
			fp.len = sp.len;
			fp.filter = (struct sock_filter *)(uintptr_t)sp.filter;
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
			    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
			    &fp) == -1)
				_exit(2);
			if (abi == 0)	/* i386: getpid is 20 */
				__asm__ volatile ("int $0x80" : "=a"(rc) :
				    "a"(20L) : "memory");
			else		/* x32: the x32 bit on getpid */
				rc = syscall(0x40000000L | 39);
			_exit(rc == 0 ? 4 : 5);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		if (abi == 0 && !ia32 && WTERMSIG(st) == SIGSEGV)
			continue;
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
	seccomp_prog_reset(&sp);
}

static void
test_seccomp_notify_build(void **state)
{
	struct seccomp_prog	 sp;
	struct sandbox_result	 res;
	struct sock_fprog	 fp;
	struct probe		*p;
	struct pollfd		 pfd;
	struct err		 err = { "" };
	char			 name[64];
	pid_t			 pid;
	int			 sv[2], lfd, st, i, found_mount = 0;

	(void)state;
	if (!seccomp_notify_supported())
		skip();
	CHECK(seccomp_prog_build(&sp, 1, 1, &err));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		fp.len = sp.len;
		fp.filter = (struct sock_filter *)(uintptr_t)sp.filter;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    (lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp)) == -1 ||
		    sandbox_send_fd(sv[1], lfd) == -1)
			_exit(2);
		close(lfd);
		_exit(run_probes(p) > 0 ? 0 : 3);
	}
	close(sv[1]);
	{
		/* sandbox_recv_fd does not block: P calls it after poll */
		struct pollfd	rd = { sv[0], POLLIN, 0 };

		assert_int_equal(poll(&rd, 1, 10000), 1);
	}
	assert_true((lfd = sandbox_recv_fd(sv[0])) != -1);
	close(sv[0]);
	/* answer like P: until the child is gone */
	memset(&res, 0, sizeof(res));
	for (;;) {
		pfd.fd = lfd;
		pfd.events = POLLIN;
		assert_true(poll(&pfd, 1, 5000) == 1);
		if (!(pfd.revents & POLLIN) ||
		    seccomp_notify_answer(lfd, &res) == -1)
			break;
	}
	close(lfd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	check_probes(p, (int)(sizeof(want) / sizeof(want[0])));
	/* mount unshare ptrace socket personality prlimit bpf clone */
	assert_int_equal(res.denied_count, 8);
	assert_int_equal(res.denied_n, 8);
	for (i = 0; i < res.denied_n; i++) {
		sandbox_syscall_name(res.denied_nr[i], name, sizeof(name));
		if (strcmp(name, "mount") == 0)
			found_mount = 1;
	}
	assert_true(found_mount);
	munmap(p, 4096);
	seccomp_prog_reset(&sp);
}

/*
 * A classic-BPF interpreter for seccomp programs: enough to run what
 * libseccomp emits against a struct seccomp_data.  Returns the action
 * word, or fails the test on an instruction it does not know.
 */
static uint32_t
bpf_run(const struct sock_filter *f, unsigned short len,
    const struct seccomp_data *d)
{
	uint32_t	a = 0, x = 0, mem[BPF_MEMWORDS], k, v;
	unsigned int	pc = 0, steps;

	memset(mem, 0, sizeof(mem));
	for (steps = 0; steps < 4096 && pc < len; steps++, pc++) {
		k = f[pc].k;
		switch (f[pc].code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k % 4 != 0 || k + 4 > sizeof(*d))
				fail_msg("bpf: load at %u", k);
			memcpy(&a, (const char *)d + k, 4);
			break;
		case BPF_LD | BPF_IMM:
			a = k;
			break;
		case BPF_LDX | BPF_IMM:
			x = k;
			break;
		case BPF_LD | BPF_MEM:
			a = mem[k % BPF_MEMWORDS];
			break;
		case BPF_LDX | BPF_MEM:
			x = mem[k % BPF_MEMWORDS];
			break;
		case BPF_ST:
			mem[k % BPF_MEMWORDS] = a;
			break;
		case BPF_STX:
			mem[k % BPF_MEMWORDS] = x;
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= k;
			break;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= k;
			break;
		case BPF_ALU | BPF_AND | BPF_X:
			a &= x;
			break;
		case BPF_JMP | BPF_JA:
			pc += k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_X:
			v = BPF_SRC(f[pc].code) == BPF_X ? x : k;
			switch (BPF_OP(f[pc].code)) {
			case BPF_JEQ:
				v = a == v;
				break;
			case BPF_JGT:
				v = a > v;
				break;
			case BPF_JGE:
				v = a >= v;
				break;
			default:
				v = (a & v) != 0;
				break;
			}
			pc += v ? f[pc].jt : f[pc].jf;
			break;
		case BPF_RET | BPF_K:
			return k;
		case BPF_RET | BPF_A:
			return a;
		default:
			fail_msg("bpf: opcode 0x%x at %u", f[pc].code, pc);
		}
	}
	fail_msg("bpf: ran off the end");
	return 0;
}

/*
 * The binary-tree layout the sandbox loads decides every call exactly as
 * libseccomp's plain list does: each ABI, every syscall number up to 1024
 * (and the x32 ones), with argument values around each rule's edges.
 */
static void
test_seccomp_tree_equals_list(void **state)
{
	static const uint64_t vals[] = {
		0, 1, 2, 10, 17, AF_UNIX, AF_INET, AF_NETLINK, SIGCHLD,
		CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		    CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
		    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
		CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
		CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0x80,
		CLONE_NEWUSER | SIGCHLD, TIOCSTI, TIOCLINUX, TIOCGWINSZ,
		0x100000000ull | TIOCSTI, 0x100000000ull | AF_UNIX,
		0xfffffffeull, 0xffffffffull, 0x100000000ull,
		0x1ffffffffull, 0xffffffffffffffffull, 0x0008,
	};
	static const uint32_t arches[] = {
		AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0x12345678,
	};
	struct seccomp_prog	 tree, list;
	struct seccomp_data	 d;
	struct err		 err = { "" };
	size_t			 ai, vi, wi;
	size_t			 nv = sizeof(vals) / sizeof(vals[0]);
	int			 notify, nr, x32, checked = 0;
	uint32_t		 rt, rl;

	(void)state;
	for (notify = 0; notify < 2; notify++) {
		if (notify && !seccomp_notify_supported())
			break;
		CHECK(seccomp_prog_build(&tree, notify, 1, &err));
		CHECK(seccomp_prog_build(&list, notify, 0, &err));
		for (ai = 0; ai < sizeof(arches) / sizeof(arches[0]); ai++)
		for (x32 = 0; x32 < 2; x32++)
		for (nr = 0; nr < 1024; nr++)
		for (vi = 0; vi < nv; vi++)
		for (wi = 0; wi < 3; wi++) {
			memset(&d, 0, sizeof(d));
			d.arch = arches[ai];
			d.nr = x32 ? (int)(0x40000000u | (unsigned)nr) : nr;
			/* the value in one argument, its neighbours in
			   the others, so that pairs are covered too */
			d.args[wi] = vals[vi];
			d.args[(wi + 1) % 3] = vals[(vi + 1) % nv];
			d.args[(wi + 2) % 3] = vals[(vi + 7) % nv];
			rt = bpf_run(tree.filter, tree.len, &d);
			rl = bpf_run(list.filter, list.len, &d);
			if (rt != rl)
				fail_msg("arch 0x%x nr 0x%x args %llx %llx "
				    "%llx: tree 0x%x, list 0x%x", d.arch,
				    (unsigned)d.nr,
				    (unsigned long long)d.args[0],
				    (unsigned long long)d.args[1],
				    (unsigned long long)d.args[2], rt, rl);
			checked++;
		}
		/* and the interpreter sees what the kernel does */
		memset(&d, 0, sizeof(d));
		d.arch = AUDIT_ARCH_X86_64;
		d.nr = SYS_mount;
		assert_int_not_equal(bpf_run(tree.filter, tree.len, &d),
		    SECCOMP_RET_ALLOW);
		d.nr = SYS_read;
		assert_int_equal(bpf_run(tree.filter, tree.len, &d),
		    SECCOMP_RET_ALLOW);
		d.arch = AUDIT_ARCH_I386;
		assert_int_equal(bpf_run(tree.filter, tree.len, &d),
		    SECCOMP_RET_KILL_PROCESS);
		seccomp_prog_reset(&tree);
		seccomp_prog_reset(&list);
	}
	assert_true(checked > 0);
}

static void
test_syscall_name(void **state)
{
	char	buf[64], *name;
	int	nr;

	(void)state;
	sandbox_syscall_name(SYS_mount, buf, sizeof(buf));
	assert_string_equal(buf, "mount");
	sandbox_syscall_name(99999, buf, sizeof(buf));
	assert_string_equal(buf, "syscall_99999");
	sandbox_syscall_name(-1, buf, sizeof(buf));
	assert_string_equal(buf, "syscall_-1");
	/* the built table names what this libseccomp names */
	for (nr = 0; nr < 1024; nr++) {
		sandbox_syscall_name(nr, buf, sizeof(buf));
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name != NULL)
			assert_string_equal(buf, name);
		else
			assert_true(strncmp(buf, "syscall_", 8) == 0);
		free(name);
	}
}

/*
 * The programs load the filter seccomp-gen built at build time: it is
 * what the policy builds, instruction for instruction, in both builds.
 */
static void
test_seccomp_built_filter_is_the_policy(void **state)
{
	struct seccomp_prog	 built, policy;
	struct err		 err = { "" };
	int			 notify;

	(void)state;
	for (notify = 0; notify < 2; notify++) {
		seccomp_prog_get(&built, notify);
		CHECK(seccomp_prog_build(&policy, notify, 1, &err));
		assert_true(built.len > 10);
		assert_int_equal(built.len, policy.len);
		assert_memory_equal(built.filter, policy.filter,
		    policy.len * sizeof(policy.filter[0]));
		seccomp_prog_reset(&policy);
	}
}

/* ------------------------------------------------------------------ */
/* verdicts                                                             */

#define EXITED(n)	(((n) & 0xff) << 8)
#define SIGNALED(s)	((s) & 0x7f)

static const struct {
	const char	*name;
	uint32_t	 cpu_limit, cpu_ms;
	int		 oom, out_trunc, err_trunc, procs_limited;
	int		 wstatus, killed_for;
	enum sandbox_status want;
	int		 want_sig;
	const char	*msg;
} verdict_cases[] = {
	{ "exit 0", 1000, 10, 0, 0, 0, 0, EXITED(0), SANDBOX_OK,
	    SANDBOX_OK, 0, "exited normally" },
	{ "exit 3", 1000, 10, 0, 0, 0, 0, EXITED(3), SANDBOX_OK,
	    SANDBOX_RE, 0, "exit code 3" },
	{ "segv", 1000, 10, 0, 0, 0, 0, SIGNALED(SIGSEGV), SANDBOX_OK,
	    SANDBOX_SIG, SIGSEGV, "killed by signal 11 (SIGSEGV)" },
	{ "oom kill", 1000, 10, 1, 0, 0, 0, SIGNALED(SIGKILL), SANDBOX_OK,
	    SANDBOX_MLE, SIGKILL, "memory limit exceeded" },
	{ "oom in a child, exit 0", 1000, 10, 1, 0, 0, 0, EXITED(0),
	    SANDBOX_OK, SANDBOX_MLE, 0, "memory limit exceeded" },
	{ "sigxfsz", 1000, 10, 0, 0, 0, 0, SIGNALED(SIGXFSZ), SANDBOX_OK,
	    SANDBOX_OLE, SIGXFSZ, "file size limit exceeded" },
	{ "cpu killed by P", 1000, 1003, 0, 0, 0, 0, SIGNALED(SIGKILL),
	    SANDBOX_TLE, SANDBOX_TLE, SIGKILL, "CPU time limit exceeded" },
	{ "sigxcpu backstop", 1000, 2000, 0, 0, 0, 0, SIGNALED(SIGXCPU),
	    SANDBOX_OK, SANDBOX_TLE, SIGXCPU, "CPU time limit exceeded" },
	{ "sigkill under the cpu limit", 1000, 10, 0, 0, 0, 0,
	    SIGNALED(SIGKILL), SANDBOX_OK, SANDBOX_SIG, SIGKILL,
	    "killed by signal 9 (SIGKILL)" },
	{ "wall", 1000, 1, 0, 0, 0, 0, SIGNALED(SIGKILL), SANDBOX_WTLE,
	    SANDBOX_WTLE, SIGKILL, "wall time limit exceeded" },
	{ "stdout cap", 1000, 1, 0, 1, 0, 0, SIGNALED(SIGKILL), SANDBOX_OLE,
	    SANDBOX_OLE, SIGKILL, "output limit exceeded" },
	{ "stderr cap", 1000, 1, 0, 0, 1, 0, SIGNALED(SIGKILL), SANDBOX_OLE,
	    SANDBOX_OLE, SIGKILL, "stderr limit exceeded" },
	{ "exit 0 at the cap", 1000, 1, 0, 1, 0, 0, EXITED(0), SANDBOX_OK,
	    SANDBOX_OLE, 0, "output limit exceeded" },
	{ "sigsys", 1000, 1, 0, 0, 0, 0, SIGNALED(SIGSYS), SANDBOX_OK,
	    SANDBOX_SV, SIGSYS, "forbidden system call (SIGSYS)" },
	{ "fork bomb on the pids limit", 1000, 1001, 0, 0, 0, 1,
	    SIGNALED(SIGKILL), SANDBOX_TLE, SANDBOX_TLE, SIGKILL,
	    "CPU time limit exceeded; process limit reached" },
	{ "no cpu limit", 0, 99999, 0, 0, 0, 0, SIGNALED(SIGKILL),
	    SANDBOX_OK, SANDBOX_SIG, SIGKILL, "killed by signal 9 (SIGKILL)" },
};

static void
test_classify(void **state)
{
	struct sandbox_result	res;
	struct sandbox_limits	lim;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]);
	    i++) {
		memset(&res, 0, sizeof(res));
		memset(&lim, 0, sizeof(lim));
		lim.cpu_ms = verdict_cases[i].cpu_limit;
		lim.wall_ms = 3000;
		res.cpu_ms = verdict_cases[i].cpu_ms;
		res.oom_killed = verdict_cases[i].oom;
		res.out_truncated = verdict_cases[i].out_trunc;
		res.errout_truncated = verdict_cases[i].err_trunc;
		res.procs_limited = verdict_cases[i].procs_limited;
		sandbox_classify(&res, &lim, verdict_cases[i].wstatus,
		    verdict_cases[i].killed_for);
		if (res.status != verdict_cases[i].want)
			fail_msg("%s: status %s, want %s",
			    verdict_cases[i].name,
			    sandbox_status_name(res.status),
			    sandbox_status_name(verdict_cases[i].want));
		if (res.term_sig != verdict_cases[i].want_sig)
			fail_msg("%s: signal %d, want %d",
			    verdict_cases[i].name, res.term_sig,
			    verdict_cases[i].want_sig);
		if (strcmp(res.message, verdict_cases[i].msg) != 0)
			fail_msg("%s: message \"%s\", want \"%s\"",
			    verdict_cases[i].name, res.message,
			    verdict_cases[i].msg);
	}
}

/* /proc/net/unix of the slot's network namespace: reused only if empty */
#define UNIX_HDR	"Num       RefCount Protocol Flags    Type St " \
			"Inode Path\n"
#define UNIX_ROW	"0000000000000000: 00000002 00000000 00010000 " \
			"0001 01 123456 @cr-left-0\n"
static const struct {
	const char	*text;
	int		 empty;
} unix_cases[] = {
	{ UNIX_HDR, 1 },
	{ UNIX_HDR UNIX_ROW, 0 },
	{ UNIX_HDR UNIX_ROW UNIX_ROW, 0 },
	{ UNIX_HDR "0", 0 },		/* a row cut short */
	{ "Num       RefCount", 0 },	/* the header cut short */
	{ "", 0 },			/* nothing read */
	{ "\n", 0 },
	{ "garbage\n", 0 },		/* not the table */
	{ UNIX_ROW, 0 },
};

static void
test_netns_unix_empty(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(unix_cases) / sizeof(unix_cases[0]); i++)
		if (netns_unix_empty(unix_cases[i].text,
		    strlen(unix_cases[i].text)) != unix_cases[i].empty)
			fail_msg("case %zu (\"%.30s\"): want %d", i,
			    unix_cases[i].text, unix_cases[i].empty);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(sandbox_status_name(SANDBOX_OK), "OK");
	assert_string_equal(sandbox_status_name(SANDBOX_SV), "SV");
	assert_string_equal(sandbox_status_name((enum sandbox_status)99),
	    "?");
	assert_string_equal(sandbox_cgroup_name(SANDBOX_CG_V1), "cgroup-v1");
	assert_string_equal(sandbox_cgroup_name(SANDBOX_CG_V2), "cgroup-v2");
	assert_string_equal(sandbox_cgroup_name(SANDBOX_CG_NONE), "none");
}

/* ------------------------------------------------------------------ */
/* box_root, boxes and the sweep of leftovers                           */

/* Opens a sandbox handle on box_root boxes (slot), or fails the test. */
static struct sandbox *
open_sb(const char *boxes, unsigned int slot)
{
	struct sandbox_config	 cfg;
	struct sandbox		*sb;
	struct err		 err = { "" };

	memset(&cfg, 0, sizeof(cfg));
	cfg.box_root = boxes;
	cfg.slot = slot;
	cfg.uid_base = 200000;
	cfg.cgroup_base = "no-such-cgroup";	/* keep the host's alone */
	if ((sb = sandbox_open(&cfg, &err)) == NULL)
		fail_msg("sandbox_open %s: %s", boxes, err.msg);
	return sb;
}

/* Whether sandbox_open refuses box_root path, with a message saying so. */
static void
assert_refused(const char *path, const char *why)
{
	struct sandbox_config	 cfg;
	struct sandbox		*sb;
	struct err		 err = { "" };

	memset(&cfg, 0, sizeof(cfg));
	cfg.box_root = path;
	cfg.uid_base = 200000;
	cfg.cgroup_base = "no-such-cgroup";
	sb = sandbox_open(&cfg, &err);
	if (sb != NULL) {
		sandbox_close(sb);
		fail_msg("box_root %s (%s) was accepted", path, why);
	}
	if (strstr(err.msg, why) == NULL)
		fail_msg("box_root %s: \"%s\" does not say \"%s\"", path,
		    err.msg, why);
}

/*
 * box_root is trusted only when it is a directory of ours that nobody
 * else may enter: not a link, not another user's, not group or world
 * accessible.  A missing one is made 0700.
 */
static void
test_box_root_checks(void **state)
{
	struct tree	*t = *state;
	struct sandbox	*sb;
	struct stat	 st;
	char		 p[PATH_MAX], target[PATH_MAX];

	assert_int_equal(chmod(t->root, 0755), 0);
	snprintf(target, sizeof(target), "%s/real", t->root);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(p, sizeof(p), "%s/link", t->root);
	assert_int_equal(symlink(target, p), 0);
	assert_refused(p, "symbolic link");
	snprintf(p, sizeof(p), "%s/open", t->root);
	assert_int_equal(mkdir(p, 0711), 0);
	assert_int_equal(chmod(p, 0711), 0);
	assert_refused(p, "0700 or stricter");
	snprintf(p, sizeof(p), "%s/file", t->root);
	put(t->root, "file", "x");
	assert_refused(p, "not a directory");
	if (geteuid() == 0) {
		snprintf(p, sizeof(p), "%s/theirs", t->root);
		assert_int_equal(mkdir(p, 0700), 0);
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_refused(p, "belongs to uid 65534");
	}
	/* missing: made, 0700 */
	snprintf(p, sizeof(p), "%s/new", t->root);
	sb = open_sb(p, 1);
	sandbox_close(sb);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	sb = open_sb(target, 1);
	sandbox_close(sb);
}

/*
 * Builds what a hostile program could leave in an old-style box dir:
 * a tree depth deep, with links to outside (a dir and a file), a fifo
 * and an unreadable dir at every tenth level, and a mode-0 dir at the
 * bottom.
 */
static void
plant_tree(int fd, int depth, const char *outside)
{
	char	file[PATH_MAX];
	int	dfd, nfd, i;

	snprintf(file, sizeof(file), "%s/secret", outside);
	assert_true((dfd = dup(fd)) != -1);
	for (i = 0; i < depth; i++) {
		if (i % 10 == 0) {
			assert_int_equal(symlinkat(outside, dfd, "hostdir"), 0);
			assert_int_equal(symlinkat(file, dfd, "a.out"), 0);
			assert_int_equal(mkfifoat(dfd, "fifo", 0644), 0);
			assert_int_equal(mkdirat(dfd, "shut", 0), 0);
		}
		assert_int_equal(mkdirat(dfd, "d", 0755), 0);
		assert_true((nfd = openat(dfd, "d", O_RDONLY |
		    O_DIRECTORY)) != -1);
		close(dfd);
		dfd = nfd;
	}
	assert_int_equal(mkdirat(dfd, "locked", 0), 0);
	close(dfd);
}

/* A tree deeper than any fixed limit goes, and nothing it points at. */
static void
test_box_clear_deep(void **state)
{
	struct tree	*t = *state;
	struct err	 err = { "" };
	char		 dir[PATH_MAX], outside[PATH_MAX];
	int		 fd;

	snprintf(outside, sizeof(outside), "%s/outside", t->root);
	mkdir_p("%s", outside);
	put(outside, "secret", "host secret\n");
	snprintf(dir, sizeof(dir), "%s/box", t->root);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_true((fd = open(dir, O_RDONLY | O_DIRECTORY)) != -1);
	plant_tree(fd, 300, outside);
	if (box_clear(fd, &err) == -1)
		fail_msg("box_clear: %s", err.msg);
	close(fd);
	assert_int_equal(rmdir(dir), 0);	/* empty now */
	assert_string_equal(get(outside, "secret"), "host secret\n");
	assert_int_equal(access(outside, F_OK), 0);
}

/*
 * The sweep removes the dirs of dead makers in its slot, at any depth,
 * and leaves a live maker's and another slot's alone.
 */
static void
test_box_sweep(void **state)
{
	struct tree	*t = *state;
	struct sandbox	*sb;
	struct err	 err = { "" };
	char		 boxes[256], path[PATH_MAX], outside[256];
	int		 fd, n, live = (int)getppid();

	assert_int_equal(chmod(t->root, 0755), 0);
	snprintf(outside, sizeof(outside), "%s/outside", t->root);
	mkdir_p("%s", outside);
	put(outside, "secret", "host secret\n");
	snprintf(boxes, sizeof(boxes), "%s/boxes", t->root);
	sb = open_sb(boxes, 3);
	mkdir_p("%s/s3-%d-00aa", boxes, (int)dead_pid());
	mkdir_p("%s/s3-%d-00bb", boxes, live);
	mkdir_p("%s/s4-%d-00cc", boxes, (int)dead_pid());
	snprintf(path, sizeof(path), "%s/s3-%d-00dd", boxes, (int)dead_pid());
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true((fd = open(path, O_RDONLY | O_DIRECTORY)) != -1);
	plant_tree(fd, 100, outside);
	close(fd);
	if ((n = sandbox_sweep(sb, 0, &err)) == -1)
		fail_msg("sweep: %s", err.msg);
	assert_int_equal(n, 2);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/s3-%d-00bb", boxes, live);
	assert_int_equal(access(path, F_OK), 0);
	assert_string_equal(get(outside, "secret"), "host secret\n");
	sandbox_close(sb);
}

/* File names of a box are relative paths of plain components. */
static void
test_box_write_names(void **state)
{
	struct tree		*t = *state;
	struct sandbox		*sb;
	struct sandbox_box	*b;
	struct err		 err = { "" };
	char			 boxes[PATH_MAX];
	static const char *const bad[] = { "", ".", "..", "../x", "a/../b",
		"a/./b", "a//b", "a/", "/etc/passwd", "1/2/3/4/5/6/7/8/9" };
	size_t			 i;

	assert_int_equal(chmod(t->root, 0755), 0);
	snprintf(boxes, sizeof(boxes), "%s/boxes", t->root);
	sb = open_sb(boxes, 5);
	assert_non_null(b = sandbox_box_new(sb, 1 << 20, 64, &err));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sandbox_box_write(b, bad[i], "x", 1, 0644,
		    &err), -1);
	CHECK(sandbox_box_write(b, "main.c", "int x;", 6, 0644, &err));
	CHECK(sandbox_box_write(b, "pkg/Main.class", "x", 1, 0644, &err));
	CHECK(sandbox_box_write(b, "1/2/3/4/5/6/7/x", "x", 1, 0644, &err));
	CHECK(sandbox_box_free(sb, b, &err));
	sandbox_close(sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cgroup_detect_none,
		    tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_v2, tree_setup,
		    tree_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_v2_no_limits,
		    tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_v1, tree_setup,
		    tree_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_sweep, tree_setup,
		    tree_teardown),
		cmocka_unit_test(test_seccomp_errno_build),
		cmocka_unit_test(test_seccomp_bad_abi_killed),
		cmocka_unit_test(test_seccomp_notify_build),
		cmocka_unit_test(test_seccomp_tree_equals_list),
		cmocka_unit_test(test_syscall_name),
		cmocka_unit_test(test_seccomp_built_filter_is_the_policy),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_netns_unix_empty),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test_setup_teardown(test_box_root_checks,
		    tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_box_clear_deep,
		    tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_box_sweep, tree_setup,
		    tree_teardown),
		cmocka_unit_test_setup_teardown(test_box_write_names,
		    tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
