/*
 * Theory of operation
 *
 * sandbox_run() runs one command in a throw-away container and reports
 * what happened.  Where things are: this file is P's side of a run
 * (prepare, start, watch, collect, teardown over one struct run);
 * child.c is everything that runs in the children below; slot.c the
 * slot's namespaces, ids and device nodes, and a kept slot's keeper;
 * kept.c the runs a keeper makes for the CLI; box.c the boxes; handle.c
 * sandbox_open and what it checks of the host; cgroup.c and seccomp.c
 * the limits and the filter.  Four processes take part in a run, and one more now
 * and then:
 *
 *   P  the caller (an executor, the CLI, or a kept slot's keeper for a
 *      CLI call).  Makes the run's pipes and, on cgroup v2, the run's
 *      cgroup; starts J and, through it, I, which on v2 is born in that
 *      cgroup; on v1 makes the cgroup and moves I into it while I builds
 *      its root (into all but the memory cgroup, when I is in P's
 *      memory: see "Memory"); and lets I go on; then watches:
 *      drains stdout/stderr with caps, enforces wall time, polls the
 *      cgroup's CPU counter to enforce CPU time over the whole tree,
 *      answers the seccomp listener (every denied call fails with its
 *      errno and is named in the result), and kills I with SIGKILL when
 *      a limit is hit.
 *
 *   H  the slot's namespace holder, at a handle's first run and when the
 *      slot's namespaces are renewed (box.c): cloned by P, in P's memory
 *      where it can be (see "Memory"), into new user,
 *      network and mount namespaces, which P maps (1000 inside is the
 *      box's uid outside: slot.c says which) and opens through /proc;
 *      then H covers box_root, in its mount namespace only, with the
 *      slot tmpfs, overlays the system's dirs read-only over
 *      themselves (see "What runs share"), makes the part of the box's
 *      root that every run shares (see "Filesystem"), and exits.  The fds keep the
 *      namespaces for the handle's later runs, which so do not pay for
 *      them each time.
 *
 *   J  the run's joiner: cloned by P with CLONE_VM | CLONE_VFORK, so P
 *      waits while J runs on a stack of its own in P's memory, and there
 *      is no memory to copy or free for J.  J enters the slot's user,
 *      mount and network namespaces (a new network namespace when the
 *      old one was dropped), does the slot's share of the run there
 *      with the box's file system ids (overlays a language's extra
 *      dirs, mounts a new box's tmpfs and writes its files), and clones
 *      I into new mount, pid, ipc and uts namespaces with CLONE_PARENT,
 *      so that I is P's child, and CLONE_PARENT_SETTID, so that the
 *      kernel writes I's pid into P's memory before J could be stopped;
 *      on cgroup v2 with clone3's CLONE_INTO_CGROUP too, so that I is
 *      born in the run's cgroup.  For that J must keep P's ids (a
 *      cgroup takes a process only from ids that may write its
 *      cgroup.procs), so then the slot's share is done by K, a helper
 *      like J with the box's file system ids.  Then J exits.  P blocks
 *      every signal around J's clone, as posix_spawn does: no handler of
 *      P's may run in J, on P's data.
 *
 *   I  init of the run, pid 1 of its pid namespace; in P's memory, not
 *      a copy of it, where it can be (see "Memory").  Takes the box's
 *      file system ids, sets PR_SET_PDEATHSIG, sends P the run's network
 *      namespace when it is new, finishes the box's root filesystem (its
 *      copy of the slot's) and pivots into it, and waits for P's "run"
 *      (EOF: P died before it).  Then it takes the box's ids but for the
 *      saved uid and gid, which stay P's (until now it had P's uid,
 *      which cgroup v1 asks of a process P moves; R's move into the
 *      memory cgroup asks for it as R's real or saved uid), sets the
 *      death signal again and starts R; after R's execve it drops the
 *      saved ids too, and waits.  When R exits, I sends R's
 *      wait status and rusage to P and exits; as pid 1 of the
 *      namespace, its death makes the kernel kill every process left in
 *      the run.  Being init, it cannot be signalled from inside, and it
 *      is not dumpable, so it cannot be ptraced (nor seen: /proc is
 *      mounted with hidepid=invisible).
 *
 *   R  the program: cloned by I with CLONE_VM | CLONE_VFORK (I waits
 *      until the execve), it joins the run's v1 memory cgroup when I
 *      is not in it, takes the box's ids, unshares its cgroup
 *      namespace, clears the signal mask and dispositions, sets
 *      rlimits, drops to uid 1000 with no capabilities, sets
 *      no_new_privs, closes every fd but 0-2 (and its two setup fds),
 *      loads the seccomp filter, sends the filter's listener to P and
 *      calls execve(2).
 *
 * Descriptors (all close-on-exec; J closes P's ends and the slot's, so
 * I never has them; I closes the v2 cgroup's, which J needs):
 *   sync socket   P <-> I  (SOCK_SEQPACKET) P -> I: one byte, "in the
 *                          cgroups, run", with the v1 memory cgroup's
 *                          cgroup.procs when R is to join it; P holds it
 *                          open for the whole run, so EOF (or a reset)
 *                          before the byte tells I that P died.  I -> P:
 *                          a new network namespace and its socket table
 *                          ('N' and 'U', one fd each).
 *   status pipe   J,I,R -> P  setup errors as text ("E...\n"), then I's
 *                          final binary report ("S" + struct init_report).
 *   notify sock   R -> P   one SCM_RIGHTS message: the seccomp listener.
 *   out, err      R -> P   the program's stdout and stderr.
 *   stdin         a memfd holding the submission's input (or /dev/null).
 *   box fd        I's O_PATH fd of the box, bound at /box via
 *                 /proc/self/fd/N.
 *
 * What runs share.  Consecutive runs of a handle share its user, mount
 * and network namespaces; nothing else (mount, pid, ipc, uts and cgroup
 * namespaces are new for each run, copied from the slot's, and so is the
 * cgroup).  The user namespace holds no state a run can change: its maps
 * are written once, keyrings are out of reach (keyctl, add_key and
 * request_key are denied) and the per-user counts die with the run's
 * processes.  The slot's mount namespace is changed by J and H only.
 * The network namespace has a down lo that a run cannot bring up (no
 * capability in the namespace's owner) and sysctls it cannot write, and
 * seccomp lets a run open AF_UNIX sockets only: what is left to share is
 * those sockets, abstract names among them, which live in the network
 * namespace.  Every process of a run is gone when P reaps I, so a socket
 * can outlast its run only while its fd is in flight in a socket queue
 * that nothing else holds, until the kernel's unix garbage collector
 * frees them, which it does asynchronously.  P therefore reads the
 * namespace's socket table (/proc/net/unix, through the fd kept) before
 * every run: if it lists any socket, or cannot be read, the run gets a
 * new network namespace, which becomes the slot's.  A run thus never
 * finds a socket, a name or a queued message left by an earlier one
 * (tests/sandbox/test_slot_reuse.py makes a run try).
 *
 * What runs of different slots share: nothing they can change or see.
 * Every file a box sees is an inode of the host, and an inode carries
 * state any reader may set: file locks (flock, POSIX, OFD), leases,
 * inotify and dnotify marks.  So the system's dirs are seen through
 * overlays of the slot's own (in its mount namespace), which give every
 * file an inode of the slot, and the device nodes come from a set of
 * the slot's own (slot.c); what the filter denies covers the rest
 * (seccomp.c).  Sequential runs of one slot cannot meet either: a lock
 * dies with its holder.
 *
 * Memory.  J runs in P's memory while P waits (CLONE_VFORK), and R in
 * I's until its execve while I waits.  I itself runs in P's memory too
 * (CLONE_VM without CLONE_VFORK) while P goes on, on x86-64 outside
 * sanitizer builds and unless the cgroups are v2 (child_may_share), and
 * so does H, whatever the cgroups.  A
 * copy of P's memory, as fork makes, costs a copy of the page tables at
 * the clone, a fault for every page I or R touches and P then writes,
 * and a teardown at I's exit: on this project's development host, a
 * guest whose hypervisor shadows page tables, about 2 ms of a run's 3.5
 * (tests/bench/sandbox_overhead.py), and 1.5 ms of the CLI's calls,
 * which make a slot each.  H only needs stack 0 (P waits for it before
 * any other child uses it) and raw calls; what follows is about I.
 * What sharing asks:
 *   - I and R use stacks 1 and 2 of sb->stacks, I's own copy of the
 *     context (at the top of its stack: P changes its copy meanwhile),
 *     and what P does not change during a run (the spec, the handle's
 *     settings, the filter); P gives those stacks to no other child
 *     until it has reaped I (settle_init, at the next run's start, or
 *     sandbox_settle);
 *   - every system call in child.c is a raw one (rawsys.h): libc's
 *     errno there is P's, which a failing call in I would change under
 *     P;
 *   - I stays out of the run's memory cgroup.  The OOM killer kills
 *     every process that shares its victim's memory, and it weighs I by
 *     P's resident set, which is larger than that of a program that
 *     filled its tmpfs and lowered its own score back to 0
 *     (tests/sandbox/progs/x09_oom_init.c: it would kill P).  So on v1
 *     P moves I into the other controllers' cgroups only, and R, whose
 *     saved uid is still P's, joins the memory cgroup itself through
 *     the fd P sends with "run".  R is in that cgroup before its execve,
 *     in P's memory, which the OOM killer leaves alone: it never picks a
 *     vfork child (in_vfork()).  On v2 one cgroup holds every controller
 *     and I is born in it, so there I gets a copy, as before;
 *   - dumpability is the memory's: I's and R's make P not dumpable, as
 *     the id changes of J, K and the box helpers already did.  (H makes
 *     it dumpable for the while P opens its /proc files, before any
 *     process of the slot's exists; P makes it not dumpable again when
 *     it has reaped H.)  So P
 *     cannot open I's /proc files: I sends P the run's new network
 *     namespace itself.  And I takes the box's uid before R starts, but
 *     for its saved uid, which it drops after R's execve: a change of the
 *     saved uid alone leaves the memory not dumpable, so that there is
 *     no moment, with the program running, when it is.  (Not the only
 *     guard: I keeps its capabilities in the slot's user namespace, and
 *     the kernel refuses ptrace and /proc/1/mem to a process that has
 *     fewer, as the program has none; seccomp denies ptrace besides.);
 *   - a program linked without -z now would bind a libc call lazily at
 *     I's first call, writing P's GOT: such a P gets a copy, as on v2.
 * The program never shares this memory: its execve gives it its own.
 *
 * Boxes (box.c): a box is a tmpfs of its own mounted by J in the slot's
 * mount namespace, at box_root/<name> on the slot tmpfs; the run sees it
 * at /box, writable for a compile, read-only under a throw-away layer for
 * a test.  It never touches the host's disk, and goes with one unmount.
 *
 * Filesystem: a tmpfs root (read-only in the run) with read-only nosuid
 * nodev binds of the system dirs, a whitelisted part of /etc and the
 * language's paths.  The part that is the same for every run (the root
 * tmpfs, the system binds, /etc, /dev) is made once per slot by H at
 * box_root/.r in the slot's mount namespace and reaches each run in the
 * copy its unshare(2) makes, where I adds the rest; runs only ever see
 * their copy, read-only.  One size- and inode-capped scratch tmpfs holds the
 * overlay's upper layer over /box (run) and the dirs bound at /tmp and
 * /dev/shm, so the caps hold for the three together; /box is the box
 * itself, writable, for a compile; a minimal /dev; a new /proc.
 *
 * Privilege: none.  An unprivileged user namespace gives J and I the
 * capabilities they need inside; outside, every process of the run is
 * the box's uid, which owns nothing on the host when the service user
 * has a subordinate range (slot.c).
 *
 * Teardown: P reaps I; the pid namespace guarantees nothing of the run
 * survives it.  The cgroup is killed again (second path) and removed.
 * When I has sent its report and the program's pipes are closed, the
 * result is complete and sandbox_run returns before I is gone: I exits
 * right after its report (its exit, which tears down the run's
 * namespaces, and its memory when that is a copy, costs a few hundred
 * microseconds), and P reaps it at the start of the slot's next run or
 * at sandbox_close, so that two runs of a slot never overlap; its cgroup
 * goes while the next run's program runs (tidy_between_runs), or at
 * sandbox_settle or sandbox_close.  For an executor, which makes many
 * runs, tidy_between_runs also makes the next run's cgroup, without
 * limits (the "spare"): its mkdirs, beside I's setup on v1, slowed
 * I's unmount of the old root, which waits for an RCU grace period that
 * a CPU busy in the kernel holds up (369 against 126-133 us in the
 * median on a second development host, Linux 6.18, where the program's
 * execve came 0.2 ms sooner without them).
 * The box stays for the submission's next run and is unmounted when the
 * caller frees it.  If P is killed, I dies by PR_SET_PDEATHSIG and the
 * namespace with it (if P dies before I set it, I reads EOF or a reset on
 * the sync socket and never starts R); H and J exit on their own within
 * microseconds; the slot's namespaces, and every box in them, go with
 * P's fds.  The cgroup P leaves is removed by the next sandbox_sweep()
 * in the slot (which spares those of live makers).
 *
 * Every run gets a cgroup of its own.  A write of a pid to cgroup.procs
 * takes the cgroup code's threadgroup lock for writing, which can wait
 * for an RCU grace period unless the host mounts cgroups with
 * favordynmods (Linux 6.0, commit 6a010a49b63a, which names
 * CLONE_INTO_CGROUP as the way around it).  So on v2 I is born in its
 * cgroup and nothing is written.  On v1 there is no CLONE_INTO_CGROUP:
 * P moves I into the cpuacct, pids and freezer cgroups, a write that
 * overlaps I's mounts, and R moves itself into the memory cgroup before
 * its execve (see "Memory"), on the run's path.  Without favordynmods
 * the first of those writes after an idle moment waits for a grace
 * period, which no overlap hides (14.5 ms under strace, Linux 6.18), so
 * contrib/setup-host.sh sets the flag on v1 hosts.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#include "base/err.h"
#include "base/util.h"
#include "child.h"

#define DEF_CAPTURE		(64u << 10)
#define DEF_TMP_BYTES		(16u << 20)
#define DEF_TMP_INODES		2048

/* ------------------------------------------------------------------ */
/* in P                                                                */

