/*
 * Boxes, seen from P.  A box is a tmpfs of its own that lives in the
 * slot's private mount namespace (sandbox.c's theory), mounted by the J
 * of the first run that uses it, at box_root/<name> there; on the host,
 * box_root stays an empty directory.  So whatever a compile or a program
 * writes is capped by the box's size and inode limits, never reaches the
 * host's disk, and goes whole with one unmount: host code never opens,
 * reads or walks anything a program could have made.
 *
 * The files of a box are queued here (copies) and written by that first
 * J, as the box's uid, with O_EXCL | O_NOFOLLOW into the fresh tmpfs.
 *
 * What is left on the host's disk to clean up is what older versions put
 * in box_root (box directories with a program's files in them): the
 * sweep removes those with box_clear(), which walks any depth without
 * following links.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "sandbox_int.h"

/*
 * Whether the slot's namespaces should be made anew before a new box:
 * the overlays of the system's dirs see the host's files as they were
 * when they were mounted (overlayfs does not expect its lower layers to
 * change), so after a package upgrade or a while they are renewed, and
 * when a box could not be unmounted.  Only when no box lives in them.
 */
static int
slot_stale(const struct sandbox *sb)
{
	return sb->userns_fd != -1 && sb->nboxes == 0 && (sb->stale ||
	    slot_aged(sb));
}

/* Whether name is a relative path of plain components, not too deep. */
static int
box_path_ok(const char *name)
{
	const char	*p = name, *end;
	size_t		 n;
	int		 depth = 0;

	for (;;) {
		end = strchr(p, '/');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.') ||
		    ++depth > SANDBOX_BOX_DEPTH)
			return 0;
		if (end == NULL)
			return 1;
		p = end + 1;
	}
}

struct sandbox_box *
sandbox_box_new(struct sandbox *sb, uint64_t bytes, uint32_t inodes,
    struct err *err)
{
	struct sandbox_box	*b;
	unsigned char		 rnd[8];

	if (bytes == 0 || inodes == 0) {
		err_set(err, "box: size and inodes are required");
		return NULL;
	}
	if (util_random(rnd, sizeof(rnd), err) == -1)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		err_errno(err, "calloc");
		return NULL;
	}
	if (slot_stale(sb))
		slot_ns_close(sb);
	snprintf(b->name, sizeof(b->name),
	    "b%lu-%02x%02x%02x%02x%02x%02x%02x%02x", sb->seq++, rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	b->bytes = bytes;
	b->inodes = inodes;
	sb->nboxes++;
	return b;
}

int
sandbox_box_write(struct sandbox_box *b, const char *name, const void *data,
    size_t len, int mode, struct err *err)
{
	struct box_file	*f;

	if (!box_path_ok(name) || strlen(name) >= sizeof(f->name))
		return err_set(err, "bad file name");
	if (b->mounted)
		return err_set(err, "box: a run used it already");
	if ((f = reallocarray(b->files, b->nfiles + 1, sizeof(*f))) == NULL)
		return err_errno(err, "realloc");
	b->files = f;
	f = &b->files[b->nfiles];
	if ((f->data = util_memdup0(data, len)) == NULL)
		return err_errno(err, "malloc");
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->len = len;
	f->mode = mode & 0777;
	b->nfiles++;
	return 0;
}

static void
box_files_free(struct sandbox_box *b)
{
	size_t	i;

	for (i = 0; i < b->nfiles; i++)
		free(b->files[i].data);
	free(b->files);
	b->files = NULL;
	b->nfiles = 0;
}

void
box_made(struct sandbox_box *b, unsigned long gen)
{
	b->mounted = 1;
	b->gen = gen;
	box_files_free(b);
}

int
sandbox_box_free(struct sandbox *sb, struct sandbox_box *b, struct err *err)
{
	int	rc = 0;

	if (b == NULL)
		return 0;
	/* in namespaces that are gone, it went with them */
	if (b->mounted && b->gen == sb->gen && sb->userns_fd != -1 &&
	    (rc = slot_box_unmount(sb, b->name, err)) == -1)
		sb->stale = 1;	/* its memory goes with the namespaces */
	box_files_free(b);
	free(b);
	sb->nboxes--;
	return rc;
}

