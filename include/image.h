/* image.h - files of a system image (-R ROOT), resolved inside ROOT. */
#ifndef PFJ_IMAGE_H
#define PFJ_IMAGE_H

#include <stddef.h>

#include "util.h"

/*
 * Resolve path below the directory rootfd as if rootfd were "/"; *out gets
 * the result relative to rootfd ("." for the root).  0 or -errno.
 */
int pfj_image_resolve(int rootfd, const char *path, char **out);

/* Open path as the image at root sees it (open(2) flags); fd or -errno. */
int pfj_image_open(const char *root, const char *path, int flags);

/* Read a whole regular file from fd, at most max bytes; 0 or -errno. */
int pfj_image_read_fd(int fd, size_t max, struct pfj_buf *out);

/*
 * The id of a user or group as the system at root sees it: the host's
 * name service, or the image's own /etc/passwd and /etc/group with -R.
 * -1 when there is no such name.
 */
long pfj_image_uid(const char *root, const char *user);
long pfj_image_gid(const char *root, const char *group);

#endif
