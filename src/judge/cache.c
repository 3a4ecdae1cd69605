/*
 * The compile cache.  An entry is one file in the cache directory, named
 * by its key: the SHA-256 of everything a compile depends on (the
 * language, its toolchain's version, the compile command, the compiler
 * options and every file written into the box, names, modes and bytes),
 * so two compiles with the same key are the same compile.
 *
 * Why it cannot carry anything from one submission to another: an entry
 * is made only from the box of a compile of exactly its key, right after
 * that compile, before any test ran in the box; the host reads that box
 * through fds and takes plain files only (sandbox_box_export: a link, a
 * fifo or an unreadable file and nothing is kept); entries are written
 * by the service alone, in a directory only it may enter, whole or not at
 * all (a temporary file renamed into place); and a hit gives a new box a
 * copy of the files, so no run ever writes to the cache.
 *
 * The format, all integers little-endian:
 *
 *   "CRCACHE1"
 *   'F' u16 path_len, path, u32 mode, u64 len, data     per file
 *   'O' u64 len, data                                   compiler output
 *   'E'                                                 end
 *
 * A reader checks every length against what is left and takes an entry
 * that does not parse as absent (and removes it).
 *
 * Eviction: a hit sets the entry's mtime; after each new entry the oldest
 * are removed until the directory holds at most max_bytes.  Executors
 * share the directory: a rename is atomic, a reader keeps the entry it
 * opened even if it is removed meanwhile.
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
#include "base/hmac.h"
#include "base/util.h"
#include "cache.h"
#include "sandbox/sandbox.h"

#define MAGIC		"CRCACHE1"
#define MAX_ENTRY	(256ull << 20)	/* an entry we would read */

struct cache {
	int		 dir_fd;
	uint64_t	 max_bytes;
};

struct cache_key {
	struct sha256_ctx	ctx;
};

struct cache_writer {
	struct cache	*c;
	int		 fd;
	char		 tmp[128];
	char		 key[CACHE_KEY_HEX];
	int		 failed;
};

struct cache *
cache_open(const char *dir, uint64_t max_bytes, struct err *err)
{
	struct cache	*c;
	struct stat	 st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		err_errno(err, "mkdir %s", dir);
		return NULL;
	}
	if (lstat(dir, &st) == -1) {
		err_errno(err, "compile cache %s", dir);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		err_set(err, "compile cache %s must be a directory of ours "
		    "with mode 0700 (not a link)", dir);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_errno(err, "calloc");
		return NULL;
	}
	c->max_bytes = max_bytes;
	if ((c->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		err_errno(err, "open %s", dir);
		free(c);
		return NULL;
	}
	return c;
}

void
cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	close(c->dir_fd);
	free(c);
}

struct cache_key *
cache_key_new(void)
{
	struct cache_key	*k;

	if ((k = malloc(sizeof(*k))) != NULL) {
		sha256_init(&k->ctx);
		cache_key_str(k, "coderunner compile cache 1");
	}
	return k;
}

void
cache_key_add(struct cache_key *k, const void *p, size_t len)
{
	uint64_t	n = len;

	/* the length first: no two sequences of inputs run together */
	sha256_update(&k->ctx, &n, sizeof(n));
	sha256_update(&k->ctx, p, len);
}

void
cache_key_str(struct cache_key *k, const char *s)
{
	cache_key_add(k, s, strlen(s) + 1);
}

void
cache_key_final(struct cache_key *k, char out[CACHE_KEY_HEX])
{
	unsigned char	d[SHA256_DIGEST_BYTES];

	sha256_final(&k->ctx, d);
	hmac_hex(d, sizeof(d), out);
	free(k);
}

/* --- reading ---------------------------------------------------------- */

/* A cursor over an entry in memory. */
struct cur {
	const unsigned char	*p;
	size_t			 left;
};

static int
take(struct cur *c, void *out, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

/* A copy of the next n bytes, NUL-terminated; NULL if short or no memory */
static char *
take_dup(struct cur *c, uint64_t n)
{
	char	*s;

	if (c->left < n || (s = util_memdup0(c->p, (size_t)n)) == NULL)
		return NULL;
	c->p += n;
	c->left -= n;
	return s;
}

void
cache_entry_free(struct cache_entry *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nfiles; i++) {
		free(e->files[i].path);
		free(e->files[i].data);
	}
	free(e->files);
	free(e->output);
	free(e);
}

/* Parses an entry; returns it, or NULL if it is not one. */
static struct cache_entry *
parse(const unsigned char *buf, size_t len)
{
	struct cache_entry	*e;
	struct cache_file	*f;
	struct cur		 c = { buf, len };
	char			 magic[8], type;
	uint16_t		 plen;
	uint32_t		 mode;
	uint64_t		 n;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (take(&c, magic, 8) == -1 || memcmp(magic, MAGIC, 8) != 0)
		goto bad;
	for (;;) {
		if (take(&c, &type, 1) == -1)
			goto bad;
		if (type == 'E')
			break;
		if (type == 'O') {
			if (e->output != NULL || take(&c, &n, 8) == -1 ||
			    (e->output = take_dup(&c, n)) == NULL)
				goto bad;
			e->output_len = (size_t)n;
			continue;
		}
		if (type != 'F' || e->nfiles == 100000 ||
		    (f = reallocarray(e->files, e->nfiles + 1,
		    sizeof(*f))) == NULL)
			goto bad;
		e->files = f;
		f = &e->files[e->nfiles];
		memset(f, 0, sizeof(*f));
		e->nfiles++;
		if (take(&c, &plen, 2) == -1 ||
		    (f->path = take_dup(&c, plen)) == NULL ||
		    strlen(f->path) != plen || take(&c, &mode, 4) == -1 ||
		    take(&c, &n, 8) == -1 ||
		    (f->data = take_dup(&c, n)) == NULL)
			goto bad;
		f->mode = (int)(mode & 0777);
		f->len = (size_t)n;
	}
	if (c.left != 0 || e->output == NULL)
		goto bad;
	return e;
bad:
	cache_entry_free(e);
	return NULL;
}

