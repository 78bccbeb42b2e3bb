/* launch.h - start Postfix's master with a reduced capability set and a seccomp filter. */
#ifndef PFJ_LAUNCH_H
#define PFJ_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"	/* pfj_proc_*, once declared here: older callers still find them */
#include "util.h"

struct pfj_launch {
	const char *master;		/* $daemon_directory/master */
	const char *config_dir;		/* -c DIR, or NULL for the default instance */
	uint64_t caps;			/* bit n = capability n: the bounding set and p/e */
	bool no_new_privs;
	int seccomp_mode;		/* enum pfj_seccomp_mode */
	const struct pfj_strv *calls;	/* the denylist or allowlist */
	bool notify;			/* send filtered calls to a listener */
	long rlimit_core, rlimit_nofile, rlimit_nproc;	/* -1: inherit */
};

/*
 * Fork master as a direct child in its own session, with a clean
 * environment, only stdin (/dev/null), stdout and stderr open and default
 * signal dispositions.  Before exec the child, in this order, aborting on
 * any failure: reduces the capability bounding set and clears the ambient
 * set; sets no_new_privs (optional); loads the seccomp filter (while it
 * still holds CAP_SYS_ADMIN, unless no_new_privs is set); sets the rlimits
 * (while it still may raise them); reduces the permitted, effective and
 * inheritable sets; and checks every set in /proc/self/status.
 *
 * Returns master's pid (with the seccomp listener in *listener, or -1), or
 * -1 with the child's reason in why when it did not reach exec.
 */
pid_t pfj_launch_master(const struct pfj_launch *l, int *listener, char *why, size_t why_size);

/* Capability names (libcap-ng's, as in pfjail.conf) to a mask; -1 + why for an unknown one. */
int pfj_caps_mask(const struct pfj_strv *names, uint64_t *mask, char *why, size_t why_size);

#endif
