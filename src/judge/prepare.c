/*
 * Prepared files.  A language may name a prepare command (languages.json,
 * "prepare"): a compile of fixed input from the table that makes a file
 * every later compile can use, such as g++'s precompiled bits/stdc++.h
 * (1.9 s -> 0.6 s for a hello world that includes it) or a class-data
 * archive of the classes javac loads.  The first compile of the language
 * runs without it; after that job the executor makes the files (here),
 * and later compiles get the prepare options ("{prepared}" in the
 * compile command), which point at them.
 *
 * Where they are kept: prepared_dir/<language>.<key>/, key the SHA-256
 * of the language, its toolchain's version as probed at start, the
 * prepare command, its input files and its output names, so a new
 * toolchain gets new files (and the language's older ones are removed).
 * The sandbox binds prepared_dir read-only into every run at
 * SANDBOX_PREPARED, so a compile finds them at SANDBOX_PREPARED/<name>.
 *
 * Why they cannot carry anything from one submission to another: the
 * files are made by a run of the table's command on the table's input,
 * in a box of their own, never by or next to a submission; the host
 * reads that box through fds and takes the named outputs only if every
 * entry of the box is a plain file or dir (sandbox_box_export); the
 * service writes them, into a temporary dir renamed into place whole,
 * in a directory only it may write; and runs see it read-only.
 *
 * Executors share the directory: one makes a language's files at a time
 * (an flock on the directory), a reader takes them once renamed in.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "cache.h"
#include "judge.h"
#include "lang.h"
#include "prepare.h"
#include "sandbox/sandbox.h"

/* a precompiled bits/stdc++.h is 100 MB; g++ needs 300 MB making it */
#define PREP_BOX_BYTES		(512ull << 20)
#define PREP_BOX_INODES		4096
#define PREP_MEMORY		(1536ull << 20)
#define PREP_CPU_MS		60000
#define PREP_WALL_MS		120000
#define PREP_PROCS		64
#define PREP_FILES		64
#define PREP_FSIZE		(512ull << 20)
#define PREP_TMP		".making"
#define PREP_DEPTH		8
#define PREP_FAILED_MAX		64
/* an entry's name: the language's (at most 40 bytes), ".", the key */
#define PREP_NAME_MAX		(40 + 1 + CACHE_KEY_HEX)

struct prepared {
	int	 dir_fd;
	/* languages whose files failed here: not tried again */
	char	 failed[PREP_FAILED_MAX][PREP_NAME_MAX];
	int	 nfailed;
};

struct prepared *
prepared_open(const char *dir, struct err *err)
{
	struct prepared	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		err_errno(err, "calloc");
		return NULL;
	}
	if ((p->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		err_errno(err, "open %s", dir);
		free(p);
		return NULL;
	}
	return p;
}

void
prepared_close(struct prepared *p)
{
	if (p == NULL)
		return;
	close(p->dir_fd);
	free(p);
}

/* The name of l's prepared files in the directory: "<language>.<key>". */
static int
prep_key(const struct lang *l, char out[PREP_NAME_MAX])
{
	char			 hex[CACHE_KEY_HEX];
	struct cache_key	*k;
	char			**w;
	char			**lists[3] = { l->prep_argv, l->prep_files,
				    l->prep_outputs };
	size_t			 i;

	if ((k = cache_key_new()) == NULL)
		return -1;
	cache_key_str(k, "prepared files 1");
	cache_key_str(k, l->name);
	cache_key_str(k, l->version != NULL ? l->version : "");
	for (i = 0; i < 3; i++) {
		for (w = lists[i]; w != NULL && *w != NULL; w++)
			cache_key_str(k, *w);
		cache_key_str(k, "");	/* the end of a list */
	}
	cache_key_final(k, hex);
	snprintf(out, PREP_NAME_MAX, "%.40s.%s", l->name, hex);
	return 0;
}

