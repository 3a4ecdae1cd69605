/*
 * Runs made by a kept slot's keeper for another process (sandbox.h,
 * sandbox_kept_run): the CLI's calls in a slot kept by --init.
 *
 * Joining the slot (sandbox_slot_join) spares a call the slot's
 * namespaces and root, but the call still opens a handle of its own
 * (detects the cgroups, builds the seccomp filter: 1-2 ms), forks the
 * run's children from a new process and waits for the run's init to
 * exit before it can exit itself.  The keeper has all of that done once:
 * a call hands it the run and gets the result back, and what is left to
 * pay is the run, as in the service's executors.
 *
 * The protocol, on the keeper's socket (SOCK_SEQPACKET, one message each
 * way):
 *
 *   caller -> keeper   "r" with a memfd: struct kept_req, then the
 *                      strings (argv, env, ro paths, box file names, each
 *                      NUL-terminated), one struct kept_file per box
 *                      file, the files' bytes, the stdin bytes
 *   keeper -> caller   "R" with a memfd: struct kept_res, then stdout
 *                      and stderr;
 *                      "E" and the sandbox's error text;
 *                      "X": not this keeper's to run (another build of
 *                      the program, or a handle of other options), the
 *                      caller runs it itself.
 *
 * The keeper only serves its own uid (the socket's peer is checked both
 * ways), so it runs nothing the caller could not run itself; still, a
 * request is read whole into the keeper's memory before it is looked at,
 * and every count and length in it is checked against what was read.
 * The binary layouts are the same on both sides because the keeper
 * serves only callers of its own program file (exe id).
 *
 * A caller that goes away (killed, Ctrl-C) closes its end: the keeper's
 * run watches it (sb->cancel_fd) and is killed, as the run of a killed
 * CLI dies with its init.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/util.h"
#include "sandbox_int.h"

#define KEPT_MAGIC	0x6b707472u	/* "rtpk" */
#define KEPT_MAX_LIST	4096		/* argv, env, ro paths, files */
#define KEPT_MAX_BYTES	(1ull << 30)	/* a request or a result */

struct kept_req {
	uint32_t		magic;
	uint64_t		exe[3];		/* the caller's program file */
	char			config[SLOT_CONFIG_ID_MAX];
	struct sandbox_limits	lim;
	int32_t			box_mode;
	int32_t			stderr_to_stdout;
	int32_t			has_box;
	uint32_t		box_inodes;
	uint64_t		box_bytes;
	uint32_t		nargv, nenv, nro, nfiles;
	uint64_t		strings_len;
	uint64_t		stdin_len;
};

struct kept_file {
	uint64_t	len;
	int32_t		mode;
	int32_t		pad;
};

struct kept_res {
	uint32_t		magic;
	struct sandbox_result	res;	/* out and errout follow, not these
					   pointers */
};

void
slot_config_id(const struct sandbox_config *cfg, char *buf, size_t size)
{
	snprintf(buf, size, "cg=%s\ndev=%s\nprep=%s\nuid=%lld",
	    cfg->cgroup_base != NULL ? cfg->cgroup_base : "",
	    cfg->dev_pool != NULL ? cfg->dev_pool : "",
	    cfg->prepared_dir != NULL ? cfg->prepared_dir : "",
	    (long long)cfg->uid_base);
}

