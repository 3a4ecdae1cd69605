/*
 * Theory of operation
 *
 * sandbox_run() runs one command in a throw-away container and reports
 * what happened.  Four processes take part in a run, and one more now
 * and then:
 *
 *   P  the caller (an executor or the CLI).  Makes the run's pipes,
 *      starts J and, through it, I; makes the run's cgroup and moves I
 *      into it while I builds its root, and lets I go on; then watches:
 *      drains stdout/stderr with caps, enforces wall time, polls the
 *      cgroup's CPU counter to enforce CPU time over the whole tree,
 *      answers the seccomp listener (every denied call fails with its
 *      errno and is named in the result), and kills I with SIGKILL when
 *      a limit is hit.
 *
 *   H  the slot's namespace holder, at a handle's first run and when the
 *      slot's namespaces are renewed (box.c): cloned by P into new user,
 *      network and mount namespaces, which P maps (1000 inside is the
 *      box's uid outside: slot.c says which) and opens through /proc;
 *      then H covers box_root, in its mount namespace only, with the
 *      slot tmpfs, and overlays the system's dirs read-only over
 *      themselves (see "What runs share"), and exits.  The fds keep the
 *      namespaces for the handle's later runs, which so do not pay for
 *      them each time.
 *
 *   J  the run's joiner: cloned by P with CLONE_VM | CLONE_VFORK, so P
 *      waits while J runs on a stack of its own in P's memory, and there
 *      is no memory to copy or free for J.  J enters the slot's user,
 *      mount and network namespaces (a new network namespace when the
 *      old one was dropped), takes the box's file system ids, does the
 *      slot's share of the run there (overlays a language's extra dirs,
 *      mounts a new box's tmpfs and writes its files), unshares new
 *      mount, pid, ipc and uts namespaces and clones I with
 *      CLONE_PARENT, so that I is P's child, and CLONE_PARENT_SETTID, so
 *      that the kernel writes I's pid into P's memory before J could be
 *      stopped; then J exits.  P blocks every signal around J's clone,
 *      as posix_spawn does: no handler of P's may run in J, on P's data.
 *
 *   I  init of the run, pid 1 of its pid namespace.  Sets
 *      PR_SET_PDEATHSIG, builds the box's root filesystem and pivots
 *      into it, waits for P's "run" (EOF: P died before it), takes the
 *      box's uid (until then it had P's, which cgroup v1 asks of a
 *      process P moves) and sets the death signal again, unshares its
 *      cgroup namespace, starts R and waits.  When R exits, I sends R's wait status and
 *      rusage to P and exits; as pid 1 of the namespace, its death makes
 *      the kernel kill every process left in the run.  Being init, it
 *      cannot be signalled from inside, and it is not dumpable, so it
 *      cannot be ptraced (nor seen: /proc is mounted with
 *      hidepid=invisible).
 *
 *   R  the program: cloned by I with CLONE_VM | CLONE_VFORK (I waits
 *      until the execve), it clears the signal mask and dispositions,
 *      sets rlimits, drops to uid 1000 with no capabilities, sets
 *      no_new_privs, closes every fd but 0-2 (and its two setup fds),
 *      loads the seccomp filter, sends the filter's listener to P and
 *      calls execve(2).
 *
 * Descriptors (all close-on-exec; J closes P's ends and the slot's, so
 * I never has them):
 *   sync pipe     P -> I   one byte: "in the cgroup, run"; P holds it
 *                          open for the whole run, so EOF before the byte
 *                          tells I that P died.
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
 * Boxes (box.c): a box is a tmpfs of its own mounted by J in the slot's
 * mount namespace, at box_root/<name> on the slot tmpfs; the run sees it
 * at /box, writable for a compile, read-only under a throw-away layer for
 * a test.  It never touches the host's disk, and goes with one unmount.
 *
 * Filesystem: a tmpfs root (read-only once built) with read-only nosuid
 * nodev binds of the system dirs, a whitelisted part of /etc and the
 * language's paths; one size- and inode-capped scratch tmpfs holds the
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
 * The box stays for the submission's next run and is unmounted when the
 * caller frees it.  If P is killed, I dies by PR_SET_PDEATHSIG and the
 * namespace with it (if P dies before I set it, I reads EOF on the sync
 * pipe and never starts R); H and J exit on their own within
 * microseconds; the slot's namespaces, and every box in them, go with
 * P's fds.  The cgroup P leaves is removed by the next sandbox_sweep()
 * in the slot (which spares those of live makers).
 *
 * XXX Every run creates its cgroup and moves I into it.  On cgroup v1
 * that write can wait for an RCU grace period unless the host runs with
 * cgroup favordynmods (issue #3 measured about 10 ms on an idle host;
 * this project's 6.18 development kernel does not, see the bench); a
 * per-slot helper that joins the cgroup once would take it off the
 * per-run path.
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
#include "sandbox_int.h"

#define SANDBOX_EXIT_SETUP	126	/* I or R failed before execve */

#define DEF_CAPTURE		(64u << 10)
#define DEF_FSIZE		(1u << 20)
#define DEF_NOFILE		64
#define DEF_TMP_BYTES		(16u << 20)
#define DEF_TMP_INODES		2048

/* What I tells P at the end (binary, one write, < PIPE_BUF). */
struct init_report {
	int		status;		/* R's wait status */
	struct rusage	ru;		/* R and its reaped descendants */
	struct rusage	ru_all;		/* everything I reaped */
};

/* Everything the children need, prepared by P before clone. */
struct child_ctx {
	const struct sandbox		*sb;
	const struct sandbox_spec	*spec;
	int				 sync_rd;
	int				 status_wr;
	int				 out_wr;
	int				 err_wr;
	int				 stdin_fd;	/* -1 = /dev/null */
	int				 notify_wr;	/* R sends the seccomp
							   listener here, or -1 */
	int				 parent_fds[5];	/* P's ends, for J to close */
	/* J's work in the slot before the run's own namespaces */
	const char			*new_tops[SLOT_MAX_TOPS];
	dev_t				 new_top_dev[SLOT_MAX_TOPS];	/* on
							   the host */
	int				 n_new_tops;
	const struct sandbox_box	*box_make;	/* mount it and write
							   its files, or NULL */
	int				 new_netns;	/* the slot needs one */
	char				 box_path[PATH_MAX];	/* "" = no box */
	uint64_t			 tmp_bytes;
	uint32_t			 tmp_inodes;
	pid_t				 init_pid;	/* I, or -1: J writes it
							   in P's memory */
};

/* What H and the slot helpers need. */
struct slot_ctx {
	const struct sandbox	*sb;
	int			 status_wr;	/* errors as "E...\n", "O" */
	int			 go_rd;		/* H: P wrote the maps */
	int			 hold_rd;	/* H: EOF = P has our fds */
	int			 close_fds[3];	/* P's ends */
	const char		*tops[SLOT_MAX_TOPS];	/* H: overlay them */
	int			 ntops;
	const char		*box_name;	/* unmount helper: the box */
};

#define STACK_SIZE	(256u << 10)	/* each of J's, I's and R's */
#define PAGE_GUARD	(4u << 10)	/* below each stack */
#define NSTACKS		3
/* The top of clone stack i in sb->stacks: 0 J (and H), 1 I, 2 R. */
#define STACK_TOP(sb, i) \
	((sb)->stacks + ((i) + 1) * (PAGE_GUARD + STACK_SIZE))

/* System dirs bound read-only (or recreated as the host's symlinks). */
static const char *const sys_dirs[] = {
	"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32",
};

/* The part of the host's /etc a program may need, all read-only. */
static const char *const etc_entries[] = {
	"alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
	"localtime", "nsswitch.conf", "hosts", "mime.types", "os-release",
	"debian_version", "ssl", "ca-certificates", "java-17-openjdk",
	"fonts", "timezone", "bash.bashrc", "profile", "inputrc",
	"protocols", "services",
};

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom",
};

/* ------------------------------------------------------------------ */
/* in the children: no allocation, no stdio, one message then _exit     */

static void __attribute__((noreturn, format(printf, 2, 3)))
fd_die(int status_wr, const char *fmt, ...)
{
	char	msg[256];
	int	saved = errno, n;
	va_list	ap;

	msg[0] = 'E';
	va_start(ap, fmt);
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n + 1 >= sizeof(msg))
		n = sizeof(msg) - 2;
	n++;
	n += snprintf(msg + n, sizeof(msg) - n, ": %s\n", strerror(saved));
	if (n >= (int)sizeof(msg)) {
		n = sizeof(msg) - 1;
		msg[n - 1] = '\n';
	}
	(void)!write(status_wr, msg, n);
	_exit(SANDBOX_EXIT_SETUP);
}

#define child_die(c, ...)	fd_die((c)->status_wr, __VA_ARGS__)

