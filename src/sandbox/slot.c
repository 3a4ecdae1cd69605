/*
 * The slot: what consecutive runs of one sandbox handle share, seen from
 * P (the caller).  The children that make and use the slot's namespaces
 * are in sandbox.c; this file decides who the box is on the host, which
 * device nodes it gets, and keeps the namespaces' fds.
 *
 * Who the box is.  Inside every box the program is uid and gid 1000.
 * Outside, that is (in order of preference):
 *
 *   root    the caller is root: uid_base + slot, written into the maps
 *           directly;
 *   subid   the caller has a subordinate range in /etc/subuid and
 *           /etc/subgid (contrib/setup-host.sh gives the service user
 *           one) and the setuid helpers newuidmap/newgidmap exist: the
 *           range's start + slot, mapped by those helpers, as rootless
 *           podman does.  The box then owns nothing on the host: not the
 *           database, the socket or the run directory, which are the
 *           service user's;
 *   self    otherwise the caller's own uid, the only map an unprivileged
 *           process may write.  The box is then the service user on the
 *           host (the namespaces and the filesystem still keep it away
 *           from the service's files, but file modes no longer do), and
 *           `coderunner check` and /system_info say so.
 *
 * Device nodes.  A box needs /dev/null, zero, full, random and urandom.
 * Binding the host's own nodes would share their inodes between boxes
 * that run at the same time, and an inode carries state a program can
 * set and another can see: file locks (flock, POSIX and OFD locks).  So
 * contrib/setup-host.sh (root) makes a pool of node sets, pool/NN/, each
 * a copy (mknod) of the five nodes; a handle claims a free set for its
 * life with a non-blocking flock(2) on the set's directory.  With no pool,
 * or none free, the box gets the host's nodes, and says so.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "child.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#define NEWUIDMAP	"/usr/bin/newuidmap"
#define NEWGIDMAP	"/usr/bin/newgidmap"

/*
 * Starts a host helper (never a shell) with a clean environment and, if
 * out is not -1, out as its stdout (its messages go to our stderr, the
 * service log).  Returns its pid, or -1 with err set.
 */
static pid_t
helper_start(char *const argv[], int out, struct err *err)
{
	char	*envp[] = { "PATH=/usr/bin:/bin", NULL };
	pid_t	 child;

	if ((child = fork()) == -1) {
		err_errno(err, "fork %s", argv[0]);
		return -1;
	}
	if (child == 0) {
		/* dup2 of an fd onto itself would keep its close-on-exec */
		if (out == STDOUT_FILENO)
			(void)fcntl(out, F_SETFD, 0);
		else if (out != -1 && dup2(out, STDOUT_FILENO) == -1)
			_exit(127);
		/* nothing of ours but 0-2 reaches it */
		(void)close_range(3, ~0U, 0);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return child;
}

/* Reaps a helper: 0 if it exited 0, else -1 with err set. */
static int
helper_wait(pid_t child, const char *what, struct err *err)
{
	int	st;

	while (waitpid(child, &st, 0) == -1)
		if (errno != EINTR)
			return err_errno(err, "waitpid %s", what);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(err, "%s failed (status %d)", what, st);
	return 0;
}

/*
 * The caller's user name, for the lines of /etc/subuid and /etc/subgid
 * that name it: from /etc/passwd, else from getent(1).  Not getpwuid: in
 * the static CLI (Makefile, CLI_LINK) a source other than files would be
 * loaded from the host with a second libc, and libnss_systemd crashes
 * there.  Returns 0, or -1 if no source knows uid.
 */
static int
user_name(uid_t uid, char *name, size_t size)
{
	struct err	 err;
	char		 buf[1024], drop[512], suid[24];
	char		*argv[] = { "/usr/bin/getent", "passwd", suid, NULL };
	char		*line = NULL, *p, *q, *end;
	size_t		 cap = 0, len = 0;
	FILE		*f;
	ssize_t		 n;
	int		 pipefd[2], found = 0;
	pid_t		 child;

	/* name:password:uid:..., a line of any length */
	if ((f = fopen("/etc/passwd", "re")) != NULL) {
		while (!found && getline(&line, &cap, f) > 0) {
			if ((p = strchr(line, ':')) == NULL ||
			    (q = strchr(p + 1, ':')) == NULL || p == line)
				continue;
			errno = 0;
			if (strtoul(q + 1, &end, 10) != uid || errno != 0 ||
			    end == q + 1 || *end != ':')
				continue;
			*p = '\0';
			found = snprintf(name, size, "%s", line) < (int)size;
		}
		free(line);
		fclose(f);
		if (found)
			return 0;
	}
	snprintf(suid, sizeof(suid), "%u", (unsigned)uid);
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		return -1;
	child = helper_start(argv, pipefd[1], &err);
	close(pipefd[1]);
	/*
	 * To EOF, so that a long answer cannot block getent; we keep its
	 * start, where the name is.
	 */
	while (child != -1) {
		if (len < sizeof(buf) - 1)
			n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len);
		else
			n = read(pipefd[0], drop, sizeof(drop));
		if (n == 0 || (n == -1 && errno != EINTR))
			break;
		if (n > 0 && len < sizeof(buf) - 1)
			len += (size_t)n;
	}
	close(pipefd[0]);
	if (child == -1 || helper_wait(child, "getent passwd", &err) == -1)
		return -1;
	buf[len] = '\0';
	n = (ssize_t)strcspn(buf, ":\n");
	if (n == 0 || buf[n] != ':' || (size_t)n >= size)
		return -1;
	snprintf(name, size, "%.*s", (int)n, buf);
	return 0;
}

