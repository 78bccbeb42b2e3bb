/*
 * test_mastercf.c - table-driven cmocka tests for the master.cf parser.
 *
 * The parser must read master.cf exactly as Postfix 3.7 does. Every
 * behaviour the cases below rely on was checked against the real
 * /usr/sbin/postconf 3.7.11 (Debian 12) like this:
 *
 *   D=$(mktemp -d); : >$D/main.cf; printf '...' >$D/master.cf
 *   postconf -c $D -M; postconf -c $D -F     (prints service/type/field = value)
 *
 * Facts found (input -> what postconf said):
 *  - Error line of a multi-line entry is its FIRST physical line:
 *    '# c\nsmtp inet n - n - - smtpd\n  -o a=b\nbad inet n\n\n  # x\n   more\n\n  stuff\nok ...'
 *    -> "fatal: file D/master.cf: line 4: bad field count".
 *  - Field validation errors carry no line at all:
 *    'x  bogus n - n - - smtpd' -> fatal: invalid type field "bogus" in "x  bogus n - n - - smtpd".
 *    pfjail uses the entry's first line for these too.
 *  - Wording: invalid type / private / unprivileged / chroot / wakeup /
 *    process_limit field "X" (the unpriv and maxproc columns are called
 *    "unprivileged" and "process_limit"); checked in that order:
 *    'x unix Y - - - x c' -> invalid private field "Y".
 *  - 'Y' is not a valid boolean; "?" and "-?" are valid wakeups, "5??",
 *    "1?1", "--" are not; maxproc "007" is valid, "-1" and "1-" are not;
 *    "INET" is not a type; unix-dgram, pass, fifo are.
 *  - Continuation line with nothing before it ('# head\n  -o orphan=1\nsmtp ...'):
 *    only "warning: ...: logical line must not start with whitespace" and the
 *    line is dropped (rc 0). pfjail rejects it on purpose. If the file also has
 *    a Postfix error ('  -o x\nbad\n'), postconf dies with "line 2: bad field count".
 *  - CRLF: 'smtp inet n - n - - smtpd\r\n  -o a=b\r\n\r\npickup ...\r\n' parses;
 *    \r is a blank, "\r" lines are blank lines.
 *  - Missing final newline: 'smtp ... smtpd\npickup unix n - y 60 1 pickup' parses
 *    (2 entries); 'smtp ... smtpd\nbad x' -> "line 2: bad field count".
 *  - \v and \f continue a logical line (readllines uses isspace) but do NOT
 *    separate fields (mystrtokq blanks are " \t\r\n"): 'smtp ... smtpd\n\v-o a=b'
 *    -> command "smtpd\v-o", argument "a=b"; 'smtp\vinet n - n - - smtpd' ->
 *    line 1: bad field count; lines of only \v/\f are blank.
 *  - Bytes >= 0x80 are not whitespace: 'smtp ...\n\xa0-o a=b' -> line 2: bad field count.
 *  - Physical lines are joined without the newline:
 *    'smtp ... smtpd -o {smtpd_x = a\n  more } -o c=d' -> -o {smtpd_x=a  more} -o c=d.
 *  - Unbalanced '{' in an argument swallows the rest of the logical line
 *    (postconf only warns "missing '}'"): 'smtp ... smtpd -o {smtpd_x = a\nq unix ...'
 *    parses, 2 entries. In a column ('smtp inet n - {n - - smtpd') it takes
 *    the remaining fields -> line 1: bad field count.
 *  - '}' at brace level 0 is an ordinary character ('-o a=}b }c' parses);
 *    '{a b} unix - - n - - cmd' is service "{a b}".
 *  - '#' later in a line is not a comment: command = "smtpd -o x=a#b # c".
 *  - Comment, indented comment and blank lines inside an entry (even inside
 *    braces) do not end it: '-o {\n  smtpd_x = a b\n  # inside\n  }' -> {smtpd_x=a b}.
 *  - A column can be on a continuation line: 'smtp inet n\n  - y - - smtpd' -> chroot y.
 *  - Duplicate service/type entries are both listed by -M and -F.
 *  - A NUL byte silently truncates the logical line: 'q unix - - n - - qm\0gr -v'
 *    -> command "qm" (rc 0): pfjail rejects NULs.
 *  - Template text inside arguments is accepted by postconf ('-o x={{ y }}',
 *    '{% y %}', '{# y #}', '%{y}', '[% y %]', '%%y%%' all parse): pfjail
 *    rejects it; at column 0 ('{# Ensure #}') postconf says line 1: bad field count.
 *  - Empty master.cf: -M prints nothing, rc 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mastercf.h"

/* Spot checks name a field by index or an argument by ARG(k). */
#define ARG(k)		(PFJ_MCF_NFIELDS + (k))
#define MAX_SPOTS	10
#define MAX_WHERE	6

/* A literal input with its exact length (it may contain NUL bytes). */
#define IN(s)		.in = (s), .len = sizeof(s) - 1

/* Expected value of one field or argument of one entry. */
struct spot {
	size_t ent;
	int what;		/* field index, or ARG(k) */
	const char *val;	/* NULL ends the list */
};

/* Expected position of one entry (first_line 0 ends the list). */
struct where {
	size_t ent;
	unsigned first_line;
	unsigned last_line;
	unsigned chroot_line;
	size_t chroot_off;
	size_t nargs;
};

/* A buffer the parser must accept. */
struct ok_case {
	const char *label;
	const char *in;
	size_t len;
	char *(*gen)(size_t *len);	/* builds the input when in is NULL */
	size_t n;			/* expected number of entries */
	struct spot spots[MAX_SPOTS];
	struct where where[MAX_WHERE];
	void (*check)(const struct pfj_mcf *mcf, const char *buf, size_t len);
};

/* A buffer the parser must reject. */
struct err_case {
	const char *label;
	const char *in;
	size_t len;
	unsigned line;
	const char *reason;	/* expected substring of err.reason */
};

