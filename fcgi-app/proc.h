#ifndef FCGI_PROC_H
#define FCGI_PROC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct config;
struct lang_table;
struct metrics;
struct sandbox_host;

/* FastCGI's FCGI_LISTENSOCK_FILENO: spawn-fcgi puts the socket there. */
#define PROC_LISTEN_FD	0

/*
 * The processes of coderunner.fcgi (see the theory block in main.c).
 * The master fills one proc_ctx before its first fork; each child gets a
 * copy with the fork and never writes to it.
 */
struct proc_ctx {
	const struct config	*cfg;
	const struct lang_table	*langs;
	pid_t			 master;	/* getppid() of every child */
	int			 sig_fd;	/* the master's signalfd */
	int			 job_fd;	/* "a job was queued" */
	int			(*done_pipes)[2]; /* "job finished", per
						   worker: read, write end */
	int			 nworkers;
	int			 cb_fd;		/* "a verdict for the callback
						   sender", or -1 (off) */
	struct metrics		*metrics;	/* shared counters (MAP_SHARED) */
	const struct sandbox_host *host;	/* probed by the master */
};

/* Logs "fatal: ..." and exits 1.  Only for fcgi-app/, never in src/. */
void	fatal(const char *, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * First steps of every child, right after fork: dies with the master
 * (PR_SET_PDEATHSIG, then getppid() to close the race), closes the
 * master's signalfd and blocks SIGTERM, SIGINT and SIGHUP.  Returns a
 * signalfd (close-on-exec, non-blocking) that becomes readable on SIGTERM
 * or SIGINT; exits if the master is gone already.
 */
int	proc_child_init(const struct proc_ctx *, const char *role, int slot);

/*
 * Reads what is pending on a child's signalfd.  Returns 1 once SIGTERM or
 * SIGINT has arrived (now or earlier in this process), else 0.
 */
int	proc_stop_requested(int sig_fd);

/* Adds n to the eventfd fd.  Returns 0, or -1 with errno set. */
int	proc_efd_add(int fd, uint64_t n);

/*
 * A "job finished" message is the job's token and a newline, written in
 * one write(2) to each worker's pipe (under PIPE_BUF, so never torn).
 */
#define PROC_TOKEN_LEN	36

/*
 * Tells every http worker that the job of token has its verdict.  Never
 * blocks: a worker whose pipe is full (it is not reading: dead, or far
 * behind) misses the message, and its waiter finds the verdict at its
 * next look (api_wait looks at least once a second).  Returns the number
 * of workers that missed it.
 */
int	proc_done_send(const struct proc_ctx *, const char *token);

/*
 * The two kinds of children.  Neither returns: they exit 0 when asked to
 * stop and non-zero when they fail, and the master restarts them.
 */
void	worker_main(const struct proc_ctx *, int slot)
	    __attribute__((noreturn));
void	executor_main(const struct proc_ctx *, int slot)
	    __attribute__((noreturn));
/* The callback sender (callback.c), when callbacks are on. */
void	callback_main(const struct proc_ctx *)
	    __attribute__((noreturn));

#endif
