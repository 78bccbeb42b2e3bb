/*
 * test_diff.c - unified diff output, compared with what diff -u prints.
 */
#include "config.h"

#include <string.h>

#include "testutil.h"
#include "diff.h"

struct diff_case {
	const char *label;
	const char *old, *new;
	const char *want;	/* after the --- / +++ header; "" for no diff */
};

static const struct diff_case cases[] = {
	{ "equal", "a\nb\n", "a\nb\n", "" },
	{ "one byte in the middle",
	  "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
	  "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n" },
	{ "first line", "a\nb\n", "A\nb\n", "@@ -1,2 +1,2 @@\n-a\n+A\n b\n" },
	{ "last line without newline", "a\nb", "a\nB",
	  "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file\n" },
	{ "crlf kept", "a\r\nb\r\n", "a\r\nB\r\n", "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\r\n" },
	{ "two hunks far apart",
	  "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n",
	  "@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+Y\n" },
	{ "close changes merge",
	  "1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n",
	  "@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n" },
	{ "adjacent changed lines grouped", "a\nb\nc\n", "A\nB\nc\n",
	  "@@ -1,3 +1,3 @@\n-a\n-b\n+A\n+B\n c\n" },
	{ "block replaced by one line", "x\nroot: a,\n  b,\n  c\ny\n", "x\nroot: u\ny\n",
	  "@@ -1,5 +1,3 @@\n x\n-root: a,\n-  b,\n-  c\n+root: u\n y\n" },
	{ "line appended", "a\nb\n", "a\nb\nroot: u\n", "@@ -1,2 +1,3 @@\n a\n b\n+root: u\n" },
	{ "newline added at end", "a\nb", "a\nb\nc\n",
	  "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n" },
	{ "empty to one line", "", "root: u\n", "@@ -0,0 +1 @@\n+root: u\n" },
};

static void test_diff_case(void **state)
{
	const struct diff_case *tc = *state;
	struct pfj_buf out = { 0 };
	const char *header = "--- f\n+++ f\n";

	assert_int_equal(pfj_diff("f", tc->old, strlen(tc->old), tc->new, strlen(tc->new), &out), 0);
	if (!*tc->want) {
		assert_int_equal(out.len, 0);
		return;
	}
	assert_non_null(out.data);
	assert_memory_equal(out.data, header, strlen(header));
	assert_string_equal(out.data + strlen(header), tc->want);
	pfj_buf_free(&out);
}

int main(void)
{
	return tu_run_table("diff", cases, TU_NELEM(cases), sizeof(cases[0]), test_diff_case, NULL, NULL,
			    NULL, 0);
}
