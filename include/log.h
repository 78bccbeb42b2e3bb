/* log.h - pfjail's diagnostics: stderr for people, syslog for services. */
#ifndef PFJ_LOG_H
#define PFJ_LOG_H

#include <stdarg.h>

enum pfj_log_level {
	PFJ_LOG_ERR,
	PFJ_LOG_WARN,
	PFJ_LOG_NOTICE,
	PFJ_LOG_INFO,
	PFJ_LOG_DEBUG,
};

enum pfj_log_dest {
	PFJ_LOG_AUTO,		/* stderr on a terminal or in the foreground, syslog under a service manager */
	PFJ_LOG_STDERR,
	PFJ_LOG_SYSLOG,
	PFJ_LOG_BOTH,		/* stderr and syslog: a packaging hook, whose output apt scrolls away */
};

/* verbosity: -1 quiet (errors and warnings only), 0 normal, 1+ verbose. */
void pfj_log_init(enum pfj_log_dest dest, int verbosity);
enum pfj_log_dest pfj_log_dest(void);
int pfj_log_verbosity(void);

void pfj_logv(enum pfj_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void pfj_log(enum pfj_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pfj_err(...)	pfj_log(PFJ_LOG_ERR, __VA_ARGS__)
#define pfj_warn(...)	pfj_log(PFJ_LOG_WARN, __VA_ARGS__)
#define pfj_notice(...)	pfj_log(PFJ_LOG_NOTICE, __VA_ARGS__)
#define pfj_info(...)	pfj_log(PFJ_LOG_INFO, __VA_ARGS__)
#define pfj_debug(...)	pfj_log(PFJ_LOG_DEBUG, __VA_ARGS__)

#endif
