/*
 * test_manifest.c - manifest round trip, strict parsing, lookup, hashing,
 * and a corruption loop that must never crash.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "manifest.h"

/* A manifest with every entry type and paths that need encoding. */
static void build_sample(struct pfj_manifest *m)
{
	struct pfj_mf_entry e[] = {
		{ .path = "etc", .type = PFJ_MF_DIR, .mode = 0755 },
		{ .path = "etc/localtime", .type = PFJ_MF_FILE, .mode = 0644,
		  .size = 118, .sha256 = { 0xba, 0x78, 0x16, 0xbf, 0xff, 0x00, 0x10 },
		  .source = "/usr/share/zoneinfo/Europe/Berlin",
		  .src_dev = 2049, .src_ino = 123456789012ULL, .src_size = 118,
		  .src_mtime_sec = 1700000000, .src_mtime_nsec = 5 },
		{ .path = "dir with space/a file", .type = PFJ_MF_FILE, .mode = 06755,
		  .uid = 4294967294U, .gid = 65534, .size = 18446744073709551615ULL,
		  .source = "/host/a=b c%d\n", .src_mtime_sec = -1,
		  .src_mtime_nsec = 999999999 },
		{ .path = "new\nline/%41%\xff\xfe", .type = PFJ_MF_FILE, .mode = 0,
		  .size = 0 },
		{ .path = "lib64", .type = PFJ_MF_SYMLINK, .mode = 0777,
		  .target = "usr/lib 64/../x%\n" },
		{ .path = "dev/null", .type = PFJ_MF_CHARDEV, .mode = 0666,
		  .rdev = 259 },
		{ .path = "dev", .type = PFJ_MF_DIR, .mode = 01777, .uid = 1, .gid = 2 },
	};

	*m = (struct pfj_manifest){
		.version = PFJ_MF_VERSION,
		.jail_root = strdup("/var/spool/post fix"),
		.profile = strdup("debian%12"),
		.config_dir = strdup("/etc/postfix"),
		.created = 1732540000,
	};
	assert_non_null(m->jail_root);
	assert_int_equal(pfj_strv_add(&m->chroot, "smtp/inet=y"), 0);
	assert_int_equal(pfj_strv_add(&m->chroot, "local/unix=n"), 0);
	assert_int_equal(pfj_strv_add(&m->chroot, "my svc/unix=-"), 0);
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		assert_int_equal(pfj_manifest_add(m, &e[i]), 0);
	assert_int_equal(pfj_manifest_sort(m), 0);
}

/* str_eq - both NULL or equal */
static void assert_str_same(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void test_round_trip(void **state)
{
	struct pfj_manifest m, p;
	struct pfj_buf b = { 0 }, b2 = { 0 };
	struct pfj_parse_error err;

	(void)state;
	build_sample(&m);
	assert_int_equal(pfj_manifest_format(&m, &b), 0);
	if (pfj_manifest_parse(b.data, b.len, &p, &err) != 0)
		fail_msg("line %u: %s\n%s", err.line, err.reason, b.data);
	assert_int_equal(p.version, 1);
	assert_string_equal(p.jail_root, m.jail_root);
	assert_string_equal(p.profile, m.profile);
	assert_string_equal(p.config_dir, m.config_dir);
	assert_int_equal(p.created, m.created);
	assert_int_equal(p.chroot.n, 3);
	assert_string_equal(p.chroot.v[2], "my svc/unix=-");
	assert_int_equal(p.n, m.n);
	for (size_t i = 0; i < m.n; i++) {
		const struct pfj_mf_entry *x = &m.ent[i], *y = &p.ent[i];

		assert_string_equal(x->path, y->path);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->uid, y->uid);
		assert_int_equal(x->gid, y->gid);
		assert_str_same(x->target, y->target);
		assert_str_same(x->source, y->source);
		if (x->type == PFJ_MF_FILE) {
			assert_true(x->size == y->size);
			assert_memory_equal(x->sha256, y->sha256, 32);
		}
		if (x->type == PFJ_MF_CHARDEV)
			assert_true(x->rdev == y->rdev);
		if (x->source) {
			assert_true(x->src_dev == y->src_dev);
			assert_true(x->src_ino == y->src_ino);
			assert_true(x->src_size == y->src_size);
			assert_true(x->src_mtime_sec == y->src_mtime_sec);
			assert_int_equal(x->src_mtime_nsec, y->src_mtime_nsec);
		}
	}
	/* canonical: formatting the parsed copy gives the same bytes */
	assert_int_equal(pfj_manifest_format(&p, &b2), 0);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	/* the text is line-safe: one line per record */
	assert_null(memchr(b.data, '\t', b.len));
	assert_non_null(strstr(b.data, "path=new%0Aline/%2541%25%FF%FE "));
	pfj_buf_free(&b);
	pfj_buf_free(&b2);
	pfj_manifest_free(&p);
	pfj_manifest_free(&m);
}

