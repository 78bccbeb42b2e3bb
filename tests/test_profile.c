/*
 * test_profile.c - jail profiles: the shipped default and every error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "profile.h"

struct prof_case {
	const char *label;
	const char *text;
	const char *error;	/* NULL: loads */
};

static const struct prof_case cases[] = {
	{ "minimal", "version = 1;\n", NULL },
	{ "file with candidates",
	  "version = 1;\nfiles = ( { path = \"/etc/localtime\"; candidates = [\"/etc/localtime\", \"/usr/share/zoneinfo/UTC\"]; required = true; } );\n",
	  NULL },
	{ "no version", "files = ();\n", ":0: missing 'version = 1;'" },
	{ "wrong version", "version = 2;\n", ":1: 'version' must be 1" },
	{ "unknown key", "version = 1;\n\ncopy_all = true;\n", ":3: unknown key 'copy_all'" },
	{ "unknown file key", "version = 1;\nfiles = (\n { path = \"/etc/hosts\"; mode = 420; }\n);\n", ":3: unknown key 'mode'" },
	{ "relative path", "version = 1;\nfiles = ( { path = \"etc/hosts\"; } );\n", ":2: 'path': \"etc/hosts\" must be an absolute, normalised path" },
	{ "dotdot path", "version = 1;\ndirectories = [\"/etc/../..\"];\n", "must be an absolute, normalised path" },
	{ "root path", "version = 1;\ndirectories = [\"/\"];\n", "must be an absolute, normalised path" },
	{ "missing path", "version = 1;\nfiles = ( { required = true; } );\n", "missing 'path'" },
	{ "duplicate file", "version = 1;\nfiles = ( { path = \"/etc/hosts\"; },\n { path = \"/etc/hosts\"; } );\n", ":3: '/etc/hosts' is listed twice" },
	{ "duplicate list item", "version = 1;\nlibraries = [\"libgcc_s.so.1\", \"libgcc_s.so.1\"];\n", "is listed twice" },
	{ "library with slash", "version = 1;\nlibraries = [\"/lib/libgcc_s.so.1\"];\n", "must be a plain name" },
	{ "bool type", "version = 1;\nfiles = ( { path = \"/etc/hosts\"; required = 1; } );\n", "'required' must be true or false" },
	{ "files not a list", "version = 1;\nfiles = [\"/etc/hosts\"];\n", "'files' must be a list of groups" },
	{ "empty candidates", "version = 1;\nfiles = ( { path = \"/etc/hosts\"; candidates = []; } );\n", "'candidates' must not be empty" },
	{ "symlink needs target", "version = 1;\nsymlinks = ( { path = \"/a\"; } );\n", "missing 'target'" },
	{ "syntax error", "version = 1;\nfiles = ( { path = ; } );\n", ":2: syntax error" },
	{ "absent note", "version = 1;\nfiles = ( { path = \"/etc/localtime\"; absent_note = \"UTC\"; } );\n", NULL },
	{ "absent note and required", "version = 1;\nfiles = ( { path = \"/etc/localtime\";\n absent_note = \"UTC\"; required = true; } );\n", ":2: 'absent_note' and 'required' exclude each other" },
	{ "empty absent note", "version = 1;\nfiles = ( { path = \"/etc/localtime\";\n absent_note = \"\"; } );\n", ":3: 'absent_note' must be a non-empty string" },
	{ "link only_with", "version = 1;\nsymlinks = ( { path = \"/a\"; target = \"/b\"; only_with = \"/b\"; } );\n", NULL },
	{ "link only_with relative", "version = 1;\nsymlinks = ( { path = \"/a\"; target = \"/b\"; only_with = \"b\"; } );\n", "'only_with': \"b\" must be an absolute, normalised path" },
	{ "queue mode", "version = 1;\nqueue_modes = ( { directory = \"maildrop\"; mode = \"1730\"; if_exists = \"/var/lib/dpkg/info/postfix.list\"; } );\n", NULL },
	{ "queue mode not octal", "version = 1;\nqueue_modes = (\n { directory = \"maildrop\"; mode = \"17a0\"; } );\n", ":3: 'mode' must be an octal mode" },
	{ "queue mode too wide", "version = 1;\nqueue_modes = ( { directory = \"maildrop\"; mode = \"17300\"; } );\n", "'mode' must be an octal mode" },
	{ "queue mode path", "version = 1;\nqueue_modes = ( { directory = \"a/b\"; mode = \"700\"; } );\n", "'directory' must be a queue directory's plain name" },
	{ "queue mode unknown key", "version = 1;\nqueue_modes = ( { directory = \"a\"; mode = \"700\"; owner = \"x\"; } );\n", "unknown key 'owner'" },
	{ "flag file with slash", "version = 1;\nflag_files = [\"a/b\"];\n", "must be a plain name" },
	{ "takeover pattern relative", "version = 1;\ntakeover_patterns = [\"lib/*\"];\n", "must be an absolute, normalised path" },
	{ "@include", "version = 1;\n@include \"/etc/passwd\"\n", ":2: @include is not allowed" },
	{ "takeover link not a list", "version = 1;\ntakeover_links = 3;\n", "'takeover_links' must be a list of groups" },
};

