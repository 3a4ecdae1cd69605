#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_foreground = 1;
static int	 log_verbose;
static const char *log_ident = "coderunner";

void
log_init(int foreground, int verbose, const char *ident)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (ident != NULL)
		log_ident = ident;
	if (!foreground)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	msg[1024];
	int	saved = errno;
	size_t	len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(saved));
	}
	if (log_foreground) {
		/* one write(2) per line so lines of several processes don't mix */
		char	line[1200];
		int	n;

		n = snprintf(line, sizeof(line), "%s[%d]: %s\n", log_ident,
		    (int)getpid(), msg);
		if (n > (int)sizeof(line) - 1)
			n = sizeof(line) - 1;
		(void)!write(STDERR_FILENO, line, n);
	} else
		syslog(pri, "%s", msg);
	errno = saved;
}

#define LOGFN(name, pri, with_errno, gate)				\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	if (!(gate))							\
		return;							\
	va_start(ap, fmt);						\
	vlog(pri, fmt, ap, with_errno);					\
	va_end(ap);							\
}

LOGFN(log_warn, LOG_WARNING, 1, 1)
LOGFN(log_warnx, LOG_WARNING, 0, 1)
LOGFN(log_info, LOG_INFO, 0, 1)
LOGFN(log_debug, LOG_DEBUG, 0, log_verbose)
