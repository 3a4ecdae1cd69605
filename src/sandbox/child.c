/*
 * The sandbox's children: J, I, R, H and the box helpers (see the
 * theory block in sandbox.c), and P's few ways of starting and talking
 * to them.  What the children run is cloned by P, most of it with
 * CLONE_VM on a borrowed stack in P's memory: no
 * malloc, no stdio streams, no locks, and raw system calls only (RAW,
 * rawsys.h), which leave libc's errno (P's) alone; a step either
 * succeeds or writes one line to the status pipe and exits.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/sched.h>		/* struct clone_args */
#include <linux/seccomp.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
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
#include "rawsys.h"

/* the program's dynamic section (the linker's; absent when static, not
 * static-pie) */
extern ElfW(Dyn)	_DYNAMIC[] __attribute__((weak));

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
/* in the children: no allocation, no stdio, one message then exit      */

/*
 * The children make their system calls through RAW (rawsys.h), which
 * returns -errno and leaves libc's errno alone: H, I and R run in P's
 * memory while P goes on, and errno is P's there.  P's own functions
 * here (the sandbox_*_msg wrappers, child_may_share, child_clone,
 * child_sys_tops) use libc as P does anywhere.  r is what the failed
 * call returned.
 */
static void __attribute__((noreturn, format(printf, 3, 4)))
fd_die(int status_wr, long r, const char *fmt, ...)
{
	char		 msg[256];
	const char	*why;
	int		 n;
	va_list		 ap;

	msg[0] = 'E';
	va_start(ap, fmt);
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n + 1 >= sizeof(msg))
		n = sizeof(msg) - 2;
	n++;
	if ((why = strerrordesc_np((int)-r)) == NULL)
		why = "unknown error";
	n += snprintf(msg + n, sizeof(msg) - n, ": %s\n", why);
	if (n >= (int)sizeof(msg)) {
		n = sizeof(msg) - 1;
		msg[n - 1] = '\n';
	}
	(void)RAW(SYS_write, status_wr, msg, n);
	(void)RAW(SYS_exit_group, SANDBOX_EXIT_SETUP);
	__builtin_unreachable();
}

#define child_die(c, r, ...)	fd_die((c)->status_wr, (r), __VA_ARGS__)