/*
 * Looks up the first range of user (by name or decimal uid) in a subid
 * file ("name:start:count" lines).  Returns 1 with *start and *count, 0
 * if there is none.
 */
static int
subid_range(const char *file, const char *name, unsigned long id,
    unsigned long *start, unsigned long *count)
{
	FILE		*f;
	char		 line[512], idstr[32], *p, *q;
	unsigned long	 s, c;
	int		 found = 0;

	snprintf(idstr, sizeof(idstr), "%lu", id);
	if ((f = fopen(file, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if ((p = strchr(line, ':')) == NULL)
			continue;
		*p++ = '\0';
		if (strcmp(line, name) != 0 && strcmp(line, idstr) != 0)
			continue;
		errno = 0;
		s = strtoul(p, &q, 10);
		if (errno != 0 || *q != ':')
			continue;
		c = strtoul(q + 1, &q, 10);
		if (errno != 0 || (*q != '\n' && *q != '\0') || c == 0)
			continue;
		*start = s;
		*count = c;
		found = 1;
	}
	fclose(f);
	return found;
}

void
slot_ids_detect(struct sandbox *sb, int64_t uid_base)
{
	char		 name[256];
	unsigned long	 us, uc, gs, gc;

	if (geteuid() == 0) {
		sb->ids = SANDBOX_IDS_ROOT;
		sb->outer_uid = (uid_t)(uid_base + sb->slot);
		sb->outer_gid = (gid_t)(uid_base + sb->slot);
		sb->may_setgroups = 1;
		return;
	}
	sb->ids = SANDBOX_IDS_SELF;
	sb->outer_uid = geteuid();
	sb->outer_gid = getegid();
	sb->may_setgroups = 0;
	if (access(NEWUIDMAP, X_OK) == -1 || access(NEWGIDMAP, X_OK) == -1)
		return;
	/* newuidmap refuses a user that no NSS source knows */
	if (user_name(geteuid(), name, sizeof(name)) == -1)
		return;
	if (!subid_range("/etc/subuid", name, geteuid(), &us, &uc) ||
	    !subid_range("/etc/subgid", name, geteuid(), &gs, &gc) ||
	    sb->slot >= uc || sb->slot >= gc)
		return;
	sb->ids = SANDBOX_IDS_SUBID;
	sb->outer_uid = (uid_t)(us + sb->slot);
	sb->outer_gid = (gid_t)(gs + sb->slot);
	/* newgidmap leaves setgroups(2) allowed: the box drops ours */
	sb->may_setgroups = 1;
}

/* Runs a map helper: argv[0] pid 1000 outer 1. */
static int
run_map_helper(const char *helper, pid_t pid, unsigned long outer,
    struct err *err)
{
	char	 spid[24], souter[24], what[128];
	char	*argv[] = { (char *)(uintptr_t)helper, spid, "1000", souter,
		    "1", NULL };
	pid_t	 child;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(souter, sizeof(souter), "%lu", outer);
	snprintf(what, sizeof(what), "%s %s 1000 %s 1", helper, spid, souter);
	if ((child = helper_start(argv, -1, err)) == -1 ||
	    helper_wait(child, what, err) == -1)
		return -1;
	return 0;
}

static int
write_str(const char *path, const char *s)
{
	int	fd, rc = 0;
	size_t	len = strlen(s);

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, s, len) != (ssize_t)len)
		rc = -1;
	close(fd);
	return rc;
}

