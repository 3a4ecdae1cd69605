#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>
#include <stdint.h>

struct err;

/*
 * The sandbox: runs one command in fresh namespaces under limits and says
 * what happened.  Nothing here knows about JSON, SQLite or FastCGI.
 */

enum sandbox_status {
	SANDBOX_OK,		/* main process exited 0, no limit hit */
	SANDBOX_RE,		/* exited with a non-zero code */
	SANDBOX_SIG,		/* killed by a signal we did not send */
	SANDBOX_TLE,		/* CPU time limit */
	SANDBOX_WTLE,		/* wall time limit */
	SANDBOX_MLE,		/* memory limit (OOM kill in the run) */
	SANDBOX_OLE,		/* output cap or file size limit */
	SANDBOX_SV,		/* killed for a forbidden system call */
};

enum sandbox_cgroup {
	SANDBOX_CG_NONE,	/* rlimits only */
	SANDBOX_CG_V1,
	SANDBOX_CG_V2,
};

/* What the caller asks for.  0 in a field means "no limit" unless noted. */
struct sandbox_limits {
	uint32_t	cpu_ms;		/* whole tree, user + system */
	uint32_t	wall_ms;	/* required, > 0 */
	uint64_t	mem_bytes;	/* whole run, RSS + tmpfs, no swap */
	uint32_t	max_procs;	/* processes + threads */
	uint64_t	stdout_bytes;	/* capture cap; 0 = 64 KiB */
	uint64_t	stderr_bytes;	/* capture cap; 0 = 64 KiB */
	uint64_t	fsize_bytes;	/* RLIMIT_FSIZE; 0 = 1 MiB */
	uint32_t	nofile;		/* RLIMIT_NOFILE; 0 = 64 */
	uint64_t	stack_bytes;	/* RLIMIT_STACK; 0 = mem_bytes */
	uint64_t	tmp_bytes;	/* each tmpfs; 0 = 16 MiB */
	uint32_t	tmp_inodes;	/* each tmpfs; 0 = 2048 */
};

enum sandbox_box_mode {
	SANDBOX_BOX_RW,		/* the box is /box, writable (compile) */
	SANDBOX_BOX_OVERLAY,	/* the box read-only under a throw-away
				   writable layer at /box (run) */
};

/* A box: the files of one submission (see sandbox_box_new). */
struct sandbox_box;

struct sandbox_spec {
	const char *const	*argv;	/* argv[0]: absolute or found in PATH */
	const char *const	*envp;	/* the whole environment */
	struct sandbox_box	*box;	/* at /box, or NULL: none (cwd /tmp) */
	enum sandbox_box_mode	 box_mode;
	const char *const	*ro_paths;	/* extra read-only binds, or NULL */
	const char		*stdin_data;	/* NULL = /dev/null */
	size_t			 stdin_len;
	int			 stderr_to_stdout;
	struct sandbox_limits	 lim;
};

struct sandbox_result {
	enum sandbox_status	 status;
	int			 exit_code;	/* when exited */
	int			 term_sig;	/* when signalled, else 0 */
	uint32_t		 cpu_ms;
	uint32_t		 wall_ms;
	uint64_t		 mem_peak_bytes;
	int			 mem_exact;	/* 0: ru_maxrss estimate */
	int			 oom_killed;
	enum sandbox_cgroup	 cgroup;
	char			*out;		/* captured stdout (owned) */
	size_t			 out_len;
	int			 out_truncated;
	char			*errout;	/* captured stderr (owned) */
	size_t			 errout_len;
	int			 errout_truncated;
	char			 message[128];	/* which limit stopped it */
	uint32_t		 procs_peak;	/* most processes + threads of
						   the program at once (0 =
						   unknown) */
	int			 procs_limited;	/* a fork/clone failed on
						   max_procs */
	uint32_t		 denied_count;	/* forbidden calls attempted
						   (each failed with EPERM) */
	int			 denied_nr[8];	/* the first distinct ones */
	int			 denied_n;
};

#define SANDBOX_DENY_MAX	1000	/* more denied calls: stopped, SV */

/* Per-process sandbox state: detected backends, the compiled filter. */
struct sandbox;

struct sandbox_config {
	const char	*box_root;	/* the slot's mount point: a directory
					   of the caller's, mode 0700, made if
					   missing */
	const char	*cgroup_base;	/* NULL/"" = autodetect */
	const char	*dev_pool;	/* per-slot device nodes made by
					   contrib/setup-host.sh, or NULL:
					   SANDBOX_DEV_POOL */
	unsigned int	 slot;		/* executor slot, for names and uids */
	int64_t		 uid_base;	/* outer uid of slot 0 when root */
	const char	*prepared_dir;	/* a directory of the caller's that
					   every run sees read-only at
					   SANDBOX_PREPARED, made 0755 if
					   missing; NULL: none */
	int		 spare_cgroup;	/* make the next run's cgroup while
					   a run's program runs (a caller of
					   many runs: the executors) */
};