/* Whether the directory holds key's files (renamed in whole). */
static int
prep_ready(const struct prepared *p, const char *key)
{
	struct stat	st;

	return fstatat(p->dir_fd, key, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

int
prepared_words(struct prepared *p, const struct lang *l, char ***words)
{
	char	key[PREP_NAME_MAX], dir[sizeof(SANDBOX_PREPARED) +
		    PREP_NAME_MAX + 1], *at, **v;
	size_t	n, i;

	*words = NULL;
	if (p == NULL || l->prep_argv == NULL)
		return 0;
	if (prep_key(l, key) == -1)
		return -1;
	if (!prep_ready(p, key))
		return 0;
	snprintf(dir, sizeof(dir), "%s/%s", SANDBOX_PREPARED, key);
	for (n = 0; l->prep_options[n] != NULL; n++)
		;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		/* lang.c checked: at most one "{dir}" a word */
		at = strstr(l->prep_options[i], "{dir}");
		if (at == NULL)
			v[i] = strdup(l->prep_options[i]);
		else if (asprintf(&v[i], "%.*s%s%s",
		    (int)(at - l->prep_options[i]), l->prep_options[i], dir,
		    at + 5) == -1)
			v[i] = NULL;
		if (v[i] == NULL) {
			util_strv_free(v);
			return -1;
		}
	}
	*words = v;
	return 0;
}

/*
 * Removes name in dir fd and all below it, without following a link
 * (the service's own temporary dir, left by a crash).
 */
static void
remove_tree(int fd, const char *name, int depth)
{
	DIR		*d;
	struct dirent	*e;
	int		 sub;

	if (unlinkat(fd, name, 0) == 0 || errno == ENOENT || depth == 0)
		return;
	if ((sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(sub)) == NULL) {
		close(sub);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			remove_tree(dirfd(d), e->d_name, depth - 1);
	closedir(d);
	(void)unlinkat(fd, name, AT_REMOVEDIR);
}

/*
 * Removes l's files of other keys (an older toolchain's): a compile that
 * has them open keeps them until it ends.
 */
static void
remove_older(const struct prepared *p, const char *keep)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n = strlen(keep) - (CACHE_KEY_HEX - 1);
	int		 fd;

	if ((fd = openat(p->dir_fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	/* "<language>." and a key of the same length */
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, keep, n) == 0 &&
		    strlen(e->d_name) == strlen(keep) &&
		    strcmp(e->d_name, keep) != 0)
			remove_tree(p->dir_fd, e->d_name, PREP_DEPTH);
	closedir(d);
}

struct keep {
	const struct lang	*l;
	int			 fd;	/* the temporary dir */
	size_t			 kept;
};

/*
 * sandbox_box_export's callback: writes the file if it is one of the
 * outputs (its dirs made on the way), synced before the rename.
 */
static int
keep_output(void *arg, const struct sandbox_box_file *f, struct err *err)
{
	struct keep	*k = arg;
	char		 path[PATH_MAX], *slash;
	size_t		 i, off;
	ssize_t		 w;
	int		 fd, rc = -1;

	for (i = 0; k->l->prep_outputs[i] != NULL; i++)
		if (strcmp(k->l->prep_outputs[i], f->path) == 0)
			break;
	if (k->l->prep_outputs[i] == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s", f->path);
	for (slash = strchr(path, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdirat(k->fd, path, 0755) == -1 && errno != EEXIST)
			return err_errno(err, "mkdir %s", path);
		*slash = '/';
	}
	if ((fd = openat(k->fd, path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1)
		return err_errno(err, "create %s", path);
	for (off = 0; off < f->len; off += (size_t)w)
		if ((w = write(fd, f->data + off, f->len - off)) == -1) {
			err_errno(err, "write %s", path);
			goto out;
		}
	if (fsync(fd) == -1) {
		err_errno(err, "fsync %s", path);
		goto out;
	}
	k->kept++;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Runs the prepare command of l in box. */
static int
prep_run(struct sandbox *sb, const struct lang *l, struct sandbox_box *box,
    struct err *err)
{
	struct sandbox_spec	 spec;
	struct sandbox_result	 r;
	const char		*env[JUDGE_ENV_MAX];
	int			 rc;

	judge_env(l, env);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)l->prep_argv;
	spec.envp = env;
	spec.box = box;
	spec.box_mode = SANDBOX_BOX_RW;
	spec.ro_paths = (const char *const *)l->ro_paths;
	spec.stderr_to_stdout = 1;
	spec.lim.cpu_ms = PREP_CPU_MS;
	spec.lim.wall_ms = PREP_WALL_MS;
	spec.lim.mem_bytes = PREP_MEMORY;
	spec.lim.max_procs = PREP_PROCS;
	spec.lim.fsize_bytes = PREP_FSIZE;
	spec.lim.tmp_bytes = 256u << 20;
	spec.lim.tmp_inodes = 8192;
	if (sandbox_run(sb, &spec, &r, err) == -1)
		return -1;
	rc = 0;
	if (r.status != SANDBOX_OK)
		rc = err_set(err, "%s (%s): %.*s", r.message,
		    sandbox_status_name(r.status),
		    (int)(r.out_len > 200 ? 200 : r.out_len),
		    r.out != NULL ? r.out : "");
	sandbox_result_reset(&r);
	return rc;
}

static int
prep_failed(struct prepared *p, const char *key)
{
	int	i;

	for (i = 0; i < p->nfailed; i++)
		if (strcmp(p->failed[i], key) == 0)
			return 1;
	return 0;
}

int
prepared_make(struct prepared *p, struct sandbox *sb, const struct lang *l,
    struct err *err)
{
	struct sandbox_box	*box = NULL;
	struct keep		 k = { l, -1, 0 };
	struct err		 ignored;
	char			 key[PREP_NAME_MAX];
	size_t			 i;
	int			 locked = 0, rc = -1;

	if (p == NULL || l->prep_argv == NULL)
		return 0;
	if (prep_key(l, key) == -1)
		return err_errno(err, "malloc");
	if (prep_ready(p, key) || prep_failed(p, key))
		return 0;
	/* another executor is making some: this job's language next time */
	if (flock(p->dir_fd, LOCK_EX | LOCK_NB) == -1)
		return errno == EWOULDBLOCK ? 0 : err_errno(err, "flock");
	locked = 1;
	if (prep_ready(p, key)) {	/* made while we looked */
		rc = 0;
		goto out;
	}
	remove_tree(p->dir_fd, PREP_TMP, PREP_DEPTH);
	if ((box = sandbox_box_new(sb, PREP_BOX_BYTES, PREP_BOX_INODES,
	    err)) == NULL)
		goto out;
	for (i = 0; l->prep_files != NULL && l->prep_files[i] != NULL; i += 2)
		if (sandbox_box_write(box, l->prep_files[i], l->prep_files[i + 1],
		    strlen(l->prep_files[i + 1]), 0644, err) == -1)
			goto out;
	if (prep_run(sb, l, box, err) == -1)
		goto out;
	if (mkdirat(p->dir_fd, PREP_TMP, 0755) == -1 ||
	    (k.fd = openat(p->dir_fd, PREP_TMP, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		err_errno(err, "mkdir %s", PREP_TMP);
		goto out;
	}
	switch (sandbox_box_export(sb, box, PREP_FILES, PREP_BOX_BYTES,
	    keep_output, &k, err)) {
	case -1:
		goto out;
	case 0:
		err_set(err, "the box held more than plain files");
		goto out;
	}
	for (i = 0; l->prep_outputs[i] != NULL; i++)
		;
	if (k.kept != i) {
		err_set(err, "%zu of %zu outputs made", k.kept, i);
		goto out;
	}
	if (fsync(k.fd) == -1 || renameat(p->dir_fd, PREP_TMP, p->dir_fd,
	    key) == -1 || fsync(p->dir_fd) == -1) {
		err_errno(err, "keep %s", key);
		goto out;
	}
	remove_older(p, key);
	rc = 1;
out:
	if (k.fd != -1)
		close(k.fd);
	if (rc == -1) {
		if (locked)
			remove_tree(p->dir_fd, PREP_TMP, PREP_DEPTH);
		if (p->nfailed < PREP_FAILED_MAX)
			memcpy(p->failed[p->nfailed++], key, PREP_NAME_MAX);
	}
	if (locked)
		(void)flock(p->dir_fd, LOCK_UN);
	(void)sandbox_box_free(sb, box, &ignored);
	return rc;
}
