/*
 * The sandbox handle: what sandbox_open finds out about the host and
 * checks once (box_root, the box's ids, the device set, cgroups,
 * seccomp), and what `coderunner check` and /system_info report of it.
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "child.h"

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


/*
 * When the box's uid is not ours, it must be able to reach path (absolute,
 * what names it in messages): every dir above it searchable by others.
 */
static int
parents_passable(const struct sandbox *sb, const char *path,
    const char *what, struct err *err)
{
	struct stat	st;
	char		abs[PATH_MAX], *p;

	if (sb->ids == SANDBOX_IDS_SELF)
		return 0;
	snprintf(abs, sizeof(abs), "%s", path);
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
			    "%s %s", abs, (unsigned)(st.st_mode & 07777), what,
			    path);
		if (p == abs)
			break;
	}
	return 0;
}

/*
 * box_root is the mount point of the slot tmpfs (in the slot's mount
 * namespace only) and holds a kept slot's socket: it must be ours and
 * nobody else's to enter, never a link.
 */
int
slot_box_root_ours(const char *path, char abs[PATH_MAX], struct err *err)
{
	struct stat	st;

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
	return 0;
}

/*
 * box_root, made 0700 if missing, as slot_box_root_ours wants it.  When
 * the box's uid is not ours, it must also be able to reach it: every dir
 * above it searchable by others.  Sets sb->box_root to its absolute path.
 */
static int
check_box_root(struct sandbox *sb, const char *path, struct err *err)
{
	char	abs[PATH_MAX];

	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return err_errno(err, "mkdir %s", path);
	if (slot_box_root_ours(path, abs, err) == -1)
		return -1;
	if (strlen(abs) >= sizeof(sb->box_root) - 80)
		return err_set(err, "box_root %.200s: path too long", abs);
	memcpy(sb->box_root, abs, strlen(abs) + 1);
	return parents_passable(sb, abs, "box_root", err);
}

/*
 * prepared_dir is read by every run: ours, never a link, writable by us
 * only, not inside box_root (the slot tmpfs hides that), and reachable
 * by the boxes' uid.  Made 0755 if missing.
 */
static int
check_prepared_dir(struct sandbox *sb, const char *path, struct err *err)
{
	struct stat	st;
	char		abs[PATH_MAX];
	size_t		n = strlen(sb->box_root);

	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return err_errno(err, "mkdir %s", path);
	if (lstat(path, &st) == -1)
		return err_errno(err, "prepared_dir %s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0)
		return err_set(err, "prepared_dir %s must be a directory of "
		    "this user's (not a link) that only it may write", path);
	if (realpath(path, abs) == NULL)
		return err_errno(err, "realpath %s", path);
	if (strlen(abs) >= sizeof(sb->prepared_dir))
		return err_set(err, "prepared_dir %.200s: path too long", abs);
	if (strncmp(abs, sb->box_root, n) == 0 && (abs[n] == '/' ||
	    abs[n] == '\0'))
		return err_set(err, "prepared_dir %s is inside box_root", abs);
	memcpy(sb->prepared_dir, abs, strlen(abs) + 1);
	if (sb->ids != SANDBOX_IDS_SELF && !(st.st_mode & S_IXOTH))
		return err_set(err, "prepared_dir %s (mode %04o) is not "
		    "searchable by others: the boxes' uid must enter it", abs,
		    (unsigned)(st.st_mode & 07777));
	return parents_passable(sb, abs, "prepared_dir", err);
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
	sb->last_init = -1;
	sb->cancel_fd = -1;
	sb->slot = cfg->slot;
	sb->spare_wanted = cfg->spare_cgroup;
	slot_config_id(cfg, sb->config_id, sizeof(sb->config_id));
	slot_ids_detect(sb, cfg->uid_base);
	if (check_box_root(sb, cfg->box_root, err) == -1 ||
	    (cfg->prepared_dir != NULL && check_prepared_dir(sb,
	    cfg->prepared_dir, err) == -1))
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
	/* on v2 I is born in the run's cgroup, memory and all ("Memory") */
	sb->holder_shares = child_may_share();
	sb->init_shares = sb->holder_shares && sb->cg.kind != SANDBOX_CG_V2;
	sb->r_joins_mem = sb->init_shares && sb->cg.kind == SANDBOX_CG_V1;
	/* what building the filter with libseccomp here used to find out */
	if (!seccomp_kernel_supported()) {
		err_errno(err, "this kernel has no seccomp filters that kill a "
		    "process (Linux 4.14)");
		goto fail;
	}
	sb->notify = seccomp_notify_supported();
	seccomp_prog_get(&sb->seccomp, sb->notify);
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
	sandbox_settle(sb);
	sandbox_spare_drop(sb);
	slot_ns_close(sb);
	if (sb->devset_fd != -1)
		close(sb->devset_fd);
	if (sb->stacks != NULL)
		munmap(sb->stacks, NSTACKS * (PAGE_GUARD + STACK_SIZE));
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
	h->seccomp = 1;		/* sandbox_open fails without it */
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
	h->favordynmods = cgroup_favordynmods();
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
