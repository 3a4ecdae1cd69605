#include <sys/prctl.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "proc.h"

/* Set once SIGTERM or SIGINT was read from this process's signalfd. */
static volatile sig_atomic_t	stop_seen;

void
fatal(const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_errx("fatal: %s", msg);
	exit(1);
}

int
proc_child_init(const struct proc_ctx *ctx, const char *role, int slot)
{
	sigset_t	set;
	int		fd;

	/*
	 * SIGTERM is blocked already (the mask comes from the master), so
	 * a death signal that arrives now waits for our signalfd below.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		fatal("%s %d: prctl(PR_SET_PDEATHSIG): %s", role, slot,
		    strerror(errno));
	/* The master died before prctl: we belong to someone else now. */
	if (getppid() != ctx->master)
		exit(0);
	close(ctx->sig_fd);

	/*
	 * SIGCHLD is the sandbox's business in an executor: unblock it.
	 * SIGHUP stays blocked (and ignored: it only ever pends).
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_SETMASK, &set, NULL) == -1)
		fatal("%s %d: sigprocmask: %s", role, slot, strerror(errno));
	sigdelset(&set, SIGHUP);
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("%s %d: signalfd: %s", role, slot, strerror(errno));
	return fd;
}

int
proc_stop_requested(int sig_fd)
{
	struct signalfd_siginfo	si;

	while (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop_seen = 1;
	return stop_seen;
}

int
proc_efd_add(int fd, uint64_t n)
{
	ssize_t	r;

	do
		r = write(fd, &n, sizeof(n));
	while (r == -1 && errno == EINTR);
	return r == (ssize_t)sizeof(n) ? 0 : -1;
}

int
proc_done_send(const struct proc_ctx *ctx, const char *token)
{
	char	msg[PROC_TOKEN_LEN + 1];
	ssize_t	r;
	int	i, missed = 0;

	if (strlen(token) != PROC_TOKEN_LEN)
		return ctx->nworkers;
	memcpy(msg, token, PROC_TOKEN_LEN);
	msg[PROC_TOKEN_LEN] = '\n';
	for (i = 0; i < ctx->nworkers; i++) {
		do
			r = write(ctx->done_pipes[i][1], msg, sizeof(msg));
		while (r == -1 && errno == EINTR);
		if (r != (ssize_t)sizeof(msg))
			missed++;
	}
	return missed;
}
