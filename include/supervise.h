/* supervise.h - pfjail supervise: run Postfix's master, confined, and keep watching. */
#ifndef PFJ_SUPERVISE_H
#define PFJ_SUPERVISE_H

#include "command.h"

/* Exit statuses of pfjail supervise (documented in pfjail(8)). */
enum {
	PFJ_SV_EXIT_STOPPED = 0,	/* stopped by SIGTERM or SIGINT */
	PFJ_SV_EXIT_ERROR = 2,		/* usage, configuration or set-up error */
	PFJ_SV_EXIT_JAIL = 3,		/* the jail failed verification (supervise.policy) */
	PFJ_SV_EXIT_ALIASES = 4,	/* root's mail reaches root (aliases.policy = enforce) */
	PFJ_SV_EXIT_CHECK = 5,		/* postfix check failed */
	PFJ_SV_EXIT_GAVE_UP = 6,	/* master failed too often within restart_window */
	PFJ_SV_EXIT_BUSY = 7,		/* another supervisor or a master already runs this instance */
	PFJ_SV_EXIT_AUDIT = 8,		/* a running audit found tampering: Postfix stopped */
	PFJ_SV_EXIT_LAUNCH = 9,		/* master could not be confined and started */
};

/*
 * The supervisor (pfjail-supervise).  pfjail is the main program, run for
 * the checks that need it (verify, build, aliases); ctx holds the parsed
 * command line and configuration.  Returns one of the statuses above.
 */
int pfj_supervise(struct pfj_ctx *ctx, const char *pfjail);

/* The pfjail supervise command: hands over to pfjail-supervise. */
int pfj_cmd_supervise(struct pfj_ctx *ctx);

#endif
