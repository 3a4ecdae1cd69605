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
	SANDBOX_BOX_RW,		/* box dir bound writable at /box (compile) */
	SANDBOX_BOX_OVERLAY,	/* box dir read-only under a throw-away
				   writable layer at /box (run) */
};

struct sandbox_spec {
	const char *const	*argv;	/* argv[0]: absolute or found in PATH */
	const char *const	*envp;	/* the whole environment */
	int			 box_fd;	/* dir fd of the box, -1 = none */
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
	uint32_t		 procs_peak;	/* most processes + threads at
						   once (0 = unknown) */
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
	const char	*box_root;	/* where box dirs are made (created) */
	const char	*cgroup_base;	/* NULL/"" = autodetect */
	unsigned int	 slot;		/* executor slot, for names and uids */
	int64_t		 uid_base;	/* outer uid of slot 0 when root */
};

/*
 * Detects the cgroup backend, builds the seccomp filter and creates
 * box_root.  Returns a handle (caller frees with sandbox_close) or NULL
 * with err set.
 */
struct sandbox	*sandbox_open(const struct sandbox_config *, struct err *);
void		 sandbox_close(struct sandbox *);
enum sandbox_cgroup sandbox_cgroup_backend(const struct sandbox *);
const char	*sandbox_cgroup_name(enum sandbox_cgroup);
const char	*sandbox_status_name(enum sandbox_status);

/*
 * Makes a fresh box directory with an unpredictable name under box_root.
 * Returns an O_DIRECTORY fd (close-on-exec; the caller keeps it and passes
 * it to sandbox_box_remove), or -1 with err set.
 */
int	sandbox_box_create(struct sandbox *, struct err *);
/*
 * Creates name (a plain file name, no '/') in the box with the given
 * content.  Never follows links.  Returns 0, or -1 with err set.
 */
int	sandbox_box_write(int box_fd, const char *name, const void *data,
	    size_t len, int mode, struct err *err);
/*
 * Reads the regular file name from the box (never through a link), at most
 * cap bytes.  Returns 1 with *data (caller frees) and *len, 0 if there is
 * no such regular file, -1 with err set.
 */
int	sandbox_box_read(int box_fd, const char *name, size_t cap,
	    char **data, size_t *len, struct err *err);
/* Removes the whole box and closes box_fd.  Returns 0, or -1 with err. */
int	sandbox_box_remove(struct sandbox *, int box_fd, struct err *err);
/*
 * Removes boxes and cgroups left by a crashed predecessor in this slot
 * (or every slot if slot_all).  Returns the number removed, or -1.
 */
int	sandbox_sweep(struct sandbox *, int slot_all, struct err *err);

/*
 * Runs spec in a new box.  Returns 0 with *res filled (even if the program
 * crashed or hit a limit; free with sandbox_result_reset), or -1 if the
 * sandbox itself failed.  Blocks until every process of the run is gone.
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
	enum sandbox_cgroup	cgroup;
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
