/*
 * The seccomp policy: a deny-list on top of a default-allow filter, built
 * with libseccomp and exported as raw BPF so that the sandboxed child only
 * makes one system call to load it (no allocation after fork).
 *
 * Built at build time, not at run time: seccomp-gen (seccomp_gen.c) runs
 * this file's seccomp_prog_build and writes both builds out as C arrays,
 * which the programs load (seccomp.c).  A build at every start cost the
 * CLI 0.6 ms of its call, and the programs a library to load; the unit
 * tests build the policy again and check that the arrays are what it
 * makes.  This file and libseccomp are linked into seccomp-gen and the
 * unit tests only.
 *
 * Denied calls fail with an errno rather than killing the program: probing
 * programs and language runtimes then get a clean error.  The filter comes
 * in two builds of the same rules:
 *
 *   notify  denied calls return SECCOMP_RET_USER_NOTIF.  R loads it with
 *           SECCOMP_FILTER_FLAG_NEW_LISTENER and hands the listener fd to
 *           P, which answers every notification with the errno (EPERM, or
 *           EAFNOSUPPORT for socket families) and so learns which calls
 *           were attempted: the result names them.  P never lets a call
 *           through (no SECCOMP_USER_NOTIF_FLAG_CONTINUE), so there is no
 *           time-of-check race to worry about.  If P is gone the kernel
 *           fails the call with ENOSYS.  Cost: one round trip to P per
 *           denied call; P stops a run that makes too many (a flood would
 *           otherwise spend P's CPU, which is not charged to the run).
 *   errno   the plain SECCOMP_RET_ERRNO build, for kernels without user
 *           notification (< 5.0) and for the unit tests.
 *
 * SECCOMP_RET_LOG was the other candidate: it goes to the audit log, which
 * an unprivileged service cannot read and cannot tie to a run.
 *
 * The rules are laid out as a binary tree of syscall numbers (libseccomp's
 * SCMP_FLTATR_CTL_OPTIMIZE 2) rather than a list: loading a filter makes
 * the kernel run it once per syscall number and ABI to build its
 * always-allowed bitmap, which costs about 100 us per run for the list
 * and about 35 us for the tree, and the calls the bitmap does not cover
 * take a few comparisons instead of a hundred.  The unit tests check,
 * call by call, that both layouts decide alike.
 *
 * clone3 answers ENOSYS in both builds (seccomp cannot read its flags in
 * memory, and libc falls back to clone, whose flags we can check), and so
 * do io_uring, kernel AIO and inotify (see deny_enosys).  Non-native
 * ABIs (i386 via int 0x80, x32) kill the process: libseccomp's bad-arch
 * action, reported as SV.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/seccomp.h>

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "sandbox_int.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

/*
 * What is denied, and why.  The filter is a deny-list on a default-allow
 * base, like Docker's and nsjail's defaults: a judge runs compilers and
 * language runtimes that use most of the system call table, and the
 * namespaces, the capability-less uid, the read-only root and the cgroup
 * already bound what the allowed calls can reach.  A call is denied when
 * it does one of three things:
 *
 *   1. acts outside the run: on the machine (reboot, modules, swap,
 *      clocks, accounting, quotas, the kernel log, I/O ports), on other
 *      processes' memory (ptrace, process_vm_*, kcmp, pidfd_getfd,
 *      process_madvise, process_mrelease: the run's init may share its
 *      caller's memory, see sandbox.c), on mounts and namespaces (which
 *      would undo the box: mount family, unshare, setns, clone with
 *      namespace flags, personality changes, TIOCSTI/TIOCLINUX on a
 *      terminal);
 *   2. takes a resource the host counts for all its users together, so
 *      that one run could starve others or be seen by them: kernel AIO
 *      (io_setup reserves from the host-wide fs.aio-max-nr), inotify
 *      (instances and watches are charged to the service user's quota,
 *      shared by every box and by the service itself), fanotify, key
 *      rings (per user, outside the run's namespaces), NUMA policy and
 *      page migration (move memory between nodes the host balances);
 *   3. opens kernel surface a judged program never needs and that keeps
 *      turning up in exploits: bpf, perf_event_open, userfaultfd,
 *      io_uring, open_by_handle_at and name_to_handle_at (file handles
 *      bypass the mount tree), keyctl.
 *
 * What the filter cannot see, the rest of the sandbox covers: every host
 * inode a box sees is reached through the slot's own overlays or device
 * nodes (locks, leases, inotify and dnotify marks stay in the slot; see
 * sandbox.c), the root is read-only (no xattrs, no atime updates) and
 * rlimits bound the per-user counts that remain (processes, pending
 * signals, locked memory, message queues).
 */