/* A capture buffer with a cap: keeps the first cap bytes. */
struct capture {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 truncated;
};

/* Reads what fd has; returns 0 on EOF, 1 if more may come, -1 on error. */
static int
drain(int fd, struct capture *cp)
{
	char	scratch[16384];
	ssize_t	n;
	size_t	room;

	room = cp->cap - cp->len;
	if (room > 0)
		n = read(fd, cp->data + cp->len, room);
	else
		n = read(fd, scratch, sizeof(scratch));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	if (room > 0)
		cp->len += (size_t)n;
	else
		cp->truncated = 1;
	return 1;
}

/* Reads fd to EOF or until size bytes; returns how many were read. */
ssize_t
fd_read_all(int fd, char *buf, size_t size)
{
	size_t	len = 0;
	ssize_t	n;

	while (len < size && (n = read(fd, buf + len, size - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	return (ssize_t)len;
}

int
sandbox_recv_fd(int sock)
{
	char	byte;
	int	fd;

	/* without waiting: a caller may still hold the other end */
	if (sandbox_recv_msg(sock, &byte, 1, &fd, MSG_DONTWAIT) == 1)
		return fd;
	fd_close(&fd);
	return -1;
}

/*
 * Puts the submission's stdin in a memfd: *fd, or -1 for /dev/null.
 * Returns 0, or -1 with err set.
 */
static int
make_stdin(const struct sandbox_spec *spec, int *fd, struct err *err)
{
	const char	*p = spec->stdin_data;
	size_t		 left = spec->stdin_len;
	ssize_t		 n;

	*fd = -1;
	if (spec->stdin_data == NULL)
		return 0;
	if ((*fd = memfd_create("stdin", MFD_CLOEXEC)) == -1)
		return err_errno(err, "memfd_create");
	while (left > 0) {
		if ((n = write(*fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			return err_errno(err, "write stdin");
		}
		p += n;
		left -= (size_t)n;
	}
	if (lseek(*fd, 0, SEEK_SET) == -1)
		return err_errno(err, "lseek stdin");
	return 0;
}

void
fd_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static uint32_t
tv_ms(const struct timeval *tv)
{
	return (uint32_t)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
}

void
sandbox_classify(struct sandbox_result *res, const struct sandbox_limits *l,
    int wstatus, int killed_for)
{
	res->exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 0;
	res->term_sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	if (killed_for != SANDBOX_OK) {
		res->status = killed_for;
		res->term_sig = res->term_sig ? res->term_sig : SIGKILL;
	} else if (res->oom_killed)
		res->status = SANDBOX_MLE;
	else if (res->term_sig == SIGXFSZ)
		res->status = SANDBOX_OLE;
	else if (res->term_sig == SIGSYS)
		res->status = SANDBOX_SV;
	else if (l->cpu_ms > 0 && res->cpu_ms >= l->cpu_ms &&
	    (res->term_sig == SIGXCPU || res->term_sig == SIGKILL))
		res->status = SANDBOX_TLE;
	else if (res->term_sig != 0)
		res->status = SANDBOX_SIG;
	else if (res->exit_code != 0)
		res->status = SANDBOX_RE;
	else
		res->status = SANDBOX_OK;
	if (res->status == SANDBOX_OK && res->out_truncated)
		res->status = SANDBOX_OLE;

	switch (res->status) {
	case SANDBOX_OK:
		snprintf(res->message, sizeof(res->message), "exited normally");
		break;
	case SANDBOX_RE:
		snprintf(res->message, sizeof(res->message), "exit code %d",
		    res->exit_code);
		break;
	case SANDBOX_SIG:
		snprintf(res->message, sizeof(res->message),
		    "killed by signal %d (SIG%s)", res->term_sig,
		    sigabbrev_np(res->term_sig) ? sigabbrev_np(res->term_sig) :
		    "?");
		break;
	case SANDBOX_TLE:
		snprintf(res->message, sizeof(res->message),
		    "CPU time limit exceeded");
		break;
	case SANDBOX_WTLE:
		snprintf(res->message, sizeof(res->message),
		    "wall time limit exceeded");
		break;
	case SANDBOX_MLE:
		snprintf(res->message, sizeof(res->message),
		    "memory limit exceeded");
		break;
	case SANDBOX_OLE:
		snprintf(res->message, sizeof(res->message), "%s",
		    res->term_sig == SIGXFSZ ? "file size limit exceeded" :
		    res->errout_truncated && !res->out_truncated ?
		    "stderr limit exceeded" : "output limit exceeded");
		break;
	case SANDBOX_SV:
		snprintf(res->message, sizeof(res->message), "%s",
		    res->denied_count > SANDBOX_DENY_MAX ?
		    "too many forbidden system calls" :
		    "forbidden system call (SIGSYS)");
		break;
	}
	if (res->procs_limited) {
		size_t	len = strlen(res->message);

		snprintf(res->message + len, sizeof(res->message) - len,
		    "; process limit reached");
	}
}

/* One run, seen from P: what sandbox_run's steps share. */
struct run {
	struct sandbox			*sb;
	const struct sandbox_spec	*spec;
	struct sandbox_result		*res;
	struct child_ctx		 c;
	char				 new_tops[SLOT_MAX_TOPS][32];
	struct cgroup_run		 cg;
	int				 cg_made;
	struct capture			 out, eout;
	int				 syncp[2], statp[2], outp[2], errp[2];
	int				 notp[2], lfd, stdin_fd;
	int				 cancel_fd;	/* sb's, not ours */
	pid_t				 pid;		/* I, while not reaped */
	pid_t				 jpid;		/* J, while not reaped */
	int				 wst;		/* I's wait status */
	int64_t				 t0, t1;	/* J cloned, I reaped */
	int				 killed_for;	/* the limit we killed
							   it for, or OK */
	char				 statbuf[512];	/* what I and R said */
	size_t				 statlen;
};

/* Kills I (and so the run) for limit, once. */
static void
run_kill(struct run *r, int limit)
{
	if (r->killed_for != SANDBOX_OK)
		return;
	r->killed_for = limit;
	kill(r->pid, SIGKILL);
}

/*
 * The languages' dirs that are not overlaid in the slot yet: J overlays
 * them (see "What runs of different slots share" in the theory).
 */
static void
run_new_tops(struct run *r)
{
	const struct sandbox	*sb = r->sb;
	const char *const	*rp;
	char			 top[32], path[64];
	struct stat		 st;
	int			 k;

	for (rp = r->spec->ro_paths; rp != NULL && *rp != NULL; rp++) {
		if (slot_top_of(*rp, top, sizeof(top)) == -1 ||
		    slot_has_top(sb, top) || strcmp(top, "proc") == 0 ||
		    strcmp(top, "sys") == 0 || strcmp(top, "dev") == 0 ||
		    strcmp(top, "tmp") == 0 ||
		    r->c.n_new_tops == SLOT_MAX_TOPS - sb->ntops)
			continue;
		/* not the one box_root is in: it would hide the slot tmpfs */
		if (strncmp(sb->box_root + 1, top, strlen(top)) == 0 &&
		    sb->box_root[strlen(top) + 1] == '/')
			continue;
		snprintf(path, sizeof(path), "/%s", top);
		if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		for (k = 0; k < r->c.n_new_tops; k++)
			if (strcmp(r->c.new_tops[k], top) == 0)
				break;
		if (k < r->c.n_new_tops)
			continue;
		memcpy(r->new_tops[k], top, sizeof(top));
		r->c.new_tops[k] = r->new_tops[k];
		r->c.new_top_dev[k] = st.st_dev;
		r->c.n_new_tops++;
	}
}

/*
 * Reaps the last run's I: it has exited by now, or is about to (this
 * waits for a zombie).  Before a new run's children, which reuse its
 * stacks.
 */
static void
settle_init(struct sandbox *sb)
{
	if (sb->last_init > 0) {
		kill(sb->last_init, SIGKILL);
		while (waitpid(sb->last_init, NULL, 0) == -1 && errno == EINTR)
			;
		sb->last_init = -1;
	}
}

/* Removes the last run's cgroup, once its I is reaped. */
static void
settle_cgroup(struct sandbox *sb)
{
	if (sb->last_cg_made && sb->last_init <= 0) {
		if (cgroup_run_nprocs(&sb->last_cg) > 0)
			cgroup_run_kill(&sb->last_cg);
		(void)cgroup_run_destroy(&sb->last_cg, NULL);
		sb->last_cg_made = 0;
	}
}

void
sandbox_settle(struct sandbox *sb)
{
	settle_init(sb);
	settle_cgroup(sb);
}

/* A new cgroup name: the slot, our pid (see sandbox_maker_alive), a count. */
static void
next_cgroup_name(struct sandbox *sb, char *buf, size_t size)
{
	snprintf(buf, size, "s%u-%d-%lu", sb->slot, (int)getpid(), sb->seq++);
}

/*
 * Just after a run's "run", before P watches it: the last run's cgroup
 * goes and, for a caller of many runs (spare_cgroup), the next run's is
 * made, both off the way of a run's start.  The program runs meanwhile,
 * and its pipes and the seccomp listener wait for P: so only what is
 * quick is done here, an empty cgroup's rmdirs and a spare's mkdirs
 * (0.1-0.3 ms); a last cgroup that will not go at once is left to
 * sandbox_settle.  A spare that cannot be made is no loss: the next run
 * makes its cgroup itself.
 */
static void
tidy_between_runs(struct sandbox *sb)
{
	char	name[64];

	if (sb->last_cg_made && sb->last_init <= 0 &&
	    cgroup_run_remove_empty(&sb->last_cg) == 0)
		sb->last_cg_made = 0;
	if (!sb->spare_wanted || sb->spare_made ||
	    sb->cg.kind == SANDBOX_CG_NONE)
		return;
	next_cgroup_name(sb, name, sizeof(name));
	if (cgroup_run_make(&sb->spare_cg, &sb->cg, name, NULL) == 0)
		sb->spare_made = 1;
}

void
sandbox_spare_drop(struct sandbox *sb)
{
	if (sb->spare_made) {
		(void)cgroup_run_destroy(&sb->spare_cg, NULL);
		sb->spare_made = 0;
	}
}

/*
 * The run's cgroup, with its limits: the spare when there is one (see
 * tidy_between_runs), else a new one.  A spare that will not take the
 * limits (a sweep removed it, say) is dropped for a new one; the
 * executors, the callers that ask for spares, always set limits, whose
 * writes are what finds a spare gone (a caller without limits would
 * find it at the move into it, which names the path).
 */
static int
run_cgroup(struct run *r, struct err *err)
{
	struct sandbox	*sb = r->sb;
	char		 name[64];

	if (sb->spare_made) {
		r->cg = sb->spare_cg;
		sb->spare_made = 0;
		if (cgroup_run_limit(&r->cg, &r->spec->lim, NULL) == 0) {
			r->cg_made = 1;
			return 0;
		}
		(void)cgroup_run_destroy(&r->cg, NULL);
	}
	next_cgroup_name(sb, name, sizeof(name));
	if (cgroup_run_create(&r->cg, &sb->cg, name, &r->spec->lim,
	    err) == -1)
		return -1;
	r->cg_made = 1;
	return 0;
}

/*
 * Reaps J, which is exiting once our clone of it has returned.  Not at
 * once: its exit takes a while (0.2 ms on the development host) that
 * the cgroup work of run_start can overlap.  Before "run" all the same,
 * so that J is not counted as one of the box uid's processes
 * (RLIMIT_NPROC) during the run, when the box's uid is ours.
 */
static void
run_reap_joiner(struct run *r)
{
	if (r->jpid > 0) {
		while (waitpid(r->jpid, NULL, 0) == -1 && errno == EINTR)
			;
		r->jpid = -1;
	}
}

/* Capture buffers, pipes, stdin and the children's context. */
static int
run_prepare(struct run *r, struct err *err)
{
	const struct sandbox_spec	*spec = r->spec;
	struct sandbox			*sb = r->sb;
	struct child_ctx		*c = &r->c;

	/*
	 * The last run's I is gone before this one's children take the
	 * stacks; its cgroup goes while this run's program runs.
	 */
	settle_init(sb);

	r->out.cap = spec->lim.stdout_bytes ? spec->lim.stdout_bytes :
	    DEF_CAPTURE;
	r->eout.cap = spec->lim.stderr_bytes ? spec->lim.stderr_bytes :
	    DEF_CAPTURE;
	if ((r->out.data = malloc(r->out.cap + 1)) == NULL ||
	    (r->eout.data = malloc(r->eout.cap + 1)) == NULL)
		return err_errno(err, "malloc");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    r->syncp) == -1 ||
	    pipe2(r->statp, O_CLOEXEC) == -1 ||
	    pipe2(r->outp, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    (!spec->stderr_to_stdout &&
	    pipe2(r->errp, O_CLOEXEC | O_NONBLOCK) == -1))
		return err_errno(err, "pipe2");
	/* the children's ends must block */
	if (fcntl(r->outp[1], F_SETFL, 0) == -1 ||
	    (r->errp[1] != -1 && fcntl(r->errp[1], F_SETFL, 0) == -1))
		return err_errno(err, "fcntl");
	if (make_stdin(spec, &r->stdin_fd, err) == -1)
		return -1;
	if (sb->notify && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0, r->notp) == -1)
		return err_errno(err, "socketpair");

	c->sb = sb;
	c->spec = spec;
	c->sync_fd = r->syncp[0];
	c->status_wr = r->statp[1];
	c->out_wr = r->outp[1];
	c->err_wr = r->errp[1];
	c->stdin_fd = r->stdin_fd;
	c->notify_wr = r->notp[1];
	c->parent_fds[0] = r->syncp[1];
	c->parent_fds[1] = r->statp[0];
	c->parent_fds[2] = r->outp[0];
	c->parent_fds[3] = r->errp[0];
	c->parent_fds[4] = r->notp[0];
	c->tmp_bytes = spec->lim.tmp_bytes ? spec->lim.tmp_bytes :
	    DEF_TMP_BYTES;
	c->tmp_inodes = spec->lim.tmp_inodes ? spec->lim.tmp_inodes :
	    DEF_TMP_INODES;
	c->init_pid = -1;
	c->mem_procs_fd = -1;

	if (slot_ns_open(sb, err) == -1)
		return -1;
	/* a socket an earlier run left behind: a new network namespace */
	if (sb->netns_fd != -1 && !slot_netns_empty(sb))
		slot_netns_close(sb);
	c->new_netns = sb->netns_fd == -1;
	if (spec->box != NULL) {
		if (spec->box->mounted && spec->box->gen != sb->gen)
			return err_set(err, "sandbox: box %s is gone with its "
			    "slot namespaces", spec->box->name);
		if (!spec->box->mounted)
			c->box_make = spec->box;
		snprintf(c->box_path, sizeof(c->box_path), "%s/%s",
		    sb->box_root, spec->box->name);
	}
	run_new_tops(r);
	return 0;
}

/*
 * Starts J, and through it I, in the run's cgroup (born there on v2,
 * moved in while I builds its root on v1), and lets I go on.
 */
static int
run_start(struct run *r, struct err *err)
{
	struct sandbox	*sb = r->sb;
	pid_t		 jpid;
	int		 sent, i, mem_fd = -1;

#ifdef __SANITIZE_ADDRESS__
	/* J's and K's stacks are ours and reused: drop what the last left */
	ASAN_UNPOISON_MEMORY_REGION(STACK_TOP(sb, 0) - STACK_SIZE, STACK_SIZE);
	ASAN_UNPOISON_MEMORY_REGION(STACK_TOP(sb, 1) - STACK_SIZE, STACK_SIZE);
#endif
	r->t0 = util_mono_us();
	/*
	 * The run's cgroup: on v2, before J, which clones I into it; on v1
	 * (no CLONE_INTO_CGROUP there), after, while I builds its root.
	 */
	if (sb->cg.kind == SANDBOX_CG_V2) {
		if (run_cgroup(r, err) == -1)
			return -1;
		/* without it, J clones I as on v1, and we move I in */
		r->c.cg_fd = cgroup_run_dirfd(&r->cg);
	}
	/*
	 * J runs while we wait; when clone returns, J has let go of our
	 * memory (it is exiting) and I's pid is in c.init_pid, or there is
	 * no I.  Signals stay blocked meanwhile (posix_spawn's rule): a
	 * handler of ours must not run in J, on our data; I and R inherit
	 * the mask, and R clears it before execve.
	 */
	if ((jpid = child_clone(sb, join_main, CLONE_VM | CLONE_VFORK |
	    SIGCHLD, &r->c)) == -1)
		return err_errno(err, "clone");
	r->jpid = jpid;
	r->pid = r->c.init_pid > 0 ? r->c.init_pid : -1;
	fd_close(&r->syncp[0]);
	fd_close(&r->statp[1]);
	fd_close(&r->outp[1]);
	fd_close(&r->errp[1]);
	fd_close(&r->notp[1]);
	fd_close(&r->stdin_fd);
	fd_close(&r->c.cg_fd);
	if (r->pid == -1) {	/* J failed: its message is on the pipe */
		run_reap_joiner(r);
		return child_error(r->statp[0], 0, "sandbox setup", err);
	}

	/* what J made in the slot's mount namespace stays there */
	for (i = 0; i < r->c.n_new_tops && sb->ntops < SLOT_MAX_TOPS; i++)
		snprintf(sb->tops[sb->ntops++], sizeof(sb->tops[0]), "%s",
		    r->c.new_tops[i]);
	if (r->c.box_make != NULL)
		box_made(r->spec->box, sb->gen);
	/* while I builds its root */
	if (!r->cg_made && run_cgroup(r, err) == -1)
		return -1;
	/*
	 * An I in our memory stays out of the v1 memory cgroup (see
	 * "Memory"): R joins it through mem_fd, which goes with "run".
	 */
	if (!r->c.init_in_cg && cgroup_run_attach(&r->cg, r->pid,
	    !sb->r_joins_mem, err) == -1)
		return -1;
	if (sb->r_joins_mem &&
	    (mem_fd = cgroup_run_mem_procs(&r->cg, err)) == -1)
		return -1;
	run_reap_joiner(r);
	/* syncp[1] stays open: I takes EOF before "run" for our death */
	sent = sandbox_send_msg(r->syncp[1], 'r', NULL, 0, mem_fd);
	if (mem_fd != -1)
		close(mem_fd);
	if (sent == -1)
		return err_errno(err, "start box");
	return 0;
}

/*
 * The CPU time over the whole tree, from the cgroup: kills the run when
 * it is spent.  Returns when to look again (us): the tree cannot use
 * more than ncpu x wall, so not before even that could reach the limit.
 */
static int64_t
run_check_cpu(struct run *r, int64_t now)
{
	int64_t	cpu_us, left;
	long	ncpu;

	if ((cpu_us = cgroup_run_cpu_us(&r->cg)) < 0)
		return now + 100000;
	left = (int64_t)r->spec->lim.cpu_ms * 1000 - cpu_us;
	if (left <= 0) {
		run_kill(r, SANDBOX_TLE);
		return now + 100000;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	left /= ncpu > 0 ? ncpu : 1;
	if (left < 2000)
		left = 2000;
	if (left > 100000)
		left = 100000;
	return now + left;
}

/* Handles what poll said of fd. */
static void
run_event(struct run *r, const struct pollfd *p)
{
	ssize_t	n;

	if (p->fd == r->statp[0]) {
		n = read(r->statp[0], r->statbuf + r->statlen,
		    sizeof(r->statbuf) - 1 - r->statlen);
		if (n > 0)
			r->statlen += (size_t)n;
		else if (n == 0 || errno != EINTR)
			fd_close(&r->statp[0]);
		if (r->statlen == sizeof(r->statbuf) - 1)
			fd_close(&r->statp[0]);
	} else if (p->fd == r->outp[0]) {
		if (drain(r->outp[0], &r->out) <= 0)
			fd_close(&r->outp[0]);
		else if (r->out.truncated)
			run_kill(r, SANDBOX_OLE);
	} else if (p->fd == r->errp[0]) {
		if (drain(r->errp[0], &r->eout) <= 0)
			fd_close(&r->errp[0]);
		else if (r->eout.truncated)
			run_kill(r, SANDBOX_OLE);
	} else if (p->fd == r->notp[0]) {
		/* R's one message: the listener, or EOF */
		r->lfd = sandbox_recv_fd(r->notp[0]);
		fd_close(&r->notp[0]);
	} else if (p->fd == r->cancel_fd) {
		/* the keeper's caller hung up (nothing else comes on it) */
		r->cancel_fd = -1;
		run_kill(r, SANDBOX_WTLE);
	} else if (p->fd == r->lfd) {
		if (!(p->revents & POLLIN) ||
		    seccomp_notify_answer(r->lfd, r->res) == -1)
			fd_close(&r->lfd);
		else if (r->res->denied_count > SANDBOX_DENY_MAX)
			run_kill(r, SANDBOX_SV);
	}
}

/* Whether I's final report is in (I is exiting). */
static int
run_reported(const struct run *r)
{
	return r->statlen == 1 + sizeof(struct init_report) &&
	    r->statbuf[0] == 'S';
}

/*
 * Until the program's pipes close and I has reported (or I's pipes
 * close): drains stdout and stderr with caps, enforces wall and CPU time,
 * answers the seccomp listener.  Then reaps I, unless it reported: I is
 * exiting then (it returns right after the report; its death kills what
 * is left of the run, and the output is all in), and it is reaped before
 * the next run (sandbox_settle), so that its exit, which tears down the
 * run's namespaces (and its memory, when a copy), is not on the way to
 * the result.
 */
static int
run_watch(struct run *r, struct err *err)
{
	const struct sandbox_limits	*lim = &r->spec->lim;
	struct pollfd			 pfd[6];
	int64_t				 now, deadline, next_cpu;
	int				 timeout, nfds, i;
	int				 watch_cpu;

	watch_cpu = lim->cpu_ms > 0 && r->sb->cg.kind != SANDBOX_CG_NONE;
	deadline = r->t0 + (int64_t)lim->wall_ms * 1000;
	next_cpu = r->t0;
	while ((r->statp[0] != -1 && !run_reported(r)) || r->outp[0] != -1 ||
	    r->errp[0] != -1) {
		now = util_mono_us();
		if (now >= deadline)
			run_kill(r, SANDBOX_WTLE);
		if (watch_cpu && r->killed_for == SANDBOX_OK &&
		    now >= next_cpu)
			next_cpu = run_check_cpu(r, now);
		timeout = (int)((deadline - now) / 1000) + 1;
		if (watch_cpu && (next_cpu - now) / 1000 + 1 < timeout)
			timeout = (int)((next_cpu - now) / 1000) + 1;
		if (r->killed_for != SANDBOX_OK)
			timeout = 1000;	/* dying; the pipes close soon */

		nfds = 0;
		if (r->statp[0] != -1)
			pfd[nfds++] = (struct pollfd){ r->statp[0], POLLIN, 0 };
		if (r->outp[0] != -1)
			pfd[nfds++] = (struct pollfd){ r->outp[0], POLLIN, 0 };
		if (r->errp[0] != -1)
			pfd[nfds++] = (struct pollfd){ r->errp[0], POLLIN, 0 };
		if (r->notp[0] != -1)
			pfd[nfds++] = (struct pollfd){ r->notp[0], POLLIN, 0 };
		if (r->lfd != -1)
			pfd[nfds++] = (struct pollfd){ r->lfd, POLLIN, 0 };
		if (r->cancel_fd != -1)
			pfd[nfds++] = (struct pollfd){ r->cancel_fd, POLLIN,
			    0 };
		if (poll(pfd, nfds, timeout) == -1) {
			if (errno == EINTR)
				continue;
			return err_errno(err, "poll");
		}
		for (i = 0; i < nfds; i++)
			if (pfd[i].revents != 0)
				run_event(r, &pfd[i]);
	}
	r->t1 = util_mono_us();
	if (run_reported(r) && r->killed_for == SANDBOX_OK)
		return 0;
	while (waitpid(r->pid, &r->wst, 0) == -1 && errno == EINTR)
		;
	r->pid = -1;
	r->t1 = util_mono_us();
	return 0;
}

/* Fills the result from I's report, the cgroup and the captures. */
static int
run_collect(struct run *r, struct err *err)
{
	const struct sandbox_limits	*lim = &r->spec->lim;
	struct sandbox_result		*res = r->res;
	struct init_report		 rep;
	int64_t				 cpu_us;
	int				 have_report = 0, oom;

	/* setup errors ("E...\n"), or I's binary report ("S" + report) */
	if (r->statlen > 0 && r->statbuf[0] == 'E') {
		r->statbuf[r->statlen] = '\0';
		return err_set(err, "sandbox setup: %.*s",
		    (int)strcspn(r->statbuf + 1, "\n"), r->statbuf + 1);
	}
	oom = r->cg_made && cgroup_run_oom_kills(&r->cg) > 0;
	if (r->statlen == 1 + sizeof(rep) && r->statbuf[0] == 'S') {
		memcpy(&rep, r->statbuf + 1, sizeof(rep));
		have_report = 1;
	} else if (r->killed_for == SANDBOX_OK && !oom)
		return err_set(err, "sandbox: init died without a report "
		    "(status %d)", r->wst);
	/* (else the OOM killer took I after all: MLE, below) */

	res->wall_ms = (uint32_t)((r->t1 - r->t0) / 1000);
	res->cgroup = r->sb->cg.kind;
	if (r->sb->cg.kind != SANDBOX_CG_NONE &&
	    (cpu_us = cgroup_run_cpu_us(&r->cg)) >= 0) {
		res->cpu_ms = (uint32_t)(cpu_us / 1000);
		res->mem_peak_bytes = cgroup_run_mem_peak(&r->cg);
		res->mem_exact = 1;
		res->oom_killed = oom;
		/* the cgroup holds I too: the program's are one fewer */
		res->procs_peak = cgroup_run_procs_peak(&r->cg);
		if (res->procs_peak > 0)
			res->procs_peak--;
		res->procs_limited = cgroup_run_procs_limited(&r->cg);
	} else if (have_report) {
		res->cpu_ms = tv_ms(&rep.ru_all.ru_utime) +
		    tv_ms(&rep.ru_all.ru_stime);
		res->mem_peak_bytes = (uint64_t)rep.ru_all.ru_maxrss * 1024;
		res->mem_exact = 0;
	}
	/* the RLIMIT_AS fallback shows up as a failed allocation */
	if (!res->oom_killed && lim->mem_bytes > 0 &&
	    res->mem_peak_bytes >= lim->mem_bytes && have_report &&
	    WIFSIGNALED(rep.status) && WTERMSIG(rep.status) == SIGKILL)
		res->oom_killed = 1;
	r->out.data[r->out.len] = '\0';
	r->eout.data[r->eout.len] = '\0';
	res->out = r->out.data;
	res->out_len = r->out.len;
	res->out_truncated = r->out.truncated || r->out.len >= r->out.cap;
	res->errout = r->eout.data;
	res->errout_len = r->eout.len;
	res->errout_truncated = r->eout.truncated ||
	    r->eout.len >= r->eout.cap;
	r->out.data = r->eout.data = NULL;
	sandbox_classify(res, lim, have_report ? rep.status : r->wst,
	    r->killed_for);
	return 0;
}

/*
 * The run's new network namespace becomes the slot's: I sent it and its
 * socket table at its start (P cannot open them in /proc, as I is not
 * dumpable).  Without them, the next run makes one again.
 */
static void
run_adopt_netns(struct run *r)
{
	struct sandbox	*sb = r->sb;
	char		 code;
	int		 fd;

	if (!r->c.new_netns)
		return;
	while (sandbox_recv_msg(r->syncp[1], &code, 1, &fd,
	    MSG_DONTWAIT) == 1) {
		if (code == 'N' && sb->netns_fd == -1) {
			sb->netns_fd = fd;
			fd = -1;
		} else if (code == 'U' && sb->unix_fd == -1) {
			sb->unix_fd = fd;
			fd = -1;
		}
		fd_close(&fd);
	}
	if (sb->netns_fd == -1 || sb->unix_fd == -1)
		slot_netns_close(sb);
}

/* Whatever the run got to: nothing of it is left after this. */
static void
run_teardown(struct run *r)
{
	int	i;

	if (r->pid != -1) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	run_reap_joiner(r);
	for (i = 0; i < 2; i++) {
		fd_close(&r->syncp[i]);
		fd_close(&r->statp[i]);
		fd_close(&r->outp[i]);
		fd_close(&r->errp[i]);
		fd_close(&r->notp[i]);
	}
	fd_close(&r->lfd);
	fd_close(&r->stdin_fd);
	fd_close(&r->c.cg_fd);
	if (r->cg_made) {
		if (cgroup_run_nprocs(&r->cg) > 0)
			cgroup_run_kill(&r->cg);
		(void)cgroup_run_destroy(&r->cg, NULL);
	}
	free(r->out.data);
	free(r->eout.data);
}

int
sandbox_run(struct sandbox *sb, const struct sandbox_spec *spec,
    struct sandbox_result *res, struct err *err)
{
	struct run	r;
	int		rc = -1;

	memset(res, 0, sizeof(*res));
	if (spec->argv == NULL || spec->argv[0] == NULL ||
	    spec->lim.wall_ms == 0)
		return err_set(err, "sandbox: argv and wall time are required");
	memset(&r, 0, sizeof(r));
	r.sb = sb;
	r.spec = spec;
	r.res = res;
	r.syncp[0] = r.syncp[1] = r.statp[0] = r.statp[1] = -1;
	r.outp[0] = r.outp[1] = r.errp[0] = r.errp[1] = -1;
	r.notp[0] = r.notp[1] = r.lfd = r.stdin_fd = r.pid = r.jpid = -1;
	r.c.cg_fd = -1;
	r.killed_for = SANDBOX_OK;
	r.cancel_fd = sb->cancel_fd;
	if (run_prepare(&r, err) == -1 || run_start(&r, err) == -1)
		goto out;
	/* the program runs: the cgroup work between runs meanwhile */
	tidy_between_runs(sb);
	if (run_watch(&r, err) == -1 || run_collect(&r, err) == -1)
		goto out;
	run_adopt_netns(&r);
	/* I, exiting, and its cgroup are the next run's to finish */
	if (r.pid != -1) {
		sb->last_init = r.pid;
		r.pid = -1;
		sb->last_cg = r.cg;
		sb->last_cg_made = r.cg_made;
		r.cg_made = 0;
	}
	rc = 0;
out:
	run_teardown(&r);
	return rc;
}

void
sandbox_result_reset(struct sandbox_result *res)
{
	free(res->out);
	free(res->errout);
	memset(res, 0, sizeof(*res));
}
