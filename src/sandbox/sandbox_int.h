#ifndef SANDBOX_INT_H
#define SANDBOX_INT_H

/* Private to src/sandbox/: the pieces sandbox.c puts together. */

#include <sys/types.h>

#include <linux/filter.h>
#include <limits.h>
#include <stdint.h>

#include "sandbox.h"

struct err;

/* --- seccomp.c, seccomp_policy.c ---------------------------------- */

/* A seccomp program: plain BPF, so that the child only needs prctl(2). */
struct seccomp_prog {
	const struct sock_filter	*filter;
	unsigned short			 len;
};

/*
 * The policy's two builds, made at build time (seccomp.c): with notify,
 * denied calls go to a user notification listener
 * (SECCOMP_RET_USER_NOTIF), else they fail at once with their errno.
 */
void	seccomp_prog_get(struct seccomp_prog *, int notify);
/* The errno P answers a notified call nr with. */
int	seccomp_deny_errno(int nr);
/*
 * Whether this kernel takes the filter: seccomp filters with the actions
 * it returns (SECCOMP_RET_KILL_PROCESS is Linux 4.14's).
 */
int	seccomp_kernel_supported(void);
/* Whether this kernel offers user notification listeners. */
int	seccomp_notify_supported(void);
/*
 * Answers one notification on listener lfd with the call's errno (never
 * lets it through) and notes the call in res (denied_count, denied_nr).
 * Returns 0, or -1 when the listener is done (no process is left).
 */
int	seccomp_notify_answer(int lfd, struct sandbox_result *res);

/*
 * The policy itself, built with libseccomp (seccomp_policy.c: linked
 * into seccomp-gen and the unit tests, not the programs).  tree lays the
 * rules out as a binary search on the syscall number (what the sandbox
 * loads), else as one list (for the tests, which compare the two).
 * Returns 0, or -1 with err set; seccomp_prog_reset frees the program.
 */
int	seccomp_prog_build(struct seccomp_prog *, int notify, int tree,
	    struct err *);
void	seccomp_prog_reset(struct seccomp_prog *);

/* What seccomp-gen wrote (build/gen/seccomp_bpf.c). */
extern const struct sock_filter	seccomp_bpf_notify[], seccomp_bpf_errno[];
extern const unsigned short	seccomp_bpf_notify_len, seccomp_bpf_errno_len;
/* the native calls' names by number; NULL where libseccomp knew none */
extern const char *const	seccomp_names[];
extern const int		seccomp_nnames;
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
/*
 * The two halves of cgroup_run_create: the cgroup(s), without limits
 * (removed again on failure), and the limits of a cgroup so made, which
 * nothing has run in yet.
 */
int	cgroup_run_make(struct cgroup_run *, const struct cgroup_backend *,
	    const char *name, struct err *);
int	cgroup_run_limit(const struct cgroup_run *,
	    const struct sandbox_limits *, struct err *);
/*
 * Moves pid into the run's cgroup(s); on v1, into the memory cgroup only
 * if memory (cgroup_run_mem_procs is how a process joins it then).
 */
int	cgroup_run_attach(struct cgroup_run *, pid_t, int memory,
	    struct err *);
/*
 * v1: the run's memory cgroup's cgroup.procs, open for writing (a write
 * of "0" moves the writer in); -1 with err set on v2, without a cgroup,
 * or if it cannot be opened.
 */
int	cgroup_run_mem_procs(const struct cgroup_run *, struct err *);
/*
 * v2: an fd of the run's cgroup, for clone3's CLONE_INTO_CGROUP; -1 on
 * v1, without a cgroup, or if it cannot be opened.
 */
int	cgroup_run_dirfd(const struct cgroup_run *);
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
/*
 * Removes the run's cgroup(s) if they are empty, without waiting: -1 if
 * one would not go (those stay in run, for cgroup_run_destroy).
 */
int	cgroup_run_remove_empty(struct cgroup_run *);
/*
 * Whether the maker named in "s<slot>-<pid>-..." is another live process
 * (so what it made is not a leftover).
 */
int	sandbox_maker_alive(const char *name);
/* Removes stale run cgroups whose names start with prefix. */
int	cgroup_sweep(const struct cgroup_backend *, const char *prefix);
/*
 * Whether a cgroup2 mount has the favordynmods option, which spares a
 * move into a cgroup the RCU grace period (contrib/setup-host.sh): 1 if
 * one has, 0 if none, -1 if the mount table cannot be read.
 */
int	cgroup_favordynmods(void);

/* --- box.c ---------------------------------------------------------- */

/* A file sandbox_box_write queued for the box's first run. */
struct box_file {
	char		 name[256];
	char		*data;		/* owned */
	size_t		 len;
	int		 mode;
};