static void test_find(void **state)
{
	struct pfj_manifest m;
	const struct pfj_mf_entry *e;

	(void)state;
	build_sample(&m);
	e = pfj_manifest_find(&m, "dev/null");
	assert_non_null(e);
	assert_int_equal(e->type, PFJ_MF_CHARDEV);
	assert_non_null(pfj_manifest_find(&m, "etc"));
	assert_non_null(pfj_manifest_find(&m, "new\nline/%41%\xff\xfe"));
	assert_null(pfj_manifest_find(&m, "etc/"));
	assert_null(pfj_manifest_find(&m, "nope"));
	assert_null(pfj_manifest_find(&m, ""));
	pfj_manifest_free(&m);
	assert_null(pfj_manifest_find(&m, "etc"));
}

static void test_add_sort_format_errors(void **state)
{
	struct pfj_manifest m = { 0 };
	struct pfj_mf_entry e = { .path = "a", .type = PFJ_MF_DIR, .mode = 0755 };
	struct pfj_buf b = { 0 };
	static const char *const bad_paths[] = {
		"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "./a",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		e.path = (char *)bad_paths[i];
		assert_int_equal(pfj_manifest_add(&m, &e), -EINVAL);
	}
	e.path = "a";
	e.mode = 010000;
	assert_int_equal(pfj_manifest_add(&m, &e), -EINVAL);
	e.mode = 0755;
	e.type = 'x';
	assert_int_equal(pfj_manifest_add(&m, &e), -EINVAL);
	e.type = PFJ_MF_SYMLINK;
	assert_int_equal(pfj_manifest_add(&m, &e), -EINVAL);	/* no target */
	e.type = PFJ_MF_DIR;
	assert_int_equal(pfj_manifest_add(&m, &e), 0);
	assert_int_equal(pfj_manifest_add(&m, &e), 0);
	/* format needs the header, then a sorted, duplicate-free list */
	assert_int_equal(pfj_manifest_format(&m, &b), -EINVAL);
	m.jail_root = strdup("/q");
	m.profile = strdup("p");
	m.config_dir = strdup("/etc/postfix");
	assert_int_equal(pfj_manifest_format(&m, &b), -EINVAL);
	assert_int_equal(pfj_manifest_sort(&m), -EEXIST);
	free(m.ent[1].path);
	m.ent[1].path = strdup("0");
	assert_int_equal(pfj_manifest_format(&m, &b), -EINVAL);	/* unsorted */
	assert_int_equal(pfj_manifest_sort(&m), 0);
	assert_string_equal(m.ent[0].path, "0");
	assert_int_equal(pfj_strv_add(&m.chroot, "smtp=y"), 0);
	assert_int_equal(pfj_manifest_format(&m, &b), -EINVAL);	/* bad chroot */
	pfj_strv_free(&m.chroot);
	assert_int_equal(pfj_manifest_format(&m, &b), 0);
	assert_string_equal(b.data,
		"pfjail-manifest 1\nroot /q\nprofile p\nconfig_dir /etc/postfix\n"
		"created 0\nd path=0 mode=0755 uid=0 gid=0\n"
		"d path=a mode=0755 uid=0 gid=0\nend 2\n");
	pfj_buf_free(&b);
	pfj_manifest_free(&m);
}

