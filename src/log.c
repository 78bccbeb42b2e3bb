/*
 * log.c - where pfjail's messages go.
 *
 * An administrator at a terminal, a packaging hook and a test want plain
 * "pfjail: warning: ..." lines on stderr; the supervisor and the boot-time
 * check started by systemd want syslog (facility mail, like Postfix, so the
 * messages land next to Postfix's own).  PFJ_LOG_AUTO picks syslog only when
 * stderr is not a terminal and a service manager started us (INVOCATION_ID is
 * set by systemd for every unit it runs); everything else gets stderr.  A
 * hook run by a dpkg maintainer script gets both (PFJ_LOG_BOTH): apt
 * scrolls its output away, the journal keeps the record.
 *
 * Callers put the object a message is about (file, file:line, path, service)
 * at the start of the message; this module adds only the severity.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static enum pfj_log_dest log_dest = PFJ_LOG_STDERR;
static int log_verbosity;

/* pfj_log_init - choose the destination and the verbosity */
void pfj_log_init(enum pfj_log_dest dest, int verbosity)
{
	if (dest == PFJ_LOG_AUTO) {
		const char *inv = getenv("INVOCATION_ID");

		dest = (!isatty(STDERR_FILENO) && inv && *inv) ?
			PFJ_LOG_SYSLOG : PFJ_LOG_STDERR;
	}
	if ((log_dest == PFJ_LOG_SYSLOG || log_dest == PFJ_LOG_BOTH) &&
	    dest != PFJ_LOG_SYSLOG && dest != PFJ_LOG_BOTH)
		closelog();
	if (dest == PFJ_LOG_SYSLOG || dest == PFJ_LOG_BOTH)
		openlog("pfjail", LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_dest = dest;
	log_verbosity = verbosity;
}

enum pfj_log_dest pfj_log_dest(void)
{
	return log_dest;
}

int pfj_log_verbosity(void)
{
	return log_verbosity;
}

/* level_enabled - quiet keeps errors and warnings, verbose adds debug */
static int level_enabled(enum pfj_log_level level)
{
	if (level <= PFJ_LOG_WARN)
		return 1;
	if (level == PFJ_LOG_DEBUG)
		return log_verbosity > 0;
	return log_verbosity >= 0;
}

/* pfj_logv - format and emit one message */
void pfj_logv(enum pfj_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = {
		[PFJ_LOG_ERR] = LOG_ERR,
		[PFJ_LOG_WARN] = LOG_WARNING,
		[PFJ_LOG_NOTICE] = LOG_NOTICE,
		[PFJ_LOG_INFO] = LOG_INFO,
		[PFJ_LOG_DEBUG] = LOG_DEBUG,
	};
	static const char *const tag[] = {
		[PFJ_LOG_ERR] = "error: ",
		[PFJ_LOG_WARN] = "warning: ",
		[PFJ_LOG_NOTICE] = "",
		[PFJ_LOG_INFO] = "",
		[PFJ_LOG_DEBUG] = "debug: ",
	};
	char buf[4096];
	int saved_errno = errno;

	if (!level_enabled(level))
		return;
	errno = saved_errno;	/* keep %m meaningful */
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_dest == PFJ_LOG_SYSLOG || log_dest == PFJ_LOG_BOTH)
		syslog(prio[level], "%s%s", tag[level], buf);
	if (log_dest != PFJ_LOG_SYSLOG)
		fprintf(stderr, "pfjail: %s%s\n", tag[level], buf);
	errno = saved_errno;
}

void pfj_log(enum pfj_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pfj_logv(level, fmt, ap);
	va_end(ap);
}