/* Fail the current test with the case label in the message. */
#define CHECK(label, cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			fail_msg("[%s] %s: " fmt, (label), #cond,	\
				 __VA_ARGS__);				\
	} while (0)

/* 100 KB of 'A' as one -o value, between two normal entries. */
#define LONG_VALUE	(100 * 1024)

/* Build an entry whose single argument is 100 KB long. */
static char *gen_long_line(size_t *len)
{
	static const char head[] = "smtp inet n - y - - smtpd -o x=";
	static const char tail[] = "\nq unix - - n - - qmgr\n";
	size_t n = sizeof(head) - 1 + LONG_VALUE + sizeof(tail) - 1;
	char *b = malloc(n + 1);

	assert_non_null(b);
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'A', LONG_VALUE);
	memcpy(b + sizeof(head) - 1 + LONG_VALUE, tail, sizeof(tail));
	*len = n;
	return b;
}

/* Check the 100 KB argument arrived whole. */
static void check_long_line(const struct pfj_mcf *mcf, const char *buf,
			    size_t len)
{
	const char *a = mcf->ent[0].args[1];
	size_t i;

	(void)buf;
	(void)len;
	assert_int_equal(strlen(a), LONG_VALUE + 2);
	assert_memory_equal(a, "x=", 2);
	for (i = 2; i < LONG_VALUE + 2; i++)
		if (a[i] != 'A')
			fail_msg("byte %zu of the long argument is %d", i, a[i]);
}

#define MANY_ENTRIES	5000

/* Build MANY_ENTRIES entries, each with a continuation line. */
static char *gen_many(size_t *len)
{
	size_t cap = (size_t)MANY_ENTRIES * 64, n = 0;
	char *b = malloc(cap);
	int i;

	assert_non_null(b);
	for (i = 0; i < MANY_ENTRIES; i++)
		n += (size_t)snprintf(b + n, cap - n,
				      "s%d unix - - %c - - cmd\n  -o i=%d\n", i,
				      "yn-"[i % 3], i);
	*len = n;
	return b;
}

/* Check every generated entry got its own name, chroot and argument. */
static void check_many(const struct pfj_mcf *mcf, const char *buf, size_t len)
{
	char want[32];
	size_t i;

	(void)buf;
	(void)len;
	for (i = 0; i < mcf->n; i++) {
		snprintf(want, sizeof(want), "s%zu", i);
		assert_string_equal(mcf->ent[i].field[PFJ_MCF_SERVICE], want);
		assert_int_equal(mcf->ent[i].field[PFJ_MCF_CHROOT][0],
				 "yn-"[i % 3]);
		assert_int_equal(mcf->ent[i].first_line, 2 * i + 1);
		assert_int_equal(mcf->ent[i].last_line, 2 * i + 2);
		snprintf(want, sizeof(want), "i=%zu", i);
		assert_string_equal(mcf->ent[i].args[1], want);
	}
}

