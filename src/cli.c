/*
 * cli.c - parse pfjail's command line.
 *
 * Global options may stand before or after the command (GNU getopt
 * permutes), so `pfjail verify --json` and `pfjail --json verify` are the
 * same.  Options that belong to one command are accepted only with that
 * command, so a typo cannot silently do something else.  The parser only
 * fills a struct; main() decides what to run, which keeps this testable.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char pfj_usage_text[] =
	"Usage: pfjail [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Build, verify and supervise Postfix's chroot jail.\n"
	"\n"
	"Commands:\n"
	"  build        fill the jail and set master.cf's chroot column\n"
	"  verify       audit the jail against what build placed and the host\n"
	"  aliases      route root's mail to an unprivileged user\n"
	"  supervise    run Postfix's master under a hardened supervisor\n"
	"  hook [EVENT] re-sync and verify the jail (for packaging scripts)\n"
	"  harden       audit the instance against the hardening checklist\n"
	"  help         show this text\n"
	"  version      show the version\n"
	"\n"
	"Options:\n"
	"  -c, --config-dir DIR  Postfix configuration directory (default /etc/postfix)\n"
	"  -f, --file FILE       pfjail configuration file (default " PFJ_CONF_FILE ")\n"
	"  -R, --root ROOT       operate on the system image at ROOT\n"
	"  -n, --dry-run         change nothing; report what would change\n"
	"      --json            machine-readable output on stdout\n"
	"  -v, --verbose         more messages (repeat for more)\n"
	"  -q, --quiet           only warnings and errors\n"
	"  -h, --help            show this text\n"
	"\n"
	"Command options:\n"
	"  build, hook:  --no-reload       do not reload a running Postfix\n"
	"  build, hook:  --take-over       own a jail the distribution's script fills\n"
	"  hook:         --instance NAME   the Postfix instance (postmulti name, - default)\n"
	"  verify:       --boot            the boot-time check: apply verify.policy\n"
	"  verify, harden: --textfile FILE write Prometheus metrics to FILE (atomically)\n"
	"  aliases:      --root-to USER    route root's mail to USER\n"
	"                --check           only check; exit 1 if root's mail reaches root\n"
	"  harden:       --probe           also test a scratch copy live over SMTP\n"
	"                --fix             apply the fixes that are safe (-n: show them)\n"
	"\n"
	"Exit status: 0 success or clean, 1 findings or changes needed (--dry-run),\n"
	"2 error.  See pfjail(8).\n";

static const char *const command_names[] = {
	[PFJ_CMD_NONE] = "",
	[PFJ_CMD_BUILD] = "build",
	[PFJ_CMD_VERIFY] = "verify",
	[PFJ_CMD_ALIASES] = "aliases",
	[PFJ_CMD_SUPERVISE] = "supervise",
	[PFJ_CMD_HOOK] = "hook",
	[PFJ_CMD_HARDEN] = "harden",
	[PFJ_CMD_HELP] = "help",
	[PFJ_CMD_VERSION] = "version",
};

const char *pfj_command_name(enum pfj_command cmd)
{
	return command_names[cmd];
}

enum {
	OPT_JSON = 256,
	OPT_NO_RELOAD,
	OPT_ROOT_TO,
	OPT_CHECK,
	OPT_VERSION,
	OPT_BOOT,
	OPT_TAKE_OVER,
	OPT_INSTANCE,
	OPT_PROBE,
	OPT_FIX,
	OPT_TEXTFILE,
};

static const struct option long_options[] = {
	{ "config-dir", required_argument, NULL, 'c' },
	{ "file", required_argument, NULL, 'f' },
	{ "root", required_argument, NULL, 'R' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "no-reload", no_argument, NULL, OPT_NO_RELOAD },
	{ "root-to", required_argument, NULL, OPT_ROOT_TO },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "boot", no_argument, NULL, OPT_BOOT },
	{ "take-over", no_argument, NULL, OPT_TAKE_OVER },
	{ "instance", required_argument, NULL, OPT_INSTANCE },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "fix", no_argument, NULL, OPT_FIX },
	{ "textfile", required_argument, NULL, OPT_TEXTFILE },
	{ NULL, 0, NULL, 0 },
};

/* lookup_command - name to enum */
static enum pfj_command lookup_command(const char *name)
{
	for (size_t i = 1; i < sizeof(command_names) / sizeof(command_names[0]); i++)
		if (strcmp(command_names[i], name) == 0)
			return (enum pfj_command)i;
	return PFJ_CMD_NONE;
}

/* dir_arg_ok - option arguments naming directories must be absolute */
static int dir_arg_ok(const char *opt, const char *val, char *why, size_t why_size)
{
	if (val[0] != '/') {
		snprintf(why, why_size, "%s needs an absolute path, not \"%s\"", opt, val);
		return 0;
	}
	return 1;
}

