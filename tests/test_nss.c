/*
 * test_nss.c - nsswitch.conf parsing and NSS module selection, case by case.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "nss.h"

struct parse_case {
	const char *label;
	const char *text;
	unsigned err_line;		/* 0: must parse */
	const char *err_has;		/* substring of the reason */
	const char *db;			/* database to look at when it parses */
	const char *services;		/* its services, space-separated */
};

static const char debian_default[] =
	"# /etc/nsswitch.conf\n"
	"#\n"
	"# Example configuration of GNU Name Service Switch functionality.\n"
	"\n"
	"passwd:         files systemd\n"
	"group:          files systemd\n"
	"shadow:         files systemd\n"
	"gshadow:        files systemd\n"
	"\n"
	"hosts:          files dns\n"
	"networks:       files\n"
	"\n"
	"protocols:      db files\n"
	"services:       db files\n"
	"ethers:         db files\n"
	"rpc:            db files\n"
	"\n"
	"netgroup:       nis\n";

static const struct parse_case parse_cases[] = {
	{ "debian default hosts", debian_default, 0, NULL, "hosts", "files dns" },
	{ "debian default services", debian_default, 0, NULL, "services", "db files" },
	{ "debian default passwd", debian_default, 0, NULL, "passwd", "files systemd" },
	{ "mdns4_minimal", "hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n",
	  0, NULL, "hosts", "files mdns4_minimal dns myhostname" },
	{ "action with blanks, several items, negation",
	  "hosts: files [ !UNAVAIL = return notfound=Continue ] dns\n",
	  0, NULL, "hosts", "files dns" },
	{ "action glued to names", "hosts: mdns4[NOTFOUND=return]dns\n",
	  0, NULL, "hosts", "mdns4 dns" },
	{ "merge action", "group: files [SUCCESS=merge] systemd\n",
	  0, NULL, "group", "files systemd" },
	{ "systemd", "passwd: files systemd\ngroup: files [SUCCESS=merge] systemd\n",
	  0, NULL, "passwd", "files systemd" },
	{ "ldap", "passwd: files ldap\nshadow: files ldap\n", 0, NULL, "shadow", "files ldap" },
	{ "tabs and CRLF", "\thosts:\tfiles\tdns\r\n", 0, NULL, "hosts", "files dns" },
	{ "indented comment", "   # hosts: ldap\nhosts: files\n", 0, NULL, "hosts", "files" },
	{ "no newline at end", "hosts: files", 0, NULL, "hosts", "files" },
	{ "blank before colon", "hosts : files\n", 0, NULL, "hosts", "files" },
	{ "no blank after colon", "hosts:files\n", 0, NULL, "hosts", "files" },
	{ "empty services", "hosts:\n", 0, NULL, "hosts", "" },
	{ "empty services with blanks", "hosts:   \t\n", 0, NULL, "hosts", "" },
	{ "duplicate db: last wins (glibc 2.33+)", "hosts: files\nhosts: ldap dns\n",
	  0, NULL, "hosts", "ldap dns" },
	{ "case-sensitive db name", "HOSTS: ldap\n", 0, NULL, "hosts", "dns files" },
	{ "unknown db kept", "sudoers: files ldap\n", 0, NULL, "sudoers", "files ldap" },
	{ "default hosts", "", 0, NULL, "hosts", "dns files" },
	{ "default passwd", "", 0, NULL, "passwd", "files" },
	{ "default services", "", 0, NULL, "services", "files" },
	{ "shadow falls back to passwd", "passwd: files ldap\n", 0, NULL, "shadow", "files ldap" },
	{ "gshadow falls back to group", "group: files sss\n", 0, NULL, "gshadow", "files sss" },
	{ "initgroups falls back to group", "group: files sss\n", 0, NULL, "initgroups", "files sss" },
	{ "missing colon", "# x\n\nhosts files dns\n", 3, "missing ':'", NULL, NULL },
	{ "missing colon, name alone", "hosts: files\npasswd\n", 2, "missing ':'", NULL, NULL },
	{ "continuation line is an error", "hosts: files\n  dns\n", 2, "missing ':'", NULL, NULL },
	{ "comment after text", "hosts: files dns # mdns\n", 1, "'#'", NULL, NULL },
	{ "missing db name", ": files\n", 1, "database name", NULL, NULL },
	{ "bad service name", "hosts: files d.ns\n", 1, "invalid service", NULL, NULL },
	{ "bad status", "hosts: files [BOGUS=return] dns\n", 1, "invalid status", NULL, NULL },
	{ "bad action", "hosts: files [NOTFOUND=stop] dns\n", 1, "invalid action", NULL, NULL },
	{ "missing =", "hosts: files [NOTFOUND] dns\n", 1, "missing '='", NULL, NULL },
	{ "unterminated [", "\nhosts: files [NOTFOUND=return\n", 2, "unterminated", NULL, NULL },
	{ "action first", "hosts: [NOTFOUND=return] files\n", 1, "without a service", NULL, NULL },
	{ "two action blocks", "hosts: a [NOTFOUND=return] [UNAVAIL=return] b\n",
	  1, "second action", NULL, NULL },
	{ "NUL byte", "hosts: files\npasswd: fi\0les\n", 2, "NUL", NULL, NULL },
};


