/*
 * test_elfdeps.c - ELF dynamic sections, ld.so.conf, search paths and the
 * DT_NEEDED closure, on hand-made images, fake ROOTs and the host.
 *
 * Self-contained (no testutil.c) so it also builds standalone; host cases
 * skip() when the object they look at is absent. Run under ASan: the
 * truncation cases give the parser exact-size heap buffers.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfdeps.h"
#include "testutil.h"

#ifdef __x86_64__
#define HOST_LIBDIR	"/lib/x86_64-linux-gnu"
#define HOST_LDSO	"ld-linux-x86-64.so.2"
#endif

/* ---- helpers ---------------------------------------------------------- */


/* Create dir and its parents (like mkdir -p). */
static void mkdirs(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

/* Write root/rel with the given bytes, creating parent directories. */
static void put_file(const char *root, const char *rel, const void *data,
		     size_t len)
{
	char path[1024], *sl;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	sl = strrchr(path, '/');
	*sl = '\0';
	mkdirs(path);
	*sl = '/';
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Write a text file below root. */
static void put_text(const char *root, const char *rel, const char *text)
{
	put_file(root, rel, text, strlen(text));
}

/* Create the symlink root/rel -> target, creating parent directories. */
static void put_link(const char *root, const char *rel, const char *target)
{
	char path[1024], *sl;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	sl = strrchr(path, '/');
	*sl = '\0';
	mkdirs(path);
	*sl = '/';
	assert_int_equal(symlink(target, path), 0);
}

/* Copy a host file to root/rel; false if the host file is absent. */
static int copy_in(const char *src, const char *root, const char *rel)
{
	struct pfj_buf b = { 0 };

	if (pfj_read_file(src, PFJ_ELF_MAX_SIZE, &b) < 0)
		return 0;
	put_file(root, rel, b.data, b.len);
	pfj_buf_free(&b);
	return 1;
}

/* nftw callback: remove one entry. */
static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A fresh temp dir per test, as *state (a malloc'ed path). */
static int tmp_setup(void **state)
{
	char *d = strdup("/tmp/pfj-elfdeps.XXXXXX");

	if (!d || !mkdtemp(d))
		return -1;
	*state = d;
	return 0;
}

/* Remove the temp dir of tmp_setup(). */
static int tmp_teardown(void **state)
{
	char *d = *state;

	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
	return 0;
}

/* Read a host file into b, or skip the test if it is absent. */
static void read_or_skip(const char *path, struct pfj_buf *b)
{
	if (pfj_read_file(path, PFJ_ELF_MAX_SIZE, b) < 0)
		skip();
}

/* ---- hand-made ELF images -------------------------------------------- */

/* How a hand-made image is damaged. */
enum elf_mut {
	MUT_NONE,
	MUT_NO_DYNAMIC,		/* PT_DYNAMIC turned into PT_NOTE */
	MUT_STRTAB_UNMAPPED,	/* DT_STRTAB outside every PT_LOAD */
	MUT_STROFF_RANGE,	/* a DT_NEEDED offset past DT_STRSZ */
	MUT_UNTERMINATED,	/* DT_STRSZ cuts the last string's NUL */
	MUT_BAD_MAGIC,
	MUT_CLASS_NONE,		/* EI_CLASS = ELFCLASSNONE */
	MUT_CLASS_BOGUS,	/* EI_CLASS = 7 */
	MUT_DATA_BOGUS,		/* EI_DATA = 9 */
	MUT_CLASS_SWAP,		/* EI_CLASS says the other class */
	MUT_DYN_OOB,		/* PT_DYNAMIC extends past the file */
	MUT_PHDR_OOB,		/* e_phoff past the file */
	MUT_LOAD_OOB,		/* the PT_LOAD holding the strtab extends past the file */
	MUT_STRSZ_OOB,		/* DT_STRSZ past the segment */
};

/* What to put in a hand-made image. */
struct elf_spec {
	int c64;
	int be;
	int machine;
	const char *soname;
	const char *runpath;
	const char *needed[4];
	enum elf_mut mut;
};

/* Store an n-byte integer at p in the given byte order. */
static void put_n(unsigned char *p, uint64_t v, size_t n, int be)
{
	for (size_t i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

#define VBASE	0x400000u

/*
 * Build a minimal ELF: header, PT_LOAD covering the whole file, PT_DYNAMIC,
 * .dynstr, .dynamic. Returns its length; buf must hold 4096 bytes.
 */
static size_t build_elf(const struct elf_spec *s, unsigned char *buf)
{
	size_t ehsz = s->c64 ? 64 : 52, phsz = s->c64 ? 56 : 32;
	size_t dynsz = s->c64 ? 16 : 8, w = s->c64 ? 8 : 4;
	size_t stroff = ehsz + 2 * phsz, strsz = 1, dynoff, ndyn = 0, len;
	size_t off_soname = 0, off_runpath = 0, off_needed[4] = { 0 }, last = 0;
	unsigned char *ph, *d;
	int be = s->be;

	memset(buf, 0, 4096);
	/* .dynstr */
	for (int i = 0; i < 4 && s->needed[i]; i++) {
		off_needed[i] = strsz;
		strcpy((char *)buf + stroff + strsz, s->needed[i]);
		last = strsz;
		strsz += strlen(s->needed[i]) + 1;
	}
	if (s->soname) {
		off_soname = strsz;
		strcpy((char *)buf + stroff + strsz, s->soname);
		last = strsz;
		strsz += strlen(s->soname) + 1;
	}
	if (s->runpath) {
		off_runpath = strsz;
		strcpy((char *)buf + stroff + strsz, s->runpath);
		last = strsz;
		strsz += strlen(s->runpath) + 1;
	}
	(void)last;
	dynoff = (stroff + strsz + 7) & ~(size_t)7;
	/* .dynamic */
#define DYN(tag, val) do {						\
		d = buf + dynoff + ndyn++ * dynsz;			\
		put_n(d, (uint64_t)(tag), w, be);			\
		put_n(d + w, (uint64_t)(val), w, be);			\
	} while (0)
	for (int i = 0; i < 4 && s->needed[i]; i++)
		DYN(DT_NEEDED, s->mut == MUT_STROFF_RANGE && i == 0
			       ? strsz + 5 : off_needed[i]);
	if (s->soname)
		DYN(DT_SONAME, off_soname);
	if (s->runpath)
		DYN(DT_RUNPATH, off_runpath);
	DYN(DT_STRTAB, s->mut == MUT_STRTAB_UNMAPPED ? 0x900000u : VBASE + stroff);
	DYN(DT_STRSZ, s->mut == MUT_UNTERMINATED ? strsz - 1
		      : s->mut == MUT_STRSZ_OOB ? 100000 : strsz);
	DYN(DT_NULL, 0);
#undef DYN
	len = dynoff + ndyn * dynsz;

	/* header */
	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = s->c64 ? ELFCLASS64 : ELFCLASS32;
	buf[EI_DATA] = be ? ELFDATA2MSB : ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	put_n(buf + 16, ET_DYN, 2, be);
	put_n(buf + 18, (uint64_t)s->machine, 2, be);
	put_n(buf + 20, EV_CURRENT, 4, be);
	if (s->c64) {
		put_n(buf + 32, s->mut == MUT_PHDR_OOB ? 5000 : ehsz, 8, be);
		put_n(buf + 52, ehsz, 2, be);
		put_n(buf + 54, phsz, 2, be);
		put_n(buf + 56, 2, 2, be);
	} else {
		put_n(buf + 28, s->mut == MUT_PHDR_OOB ? 5000 : ehsz, 4, be);
		put_n(buf + 40, ehsz, 2, be);
		put_n(buf + 42, phsz, 2, be);
		put_n(buf + 44, 2, 2, be);
	}
	/* PT_LOAD, then PT_DYNAMIC */
	for (int i = 0; i < 2; i++) {
		uint64_t type = i ? (s->mut == MUT_NO_DYNAMIC ? PT_NOTE : PT_DYNAMIC)
				  : PT_LOAD;
		uint64_t off = i ? dynoff : 0;
		uint64_t fsz = i ? ndyn * dynsz : len;

		if (i && s->mut == MUT_DYN_OOB)
			fsz = 100000;
		if (!i && s->mut == MUT_LOAD_OOB)
			fsz = len + 1;
		ph = buf + ehsz + (size_t)i * phsz;
		put_n(ph, type, 4, be);
		if (s->c64) {
			put_n(ph + 8, off, 8, be);
			put_n(ph + 16, VBASE + off, 8, be);
			put_n(ph + 24, VBASE + off, 8, be);
			put_n(ph + 32, fsz, 8, be);
			put_n(ph + 40, fsz, 8, be);
		} else {
			put_n(ph + 4, off, 4, be);
			put_n(ph + 8, VBASE + off, 4, be);
			put_n(ph + 12, VBASE + off, 4, be);
			put_n(ph + 16, fsz, 4, be);
			put_n(ph + 20, fsz, 4, be);
		}
	}
	if (s->mut == MUT_BAD_MAGIC)
		buf[1] = 'L';
	if (s->mut == MUT_CLASS_NONE)
		buf[EI_CLASS] = ELFCLASSNONE;
	if (s->mut == MUT_CLASS_BOGUS)
		buf[EI_CLASS] = 7;
	if (s->mut == MUT_CLASS_SWAP)
		buf[EI_CLASS] = s->c64 ? ELFCLASS32 : ELFCLASS64;
	if (s->mut == MUT_DATA_BOGUS)
		buf[EI_DATA] = 9;
	return len;
}

/* Parse len bytes of img from an exact-size heap copy (so ASan sees overreads). */
static int parse_exact(const unsigned char *img, size_t len,
		       struct pfj_elf_info *info, char *why, size_t why_size)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, img, len);
	r = pfj_elf_read(copy, len, info, why, why_size);
	free(copy);
	return r;
}

/* A hand-made image case: its layout, damage and the expected outcome. */
struct elf_case {
	const char *label;
	int c64, be;
	enum elf_mut mut;
	int ok;			/* 1: 0 expected, 0: -1 expected, 2: either */
	const char *why_part;	/* substring of the reason, for errors */
};

static const struct elf_case elf_cases[] = {
	{ "elf64le normal", 1, 0, MUT_NONE, 1, NULL },
	{ "elf64be normal", 1, 1, MUT_NONE, 1, NULL },
	{ "elf32le normal", 0, 0, MUT_NONE, 1, NULL },
	{ "elf32be normal", 0, 1, MUT_NONE, 1, NULL },
	{ "elf64le no PT_DYNAMIC", 1, 0, MUT_NO_DYNAMIC, 1, NULL },
	{ "elf32be no PT_DYNAMIC", 0, 1, MUT_NO_DYNAMIC, 1, NULL },
	{ "elf64le strtab unmapped", 1, 0, MUT_STRTAB_UNMAPPED, 0, "PT_LOAD" },
	{ "elf32be strtab unmapped", 0, 1, MUT_STRTAB_UNMAPPED, 0, "PT_LOAD" },
	{ "elf64be string offset range", 1, 1, MUT_STROFF_RANGE, 0, "out of range" },
	{ "elf32le string offset range", 0, 0, MUT_STROFF_RANGE, 0, "out of range" },
	{ "elf64le unterminated", 1, 0, MUT_UNTERMINATED, 0, "unterminated" },
	{ "elf32be unterminated", 0, 1, MUT_UNTERMINATED, 0, "unterminated" },
	{ "elf64le bad magic", 1, 0, MUT_BAD_MAGIC, 0, "magic" },
	{ "elf64le class none", 1, 0, MUT_CLASS_NONE, 0, "class" },
	{ "elf32le class bogus", 0, 0, MUT_CLASS_BOGUS, 0, "class" },
	{ "elf64be data bogus", 1, 1, MUT_DATA_BOGUS, 0, "byte order" },
	{ "elf64le dynamic out of bounds", 1, 0, MUT_DYN_OOB, 0, "dynamic" },
	{ "elf32be dynamic out of bounds", 0, 1, MUT_DYN_OOB, 0, "dynamic" },
	{ "elf64be phdrs out of bounds", 1, 1, MUT_PHDR_OOB, 0, "program headers" },
	{ "elf32le phdrs out of bounds", 0, 0, MUT_PHDR_OOB, 0, "program headers" },
	{ "elf64le PT_LOAD out of bounds", 1, 0, MUT_LOAD_OOB, 0, "PT_LOAD" },
	{ "elf32le DT_STRSZ out of bounds", 0, 0, MUT_STRSZ_OOB, 0, "DT_STRSZ" },
	{ "elf64le claims class 32", 1, 0, MUT_CLASS_SWAP, 2, NULL },
	{ "elf64be claims class 32", 1, 1, MUT_CLASS_SWAP, 2, NULL },
	{ "elf32le claims class 64", 0, 0, MUT_CLASS_SWAP, 2, NULL },
	{ "elf32be claims class 64", 0, 1, MUT_CLASS_SWAP, 2, NULL },
};

/* One hand-made image: parse it and compare with the expectation. */
static void test_elf_case(void **state)
{
	const struct elf_case *tc = *state;
	struct elf_spec s = {
		.c64 = tc->c64, .be = tc->be, .machine = EM_S390,
		.soname = "libself.so.2", .runpath = "$ORIGIN/../lib",
		.needed = { "libfoo.so.1", "libc.so.6" }, .mut = tc->mut,
	};
	unsigned char img[4096];
	struct pfj_elf_info info;
	char why[256] = "";
	size_t len = build_elf(&s, img);
	int r = parse_exact(img, len, &info, why, sizeof(why));

	if (tc->ok == 2) {	/* garbage in: any answer, but in bounds */
		assert_true(r == 0 || r == -1);
		if (r == 0)
			pfj_elf_info_free(&info);
		return;
	}
	if (!tc->ok) {
		assert_int_equal(r, -1);
		assert_non_null(strstr(why, tc->why_part));
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(info.elf_class, tc->c64 ? ELFCLASS64 : ELFCLASS32);
	assert_int_equal(info.machine, EM_S390);
	if (tc->mut == MUT_NO_DYNAMIC) {
		assert_null(info.soname);
		assert_null(info.runpath);
		assert_int_equal(info.needed.n, 0);
	} else {
		assert_string_equal(info.soname, "libself.so.2");
		assert_string_equal(info.runpath, "$ORIGIN/../lib");
		assert_null(info.rpath);
		assert_string_equal(tu_join(&info.needed, "|"), "libfoo.so.1|libc.so.6");
	}
	pfj_elf_info_free(&info);
}

/* Every prefix of a valid image parses to 0 or -1, never out of bounds. */
static void test_elf_truncated(void **state)
{
	(void)state;
	for (int v = 0; v < 4; v++) {
		struct elf_spec s = {
			.c64 = v & 1, .be = v >> 1, .machine = EM_X86_64,
			.soname = "libt.so.1", .runpath = "/x",
			.needed = { "liba.so.1", "libb.so.2", "libc.so.6" },
		};
		unsigned char img[4096];
		size_t len = build_elf(&s, img);

		for (size_t n = 0; n < len; n++) {
			struct pfj_elf_info info;
			char why[256];
			int r = parse_exact(img, n, &info, why, sizeof(why));

			assert_true(r == 0 || r == -1);
			if (r == 0)
				pfj_elf_info_free(&info);
			else
				assert_true(why[0] != '\0');
		}
	}
}

/* Every single-byte corruption of a valid image parses to 0 or -1, in bounds. */
static void test_elf_corrupted(void **state)
{
	static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };

	(void)state;
	for (int v = 0; v < 4; v++) {
		struct elf_spec s = {
			.c64 = v & 1, .be = v >> 1, .machine = EM_PPC64,
			.soname = "libt.so.1", .runpath = "$ORIGIN",
			.needed = { "liba.so.1", "libc.so.6" },
		};
		unsigned char img[4096], bad[4096];
		size_t len = build_elf(&s, img);

		for (size_t off = 0; off < len; off++)
			for (size_t k = 0; k < sizeof(vals); k++) {
				struct pfj_elf_info info;
				char why[256];
				int r;

				memcpy(bad, img, len);
				bad[off] = vals[k];
				r = parse_exact(bad, len, &info, why, sizeof(why));
				assert_true(r == 0 || r == -1);
				if (r == 0)
					pfj_elf_info_free(&info);
			}
	}
}

/* NULL why and a zero-length buffer are handled. */
static void test_elf_edge(void **state)
{
	struct pfj_elf_info info;
	char why[8];

	(void)state;
	assert_int_equal(pfj_elf_read("", 0, &info, NULL, 0), -1);
	assert_int_equal(pfj_elf_read("\177ELF", 4, &info, why, sizeof(why)), -1);
	assert_true(strlen(why) < sizeof(why));
}

/* ---- real host objects ------------------------------------------------ */

/* libc.so.6 names itself. */
static void test_host_libc(void **state)
{
	struct pfj_buf b = { 0 };
	struct pfj_elf_info info;
	char why[256];

	(void)state;
#ifndef HOST_LIBDIR
	skip();
#else
	read_or_skip(HOST_LIBDIR "/libc.so.6", &b);
	assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
	assert_string_equal(info.soname, "libc.so.6");
	assert_int_equal(info.elf_class, ELFCLASS64);
	assert_int_equal(info.machine, EM_X86_64);
	assert_true(pfj_strv_contains(&info.needed, HOST_LDSO));
	pfj_elf_info_free(&info);
	pfj_buf_free(&b);
#endif
}

/* NSS modules this machine may have: soname = file name, libc needed. */
static const char *const nss_modules[] = {
	"libnss_files.so.2", "libnss_dns.so.2", "libnss_compat.so.2",
	"libnss_hesiod.so.2", "libnss_systemd.so.2", "libnss_mdns4_minimal.so.2",
	"libnss_myhostname.so.2", "libnss_ldap.so.2", "libnss_nis.so.2",
};

/* One NSS module of the host (skipped when absent). */
static void test_host_nss(void **state)
{
	const char *name = *state;
	struct pfj_buf b = { 0 };
	struct pfj_elf_info info;
	char why[256], path[256];

#ifndef HOST_LIBDIR
	skip();
#else
	snprintf(path, sizeof(path), "%s/%s", HOST_LIBDIR, name);
	read_or_skip(path, &b);
	assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
	assert_string_equal(info.soname, name);
	assert_true(pfj_strv_contains(&info.needed, "libc.so.6"));
	pfj_elf_info_free(&info);
	pfj_buf_free(&b);
#endif
}

/* Postfix's smtpd: an executable needing libc and a libpostfix-* library. */
static void test_host_smtpd(void **state)
{
	struct pfj_buf b = { 0 };
	struct pfj_elf_info info;
	char why[256];
	int postfix = 0;

	(void)state;
	read_or_skip("/usr/lib/postfix/sbin/smtpd", &b);
	assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
	assert_null(info.soname);
	assert_true(pfj_strv_contains(&info.needed, "libc.so.6"));
	for (size_t i = 0; i < info.needed.n; i++)
		if (strncmp(info.needed.v[i], "libpostfix-", 11) == 0)
			postfix = 1;
	assert_true(postfix);
	pfj_elf_info_free(&info);
	pfj_buf_free(&b);
}

/* ---- ld.so.conf parsing ----------------------------------------------- */

/* An ld.so.conf text and what it parses into ('|'-joined). */
struct ldconf_case {
	const char *label;
	const char *text;
	const char *conf_dir;
	const char *dirs;
	const char *globs;
};

static const struct ldconf_case ldconf_cases[] = {
	{ "empty", "", "/etc", "", "" },
	{ "one per line", "/a\n/b\n", "/etc", "/a|/b", "" },
	{ "no final newline", "/a\n/b", "/etc", "/a|/b", "" },
	{ "comments", "# x\n/a # trailing\n  # indented\n#/c\n", "/etc", "/a", "" },
	{ "blank lines", "\n\n   \n\t\n/a\n\n", "/etc", "/a", "" },
	{ "separators", "/a /b\t/c,/d:/e , /f\r\n", "/etc", "/a|/b|/c|/d|/e|/f", "" },
	{ "trailing slashes", "/a/\n/b//\n/\n", "/etc", "/a|/b|/", "" },
	{ "include absolute", "include /etc/ld.so.conf.d/*.conf\n", "/etc", "", "/etc/ld.so.conf.d/*.conf" },
	{ "include relative", "include ld.so.conf.d/*.conf\n", "/etc", "", "/etc/ld.so.conf.d/*.conf" },
	{ "include relative dir slash", "include x.conf\n", "/etc/", "", "/etc/x.conf" },
	{ "include several", "include\t/a/*.conf  b.conf\n/lib\n", "/etc", "/lib", "/a/*.conf|/etc/b.conf" },
	{ "include no conf_dir", "include b.conf\n", NULL, "", "b.conf" },
	{ "include indented", "   include /x\n", "/etc", "", "/x" },
	{ "include word prefix is a dir", "includes\n/include\n", "/etc", "includes|/include", "" },
	{ "include comment", "include /x # not /y\n", "/etc", "", "/x" },
	{ "hwcap ignored", "hwcap 0 nosegneg\n/a\n", "/etc", "/a", "" },
	{ "HWCAP ignored", "HWCAP\t1 x\n", "/etc", "", "" },
	{ "relative dir kept", "lib\n", "/etc", "lib", "" },
	{ "nul ends line", "/a\0/b\n/c\n", "/etc", "/a|/c", "" },
};

/* One ld.so.conf text. */
static void test_ldconf_case(void **state)
{
	const struct ldconf_case *tc = *state;
	struct pfj_strv dirs = { 0 }, globs = { 0 };
	size_t len = strlen(tc->text);

	if (strcmp(tc->label, "nul ends line") == 0)
		len = 10;
	assert_int_equal(pfj_ldconf_parse(tc->text, len, tc->conf_dir, &dirs,
					  &globs), 0);
	assert_string_equal(tu_join(&dirs, "|"), tc->dirs);
	assert_string_equal(tu_join(&globs, "|"), tc->globs);
	pfj_strv_free(&dirs);
	pfj_strv_free(&globs);
}

/* ---- search paths in a fake ROOT --------------------------------------- */

/* Includes, relative includes, missing globs, symlinks and dedup inside ROOT. */
static void test_ldpath_fake_root(void **state)
{
	const char *root = *state;
	struct pfj_ldpath lp;
	char why[256] = "";

	put_link(root, "etc/ld.so.conf", "/alt/ld.so.conf");	/* absolute: inside ROOT */
	put_text(root, "alt/ld.so.conf",
		 "include /etc/ld.so.conf.d/*.conf\n"
		 "include /etc/nothere/*.conf\n"
		 "/opt/first # own\n/opt/hostonly\n");
	put_text(root, "etc/ld.so.conf.d/a.conf", "/opt/a\n/opt/missing\n/opt/first/\n");
	put_text(root, "etc/ld.so.conf.d/b.conf", "include ../extra.conf\n/opt/b\n");
	put_text(root, "etc/ld.so.conf.d/b.conf.disabled", "/opt/disabled\n");
	put_text(root, "etc/ld.so.conf.d/.hidden.conf", "/opt/hidden\n");
	put_text(root, "etc/extra.conf", "/opt/extra\n");
	{
		const char *d[] = { "opt/a", "opt/b", "opt/first", "opt/extra",
				    "opt/disabled", "opt/hidden",
				    "usr/lib/x86_64-linux-gnu", "usr/lib64" };
		char p[1024];

		for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", root, d[i]);
			mkdirs(p);
		}
	}
	put_link(root, "opt/hostonly", "/proc/self");	/* exists only on the host */
	put_link(root, "lib", "usr/lib");
	put_link(root, "lib64", "/usr/lib64");

	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why,
					 sizeof(why)), 0);
	assert_string_equal(tu_join(&lp.dirs, "|"),
			    "/opt/a|/opt/first|/opt/extra|/opt/b|"
			    "/lib/x86_64-linux-gnu|/usr/lib/x86_64-linux-gnu|"
			    "/lib64|/usr/lib64|/lib|/usr/lib");
	assert_string_equal(lp.root, root);
	pfj_ldpath_free(&lp);

	/* aarch64 in the same root: only the generic dirs exist */
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_AARCH64, why,
					 sizeof(why)), 0);
	assert_string_equal(tu_join(&lp.dirs, "|"),
			    "/opt/a|/opt/first|/opt/extra|/opt/b|"
			    "/lib64|/usr/lib64|/lib|/usr/lib");
	pfj_ldpath_free(&lp);
}