int pfj_cli_parse(int argc, char *argv[], struct pfj_cli *cli,
		  char *why, size_t why_size)
{
	/* Command options that were used, and the commands that take them. */
	static const struct {
		const char *name;
		unsigned commands;
	} cmd_opts[] = {
		{ "--no-reload", 1u << PFJ_CMD_BUILD | 1u << PFJ_CMD_HOOK },
		{ "--root-to", 1u << PFJ_CMD_ALIASES },
		{ "--check", 1u << PFJ_CMD_ALIASES },
		{ "--boot", 1u << PFJ_CMD_VERIFY },
		{ "--take-over", 1u << PFJ_CMD_BUILD | 1u << PFJ_CMD_HOOK },
		{ "--instance", 1u << PFJ_CMD_HOOK },
		{ "--probe", 1u << PFJ_CMD_HARDEN },
		{ "--fix", 1u << PFJ_CMD_HARDEN },
		{ "--textfile", 1u << PFJ_CMD_VERIFY | 1u << PFJ_CMD_HARDEN },
	};
	bool used[sizeof(cmd_opts) / sizeof(cmd_opts[0])] = { false };
	bool help = false, version = false;
	int c;

	memset(cli, 0, sizeof(*cli));
	cli->config_dir = "/etc/postfix";
	opterr = 0;
	optind = 0;		/* GNU: full re-initialisation, so tests can parse twice */
	while ((c = getopt_long(argc, argv, ":c:f:R:nvqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!dir_arg_ok("-c", optarg, why, why_size))
				return -1;
			cli->config_dir = optarg;
			cli->config_dir_given = true;
			break;
		case 'f':
			if (!*optarg) {
				snprintf(why, why_size, "-f needs a file name");
				return -1;
			}
			cli->conf_file = optarg;
			break;
		case 'R':
			if (!dir_arg_ok("-R", optarg, why, why_size))
				return -1;
			cli->root = optarg;
			break;
		case 'n':
			cli->dry_run = true;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case 'v':
			if (cli->verbosity < 0) {
				snprintf(why, why_size, "-v and -q exclude each other");
				return -1;
			}
			cli->verbosity++;
			break;
		case 'q':
			if (cli->verbosity > 0) {
				snprintf(why, why_size, "-v and -q exclude each other");
				return -1;
			}
			cli->verbosity = -1;
			break;
		case 'h':
			help = true;
			break;
		case OPT_VERSION:
			version = true;
			break;
		case OPT_NO_RELOAD:
			cli->no_reload = true;
			used[0] = true;
			break;
		case OPT_ROOT_TO:
			if (!*optarg) {
				snprintf(why, why_size, "--root-to needs a user name");
				return -1;
			}
			cli->root_to = optarg;
			used[1] = true;
			break;
		case OPT_CHECK:
			cli->check = true;
			used[2] = true;
			break;
		case OPT_BOOT:
			cli->boot = true;
			used[3] = true;
			break;
		case OPT_TAKE_OVER:
			cli->take_over = true;
			used[4] = true;
			break;
		case OPT_INSTANCE:
			/* a postmulti name: letters, digits, "-", "_", "." (never a path) */
			if (!*optarg || strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(optarg) ||
			    optarg[0] == '.') {
				snprintf(why, why_size, "--instance needs a Postfix instance name, not \"%s\"",
					 optarg);
				return -1;
			}
			cli->instance = optarg;
			used[5] = true;
			break;
		case OPT_PROBE:
			cli->probe = true;
			used[6] = true;
			break;
		case OPT_FIX:
			cli->fix = true;
			used[7] = true;
			break;
		case OPT_TEXTFILE: {
			const char *base = strrchr(optarg, '/');

			base = base ? base + 1 : optarg;
			if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
				snprintf(why, why_size, "--textfile needs a file name, not \"%s\"", optarg);
				return -1;
			}
			cli->textfile = optarg;
			used[8] = true;
			break;
		}
		case ':':
			snprintf(why, why_size, "option %s needs an argument",
				 argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				snprintf(why, why_size, "unknown option -%c", optopt);
			else
				snprintf(why, why_size, "unknown option %s", argv[optind - 1]);
			return -1;
		}
	}
	if (help) {
		cli->command = PFJ_CMD_HELP;
		return 0;
	}
	if (version) {
		cli->command = PFJ_CMD_VERSION;
		return 0;
	}
	if (optind >= argc) {
		snprintf(why, why_size, "no command given");
		return -1;
	}
	cli->command = lookup_command(argv[optind]);
	if (cli->command == PFJ_CMD_NONE) {
		snprintf(why, why_size, "unknown command \"%s\"", argv[optind]);
		return -1;
	}
	optind++;
	if (cli->command == PFJ_CMD_HOOK && optind < argc)
		cli->event = argv[optind++];
	if (optind < argc) {
		snprintf(why, why_size, "unexpected argument \"%s\" after %s",
			 argv[optind], command_names[cli->command]);
		return -1;
	}
	for (size_t i = 0; i < sizeof(cmd_opts) / sizeof(cmd_opts[0]); i++) {
		if (used[i] && !(cmd_opts[i].commands & (1u << cli->command))) {
			snprintf(why, why_size, "%s is not an option of %s",
				 cmd_opts[i].name, command_names[cli->command]);
			return -1;
		}
	}
	/* a hook before master starts checks the jail; it never takes it over */
	if (cli->take_over && cli->instance) {
		snprintf(why, why_size, "--take-over is not an option of hook --instance");
		return -1;
	}
	return 0;
}
