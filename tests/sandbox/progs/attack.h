/*
 * Shared helpers of the attack programs (tests/sandbox/progs/aNN_*.c).
 *
 * Marker protocol (attack-corpus.md 0.3): a "must be blocked" program
 * tries every action, calls try_*() for each, and ends with finish(),
 * which prints BLOCKED and exits 0, or exits 42 after the ESCAPED lines.
 * Each attempt is also logged on stderr so a failure says what happened.
 */
#ifndef ATTACK_H
#define ATTACK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int	escaped;

static void __attribute__((format(printf, 1, 2)))
escape(const char *fmt, ...)
{
	va_list	ap;

	printf("ESCAPED:");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	escaped++;
}

/* errnos that mean "the sandbox or the kernel's permission checks said no" */
static int
blocked_errno(int e)
{
	switch (e) {
	case ENOSYS: case EPERM: case EACCES: case EAFNOSUPPORT: case EROFS:
	case ENOENT: case ENXIO: case ENOTTY:
		return 1;
	}
	return 0;
}

/*
 * Checks the result of one attempt.  ok_errno is one more errno that counts
 * as blocked for this call (0 = none): e.g. EINVAL where the kernel refuses
 * the call for a reason that is itself the isolation (documented at the
 * call).
 */
static void __attribute__((unused))
check(const char *what, long rc, int ok_errno)
{
	int	e = errno;

	fprintf(stderr, "%s: rc=%ld errno=%s\n", what, rc,
	    rc < 0 ? strerrorname_np(e) : "-");
	if (rc >= 0)
		escape("%s succeeded", what);
	else if (!blocked_errno(e) && e != ok_errno)
		escape("%s errno %s", what, strerrorname_np(e));
}

static void __attribute__((noreturn))
finish(void)
{
	fflush(stderr);
	if (escaped)
		exit(42);
	printf("BLOCKED\n");
	exit(0);
}

#endif