static const struct ok_case ok_cases[] = {
	{
		.label = "empty buffer",
		IN(""),
		.n = 0,
	},
	{
		.label = "only comments, indented comments and blank lines",
		IN("# comment\n\n   \n\t# indented {{ not a template }}\n"
		   "  # %% also ignored\n\r\n\v\n\f\n#"),
		.n = 0,
	},
	{
		.label = "single entry",
		IN("smtp inet n - n - - smtpd\n"),
		.n = 1,
		.spots = {
			{ 0, PFJ_MCF_SERVICE, "smtp" },
			{ 0, PFJ_MCF_TYPE, "inet" },
			{ 0, PFJ_MCF_PRIVATE, "n" },
			{ 0, PFJ_MCF_UNPRIV, "-" },
			{ 0, PFJ_MCF_CHROOT, "n" },
			{ 0, PFJ_MCF_WAKEUP, "-" },
			{ 0, PFJ_MCF_MAXPROC, "-" },
			{ 0, PFJ_MCF_COMMAND, "smtpd" },
		},
		.where = { { 0, 1, 1, 1, 14, 0 } },
	},
	{
		.label = "comments and blank lines between entries",
		IN("# head\n\nsmtp      inet  n       -       y       -       -       smtpd\n"
		   "   # indented comment\n\n"
		   "pickup    unix  n       -       n       60      1       pickup\n"
		   "#628      inet  n       -       y       -       -       qmqpd\n"),
		.n = 2,
		.spots = {
			{ 0, PFJ_MCF_CHROOT, "y" },
			{ 1, PFJ_MCF_SERVICE, "pickup" },
			{ 1, PFJ_MCF_WAKEUP, "60" },
			{ 1, PFJ_MCF_MAXPROC, "1" },
		},
		.where = {
			{ 0, 3, 3, 3, 40, 0 },
			{ 1, 6, 6, 6, 125, 0 },
		},
	},
	{
		.label = "continuation with spaces and tabs",
		IN("smtp inet n - y - - smtpd\n  -o a=b\n\t-o c=d\n \t-v\n"
		   "q unix - - n - - qmgr\n"),
		.n = 2,
		.spots = {
			{ 0, ARG(0), "-o" }, { 0, ARG(1), "a=b" },
			{ 0, ARG(2), "-o" }, { 0, ARG(3), "c=d" },
			{ 0, ARG(4), "-v" },
			{ 1, PFJ_MCF_COMMAND, "qmgr" },
		},
		.where = {
			{ 0, 1, 4, 1, 14, 5 },
			{ 1, 5, 5, 5, 59, 0 },
		},
	},
	{
		.label = "comment and blank lines inside an entry",
		IN("smtp inet n - y - - smtpd\n# col0 comment\n\n  # indented\n"
		   " \t \n\r\n  -o a=b\n\n# trailing comment\n"
		   "q unix - - n - - qmgr\n"),
		.n = 2,
		.spots = { { 0, ARG(1), "a=b" } },
		.where = {
			{ 0, 1, 7, 1, 14, 2 },
			{ 1, 10, 10, 10, 101, 0 },
		},
	},
	{
		.label = "-o { a = b c } on one line",
		IN("smtp inet n - n - - smtpd -o { smtpd_x = a b } -o y=z\n"),
		.n = 1,
		.spots = {
			{ 0, ARG(0), "-o" },
			{ 0, ARG(1), "{ smtpd_x = a b }" },
			{ 0, ARG(2), "-o" },
			{ 0, ARG(3), "y=z" },
		},
		.where = { { 0, 1, 1, 1, 14, 4 } },
	},
	{
		.label = "-o { } spanning lines with a comment inside",
		IN("smtp inet n - n - - smtpd\n  -o {\n     smtpd_x = a b\n"
		   "  # inside\n  }\n  -o c=d\n"),
		.n = 1,
		.spots = {
			{ 0, ARG(0), "-o" },
			{ 0, ARG(1), "{     smtpd_x = a b  }" },
			{ 0, ARG(2), "-o" },
			{ 0, ARG(3), "c=d" },
		},
		.where = { { 0, 1, 6, 1, 14, 4 } },
	},
	{
		.label = "nested braces (inline map) stay one token",
		IN("x unix - - y - - smtpd\n -o { r = check inline:{a=OK} x }\n"),
		.n = 1,
		.spots = { { 0, ARG(1), "{ r = check inline:{a=OK} x }" } },
		.where = { { 0, 1, 2, 1, 11, 2 } },
	},
	{
		.label = "unbalanced { swallows the rest of the logical line only",
		IN("smtp inet n - n - - smtpd -o {x = a\n  -o y=z\n"
		   "q unix - - y - - qmgr\n"),
		.n = 2,
		.spots = {
			{ 0, ARG(0), "-o" },
			{ 0, ARG(1), "{x = a  -o y=z" },
			{ 1, PFJ_MCF_CHROOT, "y" },
		},
		.where = { { 0, 1, 2, 1, 14, 2 }, { 1, 3, 3, 3, 56, 0 } },
	},
	{
		.label = "} at brace level 0 is an ordinary character",
		IN("smtp inet n - n - - smtpd -o a=}b }c\n"),
		.n = 1,
		.spots = { { 0, ARG(1), "a=}b" }, { 0, ARG(2), "}c" } },
		.where = { { 0, 1, 1, 1, 14, 3 } },
	},
	{
		.label = "braces in the service column",
		IN("{a b} unix - - n - - cmd\n"),
		.n = 1,
		.spots = { { 0, PFJ_MCF_SERVICE, "{a b}" } },
		.where = { { 0, 1, 1, 1, 15, 0 } },
	},
	{
		.label = "CRLF line endings",
		IN("smtp inet n - n - - smtpd\r\n  -o a=b\r\n\r\n"
		   "pickup unix n - y 60 1 pickup\r\n"),
		.n = 2,
		.spots = {
			{ 0, PFJ_MCF_COMMAND, "smtpd" },
			{ 0, ARG(0), "-o" },
			{ 0, ARG(1), "a=b" },
			{ 1, PFJ_MCF_COMMAND, "pickup" },
			{ 1, PFJ_MCF_CHROOT, "y" },
		},
		.where = { { 0, 1, 2, 1, 14, 2 }, { 1, 4, 4, 4, 55, 0 } },
	},
	{
		.label = "CRLF with chroot as the last column before CR",
		IN("a unix - - n - - c\r\nb unix - -\r\n y - - c\r\n"),
		.n = 2,
		.where = { { 0, 1, 1, 1, 11, 0 }, { 1, 2, 3, 3, 33, 0 } },
	},
	{
		.label = "no final newline",
		IN("smtp inet n - n - - smtpd\npickup unix n - y 60 1 pickup"),
		.n = 2,
		.spots = { { 1, PFJ_MCF_COMMAND, "pickup" } },
		.where = { { 1, 2, 2, 2, 42, 0 } },
	},
	{
		.label = "no final newline after a continuation line",
		IN("smtp inet n - n - - smtpd\n  -o a=b"),
		.n = 1,
		.spots = { { 0, ARG(1), "a=b" } },
		.where = { { 0, 1, 2, 1, 14, 2 } },
	},
	{
		.label = "\\v and \\f continue a line but do not split fields",
		IN("smtp inet n - n - - smtpd\n\v-o a=b\n"
		   "q unix - - y - - qmgr\n\f-o c=d\n\v\n\f\n"),
		.n = 2,
		.spots = {
			{ 0, PFJ_MCF_COMMAND, "smtpd\v-o" },
			{ 0, ARG(0), "a=b" },
			{ 1, PFJ_MCF_COMMAND, "qmgr\f-o" },
			{ 1, ARG(0), "c=d" },
		},
		.where = { { 0, 1, 2, 1, 14, 1 }, { 1, 3, 4, 3, 45, 1 } },
	},
	{
		.label = "chroot column on a continuation line",
		IN("smtp inet n\n  - y - - smtpd\n"),
		.n = 1,
		.spots = { { 0, PFJ_MCF_UNPRIV, "-" }, { 0, PFJ_MCF_CHROOT, "y" } },
		.where = { { 0, 1, 2, 2, 16, 0 } },
	},
	{
		.label = "chroot column after a comment inside the entry",
		IN("smtp inet n -\n# comment y\n\n  n - - smtpd\n"),
		.n = 1,
		.where = { { 0, 1, 4, 4, 29, 0 } },
	},
	{
		.label = "unix-dgram, pass and fifo types",
		IN("postlog   unix-dgram n  -       n       -       1       postlogd\n"
		   "smtpd     pass  -       -       y       -       -       smtpd\n"
		   "qmgr      fifo  n       -       -       300     1       qmgr\n"),
		.n = 3,
		.spots = {
			{ 0, PFJ_MCF_TYPE, "unix-dgram" },
			{ 1, PFJ_MCF_TYPE, "pass" },
			{ 2, PFJ_MCF_TYPE, "fifo" },
			{ 2, PFJ_MCF_WAKEUP, "300" },
		},
		.where = {
			{ 0, 1, 1, 1, 32, 0 },
			{ 1, 2, 2, 2, 97, 0 },
			{ 2, 3, 3, 3, 159, 0 },
		},
	},
	{
		.label = "wakeup 60?, ? and -?, maxproc 007",
		IN("tlsmgr unix - - y 1000? 1 tlsmgr\n"
		   "a unix - - n ? 007 c\n"
		   "b unix - - n -? - c\n"),
		.n = 3,
		.spots = {
			{ 0, PFJ_MCF_WAKEUP, "1000?" },
			{ 1, PFJ_MCF_WAKEUP, "?" },
			{ 1, PFJ_MCF_MAXPROC, "007" },
			{ 2, PFJ_MCF_WAKEUP, "-?" },
		},
	},
	{
		.label = "wakeup 60?",
		IN("pickup unix n - n 60? 1 pickup\n"),
		.n = 1,
		.spots = { { 0, PFJ_MCF_WAKEUP, "60?" } },
		.where = { { 0, 1, 1, 1, 16, 0 } },
	},
	{
		.label = "# later in a line is not a comment",
		IN("smtp inet n - n - - smtpd -o x=a#b # c\n"),
		.n = 1,
		.spots = {
			{ 0, ARG(1), "x=a#b" },
			{ 0, ARG(2), "#" },
			{ 0, ARG(3), "c" },
		},
	},
	{
		.label = "duplicate service/type entries are both kept",
		IN("smtp inet n - n - - smtpd\nsmtp inet n - y - - smtpd\n"),
		.n = 2,
		.spots = { { 0, PFJ_MCF_CHROOT, "n" }, { 1, PFJ_MCF_CHROOT, "y" } },
		.where = { { 0, 1, 1, 1, 14, 0 }, { 1, 2, 2, 2, 40, 0 } },
	},
	{
		.label = "UTF-8 in comments and arguments",
		IN("# \xf0\x9f\x93\xa8 mail\nx unix - - n - - pipe argv=/bin/\xc3\xa9\n"),
		.n = 1,
		.spots = { { 0, ARG(0), "argv=/bin/\xc3\xa9" } },
		.where = { { 0, 2, 2, 2, 23, 1 } },
	},
	{
		.label = "template sequences in comment lines are ignored",
		IN("# {{ a }} {% b %} {# c #} %{d} [% e %] %%f%%\n"
		   "  # {{ indented }}\n"
		   "x unix - - n - - c\n#{{ inside }}\n  -o a=b\n"),
		.n = 1,
		.where = { { 0, 3, 5, 3, 75, 2 } },
	},
	{
		.label = "single % [ { characters are not templates",
		IN("x unix - - n - - c -o a=50% -o b=[::1]:25 -o c={x}%\n"),
		.n = 1,
		.spots = {
			{ 0, ARG(1), "a=50%" },
			{ 0, ARG(3), "b=[::1]:25" },
			{ 0, ARG(5), "c={x}%" },
		},
	},
	{
		.label = "very long line (100 KB argument)",
		.gen = gen_long_line,
		.n = 2,
		.spots = { { 0, ARG(0), "-o" }, { 1, PFJ_MCF_COMMAND, "qmgr" } },
		.where = {
			{ 0, 1, 1, 1, 14, 2 },
			{ 1, 2, 2, 2, 31 + LONG_VALUE + 12, 0 },
		},
		.check = check_long_line,
	},
	{
		.label = "many entries",
		.gen = gen_many,
		.n = MANY_ENTRIES,
		.check = check_many,
	},
};

