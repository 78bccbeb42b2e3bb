/* proc.h - run a helper program (postconf, postalias, postfix) safely. */
#ifndef PFJ_PROC_H
#define PFJ_PROC_H

#include <sys/types.h>

#include "util.h"

struct pfj_run_result {
	int status;		/* wait status (use WIFEXITED etc.) */
	struct pfj_buf out;	/* everything the program wrote to stdout */
	struct pfj_buf err;	/* everything it wrote to stderr */
};

/*
 * Run argv[0] (an absolute path) with argv, a minimal fixed environment plus
 * the NULL-terminated extra_env ("NAME=value"; may be NULL), stdin from
 * /dev/null and no other descriptors.  Collects stdout and stderr (each at
 * most 16 MiB).  Returns 0 when the program ran (look at res->status), or
 * -errno when it could not be started or read; res is always initialised and
 * must be released with pfj_run_result_free().  A program that produces no
 * output for two minutes is killed (-ETIMEDOUT).
 */
int pfj_run(const char *const argv[], const char *const extra_env[],
	    struct pfj_run_result *res);
void pfj_run_result_free(struct pfj_run_result *res);

/* A helper started by pfj_run_start() and not yet collected. */
struct pfj_proc {
	pid_t pid;
	int out_fd, err_fd;
};

/*
 * pfj_run in two halves, so that the caller can work while the helper
 * runs: start it (0 or -errno), then collect it with pfj_run_finish (same
 * result as pfj_run) or kill and reap it with pfj_run_cancel.
 */
int pfj_run_start(const char *const argv[], const char *const extra_env[],
		  struct pfj_proc *p);
int pfj_run_finish(struct pfj_proc *p, struct pfj_run_result *res);
void pfj_run_cancel(struct pfj_proc *p);

/* How long a helper may stay silent before it is killed (default 2 minutes). */
void pfj_run_set_timeout(int ms);

/* "exit status 3", "killed by signal 9": for messages. */
const char *pfj_run_describe(int status, char *buf, size_t size);

/* The reason from the tool's stderr ("prog: fatal: why" gives "why"). */
const char *pfj_run_first_error(struct pfj_run_result *res);

#endif
