/*
 * Box directories on the host side.  A box is a fresh directory with an
 * unpredictable name under box_root: "s<slot>-<pid>-<64 random bits>",
 * where pid is the process that made it, so that a startup sweep removes
 * only the boxes of dead makers (another instance may share box_root and
 * even the slot number, e.g. two CLI runs).
 *
 * The program inside may plant links, fifos or unreadable directories in
 * it, so host code never resolves a path inside a box: it works relative
 * to dir fds, opens with O_NOFOLLOW, checks S_ISREG before reading, caps
 * what it reads, and removes with unlinkat(2) on names it read from the
 * directory itself.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox_int.h"

#define BOX_MAX_DEPTH	64

int
sandbox_box_create(struct sandbox *sb, struct err *err)
{
	unsigned char	rnd[8];
	char		name[64];
	int		fd = -1, try;

	for (try = 0; try < 8; try++) {
		if (util_random(rnd, sizeof(rnd), err) == -1)
			return -1;
		snprintf(name, sizeof(name),
		    "s%u-%d-%02x%02x%02x%02x%02x%02x%02x%02x", sb->slot,
		    (int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		    rnd[5], rnd[6], rnd[7]);
		if (mkdirat(sb->box_root_fd, name, 0700) == 0)
			break;
		if (errno != EEXIST)
			return err_errno(err, "mkdir box %s", name);
	}
	if (try == 8)
		return err_set(err, "cannot make a unique box name");
	if ((fd = openat(sb->box_root_fd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_errno(err, "open box %s", name);
	/* as root the box belongs to the slot's own outer uid */
	if (sb->privileged && fchown(fd, sb->outer_uid, sb->outer_gid) == -1) {
		err_errno(err, "chown box");
		(void)sandbox_box_remove(sb, fd, NULL);
		return -1;
	}
	return fd;
}

int
sandbox_box_write(int box_fd, const char *name, const void *data,
    size_t len, int mode, struct err *err)
{
	const char	*p = data;
	ssize_t		 n;
	int		 fd, rc = 0;

	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_set(err, "bad file name");
	if ((fd = openat(box_fd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, mode)) == -1)
		return err_errno(err, "create %s", name);
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			rc = err_errno(err, "write %s", name);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	/* fchmod: the mode given to openat is masked by the umask */
	if (rc == 0 && fchmod(fd, mode) == -1)
		rc = err_errno(err, "chmod %s", name);
	close(fd);
	return rc;
}

int
sandbox_box_read(int box_fd, const char *name, size_t cap, char **data,
    size_t *len, struct err *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	/* O_NONBLOCK: a planted fifo must not hang us before fstat says so */
	if ((fd = openat(box_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY)) == -1) {
		if (errno == ENOENT || errno == ELOOP)
			rc = 0;
		else
			err_errno(err, "open %s", name);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		err_errno(err, "fstat %s", name);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = 0;
		goto out;
	}
	if ((buf = malloc(cap + 1)) == NULL) {
		err_errno(err, "malloc");
		goto out;
	}
	while (got < cap && (n = read(fd, buf + got, cap - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err_errno(err, "read %s", name);
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	buf = NULL;
	rc = 1;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

/* Removes the entries below dirfd, recursing at most depth levels. */
static int
clear_at(int dirfd, int depth, struct err *err)
{
	DIR		*d = NULL;
	struct dirent	*e;
	struct stat	 st;
	int		 fd = -1, dup_fd, rc = 0;

	if (depth > BOX_MAX_DEPTH)
		return err_set(err, "box too deep");
	if ((dup_fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return err_errno(err, "reopen dir");
	if ((d = fdopendir(dup_fd)) == NULL) {
		close(dup_fd);
		return err_errno(err, "fdopendir");
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			/*
			 * The program may have made it unreadable to us; if
			 * chmod fails too, the open below reports it.
			 */
			(void)!fchmodat(dirfd, e->d_name, 0700, 0);
			if ((fd = openat(dirfd, e->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
				rc = err_errno(err, "open %s", e->d_name);
				continue;
			}
			if (clear_at(fd, depth + 1, err) == -1)
				rc = -1;
			close(fd);
			fd = -1;
			if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR) == -1)
				rc = err_errno(err, "rmdir %s", e->d_name);
		} else if (unlinkat(dirfd, e->d_name, 0) == -1)
			rc = err_errno(err, "unlink %s", e->d_name);
	}
	closedir(d);
	return rc;
}

int
box_clear(int dirfd, struct err *err)
{
	return clear_at(dirfd, 0, err);
}

int
sandbox_box_remove(struct sandbox *sb, int box_fd, struct err *err)
{
	char		 link[64], path[4096], *name;
	ssize_t		 n;
	int		 rc;

	if (box_fd == -1)
		return 0;
	rc = box_clear(box_fd, err);
	/* the box's own name, from the kernel, to rmdir it under box_root */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", box_fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) > 0) {
		path[n] = '\0';
		if ((name = strrchr(path, '/')) != NULL &&
		    unlinkat(sb->box_root_fd, name + 1, AT_REMOVEDIR) == -1 &&
		    rc == 0)
			rc = err_errno(err, "rmdir box %s", name + 1);
	} else if (rc == 0)
		rc = err_errno(err, "readlink %s", link);
	close(box_fd);
	return rc;
}

/* Whether the maker named in "s<slot>-<pid>-..." is another live process. */
static int
maker_alive(const char *name)
{
	const char	*p;
	long		 pid;

	if ((p = strchr(name, '-')) == NULL)
		return 0;
	pid = strtol(p + 1, NULL, 10);
	if (pid <= 0 || pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
sandbox_sweep(struct sandbox *sb, int slot_all, struct err *err)
{
	DIR		*d = NULL;
	struct dirent	*e;
	char		 prefix[32];
	int		 fd, dup_fd, n = 0;

	snprintf(prefix, sizeof(prefix), "s%u-", sb->slot);
	if ((dup_fd = openat(sb->box_root_fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return err_errno(err, "open box root");
	if ((d = fdopendir(dup_fd)) == NULL) {
		close(dup_fd);
		return err_errno(err, "fdopendir box root");
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != 's' || (!slot_all &&
		    strncmp(e->d_name, prefix, strlen(prefix)) != 0) ||
		    maker_alive(e->d_name))
			continue;
		if ((fd = openat(sb->box_root_fd, e->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
			continue;
		if (sandbox_box_remove(sb, fd, NULL) == 0)
			n++;
	}
	closedir(d);
	n += cgroup_sweep(&sb->cg, slot_all ? "s" : prefix);
	return n;
}
