/* sandbox.h - seccomp filters from policy files (data, not code). */
#ifndef PFJ_SANDBOX_H
#define PFJ_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/*
 * Parse a policy: one system call name per line, '#' comments.  Names the
 * kernel's native architecture does not know are an error with FILE:LINE
 * (name is used in messages), or skipped with skip_unknown (a denylist may
 * name calls another architecture has).  Returns 0 or -1 with why.
 */
int pfj_policy_parse(const char *text, const char *name, int skip_unknown,
		     struct pfj_strv *calls, char *why, size_t why_size);

/*
 * Install an allowlist filter (native architecture only): the calls are
 * allowed, everything else gets `otherwise` (SCMP_ACT_KILL_PROCESS, or
 * SCMP_ACT_LOG to learn).  Sets no_new_privs if not set.  0 or -1 + why.
 */
int pfj_seccomp_allow(const struct pfj_strv *calls, uint32_t otherwise, char *why, size_t why_size);

/* Load policy file `path` and install it as an allowlist. */
int pfj_seccomp_allow_file(const char *path, uint32_t otherwise, char *why, size_t why_size);

/* supervise.seccomp */
enum pfj_seccomp_mode {
	PFJ_SECCOMP_OFF,
	PFJ_SECCOMP_DENY,	/* listed calls fail with EPERM */
	PFJ_SECCOMP_ALLOW,	/* only listed calls; anything else kills */
	PFJ_SECCOMP_LEARN,	/* only listed calls; anything else is logged and runs */
};
extern const char *const pfj_seccomp_mode_names[];
int pfj_seccomp_mode(const char *name);	/* -1: unknown */

/* Does this kernel and libseccomp support user notification? */
int pfj_seccomp_notify_available(void);

/*
 * Load the supervise filter for mode over calls (the denylist or the
 * allowlist).  It does not set no_new_privs: the caller either set it or
 * still holds CAP_SYS_ADMIN.  With notify, the calls the mode does not let
 * through go to a listener (returned in *listener) instead of being
 * answered by the kernel, so that they can be logged by name.  0 or -1 + why.
 */
int pfj_seccomp_supervise(int mode, const struct pfj_strv *calls, int notify, int *listener,
			  char *why, size_t why_size);

struct pfj_notify_event {
	pid_t pid;		/* the caller */
	char syscall[48];	/* its name */
	char comm[20];		/* the caller's command name, read while it waited */
	const char *action;	/* what was done */
};

/*
 * Take one pending notification from listener fd and answer it as mode
 * says: EPERM (deny), kill the caller (allow), let it run (learn).
 * Returns 0 with ev filled, or -errno (-ENOENT: the caller went away).
 */
int pfj_seccomp_notify_handle(int fd, int mode, struct pfj_notify_event *ev);

/* "ptrace", or "syscall 999" when libseccomp does not know it. */
const char *pfj_syscall_name(int nr, char *buf, size_t size);

#endif
