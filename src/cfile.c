/*
 * cfile.c - open a configuration file for an atomic, minimal edit.
 *
 * master.cf and the aliases file are edited the same way: read through a
 * descriptor of their directory (never through an unexpected symlink),
 * then replaced with safefile.  A symlinked file is accepted only when it
 * resolves to a regular file owned by root, and then the target is edited.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfile.h"
#include "log.h"
#include "safefile.h"

static int in_image;

void pfj_cfile_in_image(int yes)
{
	in_image = yes;
}

void pfj_cfile_free(struct pfj_cfile *cf)
{
	if (cf->dirfd >= 0)
		close(cf->dirfd);
	free(cf->path);
	free(cf->real);
	free(cf->name);
	pfj_buf_free(&cf->data);
	memset(cf, 0, sizeof(*cf));
	cf->dirfd = -1;
}

int pfj_cfile_open(const char *dir, const char *name, size_t max, int missing_ok,
		   struct pfj_cfile *cf)
{
	struct stat lst;
	char *dir_copy, *base_copy;
	int r;

	memset(cf, 0, sizeof(*cf));
	cf->dirfd = -1;
	cf->path = dir ? pfj_asprintf("%s/%s", dir, name) : strdup(name);
	if (!cf->path)
		return -ENOMEM;
	if (fstatat(AT_FDCWD, cf->path, &lst, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT || !missing_ok) {
			pfj_err("%s: %m", cf->path);
			return -errno;
		}
		cf->missing = 1;
	} else if (S_ISLNK(lst.st_mode)) {
		struct stat tst;

		if (in_image) {
			pfj_err("%s: refusing a symlink inside a system image (-R): its target is a path in the image",
				cf->path);
			return -EPERM;
		}
		if (!(cf->real = realpath(cf->path, NULL))) {
			pfj_err("%s: symlink does not resolve: %m", cf->path);
			return -errno;
		}
		if (lstat(cf->real, &tst) < 0 || !S_ISREG(tst.st_mode) || tst.st_uid != 0) {
			pfj_err("%s: refusing a symlink to %s, which is not a regular file owned by root",
				cf->path, cf->real);
			return -EPERM;
		}
	}
	if (!cf->real && !(cf->real = strdup(cf->path)))
		return -ENOMEM;
	dir_copy = strdup(cf->real);
	base_copy = strdup(cf->real);
	if (!dir_copy || !base_copy) {
		free(dir_copy);
		free(base_copy);
		return -ENOMEM;
	}
	cf->dirfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cf->dirfd < 0)
		pfj_err("%s: cannot open its directory: %m", cf->real);
	cf->name = strdup(basename(base_copy));
	free(dir_copy);
	free(base_copy);
	if (cf->dirfd < 0)
		return -errno;
	if (!cf->name)
		return -ENOMEM;
	if (cf->missing)
		return 0;
	r = pfj_read_at(cf->dirfd, cf->name, max, &cf->data, &cf->st);
	if (r == -EINVAL)
		pfj_err("%s: not a regular file", cf->real);
	else if (r == -ELOOP)
		pfj_err("%s: changed into a symlink while being read", cf->real);
	else if (r < 0)
		pfj_err("%s: %s", cf->real, strerror(-r));
	return r;
}
