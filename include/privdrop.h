/* privdrop.h - give up root for good, and prove it. */
#ifndef PFJ_PRIVDROP_H
#define PFJ_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Look up an account on the host: 0, or -1 with why. */
int pfj_user_ids(const char *user, uid_t *uid, gid_t *gid, char *why, size_t why_size);

/*
 * In a child about to handle untrusted data: clear the capability bounding
 * set, drop supplementary groups, set real/effective/saved gid and uid
 * (libcap-ng), set no_new_privs, then verify that every id is the new one,
 * that no capability is left in any set, and that regaining root fails.
 * Returns 0 or -1 with why; the caller must not go on after a failure.
 */
int pfj_drop_privileges(uid_t uid, gid_t gid, char *why, size_t why_size);

/* The Uid/Gid/CapEff/CapBnd/NoNewPrivs/Seccomp lines of /proc/self/status. */
int pfj_proc_status_summary(char *buf, size_t size);

#endif
