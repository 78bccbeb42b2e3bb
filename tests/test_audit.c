/*
 * test_audit.c - the worker's report format: what the privileged parent
 * accepts, and everything it must refuse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "audit.h"
#include "verify.h"

static int collect(const struct pfj_finding *f, void *arg)
{
	int *n = arg;

	(void)f;
	(*n)++;
	return 0;
}

/* feed - write bytes into a pipe and let the parent-side reader judge them */
static int feed(const unsigned char *buf, size_t len, int *count)
{
	struct findings_sink sink = { .add = collect, .arg = count };
	int p[2], r;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], buf, len), (ssize_t)len);
	close(p[1]);
	r = pfj_verify_read_findings(p[0], &sink);
	close(p[0]);
	return r;
}

static size_t good_record(unsigned char *buf, size_t size, int cls, const char *path)
{
	struct pfj_finding f = { .cls = cls };
	int n;

	snprintf(f.path, sizeof(f.path), "%s", path);
	snprintf(f.expected, sizeof(f.expected), "0644");
	snprintf(f.actual, sizeof(f.actual), "0666");
	n = pfj_finding_encode(&f, buf, size);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_round_trip(void **state)
{
	unsigned char buf[4096];
	struct pfj_finding g;
	size_t n = good_record(buf, sizeof(buf), PFJ_F_MODE, "etc/hosts");

	(void)state;
	assert_int_equal(pfj_finding_decode(buf, n, &g), (int)n);
	assert_int_equal(g.cls, PFJ_F_MODE);
	assert_string_equal(g.path, "etc/hosts");
	assert_string_equal(g.expected, "0644");
	assert_string_equal(g.actual, "0666");
	/* every shorter prefix is "incomplete", never a bogus record */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(pfj_finding_decode(buf, k, &g), 0);
	assert_string_equal(pfj_finding_name(PFJ_F_FILECAP), "file-capabilities");
	assert_string_equal(pfj_finding_name(99), "unknown");
}

struct bad_case {
	const char *label;
	void (*mutate)(unsigned char *buf, size_t *len);
};

static void bad_magic(unsigned char *b, size_t *l) { (void)l; b[0] = 'X'; }
static void bad_class(unsigned char *b, size_t *l) { (void)l; b[1] = PFJ_F_NCLASSES; }
static void huge_path(unsigned char *b, size_t *l) { (void)l; b[2] = 0xff; b[3] = 0xff; }
static void nul_inside(unsigned char *b, size_t *l) { (void)l; b[5] = '\0'; }
static void truncated(unsigned char *b, size_t *l) { (void)b; *l -= 3; }
static void trailing(unsigned char *b, size_t *l) { b[(*l)++] = 'E'; b[(*l)++] = 'E'; }
static void no_end(unsigned char *b, size_t *l) { (void)b; (*l)--; }
static void only_garbage(unsigned char *b, size_t *l) { memcpy(b, "hello world\n", 12); *l = 12; }

static const struct bad_case bad[] = {
	{ "bad magic", bad_magic },
	{ "class out of range", bad_class },
	{ "length over the limit", huge_path },
	{ "NUL inside a string", nul_inside },
	{ "record cut short", truncated },
	{ "bytes after the end marker", trailing },
	{ "no end marker (worker died)", no_end },
	{ "plain garbage", only_garbage },
};

/* A well-formed report is accepted; each malformation refuses the whole report. */
static void test_reader(void **state)
{
	unsigned char buf[8192];
	size_t n;
	int count = 0;

	(void)state;
	n = good_record(buf, sizeof(buf), PFJ_F_MISSING, "etc/hosts");
	n += good_record(buf + n, sizeof(buf) - n, PFJ_F_CONTENT, "etc/services");
	buf[n++] = 'E';
	assert_int_equal(feed(buf, n, &count), 0);
	assert_int_equal(count, 2);
	count = 0;
	assert_int_equal(feed((const unsigned char *)"E", 1, &count), 0);	/* clean */
	assert_int_equal(count, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case: %s\n", bad[i].label);
		n = good_record(buf, sizeof(buf), PFJ_F_MODE, "etc/hosts");
		buf[n++] = 'E';
		bad[i].mutate(buf, &n);
		count = 0;
		assert_int_equal(feed(buf, n, &count), -1);
	}
	count = 0;
	assert_int_equal(feed(buf, 0, &count), -1);	/* nothing at all */
}

/* mountinfo's escapes: only a full \ooo up to \377 is a byte */
static void test_unescape_mountinfo(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/var/spool/post\\040fix", "/var/spool/post fix" },
		{ "/a\\134b\\011c\\012", "/a\\b\tc\n" },
		{ "/plain", "/plain" },
		/* the kernel never writes these; they are copied, never shifted */
		{ "\\0\xff" "a", "\\0\xff" "a" },
		{ "\\08x", "\\08x" },
		{ "\\7777", "\\7777" },
		{ "end\\", "end\\" },
		{ "end\\01", "end\\01" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		pfj_unescape_mountinfo(buf);
		assert_string_equal(buf, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_unescape_mountinfo),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