static const struct err_case err_cases[] = {
	{
		.label = "fewer than 8 fields",
		IN("smtp inet n - n - -\n"),
		.line = 1, .reason = "bad field count",
	},
	{
		.label = "bad field count reports the entry's first line",
		IN("# c\nsmtp inet n - n - - smtpd\n  -o a=b\nbad inet n\n\n"
		   "  # x\n   more\n\n  stuff\nok unix - - n - - x\n"),
		.line = 4, .reason = "bad field count",
	},
	{
		.label = "bad field count on an unterminated last line",
		IN("smtp inet n - n - - smtpd\nbad x"),
		.line = 2, .reason = "bad field count",
	},
	{
		.label = "\\v does not separate fields",
		IN("smtp\vinet n - n - - smtpd\n"),
		.line = 1, .reason = "bad field count",
	},
	{
		.label = "a byte >= 0x80 at column 0 starts a new entry",
		IN("smtp inet n - n - - smtpd\n\xa0-o a=b\n"),
		.line = 2, .reason = "bad field count",
	},
	{
		.label = "unbalanced { in a column swallows the other fields",
		IN("smtp inet n - {n - - smtpd\n"),
		.line = 1, .reason = "bad field count",
	},
	{
		.label = "unbalanced { across continuation lines",
		IN("a unix - - n - - c\nsmtp inet n - n {-\n  - smtpd\n"),
		.line = 2, .reason = "bad field count",
	},
	{
		.label = "invalid type",
		IN("x  bogus n - n - - smtpd\n"),
		.line = 1, .reason = "invalid type field \"bogus\"",
	},
	{
		.label = "type is case-sensitive",
		IN("x INET - - - - - c\n"),
		.line = 1, .reason = "invalid type field \"INET\"",
	},
	{
		.label = "invalid private (upper case Y)",
		IN("x unix Y - n - - c\n"),
		.line = 1, .reason = "invalid private field \"Y\"",
	},
	{
		.label = "invalid unprivileged (two characters)",
		IN("x unix - yy n - - c\n"),
		.line = 1, .reason = "invalid unprivileged field \"yy\"",
	},
	{
		.label = "invalid chroot (yes)",
		IN("x unix - - yes - - c\n"),
		.line = 1, .reason = "invalid chroot field \"yes\"",
	},
	{
		.label = "invalid chroot (upper case Y)",
		IN("x unix - - Y - - c\n"),
		.line = 1, .reason = "invalid chroot field \"Y\"",
	},
	{
		.label = "invalid wakeup (letter)",
		IN("x unix - - - x - c\n"),
		.line = 1, .reason = "invalid wakeup field \"x\"",
	},
	{
		.label = "invalid wakeup (two ?)",
		IN("x unix - - - 5?? - c\n"),
		.line = 1, .reason = "invalid wakeup field \"5??\"",
	},
	{
		.label = "invalid wakeup (? in the middle)",
		IN("x unix - - - 1?1 - c\n"),
		.line = 1, .reason = "invalid wakeup field \"1?1\"",
	},
	{
		.label = "invalid wakeup (--)",
		IN("x unix - - - -- - c\n"),
		.line = 1, .reason = "invalid wakeup field \"--\"",
	},
	{
		.label = "invalid process_limit (-1)",
		IN("x unix - - - - -1 c\n"),
		.line = 1, .reason = "invalid process_limit field \"-1\"",
	},
	{
		.label = "invalid process_limit (1-)",
		IN("x unix - - - - 1- c\n"),
		.line = 1, .reason = "invalid process_limit field \"1-\"",
	},
	{
		.label = "invalid process_limit (?)",
		IN("x unix - - - - 1? c\n"),
		.line = 1, .reason = "invalid process_limit field \"1?\"",
	},
	{
		.label = "validation order: type before private",
		IN("x bogus Y - - x - c\n"),
		.line = 1, .reason = "invalid type field \"bogus\"",
	},
	{
		.label = "validation order: private before wakeup",
		IN("x unix Y - - x - c\n"),
		.line = 1, .reason = "invalid private field \"Y\"",
	},
	{
		.label = "validation error in a multi-line entry: first line",
		IN("ok unix - - n - - x\nsmtp inet n -\n  Y - - smtpd\n"),
		.line = 2, .reason = "invalid chroot field \"Y\"",
	},
	{
		.label = "long invalid value is cut short in the reason",
		IN("x unix - - - xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   " - c\n"),
		.line = 1, .reason = "xxxx...\"",
	},
	{
		.label = "control characters are not copied into the reason",
		IN("x unix - - n - \x1b[2J c\n"),
		.line = 1, .reason = "invalid process_limit field \"?[2J\"",
	},
	{
		.label = "continuation line at the start of the file",
		IN("  -o orphan=1\nsmtp inet n - n - - smtpd\n"),
		.line = 1, .reason = "continuation line without a preceding entry",
	},
	{
		.label = "continuation line after leading comments",
		IN("# head\n\n\t-o orphan=1\n  -o more\nsmtp inet n - n - - smtpd\n"),
		.line = 3, .reason = "continuation line without a preceding entry",
	},
	{
		.label = "\\v continuation line at the start of the file",
		IN("\vsmtp inet n - n - - smtpd\nq unix - - y - - qmgr\n"),
		.line = 1, .reason = "continuation line without a preceding entry",
	},
	{
		.label = "orphan continuation line holding a template",
		IN("  -o x={{ y }}\nsmtp inet n - n - - smtpd\n"),
		.line = 1, .reason = "continuation line without a preceding entry",
	},
	{
		.label = "Postfix's own error wins over an orphan continuation",
		IN("  -o x\nbad\n"),
		.line = 2, .reason = "bad field count",
	},
	{
		.label = "NUL byte in an entry",
		IN("smtp inet n - n - - smtpd\nq unix - - n - - qm\0gr -v\n"),
		.line = 2, .reason = "NUL byte in file",
	},
	{
		.label = "NUL byte in a comment line",
		IN("smtp inet n - n - - smtpd\n# \0 comment\nq unix - - y - - qmgr\n"),
		.line = 2, .reason = "NUL byte in file",
	},
	{
		.label = "NUL byte in the chroot column",
		IN("smtp inet n - n \0 - smtpd\n"),
		.line = 1, .reason = "NUL byte in file",
	},
	{
		.label = "NUL byte on an unterminated last line",
		IN("a unix - - n - - c\n\n\nx\0"),
		.line = 4, .reason = "NUL byte in file",
	},
	{
		.label = "NUL byte wins over an earlier Postfix error",
		IN("bad\n\0\n"),
		.line = 2, .reason = "NUL byte in file",
	},
	{
		.label = "template {{ in a continuation line",
		IN("a unix - - n - - c\n  -o x={{ y }}\n"),
		.line = 2, .reason = "template syntax \"{{\" (unrendered template?)",
	},
	{
		.label = "template {% in a continuation line",
		IN("a unix - - n - - c\n  -o x={% if y %}1{% endif %}\n"),
		.line = 2, .reason = "template syntax \"{%\" (unrendered template?)",
	},
	{
		.label = "template {# in an argument",
		IN("a unix - - n - - c -o x={# y #}\n"),
		.line = 1, .reason = "template syntax \"{#\" (unrendered template?)",
	},
	{
		.label = "template %{ at the start of a service name",
		IN("# c\n%{enabled}smtp inet n - n - - smtpd\n"),
		.line = 2, .reason = "template syntax \"%{\" (unrendered template?)",
	},
	{
		.label = "template [% in an argument",
		IN("a unix - - n - - c\nb unix - - n - - c -o x=[% y %]\n"),
		.line = 2, .reason = "template syntax \"[%\" (unrendered template?)",
	},
	{
		.label = "template %% in a continuation line",
		IN("a unix - - n - - c\n\t-o x=%%y%%\n"),
		.line = 2, .reason = "template syntax \"%%\" (unrendered template?)",
	},
	{
		.label = "leftmost template sequence of a line is named",
		IN("a unix - - n - - c -o x=%%y {{ z }}\n"),
		.line = 1, .reason = "template syntax \"%%\"",
	},
	{
		.label = "template at column 0 that Postfix rejects: Postfix's error",
		IN("x unix - - n - - c\n{# Ensure a newline #}\n"),
		.line = 2, .reason = "bad field count",
	},
	{
		.label = "Postfix error after a template: Postfix's line wins",
		IN("a unix - - n - - c\n  -o x={{ y }}\nb unix - - n - - c\nbad\n"),
		.line = 4, .reason = "bad field count",
	},
};

/* Physical line (1-based) holding byte off of buf. */
static unsigned line_of(const char *buf, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

/* Invariants every parse result must satisfy, whatever the input. */
static void check_invariants(const char *label, const char *buf, size_t len,
			     const struct pfj_mcf *mcf)
{
	const struct pfj_mcf_entry *e;
	size_t i, k;
	int f;

	CHECK(label, mcf->n == 0 || mcf->ent != NULL, "%s", "");
	for (i = 0; i < mcf->n; i++) {
		e = &mcf->ent[i];
		for (f = 0; f < PFJ_MCF_NFIELDS; f++)
			CHECK(label, e->field[f] != NULL && e->field[f][0] != '\0',
			      "entry %zu field %d", i, f);
		CHECK(label, strlen(e->field[PFJ_MCF_CHROOT]) == 1, "entry %zu", i);
		CHECK(label, e->chroot_off < len, "entry %zu off %zu", i,
		      e->chroot_off);
		CHECK(label, buf[e->chroot_off] == e->field[PFJ_MCF_CHROOT][0],
		      "entry %zu off %zu holds '%c'", i, e->chroot_off,
		      buf[e->chroot_off]);
		CHECK(label, e->chroot_line == line_of(buf, e->chroot_off),
		      "entry %zu chroot_line %u", i, e->chroot_line);
		CHECK(label, e->first_line <= e->chroot_line &&
		      e->chroot_line <= e->last_line, "entry %zu lines %u..%u",
		      i, e->first_line, e->last_line);
		CHECK(label, i == 0 || mcf->ent[i - 1].last_line < e->first_line,
		      "entry %zu", i);
		CHECK(label, e->args != NULL && e->args[e->nargs] == NULL,
		      "entry %zu", i);
		for (k = 0; k < e->nargs; k++)
			CHECK(label, e->args[k] != NULL, "entry %zu arg %zu", i, k);
	}
}

/* Two parse results are equal field by field, except entry skip's chroot. */
static void check_same(const char *label, const struct pfj_mcf *a,
		       const struct pfj_mcf *b, size_t skip)
{
	size_t i, k;
	int f;

	CHECK(label, a->n == b->n, "%zu vs %zu entries", a->n, b->n);
	for (i = 0; i < a->n; i++) {
		for (f = 0; f < PFJ_MCF_NFIELDS; f++) {
			if (i == skip && f == PFJ_MCF_CHROOT)
				continue;
			CHECK(label, strcmp(a->ent[i].field[f],
					    b->ent[i].field[f]) == 0,
			      "entry %zu field %d", i, f);
		}
		CHECK(label, a->ent[i].nargs == b->ent[i].nargs, "entry %zu", i);
		for (k = 0; k < a->ent[i].nargs; k++)
			CHECK(label, strcmp(a->ent[i].args[k],
					    b->ent[i].args[k]) == 0,
			      "entry %zu arg %zu", i, k);
		CHECK(label, a->ent[i].chroot_off == b->ent[i].chroot_off &&
		      a->ent[i].first_line == b->ent[i].first_line &&
		      a->ent[i].last_line == b->ent[i].last_line,
		      "entry %zu", i);
	}
}

/*
 * The reason chroot_off exists: overwriting that one byte must change that
 * entry's chroot value and nothing else the parser sees.
 */
static void check_one_byte_edit(const char *label, const char *buf, size_t len,
				const struct pfj_mcf *mcf, size_t idx)
{
	struct pfj_mcf_error err;
	struct pfj_mcf again;
	char *copy = malloc(len);
	char now = buf[mcf->ent[idx].chroot_off];
	char want = now == 'y' ? 'n' : 'y';

	assert_non_null(copy);
	memcpy(copy, buf, len);
	copy[mcf->ent[idx].chroot_off] = want;
	CHECK(label, pfj_mcf_parse(copy, len, &again, &err) == 0,
	      "edit of entry %zu rejected: %s", idx, err.reason);
	check_same(label, mcf, &again, idx);
	CHECK(label, again.ent[idx].field[PFJ_MCF_CHROOT][0] == want,
	      "entry %zu", idx);
	pfj_mcf_free(&again);
	free(copy);
}

/* Run one accepted-input case: parse, spot checks, positions, edits. */
static void run_ok_case(void **state)
{
	const struct ok_case *c = *state;
	struct pfj_mcf mcf;
	struct pfj_mcf_error err;
	const struct spot *s;
	const struct where *w;
	const struct pfj_mcf_entry *e;
	const char *got;
	char *gbuf = NULL;
	const char *buf = c->in;
	size_t len = c->len, i;

	if (c->gen != NULL) {
		gbuf = c->gen(&len);
		buf = gbuf;
	}
	memset(&err, 0, sizeof(err));
	CHECK(c->label, pfj_mcf_parse(buf, len, &mcf, &err) == 0,
	      "rejected: line %u: %s", err.line, err.reason);
	CHECK(c->label, mcf.n == c->n, "got %zu entries, want %zu", mcf.n, c->n);
	check_invariants(c->label, buf, len, &mcf);

	for (s = c->spots; s < c->spots + MAX_SPOTS && s->val != NULL; s++) {
		CHECK(c->label, s->ent < mcf.n, "spot entry %zu", s->ent);
		e = &mcf.ent[s->ent];
		if (s->what < PFJ_MCF_NFIELDS) {
			got = e->field[s->what];
		} else {
			CHECK(c->label, (size_t)(s->what - PFJ_MCF_NFIELDS) <
			      e->nargs, "entry %zu has %zu args", s->ent,
			      e->nargs);
			got = e->args[s->what - PFJ_MCF_NFIELDS];
		}
		CHECK(c->label, strcmp(got, s->val) == 0,
		      "entry %zu item %d is \"%s\", want \"%s\"", s->ent,
		      s->what, got, s->val);
	}
	for (w = c->where; w < c->where + MAX_WHERE && w->first_line != 0; w++) {
		CHECK(c->label, w->ent < mcf.n, "where entry %zu", w->ent);
		e = &mcf.ent[w->ent];
		CHECK(c->label, e->first_line == w->first_line &&
		      e->last_line == w->last_line &&
		      e->chroot_line == w->chroot_line,
		      "entry %zu lines %u-%u chroot %u", w->ent, e->first_line,
		      e->last_line, e->chroot_line);
		CHECK(c->label, e->chroot_off == w->chroot_off,
		      "entry %zu chroot_off %zu, want %zu", w->ent,
		      e->chroot_off, w->chroot_off);
		CHECK(c->label, e->nargs == w->nargs, "entry %zu nargs %zu",
		      w->ent, e->nargs);
	}
	if (c->check != NULL)
		c->check(&mcf, buf, len);
	for (i = 0; i < mcf.n && i < 8; i++)
		check_one_byte_edit(c->label, buf, len, &mcf, i);
	if (mcf.n > 8)
		check_one_byte_edit(c->label, buf, len, &mcf, mcf.n - 1);
	pfj_mcf_free(&mcf);
	CHECK(c->label, mcf.ent == NULL && mcf.n == 0, "%s", "free left data");
	free(gbuf);
}

/* Run one rejected-input case: line, reason, and an empty result. */
static void run_err_case(void **state)
{
	const struct err_case *c = *state;
	struct pfj_mcf mcf;
	struct pfj_mcf_error err;

	memset(&mcf, 0x5a, sizeof(mcf));	/* out must be reset, not trusted */
	memset(&err, 0, sizeof(err));
	CHECK(c->label, pfj_mcf_parse(c->in, c->len, &mcf, &err) == -1,
	      "accepted (%zu entries)", mcf.n);
	CHECK(c->label, mcf.ent == NULL && mcf.n == 0, "%s", "out not empty");
	CHECK(c->label, err.line == c->line, "line %u, want %u (%s)",
	      err.line, c->line, err.reason);
	CHECK(c->label, strstr(err.reason, c->reason) != NULL,
	      "reason \"%s\" lacks \"%s\"", err.reason, c->reason);
	CHECK(c->label, memchr(err.reason, '\0', sizeof(err.reason)) != NULL,
	      "%s", "reason not terminated");
	/* A NULL err must be accepted too. */
	CHECK(c->label, pfj_mcf_parse(c->in, c->len, &mcf, NULL) == -1, "%s",
	      "accepted without err");
}

/* API edge cases: NULL buffer, NULL err, freeing twice or NULL. */
static void test_api_edges(void **state)
{
	static const char one[] = "a unix - - y - - c\n";
	struct pfj_mcf mcf;
	struct pfj_mcf_error err;

	(void)state;
	assert_int_equal(pfj_mcf_parse(NULL, 0, &mcf, &err), 0);
	assert_int_equal(mcf.n, 0);
	assert_null(mcf.ent);
	assert_int_equal(pfj_mcf_parse(one, sizeof(one) - 1, &mcf, NULL), 0);
	assert_int_equal(mcf.n, 1);
	pfj_mcf_free(&mcf);
	/* Not NUL-terminated: the parser must stop at len. */
	assert_int_equal(pfj_mcf_parse(one, 18, &mcf, &err), 0);
	pfj_mcf_free(&mcf);
	pfj_mcf_free(&mcf);
	pfj_mcf_free(NULL);
	assert_int_equal(pfj_mcf_parse(one, 17, &mcf, &err), -1);
	assert_int_equal(err.line, 1);
	assert_string_equal(err.reason, "bad field count");
}

/* Read a whole file for the corpus test; NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *b = NULL, *nb;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap + 1);
			if (nb == NULL) {
				free(b);
				fclose(fp);
				return NULL;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		free(b);
		b = NULL;
	} else {
		b[n] = '\0';
		*len = n;
	}
	fclose(fp);
	return b;
}

/* Postfix rejected these corpus files (templates, broken tail). */
static const char *const corpus_rejected[] = { "10-", "12-", "16-", "19-", "22-" };

/* One row of postconf-check.tsv: file, rc, count, chroot summary, messages. */
struct tsv_row {
	char *col[5];
};

/* Find the postconf-check.tsv row for a master.cf file name. */
static int tsv_find(char *tsv, const char *name, struct tsv_row *row)
{
	char *line, *save = NULL, *p, *tab;
	int i;

	for (line = strtok_r(tsv, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		memset(row, 0, sizeof(*row));
		for (p = line, i = 0; i < 5; i++) {
			row->col[i] = p;
			tab = p ? strchr(p, '\t') : NULL;
			if (tab != NULL) {
				*tab = '\0';
				p = tab + 1;
			} else {
				p = NULL;
			}
		}
		if (strcmp(row->col[0], name) == 0)
			return 0;
	}
	return -1;
}

/* Compare a parse with postconf -M output: the first 7 columns of each line. */
static void corpus_compare_M(const char *name, const char *mpath,
			     const struct pfj_mcf *mcf, const char *summary)
{
	size_t mlen, i = 0;
	char *m = slurp(mpath, &mlen), *line, *save = NULL, *tok, *s2;
	static const char kinds[] = "-ny";	/* order of the tsv summary */
	char got[64] = "";
	size_t cnt[3] = { 0, 0, 0 };
	int f;

	CHECK(name, m != NULL, "cannot read %s", mpath);
	for (line = strtok_r(m, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), i++) {
		CHECK(name, i < mcf->n, "postconf -M has more than %zu entries",
		      mcf->n);
		s2 = NULL;
		for (f = 0, tok = strtok_r(line, " \t", &s2);
		     f < PFJ_MCF_COMMAND && tok != NULL;
		     f++, tok = strtok_r(NULL, " \t", &s2))
			CHECK(name, strcmp(tok, mcf->ent[i].field[f]) == 0,
			      "entry %zu field %d: postconf \"%s\", ours \"%s\"",
			      i, f, tok, mcf->ent[i].field[f]);
		CHECK(name, f == PFJ_MCF_COMMAND, "short -M line %zu", i);
		cnt[strchr(kinds, mcf->ent[i].field[PFJ_MCF_CHROOT][0]) - kinds]++;
	}
	CHECK(name, i == mcf->n, "postconf -M has %zu entries, ours %zu", i,
	      mcf->n);
	/* Column 4 of the tsv summarises postconf -F: e.g. "-=1 n=21 y=17 ". */
	for (f = 0; f < 3; f++)
		if (cnt[f] > 0)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%c=%zu ", kinds[f], cnt[f]);
	CHECK(name, strcmp(got, summary) == 0, "chroot summary \"%s\" vs \"%s\"",
	      got, summary);
	free(m);
}

/* Check one corpus file against what postconf said about it. */
static void corpus_one(const char *dir, const char *name, const char *tsv_text,
		       size_t *nrejected)
{
	struct pfj_mcf mcf;
	struct pfj_mcf_error err;
	struct tsv_row row;
	char path[4096], *buf, *tsv = strdup(tsv_text), *at, *want;
	size_t len, i;
	unsigned line;
	int rc, expect_reject = 0;

	assert_non_null(tsv);
	CHECK(name, tsv_find(tsv, name, &row) == 0 && row.col[2] != NULL,
	      "%s", "no row in postconf-check.tsv");
	for (i = 0; i < sizeof(corpus_rejected) / sizeof(corpus_rejected[0]); i++)
		if (strncmp(name, corpus_rejected[i], 3) == 0)
			expect_reject = 1;
	CHECK(name, expect_reject == (strcmp(row.col[1], "0") != 0),
	      "postconf rc %s", row.col[1]);

	snprintf(path, sizeof(path), "%s/master.cf/%s", dir, name);
	buf = slurp(path, &len);
	CHECK(name, buf != NULL, "cannot read %s", path);
	rc = pfj_mcf_parse(buf, len, &mcf, &err);
	if (expect_reject) {
		(*nrejected)++;
		at = row.col[4] ? strstr(row.col[4], ": line ") : NULL;
		CHECK(name, at != NULL, "%s", "no line in postconf's message");
		line = (unsigned)strtoul(at + 7, &want, 10);
		want += 2;	/* ": " */
		want[strcspn(want, "\t")] = '\0';
		while (*want && want[strlen(want) - 1] == ' ')
			want[strlen(want) - 1] = '\0';
		CHECK(name, rc == -1, "accepted %zu entries", mcf.n);
		CHECK(name, err.line == line, "line %u, postconf said %u (%s)",
		      err.line, line, err.reason);
		CHECK(name, strcmp(err.reason, want) == 0,
		      "reason \"%s\", postconf said \"%s\"", err.reason, want);
	} else {
		CHECK(name, rc == 0, "rejected: line %u: %s", err.line,
		      err.reason);
		CHECK(name, mcf.n == strtoul(row.col[2], NULL, 10),
		      "%zu entries, postconf said %s", mcf.n, row.col[2]);
		check_invariants(name, buf, len, &mcf);
		snprintf(path, sizeof(path), "%s/postconf-M/%s.postconf-M.txt",
			 dir, name);
		corpus_compare_M(name, path, &mcf, row.col[3] ? row.col[3] : "");
		for (i = 0; i < mcf.n; i++)
			check_one_byte_edit(name, buf, len, &mcf, i);
		pfj_mcf_free(&mcf);
	}
	free(buf);
	free(tsv);
}

/* Name order for the corpus listing. */
static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Parse every real-world master.cf of the shared corpus and compare with
 * what postconf 3.7.11 said (postconf-check.tsv, postconf-M/). The corpus
 * lives outside the project; without PFJ_CORPUS_DIR the test is skipped.
 */
static void test_corpus(void **state)
{
	const char *dir = getenv("PFJ_CORPUS_DIR");
	char path[4096], *tsv, *names[256];
	struct dirent *de;
	size_t n = 0, i, len, nrejected = 0;
	DIR *d;

	(void)state;
	if (dir == NULL || *dir == '\0')
		skip();
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	d = opendir(path);
	if (d == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/postconf-check.tsv", dir);
	tsv = slurp(path, &len);
	if (tsv == NULL) {
		closedir(d);
		fail_msg("cannot read %s", path);
	}
	while ((de = readdir(d)) != NULL && n < 256) {
		len = strlen(de->d_name);
		if (len > 3 && strcmp(de->d_name + len - 3, ".cf") == 0) {
			names[n] = strdup(de->d_name);
			assert_non_null(names[n]);
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		corpus_one(dir, names[i], tsv, &nrejected);
	assert_int_equal(nrejected,
			 sizeof(corpus_rejected) / sizeof(corpus_rejected[0]));
	for (i = 0; i < n; i++)
		free(names[i]);
	free(tsv);
}

int main(void)
{
	size_t nok = sizeof(ok_cases) / sizeof(ok_cases[0]);
	size_t nerr = sizeof(err_cases) / sizeof(err_cases[0]);
	size_t i, n = 0;
	struct CMUnitTest *t = calloc(nok + nerr + 2, sizeof(*t));
	int rc;

	if (t == NULL)
		return 1;
	/* One cmocka test per table row so that failures name the case. */
	for (i = 0; i < nok; i++, n++) {
		t[n].name = ok_cases[i].label;
		t[n].test_func = run_ok_case;
		t[n].initial_state = (void *)&ok_cases[i];
	}
	for (i = 0; i < nerr; i++, n++) {
		t[n].name = err_cases[i].label;
		t[n].test_func = run_err_case;
		t[n].initial_state = (void *)&err_cases[i];
	}
	t[n].name = "API edge cases";
	t[n++].test_func = test_api_edges;
	t[n].name = "shared corpus agrees with postconf 3.7.11";
	t[n++].test_func = test_corpus;
	rc = _cmocka_run_group_tests("mastercf", t, n, NULL, NULL);
	free(t);
	return rc;
}