#define HDR "pfjail-manifest 1\nroot /var/spool/postfix\nprofile debian\n" \
	    "config_dir /etc/postfix\ncreated 1700000000\n"
#define SHA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define F1 "f path=a mode=0644 uid=0 gid=0 size=3 sha256=" SHA "\n"

struct err_case {
	const char *label;
	const char *text;
	unsigned line;
	const char *has;
};

static const struct err_case err_cases[] = {
	{ "empty", "", 1, "empty" },
	{ "not a manifest", "hello\n", 1, "not a pfjail manifest" },
	{ "wrong version", "pfjail-manifest 2\n", 1, "version" },
	{ "version 10", "pfjail-manifest 10\n", 1, "version" },
	{ "missing newline", "pfjail-manifest 1", 1, "newline" },
	{ "truncated last line", HDR "d path=a mode=0755 uid=0 gid=0", 6, "newline" },
	{ "missing end", HDR F1, 7, "missing end" },
	{ "end count", HDR F1 "end 2\n", 7, "end says" },
	{ "end bad number", HDR "end 01\n", 6, "bad number" },
	{ "data after end", HDR "end 0\nx\n", 7, "after end" },
	{ "missing root", "pfjail-manifest 1\nprofile p\nconfig_dir /c\ncreated 1\nend 0\n", 5, "missing root" },
	{ "missing created before entry", "pfjail-manifest 1\nroot /r\nprofile p\nconfig_dir /c\n" F1, 5, "missing created" },
	{ "duplicate header", HDR "profile x\n", 6, "duplicate profile" },
	{ "header after entries", HDR F1 "chroot smtp/inet=y\n", 7, "after entries" },
	{ "root not absolute", "pfjail-manifest 1\nroot var\n", 2, "absolute" },
	{ "bad created", "pfjail-manifest 1\ncreated 12x\n", 2, "bad number" },
	{ "bad chroot", HDR "chroot smtp/inet=x\n", 6, "chroot" },
	{ "unknown record type", HDR "x path=a\n", 6, "unknown record" },
	{ "blank line", HDR "\n", 6, "unknown record" },
	{ "type without space", HDR "dpath=a\n", 6, "unknown record" },
	{ "unknown key", HDR "d path=a mode=0755 uid=0 gid=0 color=red\n", 6, "unknown key" },
	{ "key not for type", HDR "d path=a mode=0755 uid=0 gid=0 size=1\n", 6, "not valid for type" },
	{ "duplicate key", HDR "d path=a path=b mode=0755 uid=0 gid=0\n", 6, "duplicate key" },
	{ "missing key", HDR "f path=a mode=0644 uid=0 gid=0 size=3\n", 6, "missing key sha256" },
	{ "missing target", HDR "l path=a mode=0777 uid=0 gid=0\n", 6, "missing key target" },
	{ "missing rdev", HDR "c path=a mode=0666 uid=0 gid=0\n", 6, "missing key rdev" },
	{ "missing path", HDR "d mode=0755 uid=0 gid=0\n", 6, "missing key path" },
	{ "field without =", HDR "d path=a mode=0755 uid=0 gid\n", 6, "without '='" },
	{ "double space", HDR "d path=a  mode=0755 uid=0 gid=0\n", 6, "empty field" },
	{ "trailing space", HDR "d path=a mode=0755 uid=0 gid=0 \n", 6, "empty field" },
	{ "mode not octal", HDR "d path=a mode=0855 uid=0 gid=0\n", 6, "bad number in mode" },
	{ "mode 3 digits", HDR "d path=a mode=755 uid=0 gid=0\n", 6, "bad number in mode" },
	{ "uid overflow", HDR "d path=a mode=0755 uid=4294967296 gid=0\n", 6, "bad number in uid" },
	{ "uid negative", HDR "d path=a mode=0755 uid=-1 gid=0\n", 6, "bad number in uid" },
	{ "gid leading zero", HDR "d path=a mode=0755 uid=0 gid=00\n", 6, "bad number in gid" },
	{ "size overflow", HDR "f path=a mode=0644 uid=0 gid=0 size=18446744073709551616 sha256=" SHA "\n", 6, "bad number in size" },
	{ "rdev empty", HDR "c path=a mode=0644 uid=0 gid=0 rdev=\n", 6, "bad number in rdev" },
	{ "sha256 short", HDR "f path=a mode=0644 uid=0 gid=0 size=3 sha256=ba78\n", 6, "bad hex" },
	{ "sha256 upper", HDR "f path=a mode=0644 uid=0 gid=0 size=3 sha256=BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", 6, "bad hex" },
	{ "sha256 not hex", HDR "f path=a mode=0644 uid=0 gid=0 size=3 sha256=zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", 6, "bad hex" },
	{ "bad percent", HDR "d path=a%2 mode=0755 uid=0 gid=0\n", 6, "bad encoding" },
	{ "lower-case percent", HDR "d path=a%2f mode=0755 uid=0 gid=0\n", 6, "bad encoding" },
	{ "percent NUL", HDR "d path=a%00 mode=0755 uid=0 gid=0\n", 6, "bad encoding" },
	{ "raw unsafe byte", HDR "d path=a\xff mode=0755 uid=0 gid=0\n", 6, "bad encoding" },
	{ "raw = in path", HDR "d path=a=b mode=0755 uid=0 gid=0\n", 6, "bad encoding" },
	{ "absolute path", HDR "d path=/a mode=0755 uid=0 gid=0\n", 6, "not normalized" },
	{ "dotdot path", HDR "d path=a/.. mode=0755 uid=0 gid=0\n", 6, "not normalized" },
	{ "encoded dotdot", HDR "d path=a/%2E%2E mode=0755 uid=0 gid=0\n", 6, "not normalized" },
	{ "empty path", HDR "d path= mode=0755 uid=0 gid=0\n", 6, "not normalized" },
	{ "trailing slash", HDR "d path=a/ mode=0755 uid=0 gid=0\n", 6, "not normalized" },
	{ "empty target", HDR "l path=a mode=0777 uid=0 gid=0 target=\n", 6, "empty target" },
	{ "duplicate path", HDR "d path=a mode=0755 uid=0 gid=0\nd path=a mode=0755 uid=0 gid=0\n", 7, "duplicate path" },
	{ "unsorted", HDR "d path=b mode=0755 uid=0 gid=0\nd path=a mode=0755 uid=0 gid=0\n", 7, "not sorted" },
	{ "source without src", HDR "d path=a mode=0755 uid=0 gid=0 source=/a\n", 6, "together" },
	{ "src without source", HDR "d path=a mode=0755 uid=0 gid=0 src=1:2:3:4.000000000\n", 6, "together" },
	{ "src short nsec", HDR "d path=a mode=0755 uid=0 gid=0 source=/a src=1:2:3:4.5\n", 6, "bad src" },
	{ "src missing part", HDR "d path=a mode=0755 uid=0 gid=0 source=/a src=1:2:4.000000000\n", 6, "bad src" },
	{ "src -0", HDR "d path=a mode=0755 uid=0 gid=0 source=/a src=1:2:3:-0.000000000\n", 6, "bad src" },
	{ "NUL byte", HDR "d path=a mode=0755 uid=0 gid=0\0\n", 6, "NUL" },
};