/* text_len - length of a case text, including an embedded NUL case */
static size_t text_len(const struct parse_case *tc)
{
	if (strcmp(tc->label, "NUL byte") == 0)
		return sizeof("hosts: files\npasswd: fi\0les\n") - 1;
	return strlen(tc->text);
}

static void test_parse_case(void **state)
{
	const struct parse_case *tc = *state;
	struct pfj_nsswitch ns;
	struct pfj_parse_error err;
	struct pfj_strv scratch = { 0 };
	const struct pfj_strv *sv;
	int r = pfj_nsswitch_parse(tc->text, text_len(tc), &ns, &err);

	if (tc->err_line) {
		assert_int_equal(r, -1);
		assert_int_equal(err.line, tc->err_line);
		assert_non_null(strstr(err.reason, tc->err_has));
		assert_int_equal(ns.n, 0);
		assert_null(ns.db);
		return;
	}
	assert_int_equal(r, 0);
	sv = pfj_nsswitch_services(&ns, tc->db, &scratch);
	assert_non_null(sv);
	assert_string_equal(tu_join(sv, " "), tc->services);
	pfj_strv_free(&scratch);
	pfj_nsswitch_free(&ns);
}

struct module_case {
	const char *label;
	const char *text;		/* NULL: no nsswitch.conf at all */
	int builtin;
	const char *sonames;		/* space-separated */
};

static const struct module_case module_cases[] = {
	{ "debian default, builtin", debian_default, 1,
	  "libnss_db.so.2 libnss_systemd.so.2" },
	{ "debian default, not builtin", debian_default, 0,
	  "libnss_files.so.2 libnss_dns.so.2 libnss_db.so.2 libnss_systemd.so.2" },
	{ "mdns, builtin",
	  "hosts: files mdns4_minimal [NOTFOUND=return] dns\npasswd: files\ngroup: files\n"
	  "services: files\n", 1, "libnss_mdns4_minimal.so.2" },
	{ "compat and ldap",
	  "passwd: compat ldap\ngroup: compat ldap\nhosts: files dns\n", 1,
	  "libnss_compat.so.2 libnss_ldap.so.2" },
	{ "compat, not builtin", "passwd: compat\ngroup: compat\n", 0,
	  "libnss_dns.so.2 libnss_files.so.2 libnss_compat.so.2" },
	{ "no file, builtin", NULL, 1, "" },
	{ "no file, not builtin", NULL, 0, "libnss_dns.so.2 libnss_files.so.2" },
	{ "empty hosts", "hosts:\n", 0, "libnss_files.so.2" },
};

