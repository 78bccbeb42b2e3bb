/* state.h - the paths of pfjail's state files for one Postfix instance. */
#ifndef PFJ_STATE_H
#define PFJ_STATE_H

struct pfj_ctx;

/* The state directory (inside ROOT) and this instance's file name for suffix: 0 or -ENOMEM. */
int pfj_state_location(const struct pfj_ctx *ctx, const char *suffix, char **dir, char **base);

/* $state_dir/<escaped config dir>.<suffix>, malloc'ed (NULL: out of memory). */
char *pfj_state_path(const struct pfj_ctx *ctx, const char *suffix);

/* The manifest of this instance's jail. */
char *pfj_manifest_path(const struct pfj_ctx *ctx);

#endif
