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
#include <unistd.h>

#include "jailfs.h"

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
		if (!pfj_jail_dir_trusted(st.st_mode, st.st_uid)) {
			snprintf(why, why_size, "%s: refusing to write below a directory that is %s (mode %04o, owner %u)",
				 sofar, st.st_uid != 0 ? "not owned by root" : "writable by group or others",
				 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
			goto fail;
		}
	}
	if (r < 0) {
		snprintf(why, why_size, "%s: bad path component", rel);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int pfj_state_dir_open(const char *dir, char *why, size_t why_size)
{
	char *buf = strdup(dir);

	if (!buf) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	/* mkdir -p; the last component private to root */
	for (char *c = buf + 1; ; c++) {
		if (*c == '/' || *c == '\0') {
			char save = *c;

			*c = '\0';
			if (mkdir(buf, save ? 0755 : 0700) < 0 && errno != EEXIST) {
				snprintf(why, why_size, "%s: cannot create: %s", buf, strerror(errno));
				free(buf);
				return -1;
			}
			*c = save;
		}
		if (!*c)
			break;
	}
	free(buf);
	return pfj_jail_open_root(dir, why, why_size);
}
