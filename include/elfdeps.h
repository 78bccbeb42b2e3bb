/*
 * elfdeps.h - find the shared objects a chrooted Postfix daemon loads.
 *
 * Postfix's chrooted daemons dlopen() objects after chroot() (NSS modules,
 * libgcc_s for pthread_cancel/backtraces), so those objects and their
 * DT_NEEDED closure must exist inside the jail. This module finds them the
 * way the dynamic linker does (DT_RUNPATH/DT_RPATH, /etc/ld.so.conf with its
 * includes, the multiarch default directories) without running ldd or a
 * shell, optionally inside a system image ROOT (pfjail -R ROOT), where every
 * path is looked up as ROOT + path and symlinks are resolved inside ROOT.
 *
 * Nothing here prints; errors are -errno or -1 plus a reason string.
 */
#ifndef PFJ_ELFDEPS_H
#define PFJ_ELFDEPS_H

#include <stddef.h>

#include "util.h"

/* Largest file pfj_elf_read's callers in this module will read. */
#define PFJ_ELF_MAX_SIZE	(256u * 1024 * 1024)

/* What the dynamic linker needs to know about one ELF object. */
struct pfj_elf_info {
	int elf_class;		/* ELFCLASS32 or ELFCLASS64 */
	int machine;		/* e_machine */
	char *soname;		/* DT_SONAME or NULL */
	char *runpath;		/* DT_RUNPATH or NULL */
	char *rpath;		/* DT_RPATH or NULL */
	struct pfj_strv needed;	/* DT_NEEDED in order */
};

/*
 * Parse an ELF shared object or executable from memory (both classes, both
 * byte orders) into *out (which is overwritten; free it with
 * pfj_elf_info_free() on success). Returns 0, or -1 with a reason in why
 * (why may be NULL). A truncated file, bad magic or a bad ident is an error;
 * no PT_DYNAMIC is not an error (just no needed entries); offsets, string
 * tables or strings out of bounds are errors. Never reads outside buf.
 */
int pfj_elf_read(const void *buf, size_t len, struct pfj_elf_info *out,
		 char *why, size_t why_size);

/* Release what pfj_elf_read() allocated; leaves *info empty. */
void pfj_elf_info_free(struct pfj_elf_info *info);

/*
 * Parse ld.so.conf text buf[0..len): directories (one per line or separated
 * by spaces, tabs, commas, colons; trailing slashes dropped), '#' comments,
 * "include GLOB..." lines (a relative GLOB is made relative to conf_dir, the
 * including file's directory, when conf_dir is given) and "hwcap ..." lines
 * (ignored, as ldconfig does). Directories are appended to *dirs and include
 * patterns to *include_globs, in file order; includes are not followed.
 * Returns 0 or -ENOMEM.
 */
int pfj_ldconf_parse(const char *buf, size_t len, const char *conf_dir,
		     struct pfj_strv *dirs, struct pfj_strv *include_globs);

/* A library search path for one ELF class and machine, inside root. */
struct pfj_ldpath {
	char *root;		/* NULL for the host, else the image root */
	struct pfj_strv dirs;	/* existing dirs, as the image sees them */
	int elf_class;		/* ELFCLASS32 or ELFCLASS64 */
	int machine;		/* e_machine */
};

/*
 * Build the search path for objects of the given class and machine
 * (machine 0 = this host's machine, elf_class 0 = this host's class):
 * ROOT/etc/ld.so.conf (following includes, globbed inside ROOT; an include
 * cycle or nesting deeper than 16 is an error; a glob matching nothing is
 * not), then glibc's trusted default dirs for that machine (multiarch dirs,
 * libNN dirs, /lib, /usr/lib). Dirs that do not exist inside ROOT are
 * dropped, duplicates removed keeping the first. root NULL, "" or "/" means
 * the host. Returns 0 or -1 with a reason in why; free with
 * pfj_ldpath_free() in both cases.
 */
int pfj_ldpath_init(struct pfj_ldpath *lp, const char *root, int elf_class,
		    int machine, char *why, size_t why_size);

/* Release a search path; leaves *lp empty. */
void pfj_ldpath_free(struct pfj_ldpath *lp);

/*
 * Find soname: the first directory (the colon-separated runpath of the
 * requesting object first when given, with $ORIGIN / ${ORIGIN} replaced by
 * origin_dir, then lp->dirs) holding a regular file (symlinks followed,
 * inside ROOT) that is an ELF object of lp's class and machine. A soname
 * containing '/' is taken as a path (absolute only; relative ones would
 * depend on the daemon's cwd and give -ENOENT). Runpath entries using other
 * tokens ($LIB, $PLATFORM) or no absolute dir are skipped, as is $ORIGIN
 * when origin_dir is NULL. *path gets the malloc'ed path as the
 * image sees it (without ROOT). Returns 0, -ENOENT, or another -errno.
 */
int pfj_ldpath_find(const struct pfj_ldpath *lp, const char *soname,
		    const char *runpath, const char *origin_dir, char **path);

/*
 * The DT_NEEDED closure of start[0..n_start) (paths as the image sees
 * them): every object reachable, each listed once, in breadth-first order,
 * starting objects included, appended to *out. A needed name is satisfied
 * by an object already listed under that name or DT_SONAME, and a file
 * found twice (same device and inode) is listed once. Names in skip (e.g.
 * libc.so.6 and the ld.so every daemon has loaded already) are neither
 * followed nor listed; skip may be NULL. A missing dependency is an error
 * naming the soname and who needs it. Returns 0, or -1 with a reason in
 * why (*out is then unchanged).
 */
int pfj_ld_closure(const struct pfj_ldpath *lp, const char *const *start,
		   size_t n_start, const struct pfj_strv *skip,
		   struct pfj_strv *out, char *why, size_t why_size);

#endif
