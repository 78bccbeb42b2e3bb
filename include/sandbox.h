/* sandbox.h - seccomp filters from policy files (data, not code). */
#ifndef PFJ_SANDBOX_H
#define PFJ_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Parse a policy: one system call name per line, '#' comments.  Names the
 * kernel's native architecture does not know are an error with FILE:LINE
 * (name is used in messages).  Returns 0 or -1 with why.
 */
int pfj_policy_parse(const char *text, const char *name, struct pfj_strv *calls,
		     char *why, size_t why_size);

/*
 * Install an allowlist filter (native architecture only): the calls are
 * allowed, everything else gets `otherwise` (SCMP_ACT_KILL_PROCESS, or
 * SCMP_ACT_LOG to learn).  Sets no_new_privs if not set.  0 or -1 + why.
 */
int pfj_seccomp_allow(const struct pfj_strv *calls, uint32_t otherwise, char *why, size_t why_size);

/* Load policy file `path` and install it as an allowlist. */
int pfj_seccomp_allow_file(const char *path, uint32_t otherwise, char *why, size_t why_size);

#endif