/* The multiarch dirs of the supported machines, in an empty-ish ROOT. */
static void test_ldpath_multiarch(void **state)
{
	static const struct {
		int machine, elf_class;
		const char *dir;
	} ma[] = {
		{ EM_X86_64, ELFCLASS64, "/usr/lib/x86_64-linux-gnu" },
		{ EM_386, ELFCLASS32, "/usr/lib/i386-linux-gnu" },
		{ EM_AARCH64, ELFCLASS64, "/usr/lib/aarch64-linux-gnu" },
		{ EM_ARM, ELFCLASS32, "/usr/lib/arm-linux-gnueabihf" },
		{ EM_PPC64, ELFCLASS64, "/usr/lib/powerpc64le-linux-gnu" },
		{ EM_S390, ELFCLASS64, "/usr/lib/s390x-linux-gnu" },
		{ EM_RISCV, ELFCLASS64, "/usr/lib/riscv64-linux-gnu" },
	};
	const char *root = *state;
	char p[1024], expect[1024], why[256];

	for (size_t i = 0; i < sizeof(ma) / sizeof(ma[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, ma[i].dir);
		mkdirs(p);
	}
	for (size_t i = 0; i < sizeof(ma) / sizeof(ma[0]); i++) {
		struct pfj_ldpath lp;

		assert_int_equal(pfj_ldpath_init(&lp, root, ma[i].elf_class,
						 ma[i].machine, why, sizeof(why)), 0);
		snprintf(expect, sizeof(expect), "%s|/usr/lib", ma[i].dir);
		assert_string_equal(tu_join(&lp.dirs, "|"), expect);
		pfj_ldpath_free(&lp);
	}
}

/* An include cycle is refused and named. */
static void test_ldpath_cycle(void **state)
{
	const char *root = *state;
	struct pfj_ldpath lp;
	char why[256] = "";

	put_text(root, "etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
	put_text(root, "etc/ld.so.conf.d/loop.conf", "/x\ninclude ../ld.so.conf\n");
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why,
					 sizeof(why)), -1);
	assert_non_null(strstr(why, "cycle"));
	assert_non_null(strstr(why, "loop.conf"));
	pfj_ldpath_free(&lp);
}

