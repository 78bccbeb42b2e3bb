/*
 * main.c - pfjail's entry point: parse, configure, dispatch.
 *
 * Kept thin on purpose: option parsing (cli.c), configuration (conf.c) and
 * the commands themselves live in the internal library, where the tests can
 * reach them.  Only here does the program print usage text and pick the exit
 * status for errors that happen before a command runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "command.h"
#include "conf.h"
#include "log.h"
#include "util.h"

int main(int argc, char *argv[])
{
	struct pfj_cli cli;
	struct pfj_conf conf;
	struct pfj_ctx ctx = { .cli = &cli, .conf = &conf };
	char why[1024];
	int status;

	umask(022);
	if (pfj_cli_parse(argc, argv, &cli, why, sizeof(why)) < 0) {
		fprintf(stderr, "pfjail: %s\n\n%s", why, pfj_usage_text);
		return PFJ_EXIT_ERROR;
	}
	if (cli.command == PFJ_CMD_HELP) {
		fputs(pfj_usage_text, stdout);
		return PFJ_EXIT_OK;
	}
	/* services (supervise, the boot-time verify) log to syslog under
	 * systemd; a hook run by a dpkg maintainer script (dpkg sets
	 * DPKG_MAINTSCRIPT_NAME) to stderr and syslog */
	{
		const char *ms = getenv("DPKG_MAINTSCRIPT_NAME");
		enum pfj_log_dest dest = PFJ_LOG_STDERR;

		if (cli.command == PFJ_CMD_SUPERVISE || cli.boot)
			dest = PFJ_LOG_AUTO;
		else if (cli.command == PFJ_CMD_HOOK && ms && *ms)
			dest = PFJ_LOG_BOTH;
		pfj_log_init(dest, cli.verbosity);
	}

	/* The configuration is loaded and validated before any command runs. */
	if (pfj_conf_load_cli(&conf, &cli) < 0)
		return PFJ_EXIT_ERROR;
	ctx.argc = argc;
	ctx.argv = argv;

	status = pfj_dispatch(&ctx);
	pfj_conf_free(&conf);
	return status;
}