/* The mount flags a bind must keep (the kernel locks them in a userns). */
static unsigned long
locked_flags(const char *path)
{
	struct statvfs	sv;
	unsigned long	f = 0;

	if (statvfs(path, &sv) == -1)
		return 0;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/*
 * Adds flags (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC) to the mount at
 * dst, and to every mount below it if recursive.  mount_setattr(2) does
 * it in one call and leaves the flags the kernel locks alone; kernels
 * before 5.12 get the bind remount, one mount at a time.
 */
static void
add_flags(const struct child_ctx *c, const char *dst, unsigned long flags,
    int recursive)
{
	struct mount_attr	ma;

	if (c->sb->have_setattr) {
		memset(&ma, 0, sizeof(ma));
		ma.attr_set = (flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
		    (flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
		    (flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
		    (flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
		if (mount_setattr(AT_FDCWD, dst, recursive ? AT_RECURSIVE : 0,
		    &ma, sizeof(ma)) == -1)
			child_die(c, "mount_setattr %s", dst);
	} else if (!recursive && mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT |
	    flags | locked_flags(dst), NULL) == -1)
		child_die(c, "remount %s", dst);
}

/*
 * Binds src (of type mode, from lstat) at dst, making dst first: a
 * directory, or an empty file for anything else.  Read-only, nosuid and
 * nodev come later, for all of the root's binds at once (add_flags() on
 * the root, recursive), or here on kernels without mount_setattr(2).
 */
static void
bind_at(const struct child_ctx *c, const char *src, const char *dst,
    mode_t mode)
{
	if ((S_ISDIR(mode) ? mkdir(dst, 0755) : mknod(dst, S_IFREG | 0644,
	    0)) == -1 && errno != EEXIST)
		child_die(c, "mountpoint %s", dst);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) == -1)
		child_die(c, "bind %s", src);
	if (!c->sb->have_setattr)
		add_flags(c, dst, MS_RDONLY | MS_NOSUID | MS_NODEV, 0);
}

/* mkdir -p for a path relative to the current directory. */
static int
mkdirs(char *path)
{
	char	*p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static void
mount_tmpfs(const struct child_ctx *c, const char *dst, unsigned long flags,
    const char *mode, uint64_t bytes, uint32_t inodes)
{
	char	opts[96];

	snprintf(opts, sizeof(opts), "mode=%s,size=%" PRIu64 ",nr_inodes=%u",
	    mode, bytes, inodes);
	if (mount("tmpfs", dst, "tmpfs", flags, opts) == -1)
		child_die(c, "mount tmpfs on %s", dst);
}

/* Binds a scratch dir at dst: writable, nosuid, nodev, noexec. */
static void
bind_scratch(const struct child_ctx *c, const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) == -1)
		child_die(c, "bind %s", dst);
	add_flags(c, dst, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
}

static void
write_file_at(const struct child_ctx *c, const char *path, const char *s)
{
	int	fd;
	size_t	len = strlen(s);

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1 || write(fd, s, len) != (ssize_t)len)
		child_die(c, "write %s", path);
	close(fd);
}

/*
 * Builds the box's root and pivots into it.  On /tmp (bubblewrap's trick:
 * /tmp always exists and this mount namespace is private) goes the
 * run's scratch tmpfs, size- and inode-capped: it holds everything the
 * program may write (the overlay's upper layer over /box, /tmp and
 * /dev/shm, so the caps hold for the three together; its pages are
 * charged to the run's memory cgroup) and, in root/, the mount point of
 * the new root, a tmpfs of its own.  Whatever is not bound into the new
 * root (the scratch tmpfs's own top, the host's tree) goes with the old
 * root in one detach.
 */
static void
setup_mounts(const struct child_ctx *c)
{
	const struct sandbox_spec	*spec = c->spec;
	char				 path[PATH_MAX], src[64], target[PATH_MAX];
	struct stat			 st;
	const char *const		*rp;
	size_t				 i;
	ssize_t				 n;
	unsigned long			 nsd = MS_NOSUID | MS_NODEV;
	int				 box_fd;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		child_die(c, "make / private");
	/*
	 * The box is bound from an fd opened here, in our own mount
	 * namespace (P's fd belongs to the host's, which mount(2) refuses),
	 * and before the scratch tmpfs may hide box_root under /tmp.
	 */
	box_fd = -1;
	if (c->box_path[0] != '\0' && (box_fd = open(c->box_path, O_PATH |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		child_die(c, "open box");
	/* modes as written below (R sets the program's umask) */
	umask(0);
	mount_tmpfs(c, "/tmp", nsd, "0755", c->tmp_bytes, c->tmp_inodes);
	if (mkdir("/tmp/u", 0755) == -1 || mkdir("/tmp/w", 0755) == -1 ||
	    mkdir("/tmp/tmp", 01777) == -1 || mkdir("/tmp/shm", 01777) == -1 ||
	    chown("/tmp/u", SANDBOX_INNER_UID, SANDBOX_INNER_GID) == -1 ||
	    mkdir("/tmp/root", 0755) == -1)
		child_die(c, "scratch dirs");
	mount_tmpfs(c, "/tmp/root", nsd, "0755", 8u << 20, 512);
	if (chdir("/tmp/root") == -1)
		child_die(c, "chdir new root");

	for (i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]); i++) {
		snprintf(path, sizeof(path), "/%s", sys_dirs[i]);
		if (lstat(path, &st) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			/* merged /usr: /bin -> usr/bin */
			if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
				child_die(c, "readlink %s", path);
			target[n] = '\0';
			if (symlink(target, sys_dirs[i]) == -1)
				child_die(c, "symlink %s", sys_dirs[i]);
		} else if (S_ISDIR(st.st_mode))
			bind_at(c, path, sys_dirs[i], st.st_mode);
	}

	if (mkdir("etc", 0755) == -1)
		child_die(c, "mkdir etc");
	for (i = 0; i < sizeof(etc_entries) / sizeof(etc_entries[0]); i++) {
		snprintf(path, sizeof(path), "/etc/%s", etc_entries[i]);
		snprintf(target, sizeof(target), "etc/%s", etc_entries[i]);
		if (lstat(path, &st) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			if ((n = readlink(path, src, sizeof(src) - 1)) < 0)
				continue;
			src[n] = '\0';
			if (symlink(src, target) == -1)
				child_die(c, "symlink %s", target);
			continue;
		}
		bind_at(c, path, target, st.st_mode);
	}
	write_file_at(c, "etc/passwd",
	    "root:x:0:0:root:/root:/bin/sh\n"
	    "box:x:1000:1000:box:/box:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	write_file_at(c, "etc/group",
	    "root:x:0:\nbox:x:1000:\nnogroup:x:65534:\n");
	write_file_at(c, "etc/hostname", "box\n");

	/* extra read-only paths of the language (absolute, no "..") */
	for (rp = spec->ro_paths; rp != NULL && *rp != NULL; rp++) {
		if ((*rp)[0] != '/' || strstr(*rp, "..") != NULL ||
		    stat(*rp, &st) == -1)
			continue;
		snprintf(target, sizeof(target), ".%s", *rp);
		if (mkdirs(target) == -1)
			child_die(c, "mountpoint %s", target);
		bind_at(c, *rp, target, st.st_mode);
	}

	/* the rest of the root's mount points; then the root is done */
	if (mkdir("box", 0755) == -1 || mkdir("tmp", 0755) == -1 ||
	    mkdir("dev", 0755) == -1 || mkdir("proc", 0555) == -1)
		child_die(c, "mount points");
	if (c->sb->have_setattr)
		add_flags(c, ".", MS_RDONLY | nsd, 1);

	/* /box */
	if (box_fd != -1) {
		snprintf(src, sizeof(src), "/proc/self/fd/%d", box_fd);
		if (spec->box_mode == SANDBOX_BOX_RW) {
			if (mount(src, "box", NULL, MS_BIND, NULL) == -1)
				child_die(c, "bind box");
			add_flags(c, "box", nsd, 0);
		} else {
			/*
			 * A writable layer over the read-only box: the
			 * program may write in its cwd, the box on the host
			 * stays as the compile left it.  The lower layer is
			 * bound on the scratch tmpfs's top, which goes with
			 * the old root.
			 */
			if (mkdir("/tmp/lower", 0755) == -1 ||
			    mount(src, "/tmp/lower", NULL, MS_BIND, NULL) == -1)
				child_die(c, "bind box lower");
			if (mount("overlay", "box", "overlay", nsd,
			    "lowerdir=/tmp/lower,upperdir=/tmp/u,"
			    "workdir=/tmp/w,userxattr") == -1)
				child_die(c, "mount overlay on box");
		}
		close(box_fd);
	}

	bind_scratch(c, "/tmp/tmp", "tmp");

	mount_tmpfs(c, "dev", MS_NOSUID | MS_NOEXEC, "0755", 64u << 10, 64);
	for (i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		/* the slot's own nodes (slot.c), else the host's */
		snprintf(path, sizeof(path), "%s/%s", c->sb->dev_dir[0] !=
		    '\0' ? c->sb->dev_dir : "/dev", dev_nodes[i]);
		snprintf(target, sizeof(target), "dev/%s", dev_nodes[i]);
		/* not bind_at: the nodes keep dev, and stay writable */
		if (mknod(target, S_IFREG | 0644, 0) == -1 ||
		    mount(path, target, NULL, MS_BIND, NULL) == -1)
			child_die(c, "bind %s", path);
	}
	if (symlink("/proc/self/fd", "dev/fd") == -1 ||
	    symlink("/proc/self/fd/0", "dev/stdin") == -1 ||
	    symlink("/proc/self/fd/1", "dev/stdout") == -1 ||
	    symlink("/proc/self/fd/2", "dev/stderr") == -1 ||
	    mkdir("dev/shm", 0755) == -1)
		child_die(c, "populate dev");
	bind_scratch(c, "/tmp/shm", "dev/shm");

	if (mount("proc", "proc", "proc", nsd | MS_NOEXEC,
	    "hidepid=invisible") == -1 &&
	    mount("proc", "proc", "proc", nsd | MS_NOEXEC, NULL) == -1)
		child_die(c, "mount proc");

	/* pivot_root(".", ".") stacks the old root under the new one */
	if (syscall(SYS_pivot_root, ".", ".") == -1)
		child_die(c, "pivot_root");
	if (umount2(".", MNT_DETACH) == -1)
		child_die(c, "detach old root");
	if (chdir("/") == -1)
		child_die(c, "chdir /");
	if (mount(NULL, "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID |
	    MS_NOEXEC, NULL) == -1)
		child_die(c, "remount /dev read-only");
	if (!c->sb->have_setattr && mount(NULL, "/", NULL, MS_REMOUNT |
	    MS_RDONLY | nsd, NULL) == -1)
		child_die(c, "remount / read-only");
	if (chdir(spec->box != NULL ? "/box" : "/tmp") == -1)
		child_die(c, "chdir box");
}

static void
set_rlimit(const struct child_ctx *c, int res, rlim_t soft, rlim_t hard)
{
	struct rlimit	rl = { soft, hard };

	if (setrlimit(res, &rl) == -1)
		child_die(c, "setrlimit %d", res);
}

static void
setup_rlimits(const struct child_ctx *c)
{
	const struct sandbox_limits	*l = &c->spec->lim;
	rlim_t				 cpu_s, stack;

	set_rlimit(c, RLIMIT_CORE, 0, 0);
	set_rlimit(c, RLIMIT_MEMLOCK, 0, 0);
	set_rlimit(c, RLIMIT_MSGQUEUE, 0, 0);
	/* queued signals are counted for the service user too: keep few */
	set_rlimit(c, RLIMIT_SIGPENDING, 128, 128);
	set_rlimit(c, RLIMIT_FSIZE, l->fsize_bytes ? l->fsize_bytes :
	    DEF_FSIZE, l->fsize_bytes ? l->fsize_bytes : DEF_FSIZE);
	set_rlimit(c, RLIMIT_NOFILE, l->nofile ? l->nofile : DEF_NOFILE,
	    l->nofile ? l->nofile : DEF_NOFILE);
	stack = l->stack_bytes ? l->stack_bytes :
	    l->mem_bytes ? l->mem_bytes : RLIM_INFINITY;
	set_rlimit(c, RLIMIT_STACK, stack, stack);
	if (l->cpu_ms > 0) {
		/* per process, a backstop: P enforces the tree's total */
		cpu_s = (l->cpu_ms + 999) / 1000 + 1;
		set_rlimit(c, RLIMIT_CPU, cpu_s, cpu_s + 1);
	}
	/*
	 * Counted per user in the slot's user namespace, where I is the box's
	 * uid too: one more than the program may have.
	 */
	if (l->max_procs > 0)
		set_rlimit(c, RLIMIT_NPROC, l->max_procs + 1, l->max_procs + 1);
	/* without a memory cgroup, address space is all we can cap */
	if (c->sb->cg.kind == SANDBOX_CG_NONE && l->mem_bytes > 0)
		set_rlimit(c, RLIMIT_AS, l->mem_bytes, l->mem_bytes);
}

static void
drop_privileges(const struct child_ctx *c)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];
	int				cap;

	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		child_die(c, "keepcaps");
	/* raw calls: see run_main */
	if (syscall(SYS_setresgid, SANDBOX_INNER_GID, SANDBOX_INNER_GID,
	    SANDBOX_INNER_GID) == -1 || syscall(SYS_setresuid,
	    SANDBOX_INNER_UID, SANDBOX_INNER_UID, SANDBOX_INNER_UID) == -1)
		child_die(c, "setresuid");
	for (cap = 0; cap <= c->sb->cap_last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			child_die(c, "drop capability %d", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		child_die(c, "clear ambient capabilities");
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) == -1)
		child_die(c, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		child_die(c, "no_new_privs");
}

/* Looks argv0 up in the PATH of envp (the box's, not ours). */
static const char *
find_program(const char *argv0, const char *const *envp, char *buf,
    size_t size)
{
	const char	*path = "/usr/bin:/bin", *p, *end;
	size_t		 len;

	if (strchr(argv0, '/') != NULL)
		return argv0;
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			path = *envp + 5;
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0 || len + strlen(argv0) + 2 > size)
			continue;
		memcpy(buf, p, len);
		buf[len] = '/';
		strcpy(buf + len + 1, argv0);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return argv0;
}

