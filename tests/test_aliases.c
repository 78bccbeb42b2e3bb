/*
 * test_aliases.c - the aliases(5) reader and root's editor, case by case.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "aliases.h"

struct alias_case {
	const char *label;
	const char *in;
	const char *root;	/* root's value as Postfix stores it (collapsed), NULL: none */
	size_t entries;
	const char *out;	/* after setting root to "u" */
};

static const struct alias_case cases[] = {
	{ "simple", "postmaster: root\nroot: admin\n", "admin", 2, "postmaster: root\nroot: u\n" },
	{ "tabs kept", "root:\t\tmiro\n", "miro", 1, "root:\t\tu\n" },
	{ "upper case key", "ROOT: admin\n", "admin", 1, "ROOT: u\n" },
	{ "quoted key", "\"root\": admin\n", "admin", 1, "\"root\": u\n" },
	{ "root+special is not root", "root+special: x\n", NULL, 1, "root+special: x\nroot:\tu\n" },
	{ "commented root is not root", "#root: you\npostmaster: root\n", NULL, 1,
	  "#root: you\npostmaster: root\nroot:\tu\n" },
	{ "first of duplicates wins", "root: a\nroot: b\n", "a", 2, "root: u\nroot: b\n" },
	{ "continuation with comment inside", "root: a,\n# note\n  b,\n\tc\nx: y\n", "a, b, c", 2,
	  "root: u\n# note\nx: y\n" },
	{ "crlf", "root: a\r\nx: y\r\n", "a", 2, "root: u\r\nx: y\r\n" },
	{ "append with crlf", "x: y\r\n", NULL, 1, "x: y\r\nroot:\tu\r\n" },
	{ "no final newline, append", "x: y", NULL, 1, "x: y\nroot:\tu\n" },
	{ "no final newline, root last", "x: y\nroot: a", "a", 2, "x: y\nroot: u" },
	{ "no final newline after continuation", "root: a,\n b", "a, b", 1, "root: u" },
	{ "no space after colon", "root:a\n", "a", 1, "root: u\n" },
	{ "colon inside quotes", "\"a:b\": c\nroot: d\n", "d", 2, "\"a:b\": c\nroot: u\n" },
	{ "orphan continuation dropped", "  x\nroot: a\n", "a", 1, "  x\nroot: u\n" },
	{ "no colon skipped", "garbage\nroot: a\n", "a", 1, "garbage\nroot: u\n" },
	{ "key with comma skipped", "a, root: b\n", NULL, 0, "a, root: b\nroot:\tu\n" },
	{ "non-local key skipped", "root@example.org: b\n", NULL, 0, "root@example.org: b\nroot:\tu\n" },
	{ "empty value skipped", "root:\nx: y\n", NULL, 1, "root:\nx: y\nroot:\tu\n" },
	{ "empty file", "", NULL, 0, "root:\tu\n" },
	{ "quoted pipe value", "root: \"|/bin/cat >> /x\"\n", "\"|/bin/cat >> /x\"", 1, "root: u\n" },
};

static void test_case(void **state)
{
	const struct alias_case *tc = *state;
	struct pfj_aliases a;
	struct pfj_buf out = { 0 };
	const struct pfj_alias *e;

	assert_int_equal(pfj_aliases_parse(tc->in, strlen(tc->in), &a), 0);
	assert_int_equal(a.n, tc->entries);
	e = pfj_aliases_find(&a, "root", NULL);
	if (tc->root) {
		assert_non_null(e);
		assert_string_equal(e->value, tc->root);
	} else {
		assert_null(e);
	}
	assert_int_equal(pfj_aliases_set_root(tc->in, strlen(tc->in), &a, "u", &out), 0);
	assert_string_equal(out.data, tc->out);
	pfj_buf_free(&out);
	pfj_aliases_free(&a);
}

static void test_targets(void **state)
{
	struct pfj_strv t = { 0 };

	(void)state;
	assert_int_equal(pfj_alias_targets("a, \"|x, y\", b@c ,\\root", &t), 0);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.v[0], "a");
	assert_string_equal(t.v[1], "\"|x, y\"");
	assert_string_equal(t.v[2], "b@c");
	assert_string_equal(t.v[3], "\\root");
	pfj_strv_free(&t);
}

static void test_duplicates_counted(void **state)
{
	const char *in = "root: a\nx: y\nRoot: b\n\"root\": c\n";
	struct pfj_aliases a;
	size_t dups;
	const struct pfj_alias *e;

	(void)state;
	assert_int_equal(pfj_aliases_parse(in, strlen(in), &a), 0);
	e = pfj_aliases_find(&a, "root", &dups);
	assert_non_null(e);
	assert_int_equal(e->first_line, 1);
	assert_int_equal(dups, 2);
	pfj_aliases_free(&a);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_duplicates_counted),
	};

	return tu_run_table("aliases", cases, TU_NELEM(cases), sizeof(cases[0]), test_case, NULL, NULL,
			    extra, TU_NELEM(extra));
}