/* What sandbox_box_export's walk carries along. */
struct export {
	int	(*fn)(void *, const struct sandbox_box_file *, struct err *);
	void	*arg;
	unsigned int	 files_left;
	uint64_t	 bytes_left;
};

/*
 * Hands over the regular files below dfd (whose path is prefix) to x->fn.
 * Returns 1, 0 (something not to rely on) or -1, as sandbox_box_export.
 */
static int
export_dir(int dfd, const char *prefix, int depth, struct export *x,
    struct err *err)
{
	struct sandbox_box_file	 f;
	DIR			*d;
	struct dirent		*e;
	struct stat		 st;
	char			 path[256], *data = NULL;
	ssize_t			 n;
	size_t			 got;
	int			 fd = -1, dup_fd, rc = 1;

	if ((dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(dup_fd)) == NULL) {
		close(dup_fd);
		return err_errno(err, "fdopendir");
	}
	while (rc == 1 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", prefix,
		    *prefix ? "/" : "", e->d_name) >= sizeof(path) ||
		    !box_path_ok(path)) {
			rc = 0;
			break;
		}
		/* O_NONBLOCK: a fifo must not hang us before fstat says so */
		if ((fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1 ||
		    fstat(fd, &st) == -1) {
			rc = 0;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = depth + 1 < SANDBOX_BOX_DEPTH ?
			    export_dir(fd, path, depth + 1, x, err) : 0;
		} else if (!S_ISREG(st.st_mode) || x->files_left == 0 ||
		    (uint64_t)st.st_size > x->bytes_left)
			rc = 0;
		else {
			x->files_left--;
			x->bytes_left -= (uint64_t)st.st_size;
			if ((data = malloc((size_t)st.st_size + 1)) == NULL) {
				rc = err_errno(err, "malloc");
				break;
			}
			for (got = 0; got < (size_t)st.st_size; got += n)
				if ((n = read(fd, data + got,
				    (size_t)st.st_size - got)) <= 0)
					break;
			if (got != (size_t)st.st_size)
				rc = 0;	/* it changed, or a read failed */
			else {
				f.path = path;
				f.mode = (int)(st.st_mode & 0777);
				f.data = data;
				f.len = got;
				if (x->fn(x->arg, &f, err) == -1)
					rc = -1;
			}
			free(data);
			data = NULL;
		}
		close(fd);
		fd = -1;
	}
	if (fd != -1)
		close(fd);
	closedir(d);
	return rc;
}

int
sandbox_box_export(struct sandbox *sb, struct sandbox_box *b,
    unsigned int max_files, uint64_t max_bytes,
    int (*fn)(void *, const struct sandbox_box_file *, struct err *),
    void *arg, struct err *err)
{
	struct export	x = { fn, arg, max_files, max_bytes };
	int		fd, rc;

	if (!b->mounted || b->gen != sb->gen || sb->userns_fd == -1)
		return err_set(err, "box %s: no run made it", b->name);
	if ((fd = slot_box_open(sb, b->name, err)) == -1)
		return -1;
	rc = export_dir(fd, "", 0, &x, err);
	close(fd);
	return rc;
}

/* One level of box_clear's walk: where it came from, to check "..". */
struct level {
	dev_t	dev;
	ino_t	ino;
	char	name[256];	/* this dir's name in its parent */
};

/*
 * Removes every entry of dir fd that is not a directory, and returns the
 * name of one subdirectory in *sub (1), or 0 when there is none.  -1 on
 * a read error.  Entries that cannot be removed are noted in *failed.
 */