/*
 * Includes in layers, each of 4 files including all 4 of the next layer,
 * read each file once: 10 layers were 4^10 reads (79 s); now 40.  The
 * order is the first place of each directory.
 */
static void test_ldpath_layers(void **state)
{
	const char *root = *state;
	struct pfj_ldpath lp;
	char why[256] = "", name[128], text[256], expect[512] = "";
	struct timespec t0, t1;

	put_text(root, "etc/ld.so.conf", "include /etc/l0/*.conf\n");
	for (int layer = 0; layer < 10; layer++) {
		for (int f = 0; f < 4; f++) {
			snprintf(name, sizeof(name), "etc/l%d/f%d.conf", layer, f);
			snprintf(text, sizeof(text), "/lib/l%d\ninclude /etc/l%d/*.conf\n", layer,
				 layer + 1);
			put_text(root, name, text);
		}
		snprintf(name, sizeof(name), "%s/lib/l%d", root, layer);
		mkdirs(name);
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "/lib/l%d|", layer);
	}
	snprintf(name, sizeof(name), "%s/usr/lib/x86_64-linux-gnu", root);
	mkdirs(name);
	strcat(expect, "/usr/lib/x86_64-linux-gnu|/lib|/usr/lib");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why, sizeof(why)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(tu_join(&lp.dirs, "|"), expect);
	/* not a benchmark: 4^10 reads took minutes, 40 take milliseconds */
	assert_true((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < 2.0);
	pfj_ldpath_free(&lp);
}