int
slot_write_id_maps(const struct sandbox *sb, pid_t pid, struct err *err)
{
	char	path[64], map[64];

	if (sb->ids == SANDBOX_IDS_SUBID)
		return run_map_helper(NEWUIDMAP, pid, sb->outer_uid, err) ==
		    -1 ? -1 : run_map_helper(NEWGIDMAP, pid, sb->outer_gid,
		    err);
	if (sb->ids == SANDBOX_IDS_SELF) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_str(path, "deny") == -1)
			return err_errno(err, "write %s", path);
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "%d %u 1\n", SANDBOX_INNER_UID,
	    (unsigned)sb->outer_uid);
	if (write_str(path, map) == -1)
		return err_errno(err, "write %s", path);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "%d %u 1\n", SANDBOX_INNER_GID,
	    (unsigned)sb->outer_gid);
	if (write_str(path, map) == -1)
		return err_errno(err, "write %s", path);
	return 0;
}

/* The five nodes of a set, with their device numbers. */
static const struct {
	const char	*name;
	unsigned int	 major, minor;
} dev_set[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 },
};

/*
 * Whether the set at dfd is one setup-host.sh made: root's, not writable
 * by others, the five character devices with the right numbers, usable
 * (the file system is not mounted nodev).
 */
static int
dev_set_ok(int dfd)
{
	struct stat	st;
	size_t		i;
	int		fd;

	if (fstat(dfd, &st) == -1 || st.st_uid != 0 || (st.st_mode & 022))
		return 0;
	for (i = 0; i < sizeof(dev_set) / sizeof(dev_set[0]); i++) {
		if (fstatat(dfd, dev_set[i].name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISCHR(st.st_mode) ||
		    major(st.st_rdev) != dev_set[i].major ||
		    minor(st.st_rdev) != dev_set[i].minor)
			return 0;
	}
	if ((fd = openat(dfd, "null", O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return 0;
	close(fd);
	return 1;
}

void
slot_devices_claim(struct sandbox *sb, const char *pool)
{
	DIR		*d;
	struct dirent	*e;
	int		 pfd, fd;

	sb->devset_fd = -1;
	sb->dev_dir[0] = '\0';
	if (pool == NULL || *pool == '\0')
		pool = SANDBOX_DEV_POOL;
	/* a run's scratch tmpfs covers /tmp before the nodes are bound */
	if (strlen(pool) > sizeof(sb->dev_dir) - 16 || pool[0] != '/' ||
	    strncmp(pool, "/tmp/", 5) == 0 ||
	    (pfd = open(pool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(pfd)) == NULL) {
		close(pfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 2 ||
		    strspn(e->d_name, "0123456789") != 2)
			continue;
		if ((fd = openat(pfd, e->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			continue;
		/* held for the handle's life; the kernel lets go with us */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && dev_set_ok(fd)) {
			sb->devset_fd = fd;
			snprintf(sb->dev_dir, sizeof(sb->dev_dir), "%s/%.2s",
			    pool, e->d_name);
			break;
		}
		close(fd);
	}
	closedir(d);
}

int64_t
slot_pkgdb_mtime(void)
{
	struct stat	st;

	if (stat("/var/lib/dpkg/status", &st) == -1)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

int
slot_top_of(const char *path, char *top, size_t size)
{
	size_t	n;

	if (path[0] != '/')
		return -1;
	n = strcspn(path + 1, "/");
	if (n == 0 || n >= size || strspn(path + 1,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") < n || path[1] == '.')
		return -1;
	memcpy(top, path + 1, n);
	top[n] = '\0';
	return 0;
}

int
slot_has_top(const struct sandbox *sb, const char *top)
{
	int	i;

	for (i = 0; i < sb->ntops; i++)
		if (strcmp(sb->tops[i], top) == 0)
			return 1;
	return 0;
}

void
slot_netns_close(struct sandbox *sb)
{
	if (sb->netns_fd != -1)
		close(sb->netns_fd);
	if (sb->unix_fd != -1)
		close(sb->unix_fd);
	sb->netns_fd = sb->unix_fd = -1;
}

void
slot_ns_close(struct sandbox *sb)
{
	slot_netns_close(sb);
	if (sb->userns_fd != -1)
		close(sb->userns_fd);
	if (sb->mntns_fd != -1)
		close(sb->mntns_fd);
	sb->userns_fd = sb->mntns_fd = -1;
	sb->ntops = 0;
}

int
slot_netns_empty(const struct sandbox *sb)
{
	char	buf[1024];
	size_t	len = 0;
	ssize_t	n;

	if (sb->unix_fd == -1)
		return 0;
	while (len < sizeof(buf) && (n = pread(sb->unix_fd, buf + len,
	    sizeof(buf) - len, (off_t)len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		len += (size_t)n;
	}
	return netns_unix_empty(buf, len);
}

int
netns_unix_empty(const char *text, size_t len)
{
	const char	*nl;

	if (len < 4 || strncmp(text, "Num ", 4) != 0)
		return 0;
	nl = memchr(text, '\n', len);
	return nl != NULL && nl == text + len - 1;
}

/* ------------------------------------------------------------------ */
/* the slot's namespaces: H, and the box unmount helper               */

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
int
child_error(int fd, char first, const char *what, struct err *err)
{
	char	buf[300];
	ssize_t	n;

	buf[0] = first;
	n = fd_read_all(fd, buf + (first != 0), sizeof(buf) - 2) +
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
	char		 ok = 0;
	int		 hold[2] = { -1, -1 }, go[2] = { -1, -1 };
	int		 stat_p[2] = { -1, -1 }, rc = -1, flags;
	pid_t		 pid = -1;

	if (sb->userns_fd != -1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.sb = sb;
	h.ntops = child_sys_tops(h.tops, SLOT_MAX_TOPS);
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
	/*
	 * H runs in our memory where it can (see "Memory" in sandbox.c), on
	 * stack 0, which nothing else uses until we have reaped it below,
	 * and on h, which stays ours to read only: a copy of our memory
	 * would cost more than all H does (about 1.5 ms of a CLI call's
	 * 12 here).
	 */
	flags = CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS | SIGCHLD;
	if (sb->holder_shares)
		flags |= CLONE_VM;
	if ((pid = child_clone(sb, holder_main, flags, &h)) == -1) {
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
	if (pid != -1 && rc == -1)
		kill(pid, SIGKILL);
	fd_close(&go[0]);
	fd_close(&go[1]);
	fd_close(&hold[0]);
	fd_close(&hold[1]);		/* H reads EOF and exits */
	fd_close(&stat_p[0]);
	fd_close(&stat_p[1]);
	/* H runs on h and stack 0: gone before we return */
	if (pid != -1)
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	/*
	 * Our memory is not dumpable again, whatever became of H: it made
	 * it dumpable for us and may have died before it undid that.
	 */
	if (pid != -1 && sb->holder_shares)
		(void)prctl(PR_SET_DUMPABLE, 0);
	if (rc == -1)
		slot_ns_close(sb);
	return rc;
}

/*
 * Runs fn (unmount_main, export_main) in a helper child in our memory,
 * as J runs, with h; its error line comes back in err.  Returns 0, or -1.
 */
static int
slot_helper(struct sandbox *sb, int (*fn)(void *), struct slot_ctx *h,
    struct err *err)
{
	int		stat_p[2] = { -1, -1 }, st, rc = -1, saved;
	pid_t		pid;
	char		b;

	h->sb = sb;
	if (pipe2(stat_p, O_CLOEXEC) == -1)
		return err_errno(err, "pipe2");
	h->status_wr = stat_p[1];
	h->close_fds[0] = stat_p[0];
#ifdef __SANITIZE_ADDRESS__
	ASAN_UNPOISON_MEMORY_REGION(STACK_TOP(sb, 0) - STACK_SIZE, STACK_SIZE);
#endif
	pid = child_clone(sb, fn, CLONE_VM | CLONE_VFORK | SIGCHLD, h);
	saved = errno;
	close(stat_p[1]);
	if (pid == -1) {
		errno = saved;
		err_errno(err, "clone a slot helper");
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
		err_set(err, "slot helper: status %d", st);
		goto out;
	}
	rc = 0;
out:
	close(stat_p[0]);
	return rc;
}

int
slot_box_unmount(struct sandbox *sb, const char *name, struct err *err)
{
	struct slot_ctx	h;

	memset(&h, 0, sizeof(h));
	h.box_name = name;
	return slot_helper(sb, unmount_main, &h, err);
}

int
slot_box_open(struct sandbox *sb, const char *name, struct err *err)
{
	struct slot_ctx	h;
	int		sv[2] = { -1, -1 }, fd = -1;

	memset(&h, 0, sizeof(h));
	h.box_name = name;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return err_errno(err, "socketpair");
	h.send_fd = sv[1];
	if (slot_helper(sb, export_main, &h, err) == 0 &&
	    (fd = sandbox_recv_fd(sv[0])) == -1)
		err_set(err, "box %s: no fd from the helper", name);
	close(sv[0]);
	close(sv[1]);
	return fd;
}

/* ------------------------------------------------------------------ */
/* kept slots: the keeper, and the runs that join it                  */

/* What the keeper sends with the namespaces' fds. */
struct kept_msg {
	int64_t	made_us;	/* CLOCK_MONOTONIC, as ns_made_us */
	int64_t	dpkg_mtime_ns;
	int	nfds;		/* 4, or 3 without the socket table */
	/*
	 * The keeper's program file (exe_id): a slot made by another build
	 * (an upgrade since --init) is not joined, its root and filter may
	 * not be this build's.
	 */
	uint64_t exe[3];
};

#define KEEPER_FDS	4

void
slot_exe_id(uint64_t id[3])
{
	struct stat	st;

	memset(id, 0, 3 * sizeof(id[0]));
	if (stat("/proc/self/exe", &st) == 0) {
		id[0] = (uint64_t)st.st_dev;
		id[1] = (uint64_t)st.st_ino;
		id[2] = (uint64_t)st.st_mtim.tv_sec * 1000000000u +
		    (uint64_t)st.st_mtim.tv_nsec;
	}
}

int
slot_aged(const struct sandbox *sb)
{
	return util_mono_us() - sb->ns_made_us > SLOT_REFRESH_US ||
	    slot_pkgdb_mtime() != sb->dpkg_mtime_ns;
}

/* The keeper's socket: box_root/.slotN.sock.  -1 if it would not fit. */
static int
keeper_addr(const char *box_root, unsigned int slot, struct sockaddr_un *sa)
{
	char	path[PATH_MAX + 32];
	size_t	n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = (size_t)snprintf(path, sizeof(path), "%s/.slot%u.sock",
	    box_root, slot);
	if (n >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int
slot_keeper_connect(const char *box_root, unsigned int slot,
    struct err *err)
{
	struct sockaddr_un	sa;
	struct ucred		uc;
	socklen_t		len = sizeof(uc);
	int			fd;

	if (keeper_addr(box_root, slot, &sa) == -1)
		return err_set(err, "box_root %s: too long for the keeper's "
		    "socket", box_root);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return err_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		if (errno == ENOENT)
			return -2;
		if (errno == ECONNREFUSED) {
			(void)unlink(sa.sun_path);
			return -2;
		}
		return err_errno(err, "connect %s", sa.sun_path);
	}
	/* box_root is ours alone: a keeper of another uid cannot be */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    uc.uid != geteuid()) {
		close(fd);
		return err_set(err, "%s: not our keeper", sa.sun_path);
	}
	return fd;
}

/* Sends the slot's namespaces to a joiner on fd. */
static void
keeper_send(const struct sandbox *sb, int fd)
{
	struct kept_msg	 m = { sb->ns_made_us, sb->dpkg_mtime_ns, 3, { 0 } };
	int		 fds[KEEPER_FDS] = { sb->userns_fd, sb->mntns_fd,
			    sb->netns_fd, sb->unix_fd };
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov = { &m, sizeof(m) };
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(fds))];
	} u;

	if (sb->unix_fd != -1)
		m.nfds = KEEPER_FDS;
	slot_exe_id(m.exe);
	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)m.nfds);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)m.nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)m.nfds);
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL);
}

static int
cmp_int(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int
slot_keeper_fresh(struct sandbox *sb, struct err *err)
{
	if (sb->userns_fd != -1 && (slot_aged(sb) ||
	    (sb->netns_fd != -1 && !slot_netns_empty(sb))))
		slot_ns_close(sb);
	return sb->userns_fd != -1 ? 0 : slot_ns_open(sb, err);
}

/*
 * The keeper: holds the slot's namespaces (and its claim on the device
 * set) and hands them to each run that asks ("j"), or makes the run
 * itself for a caller that hands it over ("r", kept.c), after renewing
 * them if the slot has aged or a run left a socket in the network
 * namespace.  One call at a time: the slot is one box's.  Ends on "q" or
 * a signal.
 */
static void __attribute__((noreturn))
keeper_main(struct sandbox *sb, int lfd, const char *path)
{
	struct ucred	 uc;
	struct timeval	 tv = { 1, 0 };
	struct err	 err;
	socklen_t	 len;
	char		 cmd;
	int		 fd, memfd, keep[] = { lfd, sb->userns_fd, sb->mntns_fd,
			    sb->netns_fd, sb->unix_fd, sb->devset_fd };
	size_t		 i;
	int		 lo;

	(void)setsid();
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
	}
	/*
	 * Nothing of the caller's but what the slot needs: every fd above 2
	 * between the kept ones (sorted) goes.
	 */
	qsort(keep, sizeof(keep) / sizeof(keep[0]), sizeof(keep[0]), cmp_int);
	lo = 3;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			(void)syscall(SYS_close_range, lo, keep[i] - 1, 0);
		lo = keep[i] + 1;
	}
	(void)syscall(SYS_close_range, lo, ~0U, 0);
	if (chdir("/") == -1)
		_exit(1);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		len = sizeof(uc);
		/* a caller that sends nothing holds us up for a second */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
		    uc.uid != geteuid() || setsockopt(fd, SOL_SOCKET,
		    SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
		    sandbox_recv_msg(fd, &cmd, 1, &memfd, 0) != 1) {
			close(fd);
			continue;
		}
		if (cmd == 'q') {
			(void)unlink(path);
			(void)send(fd, "q", 1, MSG_NOSIGNAL);
			_exit(0);
		}
		if (cmd == 'j' && slot_keeper_fresh(sb, &err) == 0)
			keeper_send(sb, fd);
		if (cmd == 'r' && memfd != -1)
			slot_kept_serve(sb, fd, memfd);
		if (memfd != -1)
			close(memfd);
		close(fd);
	}
}

/*
 * Asks the slot's keeper for its namespaces and takes them for sb.
 * Returns 1 if it did, 0 if no keeper runs, 2 if the keeper runs another
 * build of the program (nothing taken), -1 with err set.
 */
static int
keeper_join(struct sandbox *sb, struct err *err)
{
	struct kept_msg	 m;
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	struct iovec	 iov = { &m, sizeof(m) };
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int) * KEEPER_FDS)];
	} u;
	const char	*tops[SLOT_MAX_TOPS];
	uint64_t	 exe[3];
	int		 fds[KEEPER_FDS] = { -1, -1, -1, -1 };
	int		 fd, i, n = 0, rc = -1;
	ssize_t		 got;

	if ((fd = slot_keeper_connect(sb->box_root, sb->slot, err)) < 0)
		return fd == -2 ? 0 : -1;
	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	if (send(fd, "j", 1, MSG_NOSIGNAL) != 1 ||
	    (got = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) == -1) {
		err_errno(err, "kept slot %u", sb->slot);
		goto out;
	}
	if ((cm = CMSG_FIRSTHDR(&mh)) != NULL &&
	    cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n > KEEPER_FDS)
			n = KEEPER_FDS;
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)n);
	}
	if (got != (ssize_t)sizeof(m) || (mh.msg_flags & MSG_CTRUNC) ||
	    n < 3 || n != m.nfds) {
		err_set(err, "kept slot %u: the keeper could not renew it",
		    sb->slot);
		goto out;
	}
	slot_exe_id(exe);
	if (memcmp(exe, m.exe, sizeof(exe)) != 0) {
		rc = 2;
		goto out;
	}
	slot_ns_close(sb);
	sb->userns_fd = fds[0];
	sb->mntns_fd = fds[1];
	sb->netns_fd = fds[2];
	sb->unix_fd = fds[3];
	for (i = 0; i < KEEPER_FDS; i++)
		fds[i] = -1;
	/* what H overlaid; J finds a top overlaid by an earlier run itself */
	sb->ntops = child_sys_tops(tops, SLOT_MAX_TOPS);
	for (i = 0; i < sb->ntops; i++)
		snprintf(sb->tops[i], sizeof(sb->tops[0]), "%s", tops[i]);
	sb->gen++;
	sb->stale = 0;
	sb->ns_made_us = m.made_us;
	sb->dpkg_mtime_ns = m.dpkg_mtime_ns;
	rc = 1;