struct sandbox_box {
	char		 name[64];	/* its mount point's name in the slot
					   tmpfs: "b<seq>-<random>" */
	uint64_t	 bytes;		/* its tmpfs's caps */
	uint32_t	 inodes;
	struct box_file	*files;		/* queued, until a run writes them */
	size_t		 nfiles;
	int		 mounted;	/* a run made it (files written) */
	unsigned long	 gen;		/* the slot namespaces it lives in */
};

/*
 * Removes everything below dirfd, at any depth and without following
 * links: descends by fd, comes back through ".." only after checking that
 * it is the directory it came from.  Returns 0, or -1 with err set for the
 * first entry that could not be removed (the others are still tried).
 */
int	box_clear(int dirfd, struct err *);
/* Notes that J mounted box b and wrote its files, in slot generation gen. */
void	box_made(struct sandbox_box *b, unsigned long gen);

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
/* Removes the spare cgroup (tidy_between_runs), if any: at close, sweep. */
void	sandbox_spare_drop(struct sandbox *);

#define SLOT_MAX_TOPS	16	/* host dirs overlaid in a slot */

#define SLOT_CONFIG_ID_MAX	1024	/* slot_config_id's text */

struct sandbox {
	char			 box_root[256];
	unsigned int		 slot;
	unsigned long		 seq;		/* runs and boxes so far */
	/* the box's ids outside (see sandbox_open) */
	enum sandbox_ids	 ids;
	uid_t			 outer_uid;
	gid_t			 outer_gid;
	int			 may_setgroups;	/* setgroups(2) allowed in
						   the slot's userns */
	struct cgroup_backend	 cg;
	struct seccomp_prog	 seccomp;
	int			 notify;	/* seccomp is the notify build */
	/*
	 * The slot's namespaces (slot.c): user and mount namespaces made
	 * together and kept while boxes live in them; the network
	 * namespace replaced when a run leaves a socket in it.  -1: none.
	 */
	int			 userns_fd;
	int			 mntns_fd;
	int			 netns_fd;
	int			 unix_fd;	/* its /proc/net/unix, or -1 */
	unsigned long		 gen;		/* bumped at each new userns */
	int64_t			 ns_made_us;	/* when they were made */
	int64_t			 dpkg_mtime_ns;	/* package db then */
	char			 tops[SLOT_MAX_TOPS][32];	/* overlaid */
	int			 ntops;
	unsigned int		 nboxes;	/* boxes alive */
	int			 stale;		/* make them anew when no box
						   lives in them */
	/* device nodes of the slot's own (dev_dir), or the host's /dev */
	int			 devset_fd;	/* flock held on the set */
	char			 dev_dir[256];	/* "" = /dev */
	char			 prepared_dir[256];	/* "" = none */
	char			*stacks;	/* the children's clone stacks */
	int			 cap_last;	/* highest capability number */
	int			 have_setattr;	/* mount_setattr(2) works */
	int			 holder_shares;	/* child_may_share() */
	int			 init_shares;	/* the same, unless v2 */
	int			 r_joins_mem;	/* init_shares, on v1: R joins
						   the memory cgroup itself */
	/*
	 * The last run's I, which had sent its report and was exiting when
	 * sandbox_run returned, and its cgroup: I reaped before the next
	 * run's children, the cgroup removed while its program runs, or
	 * both at sandbox_settle (and so at close).  -1: none.
	 */
	pid_t			 last_init;
	struct cgroup_run	 last_cg;
	int			 last_cg_made;
	/*
	 * The next run's cgroup, made without limits while this one's
	 * program runs (tidy_between_runs), so that the mkdirs are off the
	 * next run's way: on v1 they would run beside I's setup and slow its
	 * unmount of the old root, which waits for an RCU grace period that
	 * a CPU busy in the kernel holds up.
	 */
	struct cgroup_run	 spare_cg;
	int			 spare_made;
	int			 spare_wanted;	/* sandbox_config's */
	/*
	 * A keeper's run for another process (kept.c): the caller's socket,
	 * whose hang-up kills the run.  -1: none.
	 */
	int			 cancel_fd;
	/* the options the handle was opened with, as slot_config_id says */
	char			 config_id[SLOT_CONFIG_ID_MAX];
};

#define SANDBOX_INNER_UID	1000	/* the program's uid inside */
#define SANDBOX_INNER_GID	1000

/* --- slot.c --------------------------------------------------------- */

/*
 * Makes the slot's user, mount and network namespaces (through H, see
 * sandbox.c's theory) unless they exist and are fresh.  Returns 0, or -1
 * with err set.
 */
int	slot_ns_open(struct sandbox *, struct err *);
/*
 * Unmounts box name (and removes its mount point) in the slot's mount
 * namespace, through a helper child.  Returns 0, or -1 with err set.
 */