/*
 * Blocked and ignored signals survive execve: the executor blocks the
 * ones it handles through a signalfd, and a shell may have left SIGINT
 * ignored.  The program starts with every signal at its default.
 */
static void
reset_signals(void)
{
	sigset_t	none;
	int		sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Sends fd over the unix socket sock (SCM_RIGHTS). */
int
sandbox_send_fd(int sock, int fd)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} u;
	char		 byte = 'L';

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Never returns: it execs the program or dies in child_die(). */
static int
run_program(struct child_ctx *c)
{
	const struct sandbox_spec	*spec = c->spec;
	struct sock_fprog		 prog;
	char				 buf[PATH_MAX];
	const char			*file;
	int				 in, lfd;

	(void)setsid();
	reset_signals();
	in = c->stdin_fd != -1 ? c->stdin_fd :
	    open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in == -1 || dup2(in, 0) == -1 || dup2(c->out_wr, 1) == -1 ||
	    dup2(spec->stderr_to_stdout ? c->out_wr : c->err_wr, 2) == -1)
		child_die(c, "dup2");
	/*
	 * The status pipe moves to fd 3 and the notify socket to fd 4, so
	 * that close_range keeps nothing else; both go before execve.
	 */
	if (dup3(c->status_wr, 3, O_CLOEXEC) == -1 ||
	    (c->notify_wr != -1 && dup3(c->notify_wr, 4, O_CLOEXEC) == -1))
		child_die(c, "dup3");
	c->status_wr = 3;
	if (syscall(SYS_close_range, c->notify_wr != -1 ? 5 : 4, ~0U, 0) == -1)
		child_die(c, "close_range");
	setup_rlimits(c);
	drop_privileges(c);
	umask(022);
	file = find_program(spec->argv[0], spec->envp, buf, sizeof(buf));
	prog.len = c->sb->seccomp.len;
	prog.filter = c->sb->seccomp.filter;
	if (c->notify_wr == -1) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
			child_die(c, "seccomp");
	} else {
		if ((lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)) == -1)
			child_die(c, "seccomp");
		if (sandbox_send_fd(4, lfd) == -1)
			child_die(c, "send seccomp listener");
		close(lfd);
		close(4);
	}
	execve(file, (char *const *)(uintptr_t)spec->argv,
	    (char *const *)(uintptr_t)spec->envp);
	child_die(c, "exec %s", spec->argv[0]);
}

/*
 * R starts here, with CLONE_VM | CLONE_VFORK: in I's memory, on its own
 * stack, with its own fd table and signal handlers, while I waits for
 * its execve.  So it must not allocate or change I's data (it works on
 * its own copy of the context), and it uses the raw set*id calls: libc's
 * wrappers would signal the threads of whatever process I's memory was
 * copied from.
 *
 * J, I, H and R leave their clone(2) functions by returning (libc's
 * clone exits with the value) rather than by _exit(2), so that a
 * sanitizer build makes no noreturn call on these stacks of ours.
 */
static int
run_main(void *arg)
{
	struct child_ctx	c = *(const struct child_ctx *)arg;

	return run_program(&c);
}

static void	take_box_ids(int, const struct sandbox *);

