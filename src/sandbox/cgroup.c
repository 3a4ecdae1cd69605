/*
 * Cgroup backends for the sandbox: v2 (one delegated subtree), v1 (this
 * project's development hosts: memory, pids, cpuacct and freezer
 * hierarchies, each with a delegated "coderunner" dir) and none.
 *
 * Delegation is set up once by root (contrib/setup-host.sh): the service
 * user owns <root>/coderunner, so it can make one child cgroup per run,
 * write its limits, have the run's first process born in it (v2) or
 * move it in (v1), and remove it again.
 * Every path is built from the configured root and fixed names; nothing
 * here comes from a request.
 *
 * All the file helpers take a root directory so that the unit tests can
 * run the v2 code against a fake tree in a temporary directory.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "sandbox_int.h"

/* v1 controller order in struct cgroup_backend.base */
enum { CG_MEM, CG_PIDS, CG_CPU, CG_FREEZER };
static const char *const v1_ctrl[CG_NCTRL] = {
	"memory", "pids", "cpuacct", "freezer"
};

/* Opens dir/file (path gets its name), never through a link. */
static int
open_in(const char *dir, const char *file, int flags, char *path,
    size_t size)
{
	snprintf(path, size, "%s/%s", dir, file);
	return open(path, flags | O_CLOEXEC | O_NOFOLLOW);
}

static int
write_file(const char *dir, const char *file, const char *val,
    struct err *err)
{
	char	path[600];
	int	fd, rc = 0;
	size_t	len = strlen(val);

	if ((fd = open_in(dir, file, O_WRONLY, path, sizeof(path))) == -1)
		return err_errno(err, "open %s", path);
	if (write(fd, val, len) != (ssize_t)len)
		rc = err_errno(err, "write %s", path);
	close(fd);
	return rc;
}

