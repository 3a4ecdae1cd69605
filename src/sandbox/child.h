#ifndef SANDBOX_CHILD_H
#define SANDBOX_CHILD_H

/*
 * Private to src/sandbox/: what P (sandbox.c, slot.c) and the children it
 * clones (child.c) share.  See the theory block in sandbox.c.
 */

#include <sys/resource.h>
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>

#include "sandbox_int.h"

#define SANDBOX_EXIT_SETUP	126	/* I or R failed before execve */

#define DEF_FSIZE		(1u << 20)
#define DEF_NOFILE		64

/* What I tells P at the end (binary, one write, < PIPE_BUF). */
struct init_report {
	int		status;		/* R's wait status */
	struct rusage	ru;		/* R and its reaped descendants */
	struct rusage	ru_all;		/* everything I reaped */
};

/* Everything the children need, prepared by P before clone. */
struct child_ctx {
	const struct sandbox		*sb;
	const struct sandbox_spec	*spec;
	int				 sync_fd;
	int				 status_wr;
	int				 out_wr;
	int				 err_wr;
	int				 stdin_fd;	/* -1 = /dev/null */
	int				 notify_wr;	/* R sends the seccomp
							   listener here, or -1 */
	int				 parent_fds[5];	/* P's ends, for J to close */
	/* J's work in the slot before the run's own namespaces */
	const char			*new_tops[SLOT_MAX_TOPS];
	dev_t				 new_top_dev[SLOT_MAX_TOPS];	/* on
							   the host */
	int				 n_new_tops;
	const struct sandbox_box	*box_make;	/* mount it and write
							   its files, or NULL */
	int				 new_netns;	/* the slot needs one */
	char				 box_path[PATH_MAX];	/* "" = no box */
	uint64_t			 tmp_bytes;
	uint32_t			 tmp_inodes;
	int				 cg_fd;		/* cgroup v2: the run's
							   cgroup, for I to be
							   born in, or -1 */
	pid_t				 init_pid;	/* I, or -1: J writes it
							   in P's memory */
	int				 init_in_cg;	/* J: I was born in
							   cg_fd's cgroup */
	int				 mem_procs_fd;	/* I: the v1 memory
							   cgroup's cgroup.procs
							   for R to join, or
							   -1 */
};

/* What H and the slot helpers need. */
struct slot_ctx {
	const struct sandbox	*sb;
	int			 status_wr;	/* errors as "E...\n", "O" */
	int			 go_rd;		/* H: P wrote the maps */
	int			 hold_rd;	/* H: EOF = P has our fds */
	int			 close_fds[3];	/* P's ends */
	const char		*tops[SLOT_MAX_TOPS];	/* H: overlay them */
	int			 ntops;
	const char		*box_name;	/* box helpers: the box */
	int			 send_fd;	/* export helper: the box's
						   dir fd goes here */
};

/* The slot's part of the box's root, in box_root (never a box's name). */
#define ROOT_DIR	".r"
/* the prepared files' dir, bound into the slot tmpfs (the roots bind it) */
#define PREPARED_DIR	".p"

#define STACK_SIZE	(256u << 10)	/* each of H's, J's, I's and R's */
#define PAGE_GUARD	(4u << 10)	/* below each stack */
#define NSTACKS		3
/*
 * The top of clone stack i in sb->stacks: 0 J (and H and the box
 * helpers), 1 K, then I, 2 R.  An I cloned with clone3 has no stack of
 * its own: it runs on its copy of J's.  An I in P's memory uses stacks 1
 * and 2 (through R) until it is reaped, so nothing else may.
 */
#define STACK_TOP(sb, i) \
	((sb)->stacks + ((i) + 1) * (PAGE_GUARD + STACK_SIZE))

/* System dirs bound read-only (or recreated as the host's symlinks). */

/* The children's entry points (clone(2) functions), in child.c. */
int	join_main(void *);	/* J: arg is a struct child_ctx */
int	holder_main(void *);	/* H: arg is a struct slot_ctx */
int	unmount_main(void *);	/* the box unmount helper: slot_ctx */
int	export_main(void *);	/* the box export helper: slot_ctx */
/*
 * Whether the children that run while P goes on (H, and I unless the
 * cgroups are v2) may run in P's memory (clone with CLONE_VM, not a
 * copy): on x86-64, outside sanitizer builds, in a program bound at
 * start.
 */
int	child_may_share(void);
/*
 * P's clone(2) of J, H or a box helper: fn(arg) on stack 0, with every
 * signal blocked around the clone (posix_spawn's rule), so that no
 * handler of P's runs in the child, on P's data; the child keeps the
 * mask.  Returns the pid, or -1 with errno.
 */
pid_t	child_clone(const struct sandbox *, int (*fn)(void *), int flags,
	    void *arg);
/* The host's system dirs H overlays (real dirs, not links); how many. */
int	child_sys_tops(const char **tops, int max);

#endif