static int
init_main(void *arg)
{
	struct child_ctx	*c = arg;
	struct init_report	 rep;
	char			 go, msg[1 + sizeof(rep)];
	pid_t			 prog, pid;
	int			 st;
	struct rusage		 ru;

	/*
	 * Die with P.  If P died before this took effect, the read of "run"
	 * below says so.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		child_die(c, "pdeathsig");
	if (sethostname("box", 3) == -1 || setdomainname("box", 3) == -1)
		child_die(c, "sethostname");
	setup_mounts(c);
	/* P moved us into the run's cgroup meanwhile; EOF: P died */
	if (read(c->sync_rd, &go, 1) != 1)
		return SANDBOX_EXIT_SETUP;
	/*
	 * Until now we had P's uid (only the file system ids were the
	 * box's), which cgroup v1 requires of a process P moves.  Now the
	 * box's, for good.  That clears the death signal: set it again, and
	 * if P died in between, its end of the sync pipe is closed.
	 */
	take_box_ids(c->status_wr, c->sb);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		child_die(c, "pdeathsig");
	{
		struct pollfd	pfd = { c->sync_rd, POLLIN, 0 };

		if (poll(&pfd, 1, 0) == -1 || (pfd.revents & POLLHUP))
			return SANDBOX_EXIT_SETUP;
	}
	close(c->sync_rd);
	/* after the move: the namespace's root is the run's own cgroup */
	if (unshare(CLONE_NEWCGROUP) == -1 && c->sb->cg.kind != SANDBOX_CG_NONE)
		child_die(c, "unshare cgroup namespace");

	/* R runs in our memory until its execve; we wait meanwhile */
	if ((prog = clone(run_main, STACK_TOP(c->sb, 2), CLONE_VM |
	    CLONE_VFORK | SIGCHLD, c)) == -1)
		child_die(c, "clone program");
	close(c->out_wr);
	if (c->err_wr != -1)
		close(c->err_wr);
	if (c->stdin_fd != -1)
		close(c->stdin_fd);
	if (c->notify_wr != -1)
		close(c->notify_wr);

	/* as init we also reap whatever the program orphans */
	memset(&rep, 0, sizeof(rep));
	for (;;) {
		pid = wait4(-1, &st, 0, &ru);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == -1)
			child_die(c, "wait4");
		if (pid == prog) {
			rep.status = st;
			rep.ru = ru;
			break;
		}
	}
	(void)getrusage(RUSAGE_CHILDREN, &rep.ru_all);
	msg[0] = 'S';
	memcpy(msg + 1, &rep, sizeof(rep));
	(void)!write(c->status_wr, msg, sizeof(msg));
	return 0;	/* the kernel now kills the rest of the namespace */
}

/*
 * Takes the box's ids in the slot's user namespace.  The capabilities
 * there stay: our uid is not root in the namespace, so changing it clears
 * nothing, and KEEPCAPS makes sure.  R drops them before execve.  From
 * here on, what we create in the slot's file systems is the box's.
 */
static void
take_box_ids(int status_wr, const struct sandbox *sb)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    (sb->may_setgroups && syscall(SYS_setgroups, 0, NULL) == -1) ||
	    syscall(SYS_setresgid, SANDBOX_INNER_GID, SANDBOX_INNER_GID,
	    SANDBOX_INNER_GID) == -1 || syscall(SYS_setresuid,
	    SANDBOX_INNER_UID, SANDBOX_INNER_UID, SANDBOX_INNER_UID) == -1)
		fd_die(status_wr, "take box ids");
}

/*
 * The box's file system ids only: what we create is the box's, and our
 * uid stays P's (see init_main).
 */
static void
take_box_fsids(int status_wr)
{
	(void)syscall(SYS_setfsgid, SANDBOX_INNER_GID);
	(void)syscall(SYS_setfsuid, SANDBOX_INNER_UID);
	/* the calls answer the old ids: ask again to see they took */
	if (syscall(SYS_setfsgid, -1) != SANDBOX_INNER_GID ||
	    syscall(SYS_setfsuid, -1) != SANDBOX_INNER_UID)
		fd_die(status_wr, "take the box's file system ids");
}

/*
 * Enters the slot's user and mount namespaces and takes the box's ids
 * (all of them, or with fs_only the file system ids).
 */
static void
enter_slot(int status_wr, const struct sandbox *sb, int fs_only)
{
	if (setns(sb->userns_fd, CLONE_NEWUSER) == -1)
		fd_die(status_wr, "join the slot's user namespace");
	if (setns(sb->mntns_fd, CLONE_NEWNS) == -1)
		fd_die(status_wr, "join the slot's mount namespace");
	if (fs_only)
		take_box_fsids(status_wr);
	else
		take_box_ids(status_wr, sb);
	/* the slot tmpfs, where boxes and the empty layer ".e" are */
	if (chdir(sb->box_root) == -1)
		fd_die(status_wr, "chdir %s", sb->box_root);
}

/*
 * Overlays the host dir /top over itself, read-only, in the slot's mount
 * namespace (see "What runs share" in the theory): the box's view of the
 * system's files gets inodes of its own.  The empty ".e" in the cwd is
 * the second layer a read-only overlay needs.
 */
static void
overlay_top(int status_wr, const char *top)
{
	char	path[64], opts[128];

	snprintf(path, sizeof(path), "/%s", top);
	snprintf(opts, sizeof(opts), "lowerdir=%s:.e", path);
	if (mount("overlay", path, "overlay", MS_RDONLY | MS_NOSUID |
	    MS_NODEV, opts) == -1)
		fd_die(status_wr, "overlay %s", path);
}

/*
 * Mounts box b's tmpfs at b->name in the cwd (the slot tmpfs) and writes
 * its queued files, as the box's uid, never through a link.  A box that
 * is mounted already (an earlier J died after this) is left as it is.
 */
