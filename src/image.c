/*
 * image.c - read files of a system image (pfjail -R ROOT) as the image
 * itself would see them.
 *
 * Inside an image, an absolute symlink such as /etc/localtime ->
 * /usr/share/zoneinfo/Europe/Rome means ROOT/usr/share/..., not the host's
 * file.  So paths below ROOT are resolved one component at a time relative
 * to a descriptor of ROOT: an absolute link target restarts at ROOT and
 * ".." never climbs above it.  On the host (no -R) the kernel resolves.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

#define PFJ_IMAGE_MAX_LINKS 40

/*
 * Resolve path inside the directory rootfd as if it were "/": each symlink
 * is read with readlinkat and its target resolved relative to rootfd (an
 * absolute target restarts there, ".." never leaves it). *out gets the
 * resolved path, relative to rootfd ("." for the root itself). 0 or -errno.
 */
int pfj_image_resolve(int rootfd, const char *path, char **out)
{
	struct pfj_buf res = { 0 };
	char *pend, target[PATH_MAX];
	size_t pos = 0;
	int links = 0, r = 0;

	pend = strdup(path);
	if (!pend || pfj_buf_add(&res, "", 0) < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		struct stat st;
		size_t clen, next, save;
		const char *comp;
		ssize_t n;

		while (pend[pos] == '/')
			pos++;
		if (!pend[pos])
			break;
		comp = pend + pos;
		clen = strcspn(comp, "/");
		next = pos + clen;
		if (clen == 1 && comp[0] == '.') {
			pos = next;
			continue;
		}
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			char *sl = strrchr(res.data, '/');

			res.len = sl ? (size_t)(sl - res.data) : 0;
			res.data[res.len] = '\0';
			pos = next;
			continue;
		}
		save = res.len;
		if ((r = pfj_buf_add(&res, "/", 1)) < 0 ||
		    (r = pfj_buf_add(&res, comp, clen)) < 0)
			goto out;
		if (fstatat(rootfd, res.data + 1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char *np;

			if (++links > PFJ_IMAGE_MAX_LINKS) {
				r = -ELOOP;
				goto out;
			}
			n = readlinkat(rootfd, res.data + 1, target,
				       sizeof(target));
			if (n < 0) {
				r = -errno;
				goto out;
			}
			if ((size_t)n >= sizeof(target)) {
				r = -ENAMETOOLONG;
				goto out;
			}
			target[n] = '\0';
			np = pend[next] ? pfj_asprintf("%s%s", target, pend + next)
					: strdup(target);
			if (!np) {
				r = -ENOMEM;
				goto out;
			}
			free(pend);
			pend = np;
			pos = 0;
			res.len = target[0] == '/' ? 0 : save;
			res.data[res.len] = '\0';
			continue;
		}
		if (pend[next] == '/' && !S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			goto out;
		}
		pos = next;
	}
	*out = strdup(res.len ? res.data + 1 : ".");
	if (!*out)
		r = -ENOMEM;
out:
	free(pend);
	pfj_buf_free(&res);
	return r;
}

/*
 * Open path as the image under root sees it (flags as for open(2), e.g.
 * O_RDONLY or O_PATH). On the host the kernel follows symlinks; inside an
 * image they are resolved by root_resolve(). Returns an fd or -errno.
 */
int pfj_image_open(const char *root, const char *path, int flags)
{
	int rootfd, fd, r;
	char *rel;

	flags |= O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (pfj_root_is_host(root)) {
		fd = open(path, flags);
		return fd < 0 ? -errno : fd;
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	r = pfj_image_resolve(rootfd, path, &rel);
	if (r < 0) {
		close(rootfd);
		return r;
	}
	fd = openat(rootfd, rel, flags | O_NOFOLLOW);
	r = fd < 0 ? -errno : fd;
	free(rel);
	close(rootfd);
	return r;
}

/* Read a whole regular file from fd (at most max bytes) into out; 0 or -errno. */
int pfj_image_read_fd(int fd, size_t max, struct pfj_buf *out)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	return pfj_read_fd(fd, max, out);
}


/* image_id - an account's or group's id in the image's passwd or group file */
static long image_id(const char *root, const char *name, int group)
{
	int fd = pfj_image_open(root, group ? "/etc/group" : "/etc/passwd", O_RDONLY);
	FILE *fp = fd >= 0 ? fdopen(fd, "re") : NULL;
	long id = -1;

	if (!fp) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (group) {
		struct group *g;

		while ((g = fgetgrent(fp)))
			if (strcmp(g->gr_name, name) == 0) {
				id = (long)g->gr_gid;
				break;
			}
	} else {
		struct passwd *pw;

		while ((pw = fgetpwent(fp)))
			if (strcmp(pw->pw_name, name) == 0) {
				id = (long)pw->pw_uid;
				break;
			}
	}
	fclose(fp);
	return id;
}

long pfj_image_uid(const char *root, const char *user)
{
	struct passwd *pw;

	if (!pfj_root_is_host(root))
		return image_id(root, user, 0);
	pw = getpwnam(user);
	return pw ? (long)pw->pw_uid : -1;
}

long pfj_image_gid(const char *root, const char *group)
{
	struct group *g;

	if (!pfj_root_is_host(root))
		return image_id(root, group, 1);
	g = getgrnam(group);
	return g ? (long)g->gr_gid : -1;
}
