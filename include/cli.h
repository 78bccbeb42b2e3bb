/* cli.h - pfjail's command line, parsed into a plain struct. */
#ifndef PFJ_CLI_H
#define PFJ_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit status everywhere. */
#define PFJ_EXIT_OK		0	/* success, clean, nothing to change */
#define PFJ_EXIT_FINDINGS	1	/* verify findings, or --dry-run would change something */
#define PFJ_EXIT_ERROR		2	/* usage, configuration, bad input, I/O */

enum pfj_command {
	PFJ_CMD_NONE,
	PFJ_CMD_BUILD,
	PFJ_CMD_VERIFY,
	PFJ_CMD_ALIASES,
	PFJ_CMD_SUPERVISE,
	PFJ_CMD_HOOK,
	PFJ_CMD_HARDEN,
	PFJ_CMD_HELP,
	PFJ_CMD_VERSION,
};

struct pfj_cli {
	const char *config_dir;		/* -c: Postfix config dir (default /etc/postfix) */
	bool config_dir_given;
	const char *conf_file;		/* -f: pfjail.conf (NULL: the default file) */
	const char *root;		/* -R ROOT or NULL */
	bool dry_run;
	bool json;
	int verbosity;			/* -q: -1, default 0, each -v +1 */
	enum pfj_command command;
	/* command options */
	bool no_reload;			/* build, hook */
	const char *root_to;		/* aliases --root-to */
	bool check;			/* aliases --check */
	const char *event;		/* hook EVENT */
	bool boot;			/* verify --boot: apply verify.policy */
	bool take_over;			/* build --take-over: own a jail Debian's script fills */
	const char *instance;		/* hook --instance NAME: a postmulti instance */
	bool probe;			/* harden --probe: test a scratch copy live */
	bool fix;			/* harden --fix: apply the safe fixes */
	const char *textfile;		/* verify, harden --textfile FILE: Prometheus metrics */
	/* internal, no option: verify only the jail against what build placed,
	 * not the host's side (sources that changed, master.cf) */
	bool jail_only;
};

/*
 * Parse argv.  Returns 0 and fills *cli, or -1 with a one-line reason in
 * why (the caller prints it with the usage text and exits 2).
 */
int pfj_cli_parse(int argc, char *argv[], struct pfj_cli *cli,
		  char *why, size_t why_size);

const char *pfj_command_name(enum pfj_command cmd);

/* The --help text. */
extern const char pfj_usage_text[];

#endif
