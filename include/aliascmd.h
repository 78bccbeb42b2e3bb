/* aliascmd.h - the aliases command. */
#ifndef PFJ_ALIASCMD_H
#define PFJ_ALIASCMD_H

#include "command.h"

int pfj_cmd_aliases(struct pfj_ctx *ctx);

#endif
