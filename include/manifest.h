/*
 * manifest.h - the record of what "pfjail build" placed in the jail, so that
 * check, diff and clean can compare it with the jail and the host later.
 *
 * The manifest is a text file (written atomically by the caller); this
 * module only formats and parses buffers. Format, version 1:
 *
 *   pfjail-manifest 1
 *   root /var/spool/postfix
 *   profile debian
 *   config_dir /etc/postfix
 *   created 1700000000
 *   chroot smtp/inet=y                 (zero or more, master.cf order)
 *   d path=etc mode=0755 uid=0 gid=0
 *   f path=etc/localtime mode=0644 uid=0 gid=0 size=123 sha256=HEX64
 *     source=/usr/share/zoneinfo/UTC src=DEV:INO:SIZE:MTIME.NSEC
 *   l path=lib64 mode=0777 uid=0 gid=0 target=usr/lib64
 *   c path=dev/null mode=0666 uid=0 gid=0 rdev=259
 *   end 4
 *
 * (each entry is one line; the f example is wrapped here only.)
 *
 *  - Every line ends with '\n', including the last; no blank or comment
 *    lines; fields are separated by exactly one space.
 *  - Header: the version line first, then root, profile, config_dir and
 *    created exactly once each and chroot lines, in any order, all before
 *    the first entry. root is absolute. chroot values are SERVICE/TYPE=V
 *    with V one of y n -.
 *  - Entries: a type letter (f d l c) then KEY=VALUE fields in any order,
 *    each at most once. All types need path, mode, uid, gid; f needs size
 *    and sha256, l needs target, c needs rdev. source and src are optional
 *    for every type but come together. Other keys are errors.
 *  - Entries are sorted by path (strcmp on the decoded bytes), paths unique.
 *    A path is relative: not empty, no leading or trailing '/', no empty,
 *    "." or ".." component.
 *  - "end N" is the last line, N the number of entries: a file cut at a
 *    line boundary is caught too.
 *  - Strings (root, profile, config_dir, chroot, path, target, source) are
 *    percent-encoded: every byte outside [A-Za-z0-9._/+@:,-] (header values
 *    also allow '=') is written %XX with upper-case hex, so any byte string
 *    round-trips; %00 is rejected (C strings).
 *  - Numbers are decimal without sign or leading zeros (created and MTIME
 *    may be negative), mode is exactly 4 octal digits (at most 7777), NSEC
 *    exactly 9 digits, sha256 64 lower-case hex digits.
 *  - A line is at most PFJ_MF_LINE_MAX bytes.
 */
#ifndef PFJ_MANIFEST_H
#define PFJ_MANIFEST_H

#include <stddef.h>

#include "util.h"


#define PFJ_MF_VERSION	1
#define PFJ_MF_LINE_MAX	65536

enum pfj_mf_type {
	PFJ_MF_FILE = 'f',
	PFJ_MF_DIR = 'd',
	PFJ_MF_SYMLINK = 'l',
	PFJ_MF_CHARDEV = 'c',
};

/* One thing build created in the jail. */
struct pfj_mf_entry {
	char *path;		/* relative to the jail root, normalized, unique */
	char type;		/* enum pfj_mf_type */
	unsigned mode;		/* permission bits incl. suid/sgid/sticky (07777) */
	unsigned uid, gid;
	unsigned long long size;	/* files */
	unsigned char sha256[32];	/* files */
	char *target;		/* symlinks: link text */
	unsigned long long rdev;	/* char devices (makedev value) */
	char *source;		/* host path it was copied from, or NULL */
	unsigned long long src_dev, src_ino, src_size;	/* source identity */
	long long src_mtime_sec;
	long src_mtime_nsec;
};

struct pfj_manifest {
	unsigned version;	/* PFJ_MF_VERSION */
	char *jail_root;	/* absolute path of the queue directory */
	char *profile;		/* profile name used */
	char *config_dir;	/* Postfix config dir */
	long long created;	/* unix time */
	struct pfj_mf_entry *ent;	/* sorted by path (strcmp) */
	size_t n;
	struct pfj_strv chroot;	/* "service/type=y" strings, in master.cf order */
};

/*
 * Append the text form of *m to *out. m must be sorted (pfj_manifest_sort).
 * 0, -EINVAL (missing header string, bad entry or chroot value, not sorted
 * or duplicate path) or -ENOMEM; on failure out->len is restored.
 */
int pfj_manifest_format(const struct pfj_manifest *m, struct pfj_buf *out);

/*
 * Parse buf[0..len) strictly (see above). 0 and *m filled, or -1 and *err
 * filled (err may be NULL) with *m empty. Safe on any input.
 */
int pfj_manifest_parse(const char *buf, size_t len, struct pfj_manifest *m,
		       struct pfj_parse_error *err);
void pfj_manifest_free(struct pfj_manifest *m);

/* Sort the entries by path; -EEXIST when two have the same path. */
int pfj_manifest_sort(struct pfj_manifest *m);

/* The entry for path (binary search; m must be sorted), or NULL. */
const struct pfj_mf_entry *pfj_manifest_find(const struct pfj_manifest *m,
					     const char *path);

/*
 * Append a deep copy of *e (call pfj_manifest_sort afterwards). 0, -EINVAL
 * (bad type, mode, path, missing target) or -ENOMEM.
 */
int pfj_manifest_add(struct pfj_manifest *m, const struct pfj_mf_entry *e);

/*
 * SHA-256 of what is left to read on fd (OpenSSL EVP, 128 KiB reads); *size
 * (may be NULL) gets the byte count. 0, -errno, or -EIO for libcrypto.
 */
int pfj_sha256_fd(int fd, unsigned char out[32], unsigned long long *size);

/* SHA-256 of a buffer; 0 or -EIO. */
int pfj_sha256_buf(const void *data, size_t len, unsigned char out[32]);

/* Lower-case hex of a digest, NUL-terminated. */
void pfj_sha256_hex(const unsigned char in[32], char out[65]);

/* 1 when path is a valid manifest path (relative, normalized). */
int pfj_manifest_path_ok(const char *path);

#endif