static void test_case(void **state)
{
	const struct prof_case *tc = *state;
	struct pfj_profile p;
	char why[512] = "";
	int r = pfj_profile_parse(tc->text, "t.profile", &p, why, sizeof(why));

	if (!tc->error) {
		if (r != 0)
			fail_msg("%s: %s", tc->label, why);
		pfj_profile_free(&p);
		return;
	}
	assert_int_equal(r, -1);
	assert_memory_equal(why, "t.profile:", 10);
	if (!strstr(why, tc->error))
		fail_msg("%s: got \"%s\", want \"%s\"", tc->label, why, tc->error);
}

/* The shipped profile: LINUX2's files, Debian's extras, the NSS databases. */
static void test_default_profile(void **state)
{
	const char *src = getenv("top_srcdir");
	struct pfj_profile p;
	char dir[512], why[512];

	(void)state;
	if (!src)
		skip();
	snprintf(dir, sizeof(dir), "%s/jail", src);
	if (pfj_profile_load(dir, "default", &p, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	assert_true(p.n_files >= 6);
	assert_string_equal(p.files[0].path, "/etc/localtime");
	/* a system without a time zone runs in UTC: a note, not an error */
	assert_false(p.files[0].required);
	assert_non_null(p.files[0].absent_note);
	assert_int_equal(p.files[0].candidates.n, 3);
	assert_string_equal(p.files[0].candidates.v[2], "/usr/share/zoneinfo/localtime");
	for (size_t i = 1; i < p.n_files; i++)
		assert_false(p.files[i].required);
	assert_true(pfj_strv_contains(&p.flag_files, "restart"));
	assert_true(pfj_strv_contains(&p.package_lists, "/var/lib/dpkg/info/postfix.list"));
	assert_true(pfj_strv_contains(&p.owner_overrides, "/var/lib/dpkg/statoverride"));
	assert_int_equal(p.n_queue_modes, 1);
	assert_string_equal(p.queue_modes[0].directory, "maildrop");
	assert_int_equal(p.queue_modes[0].mode, 01730);
	assert_true(pfj_strv_contains(&p.takeover_patterns, "/lib/*/libnss*.so*"));
	assert_int_equal(p.n_takeover_links, 1);
	assert_string_equal(p.takeover_links[0].path, "/usr/lib/zoneinfo/localtime");
	assert_string_equal(p.takeover_links[0].target, "/etc/localtime");
	assert_true(pfj_strv_contains(&p.nss_databases, "hosts"));
	assert_true(pfj_strv_contains(&p.nss_databases, "services"));
	assert_true(pfj_strv_contains(&p.libraries, "libgcc_s.so.1"));
	assert_true(pfj_strv_contains(&p.devices, "/dev/urandom"));
	assert_true(pfj_strv_contains(&p.host_directories, "/lib64"));
	assert_true(pfj_strv_contains(&p.ca_path_parameters, "smtpd_tls_CApath"));
	assert_int_equal(p.n_links, 1);
	assert_string_equal(p.links[0].target, "/etc/localtime");
	assert_string_equal(p.links[0].only_with, "/etc/localtime");
	pfj_profile_free(&p);
}

static void test_load_errors(void **state)
{
	struct pfj_profile p;
	char why[512];

	(void)state;
	assert_int_equal(pfj_profile_load("/nonexistent", "default", &p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/nonexistent/default.profile: cannot read jail profile"));
	assert_int_equal(pfj_profile_load("/x", "sub/name", &p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "a name or an absolute path is needed"));
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_load_errors),
	};

	return tu_run_table("profile", cases, TU_NELEM(cases), sizeof(cases[0]), test_case, NULL, NULL,
			    extra, TU_NELEM(extra));
}