#define SANDBOX_PREPARED	"/prepared"

#define SANDBOX_DEV_POOL	"/var/lib/coderunner/dev"

/* Whose host uid the box's processes have. */
enum sandbox_ids {
	SANDBOX_IDS_SELF,	/* the caller's own (no subordinate range) */
	SANDBOX_IDS_SUBID,	/* one of the caller's /etc/subuid range */
	SANDBOX_IDS_ROOT,	/* caller is root: uid_base + slot */
};

/*
 * Detects the cgroup backend, the box ids and the device pool, builds the
 * seccomp filter and checks (or makes) box_root.  Returns a handle (caller
 * frees with sandbox_close) or NULL with err set.
 */
struct sandbox	*sandbox_open(const struct sandbox_config *, struct err *);
void		 sandbox_close(struct sandbox *);
enum sandbox_cgroup sandbox_cgroup_backend(const struct sandbox *);
const char	*sandbox_cgroup_name(enum sandbox_cgroup);
const char	*sandbox_status_name(enum sandbox_status);

/*
 * A box holds a submission's files: a tmpfs of its own, capped at bytes
 * and inodes, that lives in the slot's private mount namespace and is
 * never on the host's disk.  The files given to sandbox_box_write are
 * written into it by the first run that uses the box; what a compile (a
 * run in SANDBOX_BOX_RW) writes stays for the later runs, which see it
 * read-only under a layer of their own.  Host code never reads or walks
 * a box: it is unmounted whole.
 *
 * sandbox_box_new returns a box (free with sandbox_box_free) or NULL with
 * err set.
 */
struct sandbox_box *sandbox_box_new(struct sandbox *, uint64_t bytes,
	    uint32_t inodes, struct err *);
/*
 * Adds the file name with a copy of data, to be written with mode by the
 * box's first run.  name is a relative path of plain components (no "."
 * or "..", no empty one), at most SANDBOX_BOX_DEPTH deep; its dirs are
 * made.  Returns 0, or -1 with err set (bad name, a run used the box
 * already, no memory).
 */
#define SANDBOX_BOX_DEPTH	8
int	sandbox_box_write(struct sandbox_box *, const char *name,
	    const void *data, size_t len, int mode, struct err *err);
/* One file of a box, as sandbox_box_export hands it over. */
struct sandbox_box_file {
	const char	*path;		/* relative, as sandbox_box_write's */
	int		 mode;		/* permission bits */
	const char	*data;		/* borrowed for the call */
	size_t		 len;
};
/*
 * Reads the files a box holds now (after a run wrote them), through fds
 * and never through a link, and calls fn(arg, file) for each regular
 * file.  Returns 1 when every entry was a readable regular file or a
 * directory within SANDBOX_BOX_DEPTH and the files fit max_files and
 * max_bytes; 0 when not (a link, a fifo, an unreadable file, too many or
 * too big: nothing the caller should keep); -1 with err set when the
 * sandbox or fn failed (fn returns 0 or -1 and fills err).
 */
int	sandbox_box_export(struct sandbox *, struct sandbox_box *,
	    unsigned int max_files, uint64_t max_bytes,
	    int (*fn)(void *arg, const struct sandbox_box_file *,
	    struct err *), void *arg, struct err *);
/*
 * Unmounts the box and frees it (NULL does nothing).  Returns 0, or -1
 * with err set when the unmount failed (the box's memory then stays until
 * the slot's namespaces go, at the latest with the handle).
 */
int	sandbox_box_free(struct sandbox *, struct sandbox_box *,
	    struct err *err);
/*
 * Removes what a crashed predecessor in this slot (or every slot if
 * slot_all) left under box_root and in the cgroups: directories of any
 * depth, without following links.  Returns the number removed, or -1
 * with err set when something could not be removed (the next sweep
 * tries again).
 */
int	sandbox_sweep(struct sandbox *, int slot_all, struct err *err);

/*
 * Finishes what the last run left: sandbox_run returns once the run's
 * init has reported, before it has exited, and its exit, its reaping and
 * the removal of its cgroup are done here (sandbox_close calls it; the
 * next sandbox_run reaps it first and removes the cgroup while its own
 * program runs).  A caller that goes idle between runs calls it, so that
 * no zombie or cgroup of the last run waits with it.
 */