static int
clear_files(int fd, char sub[256], int *failed, struct err *err)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	int		 dup_fd, found = 0;

	if ((dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return err_errno(err, "reopen dir");
	if ((d = fdopendir(dup_fd)) == NULL) {
		close(dup_fd);
		return err_errno(err, "fdopendir");
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!found) {
				snprintf(sub, 256, "%s", e->d_name);
				found = 1;
			}
		} else if (unlinkat(fd, e->d_name, 0) == -1 && !*failed) {
			err_errno(err, "unlink %s", e->d_name);
			*failed = 1;
		}
	}
	closedir(d);
	return found;
}

int
box_clear(int dirfd, struct err *err)
{
	struct level	*lv = NULL, *nlv;
	struct stat	 st;
	size_t		 depth = 0, cap = 0;
	char		 sub[256];
	int		 fd = -1, next, failed = 0, r, rc = -1;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return err_errno(err, "open dir");
	for (;;) {
		if ((r = clear_files(fd, sub, &failed, err)) == -1)
			goto out;
		if (r == 1) {
			/*
			 * Down: the program may have made it unreadable to
			 * us; if chmod fails too, the open says so.
			 */
			(void)!fchmodat(fd, sub, 0700, 0);
			if ((next = openat(fd, sub, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) == -1) {
				err_errno(err, "open %s", sub);
				goto out;
			}
			if (depth == cap) {
				cap = cap ? cap * 2 : 16;
				if ((nlv = reallocarray(lv, cap,
				    sizeof(*lv))) == NULL) {
					close(next);
					err_errno(err, "realloc");
					goto out;
				}
				lv = nlv;
			}
			if (fstat(fd, &st) == -1) {
				close(next);
				err_errno(err, "fstat");
				goto out;
			}
			lv[depth].dev = st.st_dev;
			lv[depth].ino = st.st_ino;
			snprintf(lv[depth].name, sizeof(lv[depth].name), "%s",
			    sub);
			depth++;
			close(fd);
			fd = next;
			continue;
		}
		/* this dir is empty: up, to the dir we came from, and rmdir */
		if (depth == 0)
			break;
		depth--;
		if ((next = openat(fd, "..", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1) {
			err_errno(err, "open ..");
			goto out;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) == -1 || st.st_dev != lv[depth].dev ||
		    st.st_ino != lv[depth].ino) {
			err_set(err, "a directory moved while it was removed");
			goto out;
		}
		if (unlinkat(fd, lv[depth].name, AT_REMOVEDIR) == -1) {
			/* a file we could not remove keeps it: give up */
			err_errno(err, "rmdir %s", lv[depth].name);
			goto out;
		}
	}
	rc = failed ? -1 : 0;
out:
	if (fd != -1)
		close(fd);
	free(lv);
	return rc;
}

int
sandbox_sweep(struct sandbox *sb, int slot_all, struct err *err)
{
	DIR		*d = NULL;
	struct dirent	*e;
	char		 prefix[32];
	int		 root_fd, fd, n = 0, failed = 0;
	struct err	 e1 = { "" };

	snprintf(prefix, sizeof(prefix), "s%u-", sb->slot);
	if ((root_fd = open(sb->box_root, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_errno(err, "open %s", sb->box_root);
	if ((d = fdopendir(root_fd)) == NULL) {
		close(root_fd);
		return err_errno(err, "fdopendir %s", sb->box_root);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != 's' || (!slot_all &&
		    strncmp(e->d_name, prefix, strlen(prefix)) != 0) ||
		    sandbox_maker_alive(e->d_name))
			continue;
		if ((fd = openat(root_fd, e->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			continue;
		if (box_clear(fd, &e1) == -1 ||
		    unlinkat(root_fd, e->d_name, AT_REMOVEDIR) == -1) {
			if (!failed)
				err_set(err, "sweep %s: %s", e->d_name,
				    e1.msg[0] ? e1.msg : strerror(errno));
			failed = 1;
		} else
			n++;
		e1.msg[0] = '\0';
		close(fd);
	}
	closedir(d);
	/* the spare is ours, but named as a leftover would be */
	sandbox_spare_drop(sb);
	n += cgroup_sweep(&sb->cg, slot_all ? "s" : prefix);
	return failed ? -1 : n;
}
