/*
 * test_cli.c - the command-line contract: every option, every error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "cli.h"

struct cli_case {
	const char *label;
	const char *args;		/* space separated, after "pfjail" */
	int ok;
	enum pfj_command cmd;
	const char *why;		/* substring of the error when !ok */
	void (*check)(const struct pfj_cli *);
};

static void check_globals(const struct pfj_cli *c)
{
	assert_string_equal(c->config_dir, "/srv/pf");
	assert_true(c->config_dir_given);
	assert_string_equal(c->conf_file, "/tmp/x.conf");
	assert_string_equal(c->root, "/mnt/img");
	assert_true(c->dry_run);
	assert_true(c->json);
	assert_int_equal(c->verbosity, 2);
}

static void check_defaults(const struct pfj_cli *c)
{
	assert_string_equal(c->config_dir, "/etc/postfix");
	assert_false(c->config_dir_given);
	assert_null(c->conf_file);
	assert_null(c->root);
	assert_false(c->dry_run);
	assert_false(c->json);
	assert_int_equal(c->verbosity, 0);
}

static void check_aliases(const struct pfj_cli *c)
{
	assert_string_equal(c->root_to, "alice");
	assert_true(c->check);
}

static void check_quiet(const struct pfj_cli *c)
{
	assert_int_equal(c->verbosity, -1);
}

static void check_hook(const struct pfj_cli *c)
{
	assert_string_equal(c->event, "tzdata");
	assert_true(c->no_reload);
}

static void check_take_over(const struct pfj_cli *c)
{
	assert_true(c->take_over);
	assert_string_equal(c->event, "configure");
}

static void check_textfile(const struct pfj_cli *c)
{
	assert_string_equal(c->textfile, "/var/lib/prometheus/node-exporter/pfjail.prom");
}

static void check_no_reload(const struct pfj_cli *c)
{
	assert_true(c->no_reload);
}

static void check_json_after(const struct pfj_cli *c)
{
	assert_true(c->json);
}

static const struct cli_case cases[] = {
	{ "plain build", "build", 1, PFJ_CMD_BUILD, NULL, check_defaults },
	{ "all globals", "-c /srv/pf -f /tmp/x.conf -R /mnt/img -n --json -v -v build",
	  1, PFJ_CMD_BUILD, NULL, check_globals },
	{ "long globals", "--config-dir /srv/pf --file /tmp/x.conf --root /mnt/img --dry-run --json --verbose --verbose verify",
	  1, PFJ_CMD_VERIFY, NULL, check_globals },
	{ "globals after command", "verify --json", 1, PFJ_CMD_VERIFY, NULL, check_json_after },
	{ "quiet", "-q build", 1, PFJ_CMD_BUILD, NULL, check_quiet },
	{ "aliases options", "aliases --root-to alice --check", 1, PFJ_CMD_ALIASES, NULL, check_aliases },
	{ "hook with event", "hook --no-reload tzdata", 1, PFJ_CMD_HOOK, NULL, check_hook },
	{ "hook --take-over", "hook --take-over configure", 1, PFJ_CMD_HOOK, NULL, check_take_over },
	{ "hook --take-over --instance", "hook --take-over --instance - start", 0, 0,
	  "--take-over is not an option of hook --instance", NULL },
	{ "--take-over on verify", "verify --take-over", 0, 0, "--take-over is not an option of verify", NULL },
	{ "verify --textfile", "verify --textfile /var/lib/prometheus/node-exporter/pfjail.prom", 1,
	  PFJ_CMD_VERIFY, NULL, check_textfile },
	{ "harden --textfile", "harden --textfile /var/lib/prometheus/node-exporter/pfjail.prom", 1,
	  PFJ_CMD_HARDEN, NULL, check_textfile },
	{ "--textfile on build", "build --textfile /x.prom", 0, 0, "--textfile is not an option of build", NULL },
	{ "--textfile without a file name", "verify --textfile /var/lib/", 0, 0, "--textfile needs a file name", NULL },
	{ "--textfile ..", "verify --textfile /tmp/..", 0, 0, "--textfile needs a file name", NULL },
	{ "build --no-reload", "build --no-reload", 1, PFJ_CMD_BUILD, NULL, check_no_reload },
	{ "supervise", "supervise", 1, PFJ_CMD_SUPERVISE, NULL, NULL },
	{ "verify --boot", "verify --boot", 1, PFJ_CMD_VERIFY, NULL, NULL },
	{ "--boot on build", "build --boot", 0, 0, "--boot is not an option of build", NULL },
	{ "help command", "help", 1, PFJ_CMD_HELP, NULL, NULL },
	{ "-h wins", "-h build", 1, PFJ_CMD_HELP, NULL, NULL },
	{ "--help", "--help", 1, PFJ_CMD_HELP, NULL, NULL },
	{ "version", "version", 1, PFJ_CMD_VERSION, NULL, NULL },
	{ "--version", "--version", 1, PFJ_CMD_VERSION, NULL, NULL },

	{ "no command", "", 0, 0, "no command given", NULL },
	{ "unknown command", "frobnicate", 0, 0, "unknown command \"frobnicate\"", NULL },
	{ "unknown long option", "--frob build", 0, 0, "unknown option --frob", NULL },
	{ "unknown short option", "-x build", 0, 0, "unknown option -x", NULL },
	{ "missing argument", "build -c", 0, 0, "needs an argument", NULL },
	{ "relative -c", "-c etc/postfix build", 0, 0, "-c needs an absolute path", NULL },
	{ "relative -R", "-R img build", 0, 0, "-R needs an absolute path", NULL },
	{ "empty -f", "-f  build", 0, 0, NULL, NULL },
	{ "-v with -q", "-v -q build", 0, 0, "exclude each other", NULL },
	{ "-q with -v", "-q -v build", 0, 0, "exclude each other", NULL },
	{ "--check on build", "build --check", 0, 0, "--check is not an option of build", NULL },
	{ "--root-to on verify", "verify --root-to bob", 0, 0, "--root-to is not an option of verify", NULL },
	{ "--no-reload on aliases", "aliases --no-reload --check", 0, 0, "--no-reload is not an option of aliases", NULL },
	{ "extra argument", "build now", 0, 0, "unexpected argument \"now\" after build", NULL },
	{ "hook two events", "hook a b", 0, 0, "unexpected argument \"b\"", NULL },
};

