/* aliascmd.h - the aliases command. */
#ifndef PFJ_ALIASCMD_H
#define PFJ_ALIASCMD_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"

int pfj_cmd_aliases(struct pfj_ctx *ctx);

/* What aliases --check finds about root's mail. */
struct pfj_root_check {
	char file[4096];	/* the aliases file Postfix uses (inside ROOT) */
	int has_alias;		/* root has an entry */
	unsigned line;		/* its line */
	char value[1024];	/* its value */
	int reaches_uid0;	/* root's mail still ends at a uid-0 account ... */
	char via[256];		/* ... this one */
	int stale;		/* the map does not say what the file says (why) */
	char why[1024];		/* the map problem, or the error */
};

/*
 * Check root's alias as aliases --check does: 0 root's mail reaches an
 * unprivileged account and the map agrees, 1 it does not (see rc), -1 an
 * error (rc->why).  warn: log a later, ignored "root" entry.
 */
int pfj_aliases_root_check(const struct pfj_ctx *ctx, bool warn, struct pfj_root_check *rc);

/* The one-line report of --check's text output. */
#define PFJ_ROOT_CHECK_MSG 8192
void pfj_root_check_describe(const struct pfj_root_check *rc, char *buf, size_t size);

#endif
