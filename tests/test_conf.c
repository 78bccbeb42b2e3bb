/*
 * test_conf.c - pfjail.conf: defaults, every setting type and every error.
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "conf.h"

struct conf_case {
	const char *label;
	const char *text;
	const char *error;	/* NULL: must load; else expected "FILE:LINE: ..." tail */
	void (*check)(const struct pfj_conf *);
};

static void check_values(const struct pfj_conf *c)
{
	assert_string_equal(c->jail_profile, "small");
	assert_int_equal(c->jail_extra_files.n, 2);
	assert_string_equal(c->jail_extra_files.v[0], "/etc/mailname");
	assert_string_equal(c->jail_extra_files.v[1], "/etc/ssl/openssl.cnf");
	assert_false(c->jail_devices);
	assert_string_equal(c->aliases_root_to, "alice");
	assert_int_equal(c->supervise_audit_interval, 0);
	assert_int_equal(c->supervise_capabilities.n, 2);
	assert_string_equal(c->supervise_seccomp, "learn");
	assert_int_equal(c->master_chroot_exclude.n, 1);
	assert_string_equal(c->master_chroot_exclude.v[0], "pipe");
	/* untouched settings keep their defaults */
	assert_string_equal(c->verify_user, "nobody");
	assert_int_equal(c->master_chrootable.n, 22);
}

static void check_list_syntax(const struct pfj_conf *c)
{
	assert_int_equal(c->jail_extra_files.n, 1);
}

static void check_empty_root_to(const struct pfj_conf *c)
{
	assert_null(c->aliases_root_to);
}

static void check_int64(const struct pfj_conf *c)
{
	assert_int_equal(c->supervise_stop_timeout, 30);
}

static const struct conf_case cases[] = {
	{ "empty file", "", NULL, NULL },
	{ "comments only", "# nothing\n// nothing\n/* nothing */\n", NULL, NULL },
	{ "values",
	  "jail = {\n profile = \"small\";\n extra_files = [\"/etc/mailname\", \"/etc/ssl/openssl.cnf\"];\n devices = false;\n};\n"
	  "aliases = { root_to = \"alice\"; };\n"
	  "supervise = { audit_interval = 0; capabilities = [\"CAP_SETUID\", \"setgid\"]; seccomp = \"learn\"; };\n"
	  "master = { chroot_exclude = [\"pipe\"]; };\n",
	  NULL, check_values },
	{ "list syntax ( )", "jail = { extra_files = (\"/etc/mailname\"); };\n", NULL, check_list_syntax },
	{ "empty root_to means unset", "aliases = { root_to = \"\"; };\n", NULL, check_empty_root_to },
	{ "int64 literal", "supervise = { stop_timeout = 30L; };\n", NULL, check_int64 },

	{ "syntax error", "jail = {\n profile = ;\n};\n", ":2: syntax error", NULL },
	{ "bad literal", "jail = {\n profile = \"a\";\n devices = tru;\n};\n", ":3: syntax error", NULL },
	{ "mixed array", "jail = { extra_files = [\"/a\", 2]; };\n", ":1: mismatched element type in array", NULL },
	{ "unknown top-level", "\n\nfoo = 1;\n", ":3: unknown setting 'foo'", NULL },
	/* libconfig would read these: a directory makes it call exit() */
	{ "@include a directory", "verify = {\n  @include \"/etc\"\n};\n", ":2: @include is not allowed", NULL },
	{ "@include a file", "@include \"/etc/shadow\"\n", ":1: @include is not allowed", NULL },
	{ "@INCLUDE any case", "\t@INCLUDE \"/etc/shadow\"\n", ":1: @include is not allowed", NULL },
	{ "unknown in group", "jail = {\n\n  copy_everything = true;\n};\n", ":3: unknown setting 'jail.copy_everything'", NULL },
	{ "unknown group member of other group", "verify = { profile = \"x\"; };\n", ":1: unknown setting 'verify.profile'", NULL },
	{ "group given as scalar", "jail = 1;\n", ":1: 'jail' must be a group", NULL },
	{ "string expected", "jail = { profile = 3; };\n", ":1: setting 'jail.profile' must be a string", NULL },
	{ "int expected", "supervise = {\n audit_interval = \"1h\";\n};\n", ":2: setting 'supervise.audit_interval' must be an integer", NULL },
	{ "float is not int", "supervise = { audit_interval = 1.5; };\n", "must be an integer", NULL },
	{ "bool expected", "jail = { devices = 1; };\n", ":1: setting 'jail.devices' must be true or false", NULL },
	{ "list expected", "jail = { extra_files = \"/etc/mailname\"; };\n", "must be a list of strings", NULL },
	{ "list element type", "jail = { extra_files = (\n\"/a\",\n 2 ); };\n", "element 2 must be a string", NULL },
	{ "relative path", "jail = {\n extra_files = [\"etc/mailname\"];\n};\n", ":2: setting 'jail.extra_files': \"etc/mailname\" must be an absolute path", NULL },
	{ "dotdot path", "jail = { extra_files = [\"/etc/../etc/shadow\"]; };\n", "must not contain", NULL },
	{ "relative state_dir", "state_dir = \"var/lib\";\n", ":1: setting 'state_dir'", NULL },
	{ "duplicate list item", "master = { chroot_exclude = [\"pipe\", \"pipe\"]; };\n", "\"pipe\" is listed twice", NULL },
	{ "enum value", "supervise = {\n\n seccomp = \"strict\";\n};\n", ":3: setting 'supervise.seccomp': \"strict\" is not one of \"deny\", \"allow\", \"learn\" or \"off\"", NULL },
	{ "below range", "supervise = { stop_timeout = 2; };\n", "2 is out of range (6 to 600)", NULL },
	{ "above range", "verify = { workers = 1000; };\n", "1000 is out of range (0 to 64)", NULL },
	{ "bad capability", "supervise = { capabilities = [\"SETUID\", \"CAP_FLY\"]; };\n", "\"CAP_FLY\" is not a known capability", NULL },
	{ "bad user name", "aliases = { root_to = \"al ice\"; };\n", "is not a valid user name", NULL },
	{ "user starting with dash", "verify = { user = \"-x\"; };\n", "must not start with '-'", NULL },
	{ "empty verify user", "verify = { user = \"\"; };\n", "must not be empty", NULL },
	{ "empty profile", "jail = { profile = \"\"; };\n", "must not be empty", NULL },
	{ "duplicate setting", "jail = { devices = true; devices = false; };\n", "duplicate setting", NULL },
	{ "exclude and chrootable overlap", "master = {\n chroot_exclude = [\"smtpd\"];\n};\n", ":2: \"smtpd\" is in both", NULL },
	{ "backoff order", "supervise = {\n restart_delay = 100;\n restart_delay_max = 10;\n};\n", ":2: supervise.restart_delay (100) is larger", NULL },
	{ "notify fd stdio", "supervise = { notify_fd = 1; };\n", "must not be stdin, stdout or stderr", NULL },
};