/* Includes nested deeper than 16 are refused. */
static void test_ldpath_depth(void **state)
{
	const char *root = *state;
	struct pfj_ldpath lp;
	char why[256] = "", name[64], text[64];

	put_text(root, "etc/ld.so.conf", "include d0.conf\n");
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "etc/d%d.conf", i);
		snprintf(text, sizeof(text), "include d%d.conf\n", i + 1);
		put_text(root, name, text);
	}
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why,
					 sizeof(why)), -1);
	assert_non_null(strstr(why, "deeper"));
	pfj_ldpath_free(&lp);

	/* 16 levels are fine */
	put_text(root, "etc/d15.conf", "/usr/lib\n");
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why,
					 sizeof(why)), 0);
	pfj_ldpath_free(&lp);
}

/* A root that does not exist is an error. */
static void test_ldpath_bad_root(void **state)
{
	struct pfj_ldpath lp;
	char why[256] = "";

	(void)state;
	assert_int_equal(pfj_ldpath_init(&lp, "/nonexistent/pfjail-root", 0, 0,
					 why, sizeof(why)), -1);
	assert_true(why[0] != '\0');
	pfj_ldpath_free(&lp);
}

/* The host's search path has the multiarch dir, once. */
static void test_ldpath_host(void **state)
{
	struct pfj_ldpath lp;
	char why[256] = "";
	size_t count = 0;

	(void)state;
	assert_int_equal(pfj_ldpath_init(&lp, NULL, 0, 0, why, sizeof(why)), 0);
	assert_true(lp.dirs.n > 0);
	assert_null(lp.root);
#ifdef HOST_LIBDIR
	assert_int_equal(lp.elf_class, ELFCLASS64);
	assert_int_equal(lp.machine, EM_X86_64);
	for (size_t i = 0; i < lp.dirs.n; i++)
		count += strcmp(lp.dirs.v[i], HOST_LIBDIR) == 0;
	assert_int_equal(count, 1);
#endif
	pfj_ldpath_free(&lp);
	assert_int_equal(pfj_ldpath_init(&lp, "/", 0, 0, why, sizeof(why)), 0);
	assert_null(lp.root);
	pfj_ldpath_free(&lp);
}