static void test_module_case(void **state)
{
	static const char *const dbs[] = { "hosts", "services", "passwd", "group" };
	const struct module_case *tc = *state;
	struct pfj_nsswitch ns = { 0 };
	struct pfj_parse_error err;
	struct pfj_strv so = { 0 };

	if (tc->text)
		assert_int_equal(pfj_nsswitch_parse(tc->text, strlen(tc->text), &ns, &err), 0);
	assert_int_equal(pfj_nss_modules(tc->text ? &ns : NULL, dbs, 4, tc->builtin, &so), 0);
	assert_string_equal(tu_join(&so, " "), tc->sonames);
	pfj_strv_free(&so);
	pfj_nsswitch_free(&ns);
}

/* Appending keeps what the caller had and does not duplicate it. */
static void test_modules_append(void **state)
{
	static const char *const dbs[] = { "hosts" };
	static const char text[] = "hosts: files ldap\n";
	struct pfj_nsswitch ns;
	struct pfj_strv so = { 0 };

	(void)state;
	assert_int_equal(pfj_nsswitch_parse(text, strlen(text), &ns, NULL), 0);
	assert_int_equal(pfj_strv_add(&so, "libnss_ldap.so.2"), 0);
	assert_int_equal(pfj_nss_modules(&ns, dbs, 1, 1, &so), 0);
	assert_string_equal(tu_join(&so, " "), "libnss_ldap.so.2");
	pfj_strv_free(&so);
	pfj_nsswitch_free(&ns);
}

static void test_glibc_version(void **state)
{
	(void)state;
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2.36"), 1);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2.34"), 1);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2.33"), 0);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2.31.9"), 0);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2.36-9+deb12u14"), 1);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2.100"), 1);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("3.0"), 1);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("1.99"), 0);
	assert_int_equal(pfj_glibc_has_builtin_files_dns(""), -EINVAL);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2"), -EINVAL);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("2."), -EINVAL);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("v2.36"), -EINVAL);
	assert_int_equal(pfj_glibc_has_builtin_files_dns("99999999999.1"), -EINVAL);
	assert_int_equal(pfj_glibc_has_builtin_files_dns(NULL), -EINVAL);
}

/* Truncated or bit-flipped input never crashes and fails cleanly. */
static void test_corruption(void **state)
{
	static const char text[] =
		"hosts: files mdns4_minimal [NOTFOUND=return] dns\n"
		"passwd: files [ !UNAVAIL = return ] systemd\n";
	struct pfj_nsswitch ns;
	struct pfj_parse_error err;
	size_t len = sizeof(text) - 1;
	char *copy = malloc(len);

	(void)state;
	assert_non_null(copy);
	for (size_t cut = 0; cut <= len; cut++)
		for (size_t i = 0; i < cut; i++)
			for (unsigned f = 1; f < 256; f <<= 1) {
				memcpy(copy, text, len);
				copy[len - cut + i] ^= (char)f;
				if (pfj_nsswitch_parse(copy + len - cut, cut, &ns, &err) == 0) {
					pfj_nsswitch_free(&ns);
					continue;
				}
				assert_true(err.reason[0] != '\0');
				assert_null(ns.db);
			}
	free(copy);
}

int main(void)
{
	enum { NP = sizeof(parse_cases) / sizeof(parse_cases[0]),
	       NM = sizeof(module_cases) / sizeof(module_cases[0]) };
	struct CMUnitTest tests[NP + NM + 3];
	size_t n = 0;

	for (size_t i = 0; i < NP; i++)
		tests[n++] = (struct CMUnitTest){
			.name = parse_cases[i].label,
			.test_func = test_parse_case,
			.initial_state = (void *)&parse_cases[i],
		};
	for (size_t i = 0; i < NM; i++)
		tests[n++] = (struct CMUnitTest){
			.name = module_cases[i].label,
			.test_func = test_module_case,
			.initial_state = (void *)&module_cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_modules_append);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_glibc_version);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_corruption);
	return _cmocka_run_group_tests("nss", tests, n, NULL, NULL);
}