static void test_err_case(void **state)
{
	const struct err_case *tc = *state;
	struct pfj_manifest m;
	struct pfj_parse_error err;
	size_t len = strlen(tc->text);

	if (strcmp(tc->label, "NUL byte") == 0)
		len += 2;
	assert_int_equal(pfj_manifest_parse(tc->text, len, &m, &err), -1);
	if (err.line != tc->line || !strstr(err.reason, tc->has))
		fail_msg("want line %u \"%s\", got line %u \"%s\"", tc->line,
			 tc->has, err.line, err.reason);
	assert_null(m.ent);
	assert_null(m.jail_root);
	assert_int_equal(m.chroot.n, 0);
}

static void test_minimal_ok(void **state)
{
	static const char text[] = HDR "chroot smtp/inet=y\n" F1
		"l path=b mode=0777 uid=0 gid=0 target=a source=/x src=1:2:3:-4.000000001\nend 2\n";
	struct pfj_manifest m;
	struct pfj_parse_error err;

	(void)state;
	assert_int_equal(pfj_manifest_parse(text, sizeof(text) - 1, &m, &err), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.ent[1].src_mtime_sec, -4);
	assert_int_equal(m.ent[1].src_mtime_nsec, 1);
	assert_int_equal(m.ent[0].sha256[0], 0xba);
	pfj_manifest_free(&m);
	/* err may be NULL */
	assert_int_equal(pfj_manifest_parse(text, 5, &m, NULL), -1);
}

