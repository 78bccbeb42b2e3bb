/*
 * jailfs.c - directory walking for a partly hostile tree.
 *
 * The queue directory is root-owned, but most of what is below it belongs
 * to the unprivileged postfix user, and a compromised daemon running as
 * postfix can plant symlinks and hard links wherever it can write.  pfjail
 * runs as root, so it never resolves a path below the jail root in one
 * go: it opens one component at a time relative to a directory it has
 * already checked, with O_NOFOLLOW, and writes only into directories that
 * are root-owned and writable by nobody else (so nobody else can swap
 * their entries between the check and the write).  Files are then replaced
 * with safefile's temp + renameat inside such a directory, which replaces
 * a planted link itself, never what it points to.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/stat.h>
#include <unistd.h>

#include "jailfs.h"
#include "safefile.h"

unsigned long long pfj_mount_id(int fd)
{
	struct statx stx;
	struct stat st;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID))
		return stx.stx_mnt_id;
	return fstat(fd, &st) == 0 ? (unsigned long long)st.st_dev | PFJ_MOUNT_ID_BY_DEV : 0;
}

int pfj_jail_dir_trusted(mode_t mode, uid_t uid)
{
	return S_ISDIR(mode) && uid == 0 && (mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* ancestor_ok - a root-owned sticky directory is fine above the jail */
static int ancestor_ok(const struct stat *st)
{
	if (pfj_jail_dir_trusted(st->st_mode, st->st_uid))
		return 1;
	return S_ISDIR(st->st_mode) && st->st_uid == 0 && (st->st_mode & S_ISVTX);
}

