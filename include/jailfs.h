/* jailfs.h - walk and write inside the jail without trusting it. */
#ifndef PFJ_JAILFS_H
#define PFJ_JAILFS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Open the jail root (Postfix's queue directory) after checking it and every
 * ancestor: each must be a real directory owned by root and not writable by
 * group or others; a root-owned sticky ancestor (such as /tmp) is accepted.
 * Returns an O_PATH-free directory fd (usable for *at() calls and fsync) or
 * -1 with a reason naming the offending path in why.
 */
int pfj_jail_open_root(const char *path, char *why, size_t why_size);

/*
 * Open (creating with mode when missing) the directory REL (a relative
 * path of plain components, no "..") below rootfd, one component at a time
 * with O_NOFOLLOW.  Every component must be a directory owned by root and
 * not group/other-writable: a symlink (etc -> /etc), a directory that the
 * postfix user could write, or anything else there is refused with the path
 * named in why.  Returns the directory fd or -1.
 */
int pfj_jail_open_dir(int rootfd, const char *rel, mode_t mode, int create,
		      char *why, size_t why_size);

/*
 * Create pfjail's state directory (parents 0755, itself 0700) when missing,
 * then check and open it like the jail root.  fd or -1 with why.
 */
int pfj_state_dir_open(const char *dir, char *why, size_t why_size);

/*
 * Read one of pfjail's state files: its directory must pass the jail-root
 * checks and the file must be a regular file owned by root and private to
 * it.  0, -ENOENT (absent), -EPERM (present but not trustworthy) or -errno.
 */
struct pfj_buf;
int pfj_state_read(const char *path, size_t max, struct pfj_buf *out);

/*
 * Which mount fd is on (statx STATX_MNT_ID, Linux 5.8), or, where the
 * kernel cannot tell, its device number with PFJ_MOUNT_ID_BY_DEV set: a
 * bind mount of a directory of the same filesystem shares the device, not
 * the mount.  0 when neither can be read.
 */
#define PFJ_MOUNT_ID_BY_DEV	(1ULL << 63)
unsigned long long pfj_mount_id(int fd);

/* Is this (mode, uid) pair acceptable for a directory pfjail writes into? */
int pfj_jail_dir_trusted(mode_t mode, uid_t uid);

#endif