/* ---- find and closure on the host -------------------------------------- */

/* pfj_ldpath_find on the host: libc found, wrong class skipped, absent ENOENT. */
static void test_find_host(void **state)
{
	struct pfj_ldpath lp;
	char why[256], *path = NULL;
	struct pfj_buf b = { 0 };
	struct pfj_elf_info info;

	(void)state;
#ifndef HOST_LIBDIR
	skip();
#else
	assert_int_equal(pfj_ldpath_init(&lp, NULL, 0, 0, why, sizeof(why)), 0);
	assert_int_equal(pfj_ldpath_find(&lp, "libc.so.6", NULL, NULL, &path), 0);
	assert_non_null(path);
	assert_int_equal(pfj_read_file(path, PFJ_ELF_MAX_SIZE, &b), 0);
	assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
	assert_int_equal(info.elf_class, ELFCLASS64);
	assert_string_equal(info.soname, "libc.so.6");
	pfj_elf_info_free(&info);
	pfj_buf_free(&b);
	free(path);
	assert_int_equal(pfj_ldpath_find(&lp, "libpfjail-nonexistent.so.9", NULL,
					 NULL, &path), -ENOENT);
	assert_null(path);
	assert_int_equal(pfj_ldpath_find(&lp, "libc.so.6", "$ORIGIN", "/nonexistent",
					 &path), 0);
	free(path);
	pfj_ldpath_free(&lp);

	/* a 32-bit path must not return the 64-bit libc from the same dirs */
	assert_int_equal(pfj_ldpath_init(&lp, NULL, ELFCLASS32, EM_386, why,
					 sizeof(why)), 0);
	if (pfj_ldpath_find(&lp, "libc.so.6", NULL, NULL, &path) == 0) {
		assert_int_equal(pfj_read_file(path, PFJ_ELF_MAX_SIZE, &b), 0);
		assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
		assert_int_equal(info.elf_class, ELFCLASS32);
		pfj_elf_info_free(&info);
		pfj_buf_free(&b);
		free(path);
	}
	pfj_ldpath_free(&lp);
#endif
}

