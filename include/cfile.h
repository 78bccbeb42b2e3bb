/* cfile.h - a configuration file pfjail edits (master.cf, aliases). */
#ifndef PFJ_CFILE_H
#define PFJ_CFILE_H

#include <sys/stat.h>

#include "util.h"

struct pfj_cfile {
	char *path;		/* as the administrator knows it */
	char *real;		/* the file actually replaced (a symlink's target) */
	int dirfd;		/* directory of `real` */
	char *name;		/* basename of `real` */
	struct stat st;
	struct pfj_buf data;
	int missing;		/* it does not exist yet (missing_ok) */
};

/*
 * Find and read DIR/NAME (or the absolute path NAME when dir is NULL).  A
 * symlink is followed only when it resolves to a regular file owned by
 * root; the target is then what gets replaced, so the link survives.  With
 * missing_ok a file that does not exist is not an error (cf->missing).
 * Errors are reported (naming the file) and returned as -errno.
 */
int pfj_cfile_open(const char *dir, const char *name, size_t max, int missing_ok,
		   struct pfj_cfile *cf);

/* Inside a system image (-R) a symlink is refused: its target means a path
 * in the image, which realpath() would look up on the host. */
void pfj_cfile_in_image(int yes);
void pfj_cfile_free(struct pfj_cfile *cf);

#endif