/* next_component - copy the next path component of *p into buf */
static int next_component(const char **p, char *buf, size_t size)
{
	const char *s = *p, *e;
	size_t n;

	while (*s == '/')
		s++;
	if (!*s)
		return 0;
	e = strchrnul(s, '/');
	n = (size_t)(e - s);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*p = e;
	if (strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return -EINVAL;
	return 1;
}

int pfj_jail_open_root(const char *path, char *why, size_t why_size)
{
	char comp[256], sofar[4096] = "";
	const char *p = path;
	struct stat st;
	int fd, r;

	if (path[0] != '/') {
		snprintf(why, why_size, "%s: not an absolute path", path);
		return -1;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, why_size, "/: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((r = next_component(&p, comp, sizeof(comp))) > 0) {
		int nfd;
		int last;

		if (!ancestor_ok(&st)) {
			snprintf(why, why_size, "%s: an ancestor of the jail %s is %s (mode %04o, owner %u)",
				 sofar[0] ? sofar : "/", path,
				 st.st_uid != 0 ? "not owned by root" : "writable by group or others",
				 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
			close(fd);
			return -1;
		}
		if (strlen(sofar) + strlen(comp) + 2 < sizeof(sofar)) {
			strcat(sofar, "/");
			strcat(sofar, comp);
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			snprintf(why, why_size, "%s: %s", sofar,
				 errno == ENOTDIR || errno == ELOOP ?
				 "not a directory (a symlink is not accepted here)" : strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		fd = nfd;
		if (fstat(fd, &st) < 0) {
			snprintf(why, why_size, "%s: %s", sofar, strerror(errno));
			close(fd);
			return -1;
		}
		while (*p == '/')
			p++;
		last = *p == '\0';
		if (last && !pfj_jail_dir_trusted(st.st_mode, st.st_uid)) {
			snprintf(why, why_size, "%s: the jail root must be owned by root and not writable by group or others (mode %04o, owner %u)",
				 sofar, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
			close(fd);
			return -1;
		}
	}
	if (r < 0) {
		snprintf(why, why_size, "%s: bad path component", path);
		close(fd);
		return -1;
	}
	return fd;
}

int pfj_jail_open_dir(int rootfd, const char *rel, mode_t mode, int create,
		      char *why, size_t why_size)
{
	char comp[256], sofar[4096] = "";
	const char *p = rel;
	unsigned long long root_mnt = pfj_mount_id(rootfd);
	int fd, r;

	fd = dup(rootfd);
	if (fd < 0) {
		snprintf(why, why_size, "dup: %s", strerror(errno));
		return -1;
	}
	while ((r = next_component(&p, comp, sizeof(comp))) > 0) {
		struct stat st;
		int nfd;

		if (strlen(sofar) + strlen(comp) + 2 < sizeof(sofar)) {
			if (sofar[0])
				strcat(sofar, "/");
			strcat(sofar, comp);
		}
		if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT || !create) {
				snprintf(why, why_size, "%s: %s", sofar, strerror(errno));
				goto fail;
			}
			if (mkdirat(fd, comp, mode) < 0 && errno != EEXIST) {
				snprintf(why, why_size, "%s: cannot create: %s", sofar, strerror(errno));
				goto fail;
			}
		} else if (!S_ISDIR(st.st_mode)) {
			snprintf(why, why_size, "%s: refusing: it is %s, not a directory", sofar,
				 S_ISLNK(st.st_mode) ? "a symlink" : "something else");
			errno = ENOTDIR;
			goto fail;
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			snprintf(why, why_size, "%s: %s", sofar,
				 errno == ELOOP || errno == ENOTDIR ?
				 "refusing: replaced by a symlink or a file while being opened" :
				 strerror(errno));
			goto fail;
		}
		close(fd);
		fd = nfd;
		/* check what we opened, not what the name pointed to before */
		if (fstat(fd, &st) < 0) {
			snprintf(why, why_size, "%s: %s", sofar, strerror(errno));
			goto fail;
		}
		if (pfj_mount_id(fd) != root_mnt) {
			/* a mount inside the jail could be the host's own directory */
			snprintf(why, why_size, "%s: refusing: another filesystem is mounted there", sofar);
			errno = EXDEV;
			goto fail;
		}
		if (!pfj_jail_dir_trusted(st.st_mode, st.st_uid)) {
			snprintf(why, why_size, "%s: refusing to write below a directory that is %s (mode %04o, owner %u)",
				 sofar, st.st_uid != 0 ? "not owned by root" : "writable by group or others",
				 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
			errno = EPERM;
			goto fail;
		}
	}
	if (r < 0) {
		snprintf(why, why_size, "%s: bad path component", rel);
		errno = EINVAL;
		goto fail;
	}
	return fd;
fail:
	r = errno;
	close(fd);
	errno = r;
	return -1;
}

int pfj_state_dir_open(const char *dir, char *why, size_t why_size)
{
	char comp[256];
	const char *p = dir;
	int fd, r;

	if (dir[0] != '/') {
		snprintf(why, why_size, "%s: not an absolute path", dir);
		return -1;
	}
	/* usually it is there already: then one checked walk is enough (when
	 * not, the walk below makes what is missing and checks it all again) */
	if ((fd = pfj_jail_open_root(dir, why, why_size)) >= 0)
		return fd;
	/* mkdir -p one component at a time, never through a symlink (with -R
	 * an image's absolute symlink would point at the host) */
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_size, "/: %s", strerror(errno));
		return -1;
	}
	while ((r = next_component(&p, comp, sizeof(comp))) > 0) {
		int last, nfd;

		while (*p == '/')
			p++;
		last = *p == '\0';
		if (mkdirat(fd, comp, last ? 0700 : 0755) < 0 && errno != EEXIST) {
			snprintf(why, why_size, "%s: cannot create %s: %s", dir, comp, strerror(errno));
			close(fd);
			return -1;
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (nfd < 0) {
			snprintf(why, why_size, "%s: %s: %s", dir, comp,
				 errno == ELOOP || errno == ENOTDIR ?
				 "a symlink or not a directory; refusing" : strerror(errno));
			return -1;
		}
		fd = nfd;
	}
	close(fd);
	if (r < 0) {
		snprintf(why, why_size, "%s: bad path component", dir);
		return -1;
	}
	return pfj_jail_open_root(dir, why, why_size);
}

int pfj_state_read(const char *path, size_t max, struct pfj_buf *out)
{
	char *dir = strdup(path), *slash, why[512];
	struct stat st;
	int dfd, r;

	if (!dir)
		return -ENOMEM;
	if (!(slash = strrchr(dir, '/')) || slash == dir) {
		free(dir);
		return -EINVAL;
	}
	*slash = '\0';
	/* the directory is checked like the jail root, the file must be root's alone */
	dfd = pfj_jail_open_root(dir, why, sizeof(why));
	if (dfd < 0) {
		r = access(dir, F_OK) == 0 ? -EPERM : -ENOENT;
		free(dir);
		return r;
	}
	r = pfj_read_at(dfd, slash + 1, max, out, &st);
	close(dfd);
	free(dir);
	if (r == 0 && (st.st_uid != 0 || (st.st_mode & 077))) {
		pfj_buf_free(out);
		return -EPERM;
	}
	return r;
}
