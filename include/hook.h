/* hook.h - the packaging hook. */
#ifndef PFJ_HOOK_H
#define PFJ_HOOK_H

#include "command.h"

int pfj_cmd_hook(struct pfj_ctx *ctx);

#endif
