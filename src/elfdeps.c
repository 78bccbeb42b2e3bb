/*
 * elfdeps.c - the shared objects a chrooted Postfix daemon will dlopen(),
 * found the way the dynamic linker finds them.
 *
 * Once chrooted, Postfix's daemons dlopen() NSS modules and libgcc_s; if
 * those objects, or anything in their DT_NEEDED closure, are missing from
 * the jail, lookups fail silently or the daemon dies. We cannot ask ldd (it
 * runs the object, and it cannot look inside a -R ROOT image), so this
 * module reads ELF dynamic sections itself, builds glibc's search path
 * (ld.so.conf with includes, then the multiarch/trusted default dirs) and
 * walks the closure breadth-first.
 *
 * Every file is looked up as ROOT + path. Inside a ROOT image, symlinks are
 * resolved component by component relative to ROOT (an absolute target
 * restarts at ROOT, ".." stops at ROOT, at most 40 links) so that an image
 * never makes us read the host's files; on the host the kernel resolves.
 *
 * The ELF reader works on a memory buffer, checks every offset against the
 * buffer length before reading and accepts both classes and byte orders.
 * Nothing here prints; errors are -errno, or -1 plus a reason string.
 */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfdeps.h"
#include "image.h"

/* At most this many symlinks are followed resolving one path inside ROOT. */
#define ELF_MAX_LINKS		40
/* ld.so.conf includes nested deeper than this are refused. */
#define LDCONF_MAX_DEPTH	16
/* Largest ld.so.conf (or included file) read. */
#define LDCONF_MAX_SIZE		(16u * 1024 * 1024)

