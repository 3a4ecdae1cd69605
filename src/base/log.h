#ifndef BASE_LOG_H
#define BASE_LOG_H

/*
 * Logging to stderr (foreground) or syslog(LOG_DAEMON).  Modules in src/
 * log at debug level only; the processes in fcgi-app/ decide the rest.
 */
void	log_init(int foreground, int verbose, const char *ident);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