/* split - build an argv from a space-separated string */
static int split(const char *s, char *buf, size_t size, char **argv, int max)
{
	int argc = 0;
	char *p, *save = NULL;

	snprintf(buf, size, "%s", s);
	argv[argc++] = (char *)"pfjail";
	for (p = strtok_r(buf, " ", &save); p && argc < max - 1; p = strtok_r(NULL, " ", &save))
		argv[argc++] = p;
	argv[argc] = NULL;
	return argc;
}

static void test_cli_case(void **state)
{
	const struct cli_case *tc = *state;

	{
		char buf[512], why[256] = "";
		char *argv[32];
		struct pfj_cli cli;
		int argc = split(tc->args, buf, sizeof(buf), argv, 32);
		int r;

		/* "-f  build" means an empty -f argument. */
		if (strcmp(tc->label, "empty -f") == 0) {
			argv[1] = (char *)"-f";
			argv[2] = (char *)"";
			argv[3] = (char *)"build";
			argv[4] = NULL;
			argc = 4;
		}
		r = pfj_cli_parse(argc, argv, &cli, why, sizeof(why));
		print_message("case: %s -> %d %s\n", tc->label, r, why);
		if (tc->ok) {
			assert_int_equal(r, 0);
			assert_int_equal(cli.command, tc->cmd);
			if (tc->check)
				tc->check(&cli);
		} else {
			assert_int_equal(r, -1);
			assert_true(why[0] != '\0');
			if (tc->why)
				assert_non_null(strstr(why, tc->why));
		}
	}
}

static void test_command_names(void **state)
{
	(void)state;
	assert_string_equal(pfj_command_name(PFJ_CMD_BUILD), "build");
	assert_string_equal(pfj_command_name(PFJ_CMD_HOOK), "hook");
	assert_non_null(strstr(pfj_usage_text, "--root-to USER"));
	assert_non_null(strstr(pfj_usage_text, "--config-dir DIR"));
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_command_names),
	};

	return tu_run_table("cli", cases, TU_NELEM(cases), sizeof(cases[0]), test_cli_case, NULL, NULL,
			    extra, TU_NELEM(extra));
}
