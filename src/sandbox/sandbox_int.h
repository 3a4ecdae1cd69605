#ifndef SANDBOX_INT_H
#define SANDBOX_INT_H

/* Private to src/sandbox/: the pieces sandbox.c puts together. */

#include <sys/types.h>

#include <linux/filter.h>
#include <stdint.h>

#include "sandbox.h"

struct err;

/* --- seccomp.c ------------------------------------------------------ */

/*
 * A compiled seccomp program, built once per process with libseccomp and
 * kept as plain BPF so the child only needs prctl(2).
 */
struct seccomp_prog {
	struct sock_filter	*filter;
	unsigned short		 len;
};

/*
 * Builds the deny-list policy: with notify, denied calls go to a user
 * notification listener (SECCOMP_RET_USER_NOTIF), else they fail at once
 * with their errno.  tree lays the rules out as a binary search on the
 * syscall number (what the sandbox loads), else as one list (for the
 * tests, which compare the two).  Returns 0, or -1 with err set.
 */
int	seccomp_prog_build(struct seccomp_prog *, int notify, int tree,
	    struct err *);
/* The errno P answers a notified call nr with. */
int	seccomp_deny_errno(int nr);
/* Whether this kernel offers user notification listeners. */
int	seccomp_notify_supported(void);
/*
 * Answers one notification on listener lfd with the call's errno (never
 * lets it through) and notes the call in res (denied_count, denied_nr).
 * Returns 0, or -1 when the listener is done (no process is left).
 */
int	seccomp_notify_answer(int lfd, struct sandbox_result *res);
void	seccomp_prog_reset(struct seccomp_prog *);
/* The errno the policy answers for denied calls (so results can say so). */
#define SECCOMP_DENY_ERRNO	EPERM

/* --- cgroup.c ------------------------------------------------------- */

#define CG_NCTRL	4	/* v1: memory, pids, cpuacct, freezer */

struct cgroup_backend {
	enum sandbox_cgroup	 kind;
	/* v2: the delegated dir.  v1: one dir per controller ("" if absent) */
	char			 base[CG_NCTRL][320];
};

struct cgroup_run {
	const struct cgroup_backend *be;
	char			 path[CG_NCTRL][400];	/* "" = not made */
};

/*
 * Picks a backend: v2 under root_dir (normally "/sys/fs/cgroup") if a
 * delegated, writable cgroup with the memory and pids controllers exists,
 * else v1, else none.  name is the delegated cgroup's name ("coderunner"
 * when NULL or "").  Never fails: "none" is a valid answer.
 */
void	cgroup_detect(struct cgroup_backend *, const char *root_dir,
	    const char *name);
/* Creates the run's cgroup(s) called name and sets the limits. */
int	cgroup_run_create(struct cgroup_run *, const struct cgroup_backend *,
	    const char *name, const struct sandbox_limits *, struct err *);
/* Moves pid into the run's cgroup(s). */
int	cgroup_run_attach(struct cgroup_run *, pid_t, struct err *);
/* CPU time used so far (user + system, microseconds), or -1. */
int64_t	cgroup_run_cpu_us(const struct cgroup_run *);
/* Peak memory in bytes, or 0 if unknown. */
uint64_t cgroup_run_mem_peak(const struct cgroup_run *);
/* Number of OOM kills in the run, or 0. */
int	cgroup_run_oom_kills(const struct cgroup_run *);
/* Number of processes left in the run's cgroup (0 if unknown). */
int	cgroup_run_nprocs(const struct cgroup_run *);
/* Most processes at once (pids.peak), or 0 if unknown. */
uint32_t cgroup_run_procs_peak(const struct cgroup_run *);
/* Whether a fork failed on pids.max (pids.events "max"). */
int	cgroup_run_procs_limited(const struct cgroup_run *);
/* Kills everything in the run's cgroup (second path after pid ns death). */
void	cgroup_run_kill(const struct cgroup_run *);
/* Removes the run's cgroup(s).  Returns 0, or -1 with err set. */
int	cgroup_run_destroy(struct cgroup_run *, struct err *);
/* Removes stale run cgroups whose names start with prefix. */
int	cgroup_sweep(const struct cgroup_backend *, const char *prefix);

/* --- box.c ---------------------------------------------------------- */

/* Removes everything below dirfd without following links. */
int	box_clear(int dirfd, struct err *);

/* --- sandbox.c ------------------------------------------------------ */

/*
 * Sets res->status, term_sig, exit_code and message from how the run's
 * main process ended (wstatus), what P killed it for (killed_for, or
 * SANDBOX_OK) and what the cgroup said (res->oom_killed, cpu_ms,
 * out_truncated, procs_limited, denied_count must be set before).
 */
void	sandbox_classify(struct sandbox_result *res,
	    const struct sandbox_limits *lim, int wstatus, int killed_for);
/*
 * Whether text (len bytes read from /proc/self/net/unix) lists no socket:
 * the table's header line and nothing else.  Returns 1 if so, 0 if it
 * lists a socket or is not such a table.
 */
int	netns_unix_empty(const char *text, size_t len);

struct sandbox {
	char			 box_root[256];
	int			 box_root_fd;
	unsigned int		 slot;
	unsigned long		 seq;		/* runs so far, for names */
	int			 privileged;	/* euid 0: per-slot outer uid */
	uid_t			 outer_uid;	/* the box's uid seen outside */
	gid_t			 outer_gid;
	struct cgroup_backend	 cg;
	struct seccomp_prog	 seccomp;
	int			 notify;	/* seccomp is the notify build */
	/* the slot's user and network namespaces (-1: not made yet) */
	int			 userns_fd;
	int			 netns_fd;
	int			 unix_fd;	/* its /proc/net/unix, or -1 */
	char			*stacks;	/* the children's clone stacks */
	int			 cap_last;	/* highest capability number */
	int			 have_setattr;	/* mount_setattr(2) works */
};

#define SANDBOX_INNER_UID	1000	/* the program's uid inside */
#define SANDBOX_INNER_GID	1000

/* --- fd passing (SCM_RIGHTS over a unix socket), sandbox.c ---------- */

/* Sends fd with one byte over sock.  Returns 0 or -1 (errno set). */
int	sandbox_send_fd(int sock, int fd);
/* Receives an fd sent by sandbox_send_fd (close-on-exec), or -1. */
int	sandbox_recv_fd(int sock);

#endif