static void test_conf_case(void **state)
{
	const struct conf_case *tc = ((void **)*state)[1];
	struct tu_dir *d = ((void **)*state)[0];
	struct pfj_conf conf;
	char why[1024] = "";
	char *path = tu_write(d->path, "pfjail.conf", tc->text, 0);
	int r;

	assert_non_null(path);
	r = pfj_conf_load(&conf, path, false, why, sizeof(why));
	if (!tc->error) {
		if (r != 0)
			fail_msg("%s: unexpected error: %s", tc->label, why);
		assert_string_equal(conf.path, path);
		if (tc->check)
			tc->check(&conf);
		pfj_conf_free(&conf);
	} else {
		assert_int_equal(r, -1);
		/* every error starts with the file name */
		assert_memory_equal(why, path, strlen(path));
		if (!strstr(why, tc->error))
			fail_msg("%s: got \"%s\", want \"%s\"", tc->label, why, tc->error);
	}
	free(path);
}

static int case_setup(void **state)
{
	void **pair = calloc(2, sizeof(void *));
	const void *tc = *state;

	if (!pair || tu_dir_setup(&pair[0]) < 0)
		return -1;
	pair[1] = (void *)tc;
	*state = pair;
	return 0;
}

static int case_teardown(void **state)
{
	void **pair = *state;

	tu_dir_teardown(&pair[0]);
	free(pair);
	return 0;
}

