/*
 * distro.c - what the distribution's packages put in the queue directory.
 *
 * pfjail is not the only writer of Postfix's queue directory.  Debian's
 * postfix package ships directories inside it (dev, etc, lib, usr/lib/sasl2,
 * ...), registers owners and modes with dpkg-statoverride (public: postfix
 * postdrop 02710), has its postinst chmod maildrop to 1730, and its
 * maintainer scripts leave flag files (restart, reload).  None of that is
 * tampering, and a boot-time check that calls it tampering is switched off
 * by the first admin who meets it.  This module reads those truths from
 * the system itself (the files the jail profile names), so that verify
 * judges the jail the way the distribution left it.  With -R every file is
 * read from the image, and names are looked up in the image's passwd and
 * group files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "distro.h"
#include "image.h"

#define DISTRO_FILE_MAX (16u << 20)

/* read_image - a whole file of the system at root; 0, or -errno */
static int read_image(const char *root, const char *path, struct pfj_buf *out)
{
	int fd = pfj_image_open(root, path, O_RDONLY), r;

	if (fd < 0)
		return fd;
	r = pfj_image_read_fd(fd, DISTRO_FILE_MAX, out);
	close(fd);
	return r;
}

/* under_qdir - the jail-relative part of path when it lies below qdir, else NULL */
static const char *under_qdir(const char *path, const char *qdir)
{
	size_t n = strlen(qdir);

	while (n > 1 && qdir[n - 1] == '/')
		n--;
	if (strncmp(path, qdir, n) != 0 || path[n] != '/' || !path[n + 1])
		return NULL;
	return path + n + 1;
}

/* rel_ok - a normalised relative path: no empty, "." or ".." component */
static int rel_ok(const char *rel)
{
	const char *c = rel;

	if (!*c || strlen(rel) >= PFJ_F_PATH_MAX)
		return 0;
	for (;;) {
		size_t l = strcspn(c, "/");

		if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[l])
			return 1;
		c += l + 1;
	}
}

int pfj_distro_parse_statoverride(const char *text, size_t len, const char *qdir,
				  int (*fn)(const char *owner, const char *group, unsigned mode,
					    const char *rel, void *arg),
				  void *arg)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[4096], *f[4], *save = NULL, *rest, *e;
		const char *rel;
		unsigned long mode;
		int i, r;

		if (l < sizeof(line) && !memchr(p, '\0', l)) {
			memcpy(line, p, l);
			line[l] = '\0';
			/* "owner group mode path": the path is the rest of the line */
			for (i = 0, rest = line; i < 3; i++) {
				if (!(f[i] = strtok_r(i ? NULL : line, " \t", &save)))
					break;
			}
			rest = i == 3 ? save : NULL;
			while (rest && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (i == 3 && rest && *rest == '/') {
				f[3] = rest;
				mode = strtoul(f[2], &e, 8);
				rel = under_qdir(f[3], qdir);
				if (*e == '\0' && e != f[2] && mode <= 07777 && rel && rel_ok(rel) &&
				    (r = fn(f[0], f[1], (unsigned)mode, rel, arg)) != 0)
					return r;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

struct qd_add {
	const char *root;
	struct pfj_queue_dir **qd;
	size_t *n;
	size_t cap;
};

/* qd_append - one more accepted owner and mode for a queue directory */
static int qd_append(struct qd_add *a, const char *name, uid_t uid, gid_t gid, unsigned mode)
{
	struct pfj_queue_dir *v;

	if (*a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : *a->n + 8;

		if (!(v = realloc(*a->qd, cap * sizeof(*v))))
			return -ENOMEM;
		*a->qd = v;
		a->cap = cap;
	}
	v = &(*a->qd)[(*a->n)++];
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->uid = uid;
	v->gid = gid;
	v->mode = (mode_t)mode;
	return 0;
}

/* is_queue_dir - does postfix-files (already in qd) know this directory? */
static const struct pfj_queue_dir *known_qdir(const struct qd_add *a, const char *name)
{
	for (size_t i = 0; i < *a->n; i++)
		if (strcmp((*a->qd)[i].name, name) == 0)
			return &(*a->qd)[i];
	return NULL;
}

/* add_override - a statoverride entry for a queue directory */
static int add_override(const char *owner, const char *group, unsigned mode, const char *rel,
			void *arg)
{
	struct qd_add *a = arg;
	long uid, gid;

	/* only Postfix's own queue directories: anything else below the jail
	 * is pfjail's, and pfjail decides its owner and mode */
	if (strchr(rel, '/') || !known_qdir(a, rel))
		return 0;
	uid = owner[0] == '#' ? strtol(owner + 1, NULL, 10) : pfj_image_uid(a->root, owner);
	gid = group[0] == '#' ? strtol(group + 1, NULL, 10) : pfj_image_gid(a->root, group);
	if (uid < 0 || gid < 0)
		return 0;	/* a name this system does not know: dpkg could not apply it */
	return qd_append(a, rel, (uid_t)uid, (gid_t)gid, mode);
}

int pfj_distro_queue_dirs(const char *root, const char *qdir, const struct pfj_profile *prof,
			  struct pfj_queue_dir **qd, size_t *n)
{
	struct qd_add a = { .root = root, .qd = qd, .n = n, .cap = *n };
	size_t known = *n;
	int r;

	/* the package scripts' modes: postfix-files' owners, another mode */
	for (size_t i = 0; i < prof->n_queue_modes; i++) {
		const struct pfj_profile_qmode *q = &prof->queue_modes[i];
		int fd;

		if (q->if_exists) {
			if ((fd = pfj_image_open(root, q->if_exists, O_RDONLY)) < 0)
				continue;
			close(fd);
		}
		for (size_t k = 0; k < known; k++) {
			struct pfj_queue_dir base = (*qd)[k];

			if (strcmp(base.name, q->directory) == 0 &&
			    (r = qd_append(&a, base.name, base.uid, base.gid, q->mode)) < 0)
				return r;
		}
	}
	for (size_t i = 0; i < prof->owner_overrides.n; i++) {
		struct pfj_buf text = { 0 };

		if (read_image(root, prof->owner_overrides.v[i], &text) < 0)
			continue;	/* no dpkg here */
		r = pfj_distro_parse_statoverride(text.data ? text.data : "", text.len, qdir,
						  add_override, &a);
		pfj_buf_free(&text);
		if (r < 0)
			return r;
	}
	return 0;
}

int pfj_distro_package_dirs(const char *root, const char *qdir, const struct pfj_profile *prof,
			    struct pfj_strv *dirs)
{
	for (size_t i = 0; i < prof->package_lists.n; i++) {
		struct pfj_buf text = { 0 };
		char *line, *save = NULL;

		if (read_image(root, prof->package_lists.v[i], &text) < 0 || !text.data) {
			pfj_buf_free(&text);
			continue;	/* not a dpkg system, or the package is not installed */
		}
		for (line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *rel = under_qdir(line, qdir);

			if (rel && rel_ok(rel) && !pfj_strv_contains(dirs, rel) &&
			    pfj_strv_add(dirs, rel) < 0) {
				pfj_buf_free(&text);
				return -ENOMEM;
			}
		}
		pfj_buf_free(&text);
	}
	return 0;
}