/* The mount flags a bind must keep (the kernel locks them in a userns). */
static unsigned long
locked_flags(const char *path)
{
	struct statfs	sf;
	unsigned long	f = 0;

	/* statfs(2)'s f_flags are statvfs(3)'s ST_ flags (Linux 2.6.36) */
	if (RAW(SYS_statfs, path, &sf) < 0)
		return 0;
	if (sf.f_flags & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sf.f_flags & ST_NOATIME)
		f |= MS_NOATIME;
	if (sf.f_flags & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sf.f_flags & ST_RELATIME)
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
	long			r;

	if (c->sb->have_setattr) {
		memset(&ma, 0, sizeof(ma));
		ma.attr_set = (flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
		    (flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
		    (flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
		    (flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
		if ((r = RAW(SYS_mount_setattr, AT_FDCWD, dst, recursive ?
		    AT_RECURSIVE : 0, &ma, sizeof(ma))) < 0)
			child_die(c, r, "mount_setattr %s", dst);
	} else if (!recursive && (r = RAW(SYS_mount, NULL, dst, NULL,
	    MS_BIND | MS_REMOUNT | flags | locked_flags(dst), NULL)) < 0)
		child_die(c, r, "remount %s", dst);
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
	long	r;

	if ((r = S_ISDIR(mode) ? RAW(SYS_mkdirat, AT_FDCWD, dst, 0755) :
	    RAW(SYS_mknodat, AT_FDCWD, dst, S_IFREG | 0644, 0)) < 0 &&
	    r != -EEXIST)
		child_die(c, r, "mountpoint %s", dst);
	if ((r = RAW(SYS_mount, src, dst, NULL, MS_BIND | MS_REC, NULL)) < 0)
		child_die(c, r, "bind %s", src);
	if (!c->sb->have_setattr)
		add_flags(c, dst, MS_RDONLY | MS_NOSUID | MS_NODEV, 0);
}

/* mkdir -p for a path relative to the current directory: 0 or -errno */
static long
mkdirs(char *path)
{
	char	*p;
	long	 r;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		r = RAW(SYS_mkdirat, AT_FDCWD, path, 0755);
		*p = '/';
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

static void
mount_tmpfs(const struct child_ctx *c, const char *dst, unsigned long flags,
    const char *mode, uint64_t bytes, uint32_t inodes)
{
	char	opts[96];
	long	r;

	snprintf(opts, sizeof(opts), "mode=%s,size=%" PRIu64 ",nr_inodes=%u",
	    mode, bytes, inodes);
	if ((r = RAW(SYS_mount, "tmpfs", dst, "tmpfs", flags, opts)) < 0)
		child_die(c, r, "mount tmpfs on %s", dst);
}

/* Binds a scratch dir at dst: writable, nosuid, nodev, noexec. */
static void
bind_scratch(const struct child_ctx *c, const char *src, const char *dst)
{
	long	r;

	if ((r = RAW(SYS_mount, src, dst, NULL, MS_BIND, NULL)) < 0)
		child_die(c, r, "bind %s", dst);
	add_flags(c, dst, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
}

static void
write_file_at(const struct child_ctx *c, const char *path, const char *s)
{
	long	fd, r;
	size_t	len = strlen(s);

	if ((fd = RAW(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT |
	    O_EXCL | O_CLOEXEC, 0644)) < 0)
		child_die(c, fd, "write %s", path);
	if ((r = RAW(SYS_write, fd, s, len)) != (long)len)
		child_die(c, r < 0 ? r : -EIO, "write %s", path);
	(void)RAW(SYS_close, fd);
}

/*
 * The part of the box's root that every run of the slot shares, made once
 * by H in the slot's mount namespace at box_root/ROOT_DIR: a tmpfs with
 * read-only nosuid nodev binds of the system dirs and a whitelisted part
 * of /etc, passwd, group and hostname, the mount points of the rest, and
 * a /dev of the slot's nodes (read-only, the nodes writable).  A run gets
 * it in the copy of the slot's mount namespace that J's unshare(2) makes,
 * so I no longer makes some forty mounts, links and files each time.  Its
 * root stays writable in the slot: I adds the mount points of a
 * language's paths, then makes its own copy of the root read-only.  H
 * makes it before any run's J overlays a language's dirs, so that the
 * device nodes are bound from the host's tree as it is (a node seen
 * through a nodev overlay of, say, /var would not open).
 */
static void
make_root(const struct child_ctx *c)
{
	char			 path[PATH_MAX], src[64], target[PATH_MAX];
	struct stat		 st;
	struct mount_attr	 ma;
	size_t			 i;
	long			 r, n;
	unsigned long		 nsd = MS_NOSUID | MS_NODEV;

	/* modes as written below (R sets the program's umask) */
	(void)RAW(SYS_umask, 0);
	if ((r = RAW(SYS_mkdirat, AT_FDCWD, ROOT_DIR, 0755)) < 0)
		child_die(c, r, "root mount point");
	mount_tmpfs(c, ROOT_DIR, nsd, "0755", 8u << 20, 512);
	if ((r = RAW(SYS_chdir, ROOT_DIR)) < 0)
		child_die(c, r, "chdir root");

	for (i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]); i++) {
		snprintf(path, sizeof(path), "/%s", sys_dirs[i]);
		if (RAW(SYS_newfstatat, AT_FDCWD, path, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			/* merged /usr: /bin -> usr/bin */
			if ((n = RAW(SYS_readlinkat, AT_FDCWD, path, target,
			    sizeof(target) - 1)) < 0)
				child_die(c, n, "readlink %s", path);
			target[n] = '\0';
			if ((r = RAW(SYS_symlinkat, target, AT_FDCWD,
			    sys_dirs[i])) < 0)
				child_die(c, r, "symlink %s", sys_dirs[i]);
		} else if (S_ISDIR(st.st_mode))
			bind_at(c, path, sys_dirs[i], st.st_mode);
	}

	if ((r = RAW(SYS_mkdirat, AT_FDCWD, "etc", 0755)) < 0)
		child_die(c, r, "mkdir etc");
	for (i = 0; i < sizeof(etc_entries) / sizeof(etc_entries[0]); i++) {
		snprintf(path, sizeof(path), "/etc/%s", etc_entries[i]);
		snprintf(target, sizeof(target), "etc/%s", etc_entries[i]);
		if (RAW(SYS_newfstatat, AT_FDCWD, path, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			if ((n = RAW(SYS_readlinkat, AT_FDCWD, path, src,
			    sizeof(src) - 1)) < 0)
				continue;
			src[n] = '\0';
			if ((r = RAW(SYS_symlinkat, src, AT_FDCWD, target)) < 0)
				child_die(c, r, "symlink %s", target);
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

	if (c->sb->prepared_dir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/%s", c->sb->box_root,
		    PREPARED_DIR);
		bind_at(c, path, SANDBOX_PREPARED + 1, S_IFDIR);
	}

	/* the rest of the root's mount points */
	if ((r = RAW(SYS_mkdirat, AT_FDCWD, "box", 0755)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "tmp", 0755)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "dev", 0755)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "proc", 0555)) < 0)
		child_die(c, r, "mount points");
	if (c->sb->have_setattr) {
		/* the binds so far read-only; the root itself not yet */
		add_flags(c, ".", MS_RDONLY | nsd, 1);
		memset(&ma, 0, sizeof(ma));
		ma.attr_clr = MOUNT_ATTR_RDONLY;
		if ((r = RAW(SYS_mount_setattr, AT_FDCWD, ".", 0, &ma,
		    sizeof(ma))) < 0)
			child_die(c, r, "mount_setattr root");
	}

	mount_tmpfs(c, "dev", MS_NOSUID | MS_NOEXEC, "0755", 64u << 10, 64);
	for (i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		/* the slot's own nodes (slot.c), else the host's */
		snprintf(path, sizeof(path), "%s/%s", c->sb->dev_dir[0] !=
		    '\0' ? c->sb->dev_dir : "/dev", dev_nodes[i]);
		snprintf(target, sizeof(target), "dev/%s", dev_nodes[i]);
		/* not bind_at: the nodes keep dev, and stay writable */
		if ((r = RAW(SYS_mknodat, AT_FDCWD, target, S_IFREG | 0644,
		    0)) < 0 || (r = RAW(SYS_mount, path, target, NULL,
		    MS_BIND, NULL)) < 0)
			child_die(c, r, "bind %s", path);
	}
	if ((r = RAW(SYS_symlinkat, "/proc/self/fd", AT_FDCWD,
	    "dev/fd")) < 0 ||
	    (r = RAW(SYS_symlinkat, "/proc/self/fd/0", AT_FDCWD,
	    "dev/stdin")) < 0 ||
	    (r = RAW(SYS_symlinkat, "/proc/self/fd/1", AT_FDCWD,
	    "dev/stdout")) < 0 ||
	    (r = RAW(SYS_symlinkat, "/proc/self/fd/2", AT_FDCWD,
	    "dev/stderr")) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "dev/shm", 0755)) < 0)
		child_die(c, r, "populate dev");
	if ((r = RAW(SYS_mount, NULL, "dev", NULL, MS_REMOUNT | MS_RDONLY |
	    MS_NOSUID | MS_NOEXEC, NULL)) < 0)
		child_die(c, r, "remount dev read-only");
}

/*
 * Finishes the box's root (make_root's, copied with the run's mount
 * namespace) and pivots into it.  On /tmp (bubblewrap's trick: /tmp
 * always exists and this mount namespace is private) goes the run's
 * scratch tmpfs, size- and inode-capped: it holds everything the program
 * may write (the overlay's upper layer over /box, /tmp and /dev/shm, so
 * the caps hold for the three together; its pages are charged to the
 * run's memory cgroup).  Whatever is not bound into the new root (the
 * scratch tmpfs's own top, the host's tree, the slot tmpfs) goes with
 * the old root in one detach.
 */
static void
setup_mounts(const struct child_ctx *c)
{
	const struct sandbox_spec	*spec = c->spec;
	char				 path[PATH_MAX], src[64], target[PATH_MAX];
	struct stat			 st;
	const char *const		*rp;
	unsigned long			 nsd = MS_NOSUID | MS_NODEV;
	long				 box_fd, root_fd, r;

	if ((r = RAW(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE,
	    NULL)) < 0)
		child_die(c, r, "make / private");
	/*
	 * The box is bound from an fd opened here, in our own mount
	 * namespace (P's fd belongs to the host's, which mount(2) refuses),
	 * and before the scratch tmpfs may hide box_root under /tmp; so is
	 * the root.
	 */
	box_fd = -1;
	if (c->box_path[0] != '\0' && (box_fd = RAW(SYS_openat, AT_FDCWD,
	    c->box_path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		child_die(c, box_fd, "open box");
	snprintf(path, sizeof(path), "%s/%s", c->sb->box_root, ROOT_DIR);
	if ((root_fd = RAW(SYS_openat, AT_FDCWD, path, O_PATH | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		child_die(c, root_fd, "open root");
	/* modes as written below (R sets the program's umask) */
	(void)RAW(SYS_umask, 0);
	mount_tmpfs(c, "/tmp", nsd, "0755", c->tmp_bytes, c->tmp_inodes);
	if ((r = RAW(SYS_mkdirat, AT_FDCWD, "/tmp/u", 0755)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "/tmp/w", 0755)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "/tmp/tmp", 01777)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, "/tmp/shm", 01777)) < 0 ||
	    (r = RAW(SYS_fchownat, AT_FDCWD, "/tmp/u", SANDBOX_INNER_UID,
	    SANDBOX_INNER_GID, 0)) < 0)
		child_die(c, r, "scratch dirs");
	if ((r = RAW(SYS_fchdir, root_fd)) < 0)
		child_die(c, r, "chdir root");
	(void)RAW(SYS_close, root_fd);

	/*
	 * Extra read-only paths of the language (absolute, no ".."); their
	 * mount points stay in the slot's root for later runs.
	 */
	for (rp = spec->ro_paths; rp != NULL && *rp != NULL; rp++) {
		if ((*rp)[0] != '/' || strstr(*rp, "..") != NULL ||
		    RAW(SYS_newfstatat, AT_FDCWD, *rp, &st, 0) < 0)
			continue;
		snprintf(target, sizeof(target), ".%s", *rp);
		if ((r = mkdirs(target)) < 0)
			child_die(c, r, "mountpoint %s", target);
		bind_at(c, *rp, target, st.st_mode);
		if (c->sb->have_setattr)
			add_flags(c, target, MS_RDONLY | nsd, 1);
	}
	/*
	 * The run's copy of the root is done: read-only, as a flag of this
	 * mount (a remount of the tmpfs itself would make the slot's root
	 * read-only for the runs to come).
	 */
	add_flags(c, ".", MS_RDONLY | nsd, 0);

	/* /box */
	if (box_fd != -1) {
		snprintf(src, sizeof(src), "/proc/self/fd/%ld", box_fd);
		if (spec->box_mode == SANDBOX_BOX_RW) {
			if ((r = RAW(SYS_mount, src, "box", NULL, MS_BIND,
			    NULL)) < 0)
				child_die(c, r, "bind box");
			add_flags(c, "box", nsd, 0);
		} else {
			/*
			 * A writable layer over the read-only box: the
			 * program may write in its cwd, the box on the host
			 * stays as the compile left it.  The lower layer is
			 * bound on the scratch tmpfs's top, which goes with
			 * the old root.
			 */
			if ((r = RAW(SYS_mkdirat, AT_FDCWD, "/tmp/lower",
			    0755)) < 0 || (r = RAW(SYS_mount, src, "/tmp/lower",
			    NULL, MS_BIND, NULL)) < 0)
				child_die(c, r, "bind box lower");
			if ((r = RAW(SYS_mount, "overlay", "box", "overlay", nsd,
			    "lowerdir=/tmp/lower,upperdir=/tmp/u,"
			    "workdir=/tmp/w,userxattr")) < 0)
				child_die(c, r, "mount overlay on box");
		}
		(void)RAW(SYS_close, box_fd);
	}

	bind_scratch(c, "/tmp/tmp", "tmp");
	bind_scratch(c, "/tmp/shm", "dev/shm");

	if (RAW(SYS_mount, "proc", "proc", "proc", nsd | MS_NOEXEC,
	    "hidepid=invisible") < 0 && (r = RAW(SYS_mount, "proc", "proc",
	    "proc", nsd | MS_NOEXEC, NULL)) < 0)
		child_die(c, r, "mount proc");

	/* pivot_root(".", ".") stacks the old root under the new one */
	if ((r = RAW(SYS_pivot_root, ".", ".")) < 0)
		child_die(c, r, "pivot_root");
	if ((r = RAW(SYS_umount2, ".", MNT_DETACH)) < 0)
		child_die(c, r, "detach old root");
	if ((r = RAW(SYS_chdir, "/")) < 0)
		child_die(c, r, "chdir /");
	if ((r = RAW(SYS_chdir, spec->box != NULL ? "/box" : "/tmp")) < 0)
		child_die(c, r, "chdir box");
}

static void
set_rlimit(const struct child_ctx *c, int res, rlim_t soft, rlim_t hard)
{
	struct rlimit	rl = { soft, hard };
	long		r;

	if ((r = RAW(SYS_prlimit64, 0, res, &rl, NULL)) < 0)
		child_die(c, r, "setrlimit %d", res);
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
	long				r;

	if ((r = RAW(SYS_prctl, PR_SET_KEEPCAPS, 0)) < 0)
		child_die(c, r, "keepcaps");
	/* raw calls: libc's set*id would signal P's other threads */
	if ((r = RAW(SYS_setresgid, SANDBOX_INNER_GID, SANDBOX_INNER_GID,
	    SANDBOX_INNER_GID)) < 0 || (r = RAW(SYS_setresuid,
	    SANDBOX_INNER_UID, SANDBOX_INNER_UID, SANDBOX_INNER_UID)) < 0)
		child_die(c, r, "setresuid");
	for (cap = 0; cap <= c->sb->cap_last; cap++)
		if ((r = RAW(SYS_prctl, PR_CAPBSET_DROP, cap)) < 0 &&
		    r != -EINVAL)
			child_die(c, r, "drop capability %d", cap);
	if ((r = RAW(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)) <
	    0 && r != -EINVAL)
		child_die(c, r, "clear ambient capabilities");
	memset(data, 0, sizeof(data));
	if ((r = RAW(SYS_capset, &hdr, data)) < 0)
		child_die(c, r, "capset");
	if ((r = RAW(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1)) < 0)
		child_die(c, r, "no_new_privs");
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
		if (RAW(SYS_faccessat, AT_FDCWD, buf, X_OK) == 0)
			return buf;
	}
	return argv0;
}

/*
 * Blocked and ignored signals survive execve: the executor blocks the
 * ones it handles through a signalfd, and a shell may have left SIGINT
 * ignored.  The program starts with every signal at its default.  Where
 * R may share P's memory (SANDBOX_SHARED_INIT) the kernel's sigaction (a
 * handler, flags, a restorer and a 64-bit mask on x86-64) is called raw;
 * elsewhere R has a copy of P's memory, and libc's calls are as good and
 * know their architecture's layout.
 */
static void
reset_signals(void)
{
	int		sig;
#if SANDBOX_SHARED_INIT
	struct {
		void		(*handler)(int);
		unsigned long	flags;
		void		(*restorer)(void);
		uint64_t	mask;
	}		dfl = { SIG_DFL, 0, NULL, 0 };
	uint64_t	none = 0;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)RAW(SYS_rt_sigaction, sig, &dfl, NULL,
			    sizeof(uint64_t));
	(void)RAW(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
	    sizeof(none));
#else
	sigset_t	none;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
#endif
}

/* Sends code, p and fd (-1: none) as one message.  0, or -errno. */
static long
send_msg(int sock, char code, const void *p, size_t len, int fd)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov[2] = { { &code, 1 }, { (void *)(uintptr_t)p,
			    len } };
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} u;
	long		 n;

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	mh.msg_iov = iov;
	mh.msg_iovlen = len > 0 ? 2 : 1;
	if (fd != -1) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	n = RAW(SYS_sendmsg, sock, &mh, MSG_NOSIGNAL);
	return n < 0 ? n : n == (long)(1 + len) ? 0 : -EMSGSIZE;
}

int
sandbox_send_msg(int sock, char code, const void *p, size_t len, int fd)
{
	long	r;

	if ((r = send_msg(sock, code, p, len, fd)) < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

int
sandbox_send_fd(int sock, int fd)
{
	return sandbox_send_msg(sock, 'L', NULL, 0, fd);
}

/*
 * Receives one message of at most size bytes (recvmsg flags) and the
 * first fd that came with it (close-on-exec; *fd, or -1; fd may be NULL);
 * any other is closed.  Returns its length, or -errno (-EMSGSIZE when it
 * was cut).
 */
static long
recv_msg(int sock, char *buf, size_t size, int *fd, int flags)
{
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov = { buf, size };
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} u;
	long		 n;
	int		 got = -1;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	while ((n = RAW(SYS_recvmsg, sock, &mh, MSG_CMSG_CLOEXEC | flags)) ==
	    -EINTR)
		;
	for (cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm != NULL;
	    cm = CMSG_NXTHDR(&mh, cm)) {
		int	fds[4], k, m;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		m = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		m = m > 4 ? 4 : m;
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)m);
		for (k = 0; k < m; k++) {
			if (got == -1 && fd != NULL)
				got = fds[k];
			else
				(void)RAW(SYS_close, fds[k]);
		}
	}
	if (n >= 0 && (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		if (got != -1)
			(void)RAW(SYS_close, got);
		got = -1;
		n = -EMSGSIZE;
	}
	if (fd != NULL)
		*fd = got;
	return n;
}

ssize_t
sandbox_recv_msg(int sock, char *buf, size_t size, int *fd, int flags)
{
	long	n;

	if ((n = recv_msg(sock, buf, size, fd, flags)) < 0) {
		errno = (int)-n;
		return -1;
	}
	return n;
}

static void	take_box_ids(int, const struct sandbox *, int);
static void	take_box_fsids(int);

/*
 * dup2(2) of fd to to, kept across execve: an fd that is there already
 * loses its close-on-exec flag instead (dup3 refuses the same fd).
 */
static long
dup_to(long fd, int to)
{
	return fd == to ? RAW(SYS_fcntl, fd, F_SETFD, 0) :
	    RAW(SYS_dup3, fd, to, 0);
}

/* Never returns: it execs the program or dies in child_die(). */
static int
run_program(struct child_ctx *c)
{
	const struct sandbox_spec	*spec = c->spec;
	struct sock_fprog		 prog;
	char				 buf[PATH_MAX];
	const char			*file;
	long				 in, lfd, fd, r;

	/*
	 * Into the run's memory cgroup (cgroup v1, when I shares P's memory:
	 * I stays out of it, see "Memory" in the theory).  The fd is P's,
	 * and our saved uid is still P's, which is what the kernel asks of a
	 * move: the opener's euid (Linux 5.16 and its stable backports; the
	 * writer's before) is the moved process's real or saved uid.
	 */
	if (c->mem_procs_fd != -1) {
		if ((r = RAW(SYS_write, c->mem_procs_fd, "0", 1)) != 1)
			child_die(c, r < 0 ? r : -EIO, "join the run's memory "
			    "cgroup");
		(void)RAW(SYS_close, c->mem_procs_fd);
	}
	/* our saved ids were P's for that move: now the box's too */
	take_box_ids(c->status_wr, c->sb, 0);
	/* in the run's cgroups now: they are the namespace's root */
	if ((r = RAW(SYS_unshare, CLONE_NEWCGROUP)) < 0 &&
	    c->sb->cg.kind != SANDBOX_CG_NONE)
		child_die(c, r, "unshare cgroup namespace");
	(void)RAW(SYS_setsid);
	reset_signals();
	if ((in = c->stdin_fd) == -1 && (in = RAW(SYS_openat, AT_FDCWD,
	    "/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		child_die(c, in, "open /dev/null");
	if ((r = dup_to(in, 0)) < 0 || (r = dup_to(c->out_wr, 1)) < 0 ||
	    (r = dup_to(spec->stderr_to_stdout ? c->out_wr : c->err_wr,
	    2)) < 0)
		child_die(c, r, "dup2");
	/*
	 * The status pipe moves to fd 3 and the notify socket to fd 4, so
	 * that close_range keeps nothing else; both go before execve.
	 */
	if ((r = RAW(SYS_dup3, c->status_wr, 3, O_CLOEXEC)) < 0 ||
	    (c->notify_wr != -1 && (r = RAW(SYS_dup3, c->notify_wr, 4,
	    O_CLOEXEC)) < 0))
		child_die(c, r, "dup3");
	c->status_wr = 3;
	if ((r = RAW(SYS_close_range, c->notify_wr != -1 ? 5 : 4, ~0U,
	    0)) < 0)
		child_die(c, r, "close_range");
	setup_rlimits(c);
	/*
	 * When the run's cgroup runs out of memory, the kernel's OOM killer
	 * should pick the program, not I, whose death loses the report.
	 * Raising one's own score needs no privilege and children inherit
	 * it; a vfork child's score is its own, so I keeps P's.  The file is
	 * root's while we are not dumpable, hence the brief switch of this
	 * mm (I waits for us; P, when I shares its memory, may go on
	 * meanwhile, not dumpable again a moment later; execve decides our
	 * dumpability afresh).
	 */
	if ((r = RAW(SYS_prctl, PR_SET_DUMPABLE, 1)) < 0 ||
	    (r = fd = RAW(SYS_openat, AT_FDCWD, "/proc/self/oom_score_adj",
	    O_WRONLY | O_CLOEXEC)) < 0 ||
	    (r = RAW(SYS_write, fd, "1000", 4)) != 4)
		child_die(c, r < 0 ? r : -EIO, "oom_score_adj");
	(void)RAW(SYS_close, fd);
	if ((r = RAW(SYS_prctl, PR_SET_DUMPABLE, 0)) < 0)
		child_die(c, r, "dumpable");
	drop_privileges(c);
	(void)RAW(SYS_umask, 022);
	file = find_program(spec->argv[0], spec->envp, buf, sizeof(buf));
	prog.len = c->sb->seccomp.len;
	/* the kernel only reads it; sock_fprog has no const */
	prog.filter = (struct sock_filter *)(uintptr_t)c->sb->seccomp.filter;
	if (c->notify_wr == -1) {
		if ((r = RAW(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
		    &prog)) < 0)
			child_die(c, r, "seccomp");
	} else {
		if ((lfd = RAW(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)) < 0)
			child_die(c, lfd, "seccomp");
		if ((r = send_msg(4, 'L', NULL, 0, (int)lfd)) < 0)
			child_die(c, r, "send seccomp listener");
		(void)RAW(SYS_close, lfd);
		(void)RAW(SYS_close, 4);
	}
	r = RAW(SYS_execve, file, spec->argv, spec->envp);
	child_die(c, r, "exec %s", spec->argv[0]);
}

/*
 * R starts here, with CLONE_VM | CLONE_VFORK: in I's memory, on its own
 * stack, with its own fd table and signal handlers, while I waits for
 * its execve.  So it must not allocate or change I's data (it works on
 * its own copy of the context), and it uses the raw set*id calls: libc's
 * wrappers would signal the threads of whatever process I's memory was
 * copied from, or is (P's).
 *
 * J, K, I, H and R leave their clone(2) functions by returning (clone
 * exits with the value) rather than by _exit(2), so that a sanitizer
 * build makes no noreturn call on these stacks of ours; an I made by
 * clone3 returns through J's frames (clone_into_cgroup).
 */
static int
run_main(void *arg)
{
	struct child_ctx	c = *(const struct child_ctx *)arg;

	return run_program(&c);
}

/*
 * Sends P our network namespace and its socket table, when the run has
 * a new one, which is to become the slot's: P cannot open them through
 * /proc, as we are not dumpable and P has no CAP_SYS_PTRACE.
 */
static void
send_netns(const struct child_ctx *c)
{
	static const char *const what[2] = { "/proc/self/ns/net",
					      "/proc/self/net/unix" };
	static const char	 code[2] = { 'N', 'U' };
	long			 fd, r;
	int			 i;

	for (i = 0; i < 2; i++) {
		if ((fd = RAW(SYS_openat, AT_FDCWD, what[i], O_RDONLY |
		    O_CLOEXEC)) < 0)
			child_die(c, fd, "open %s", what[i]);
		if ((r = send_msg(c->sync_fd, code[i], NULL, 0, (int)fd)) < 0)
			child_die(c, r, "send %s", what[i]);
		(void)RAW(SYS_close, fd);
	}
}

static int
init_main(void *arg)
{
	struct child_ctx	*c = arg;
	struct init_report	 rep;
	char			 msg[1 + sizeof(rep)];
	long			 prog, pid, r;
	int			 st;
	struct rusage		 ru;
	struct pollfd		 pfd;
	struct timespec		 zero = { 0, 0 };
	char			 go;

	/*
	 * What we create in the run's root is the box's (J kept P's ids).
	 * First: a change of ids clears the death signal and dumpability.
	 */
	take_box_fsids(c->status_wr);
	if (c->cg_fd != -1)
		(void)RAW(SYS_close, c->cg_fd);
	/*
	 * Die with P.  If P died before this took effect, the wait for
	 * "run" below says so.
	 */
	if ((r = RAW(SYS_prctl, PR_SET_DUMPABLE, 0)) < 0 ||
	    (r = RAW(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) < 0)
		child_die(c, r, "pdeathsig");
	if (c->new_netns)
		send_netns(c);
	if ((r = RAW(SYS_sethostname, "box", 3)) < 0 ||
	    (r = RAW(SYS_setdomainname, "box", 3)) < 0)
		child_die(c, r, "sethostname");
	setup_mounts(c);
	/*
	 * P's "run": we are in the run's cgroups now (v1: P moved us
	 * meanwhile), but for the v1 memory cgroup when we are in P's memory:
	 * its cgroup.procs comes with "run", for R to join it.
	 */
	if ((r = recv_msg(c->sync_fd, &go, 1, &c->mem_procs_fd, 0)) < 0)
		child_die(c, r, "wait for the run");
	if (r == 0)
		return SANDBOX_EXIT_SETUP;	/* EOF: P died */
	/* never a run outside its memory cgroup */
	if (c->sb->r_joins_mem && c->mem_procs_fd == -1)
		child_die(c, -EBADF, "the run's memory cgroup");
	/*
	 * Until now we had P's uid (only the file system ids were the
	 * box's), which cgroup v1 requires of a process P moves.  Now the
	 * box's, but for the saved uid and gid: R's move into the v1 memory
	 * cgroup asks for P's uid as R's real or saved one.  The change
	 * clears the death signal: set it again, and if P died in between,
	 * its end of the sync socket is closed.
	 */
	take_box_ids(c->status_wr, c->sb, 1);
	if ((r = RAW(SYS_prctl, PR_SET_DUMPABLE, 0)) < 0 ||
	    (r = RAW(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) < 0)
		child_die(c, r, "pdeathsig");
	pfd.fd = c->sync_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (RAW(SYS_ppoll, &pfd, 1, &zero, NULL, 0) < 0 ||
	    (pfd.revents & POLLHUP))
		return SANDBOX_EXIT_SETUP;
	(void)RAW(SYS_close, c->sync_fd);

	/* R runs in our memory until its execve; we wait meanwhile */
	if ((prog = raw_clone(CLONE_VM | CLONE_VFORK | SIGCHLD,
	    STACK_TOP(c->sb, 2), NULL, run_main, c)) < 0)
		child_die(c, prog, "clone program");
	(void)RAW(SYS_close, c->out_wr);
	if (c->err_wr != -1)
		(void)RAW(SYS_close, c->err_wr);
	if (c->stdin_fd != -1)
		(void)RAW(SYS_close, c->stdin_fd);
	if (c->notify_wr != -1)
		(void)RAW(SYS_close, c->notify_wr);
	if (c->mem_procs_fd != -1)
		(void)RAW(SYS_close, c->mem_procs_fd);
	/*
	 * The saved ids too, now that R has moved.  A change of the saved
	 * ids alone keeps the death signal and dumpability: there is no
	 * moment, with the program running, in which we (and with us P's
	 * memory) are dumpable.
	 */
	if ((r = RAW(SYS_setresgid, -1, -1, SANDBOX_INNER_GID)) < 0 ||
	    (r = RAW(SYS_setresuid, -1, -1, SANDBOX_INNER_UID)) < 0)
		child_die(c, r, "take box ids");

	/* as init we also reap whatever the program orphans */
	memset(&rep, 0, sizeof(rep));
	for (;;) {
		pid = RAW(SYS_wait4, -1, &st, 0, &ru);
		if (pid == -EINTR)
			continue;
		if (pid < 0)
			child_die(c, pid, "wait4");
		if (pid == prog) {
			rep.status = st;
			rep.ru = ru;
			break;
		}
	}
	(void)RAW(SYS_getrusage, RUSAGE_CHILDREN, &rep.ru_all);
	msg[0] = 'S';
	memcpy(msg + 1, &rep, sizeof(rep));
	(void)RAW(SYS_write, c->status_wr, msg, sizeof(msg));
	return 0;	/* the kernel now kills the rest of the namespace */
}

/*
 * Takes the box's ids in the slot's user namespace, but for the saved
 * ones if keep_saved (I's, until R has joined the v1 memory cgroup: see
 * init_main).  The capabilities there stay: our uid is not root in the
 * namespace, so changing it clears nothing, and KEEPCAPS makes sure.  R
 * drops them before execve.  From here on, what we create in the slot's
 * file systems is the box's.
 */
static void
take_box_ids(int status_wr, const struct sandbox *sb, int keep_saved)
{
	long	saved_gid = keep_saved ? -1 : SANDBOX_INNER_GID;
	long	saved_uid = keep_saved ? -1 : SANDBOX_INNER_UID;
	long	r;

	if ((r = RAW(SYS_prctl, PR_SET_KEEPCAPS, 1)) < 0 ||
	    (sb->may_setgroups && (r = RAW(SYS_setgroups, 0, NULL)) < 0) ||
	    (r = RAW(SYS_setresgid, SANDBOX_INNER_GID, SANDBOX_INNER_GID,
	    saved_gid)) < 0 || (r = RAW(SYS_setresuid, SANDBOX_INNER_UID,
	    SANDBOX_INNER_UID, saved_uid)) < 0)
		fd_die(status_wr, r, "take box ids");
}

/*
 * The box's file system ids only: what we create is the box's, and our
 * uid stays P's (see init_main).
 */
static void
take_box_fsids(int status_wr)
{
	(void)RAW(SYS_setfsgid, SANDBOX_INNER_GID);
	(void)RAW(SYS_setfsuid, SANDBOX_INNER_UID);
	/* the calls answer the old ids: ask again to see they took */
	if (RAW(SYS_setfsgid, -1) != SANDBOX_INNER_GID ||
	    RAW(SYS_setfsuid, -1) != SANDBOX_INNER_UID)
		fd_die(status_wr, -EPERM, "take the box's file system ids");
}

/*
 * Enters the slot's user and mount namespaces, and takes the box's ids
 * if take_ids (J does not: see join_main).
 */
static void
enter_slot(int status_wr, const struct sandbox *sb, int take_ids)
{
	long	r;

	if ((r = RAW(SYS_setns, sb->userns_fd, CLONE_NEWUSER)) < 0)
		fd_die(status_wr, r, "join the slot's user namespace");
	if ((r = RAW(SYS_setns, sb->mntns_fd, CLONE_NEWNS)) < 0)
		fd_die(status_wr, r, "join the slot's mount namespace");
	if (take_ids)
		take_box_ids(status_wr, sb, 0);
	/* the slot tmpfs, where boxes and the empty layer ".e" are */
	if ((r = RAW(SYS_chdir, sb->box_root)) < 0)
		fd_die(status_wr, r, "chdir %s", sb->box_root);
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
	long	r;

	snprintf(path, sizeof(path), "/%s", top);
	snprintf(opts, sizeof(opts), "lowerdir=%s:.e", path);
	if ((r = RAW(SYS_mount, "overlay", path, "overlay", MS_RDONLY |
	    MS_NOSUID | MS_NODEV, opts)) < 0)
		fd_die(status_wr, r, "overlay %s", path);
}

/*
 * Mounts box b's tmpfs at b->name in the cwd (the slot tmpfs) and writes
 * its queued files (and the dirs they are in), as the box's uid, never
 * through a link.  A box that
 * is mounted already (an earlier J died after this) is left as it is.
 */
static void
make_box(const struct child_ctx *c, const struct sandbox_box *b)
{
	struct stat	slot, st;
	char		opts[128], path[256], *comp, *slash;
	const char	*p;
	size_t		i, left;
	long		n, r, dfd, fd, pdir, nd;

	if (((r = RAW(SYS_mkdirat, AT_FDCWD, b->name, 0700)) < 0 &&
	    r != -EEXIST) ||
	    (r = RAW(SYS_newfstatat, AT_FDCWD, ".", &slot, 0)) < 0 ||
	    (r = RAW(SYS_newfstatat, AT_FDCWD, b->name, &st,
	    AT_SYMLINK_NOFOLLOW)) < 0)
		child_die(c, r, "box mount point");
	if (!S_ISDIR(st.st_mode))
		child_die(c, -ENOTDIR, "box mount point");
	if (st.st_dev != slot.st_dev)
		return;
	snprintf(opts, sizeof(opts), "mode=0755,uid=%d,gid=%d,size=%" PRIu64
	    ",nr_inodes=%u", SANDBOX_INNER_UID, SANDBOX_INNER_GID, b->bytes,
	    b->inodes);
	if ((r = RAW(SYS_mount, "tmpfs", b->name, "tmpfs", MS_NOSUID |
	    MS_NODEV, opts)) < 0)
		child_die(c, r, "mount the box");
	if ((dfd = RAW(SYS_openat, AT_FDCWD, b->name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		child_die(c, dfd, "open the box");
	for (i = 0; i < b->nfiles; i++) {
		/* its dirs first (the names are checked: plain components) */
		snprintf(path, sizeof(path), "%s", b->files[i].name);
		pdir = RAW(SYS_fcntl, dfd, F_DUPFD_CLOEXEC, 0);
		for (comp = path; pdir >= 0 &&
		    (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
			*slash = '\0';
			if ((r = RAW(SYS_mkdirat, pdir, comp, 0755)) < 0 &&
			    r != -EEXIST)
				child_die(c, r, "mkdir %s", b->files[i].name);
			nd = RAW(SYS_openat, pdir, comp, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			(void)RAW(SYS_close, pdir);
			pdir = nd;
		}
		if (pdir < 0)
			child_die(c, pdir, "create %s", b->files[i].name);
		if ((fd = RAW(SYS_openat, pdir, comp, O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
			child_die(c, fd, "create %s", b->files[i].name);
		(void)RAW(SYS_close, pdir);
		for (p = b->files[i].data, left = b->files[i].len; left > 0;
		    p += n, left -= (size_t)n)
			if ((n = RAW(SYS_write, fd, p, left)) < 0) {
				if (n == -EINTR) {
					n = 0;
					continue;
				}
				child_die(c, n, "write %s", b->files[i].name);
			}
		if ((r = RAW(SYS_fchmod, fd, (mode_t)b->files[i].mode)) < 0)
			child_die(c, r, "chmod %s", b->files[i].name);
		(void)RAW(SYS_close, fd);
	}
	(void)RAW(SYS_close, dfd);
}

/*
 * The slot's share of a run, when there is one (a language's dirs to
 * overlay, a new box to mount and fill), with the box's file system ids,
 * which are what the overlays are mounted with and what the box's files
 * belong to.  J does it itself, unless it is to clone I into a cgroup:
 * a cgroup takes a new process only from credentials that may write its
 * cgroup.procs, and P's uid is not mapped in the slot's user namespace
 * (unless the box's uid is P's), so once J had the box's ids it could
 * not go back.  Then K does it: like J, in P's memory (CLONE_VM |
 * CLONE_VFORK), in the slot's namespaces and J's cwd (the slot tmpfs).
 */
static int
slot_work_main(void *arg)
{
	const struct child_ctx	*c = arg;
	int			 i;

	take_box_fsids(c->status_wr);
	/*
	 * In the slot's mount namespace, for this run and the next ones.  A
	 * top whose device is not the host's is ours already (an earlier J
	 * died after mounting it).
	 */
	for (i = 0; i < c->n_new_tops; i++) {
		char		path[64];
		struct stat	st;

		snprintf(path, sizeof(path), "/%s", c->new_tops[i]);
		if (RAW(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0 &&
		    st.st_dev != c->new_top_dev[i])
			continue;
		overlay_top(c->status_wr, c->new_tops[i]);
	}
	if (c->box_make != NULL)
		make_box(c, c->box_make);
	return 0;
}

/*
 * J's part in the slot's share of the run: none, done with the box's ids
 * by J itself, or by K when J must keep P's.  Returns 0, or -1 if K
 * failed (its message is on the status pipe).
 */
static int
slot_work(const struct child_ctx *c)
{
	long	pid, r;
	int	st;

	if (c->n_new_tops == 0 && c->box_make == NULL)
		return 0;
	if (c->cg_fd == -1)
		return slot_work_main((void *)(uintptr_t)c);
	/* K's stack is I's, which I has not yet */
	if ((pid = raw_clone(CLONE_VM | CLONE_VFORK | SIGCHLD,
	    STACK_TOP(c->sb, 1), NULL, slot_work_main,
	    (void *)(uintptr_t)c)) < 0)
		child_die(c, pid, "clone");
	while ((r = RAW(SYS_wait4, pid, &st, 0, NULL)) < 0)
		if (r != -EINTR)
			child_die(c, r, "wait");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/*
 * Clones I into the run's cgroup (clone3 with CLONE_INTO_CGROUP, cgroup
 * v2, Linux 5.7): I is born there, and nobody writes cgroup.procs, whose
 * write waits for the cgroup code's global lock and, on a quiet host, an
 * RCU grace period.  Without a stack, as fork does: the child goes on
 * from here on its copy of J's stack and returns through J's frames, so
 * it leaves like J.  (So this I has a copy of P's memory, not P's: see
 * "Memory" in the theory.)  Returns I's pid in J, 0 in I, -errno if the
 * kernel would not.
 */
static long
clone_into_cgroup(struct child_ctx *c, int ns)
{
	struct clone_args	ca;

	memset(&ca, 0, sizeof(ca));
	/* with CLONE_PARENT, I's exit signal is J's (SIGCHLD to P) */
	ca.flags = CLONE_PARENT | CLONE_PARENT_SETTID | CLONE_INTO_CGROUP |
	    (uint64_t)ns;
	ca.parent_tid = (uint64_t)(uintptr_t)&c->init_pid;
	ca.cgroup = (uint64_t)c->cg_fd;
	return RAW(SYS_clone3, &ca, sizeof(ca));
}

/*
 * Whether the program's calls into libc were bound at its start (-z
 * now): a lazy binding would be made by I's first call, which writes P's
 * GOT.  A static program has nothing to bind: one without a dynamic
 * section, or a static-pie, whose dynamic section (it relocates itself
 * through it) names no library (DT_NEEDED).  LD_BIND_NOW is not trusted
 * (the environment may have changed since the loader read it), and an
 * audit library with PLT hooks may bind lazily anyway; a static program
 * loads none.
 */
static int
bound_now(void)
{
	const ElfW(Dyn)	*d;
	int		 needs = 0, now = 0;

	if (_DYNAMIC == NULL)
		return 1;
	for (d = _DYNAMIC; d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_NEEDED)
			needs = 1;
		else if (d->d_tag == DT_BIND_NOW ||
		    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_BIND_NOW)) ||
		    (d->d_tag == DT_FLAGS_1 && (d->d_un.d_val & DF_1_NOW)))
			now = 1;
	if (!needs)
		return 1;
	return now && getenv("LD_AUDIT") == NULL;
}

int
child_may_share(void)
{
	return SANDBOX_SHARED_INIT && bound_now();
}

pid_t
child_clone(const struct sandbox *sb, int (*fn)(void *), int flags,
    void *arg)
{
	sigset_t	all, mask;
	pid_t		pid;
	int		saved;

	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &mask);
	pid = clone(fn, STACK_TOP(sb, 0), flags, arg);
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
	errno = saved;
	return pid;
}

/*
 * J: runs in P's memory (CLONE_VM | CLONE_VFORK: P waits until we exit),
 * on its own stack, with its own fd table.  Nothing here may allocate or
 * change P's data (the kernel writes c->init_pid, and we c->init_in_cg
 * and I's copy of c), and the set*id calls are the raw ones: libc's
 * wrappers would signal P's other threads.
 */
int
join_main(void *arg)
{
	struct child_ctx	*c = arg, *ic = c;
	const struct sandbox	*sb = c->sb;
	unsigned long		 flags;
	char			*stack = STACK_TOP(sb, 1);
	long			 pid, r;
	int			 i, ns;

	/* P's ends: close them so that EOFs mean what they should */
	for (i = 0; i < 5; i++)
		if (c->parent_fds[i] != -1)
			(void)RAW(SYS_close, c->parent_fds[i]);
	enter_slot(c->status_wr, sb, 0);
	if (!c->new_netns && (r = RAW(SYS_setns, sb->netns_fd,
	    CLONE_NEWNET)) < 0)
		child_die(c, r, "join the slot's network namespace");
	(void)RAW(SYS_close, sb->userns_fd);
	(void)RAW(SYS_close, sb->mntns_fd);
	if (sb->netns_fd != -1)
		(void)RAW(SYS_close, sb->netns_fd);
	if (sb->unix_fd != -1)
		(void)RAW(SYS_close, sb->unix_fd);
	if (sb->devset_fd != -1)
		(void)RAW(SYS_close, sb->devset_fd);
	if (slot_work(c) == -1)
		return 1;	/* K's message is on the pipe */
	if ((r = RAW(SYS_chdir, "/")) < 0)
		child_die(c, r, "chdir /");
	/*
	 * The run's own namespaces, made by the clone that makes I, its pid
	 * 1: a clone that fails leaves nothing behind, so the next may try
	 * again (after an unshare, a failed first fork would leave the new
	 * pid namespace unable to take any process).
	 */
	ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	if (c->new_netns)
		ns |= CLONE_NEWNET;
	if (c->cg_fd != -1) {
		if ((pid = clone_into_cgroup(c, ns)) == 0)
			return init_main(c);
		if (pid > 0) {
			c->init_in_cg = 1;
			return 0;
		}
		/*
		 * A kernel without clone3 or CLONE_INTO_CGROUP, or a cgroup
		 * that will not take I from us: a root P's ids are not mapped
		 * in the slot's user namespace, so the capability that lets P
		 * write a cgroup.procs of the service user's does not hold
		 * here.  P moves I in.
		 */
	}
	flags = CLONE_PARENT | CLONE_PARENT_SETTID | (unsigned long)ns;
	if (sb->init_shares) {
		/*
		 * I runs in P's memory, on a copy of the context at the top
		 * of its stack: P changes its own (closes fds) meanwhile.
		 */
		ic = (struct child_ctx *)(void *)(stack -
		    ((sizeof(*ic) + 63) & ~(size_t)63));
		memcpy(ic, c, sizeof(*ic));
		stack = (char *)ic;
		flags |= CLONE_VM;
	}
	if ((pid = raw_clone(flags, stack, &c->init_pid, init_main, ic)) < 0)
		child_die(c, pid, "clone init");
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
int
holder_main(void *arg)
{
	const struct slot_ctx	*h = arg;
	const struct sandbox	*sb = h->sb;
	struct child_ctx	 c;
	char			 b, opts[96];
	int			 i;
	long			 r;

	for (i = 0; i < 3; i++)
		if (h->close_fds[i] != -1)
			(void)RAW(SYS_close, h->close_fds[i]);
	/*
	 * P opens our /proc files.  The id changes of earlier children in
	 * P's memory have left it, and so our memory (P's or a copy of it),
	 * not dumpable, which would keep P out: we are P's uid still,
	 * nothing in us to hide from it.  P makes its memory not dumpable
	 * again once it has reaped us (slot_ns_open).
	 */
	if ((r = RAW(SYS_prctl, PR_SET_DUMPABLE, 1)) < 0)
		fd_die(h->status_wr, r, "dumpable");
	(void)RAW(SYS_write, h->status_wr, "R", 1);
	if (RAW(SYS_read, h->go_rd, &b, 1) != 1)
		return SANDBOX_EXIT_SETUP;
	take_box_ids(h->status_wr, sb, 0);
	snprintf(opts, sizeof(opts), "mode=0700,uid=%d,gid=%d,size=1m,"
	    "nr_inodes=4096", SANDBOX_INNER_UID, SANDBOX_INNER_GID);
	if ((r = RAW(SYS_mount, "tmpfs", sb->box_root, "tmpfs", MS_NOSUID |
	    MS_NODEV | MS_NOEXEC, opts)) < 0)
		fd_die(h->status_wr, r, "mount the slot tmpfs on %s",
		    sb->box_root);
	if ((r = RAW(SYS_chdir, sb->box_root)) < 0 ||
	    (r = RAW(SYS_mkdirat, AT_FDCWD, ".e", 0755)) < 0)
		fd_die(h->status_wr, r, "slot tmpfs");
	/*
	 * The prepared files' dir, bound here before the host dir it is in
	 * may be overlaid below: a bind of the dir itself shows what the
	 * service adds later.
	 */
	if (sb->prepared_dir[0] != '\0' && ((r = RAW(SYS_mkdirat, AT_FDCWD,
	    PREPARED_DIR, 0755)) < 0 || (r = RAW(SYS_mount, sb->prepared_dir,
	    PREPARED_DIR, NULL, MS_BIND, NULL)) < 0))
		fd_die(h->status_wr, r, "bind %s", sb->prepared_dir);
	for (i = 0; i < h->ntops; i++)
		overlay_top(h->status_wr, h->tops[i]);
	memset(&c, 0, sizeof(c));
	c.sb = sb;
	c.status_wr = h->status_wr;
	make_root(&c);
	(void)RAW(SYS_write, h->status_wr, "O", 1);
	(void)RAW(SYS_read, h->hold_rd, &b, 1);
	return 0;
}

/*
 * The box unmount helper: like J, in P's memory.  Unmounts the box's
 * tmpfs in the slot's mount namespace and removes its mount point.
 */
int
unmount_main(void *arg)
{
	const struct slot_ctx	*h = arg;
	long			 r;

	if (h->close_fds[0] != -1)
		(void)RAW(SYS_close, h->close_fds[0]);
	enter_slot(h->status_wr, h->sb, 1);
	if ((r = RAW(SYS_umount2, h->box_name, MNT_DETACH |
	    UMOUNT_NOFOLLOW)) < 0 && r != -EINVAL)
		fd_die(h->status_wr, r, "unmount box %s", h->box_name);
	if ((r = RAW(SYS_unlinkat, AT_FDCWD, h->box_name, AT_REMOVEDIR)) < 0 &&
	    r != -ENOENT)
		fd_die(h->status_wr, r, "remove box %s", h->box_name);
	return 0;
}

/*
 * The box export helper: like J, in P's memory.  Opens the box's root
 * in the slot's mount namespace and sends the fd to P, which reads the
 * files through it (box.c).
 */
int
export_main(void *arg)
{
	const struct slot_ctx	*h = arg;
	long			 fd, r;

	if (h->close_fds[0] != -1)
		(void)RAW(SYS_close, h->close_fds[0]);
	enter_slot(h->status_wr, h->sb, 1);
	if ((fd = RAW(SYS_openat, AT_FDCWD, h->box_name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		fd_die(h->status_wr, fd, "open box %s", h->box_name);
	if ((r = send_msg(h->send_fd, 'L', NULL, 0, (int)fd)) < 0)
		fd_die(h->status_wr, r, "send box %s", h->box_name);
	(void)RAW(SYS_close, fd);
	return 0;
}

int
child_sys_tops(const char **tops, int max)
{
	char		path[64];
	struct stat	st;
	size_t		i;
	int		n = 0;

	/* the system's dirs (not the links of a merged /usr) and /etc */
	for (i = 0; i < sizeof(sys_dirs) / sizeof(sys_dirs[0]) + 1 &&
	    n < max; i++) {
		const char *d = i < sizeof(sys_dirs) / sizeof(sys_dirs[0]) ?
		    sys_dirs[i] : "etc";

		snprintf(path, sizeof(path), "/%s", d);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			tops[n++] = d;
	}
	return n;
}