void	sandbox_settle(struct sandbox *);
/*
 * A kept slot (the CLI's --init, as isolate's): the slot's user, mount
 * and network namespaces and its root, made once and held by a small
 * process of the caller's (the keeper) between calls, so that a run in
 * another process skips making them.  The keeper answers on a unix
 * socket in box_root, which only the caller's uid may enter, and renews
 * the namespaces when the slot has aged, the package database changed,
 * or a run left a socket in the network namespace.
 *
 * sandbox_slot_keep starts the slot's keeper, or finds it running.
 * Returns 1 if it started one (stopping one of another build of the
 * program first), 0 if one was running, -1 with err set.
 *
 * sandbox_slot_join takes the kept slot's namespaces for this handle's
 * runs.  Returns 1 if it did, 0 if no keeper runs for the slot (the
 * first run makes the namespaces, as always; err says why when one runs
 * but is of another build of the program), -1 with err set.
 *
 * sandbox_slot_release stops the keeper: the namespaces and their boxes
 * go with the last run that uses them.  Returns 1 if one was running,
 * else 0, or -1 with err set.
 */
int	sandbox_slot_keep(struct sandbox *, struct err *);
int	sandbox_slot_join(struct sandbox *, struct err *);
int	sandbox_slot_release(struct sandbox *, struct err *);

/*
 * A run made for the caller by the kept slot's keeper, in the keeper's
 * process, which has the handle open already (the cgroups detected, the
 * filter built, the namespaces made): the caller opens no handle of its
 * own, and the run's init exits on the keeper's time, not the caller's.
 * cfg names the slot (box_root, slot) and must be the options the keeper
 * was started with; spec->box is not used: kb, if not NULL, is the box
 * to make for the run (its caps and files).  A caller that goes away
 * takes its run with it (the keeper kills it).
 *
 * Returns 1 with *res filled (free with sandbox_result_reset), 0 when no
 * keeper runs for the slot or it is not this one's to run (another build
 * of the program, other options): the caller runs spec itself; -1 with
 * err set when the sandbox failed, here or in the keeper.
 */
struct sandbox_kept_box {
	uint64_t			 bytes;		/* as sandbox_box_new's */
	uint32_t			 inodes;
	const struct sandbox_box_file	*files;	/* written before the run */
	size_t				 nfiles;
};
int	sandbox_kept_run(const struct sandbox_config *,
	    const struct sandbox_spec *, const struct sandbox_kept_box *,
	    struct sandbox_result *, struct err *);
/*
 * Runs spec in a new box.  Returns 0 with *res filled (even if the program
 * crashed or hit a limit; free with sandbox_result_reset), or -1 if the
 * sandbox itself failed.  Returns when the result is complete: the
 * program and what it started have ended, or end with the run's init,
 * which has reported and is exiting (see sandbox_settle).
 */
int	sandbox_run(struct sandbox *, const struct sandbox_spec *,
	    struct sandbox_result *, struct err *);
void	sandbox_result_reset(struct sandbox_result *);

/*
 * Writes the name of native system call nr into buf ("syscall_N" if
 * unknown).  Returns the length.
 */
int	sandbox_syscall_name(int nr, char *buf, size_t size);

/* What the host offers, for `coderunner check`, /system_info. */
struct sandbox_host {
	int			userns;		/* unprivileged userns works */
	int			seccomp;
	int			seccomp_notify;	/* denied calls are reported */
	int			pids;		/* a pids controller limits
						   processes + threads */
	int			swap_off;	/* memory limit covers swap */
	int			ia32;		/* the kernel runs i386 system
						   calls (int 0x80) of 64-bit
						   programs: the filter must
						   stop them */
	enum sandbox_ids	ids;		/* the box's host uid */
	uint32_t		box_uid;	/* ... which is this */
	int			private_fs;	/* system files are seen
						   through the slot's own
						   overlays (locks, inotify
						   marks are not shared) */
	int			private_devices; /* /dev nodes of the slot's
						   own (device pool) */
	enum sandbox_cgroup	cgroup;
	int			favordynmods;	/* a cgroup2 mount has it: v1
						   moves wait for no grace
						   period (-1: unknown) */
	char			cgroup_path[256];
	char			controllers[128];
	char			kernel[128];
};
int	sandbox_probe_host(struct sandbox *, struct sandbox_host *,
	    struct err *);
/*
 * Whether this kernel executes a 64-bit program's i386 system calls (int
 * 0x80), tried once in a forked child outside any box: 1 if it does
 * (then the seccomp filter is what stops them), 0 if the kernel kills the
 * caller with SIGSEGV first (ia32 emulation off), -1 if the probe failed.
 * Either way an i386 call never runs in a box.
 */
int	sandbox_host_ia32(void);

#endif