static void
make_box(const struct child_ctx *c, const struct sandbox_box *b)
{
	struct stat	slot, st;
	char		opts[128];
	const char	*p;
	size_t		i, left;
	ssize_t		n;
	int		dfd, fd;

	if ((mkdir(b->name, 0700) == -1 && errno != EEXIST) ||
	    stat(".", &slot) == -1 || lstat(b->name, &st) == -1)
		child_die(c, "box mount point");
	if (!S_ISDIR(st.st_mode))
		child_die(c, "box mount point is not a directory");
	if (st.st_dev != slot.st_dev)
		return;
	snprintf(opts, sizeof(opts), "mode=0755,uid=%d,gid=%d,size=%" PRIu64
	    ",nr_inodes=%u", SANDBOX_INNER_UID, SANDBOX_INNER_GID, b->bytes,
	    b->inodes);
	if (mount("tmpfs", b->name, "tmpfs", MS_NOSUID | MS_NODEV,
	    opts) == -1)
		child_die(c, "mount the box");
	if ((dfd = open(b->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		child_die(c, "open the box");
	for (i = 0; i < b->nfiles; i++) {
		if ((fd = openat(dfd, b->files[i].name, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
			child_die(c, "create %s", b->files[i].name);
		for (p = b->files[i].data, left = b->files[i].len; left > 0;
		    p += n, left -= (size_t)n)
			if ((n = write(fd, p, left)) == -1) {
				if (errno == EINTR) {
					n = 0;
					continue;
				}
				child_die(c, "write %s", b->files[i].name);
			}
		if (fchmod(fd, (mode_t)b->files[i].mode) == -1)
			child_die(c, "chmod %s", b->files[i].name);
		close(fd);
	}
	close(dfd);
}

/*
 * J: runs in P's memory (CLONE_VM | CLONE_VFORK: P waits until we exit),
 * on its own stack, with its own fd table.  Nothing here may allocate or
 * change P's data (the kernel writes c->init_pid), and the set*id calls
 * are the raw ones: libc's wrappers would signal P's other threads.
 */
static int
join_main(void *arg)
{
	struct child_ctx	*c = arg;
	const struct sandbox	*sb = c->sb;
	int			 i, ns;

	/* P's ends: close them so that EOFs mean what they should */
	for (i = 0; i < 5; i++)
		if (c->parent_fds[i] != -1)
			close(c->parent_fds[i]);
	enter_slot(c->status_wr, sb, 1);
	if (!c->new_netns && setns(sb->netns_fd, CLONE_NEWNET) == -1)
		child_die(c, "join the slot's network namespace");
	close(sb->userns_fd);
	close(sb->mntns_fd);
	if (sb->netns_fd != -1)
		close(sb->netns_fd);
	if (sb->unix_fd != -1)
		close(sb->unix_fd);
	if (sb->devset_fd != -1)
		close(sb->devset_fd);
	/*
	 * In the slot's mount namespace, for this run and the next ones.  A
	 * top whose device is not the host's is ours already (an earlier J
	 * died after mounting it).
	 */
	for (i = 0; i < c->n_new_tops; i++) {
		char		path[64];
		struct stat	st;

		snprintf(path, sizeof(path), "/%s", c->new_tops[i]);
		if (stat(path, &st) == 0 && st.st_dev != c->new_top_dev[i])
			continue;
		overlay_top(c->status_wr, c->new_tops[i]);
	}
	if (c->box_make != NULL)
		make_box(c, c->box_make);
	if (chdir("/") == -1)
		child_die(c, "chdir /");
	/* the run's own: I is born in the new pid namespace */
	ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	if (c->new_netns)
		ns |= CLONE_NEWNET;
	if (unshare(ns) == -1)
		child_die(c, "unshare namespaces");
	if (clone(init_main, STACK_TOP(sb, 1), CLONE_PARENT |
	    CLONE_PARENT_SETTID, c, &c->init_pid) == -1)
		child_die(c, "clone init");
	return 0;
}

/*
 * H: made by P with new user, network and mount namespaces, which become
 * the slot's.  Once P has written the maps and opened the namespaces, it
 * covers box_root with the
 * slot tmpfs (in our mount namespace only: the host's box_root stays an
 * empty directory), where boxes get their mount points, and overlays the
 * system's dirs; then it says so and keeps the namespaces alive until P
 * has opened them (EOF on hold).
 */
static int
holder_main(void *arg)
{
	const struct slot_ctx	*h = arg;
	const struct sandbox	*sb = h->sb;
	char			 b, opts[96];
	int			 i;

	for (i = 0; i < 3; i++)
		if (h->close_fds[i] != -1)
			close(h->close_fds[i]);
	/*
	 * P opens our /proc files.  An earlier J (in P's memory) may have
	 * left P's memory, and so our copy, not dumpable, which would keep
	 * P out: we are P's uid still, nothing in us to hide from it.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
		fd_die(h->status_wr, "dumpable");
	(void)!write(h->status_wr, "R", 1);
	if (read(h->go_rd, &b, 1) != 1)
		return SANDBOX_EXIT_SETUP;
	take_box_ids(h->status_wr, sb);
	snprintf(opts, sizeof(opts), "mode=0700,uid=%d,gid=%d,size=1m,"
	    "nr_inodes=4096", SANDBOX_INNER_UID, SANDBOX_INNER_GID);
	if (mount("tmpfs", sb->box_root, "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, opts) == -1)
		fd_die(h->status_wr, "mount the slot tmpfs on %s",
		    sb->box_root);
	if (chdir(sb->box_root) == -1 || mkdir(".e", 0755) == -1)
		fd_die(h->status_wr, "slot tmpfs");
	for (i = 0; i < h->ntops; i++)
		overlay_top(h->status_wr, h->tops[i]);
	(void)!write(h->status_wr, "O", 1);
	(void)!read(h->hold_rd, &b, 1);
	return 0;
}

/*
 * The box unmount helper: like J, in P's memory.  Unmounts the box's
 * tmpfs in the slot's mount namespace and removes its mount point.
 */
static int
unmount_main(void *arg)
{
	const struct slot_ctx	*h = arg;

	if (h->close_fds[0] != -1)
		close(h->close_fds[0]);
	enter_slot(h->status_wr, h->sb, 0);
	if (umount2(h->box_name, MNT_DETACH | UMOUNT_NOFOLLOW) == -1 &&
	    errno != EINVAL)
		fd_die(h->status_wr, "unmount box %s", h->box_name);
	if (rmdir(h->box_name) == -1 && errno != ENOENT)
		fd_die(h->status_wr, "remove box %s", h->box_name);
	return 0;
}

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
static ssize_t
read_all(int fd, char *buf, size_t size)
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

/* Receives one fd sent with sandbox_send_fd.  Returns it, or -1. */
int
sandbox_recv_fd(int sock)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} u;
	char		 byte;
	int		 fd = -1;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) != 1)
		return -1;
	if ((cm = CMSG_FIRSTHDR(&mh)) != NULL &&
	    cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int
make_stdin(const struct sandbox_spec *spec, struct err *err)
{
	const char	*p = spec->stdin_data;
	size_t		 left = spec->stdin_len;
	ssize_t		 n;
	int		 fd;

	if (spec->stdin_data == NULL)
		return -1;
	if ((fd = memfd_create("stdin", MFD_CLOEXEC)) == -1)
		return err_errno(err, "memfd_create"), -2;
	while (left > 0) {
		if ((n = write(fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return err_errno(err, "write stdin"), -2;
		}
		p += n;
		left -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return err_errno(err, "lseek stdin"), -2;
	}
	return fd;
}

static void
close_fd(int *fd)
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

/* Opens /proc/<pid>/<what> read-only.  Returns the fd, or -1 (errno). */
static int
open_proc(pid_t pid, const char *what)
{
	char	path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Reads a child's error line ("E<text>\n", of which the first byte may be
 * read already: first) from fd into err.  Returns -1.
 */
static int
child_error(int fd, char first, const char *what, struct err *err)
{
	char	buf[300];
	ssize_t	n;

	buf[0] = first;
	n = read_all(fd, buf + (first != 0), sizeof(buf) - 2) +
	    (first != 0);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 1 && buf[0] == 'E')
		return err_set(err, "%s: %.*s", what,
		    (int)strcspn(buf + 1, "\n"), buf + 1);
	return err_set(err, "%s failed", what);
}

int
slot_ns_open(struct sandbox *sb, struct err *err)
{
	struct slot_ctx	 h;
	struct stat	 st;
	char		 path[64], ok = 0;
	int		 hold[2] = { -1, -1 }, go[2] = { -1, -1 };
	int		 stat_p[2] = { -1, -1 }, rc = -1;
	pid_t		 pid = -1;
	size_t		 i;

	if (sb->userns_fd != -1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.sb = sb;
	/* the system's dirs (not the links of a merged /usr) and /etc */
	for (i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]) + 1; i++) {
		const char *d = i < sizeof(sys_dirs) / sizeof(sys_dirs[0]) ?
		    sys_dirs[i] : "etc";

		snprintf(path, sizeof(path), "/%s", d);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			h.tops[h.ntops++] = d;
	}
	if (pipe2(hold, O_CLOEXEC) == -1 || pipe2(go, O_CLOEXEC) == -1 ||
	    pipe2(stat_p, O_CLOEXEC) == -1) {
		err_errno(err, "pipe2");
		goto out;
	}
	h.go_rd = go[0];
	h.hold_rd = hold[0];
	h.status_wr = stat_p[1];
	h.close_fds[0] = go[1];
	h.close_fds[1] = hold[1];
	h.close_fds[2] = stat_p[0];
	/* a copy of our memory, not a share: H may do as it likes */
	pid = clone(holder_main, STACK_TOP(sb, 0), CLONE_NEWUSER |
	    CLONE_NEWNET | CLONE_NEWNS | SIGCHLD, &h);
	if (pid == -1) {
		err_errno(err, "clone the slot's namespace holder");
		goto out;
	}
	close(go[0]);
	close(hold[0]);
	close(stat_p[1]);
	go[0] = hold[0] = stat_p[1] = -1;
	if (read(stat_p[0], &ok, 1) != 1 || ok != 'R') {
		child_error(stat_p[0], ok == 'E' ? ok : 0, "slot setup", err);
		goto out;
	}
	if (slot_write_id_maps(sb, pid, err) == -1)
		goto out;
	/*
	 * Open them now, while H is still our uid: once it has taken the
	 * box's, the kernel lets us at its /proc files no more.
	 */
	if ((sb->userns_fd = open_proc(pid, "ns/user")) == -1 ||
	    (sb->mntns_fd = open_proc(pid, "ns/mnt")) == -1 ||
	    (sb->netns_fd = open_proc(pid, "ns/net")) == -1) {
		err_errno(err, "open /proc/%d/ns", (int)pid);
		goto out;
	}
	/*
	 * The namespace's socket table, read again before each run (the
	 * file keeps showing this namespace after H is gone).  Without it
	 * the namespace is not reused: every run makes a new one.
	 */
	sb->unix_fd = open_proc(pid, "net/unix");
	if (write(go[1], "g", 1) != 1) {
		err_errno(err, "start the slot's namespace holder");
		goto out;
	}
	if (read(stat_p[0], &ok, 1) != 1 || ok != 'O') {
		child_error(stat_p[0], ok == 'E' ? ok : 0, "slot setup", err);
		goto out;
	}
	for (sb->ntops = 0; sb->ntops < h.ntops; sb->ntops++)
		snprintf(sb->tops[sb->ntops], sizeof(sb->tops[0]), "%s",
		    h.tops[sb->ntops]);
	sb->gen++;
	sb->stale = 0;
	sb->ns_made_us = util_mono_us();
	sb->dpkg_mtime_ns = slot_pkgdb_mtime();
	rc = 0;
out:
	if (pid != -1 && hold[1] == -1)
		kill(pid, SIGKILL);
	close_fd(&go[0]);
	close_fd(&go[1]);
	close_fd(&hold[0]);
	close_fd(&hold[1]);		/* H reads EOF and exits */
	close_fd(&stat_p[0]);
	close_fd(&stat_p[1]);
	if (pid != -1)
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	if (rc == -1)
		slot_ns_close(sb);
	return rc;
}

int
slot_box_unmount(struct sandbox *sb, const char *name, struct err *err)
{
	struct slot_ctx	 h;
	sigset_t	 all, mask;
	int		 stat_p[2] = { -1, -1 }, st, rc = -1, saved;
	pid_t		 pid;
	char		 b;

	memset(&h, 0, sizeof(h));
	h.sb = sb;
	h.box_name = name;
	if (pipe2(stat_p, O_CLOEXEC) == -1)
		return err_errno(err, "pipe2");
	h.status_wr = stat_p[1];
	h.close_fds[0] = stat_p[0];
#ifdef __SANITIZE_ADDRESS__
	ASAN_UNPOISON_MEMORY_REGION(STACK_TOP(sb, 0) - STACK_SIZE, STACK_SIZE);
#endif
	/* as for J: no handler of ours may run on our data in the child */
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &mask);
	pid = clone(unmount_main, STACK_TOP(sb, 0), CLONE_VM | CLONE_VFORK |
	    SIGCHLD, &h);
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
	close(stat_p[1]);
	if (pid == -1) {
		errno = saved;
		err_errno(err, "clone the box unmount helper");
		goto out;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			err_errno(err, "waitpid");
			goto out;
		}
	if (read(stat_p[0], &b, 1) == 1) {
		child_error(stat_p[0], b, "box", err);
		goto out;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		err_set(err, "box unmount helper: status %d", st);
		goto out;
	}
	rc = 0;
out:
	close(stat_p[0]);
	return rc;
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

int
sandbox_run(struct sandbox *sb, const struct sandbox_spec *spec,
    struct sandbox_result *res, struct err *err)
{
	struct child_ctx	 c;
	struct cgroup_run	 cg;
	struct capture		 out = { 0 }, eout = { 0 };
	struct init_report	 rep;
	struct pollfd		 pfd[5];
	char			 name[64], statbuf[512], path[64];
	char			 new_tops[SLOT_MAX_TOPS][32];
	size_t			 statlen = 0;
	int			 syncp[2] = { -1, -1 }, statp[2] = { -1, -1 };
	int			 outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int			 notp[2] = { -1, -1 }, lfd = -1;
	int			 stdin_fd = -1, rc = -1, wst = 0, r, i, nfds;
	int			 killed_for = SANDBOX_OK, have_report = 0;
	int			 cg_made = 0;
	pid_t			 pid = -1, jpid = -1;
	int64_t			 t0, now, deadline, next_cpu, cpu_us;
	sigset_t		 all, mask;
	int			 timeout, saved_errno;

	memset(res, 0, sizeof(*res));
	memset(&cg, 0, sizeof(cg));
	if (spec->argv == NULL || spec->argv[0] == NULL ||
	    spec->lim.wall_ms == 0)
		return err_set(err, "sandbox: argv and wall time are required");

	out.cap = spec->lim.stdout_bytes ? spec->lim.stdout_bytes :
	    DEF_CAPTURE;
	eout.cap = spec->lim.stderr_bytes ? spec->lim.stderr_bytes :
	    DEF_CAPTURE;
	if ((out.data = malloc(out.cap + 1)) == NULL ||
	    (eout.data = malloc(eout.cap + 1)) == NULL) {
		err_errno(err, "malloc");
		goto out;
	}

	if (pipe2(syncp, O_CLOEXEC) == -1 || pipe2(statp, O_CLOEXEC) == -1 ||
	    pipe2(outp, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    (!spec->stderr_to_stdout &&
	    pipe2(errp, O_CLOEXEC | O_NONBLOCK) == -1)) {
		err_errno(err, "pipe2");
		goto out;
	}
	/* the children's ends must block */
	if (fcntl(outp[1], F_SETFL, 0) == -1 ||
	    (errp[1] != -1 && fcntl(errp[1], F_SETFL, 0) == -1)) {
		err_errno(err, "fcntl");
		goto out;
	}
	if ((stdin_fd = make_stdin(spec, err)) == -2)
		goto out;
	if (sb->notify && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0, notp) == -1) {
		err_errno(err, "socketpair");
		goto out;
	}

	memset(&c, 0, sizeof(c));
	c.sb = sb;
	c.spec = spec;
	c.sync_rd = syncp[0];
	c.status_wr = statp[1];
	c.out_wr = outp[1];
	c.err_wr = errp[1];
	c.stdin_fd = stdin_fd;
	c.notify_wr = notp[1];
	c.parent_fds[0] = syncp[1];
	c.parent_fds[1] = statp[0];
	c.parent_fds[2] = outp[0];
	c.parent_fds[3] = errp[0];
	c.parent_fds[4] = notp[0];
	c.tmp_bytes = spec->lim.tmp_bytes ? spec->lim.tmp_bytes :
	    DEF_TMP_BYTES;
	c.tmp_inodes = spec->lim.tmp_inodes ? spec->lim.tmp_inodes :
	    DEF_TMP_INODES;

	if (slot_ns_open(sb, err) == -1)
		goto out;
	/* a socket an earlier run left behind: a new network namespace */
	if (sb->netns_fd != -1 && !slot_netns_empty(sb))
		slot_netns_close(sb);
	c.new_netns = sb->netns_fd == -1;
	if (spec->box != NULL) {
		if (spec->box->mounted && spec->box->gen != sb->gen) {
			err_set(err, "sandbox: box %s is gone with its slot "
			    "namespaces", spec->box->name);
			goto out;
		}
		if (!spec->box->mounted)
			c.box_make = spec->box;
		snprintf(c.box_path, sizeof(c.box_path), "%s/%s",
		    sb->box_root, spec->box->name);
	}
	/* the language's dirs outside the overlaid ones: overlay them too */
	for (i = 0; spec->ro_paths != NULL && spec->ro_paths[i] != NULL;
	    i++) {
		char		top[32];
		struct stat	st;
		int		k;

		if (slot_top_of(spec->ro_paths[i], top, sizeof(top)) == -1 ||
		    slot_has_top(sb, top) || strcmp(top, "proc") == 0 ||
		    strcmp(top, "sys") == 0 || strcmp(top, "dev") == 0 ||
		    strcmp(top, "tmp") == 0 || c.n_new_tops == SLOT_MAX_TOPS -
		    sb->ntops)
			continue;
		/* not the one box_root is in: it would hide the slot tmpfs */
		if (strncmp(sb->box_root + 1, top, strlen(top)) == 0 &&
		    sb->box_root[strlen(top) + 1] == '/')
			continue;
		snprintf(path, sizeof(path), "/%s", top);
		if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		for (k = 0; k < c.n_new_tops; k++)
			if (strcmp(c.new_tops[k], top) == 0)
				break;
		if (k < c.n_new_tops)
			continue;
		memcpy(new_tops[c.n_new_tops], top, sizeof(top));
		c.new_tops[c.n_new_tops] = new_tops[c.n_new_tops];
		c.new_top_dev[c.n_new_tops++] = st.st_dev;
	}
	c.init_pid = -1;
#ifdef __SANITIZE_ADDRESS__
	/* J's stack is ours and reused: drop what the last J left poisoned */
	ASAN_UNPOISON_MEMORY_REGION(STACK_TOP(sb, 0) - STACK_SIZE, STACK_SIZE);
#endif
	t0 = util_mono_us();
	/*
	 * J runs while we wait; when clone returns, J has let go of our
	 * memory (it is exiting) and I's pid is in c.init_pid, or there is
	 * no I.  J is reaped at the end.  Signals stay blocked meanwhile
	 * (posix_spawn's rule): a handler of ours must not run in J, on our
	 * data; I and R inherit the mask, and R clears it before execve.
	 */
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &mask);
	jpid = clone(join_main, STACK_TOP(sb, 0), CLONE_VM | CLONE_VFORK |
	    SIGCHLD, &c);
	saved_errno = errno;
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
	if (jpid == -1) {
		errno = saved_errno;
		err_errno(err, "clone");
		goto out;
	}
	pid = c.init_pid;
	/*
	 * J is gone from our memory; reap it now, so that it is not counted
	 * as one of the box uid's processes (RLIMIT_NPROC) during the run.
	 */
	while (waitpid(jpid, NULL, 0) == -1 && errno == EINTR)
		;
	jpid = -1;
	close_fd(&syncp[0]);
	close_fd(&statp[1]);
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&notp[1]);
	close_fd(&stdin_fd);
	if (pid <= 0) {
		/* J failed: its message is on the status pipe */
		pid = -1;
		statlen = (size_t)read_all(statp[0], statbuf,
		    sizeof(statbuf) - 1);
		statbuf[statlen] = '\0';
		if (statlen > 1 && statbuf[0] == 'E')
			err_set(err, "sandbox setup: %.*s",
			    (int)strcspn(statbuf + 1, "\n"), statbuf + 1);
		else
			err_set(err, "sandbox: joiner failed");
		goto out;
	}
	/* what J made in the slot's mount namespace stays there */
	for (i = 0; i < c.n_new_tops && sb->ntops < SLOT_MAX_TOPS; i++)
		snprintf(sb->tops[sb->ntops++], sizeof(sb->tops[0]), "%s",
		    c.new_tops[i]);
	if (c.box_make != NULL)
		box_made(spec->box, sb->gen);
	/* the run's new network namespace becomes the slot's */
	if (c.new_netns && (sb->netns_fd = open_proc(pid, "ns/net")) != -1)
		sb->unix_fd = open_proc(pid, "net/unix");

	/* while I builds its root */
	snprintf(name, sizeof(name), "s%u-%d-%lu", sb->slot, (int)getpid(),
	    sb->seq++);
	if (cgroup_run_create(&cg, &sb->cg, name, &spec->lim, err) == -1)
		goto kill;
	cg_made = 1;
	if (cgroup_run_attach(&cg, pid, err) == -1)
		goto kill;
	/* syncp[1] stays open: I takes EOF before "run" for our death */
	if (write(syncp[1], "r", 1) != 1) {
		err_errno(err, "start box");
		goto kill;
	}

	deadline = t0 + (int64_t)spec->lim.wall_ms * 1000;
	next_cpu = t0;
	while (statp[0] != -1 || outp[0] != -1 || errp[0] != -1) {
		now = util_mono_us();
		if (killed_for == SANDBOX_OK && now >= deadline) {
			killed_for = SANDBOX_WTLE;
			kill(pid, SIGKILL);
		}
		/*
		 * CPU over the whole tree from the cgroup.  The tree cannot
		 * use more than ncpu x wall, so the next look is due when
		 * even that could not have reached the limit.
		 */
		timeout = (int)((deadline - now) / 1000) + 1;
		if (killed_for == SANDBOX_OK && spec->lim.cpu_ms > 0 &&
		    sb->cg.kind != SANDBOX_CG_NONE && now >= next_cpu &&
		    (cpu_us = cgroup_run_cpu_us(&cg)) >= 0) {
			int64_t	left = (int64_t)spec->lim.cpu_ms * 1000 - cpu_us;

			if (left <= 0) {
				killed_for = SANDBOX_TLE;
				kill(pid, SIGKILL);
			} else {
				long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

				left /= ncpu > 0 ? ncpu : 1;
				if (left < 2000)
					left = 2000;
				if (left > 100000)
					left = 100000;
				next_cpu = now + left;
			}
		}
		if (killed_for == SANDBOX_OK && spec->lim.cpu_ms > 0 &&
		    sb->cg.kind != SANDBOX_CG_NONE &&
		    (next_cpu - now) / 1000 + 1 < timeout)
			timeout = (int)((next_cpu - now) / 1000) + 1;
		if (killed_for != SANDBOX_OK)
			timeout = 1000;	/* dying; the pipes close soon */

		nfds = 0;
		if (statp[0] != -1)
			pfd[nfds++] = (struct pollfd){ statp[0], POLLIN, 0 };
		if (outp[0] != -1)
			pfd[nfds++] = (struct pollfd){ outp[0], POLLIN, 0 };
		if (errp[0] != -1)
			pfd[nfds++] = (struct pollfd){ errp[0], POLLIN, 0 };
		if (notp[0] != -1)
			pfd[nfds++] = (struct pollfd){ notp[0], POLLIN, 0 };
		if (lfd != -1)
			pfd[nfds++] = (struct pollfd){ lfd, POLLIN, 0 };
		if ((r = poll(pfd, nfds, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			err_errno(err, "poll");
			goto kill;
		}
		for (i = 0; i < nfds; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == statp[0]) {
				ssize_t n = read(statp[0], statbuf + statlen,
				    sizeof(statbuf) - 1 - statlen);

				if (n > 0)
					statlen += (size_t)n;
				else if (n == 0 || errno != EINTR)
					close_fd(&statp[0]);
				if (statlen == sizeof(statbuf) - 1)
					close_fd(&statp[0]);
			} else if (pfd[i].fd == outp[0]) {
				if (drain(outp[0], &out) <= 0)
					close_fd(&outp[0]);
				else if (out.truncated &&
				    killed_for == SANDBOX_OK) {
					killed_for = SANDBOX_OLE;
					kill(pid, SIGKILL);
				}
			} else if (pfd[i].fd == errp[0]) {
				if (drain(errp[0], &eout) <= 0)
					close_fd(&errp[0]);
				else if (eout.truncated &&
				    killed_for == SANDBOX_OK) {
					killed_for = SANDBOX_OLE;
					kill(pid, SIGKILL);
				}
			} else if (pfd[i].fd == notp[0]) {
				/* R's one message: the listener, or EOF */
				lfd = sandbox_recv_fd(notp[0]);
				close_fd(&notp[0]);
			} else if (pfd[i].fd == lfd) {
				if (!(pfd[i].revents & POLLIN) ||
				    seccomp_notify_answer(lfd, res) == -1)
					close_fd(&lfd);
				else if (res->denied_count >
				    SANDBOX_DENY_MAX &&
				    killed_for == SANDBOX_OK) {
					killed_for = SANDBOX_SV;
					kill(pid, SIGKILL);
				}
			}
		}
	}
	while (waitpid(pid, &wst, 0) == -1 && errno == EINTR)
		;
	pid = -1;
	now = util_mono_us();

	/* what I said: setup errors, then its report */
	/* the message ends at its newline; I's report may follow it */
	if (statlen > 0 && statbuf[0] == 'E') {
		statbuf[statlen] = '\0';
		err_set(err, "sandbox setup: %.*s",
		    (int)strcspn(statbuf + 1, "\n"), statbuf + 1);
		goto out;
	}
	if (statlen == 1 + sizeof(rep) && statbuf[0] == 'S') {
		memcpy(&rep, statbuf + 1, sizeof(rep));
		have_report = 1;
	} else if (killed_for == SANDBOX_OK) {
		err_set(err, "sandbox: init died without a report (status %d)",
		    wst);
		goto out;
	}

	res->wall_ms = (uint32_t)((now - t0) / 1000);
	res->cgroup = sb->cg.kind;
	if (sb->cg.kind != SANDBOX_CG_NONE &&
	    (cpu_us = cgroup_run_cpu_us(&cg)) >= 0) {
		res->cpu_ms = (uint32_t)(cpu_us / 1000);
		res->mem_peak_bytes = cgroup_run_mem_peak(&cg);
		res->mem_exact = 1;
		res->oom_killed = cgroup_run_oom_kills(&cg) > 0;
		/* the cgroup holds I too: the program's are one fewer */
		res->procs_peak = cgroup_run_procs_peak(&cg);
		if (res->procs_peak > 0)
			res->procs_peak--;
		res->procs_limited = cgroup_run_procs_limited(&cg);
	} else if (have_report) {
		res->cpu_ms = tv_ms(&rep.ru_all.ru_utime) +
		    tv_ms(&rep.ru_all.ru_stime);
		res->mem_peak_bytes = (uint64_t)rep.ru_all.ru_maxrss * 1024;
		res->mem_exact = 0;
	}
	/* the RLIMIT_AS fallback shows up as a failed allocation */
	if (!res->oom_killed && spec->lim.mem_bytes > 0 &&
	    res->mem_peak_bytes >= spec->lim.mem_bytes &&
	    have_report && WIFSIGNALED(rep.status) &&
	    WTERMSIG(rep.status) == SIGKILL)
		res->oom_killed = 1;
	out.data[out.len] = '\0';
	eout.data[eout.len] = '\0';
	res->out = out.data;
	res->out_len = out.len;
	res->out_truncated = out.truncated || out.len >= out.cap;
	res->errout = eout.data;
	res->errout_len = eout.len;
	res->errout_truncated = eout.truncated || eout.len >= eout.cap;
	out.data = eout.data = NULL;
	sandbox_classify(res, &spec->lim, have_report ? rep.status : wst,
	    killed_for);
	rc = 0;
	goto out;
kill:
	if (pid != -1) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
out:
	close_fd(&syncp[0]);
	close_fd(&syncp[1]);
	close_fd(&statp[0]);
	close_fd(&statp[1]);
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&notp[0]);
	close_fd(&notp[1]);
	close_fd(&lfd);
	close_fd(&stdin_fd);
	if (jpid != -1)
		while (waitpid(jpid, NULL, 0) == -1 && errno == EINTR)
			;
	if (cg_made) {
		if (cgroup_run_nprocs(&cg) > 0)
			cgroup_run_kill(&cg);
		(void)cgroup_run_destroy(&cg, NULL);
	}
	free(out.data);
	free(eout.data);
	return rc;
}

/* The highest capability this kernel knows (for R's bounding set). */
static int
read_cap_last(void)
{
	char	buf[16];
	ssize_t	n;
	int	fd, v = 63;

	if ((fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return v;
	if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		v = atoi(buf);
		if (v < CAP_LAST_CAP || v > 63)
			v = 63;
	}
	close(fd);
	return v;
}

void
sandbox_result_reset(struct sandbox_result *res)
{
	free(res->out);
	free(res->errout);
	memset(res, 0, sizeof(*res));
}

/*
 * box_root is the mount point of the slot tmpfs (in the slot's mount
 * namespace only): it must be ours and nobody else's to enter, never a
 * link.  Made 0700 if missing.  When the box's uid is not ours, it must
 * also be able to reach it: every dir above it searchable by others.
 * Sets sb->box_root to its absolute path.
 */
static int
check_box_root(struct sandbox *sb, const char *path, struct err *err)
{
	struct stat	st;
	char		abs[PATH_MAX], *p;

	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return err_errno(err, "mkdir %s", path);
	if (lstat(path, &st) == -1)
		return err_errno(err, "box_root %s", path);
	if (S_ISLNK(st.st_mode))
		return err_set(err, "box_root %s is a symbolic link", path);
	if (!S_ISDIR(st.st_mode))
		return err_set(err, "box_root %s is not a directory", path);
	if (st.st_uid != geteuid())
		return err_set(err, "box_root %s belongs to uid %u, not to "
		    "this user (%u)", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
	if ((st.st_mode & 077) != 0)
		return err_set(err, "box_root %s has mode %04o: it must be "
		    "0700 or stricter (chmod 700 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
	if (realpath(path, abs) == NULL)
		return err_errno(err, "realpath %s", path);
	if (strlen(abs) >= sizeof(sb->box_root) - 80)
		return err_set(err, "box_root %.200s: path too long", abs);
	memcpy(sb->box_root, abs, strlen(abs) + 1);
	if (sb->ids == SANDBOX_IDS_SELF)
		return 0;
	while ((p = strrchr(abs, '/')) != NULL) {
		if (p == abs)
			p[1] = '\0';
		else
			*p = '\0';
		if (stat(abs, &st) == -1)
			return err_errno(err, "stat %s", abs);
		if (!(st.st_mode & S_IXOTH))
			return err_set(err, "%s (mode %04o) is not searchable "
			    "by others: the boxes' uid must pass it to reach "
			    "box_root %s", abs,
			    (unsigned)(st.st_mode & 07777), sb->box_root);
		if (p == abs)
			break;
	}
	return 0;
}

struct sandbox *
sandbox_open(const struct sandbox_config *cfg, struct err *err)
{
	struct sandbox	*sb;
	int		 i;

	if ((sb = calloc(1, sizeof(*sb))) == NULL) {
		err_errno(err, "calloc");
		return NULL;
	}
	sb->userns_fd = sb->mntns_fd = sb->netns_fd = sb->unix_fd = -1;
	sb->devset_fd = -1;
	sb->slot = cfg->slot;
	slot_ids_detect(sb, cfg->uid_base);
	if (check_box_root(sb, cfg->box_root, err) == -1)
		goto fail;
	slot_devices_claim(sb, cfg->dev_pool);
	/* one mapping, each stack above a guard page: [g][J][g][I][g][R] */
	if ((sb->stacks = mmap(NULL, NSTACKS * (PAGE_GUARD + STACK_SIZE),
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
	    -1, 0)) == MAP_FAILED) {
		sb->stacks = NULL;
		err_errno(err, "mmap stacks");
		goto fail;
	}
	for (i = 0; i < NSTACKS; i++)
		if (mprotect(sb->stacks + i * (PAGE_GUARD + STACK_SIZE),
		    PAGE_GUARD, PROT_NONE) == -1) {
			err_errno(err, "mprotect stack guard");
			goto fail;
		}
	sb->cap_last = read_cap_last();
	/* mount_setattr(2) is 5.12: ENOSYS before, EBADF or EINVAL here */
	sb->have_setattr = mount_setattr(-1, "", 0, NULL, 0) == -1 &&
	    errno != ENOSYS;
	cgroup_detect(&sb->cg, "/sys/fs/cgroup", cfg->cgroup_base);
	sb->notify = seccomp_notify_supported();
	if (seccomp_prog_build(&sb->seccomp, sb->notify, 1, err) == -1)
		goto fail;
	return sb;
fail:
	sandbox_close(sb);
	return NULL;
}

void
sandbox_close(struct sandbox *sb)
{
	if (sb == NULL)
		return;
	slot_ns_close(sb);
	if (sb->devset_fd != -1)
		close(sb->devset_fd);
	if (sb->stacks != NULL)
		munmap(sb->stacks, NSTACKS * (PAGE_GUARD + STACK_SIZE));
	seccomp_prog_reset(&sb->seccomp);
	free(sb);
}

enum sandbox_cgroup
sandbox_cgroup_backend(const struct sandbox *sb)
{
	return sb->cg.kind;
}

const char *
sandbox_cgroup_name(enum sandbox_cgroup kind)
{
	switch (kind) {
	case SANDBOX_CG_V1:
		return "cgroup-v1";
	case SANDBOX_CG_V2:
		return "cgroup-v2";
	default:
		return "none";
	}
}

const char *
sandbox_status_name(enum sandbox_status st)
{
	static const char *const names[] = {
		[SANDBOX_OK] = "OK", [SANDBOX_RE] = "RE", [SANDBOX_SIG] = "SIG",
		[SANDBOX_TLE] = "TLE", [SANDBOX_WTLE] = "WTLE",
		[SANDBOX_MLE] = "MLE", [SANDBOX_OLE] = "OLE",
		[SANDBOX_SV] = "SV",
	};

	if ((unsigned)st >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[st];
}

int
sandbox_probe_host(struct sandbox *sb, struct sandbox_host *h,
    struct err *err)
{
	struct sandbox_spec	spec;
	struct sandbox_result	res;
	struct utsname		u;
	static const char *const argv[] = { "/bin/true", NULL };
	static const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	int			i;

	memset(h, 0, sizeof(*h));
	h->cgroup = sb->cg.kind;
	if (sb->cg.kind == SANDBOX_CG_V2)
		snprintf(h->cgroup_path, sizeof(h->cgroup_path), "%.250s",
		    sb->cg.base[0]);
	else if (sb->cg.kind == SANDBOX_CG_V1)
		snprintf(h->cgroup_path, sizeof(h->cgroup_path), "%.250s",
		    sb->cg.base[0]);
	if (sb->cg.kind == SANDBOX_CG_V1) {
		static const char *const names[] = {
			"memory", "pids", "cpuacct", "freezer"
		};
		for (i = 0; i < CG_NCTRL; i++)
			if (sb->cg.base[i][0] != '\0') {
				strncat(h->controllers, names[i],
				    sizeof(h->controllers) -
				    strlen(h->controllers) - 2);
				strcat(h->controllers, " ");
			}
	} else if (sb->cg.kind == SANDBOX_CG_V2)
		snprintf(h->controllers, sizeof(h->controllers),
		    "memory pids cpu");
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%.60s %.60s", u.sysname,
		    u.release);
	h->seccomp = sb->seccomp.len > 0;
	h->seccomp_notify = sb->notify;
	h->pids = sb->cg.kind == SANDBOX_CG_V2 ||
	    (sb->cg.kind == SANDBOX_CG_V1 && sb->cg.base[1][0] != '\0');
	/* v1: memsw exists with swap accounting; v2: memory.swap.max */
	if (sb->cg.kind == SANDBOX_CG_V1) {
		char	path[400];

		snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes",
		    sb->cg.base[0]);
		h->swap_off = access(path, F_OK) == 0;
	} else if (sb->cg.kind == SANDBOX_CG_V2) {
		char	path[400];

		snprintf(path, sizeof(path), "%s/memory.swap.max",
		    sb->cg.base[0]);
		h->swap_off = access(path, F_OK) == 0;
	}
	h->ia32 = sandbox_host_ia32() == 1;
	h->ids = sb->ids;
	h->box_uid = (uint32_t)sb->outer_uid;
	h->private_devices = sb->dev_dir[0] != '\0';
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.envp = envp;
	spec.box = NULL;
	spec.lim.wall_ms = 5000;
	spec.lim.cpu_ms = 2000;
	spec.lim.mem_bytes = 64 << 20;
	spec.lim.max_procs = 8;
	if (sandbox_run(sb, &spec, &res, err) == -1)
		return -1;
	h->userns = res.status == SANDBOX_OK;
	/* the run made the slot: its system dirs are overlaid now */
	h->private_fs = sb->ntops > 0;
	sandbox_result_reset(&res);
	return 0;
}

int
sandbox_host_ia32(void)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		long	rc = -1;

		/* a test harness's handler must not catch what we probe */
		(void)signal(SIGSEGV, SIG_DFL);
#if defined(__x86_64__)
		/* 20 = getpid on i386 */
		__asm__ volatile ("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
#endif
		_exit(rc == getpid() ? 0 : 1);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st) == 0;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV ? 0 : -1;
}