/* Denied outright with EPERM. */
static const char *const deny_eperm[] = {
	/* mounts and roots */
	"mount", "umount", "umount2", "pivot_root", "chroot", "fsopen",
	"fsconfig", "fsmount", "fspick", "open_tree", "move_mount",
	"mount_setattr",
	/* namespaces */
	"unshare", "setns",
	/* other processes' memory */
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd", "process_madvise", "process_mrelease",
	/* the machine */
	"reboot", "kexec_load", "kexec_file_load", "init_module",
	"finit_module", "delete_module", "create_module", "swapon",
	"swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "iopl",
	"ioperm", "vhangup", "lookup_dcookie", "nfsservctl", "uselib",
	"modify_ldt",
	/* kernel surfaces */
	"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
	"request_key", "open_by_handle_at", "name_to_handle_at",
	"fanotify_init",
	/* clocks */
	"clock_settime", "clock_adjtime", "settimeofday", "adjtimex",
	"stime",
	/* identity and scheduling */
	"sethostname", "setdomainname", "mbind",
	"migrate_pages", "move_pages", "set_mempolicy",
	/* hardware */
	"pciconfig_read", "pciconfig_write",
};

/*
 * Answered with ENOSYS, as a kernel built without them would, so that
 * callers fall back (libuv to threads, libaio users to plain I/O, file
 * watchers to polling); these are not reported, they are normal life for
 * runtimes that probe them.
 */
static const char *const deny_enosys[] = {
	"clone3", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents",
	"io_pgetevents", "inotify_init", "inotify_init1",
	"inotify_add_watch",
};

static int
add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
    unsigned int nargs, const struct scmp_arg_cmp *args, struct err *err)
{
	int	nr, rc;

	/* A name this libseccomp or arch does not know is not callable. */
	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return 0;
	if ((rc = seccomp_rule_add_array(ctx, action, nr, nargs, args)) < 0)
		return err_set(err, "seccomp rule %s: %s", name,
		    strerror(-rc));
	return 0;
}

int
seccomp_prog_build(struct seccomp_prog *prog, int notify, int tree,
    struct err *err)
{
	static const uint64_t clone_ns[] = {
		CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
		CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME,
	};
	scmp_filter_ctx		 ctx = NULL;
	struct scmp_arg_cmp	 a, ab[2];
	struct sock_filter	*filter;
	uint32_t		 deny, deny_af;
	size_t			 i;
	int			 memfd = -1, rc = -1, r;
	off_t			 size;

