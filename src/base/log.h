#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stddef.h>

/*
 * Logging: one line per event, written to stderr with one write(2) (so the
 * lines of several processes and threads never mix), each line one JSON
 * object in one format:
 *
 *	{"time":"2025-01-31T12:00:00.000Z","level":"info",
 *	 "prog":"coderunner.fcgi","pid":123,"msg":"worker 0: ready"}
 *
 * time is UTC with milliseconds; level is debug, info, warning or error;
 * log_json() puts its caller's members in place of "msg".  Under systemd
 * (stderr is the journal stream named by $JOURNAL_STREAM) each line also
 * starts with its syslog priority, "<6>", which journald takes as the
 * entry's priority and strips.
 *
 * Nothing here opens a file: where the lines go and how they are rotated
 * is the business of whoever holds stderr (journald, or a pipe).  Modules
 * in src/ log at debug level only; the processes in fcgi-app/ decide the
 * rest.
 */
void	log_init(int verbose, const char *ident);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * An info line of the caller's own members: fmt makes JSON members
 * ("\"status\":200,\"path\":\"/x\""), valid JSON already (see
 * log_json_quote); a line whose members do not fit is cut.
 */
void	log_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Writes s as a JSON string ("..." with escapes, or null when s is NULL)
 * into out, cutting it short ("...") if it does not fit.  Bytes >= 0x7f
 * are escaped one by one, so the result is valid JSON whatever s holds.
 */
void	log_json_quote(char *out, size_t size, const char *s);

#endif