/* A memfd holding len bytes of p.  Returns it, or -1 with err set. */
static int
memfd_of(const char *what, const void *p, size_t len, struct err *err)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = memfd_create(what, MFD_CLOEXEC)) == -1)
		return err_errno(err, "memfd_create");
	while (off < len) {
		if ((n = write(fd, (const char *)p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			err_errno(err, "write %s", what);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return fd;
}

/*
 * Reads all of the memfd fd (at most KEPT_MAX_BYTES) into a buffer of our
 * own, so that what is checked cannot change after.  Returns it (*len
 * set; caller frees), or NULL with err set.
 */
static char *
memfd_read(int fd, size_t *len, struct err *err)
{
	struct stat	 st;
	char		*p;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > KEPT_MAX_BYTES) {
		err_set(err, "kept run: not a message");
		return NULL;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		err_errno(err, "malloc");
		return NULL;
	}
	*len = (size_t)pread(fd, p, (size_t)st.st_size, 0);
	if (*len != (size_t)st.st_size) {
		free(p);
		err_set(err, "kept run: short message");
		return NULL;
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* the caller's side                                                  */

/* Appends the strings of v (NULL-terminated) to b; *n: how many. */
static int
put_strv(struct buf *b, const char *const *v, uint32_t *n, struct err *err)
{
	for (*n = 0; v != NULL && v[*n] != NULL; (*n)++) {
		if (*n == KEPT_MAX_LIST)
			return err_set(err, "kept run: list too long");
		if (buf_append(b, v[*n], strlen(v[*n]) + 1, err) == -1)
			return -1;
	}
	return 0;
}

/* The request for spec (and kb) in b, which is empty. */
static int
kept_request(struct buf *b, const struct sandbox_config *cfg,
    const struct sandbox_spec *spec, const struct sandbox_kept_box *kb,
    struct err *err)
{
	struct kept_req		 q;
	struct kept_file	 kf;
	size_t			 i;

	memset(&q, 0, sizeof(q));
	q.magic = KEPT_MAGIC;
	slot_exe_id(q.exe);
	slot_config_id(cfg, q.config, sizeof(q.config));
	q.lim = spec->lim;
	q.box_mode = spec->box_mode;
	q.stderr_to_stdout = spec->stderr_to_stdout;
	if (kb != NULL) {
		if (kb->nfiles > KEPT_MAX_LIST)
			return err_set(err, "kept run: too many files");
		q.has_box = 1;
		q.box_bytes = kb->bytes;
		q.box_inodes = kb->inodes;
		q.nfiles = (uint32_t)kb->nfiles;
	}
	q.stdin_len = spec->stdin_data != NULL ? spec->stdin_len : 0;
	/* the header's place; written again once the strings are counted */
	if (buf_append(b, &q, sizeof(q), err) == -1 ||
	    put_strv(b, spec->argv, &q.nargv, err) == -1 ||
	    put_strv(b, spec->envp, &q.nenv, err) == -1 ||
	    put_strv(b, spec->ro_paths, &q.nro, err) == -1)
		return -1;
	for (i = 0; i < q.nfiles; i++)
		if (buf_append(b, kb->files[i].path,
		    strlen(kb->files[i].path) + 1, err) == -1)
			return -1;
	q.strings_len = b->len - sizeof(q);
	memcpy(b->data, &q, sizeof(q));
	for (i = 0; i < q.nfiles; i++) {
		memset(&kf, 0, sizeof(kf));
		kf.len = kb->files[i].len;
		kf.mode = kb->files[i].mode;
		if (buf_append(b, &kf, sizeof(kf), err) == -1)
			return -1;
	}
	for (i = 0; i < q.nfiles; i++)
		if (buf_append(b, kb->files[i].data, kb->files[i].len,
		    err) == -1)
			return -1;
	if (q.stdin_len > 0 &&
	    buf_append(b, spec->stdin_data, q.stdin_len, err) == -1)
		return -1;
	return 0;
}

/* Takes the keeper's result from the memfd fd into res. */
static int
kept_result(int fd, struct sandbox_result *res, struct err *err)
{
	struct kept_res	 kr;
	char		*p;
	size_t		 len;
	int		 rc = -1;

	if ((p = memfd_read(fd, &len, err)) == NULL)
		return -1;
	if (len < sizeof(kr))
		goto bad;
	memcpy(&kr, p, sizeof(kr));
	if (kr.magic != KEPT_MAGIC || kr.res.out_len > len - sizeof(kr) ||
	    kr.res.errout_len != len - sizeof(kr) - kr.res.out_len)
		goto bad;
	*res = kr.res;
	res->out = util_memdup0(p + sizeof(kr), res->out_len);
	res->errout = util_memdup0(p + sizeof(kr) + res->out_len,
	    res->errout_len);
	if (res->out == NULL || res->errout == NULL) {
		sandbox_result_reset(res);
		err_errno(err, "malloc");
		goto out;
	}
	rc = 0;
	goto out;
bad:
	err_set(err, "kept run: a result that does not add up");
out:
	free(p);
	return rc;
}

int
sandbox_kept_run(const struct sandbox_config *cfg,
    const struct sandbox_spec *spec, const struct sandbox_kept_box *kb,
    struct sandbox_result *res, struct err *err)
{
	struct buf	 b = { 0 };
	struct err	 e2;
	char		 msg[300], abs[PATH_MAX];
	ssize_t		 n;
	int		 sock, memfd = -1, rfd = -1, rc = -1;

	memset(res, 0, sizeof(*res));
	if (spec->argv == NULL || spec->argv[0] == NULL ||
	    spec->lim.wall_ms == 0)
		return err_set(err, "sandbox: argv and wall time are required");
	/*
	 * Only in a box_root that sandbox_open would take: no link, ours
	 * alone.  Any other (or none) is left to it, which says what is
	 * wrong with it.
	 */
	if (slot_box_root_ours(cfg->box_root, abs, &e2) == -1)
		return 0;
	if ((sock = slot_keeper_connect(abs, cfg->slot, err)) < 0)
		return sock == -2 ? 0 : -1;
	if (kept_request(&b, cfg, spec, kb, err) == -1 ||
	    (memfd = memfd_of("coderunner-run", b.data, b.len, err)) == -1)
		goto out;
	buf_reset(&b);
	if (sandbox_send_msg(sock, 'r', NULL, 0, memfd) == -1 ||
	    (n = sandbox_recv_msg(sock, msg, sizeof(msg) - 1, &rfd, 0)) <= 0) {
		err_set(err, "kept slot %u: the keeper did not answer",
		    cfg->slot);
		goto out;
	}
	msg[n] = '\0';
	switch (msg[0]) {
	case 'X':
		rc = 0;		/* not the keeper's: the caller runs it */
		break;
	case 'E':
		err_set(err, "%s", msg + 1);
		break;
	case 'R':
		if (rfd == -1)
			err_set(err, "kept slot %u: a result without its data",
			    cfg->slot);
		else if (kept_result(rfd, res, err) == 0)
			rc = 1;
		break;
	default:
		err_set(err, "kept slot %u: an answer of another kind",
		    cfg->slot);
	}
out:
	buf_reset(&b);
	fd_close(&memfd);
	fd_close(&rfd);
	close(sock);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the keeper's side                                                  */

/* A parsed request: pointers into the keeper's copy of it. */
struct kept_job {
	struct sandbox_spec	 spec;
	const char		*argv[KEPT_MAX_LIST + 1];
	const char		*env[KEPT_MAX_LIST + 1];
	const char		*ro[KEPT_MAX_LIST + 1];
	const char		*names[KEPT_MAX_LIST];
	struct kept_file	 files[KEPT_MAX_LIST];
	const char		*data[KEPT_MAX_LIST];
	struct kept_req		 q;
};

/* Points v at n strings from *p (before end); NULL-terminated. */
static int
take_strv(const char **v, uint32_t n, const char **p, const char *end)
{
	uint32_t	i;
	const char	*nul;

	for (i = 0; i < n; i++) {
		if ((nul = memchr(*p, '\0', (size_t)(end - *p))) == NULL)
			return -1;
		v[i] = *p;
		*p = nul + 1;
	}
	v[n] = NULL;
	return 0;
}

/*
 * Checks and takes apart the request of len bytes at p.  Returns 0, 1 if
 * it is not ours to run (another build or other options), -1 if it is
 * malformed.
 */
static int
kept_parse(const struct sandbox *sb, struct kept_job *j, const char *p,
    size_t len)
{
	const char	*s, *end;
	uint64_t	 exe[3], left;
	uint32_t	 i;

	if (len < sizeof(j->q))
		return -1;
	memcpy(&j->q, p, sizeof(j->q));
	if (j->q.magic != KEPT_MAGIC)
		return -1;
	slot_exe_id(exe);
	if (memcmp(exe, j->q.exe, sizeof(exe)) != 0 ||
	    memchr(j->q.config, '\0', sizeof(j->q.config)) == NULL ||
	    strcmp(j->q.config, sb->config_id) != 0)
		return 1;
	if (j->q.nargv == 0 || j->q.nargv > KEPT_MAX_LIST ||
	    j->q.nenv > KEPT_MAX_LIST || j->q.nro > KEPT_MAX_LIST ||
	    j->q.nfiles > KEPT_MAX_LIST ||
	    (j->q.box_mode != SANDBOX_BOX_RW &&
	    j->q.box_mode != SANDBOX_BOX_OVERLAY) ||
	    (j->q.nfiles > 0 && !j->q.has_box))
		return -1;
	left = len - sizeof(j->q);
	if (j->q.strings_len > left)
		return -1;
	s = p + sizeof(j->q);
	end = s + j->q.strings_len;
	if (take_strv(j->argv, j->q.nargv, &s, end) == -1 ||
	    take_strv(j->env, j->q.nenv, &s, end) == -1 ||
	    take_strv(j->ro, j->q.nro, &s, end) == -1 ||
	    take_strv(j->names, j->q.nfiles, &s, end) == -1 || s != end)
		return -1;
	left -= j->q.strings_len;
	if ((uint64_t)j->q.nfiles * sizeof(struct kept_file) > left)
		return -1;
	memcpy(j->files, end, j->q.nfiles * sizeof(struct kept_file));
	s = end + j->q.nfiles * sizeof(struct kept_file);
	left -= j->q.nfiles * sizeof(struct kept_file);
	for (i = 0; i < j->q.nfiles; i++) {
		if (j->files[i].len > left)
			return -1;
		j->data[i] = s;
		s += j->files[i].len;
		left -= j->files[i].len;
	}
	if (j->q.stdin_len != left)
		return -1;
	memset(&j->spec, 0, sizeof(j->spec));
	j->spec.argv = j->argv;
	j->spec.envp = j->env;
	j->spec.ro_paths = j->ro;
	j->spec.box_mode = (enum sandbox_box_mode)j->q.box_mode;
	j->spec.stderr_to_stdout = j->q.stderr_to_stdout != 0;
	j->spec.lim = j->q.lim;
	if (j->q.stdin_len > 0) {
		j->spec.stdin_data = s;
		j->spec.stdin_len = j->q.stdin_len;
	}
	return 0;
}

/* Sends the result (R) or the failure (E) of a run to the caller. */
static void
kept_reply(int sock, int ok, const struct sandbox_result *res,
    const struct err *err)
{
	struct kept_res	 kr;
	struct buf	 b = { 0 };
	struct err	 e2;
	int		 fd = -1;

	if (ok) {
		memset(&kr, 0, sizeof(kr));
		kr.magic = KEPT_MAGIC;
		kr.res = *res;
		kr.res.out = kr.res.errout = NULL;
		if (buf_append(&b, &kr, sizeof(kr), &e2) == 0 &&
		    buf_append(&b, res->out, res->out_len, &e2) == 0 &&
		    buf_append(&b, res->errout, res->errout_len, &e2) == 0 &&
		    (fd = memfd_of("coderunner-result", b.data, b.len,
		    &e2)) != -1)
			(void)sandbox_send_msg(sock, 'R', NULL, 0, fd);
		else
			(void)sandbox_send_msg(sock, 'E', e2.msg, strlen(e2.msg), -1);
	} else
		(void)sandbox_send_msg(sock, 'E', err->msg, strlen(err->msg), -1);
	fd_close(&fd);
	buf_reset(&b);
}

void
slot_kept_serve(struct sandbox *sb, int sock, int memfd)
{
	struct kept_job		*j = NULL;
	struct sandbox_box	*box = NULL;
	struct sandbox_result	 res;
	struct err		 err;
	char			*p = NULL;
	size_t			 len, i;
	int			 ok = 0;

	memset(&res, 0, sizeof(res));
	if ((p = memfd_read(memfd, &len, &err)) == NULL)
		goto reply;
	if ((j = malloc(sizeof(*j))) == NULL) {
		err_errno(&err, "malloc");
		goto reply;
	}
	switch (kept_parse(sb, j, p, len)) {
	case 1:
		(void)sandbox_send_msg(sock, 'X', NULL, 0, -1);
		goto out;
	case -1:
		err_set(&err, "kept run: a malformed request");
		goto reply;
	}
	if (slot_keeper_fresh(sb, &err) == -1)
		goto reply;
	if (j->q.has_box) {
		if ((box = sandbox_box_new(sb, j->q.box_bytes, j->q.box_inodes,
		    &err)) == NULL)
			goto reply;
		for (i = 0; i < j->q.nfiles; i++)
			if (sandbox_box_write(box, j->names[i], j->data[i],
			    j->files[i].len, j->files[i].mode & 0777,
			    &err) == -1)
				goto reply;
		j->spec.box = box;
	}
	/* a caller that goes away takes its run with it */
	sb->cancel_fd = sock;
	ok = sandbox_run(sb, &j->spec, &res, &err) == 0;
	sb->cancel_fd = -1;
reply:
	kept_reply(sock, ok, &res, &err);
out:
	/* off the caller's path: it has its answer */
	sandbox_result_reset(&res);
	(void)sandbox_box_free(sb, box, &err);
	sandbox_settle(sb);
	free(j);
	free(p);
}