	memset(prog, 0, sizeof(*prog));
	/*
	 * libseccomp builds notify rules only where it has seen the kernel
	 * take them; the programs look at the kernel they run on before they
	 * load this build, so the build host's need not (an API level of 5
	 * is what user notification asks).
	 */
	if (notify && seccomp_api_get() < 5 && seccomp_api_set(5) != 0) {
		err_set(err, "libseccomp cannot build user notification");
		goto out;
	}
	deny = notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(SECCOMP_DENY_ERRNO);
	deny_af = notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EAFNOSUPPORT);
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		err_set(err, "seccomp_init failed");
		goto out;
	}
	/* We set no_new_privs ourselves, just before loading. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (tree && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE,
	    2)) < 0)) {
		err_set(err, "seccomp_attr_set: %s", strerror(-r));
		goto out;
	}
	for (i = 0; i < sizeof(deny_eperm) / sizeof(deny_eperm[0]); i++)
		if (add_rule(ctx, deny, deny_eperm[i], 0, NULL, err) == -1)
			goto out;
	for (i = 0; i < sizeof(deny_enosys) / sizeof(deny_enosys[0]); i++)
		if (add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), deny_enosys[i], 0,
		    NULL, err) == -1)
			goto out;
	/* clone(2) with any namespace flag */
	for (i = 0; i < sizeof(clone_ns) / sizeof(clone_ns[0]); i++) {
		a = SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns[i], clone_ns[i]);
		if (add_rule(ctx, deny, "clone", 1, &a, err) == -1)
			goto out;
	}
	/* socket(2) and socketpair(2) of any family but AF_UNIX */
	a = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
	if (add_rule(ctx, deny_af, "socket", 1, &a, err) == -1 ||
	    add_rule(ctx, deny_af, "socketpair", 1, &a, err) == -1)
		goto out;
	/* terminal injection */
	a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI);
	if (add_rule(ctx, deny, "ioctl", 1, &a, err) == -1)
		goto out;
	a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX);
	if (add_rule(ctx, deny, "ioctl", 1, &a, err) == -1)
		goto out;
	/*
	 * personality(2): only the query (0xffffffff) is allowed; any other
	 * value (PER_LINUX32, ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC...) is
	 * denied, PER_LINUX too: libseccomp 2.5 takes one comparison per
	 * argument in a rule, so "a0 < ~0" and "a0 > ~0" are two rules, and
	 * a value with high bits set (the kernel truncates to 32) is denied.
	 */
	a = SCMP_A0(SCMP_CMP_LT, 0xffffffffu);
	if (add_rule(ctx, deny, "personality", 1, &a, err) == -1)
		goto out;
	a = SCMP_A0(SCMP_CMP_GT, 0xffffffffu);
	if (add_rule(ctx, deny, "personality", 1, &a, err) == -1)
		goto out;
	/*
	 * prlimit64(2) on another process with a new limit: the run's
	 * processes share one uid with I, whose limits they could otherwise
	 * change.  Reading limits, and setting one's own (pid 0, which is
	 * what libc's setrlimit passes), stay allowed.
	 */
	ab[0] = SCMP_A0(SCMP_CMP_NE, 0);
	ab[1] = SCMP_A2(SCMP_CMP_NE, 0);
	if (add_rule(ctx, deny, "prlimit64", 2, ab, err) == -1)
		goto out;

	/* libseccomp 2.5 exports to an fd only: go through a memfd */
	if ((memfd = memfd_create("seccomp", MFD_CLOEXEC)) == -1) {
		err_errno(err, "memfd_create");
		goto out;
	}
	if ((r = seccomp_export_bpf(ctx, memfd)) < 0) {
		err_set(err, "seccomp_export_bpf: %s", strerror(-r));
		goto out;
	}
	if ((size = lseek(memfd, 0, SEEK_END)) <= 0 ||
	    size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		err_set(err, "seccomp: bad exported program size");
		goto out;
	}
	if ((filter = malloc(size)) == NULL) {
		err_errno(err, "malloc");
		goto out;
	}
	prog->filter = filter;
	if (pread(memfd, filter, size, 0) != size) {
		err_errno(err, "pread seccomp program");
		goto out;
	}
	prog->len = (unsigned short)(size / sizeof(struct sock_filter));
	rc = 0;
out:
	if (rc == -1)
		seccomp_prog_reset(prog);
	if (memfd != -1)
		close(memfd);
	seccomp_release(ctx);	/* NULL is fine */
	return rc;
}

void
seccomp_prog_reset(struct seccomp_prog *prog)
{
	/* ours to free: seccomp_prog_build allocated it */
	free((void *)(uintptr_t)prog->filter);
	memset(prog, 0, sizeof(*prog));
}