int	slot_box_unmount(struct sandbox *, const char *name, struct err *);
/*
 * Opens box name's root in the slot's mount namespace, through a helper
 * child.  Returns the fd (O_RDONLY | O_DIRECTORY, close-on-exec), or -1
 * with err set.
 */
int	slot_box_open(struct sandbox *, const char *name, struct err *);
/*
 * Reads a child's error line ("E<text>\n", of which the first byte may be
 * read already: first) from fd into err as "what: text".  Returns -1.
 */
int	child_error(int fd, char first, const char *what, struct err *err);
/* The package database's mtime (ns), or 0: a change ages the slot. */
int64_t	slot_pkgdb_mtime(void);
/*
 * Whether the slot's overlays of the system's dirs should be made anew:
 * they see the host's files as they were when mounted (overlayfs does
 * not expect its lower layers to change), so after SLOT_REFRESH_US or a
 * package upgrade.
 */
#define SLOT_REFRESH_US	(600 * 1000000LL)
int	slot_aged(const struct sandbox *);
/* Drops the slot's namespaces (the boxes in them go too). */
void	slot_ns_close(struct sandbox *);
/* Drops only the network namespace (the next run makes a new one). */
void	slot_netns_close(struct sandbox *);
/* Whether the slot's network namespace holds no socket (1) or may (0). */
int	slot_netns_empty(const struct sandbox *);
/*
 * Picks the box's outer ids (root: uid_base + slot; else a subordinate
 * range of the caller's, else the caller's own) and claims a free set of
 * the device pool.  Never fails: the fallbacks are valid answers.
 */
void	slot_ids_detect(struct sandbox *, int64_t uid_base);
void	slot_devices_claim(struct sandbox *, const char *pool);
/*
 * Writes the uid and gid maps of pid's new user namespace: 1000 inside
 * is the box's outer uid.  Returns 0, or -1 with err set.
 */
int	slot_write_id_maps(const struct sandbox *, pid_t pid, struct err *);
/* The top-level dir of an absolute path ("usr" of "/usr/lib/x"). */
int	slot_top_of(const char *path, char *top, size_t size);
/* Whether top is overlaid in the slot's mount namespace already. */
int	slot_has_top(const struct sandbox *, const char *top);

/* --- kept slots: slot.c, kept.c ------------------------------------ */

/*
 * Whether box_root path is a directory of ours that nobody else may
 * enter, not a link (handle.c); its absolute path in abs.  Returns 0, or
 * -1 with err set.
 */
int	slot_box_root_ours(const char *path, char abs[PATH_MAX],
	    struct err *);

/* The options of a handle that a keeper's runs must share (kept.c). */
void	slot_config_id(const struct sandbox_config *, char *buf, size_t size);
/* Which program file this process runs: device, inode, mtime. */
void	slot_exe_id(uint64_t id[3]);
/*
 * Connects to the keeper of slot in box_root (absolute, and checked by
 * slot_box_root_ours: a socket file a dead keeper left is removed).
 * Returns the socket, -2 if
 * none runs, or -1 with err set.
 */
int	slot_keeper_connect(const char *box_root, unsigned int slot,
	    struct err *);
/*
 * In the keeper: renews the slot's namespaces if they have aged or a run
 * left a socket in the network namespace.  Returns 0, or -1 with err set.
 */
int	slot_keeper_fresh(struct sandbox *, struct err *);
/*
 * In the keeper: the run requested on sock with the memfd memfd (kept.c's
 * protocol), its answer sent back.
 */
void	slot_kept_serve(struct sandbox *, int sock, int memfd);

/* --- small fd helpers, sandbox.c ------------------------------------ */

/* Closes *fd if it is open and sets it to -1. */
void	fd_close(int *fd);
/* Reads fd to EOF or until size bytes; returns how many were read. */
ssize_t	fd_read_all(int fd, char *buf, size_t size);

/* --- fd passing (SCM_RIGHTS over a unix socket), child.c, sandbox.c - */

/* Sends fd with one byte over sock.  Returns 0 or -1 (errno set). */
int	sandbox_send_fd(int sock, int fd);
/*
 * Sends code, then len bytes of p, in one message over sock, with fd
 * (SCM_RIGHTS) if it is not -1.  Returns 0 or -1 (errno set).
 */
int	sandbox_send_msg(int sock, char code, const void *p, size_t len,
	    int fd);
/*
 * Receives one message (at most size bytes; recvmsg flags) and the fd
 * that came with it (close-on-exec, or -1; fd may be NULL: any is
 * closed).  Returns its length, or -1 (errno set; EMSGSIZE when it was
 * cut).
 */
ssize_t	sandbox_recv_msg(int sock, char *buf, size_t size, int *fd,
	    int flags);
/*
 * Receives an fd sent by sandbox_send_fd (close-on-exec) without waiting,
 * or -1.
 */
int	sandbox_recv_fd(int sock);

#endif