/* Check that every object of a closure has its needs met inside it (or skipped). */
static void assert_closed(const struct pfj_ldpath *lp, const struct pfj_strv *cl,
			  const struct pfj_strv *skip)
{
	struct pfj_strv names = { 0 };
	char why[256];

	(void)lp;
	for (size_t i = 0; i < cl->n; i++) {
		struct pfj_buf b = { 0 };
		struct pfj_elf_info info;

		assert_int_equal(pfj_read_file(cl->v[i], PFJ_ELF_MAX_SIZE, &b), 0);
		assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
		if (info.soname)
			pfj_strv_add(&names, info.soname);
		pfj_strv_add(&names, strrchr(cl->v[i], '/') + 1);
		pfj_elf_info_free(&info);
		pfj_buf_free(&b);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(cl->v[i], cl->v[j]);
	}
	for (size_t i = 0; i < cl->n; i++) {
		struct pfj_buf b = { 0 };
		struct pfj_elf_info info;

		assert_int_equal(pfj_read_file(cl->v[i], PFJ_ELF_MAX_SIZE, &b), 0);
		assert_int_equal(pfj_elf_read(b.data, b.len, &info, why, sizeof(why)), 0);
		for (size_t k = 0; k < info.needed.n; k++)
			assert_true(pfj_strv_contains(skip, info.needed.v[k]) ||
				    pfj_strv_contains(&names, info.needed.v[k]));
		pfj_elf_info_free(&info);
		pfj_buf_free(&b);
	}
	pfj_strv_free(&names);
}

