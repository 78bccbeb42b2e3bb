/*
 * supervise-main.c - pfjail-supervise, the program "pfjail supervise"
 * hands over to.
 *
 * A program of its own so that the process that stays resident for as
 * long as Postfix runs maps only what it needs (no libcrypto): it is run
 * as "pfjail-supervise --pfjail PFJAIL ARGV...", where ARGV is pfjail's
 * own command line and PFJAIL the pfjail program to run for the checks.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "command.h"
#include "conf.h"
#include "log.h"
#include "supervise.h"

int main(int argc, char *argv[])
{
	struct pfj_cli cli;
	struct pfj_conf conf;
	struct pfj_ctx ctx = { .cli = &cli, .conf = &conf };
	char why[1024];
	int status;

	umask(022);
	if (argc < 4 || strcmp(argv[1], "--pfjail") != 0 || argv[2][0] != '/') {
		fprintf(stderr, "pfjail-supervise: run it as \"pfjail supervise\"\n");
		return PFJ_SV_EXIT_ERROR;
	}
	if (pfj_cli_parse(argc - 3, argv + 3, &cli, why, sizeof(why)) < 0 ||
	    cli.command != PFJ_CMD_SUPERVISE) {
		fprintf(stderr, "pfjail-supervise: %s\n", cli.command != PFJ_CMD_SUPERVISE ?
			"not a supervise command line" : why);
		return PFJ_SV_EXIT_ERROR;
	}
	pfj_log_init(PFJ_LOG_AUTO, cli.verbosity);
	if (pfj_conf_load_cli(&conf, &cli) < 0)
		return PFJ_SV_EXIT_ERROR;
	if (pfj_postconf_init(&ctx.pc, conf.postfix_bindir, cli.config_dir, cli.root) < 0) {
		pfj_err("out of memory");
		status = PFJ_SV_EXIT_ERROR;
	} else {
		status = pfj_supervise(&ctx, argv[2]);
	}
	pfj_postconf_free(&ctx.pc);
	pfj_conf_free(&conf);
	return status;
}