/* Write a reason into why (if the caller gave one); returns -1. */
static int set_why(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_why(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- ELF parsing ------------------------------------------------------ */

/* The buffer being parsed, with its class and byte order. */
struct elf_ctx {
	const unsigned char *b;
	size_t len;
	int c64;		/* ELFCLASS64 */
	int be;			/* ELFDATA2MSB */
};

/* Read an n-byte (1, 2, 4 or 8) unsigned integer at p in the file's byte order. */
static uint64_t elf_rdn(const struct elf_ctx *c, const unsigned char *p,
			size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[c->be ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

/* Read field f of an ELF structure T at p, whichever class the file is. */
#define ELF_FIELD(c, p, T, f)						\
	elf_rdn((c), (p) + ((c)->c64 ? offsetof(Elf64_##T, f)		\
				     : offsetof(Elf32_##T, f)),		\
		(c)->c64 ? sizeof(((Elf64_##T *)0)->f)			\
			 : sizeof(((Elf32_##T *)0)->f))

/* Size of ELF structure T in the file's class. */
#define ELF_SIZE(c, T)	((c)->c64 ? sizeof(Elf64_##T) : sizeof(Elf32_##T))

/* Whether [off, off + size) lies within a buffer of len bytes. */
static int in_bounds(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

/* Check e_ident and return class, machine and byte order of a header. */
static int elf_ident(const unsigned char *b, size_t len, struct elf_ctx *c,
		     int *machine, char *why, size_t why_size)
{
	if (len < SELFMAG || memcmp(b, ELFMAG, SELFMAG) != 0)
		return set_why(why, why_size, "not an ELF file (bad magic)");
	if (len < EI_NIDENT)
		return set_why(why, why_size, "truncated ELF header");
	if (b[EI_CLASS] != ELFCLASS32 && b[EI_CLASS] != ELFCLASS64)
		return set_why(why, why_size, "bad ELF class %u", b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB && b[EI_DATA] != ELFDATA2MSB)
		return set_why(why, why_size, "bad ELF byte order %u",
			       b[EI_DATA]);
	if (b[EI_VERSION] != EV_CURRENT)
		return set_why(why, why_size, "bad ELF version %u",
			       b[EI_VERSION]);
	c->b = b;
	c->len = len;
	c->c64 = b[EI_CLASS] == ELFCLASS64;
	c->be = b[EI_DATA] == ELFDATA2MSB;
	if (len < ELF_SIZE(c, Ehdr))
		return set_why(why, why_size, "truncated ELF header");
	*machine = (int)ELF_FIELD(c, b, Ehdr, e_machine);
	return 0;
}

/* Map a virtual address to a file offset through the PT_LOAD segments; the
 * mapped range [off, off + *avail) is the file-backed rest of that segment. */
static int elf_vaddr_to_off(const struct elf_ctx *c, uint64_t phoff,
			    uint64_t phentsize, uint64_t phnum, uint64_t addr,
			    uint64_t *off, uint64_t *avail)
{
	for (uint64_t i = 0; i < phnum; i++) {
		const unsigned char *ph = c->b + phoff + i * phentsize;
		uint64_t vaddr, offset, filesz;

		if (ELF_FIELD(c, ph, Phdr, p_type) != PT_LOAD)
			continue;
		vaddr = ELF_FIELD(c, ph, Phdr, p_vaddr);
		offset = ELF_FIELD(c, ph, Phdr, p_offset);
		filesz = ELF_FIELD(c, ph, Phdr, p_filesz);
		if (addr < vaddr || addr - vaddr >= filesz)
			continue;
		if (!in_bounds(c->len, offset, filesz))
			return -1;
		*off = offset + (addr - vaddr);
		*avail = filesz - (addr - vaddr);
		return 0;
	}
	return -1;
}

/* Copy the string at offset soff of the string table [stroff, stroff + strsz). */
static int elf_string(const struct elf_ctx *c, uint64_t stroff, uint64_t strsz,
		      uint64_t soff, const char *what, char **out, char *why,
		      size_t why_size)
{
	const unsigned char *s, *nul;

	if (soff >= strsz)
		return set_why(why, why_size,
			       "%s string offset %llu out of range (strsz %llu)",
			       what, (unsigned long long)soff,
			       (unsigned long long)strsz);
	s = c->b + stroff + soff;
	nul = memchr(s, '\0', strsz - soff);
	if (!nul)
		return set_why(why, why_size, "unterminated %s string", what);
	*out = strndup((const char *)s, (size_t)(nul - s));
	if (!*out)
		return set_why(why, why_size, "out of memory");
	return 0;
}

/* Parse an ELF object in memory: class, machine and dynamic section names. */
int pfj_elf_read(const void *buf, size_t len, struct pfj_elf_info *out,
		 char *why, size_t why_size)
{
	const unsigned char *b = buf;
	struct elf_ctx c;
	uint64_t phoff, phentsize, phnum, dynoff = 0, dynsz = 0;
	uint64_t strtab = 0, strsz = 0, stroff = 0, avail = 0;
	uint64_t soname = 0, runpath = 0, rpath = 0, dynent, ndyn;
	int have_dyn = 0, have_strtab = 0, have_strsz = 0;
	int have_soname = 0, have_runpath = 0, have_rpath = 0, machine;
	size_t nneeded = 0;

	memset(out, 0, sizeof(*out));
	if (!b)
		return set_why(why, why_size, "no data");
	if (elf_ident(b, len, &c, &machine, why, why_size) < 0)
		return -1;
	out->elf_class = c.c64 ? ELFCLASS64 : ELFCLASS32;
	out->machine = machine;

	phoff = ELF_FIELD(&c, b, Ehdr, e_phoff);
	phentsize = ELF_FIELD(&c, b, Ehdr, e_phentsize);
	phnum = ELF_FIELD(&c, b, Ehdr, e_phnum);
	if (phnum == PN_XNUM) {
		/* the real count lives in section header 0's sh_info */
		uint64_t shoff = ELF_FIELD(&c, b, Ehdr, e_shoff);
		uint64_t shentsize = ELF_FIELD(&c, b, Ehdr, e_shentsize);

		if (shentsize < ELF_SIZE(&c, Shdr) ||
		    !in_bounds(len, shoff, shentsize))
			return set_why(why, why_size,
				       "section header 0 out of bounds");
		phnum = ELF_FIELD(&c, b + shoff, Shdr, sh_info);
	}
	if (phnum == 0)
		return 0;
	if (phentsize < ELF_SIZE(&c, Phdr))
		return set_why(why, why_size, "bad program header size %llu",
			       (unsigned long long)phentsize);
	if (phoff > len || phnum > (len - phoff) / phentsize)
		return set_why(why, why_size,
			       "program headers out of bounds");

	for (uint64_t i = 0; i < phnum; i++) {
		const unsigned char *ph = b + phoff + i * phentsize;

		if (ELF_FIELD(&c, ph, Phdr, p_type) != PT_DYNAMIC)
			continue;
		dynoff = ELF_FIELD(&c, ph, Phdr, p_offset);
		dynsz = ELF_FIELD(&c, ph, Phdr, p_filesz);
		have_dyn = 1;
		break;
	}
	if (!have_dyn)
		return 0;
	if (!in_bounds(len, dynoff, dynsz))
		return set_why(why, why_size, "dynamic section out of bounds");

	/* first pass: the string table and how many names there are */
	dynent = ELF_SIZE(&c, Dyn);
	ndyn = dynsz / dynent;
	for (uint64_t i = 0; i < ndyn; i++) {
		const unsigned char *d = b + dynoff + i * dynent;
		uint64_t tag = ELF_FIELD(&c, d, Dyn, d_tag);
		uint64_t val = ELF_FIELD(&c, d, Dyn, d_un);

		if (tag == DT_NULL) {
			ndyn = i;
			break;
		}
		switch (tag) {
		case DT_NEEDED:
			nneeded++;
			break;
		case DT_STRTAB:
			strtab = val;
			have_strtab = 1;
			break;
		case DT_STRSZ:
			strsz = val;
			have_strsz = 1;
			break;
		case DT_SONAME:
			soname = val;
			have_soname = 1;
			break;
		case DT_RUNPATH:
			runpath = val;
			have_runpath = 1;
			break;
		case DT_RPATH:
			rpath = val;
			have_rpath = 1;
			break;
		}
	}
	if (!nneeded && !have_soname && !have_runpath && !have_rpath)
		return 0;
	if (!have_strtab)
		return set_why(why, why_size, "dynamic section without DT_STRTAB");
	if (elf_vaddr_to_off(&c, phoff, phentsize, phnum, strtab, &stroff,
			     &avail) < 0)
		return set_why(why, why_size,
			       "DT_STRTAB address 0x%llx not in any PT_LOAD segment",
			       (unsigned long long)strtab);
	if (!have_strsz)
		strsz = avail;
	if (strsz > avail)
		return set_why(why, why_size,
			       "string table (DT_STRSZ %llu) out of bounds",
			       (unsigned long long)strsz);

	/* second pass: copy the names */
	if (have_soname && elf_string(&c, stroff, strsz, soname, "DT_SONAME",
				      &out->soname, why, why_size) < 0)
		goto fail;
	if (have_runpath && elf_string(&c, stroff, strsz, runpath, "DT_RUNPATH",
				       &out->runpath, why, why_size) < 0)
		goto fail;
	if (have_rpath && elf_string(&c, stroff, strsz, rpath, "DT_RPATH",
				     &out->rpath, why, why_size) < 0)
		goto fail;
	for (uint64_t i = 0; i < ndyn; i++) {
		const unsigned char *d = b + dynoff + i * dynent;
		char *name;

		if (ELF_FIELD(&c, d, Dyn, d_tag) != DT_NEEDED)
			continue;
		if (elf_string(&c, stroff, strsz, ELF_FIELD(&c, d, Dyn, d_un),
			       "DT_NEEDED", &name, why, why_size) < 0)
			goto fail;
		if (pfj_strv_add(&out->needed, name) < 0) {
			free(name);
			set_why(why, why_size, "out of memory");
			goto fail;
		}
		free(name);
	}
	return 0;
fail:
	pfj_elf_info_free(out);
	return -1;
}

/* Release the strings of an ELF info. */
void pfj_elf_info_free(struct pfj_elf_info *info)
{
	free(info->soname);
	free(info->runpath);
	free(info->rpath);
	pfj_strv_free(&info->needed);
	info->soname = info->runpath = info->rpath = NULL;
}

/* ---- files inside ROOT: see image.c ---------------------------------- */

/* The directory part of an image path ("/" for top-level names). */
static char *path_dir(const char *path)
{
	const char *sl = strrchr(path, '/');

	if (!sl)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	return strndup(path, (size_t)(sl - path));
}

/* ---- ld.so.conf ------------------------------------------------------- */

/* Add a directory name of n bytes, without trailing slashes, to dirs. */
static int add_dir(struct pfj_strv *dirs, const char *s, size_t n)
{
	char *d;
	int r;

	while (n > 1 && s[n - 1] == '/')
		n--;
	d = strndup(s, n);
	if (!d)
		return -ENOMEM;
	r = pfj_strv_add(dirs, d);
	free(d);
	return r;
}

/* Add an include pattern, made relative to conf_dir unless absolute. */
static int add_include(struct pfj_strv *globs, const char *conf_dir,
		       const char *s, size_t n)
{
	char *g;
	int r;

	if (s[0] == '/' || !conf_dir)
		g = strndup(s, n);
	else
		g = pfj_asprintf("%s%s%.*s", conf_dir,
				 conf_dir[strlen(conf_dir) - 1] == '/' ? "" : "/",
				 (int)n, s);
	if (!g)
		return -ENOMEM;
	r = pfj_strv_add(globs, g);
	free(g);
	return r;
}

/* Whether c is a blank as ldconfig's isblank() in the C locale. */
static int ld_isblank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse one ld.so.conf line (comment already cut off) of n bytes. */
static int ldconf_line(const char *s, size_t n, const char *conf_dir,
		       struct pfj_strv *dirs, struct pfj_strv *globs)
{
	size_t i = 0, j;
	int r, include = 0;

	while (i < n && (ld_isblank(s[i]) || s[i] == '\r' || s[i] == '\v' ||
			 s[i] == '\f'))
		i++;
	if (i == n)
		return 0;
	if (n - i > 7 && strncmp(s + i, "include", 7) == 0 &&
	    ld_isblank(s[i + 7])) {
		include = 1;
		i += 8;
	} else if (n - i > 5 && strncasecmp(s + i, "hwcap", 5) == 0 &&
		   ld_isblank(s[i + 5])) {
		return 0;	/* ldconfig ignores hwcap directives */
	}
	while (i < n) {
		const char *sep = include ? " \t\r" : " \t\r,:";

		while (i < n && strchr(sep, s[i]))
			i++;
		for (j = i; j < n && !strchr(sep, s[j]); j++)
			;
		if (j > i) {
			r = include ? add_include(globs, conf_dir, s + i, j - i)
				    : add_dir(dirs, s + i, j - i);
			if (r < 0)
				return r;
		}
		i = j;
	}
	return 0;
}

/* Parse ld.so.conf text into directories and (unfollowed) include globs. */
int pfj_ldconf_parse(const char *buf, size_t len, const char *conf_dir,
		     struct pfj_strv *dirs, struct pfj_strv *include_globs)
{
	size_t pos = 0;
	int r;

	if (conf_dir && !*conf_dir)
		conf_dir = NULL;
	while (pos < len) {
		const char *line = buf + pos, *nl, *hash;
		size_t n;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		hash = memchr(line, '#', n);
		if (hash)
			n = (size_t)(hash - line);
		/* a NUL ends the line, as for ldconfig's getline + string functions */
		n = strnlen(line, n);
		if ((r = ldconf_line(line, n, conf_dir, dirs, include_globs)) < 0)
			return r;
	}
	return 0;
}

/* qsort comparator for strings. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a path component contains glob(7) metacharacters. */
static int has_glob_meta(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return 1;
	return 0;
}

/* Expand the rest of a glob pattern below prefix, inside root, into out (sorted per level). */
static int img_glob_rec(const char *root, const char *prefix, const char *rest,
			struct pfj_strv *out)
{
	struct pfj_strv names = { 0 };
	struct dirent *de;
	size_t clen;
	char *comp = NULL, *np;
	DIR *dir;
	int fd, r = 0;

	while (*rest == '/')
		rest++;
	if (!*rest) {
		fd = pfj_image_open(root, *prefix ? prefix : "/", O_PATH);
		if (fd < 0)
			return fd == -ENOMEM ? fd : 0;
		close(fd);
		return pfj_strv_add(out, *prefix ? prefix : "/");
	}
	clen = strcspn(rest, "/");
	if (!has_glob_meta(rest, clen)) {
		np = pfj_asprintf("%s/%.*s", prefix, (int)clen, rest);
		if (!np)
			return -ENOMEM;
		r = img_glob_rec(root, np, rest + clen, out);
		free(np);
		return r;
	}
	fd = pfj_image_open(root, *prefix ? prefix : "/", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOMEM ? fd : 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	comp = strndup(rest, clen);
	if (!comp) {
		closedir(dir);
		return -ENOMEM;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fnmatch(comp, de->d_name, FNM_PERIOD) == 0 &&
		    (r = pfj_strv_add(&names, de->d_name)) < 0)
			break;
	}
	closedir(dir);
	free(comp);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		np = pfj_asprintf("%s/%s", prefix, names.v[i]);
		if (!np) {
			r = -ENOMEM;
			break;
		}
		r = img_glob_rec(root, np, rest + clen, out);
		free(np);
	}
	pfj_strv_free(&names);
	return r;
}

/* An ld.so.conf file being read, for cycle detection and messages. */
struct conf_frame {
	dev_t dev;
	ino_t ino;
	const char *path;
};

/* The ld.so.conf files already read, by identity. */
struct conf_seen {
	struct {
		dev_t dev;
		ino_t ino;
	} *v;
	size_t n, cap;
};

/* conf_seen_add - 1 if (dev, ino) was read before, else remembers it: 0, or -1 */
static int conf_seen_add(struct conf_seen *cs, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i].dev == dev && cs->v[i].ino == ino)
			return 1;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		void *v = realloc(cs->v, cap * sizeof(*cs->v));

		if (!v)
			return -1;
		cs->v = v;
		cs->cap = cap;
	}
	cs->v[cs->n].dev = dev;
	cs->v[cs->n].ino = ino;
	cs->n++;
	return 0;
}

/*
 * Read one ld.so.conf (image path) and, recursively, what it includes.
 * Each file is read once: what a second include of it would add is already
 * in dirs, in front (the search path keeps the first place of a
 * directory).  Includes in layers would otherwise cost exponential time.
 */
static int ldconf_load(const char *root, const char *path, int depth,
		       struct conf_frame *stack, struct conf_seen *seen, struct pfj_strv *dirs,
		       char *why, size_t why_size)
{
	struct pfj_strv globs = { 0 }, matches = { 0 };
	struct pfj_buf text = { 0 };
	struct stat st;
	char *dir = NULL;
	int fd, r;

	if (depth > LDCONF_MAX_DEPTH)
		return set_why(why, why_size,
			       "%s: ld.so.conf includes nested deeper than %d",
			       path, LDCONF_MAX_DEPTH);
	fd = pfj_image_open(root, path, O_RDONLY);
	if (fd == -ENOENT && depth == 0)
		return 0;
	if (fd < 0)
		return set_why(why, why_size, "%s: %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return set_why(why, why_size, "%s: %s", path, strerror(-r));
	}
	for (int i = 0; i < depth; i++)
		if (stack[i].dev == st.st_dev && stack[i].ino == st.st_ino) {
			close(fd);
			return set_why(why, why_size,
				       "ld.so.conf include cycle: %s includes %s",
				       stack[depth - 1].path, path);
		}
	r = conf_seen_add(seen, st.st_dev, st.st_ino);
	if (r != 0) {
		close(fd);
		return r > 0 ? 0 : set_why(why, why_size, "out of memory");
	}
	stack[depth] = (struct conf_frame){ st.st_dev, st.st_ino, path };
	r = pfj_image_read_fd(fd, LDCONF_MAX_SIZE, &text);
	close(fd);
	if (r < 0) {
		set_why(why, why_size, "%s: %s", path, strerror(-r));
		goto out;
	}
	dir = path_dir(path);
	if (!dir)
		goto nomem;
	/* line by line, so that included dirs keep their place in the order */
	for (size_t pos = 0; pos < text.len;) {
		const char *line = text.data + pos;
		const char *nl = memchr(line, '\n', text.len - pos);
		size_t n = nl ? (size_t)(nl - line) + 1 : text.len - pos;

		pos += n;
		pfj_strv_free(&globs);
		if (pfj_ldconf_parse(line, n, dir, dirs, &globs) < 0)
			goto nomem;
		for (size_t i = 0; i < globs.n; i++) {
			pfj_strv_free(&matches);
			if (img_glob_rec(root, "", globs.v[i], &matches) < 0)
				goto nomem;
			for (size_t j = 0; j < matches.n; j++)
				if ((r = ldconf_load(root, matches.v[j],
						     depth + 1, stack, seen, dirs,
						     why, why_size)) < 0)
					goto out;
		}
	}
	r = 0;
	goto out;
nomem:
	r = set_why(why, why_size, "out of memory");
out:
	pfj_strv_free(&matches);
	pfj_strv_free(&globs);
	pfj_buf_free(&text);
	free(dir);
	return r;
}

/* ---- search path ------------------------------------------------------ */

/* Debian multiarch triplets and glibc's libNN dir for a machine and class. */
struct multiarch {
	int machine;
	int elf_class;
	const char *triplet[2];
	const char *libnn;
};

static const struct multiarch multiarch_table[] = {
	{ EM_X86_64, ELFCLASS64, { "x86_64-linux-gnu", NULL }, "lib64" },
	{ EM_X86_64, ELFCLASS32, { "x86_64-linux-gnux32", NULL }, "libx32" },
	{ EM_386, ELFCLASS32, { "i386-linux-gnu", NULL }, "lib32" },
	{ EM_AARCH64, ELFCLASS64, { "aarch64-linux-gnu", NULL }, "lib64" },
	{ EM_ARM, ELFCLASS32, { "arm-linux-gnueabihf", "arm-linux-gnueabi" }, NULL },
	{ EM_PPC64, ELFCLASS64, { "powerpc64le-linux-gnu", "powerpc64-linux-gnu" }, "lib64" },
	{ EM_PPC, ELFCLASS32, { "powerpc-linux-gnu", NULL }, NULL },
	{ EM_S390, ELFCLASS64, { "s390x-linux-gnu", NULL }, "lib64" },
	{ EM_S390, ELFCLASS32, { "s390-linux-gnu", NULL }, NULL },
	{ EM_RISCV, ELFCLASS64, { "riscv64-linux-gnu", NULL }, "lib64" },
	{ EM_MIPS, ELFCLASS64, { "mips64el-linux-gnuabi64", "mips64-linux-gnuabi64" }, "lib64" },
	{ EM_MIPS, ELFCLASS32, { "mipsel-linux-gnu", "mips-linux-gnu" }, NULL },
#ifdef EM_LOONGARCH
	{ EM_LOONGARCH, ELFCLASS64, { "loongarch64-linux-gnu", NULL }, "lib64" },
#endif
};

/* This host's e_machine, as compiled. */
static int host_machine(void)
{
#if defined(__x86_64__)
	return EM_X86_64;
#elif defined(__i386__)
	return EM_386;
#elif defined(__aarch64__)
	return EM_AARCH64;
#elif defined(__arm__)
	return EM_ARM;
#elif defined(__powerpc64__)
	return EM_PPC64;
#elif defined(__powerpc__)
	return EM_PPC;
#elif defined(__s390__)
	return EM_S390;
#elif defined(__riscv)
	return EM_RISCV;
#elif defined(__mips__)
	return EM_MIPS;
#else
	return EM_NONE;
#endif
}

/* Append glibc's trusted default directories for a machine and class. */
static int add_default_dirs(struct pfj_strv *dirs, int machine, int elf_class)
{
	const struct multiarch *ma = NULL;
	const char *libnn;
	char p[64];
	int r;

	for (size_t i = 0; i < sizeof(multiarch_table) / sizeof(multiarch_table[0]); i++)
		if (multiarch_table[i].machine == machine &&
		    multiarch_table[i].elf_class == elf_class)
			ma = &multiarch_table[i];
	for (int t = 0; ma && t < 2 && ma->triplet[t]; t++) {
		snprintf(p, sizeof(p), "/lib/%s", ma->triplet[t]);
		if ((r = pfj_strv_add(dirs, p)) < 0)
			return r;
		snprintf(p, sizeof(p), "/usr/lib/%s", ma->triplet[t]);
		if ((r = pfj_strv_add(dirs, p)) < 0)
			return r;
	}
	libnn = ma ? ma->libnn : elf_class == ELFCLASS64 ? "lib64" : NULL;
	if (libnn) {
		snprintf(p, sizeof(p), "/%s", libnn);
		if ((r = pfj_strv_add(dirs, p)) < 0)
			return r;
		snprintf(p, sizeof(p), "/usr/%s", libnn);
		if ((r = pfj_strv_add(dirs, p)) < 0)
			return r;
	}
	if ((r = pfj_strv_add(dirs, "/lib")) < 0)
		return r;
	return pfj_strv_add(dirs, "/usr/lib");
}

/* Whether an image path names an existing directory inside root. */
static int img_is_dir(const char *root, const char *path)
{
	struct stat st;
	int fd = pfj_image_open(root, path, O_PATH);
	int ok;

	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	close(fd);
	return ok;
}

/* Build the library search path for one class and machine inside root. */
int pfj_ldpath_init(struct pfj_ldpath *lp, const char *root, int elf_class,
		    int machine, char *why, size_t why_size)
{
	struct conf_frame stack[LDCONF_MAX_DEPTH + 1];
	struct conf_seen seen = { 0 };
	struct pfj_strv cand = { 0 };
	int r;

	memset(lp, 0, sizeof(*lp));
	lp->elf_class = elf_class ? elf_class
				  : sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
	lp->machine = machine ? machine : host_machine();
	if (!pfj_root_is_host(root) && !(lp->root = strdup(root)))
		return set_why(why, why_size, "out of memory");
	if (lp->root && !img_is_dir(lp->root, "/"))
		return set_why(why, why_size, "%s: not a directory", root);

	r = ldconf_load(lp->root, "/etc/ld.so.conf", 0, stack, &seen, &cand, why, why_size);
	free(seen.v);
	if (r < 0)
		goto out;
	if (add_default_dirs(&cand, lp->machine, lp->elf_class) < 0)
		goto nomem;
	for (size_t i = 0; i < cand.n; i++) {
		if (cand.v[i][0] != '/' || pfj_strv_contains(&lp->dirs, cand.v[i]))
			continue;
		if (img_is_dir(lp->root, cand.v[i]) &&
		    pfj_strv_add(&lp->dirs, cand.v[i]) < 0)
			goto nomem;
	}
	r = 0;
	goto out;
nomem:
	r = set_why(why, why_size, "out of memory");
out:
	pfj_strv_free(&cand);
	return r;
}

/* Release a search path. */
void pfj_ldpath_free(struct pfj_ldpath *lp)
{
	free(lp->root);
	lp->root = NULL;
	pfj_strv_free(&lp->dirs);
}

/* Whether image path is a regular ELF file of lp's class and machine: 0, -ENOENT (wrong kind) or -errno. */
static int check_candidate(const struct pfj_ldpath *lp, const char *path)
{
	unsigned char hdr[sizeof(Elf64_Ehdr)];
	struct elf_ctx c;
	struct stat st;
	ssize_t n;
	int fd, machine;

	fd = pfj_image_open(lp->root, path, O_RDONLY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	do
		n = pread(fd, hdr, sizeof(hdr), 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	if (elf_ident(hdr, (size_t)n, &c, &machine, NULL, 0) < 0 ||
	    (c.c64 ? ELFCLASS64 : ELFCLASS32) != lp->elf_class ||
	    machine != lp->machine)
		return -ENOENT;
	return 0;
}

/* Expand $ORIGIN / ${ORIGIN} in one runpath entry; NULL if it uses another (unsupported) token or no origin is known. */
static char *expand_origin(const char *s, size_t n, const char *origin)
{
	struct pfj_buf b = { 0 };
	size_t i = 0;

	while (i < n) {
		size_t tl = 0;

		if (s[i] != '$') {
			if (pfj_buf_add(&b, s + i, 1) < 0)
				goto fail;
			i++;
			continue;
		}
		if (n - i >= 9 && memcmp(s + i, "${ORIGIN}", 9) == 0)
			tl = 9;
		else if (n - i >= 7 && memcmp(s + i, "$ORIGIN", 7) == 0 &&
			 (n - i == 7 || !(s[i + 7] == '_' ||
					  (s[i + 7] >= 'A' && s[i + 7] <= 'Z') ||
					  (s[i + 7] >= 'a' && s[i + 7] <= 'z') ||
					  (s[i + 7] >= '0' && s[i + 7] <= '9'))))
			tl = 7;
		if (!tl || !origin || pfj_buf_adds(&b, origin) < 0)
			goto fail;
		i += tl;
	}
	if (!b.data && pfj_buf_add(&b, "", 0) < 0)
		goto fail;
	return b.data;
fail:
	pfj_buf_free(&b);
	return NULL;
}

/* Try dir/soname; on success *path gets it. 0, -ENOENT or -errno. */
static int try_dir(const struct pfj_ldpath *lp, const char *dir,
		   const char *soname, char **path)
{
	char *p;
	int r;

	p = pfj_asprintf("%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", soname);
	if (!p)
		return -ENOMEM;
	r = check_candidate(lp, p);
	if (r == 0)
		*path = p;
	else
		free(p);
	return r;
}

/* Whether a lookup error just means "not here, keep looking" quietly. */
static int boring_error(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -ENAMETOOLONG;
}

/* Find soname along the runpath, then lp's dirs, as the dynamic linker would. */
int pfj_ldpath_find(const struct pfj_ldpath *lp, const char *soname,
		    const char *runpath, const char *origin_dir, char **path)
{
	int r, first_err = 0;

	*path = NULL;
	if (!soname || !*soname)
		return -EINVAL;
	if (strchr(soname, '/')) {
		if (soname[0] != '/')
			return -ENOENT;
		r = check_candidate(lp, soname);
		if (r == 0 && !(*path = strdup(soname)))
			return -ENOMEM;
		return r;
	}
	for (const char *s = runpath; s && *s;) {
		size_t n = strcspn(s, ":");
		char *dir;

		if (n) {
			dir = expand_origin(s, n, origin_dir);
			if (dir && dir[0] == '/') {
				r = try_dir(lp, dir, soname, path);
				free(dir);
				if (r == 0 || r == -ENOMEM)
					return r;
				if (!boring_error(r) && !first_err)
					first_err = r;
			} else {
				free(dir);
			}
		}
		s += n;
		if (*s == ':')
			s++;
	}
	for (size_t i = 0; i < lp->dirs.n; i++) {
		r = try_dir(lp, lp->dirs.v[i], soname, path);
		if (r == 0 || r == -ENOMEM)
			return r;
		if (!boring_error(r) && !first_err)
			first_err = r;
	}
	return first_err ? first_err : -ENOENT;
}

/* ---- closure ---------------------------------------------------------- */

/* One object of the closure. */
struct cl_obj {
	char *path;		/* as the image sees it */
	struct pfj_elf_info info;
	dev_t dev;
	ino_t ino;
};

/* The closure being built. */
struct closure {
	struct cl_obj *obj;
	size_t n;
	size_t cap;
	struct pfj_strv names;	/* names that satisfy a DT_NEEDED */
};

/* Read and parse an object; *dup is set when the file is already in cl. */
static int cl_load(const struct pfj_ldpath *lp, struct closure *cl,
		   const char *path, struct cl_obj *o, int *dup, char *why,
		   size_t why_size)
{
	struct pfj_buf data = { 0 };
	struct stat st;
	int fd, r;

	*dup = 0;
	memset(o, 0, sizeof(*o));
	fd = pfj_image_open(lp->root, path, O_RDONLY);
	if (fd < 0)
		return set_why(why, why_size, "%s: %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return set_why(why, why_size, "%s: %s", path, strerror(-r));
	}
	for (size_t i = 0; i < cl->n; i++)
		if (cl->obj[i].dev == st.st_dev && cl->obj[i].ino == st.st_ino) {
			close(fd);
			*dup = 1;
			return 0;
		}
	/* map rather than copy: libc alone is 2 MB and only its tables are read */
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= PFJ_ELF_MAX_SIZE) {
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		close(fd);
		if (map == MAP_FAILED)
			return set_why(why, why_size, "%s: %s", path, strerror(errno));
		{
			char reason[200];

			r = pfj_elf_read(map, (size_t)st.st_size, &o->info, reason,
					 sizeof(reason));
			munmap(map, (size_t)st.st_size);
			if (r < 0)
				return set_why(why, why_size, "%s: %s", path, reason);
		}
	} else {
		r = pfj_image_read_fd(fd, PFJ_ELF_MAX_SIZE, &data);
		close(fd);
		if (r < 0)
			return set_why(why, why_size, "%s: %s", path, strerror(-r));
		{
			char reason[200];

			r = pfj_elf_read(data.data, data.len, &o->info, reason,
					 sizeof(reason));
			pfj_buf_free(&data);
			if (r < 0)
				return set_why(why, why_size, "%s: %s", path, reason);
		}
	}
	if (o->info.elf_class != lp->elf_class || o->info.machine != lp->machine) {
		set_why(why, why_size,
			"%s: ELF class %d machine %d, expected class %d machine %d",
			path, o->info.elf_class, o->info.machine,
			lp->elf_class, lp->machine);
		pfj_elf_info_free(&o->info);
		return -1;
	}
	o->path = strdup(path);
	if (!o->path) {
		pfj_elf_info_free(&o->info);
		return set_why(why, why_size, "out of memory");
	}
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return 0;
}

/* Append a loaded object and the names it answers to. */
static int cl_add(struct closure *cl, struct cl_obj *o, const char *name)
{
	if (cl->n == cl->cap) {
		size_t ncap = cl->cap ? cl->cap * 2 : 16;
		struct cl_obj *p = realloc(cl->obj, ncap * sizeof(*p));

		if (!p) {
			free(o->path);
			pfj_elf_info_free(&o->info);
			return -ENOMEM;
		}
		cl->obj = p;
		cl->cap = ncap;
	}
	cl->obj[cl->n++] = *o;
	if (name && !pfj_strv_contains(&cl->names, name) &&
	    pfj_strv_add(&cl->names, name) < 0)
		return -ENOMEM;
	if (o->info.soname && !pfj_strv_contains(&cl->names, o->info.soname) &&
	    pfj_strv_add(&cl->names, o->info.soname) < 0)
		return -ENOMEM;
	return 0;
}

/* Whether name is in the (optional) skip list. */
static int skipped(const struct pfj_strv *skip, const char *name)
{
	return skip && name && pfj_strv_contains(skip, name);
}

/* Compute the breadth-first DT_NEEDED closure of the start objects. */
int pfj_ld_closure(const struct pfj_ldpath *lp, const char *const *start,
		   size_t n_start, const struct pfj_strv *skip,
		   struct pfj_strv *out, char *why, size_t why_size)
{
	struct closure cl = { 0 };
	struct pfj_strv res = { 0 };
	struct cl_obj o;
	int r = -1, dup;

	for (size_t i = 0; i < n_start; i++) {
		const char *base = strrchr(start[i], '/');

		base = base ? base + 1 : start[i];
		if (skipped(skip, base))
			continue;
		if (cl_load(lp, &cl, start[i], &o, &dup, why, why_size) < 0)
			goto out;
		if (dup)
			continue;
		if (skipped(skip, o.info.soname)) {
			free(o.path);
			pfj_elf_info_free(&o.info);
			continue;
		}
		if (cl_add(&cl, &o, base) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < cl.n; i++) {
		for (size_t k = 0; k < cl.obj[i].info.needed.n; k++) {
			const char *need = cl.obj[i].info.needed.v[k];
			const char *rp = cl.obj[i].info.runpath
					 ? cl.obj[i].info.runpath
					 : cl.obj[i].info.rpath;
			char *origin, *found = NULL;

			if (skipped(skip, need) ||
			    pfj_strv_contains(&cl.names, need))
				continue;
			origin = path_dir(cl.obj[i].path);
			if (!origin)
				goto nomem;
			r = pfj_ldpath_find(lp, need, rp, origin, &found);
			free(origin);
			if (r == -ENOENT) {
				r = set_why(why, why_size,
					    "%s (needed by %s) not found", need,
					    cl.obj[i].path);
				goto out;
			}
			if (r < 0) {
				r = set_why(why, why_size,
					    "%s (needed by %s): %s", need,
					    cl.obj[i].path, strerror(-r));
				goto out;
			}
			r = cl_load(lp, &cl, found, &o, &dup, why, why_size);
			free(found);
			if (r < 0)
				goto out;
			if (dup) {
				if (pfj_strv_add(&cl.names, need) < 0)
					goto nomem;
				continue;
			}
			if (cl_add(&cl, &o, need) < 0)
				goto nomem;
		}
	}
	for (size_t i = 0; i < cl.n; i++)
		if (pfj_strv_add(&res, cl.obj[i].path) < 0)
			goto nomem;
	for (size_t i = 0; i < res.n; i++)
		if (pfj_strv_add(out, res.v[i]) < 0) {
			/* undo the partial append */
			while (i--) {
				free(out->v[--out->n]);
				out->v[out->n] = NULL;
			}
			goto nomem;
		}
	r = 0;
	goto out;
nomem:
	r = set_why(why, why_size, "out of memory");
out:
	for (size_t i = 0; i < cl.n; i++) {
		free(cl.obj[i].path);
		pfj_elf_info_free(&cl.obj[i].info);
	}
	free(cl.obj);
	pfj_strv_free(&cl.names);
	pfj_strv_free(&res);
	return r;
}