static void test_defaults(void **state)
{
	struct pfj_conf conf;
	char why[256];

	(void)state;
	assert_int_equal(pfj_conf_load(&conf, NULL, false, why, sizeof(why)), 0);
	assert_null(conf.path);
	assert_string_equal(conf.jail_profile, "default");
	assert_int_equal(conf.jail_extra_files.n, 0);
	assert_int_equal(conf.master_chroot_exclude.n, 6);
	assert_true(pfj_strv_contains(&conf.master_chroot_exclude, "postlogd"));
	assert_true(pfj_strv_contains(&conf.master_chroot_exclude, "proxymap"));
	assert_true(pfj_strv_contains(&conf.master_chrootable, "smtpd"));
	assert_null(conf.aliases_root_to);
	assert_string_equal(conf.supervise_seccomp, "deny");
	assert_int_equal(conf.supervise_capabilities.n, 9);
	assert_int_equal(conf.supervise_stop_timeout, 10);
	pfj_conf_free(&conf);
}

static void test_missing_file(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_conf conf;
	char why[512], path[512];

	snprintf(path, sizeof(path), "%s/absent.conf", d->path);
	/* the default file may be missing ... */
	assert_int_equal(pfj_conf_load(&conf, path, true, why, sizeof(why)), 0);
	assert_null(conf.path);
	pfj_conf_free(&conf);
	/* ... a file named with -f may not */
	assert_int_equal(pfj_conf_load(&conf, path, false, why, sizeof(why)), -1);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "No such file"));
}

/* A directory or a NUL byte: an error naming the file, never libconfig's exit() */
static void test_not_a_config_file(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_conf conf;
	char why[512], path[512];
	FILE *fp;

	assert_int_equal(pfj_conf_load(&conf, d->path, false, why, sizeof(why)), -1);
	assert_non_null(strstr(why, d->path));
	assert_non_null(strstr(why, "Is a directory"));
	snprintf(path, sizeof(path), "%s/nul.conf", d->path);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite("jail = {};\n\0@include \"/etc\"\n", 1, 29, fp);
	fclose(fp);
	assert_int_equal(pfj_conf_load(&conf, path, false, why, sizeof(why)), -1);
	assert_non_null(strstr(why, ":2: a NUL byte"));
}

/*
 * The shipped conf/pfjail.conf lists every setting, commented out, with its
 * default: uncommenting all of them must load and give exactly the
 * built-in defaults.
 */
static void test_shipped_file_lists_defaults(void **state)
{
	struct tu_dir *d = *state;
	const char *builddir = getenv("top_builddir");
	struct pfj_conf shipped, defaults;
	struct pfj_buf a = { 0 }, b = { 0 }, text = { 0 };
	char path[512], why[1024];
	char *orig, *line, *save = NULL;
	int settings = 0;
	regex_t re;

	if (!builddir)
		skip();
	snprintf(path, sizeof(path), "%s/conf/pfjail.conf", builddir);
	orig = tu_read(path, NULL);
	assert_non_null(orig);
	assert_int_equal(regcomp(&re, "^[ \t]*# [a-z_]+ = .*;$", REG_EXTENDED | REG_NOSUB), 0);
	for (line = strtok_r(orig, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;

		/* "# name = value;" is a setting; other comments are prose */
		if (regexec(&re, line, 0, NULL, 0) == 0) {
			p = strchr(line, '#') + 2;
			settings++;
		}
		pfj_buf_adds(&text, p);
		pfj_buf_adds(&text, "\n");
	}
	regfree(&re);
	free(orig);
	free(tu_write(d->path, "uncommented.conf", text.data, 0));
	snprintf(path, sizeof(path), "%s/uncommented.conf", d->path);
	if (pfj_conf_load(&shipped, path, false, why, sizeof(why)) < 0)
		fail_msg("uncommented shipped file: %s", why);
	assert_int_equal(pfj_conf_load(&defaults, NULL, false, why, sizeof(why)), 0);
	assert_int_equal(pfj_conf_dump(&shipped, &a), 0);
	assert_int_equal(pfj_conf_dump(&defaults, &b), 0);
	assert_string_equal(a.data, b.data);
	/* and it really lists every setting the schema has */
	{
		int schema_settings = 0;

		for (char *c = b.data; (c = strstr(c, " = ")); c++)
			schema_settings++;
		schema_settings -= 6;	/* the group openers */
		assert_int_equal(settings, schema_settings);
	}
	pfj_conf_free(&shipped);
	pfj_conf_free(&defaults);
	pfj_buf_free(&a);
	pfj_buf_free(&b);
	pfj_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_missing_file, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_not_a_config_file, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_shipped_file_lists_defaults, tu_dir_setup, tu_dir_teardown),
	};

	return tu_run_table("conf", cases, TU_NELEM(cases), sizeof(cases[0]), test_conf_case, case_setup, case_teardown,
			    extra, TU_NELEM(extra));
}
