#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define LOG_LINE_MAX	2048	/* a longer line is cut, still valid JSON */

static int	 log_verbose;
static int	 log_journal;	/* stderr is journald's stream */
static const char *log_ident = "coderunner";

/*
 * systemd names the journal stream it gave us as "DEV:INO" in
 * JOURNAL_STREAM (systemd.exec(5)); a child's stderr that was redirected
 * since is not that stream any more.
 */
static int
stderr_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int verbose, const char *ident)
{
	log_verbose = verbose;
	if (ident != NULL)
		log_ident = ident;
	log_journal = stderr_is_journal();
}

void
log_json_quote(char *out, size_t size, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	size_t			 o = 0;
	unsigned char		 c;

	if (size < 8) {
		if (size > 0)
			out[0] = '\0';
		return;
	}
	if (s == NULL) {
		memcpy(out, "null", 5);
		return;
	}
	out[o++] = '"';
	for (p = (const unsigned char *)s; (c = *p) != '\0'; p++) {
		/* room for the longest escape, "...", the quote and NUL */
		if (o + 6 + 3 + 2 > size) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 0xf];
			o += 6;
		} else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static const char *
level_name(int pri)
{
	switch (pri) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
		return "info";
	case LOG_WARNING:
		return "warning";
	default:
		return "error";
	}
}

/*
 * Writes one line: the common members, then members (JSON, or NULL), or
 * "msg" with text.  One write(2), so lines never interleave.
 */
static void
emit(int pri, const char *members, const char *text)
{
	char	line[LOG_LINE_MAX], when[32], ident[64];
	size_t	n;
	int	len;

	util_iso8601(util_now_ms(), when);
	log_json_quote(ident, sizeof(ident), log_ident);
	len = snprintf(line, sizeof(line),
	    "%s{\"time\":\"%s\",\"level\":\"%s\",\"prog\":%s,\"pid\":%d,",
	    log_journal ? (pri == LOG_DEBUG ? "<7>" : pri == LOG_INFO ? "<6>" :
	    pri == LOG_WARNING ? "<4>" : "<3>") : "", when, level_name(pri),
	    ident, (int)getpid());
	n = (size_t)len;
	if (members != NULL) {
		len = snprintf(line + n, sizeof(line) - n, "%s}\n", members);
		if (len < 0 || (size_t)len >= sizeof(line) - n) {
			/* cut: say so in a line that is still JSON */
			len = snprintf(line + n, sizeof(line) - n,
			    "\"msg\":\"(line too long)\"}\n");
		}
	} else {
		memcpy(line + n, "\"msg\":", 6);
		n += 6;
		/* leave room for "}\n" */
		log_json_quote(line + n, sizeof(line) - n - 2, text);
		len = (int)strlen(line + n);
		memcpy(line + n + (size_t)len, "}\n", 2);
		len += 2;
	}
	n += (size_t)len;
	(void)!write(STDERR_FILENO, line, n);
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
	emit(pri, NULL, msg);
	errno = saved;
}

void
log_json(const char *fmt, ...)
{
	char	members[LOG_LINE_MAX];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	if (vsnprintf(members, sizeof(members), fmt, ap) >=
	    (int)sizeof(members))
		members[0] = '\0';	/* cut JSON is no JSON: emit says so */
	va_end(ap);
	emit(LOG_INFO, members[0] != '\0' ? members :
	    "\"msg\":\"(line too long)\"", NULL);
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
LOGFN(log_errx, LOG_ERR, 0, 1)
LOGFN(log_info, LOG_INFO, 0, 1)
LOGFN(log_debug, LOG_DEBUG, 0, log_verbose)