/* The NSS modules present plus libgcc_s, skipping libc and ld.so. */
static void test_closure_host_nss(void **state)
{
	struct pfj_ldpath lp;
	struct pfj_strv skip = { 0 }, out = { 0 }, start = { 0 };
	char why[256] = "", *path;

	(void)state;
#ifndef HOST_LIBDIR
	skip();
#else
	assert_int_equal(pfj_ldpath_init(&lp, NULL, 0, 0, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(nss_modules) / sizeof(nss_modules[0]); i++)
		if (pfj_ldpath_find(&lp, nss_modules[i], NULL, NULL, &path) == 0) {
			pfj_strv_add(&start, path);
			free(path);
		}
	if (pfj_ldpath_find(&lp, "libgcc_s.so.1", NULL, NULL, &path) == 0) {
		pfj_strv_add(&start, path);
		free(path);
	}
	if (start.n == 0) {
		pfj_ldpath_free(&lp);
		skip();
	}
	pfj_strv_add(&skip, "libc.so.6");
	pfj_strv_add(&skip, HOST_LDSO);
	pfj_strv_add(&out, "already-there");	/* the closure is appended */
	assert_int_equal(pfj_ld_closure(&lp, (const char *const *)start.v, start.n,
					&skip, &out, why, sizeof(why)), 0);
	assert_string_equal(out.v[0], "already-there");
	free(out.v[0]);
	memmove(out.v, out.v + 1, out.n * sizeof(*out.v));
	out.n--;
	for (size_t i = 0; i < start.n; i++)	/* starts first, in order */
		assert_string_equal(out.v[i], start.v[i]);
	for (size_t i = 0; i < out.n; i++) {
		const char *base = strrchr(out.v[i], '/') + 1;

		assert_string_not_equal(base, "libc.so.6");
		assert_string_not_equal(base, HOST_LDSO);
	}
	assert_closed(&lp, &out, &skip);
	pfj_strv_free(&out);
	pfj_strv_free(&start);
	pfj_strv_free(&skip);
	pfj_ldpath_free(&lp);
#endif
}

/* smtpd's closure uses its DT_RUNPATH (/usr/lib/postfix). */
static void test_closure_host_smtpd(void **state)
{
	static const char *const start[] = { "/usr/lib/postfix/sbin/smtpd" };
	struct pfj_ldpath lp;
	struct pfj_strv skip = { 0 }, out = { 0 };
	char why[256] = "";
	int postfix = 0;

	(void)state;
	if (access(start[0], R_OK) != 0)
		skip();
	assert_int_equal(pfj_ldpath_init(&lp, NULL, 0, 0, why, sizeof(why)), 0);
	pfj_strv_add(&skip, "libc.so.6");
	assert_int_equal(pfj_ld_closure(&lp, start, 1, &skip, &out, why,
					sizeof(why)), 0);
	assert_string_equal(out.v[0], start[0]);
	for (size_t i = 0; i < out.n; i++)
		if (strncmp(out.v[i], "/usr/lib/postfix/libpostfix-", 28) == 0)
			postfix = 1;
	assert_true(postfix);
	assert_closed(&lp, &out, &skip);
	pfj_strv_free(&out);
	pfj_strv_free(&skip);
	pfj_ldpath_free(&lp);
}

/* ---- find and closure in a fake ROOT ----------------------------------- */

/* Real libraries copied into ROOT, one reached through an absolute symlink. */
static void test_closure_fake_root(void **state)
{
	const char *root = *state;
	static const char *const start[] = {
		"/lib/x86_64-linux-gnu/libreadline.so.8",
	};
	struct pfj_ldpath lp;
	struct pfj_strv skip = { 0 }, out = { 0 };
	char why[256] = "", *path = NULL;

#ifndef HOST_LIBDIR
	skip();
#else
	if (!copy_in(HOST_LIBDIR "/libreadline.so.8", root,
		     "usr/lib/x86_64-linux-gnu/libreadline.so.8") ||
	    !copy_in(HOST_LIBDIR "/libtinfo.so.6", root, "opt/real/libtinfo.so.6.4"))
		skip();
	put_link(root, "lib", "usr/lib");
	/* absolute target: must resolve to ROOT/opt/real, which the host lacks */
	put_link(root, "usr/lib/x86_64-linux-gnu/libtinfo.so.6",
		 "/opt/../opt/real/libtinfo.so.6.4");
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why,
					 sizeof(why)), 0);
	assert_int_equal(pfj_ldpath_find(&lp, "libtinfo.so.6", NULL, NULL, &path), 0);
	assert_string_equal(path, "/lib/x86_64-linux-gnu/libtinfo.so.6");
	free(path);
	assert_int_equal(pfj_ldpath_find(&lp, "libc.so.6", NULL, NULL, &path), -ENOENT);

	pfj_strv_add(&skip, "libc.so.6");
	assert_int_equal(pfj_ld_closure(&lp, start, 1, &skip, &out, why,
					sizeof(why)), 0);
	assert_string_equal(tu_join(&out, "|"),
			    "/lib/x86_64-linux-gnu/libreadline.so.8|"
			    "/lib/x86_64-linux-gnu/libtinfo.so.6");
	pfj_strv_free(&out);

	/* without the skip, libc.so.6 is missing: the error names it and its user */
	assert_int_equal(pfj_ld_closure(&lp, start, 1, NULL, &out, why,
					sizeof(why)), -1);
	assert_non_null(strstr(why, "libc.so.6"));
	assert_non_null(strstr(why, "libreadline.so.8"));
	assert_int_equal(out.n, 0);
	pfj_strv_free(&skip);
	pfj_ldpath_free(&lp);
#endif
}

/* A symlink loop inside ROOT is not followed forever. */
static void test_find_symlink_loop(void **state)
{
	const char *root = *state;
	struct pfj_ldpath lp;
	char why[256], *path = NULL;

	put_link(root, "usr/lib/liba.so.1", "/usr/lib/libb.so.1");
	put_link(root, "usr/lib/libb.so.1", "liba.so.1");
	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_X86_64, why,
					 sizeof(why)), 0);
	assert_int_equal(pfj_ldpath_find(&lp, "liba.so.1", NULL, NULL, &path),
			 -ELOOP);
	assert_null(path);
	pfj_ldpath_free(&lp);
}

