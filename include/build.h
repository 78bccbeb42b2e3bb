/* build.h - the build command's steps. */
#ifndef PFJ_BUILD_H
#define PFJ_BUILD_H

#include "command.h"
#include "jail.h"
#include "json.h"

/*
 * Set master.cf's chroot column, filling the jail (pfj_build_jail) after
 * master.cf is parsed and before it is written.  Adds a "master_cf" object to json (when
 * not NULL); fills bs with the chroot values and the number of entries
 * changed (or that would change with --dry-run).  Returns PFJ_EXIT_OK or
 * PFJ_EXIT_ERROR.
 */
int pfj_build_master(struct pfj_ctx *ctx, struct pfj_json *json, struct pfj_build_state *bs);

int pfj_cmd_build(struct pfj_ctx *ctx);

#endif