/* Reads a small file into buf (NUL-terminated).  Returns length or -1. */
static ssize_t
read_file(const char *dir, const char *file, char *buf, size_t size)
{
	char	path[600];
	int	fd;
	ssize_t	n;

	if ((fd = open_in(dir, file, O_RDONLY, path, sizeof(path))) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int64_t
read_i64(const char *dir, const char *file)
{
	char	buf[64];

	if (read_file(dir, file, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* Value of "key N" in a flat-keyed file such as cpu.stat, or -1. */
static int64_t
read_key(const char *dir, const char *file, const char *key)
{
	char	 buf[2048], *p;
	size_t	 klen = strlen(key);

	if (read_file(dir, file, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	}
	return -1;
}

static int
dir_writable(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    access(path, W_OK) == 0;
}

void
cgroup_detect(struct cgroup_backend *be, const char *root_dir,
    const char *name)
{
	char	path[320], buf[256];
	int	i;

	memset(be, 0, sizeof(*be));
	be->kind = SANDBOX_CG_NONE;
	if (name == NULL || *name == '\0')
		name = "coderunner";

	/* v2: a delegated dir whose children get memory and pids */
	snprintf(path, sizeof(path), "%s/%s", root_dir, name);
	if (read_file(root_dir, "cgroup.controllers", buf, sizeof(buf)) >= 0 &&
	    dir_writable(path) &&
	    read_file(path, "cgroup.subtree_control", buf, sizeof(buf)) >= 0 &&
	    strstr(buf, "memory") != NULL && strstr(buf, "pids") != NULL) {
		be->kind = SANDBOX_CG_V2;
		snprintf(be->base[0], sizeof(be->base[0]), "%s", path);
		return;
	}

	/* v1: memory and cpuacct are required, pids and freezer optional */
	for (i = 0; i < CG_NCTRL; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", root_dir, v1_ctrl[i],
		    name);
		if (dir_writable(path))
			snprintf(be->base[i], sizeof(be->base[i]), "%s", path);
	}
	if (be->base[CG_MEM][0] != '\0' && be->base[CG_CPU][0] != '\0')
		be->kind = SANDBOX_CG_V1;
	else
		memset(be->base, 0, sizeof(be->base));
}

int
cgroup_run_make(struct cgroup_run *run, const struct cgroup_backend *be,
    const char *name, struct err *err)
{
	int	i, n;

	memset(run, 0, sizeof(*run));
	run->be = be;
	if (be->kind == SANDBOX_CG_NONE)
		return 0;
	n = be->kind == SANDBOX_CG_V2 ? 1 : CG_NCTRL;
	for (i = 0; i < n; i++) {
		if (be->base[i][0] == '\0')
			continue;
		snprintf(run->path[i], sizeof(run->path[i]), "%s/%s",
		    be->base[i], name);
		if (mkdir(run->path[i], 0755) == -1 && errno != EEXIST) {
			err_errno(err, "mkdir %s", run->path[i]);
			run->path[i][0] = '\0';
			(void)cgroup_run_destroy(run, NULL);
			return -1;
		}
	}
	return 0;
}

int
cgroup_run_limit(const struct cgroup_run *run,
    const struct sandbox_limits *lim, struct err *err)
{
	const char	*mem, *pids;
	char		 val[32];

	if (run->be == NULL || run->be->kind == SANDBOX_CG_NONE)
		return 0;
	mem = run->be->kind == SANDBOX_CG_V2 ? run->path[0] :
	    run->path[CG_MEM];
	pids = run->be->kind == SANDBOX_CG_V2 ? run->path[0] :
	    run->path[CG_PIDS];
	if (lim->mem_bytes > 0) {
		snprintf(val, sizeof(val), "%" PRIu64, lim->mem_bytes);
		if (run->be->kind == SANDBOX_CG_V2) {
			if (write_file(mem, "memory.max", val, err) == -1)
				return -1;
			/* absent when the host has no swap accounting */
			(void)write_file(mem, "memory.swap.max", "0", NULL);
		} else {
			if (write_file(mem, "memory.limit_in_bytes", val,
			    err) == -1)
				return -1;
			/*
			 * memsw must be >= the memory limit, so it comes
			 * second (a new cgroup's is unlimited)
			 */
			(void)write_file(mem, "memory.memsw.limit_in_bytes",
			    val, NULL);
			(void)write_file(mem, "memory.swappiness", "0", NULL);
		}
	}
	if (lim->max_procs > 0 && pids[0] != '\0') {
		/* and one for the run's init, which is in it too */
		snprintf(val, sizeof(val), "%u", lim->max_procs + 1);
		if (write_file(pids, "pids.max", val, err) == -1)
			return -1;
	}
	return 0;
}

int
cgroup_run_create(struct cgroup_run *run, const struct cgroup_backend *be,
    const char *name, const struct sandbox_limits *lim, struct err *err)
{
	if (cgroup_run_make(run, be, name, err) == -1)
		return -1;
	if (cgroup_run_limit(run, lim, err) == -1) {
		(void)cgroup_run_destroy(run, NULL);
		return -1;
	}
	return 0;
}

int
cgroup_run_attach(struct cgroup_run *run, pid_t pid, int memory,
    struct err *err)
{
	char	val[32];
	int	i;

	snprintf(val, sizeof(val), "%d", (int)pid);
	for (i = 0; i < CG_NCTRL; i++)
		if (run->path[i][0] != '\0' && (memory || i != CG_MEM ||
		    run->be->kind != SANDBOX_CG_V1) &&
		    write_file(run->path[i], "cgroup.procs", val, err) == -1)
			return -1;
	return 0;
}

int
cgroup_run_mem_procs(const struct cgroup_run *run, struct err *err)
{
	char	path[sizeof(run->path[0]) + 16];
	int	fd;

	if (run->be == NULL || run->be->kind != SANDBOX_CG_V1 ||
	    run->path[CG_MEM][0] == '\0')
		return err_set(err, "no v1 memory cgroup");
	if ((fd = open_in(run->path[CG_MEM], "cgroup.procs", O_WRONLY, path,
	    sizeof(path))) == -1)
		err_errno(err, "open %s", path);
	return fd;
}

int
cgroup_run_dirfd(const struct cgroup_run *run)
{
	if (run->be == NULL || run->be->kind != SANDBOX_CG_V2 ||
	    run->path[0][0] == '\0')
		return -1;
	return open(run->path[0], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

int64_t
cgroup_run_cpu_us(const struct cgroup_run *run)
{
	int64_t	v;

	if (run->be == NULL)
		return -1;
	switch (run->be->kind) {
	case SANDBOX_CG_V2:
		return read_key(run->path[0], "cpu.stat", "usage_usec");
	case SANDBOX_CG_V1:
		if ((v = read_i64(run->path[CG_CPU], "cpuacct.usage")) < 0)
			return -1;
		return v / 1000;
	default:
		return -1;
	}
}

uint64_t
cgroup_run_mem_peak(const struct cgroup_run *run)
{
	int64_t	v = -1;

	if (run->be == NULL)
		return 0;
	if (run->be->kind == SANDBOX_CG_V2)
		v = read_i64(run->path[0], "memory.peak");
	else if (run->be->kind == SANDBOX_CG_V1)
		v = read_i64(run->path[CG_MEM], "memory.max_usage_in_bytes");
	return v > 0 ? (uint64_t)v : 0;
}

int
cgroup_run_oom_kills(const struct cgroup_run *run)
{
	int64_t	v = -1;

	if (run->be == NULL)
		return 0;
	if (run->be->kind == SANDBOX_CG_V2)
		v = read_key(run->path[0], "memory.events", "oom_kill");
	else if (run->be->kind == SANDBOX_CG_V1)
		v = read_key(run->path[CG_MEM], "memory.oom_control",
		    "oom_kill");
	return v > 0 ? (int)v : 0;
}

uint32_t
cgroup_run_procs_peak(const struct cgroup_run *run)
{
	int64_t	v = -1;

	if (run->be == NULL)
		return 0;
	if (run->be->kind == SANDBOX_CG_V2)
		v = read_i64(run->path[0], "pids.peak");
	else if (run->be->kind == SANDBOX_CG_V1 &&
	    run->path[CG_PIDS][0] != '\0')
		v = read_i64(run->path[CG_PIDS], "pids.peak");
	return v > 0 ? (uint32_t)v : 0;
}

int
cgroup_run_procs_limited(const struct cgroup_run *run)
{
	int64_t	v = -1;

	if (run->be == NULL)
		return 0;
	if (run->be->kind == SANDBOX_CG_V2)
		v = read_key(run->path[0], "pids.events", "max");
	else if (run->be->kind == SANDBOX_CG_V1 &&
	    run->path[CG_PIDS][0] != '\0')
		v = read_key(run->path[CG_PIDS], "pids.events", "max");
	return v > 0;
}

/* Calls fn for each pid listed in dir/cgroup.procs; returns the count. */
static int
each_pid(const char *dir, void (*fn)(pid_t))
{
	char	 buf[8192], *p, *end;
	long	 pid;
	int	 n = 0;

	if (dir[0] == '\0' || read_file(dir, "cgroup.procs", buf,
	    sizeof(buf)) <= 0)
		return 0;
	for (p = buf; *p != '\0'; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0) {
			n++;
			if (fn != NULL)
				fn((pid_t)pid);
		}
		while (*end == '\n')
			end++;
	}
	return n;
}

int
cgroup_run_nprocs(const struct cgroup_run *run)
{
	if (run->be == NULL || run->be->kind == SANDBOX_CG_NONE)
		return 0;
	return each_pid(run->be->kind == SANDBOX_CG_V2 ? run->path[0] :
	    run->path[CG_MEM], NULL);
}

static void
kill_pid(pid_t pid)
{
	(void)kill(pid, SIGKILL);
}

void
cgroup_run_kill(const struct cgroup_run *run)
{
	struct timespec	ts = { 0, 1000000 };
	char		state[32];
	int		i;

	if (run->be == NULL || run->be->kind == SANDBOX_CG_NONE)
		return;
	if (run->be->kind == SANDBOX_CG_V2) {
		if (write_file(run->path[0], "cgroup.kill", "1", NULL) == 0)
			return;
		each_pid(run->path[0], kill_pid);	/* kernel < 5.14 */
		return;
	}
	/* v1: freeze so nothing forks while we kill, then thaw to let die */
	if (run->path[CG_FREEZER][0] != '\0' &&
	    write_file(run->path[CG_FREEZER], "freezer.state", "FROZEN",
	    NULL) == 0) {
		for (i = 0; i < 100; i++) {
			if (read_file(run->path[CG_FREEZER], "freezer.state",
			    state, sizeof(state)) > 0 &&
			    strncmp(state, "FROZEN", 6) == 0)
				break;
			nanosleep(&ts, NULL);
		}
	}
	each_pid(run->path[CG_MEM], kill_pid);
	if (run->path[CG_FREEZER][0] != '\0')
		(void)write_file(run->path[CG_FREEZER], "freezer.state",
		    "THAWED", NULL);
}

int
cgroup_run_remove_empty(struct cgroup_run *run)
{
	int	i, rc = 0;

	for (i = 0; i < CG_NCTRL; i++) {
		if (run->path[i][0] == '\0')
			continue;
		if (rmdir(run->path[i]) == -1 && errno != ENOENT)
			rc = -1;
		else
			run->path[i][0] = '\0';
	}
	return rc;
}

int
cgroup_run_destroy(struct cgroup_run *run, struct err *err)
{
	struct timespec	ts = { 0, 2000000 };
	int		i, try, rc = 0;

	for (i = 0; i < CG_NCTRL; i++) {
		if (run->path[i][0] == '\0')
			continue;
		/* the last exits of a dying tree are asynchronous: retry */
		for (try = 0; rmdir(run->path[i]) == -1; try++) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY || try == 500) {
				rc = err_errno(err, "rmdir %s", run->path[i]);
				break;
			}
			if (try == 5)
				cgroup_run_kill(run);
			nanosleep(&ts, NULL);
		}
		run->path[i][0] = '\0';
	}
	return rc;
}

int
cgroup_favordynmods(void)
{
	FILE	*f;
	char	 line[1024], type[64], opts[768];
	int	 found = 0;

	if ((f = fopen("/proc/self/mounts", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*s %63s %767s", type, opts) == 2 &&
		    strcmp(type, "cgroup2") == 0 && strstr(opts,
		    "favordynmods") != NULL)
			found = 1;
	fclose(f);
	return found;
}

/*
 * Run cgroups (and the box dirs of older versions) are named
 * "s<slot>-<pid>-..." after the process that made them.  Another instance
 * on the same host (a second service, a CLI run) shares the delegated dir:
 * only the cgroups of dead makers are leftovers.
 */
int
sandbox_maker_alive(const char *name)
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
cgroup_sweep(const struct cgroup_backend *be, const char *prefix)
{
	struct cgroup_run	 run;
	DIR			*d;
	struct dirent		*e;
	int			 i, j, n = 0;
	size_t			 plen = strlen(prefix);

	for (i = 0; i < CG_NCTRL; i++) {
		if (be->base[i][0] == '\0' || (d = opendir(be->base[i])) ==
		    NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_type != DT_DIR ||
			    strncmp(e->d_name, prefix, plen) != 0 ||
			    sandbox_maker_alive(e->d_name))
				continue;
			memset(&run, 0, sizeof(run));
			run.be = be;
			/* kill and remove it in every hierarchy at once */
			for (j = 0; j < CG_NCTRL; j++)
				if (be->base[j][0] != '\0')
					snprintf(run.path[j],
					    sizeof(run.path[j]), "%s/%s",
					    be->base[j], e->d_name);
			cgroup_run_kill(&run);
			if (cgroup_run_destroy(&run, NULL) == 0)
				n++;
		}
		closedir(d);
	}
	return n;
}