/* Hand-made objects in ROOT: $ORIGIN runpath, class/machine checks, missing deps. */
static void test_closure_handmade(void **state)
{
	const char *root = *state;
	unsigned char img[4096];
	struct elf_spec app = {
		.c64 = 1, .machine = EM_AARCH64, .runpath = "/nowhere:$ORIGIN/../private",
		.needed = { "libpriv.so.1", "libpub.so.2", "libc.so.6" },
	};
	struct elf_spec priv = {
		.c64 = 1, .machine = EM_AARCH64, .soname = "libpriv.so.1",
		.needed = { "libpub.so.2" },
	};
	struct elf_spec pub = {
		.c64 = 1, .machine = EM_AARCH64, .soname = "libpub.so.2",
		.needed = { "libc.so.6" },
	};
	struct elf_spec pub32 = {
		.c64 = 0, .machine = EM_AARCH64, .soname = "libpub.so.2",
	};
	struct elf_spec pubarm = {
		.c64 = 1, .be = 1, .machine = EM_ARM, .soname = "libpub.so.2",
	};
	struct elf_spec lonely = {
		.c64 = 1, .machine = EM_AARCH64, .soname = "liblonely.so.0",
		.needed = { "libgone.so.3" },
	};
	static const char *const start[] = { "/app/bin/app" };
	static const char *const start2[] = { "/usr/lib/liblonely.so.0" };
	struct pfj_ldpath lp;
	struct pfj_strv skip = { 0 }, out = { 0 };
	char why[256] = "";

	put_file(root, "app/bin/app", img, build_elf(&app, img));
	put_file(root, "app/private/libpriv.so.1", img, build_elf(&priv, img));
	/* wrong class / machine first in the search path: skipped */
	put_file(root, "lib/aarch64-linux-gnu/libpub.so.2", img, build_elf(&pub32, img));
	put_file(root, "usr/lib/aarch64-linux-gnu/libpub.so.2", img, build_elf(&pubarm, img));
	put_file(root, "usr/lib/libpub.so.2", img, build_elf(&pub, img));
	put_file(root, "usr/lib/liblonely.so.0", img, build_elf(&lonely, img));
	put_text(root, "usr/lib/libnotelf.so.1", "not an ELF\n");

	assert_int_equal(pfj_ldpath_init(&lp, root, ELFCLASS64, EM_AARCH64, why,
					 sizeof(why)), 0);
	pfj_strv_add(&skip, "libc.so.6");
	assert_int_equal(pfj_ld_closure(&lp, start, 1, &skip, &out, why,
					sizeof(why)), 0);
	assert_string_equal(tu_join(&out, "|"),
			    "/app/bin/app|/app/bin/../private/libpriv.so.1|"
			    "/usr/lib/libpub.so.2");
	pfj_strv_free(&out);

	assert_int_equal(pfj_ld_closure(&lp, start2, 1, &skip, &out, why,
					sizeof(why)), -1);
	assert_non_null(strstr(why, "libgone.so.3"));
	assert_non_null(strstr(why, "/usr/lib/liblonely.so.0"));
	assert_int_equal(out.n, 0);

	/* a start object that is not ELF, or of another machine, is an error */
	{
		static const char *const bad[] = { "/usr/lib/libnotelf.so.1" };
		static const char *const arm[] = { "/usr/lib/aarch64-linux-gnu/libpub.so.2" };

		assert_int_equal(pfj_ld_closure(&lp, bad, 1, &skip, &out, why,
						sizeof(why)), -1);
		assert_non_null(strstr(why, "magic"));
		assert_int_equal(pfj_ld_closure(&lp, arm, 1, &skip, &out, why,
						sizeof(why)), -1);
		assert_non_null(strstr(why, "machine"));
	}
	/* a skipped start object is not listed */
	{
		static const char *const s3[] = { "/usr/lib/libpub.so.2",
						  "/usr/lib/liblonely.so.0" };
		struct pfj_strv skip2 = { 0 };

		pfj_strv_add(&skip2, "liblonely.so.0");
		pfj_strv_add(&skip2, "libc.so.6");
		assert_int_equal(pfj_ld_closure(&lp, s3, 2, &skip2, &out, why,
						sizeof(why)), 0);
		assert_string_equal(tu_join(&out, "|"), "/usr/lib/libpub.so.2");
		pfj_strv_free(&out);
		pfj_strv_free(&skip2);
	}
	pfj_strv_free(&skip);
	pfj_ldpath_free(&lp);
}

/* ---- main ------------------------------------------------------------- */

#define N_ELEM(a)	(sizeof(a) / sizeof((a)[0]))

int main(void)
{
	struct CMUnitTest tests[N_ELEM(elf_cases) + N_ELEM(nss_modules) +
				N_ELEM(ldconf_cases) + 32];
	size_t n = 0;

	for (size_t i = 0; i < N_ELEM(elf_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = elf_cases[i].label,
			.test_func = test_elf_case,
			.initial_state = (void *)&elf_cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_elf_truncated);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_elf_corrupted);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_elf_edge);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_host_libc);
	for (size_t i = 0; i < N_ELEM(nss_modules); i++)
		tests[n++] = (struct CMUnitTest){
			.name = nss_modules[i],
			.test_func = test_host_nss,
			.initial_state = (void *)nss_modules[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_host_smtpd);
	for (size_t i = 0; i < N_ELEM(ldconf_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = ldconf_cases[i].label,
			.test_func = test_ldconf_case,
			.initial_state = (void *)&ldconf_cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_ldpath_fake_root, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_ldpath_multiarch, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_ldpath_cycle, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_ldpath_depth, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_ldpath_layers, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ldpath_bad_root);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ldpath_host);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_find_host);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_closure_host_nss);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_closure_host_smtpd);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_closure_fake_root, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_find_symlink_loop, tmp_setup, tmp_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
		test_closure_handmade, tmp_setup, tmp_teardown);
	return _cmocka_run_group_tests("elfdeps", tests, n, NULL, NULL);
}
