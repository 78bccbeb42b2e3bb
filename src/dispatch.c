/*
 * dispatch.c - map a parsed command line to the command that runs it.
 *
 * Sets up what every command shares (the postconf reader for the selected
 * instance) and keeps the table of commands in one place.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "build.h"
#include "aliascmd.h"
#include "cfile.h"
#include "command.h"
#include "harden.h"
#include "hook.h"
#include "supervise.h"
#include "verify.h"
#include "log.h"
#include "state.h"
#include <unistd.h>

/* cmd_version - print the version */
static int cmd_version(struct pfj_ctx *ctx)
{
	(void)ctx;
	printf("pfjail %s\n", PACKAGE_VERSION);
	return PFJ_EXIT_OK;
}

static const struct {
	enum pfj_command cmd;
	int (*run)(struct pfj_ctx *);
	int needs_postconf;
	int locks;		/* changes the instance: takes its lock (not for a dry run) */
} commands[] = {
	{ PFJ_CMD_BUILD, pfj_cmd_build, 1, 1 },
	{ PFJ_CMD_VERIFY, pfj_cmd_verify, 1, 0 },
	{ PFJ_CMD_ALIASES, pfj_cmd_aliases, 1, 1 },	/* not --check: it only reads */
	{ PFJ_CMD_SUPERVISE, pfj_cmd_supervise, 0, 0 },	/* its rebuilds run build */
	{ PFJ_CMD_HOOK, pfj_cmd_hook, 1, 1 },
	{ PFJ_CMD_HARDEN, pfj_cmd_harden, 1, 1 },	/* locks only with --fix */
	{ PFJ_CMD_VERSION, cmd_version, 0, 0 },
};

int pfj_dispatch(struct pfj_ctx *ctx)
{
	int status = PFJ_EXIT_ERROR, lock = -1;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].cmd != ctx->cli->command)
			continue;
		if (commands[i].needs_postconf &&
		    pfj_postconf_init(&ctx->pc, ctx->conf->postfix_bindir,
				      ctx->cli->config_dir, ctx->cli->root) < 0) {
			pfj_err("out of memory");
			return PFJ_EXIT_ERROR;
		}
		pfj_cfile_in_image(!pfj_root_is_host(ctx->cli->root));
		/* one run at a time per instance: a second one waits, then works as usual */
		if (commands[i].locks && !ctx->cli->dry_run &&
		    (ctx->cli->command != PFJ_CMD_HARDEN || ctx->cli->fix) &&
		    (ctx->cli->command != PFJ_CMD_ALIASES || !ctx->cli->check) && (lock = pfj_instance_lock(ctx)) < 0) {
			pfj_postconf_free(&ctx->pc);
			return PFJ_EXIT_ERROR;
		}
		status = commands[i].run(ctx);
		pfj_instance_unlock(lock);
		pfj_postconf_free(&ctx->pc);
		return status;
	}
	pfj_err("internal error: no handler for %s", pfj_command_name(ctx->cli->command));
	return status;
}