int
cache_get(struct cache *c, const char *key, struct cache_entry **e,
    struct err *err)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	*e = NULL;
	if ((fd = openat(c->dir_fd, key, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_errno(err, "open cache entry");
	}
	if (fstat(fd, &st) == -1) {
		err_errno(err, "fstat cache entry");
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_ENTRY) {
		rc = 0;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		err_errno(err, "malloc");
		goto out;
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	if ((*e = parse(buf, got)) == NULL) {
		/* broken (a crash mid-write cannot do it; a disk can) */
		(void)unlinkat(c->dir_fd, key, 0);
		rc = 0;
		goto out;
	}
	(void)futimens(fd, NULL);	/* recently used */
	rc = 1;
out:
	free(buf);
	close(fd);
	return rc;
}

/* --- writing ---------------------------------------------------------- */

static void
put(struct cache_writer *w, const void *p, size_t len)
{
	const char	*q = p;
	ssize_t		 n;

	while (!w->failed && len > 0) {
		if ((n = write(w->fd, q, len)) == -1) {
			if (errno == EINTR)
				continue;
			w->failed = errno;
			break;
		}
		q += n;
		len -= (size_t)n;
	}
}

struct cache_writer *
cache_put_begin(struct cache *c, const char *key, struct err *err)
{
	struct cache_writer	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		err_errno(err, "calloc");
		return NULL;
	}
	w->c = c;
	snprintf(w->key, sizeof(w->key), "%s", key);
	snprintf(w->tmp, sizeof(w->tmp), ".tmp-%d-%.16s", (int)getpid(), key);
	if ((w->fd = openat(c->dir_fd, w->tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		err_errno(err, "create cache entry");
		free(w);
		return NULL;
	}
	put(w, MAGIC, 8);
	return w;
}

int
cache_put_file(void *arg, const struct sandbox_box_file *f, struct err *err)
{
	struct cache_writer	*w = arg;
	uint16_t		 plen = (uint16_t)strlen(f->path);
	uint32_t		 mode = (uint32_t)f->mode;
	uint64_t		 len = f->len;

	(void)err;
	put(w, "F", 1);
	put(w, &plen, 2);
	put(w, f->path, plen);
	put(w, &mode, 4);
	put(w, &len, 8);
	put(w, f->data, f->len);
	return 0;
}

void
cache_put_abort(struct cache_writer *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	(void)unlinkat(w->c->dir_fd, w->tmp, 0);
	free(w);
}

/* Removes the oldest entries until the directory holds max_bytes. */
static void
evict(struct cache *c)
{
	struct old {
		char		name[CACHE_KEY_HEX];
		int64_t		mtime_ns;
		uint64_t	size;
	}		*v = NULL, *nv, *o;
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	uint64_t	 total = 0;
	size_t		 n = 0, i;
	int		 fd;

	if ((fd = openat(c->dir_fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		/* a writer that died mid-entry left its temporary file */
		if (strncmp(e->d_name, ".tmp-", 5) == 0) {
			long	pid = strtol(e->d_name + 5, NULL, 10);

			if (pid > 0 && kill((pid_t)pid, 0) == -1 &&
			    errno == ESRCH)
				(void)unlinkat(c->dir_fd, e->d_name, 0);
			continue;
		}
		if (strlen(e->d_name) != CACHE_KEY_HEX - 1 ||
		    fstatat(c->dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode) ||
		    (nv = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			continue;
		v = nv;
		o = &v[n++];
		memcpy(o->name, e->d_name, CACHE_KEY_HEX);
		o->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec;
		o->size = (uint64_t)st.st_size;
		total += o->size;
	}
	closedir(d);
	while (total > c->max_bytes && n > 0) {
		/* the oldest; n is small (the cap keeps it so) */
		for (o = &v[0], i = 1; i < n; i++)
			if (v[i].mtime_ns < o->mtime_ns)
				o = &v[i];
		(void)unlinkat(c->dir_fd, o->name, 0);
		total -= o->size;
		*o = v[--n];
	}
	free(v);
}

int
cache_put_commit(struct cache_writer *w, const char *output,
    size_t output_len, struct err *err)
{
	uint64_t	len = output_len;
	int		rc = -1;

	put(w, "O", 1);
	put(w, &len, 8);
	put(w, output, output_len);
	put(w, "E", 1);
	if (w->failed) {
		errno = w->failed;
		err_errno(err, "write cache entry");
	} else if (renameat(w->c->dir_fd, w->tmp, w->c->dir_fd, w->key) == -1)
		err_errno(err, "rename cache entry");
	else
		rc = 0;
	if (rc == -1)
		(void)unlinkat(w->c->dir_fd, w->tmp, 0);
	close(w->fd);
	evict(w->c);
	free(w);
	return rc;
}
