/* command.h - what every pfjail command gets, and the command entry points. */
#ifndef PFJ_COMMAND_H
#define PFJ_COMMAND_H

#include "cli.h"
#include "conf.h"
#include "postconf.h"

struct pfj_ctx {
	const struct pfj_cli *cli;
	const struct pfj_conf *conf;
	struct pfj_postconf pc;		/* reader for this Postfix instance */
	int argc;			/* the command line as given (supervise hands it on) */
	char **argv;
};


/* Run the command the CLI selected; loads nothing, prints errors itself. */
int pfj_dispatch(struct pfj_ctx *ctx);

#endif