/* hash_string - SHA-256 of s written to a temporary file */
static void hash_string(const char *s, char hex[65], unsigned long long *size)
{
	char path[] = "/tmp/test_manifest.XXXXXX";
	unsigned char md[32];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(pfj_sha256_fd(fd, md, size), 0);
	close(fd);
	pfj_sha256_hex(md, hex);
}

static void test_sha256(void **state)
{
	unsigned long long size = 99;
	unsigned char md[32];
	char hex[65];

	(void)state;
	hash_string("abc", hex, &size);
	assert_string_equal(hex, SHA);
	assert_true(size == 3);
	hash_string("", hex, &size);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_true(size == 0);
	assert_int_equal(pfj_sha256_fd(-1, md, &size), -EBADF);
}

/* parse_any - parse and check the result is clean either way */
static void parse_any(const char *buf, size_t len)
{
	struct pfj_manifest m;
	struct pfj_parse_error err;

	if (pfj_manifest_parse(buf, len, &m, &err) == 0) {
		pfj_manifest_free(&m);
		return;
	}
	assert_true(err.line > 0);
	assert_true(err.reason[0] != '\0');
	assert_non_null(memchr(err.reason, '\0', sizeof(err.reason)));
	assert_null(m.ent);
	assert_int_equal(m.n, 0);
}

static void test_corruption(void **state)
{
	static const unsigned char flips[] = { 0x01, 0x20, 0x80, 0xff };
	struct pfj_manifest m;
	struct pfj_buf b = { 0 };
	char *copy;

	(void)state;
	build_sample(&m);
	assert_int_equal(pfj_manifest_format(&m, &b), 0);
	pfj_manifest_free(&m);
	/* a heap copy of exactly len bytes, so ASan sees any over-read */
	for (size_t len = 0; len < b.len; len++) {
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, b.data, len);
		parse_any(copy, len);
		free(copy);
	}
	copy = malloc(b.len);
	assert_non_null(copy);
	for (size_t i = 0; i < b.len; i++)
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(copy, b.data, b.len);
			copy[i] = (char)(copy[i] ^ flips[f]);
			parse_any(copy, b.len);
		}
	free(copy);
	pfj_buf_free(&b);
}

int main(void)
{
	enum { NE = sizeof(err_cases) / sizeof(err_cases[0]) };
	struct CMUnitTest tests[NE + 6];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_round_trip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_find);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_add_sort_format_errors);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_minimal_ok);
	for (size_t i = 0; i < NE; i++)
		tests[n++] = (struct CMUnitTest){
			.name = err_cases[i].label,
			.test_func = test_err_case,
			.initial_state = (void *)&err_cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sha256);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_corruption);
	return _cmocka_run_group_tests("manifest", tests, n, NULL, NULL);
}