out:
	for (i = 0; i < KEEPER_FDS; i++)
		if (fds[i] != -1)
			close(fds[i]);
	close(fd);
	return rc;
}

int
sandbox_slot_keep(struct sandbox *sb, struct err *err)
{
	struct sockaddr_un	sa;
	int			lfd = -1, rc = -1;
	pid_t			pid;

	/* one of this build runs already; one of another build goes */
	switch (keeper_join(sb, err)) {
	case -1:
		return -1;
	case 1:
		return 0;
	case 2:
		if (sandbox_slot_release(sb, err) == -1)
			return -1;
		break;
	}
	if (slot_ns_open(sb, err) == -1)
		return -1;
	(void)keeper_addr(sb->box_root, sb->slot, &sa);
	if ((lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 16) == -1) {
		err_errno(err, "keeper socket %s", sa.sun_path);
		goto out;
	}
	if ((pid = fork()) == -1) {
		err_errno(err, "fork the keeper");
		(void)unlink(sa.sun_path);
		goto out;
	}
	if (pid == 0)
		keeper_main(sb, lfd, sa.sun_path);
	rc = 1;
out:
	if (lfd != -1)
		close(lfd);
	return rc;
}

int
sandbox_slot_join(struct sandbox *sb, struct err *err)
{
	int	rc;

	if ((rc = keeper_join(sb, err)) != 2)
		return rc;
	err_set(err, "slot %u's keeper runs another build of coderunner: "
	    "not joined (--cleanup, then --init again)", sb->slot);
	return 0;
}

int
sandbox_slot_release(struct sandbox *sb, struct err *err)
{
	char	b;
	int	fd;

	if ((fd = slot_keeper_connect(sb->box_root, sb->slot, err)) < 0)
		return fd == -2 ? 0 : -1;
	/* its answer, or EOF: it has removed the socket either way */
	if (send(fd, "q", 1, MSG_NOSIGNAL) != 1 || recv(fd, &b, 1, 0) == -1) {
		close(fd);
		return err_errno(err, "stop the keeper of slot %u", sb->slot);
	}
	close(fd);
	return 1;
}
