/*
 * takeover.c - owning a jail that the distribution's own script fills.
 *
 * Debian's postfix@.service runs /usr/lib/postfix/configure-instance.sh
 * before every start.  It copies, by glob, every lib{gcc_s,nss,resolv}*.so*
 * of every /lib/TRIPLET into the jail (Mozilla NSS and unused NSS modules included)
 * and copies etc files over pfjail's.  Left alone it undoes pfjail's exact
 * jail at every start, and verify rightly reports its copies.  Taking over
 * is two things: the script's copying is switched off with Debian's own
 * switch (SYNC_CHROOT="" in /etc/default/postfix; its other duties, such
 * as refusing a myorigin of debian.org, stay), and the copies it left are
 * removed - only those pfjail can prove are its copies: byte for byte the
 * host's file at the same path (or the same symbolic link), at a path its
 * glob matches, that pfjail does not place itself.  Anything else there
 * is reported and left in place: a file whose origin cannot be told is
 * never deleted.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "jailfs.h"
#include "safefile.h"
#include "takeover.h"

#define SCRIPT "/usr/lib/postfix/configure-instance.sh"
#define DEFAULTS_DIR "/etc/default"
#define DEFAULTS_NAME "postfix"
#define DEFAULTS_MAX (1u << 20)
#define COPY_MAX (256u << 20)
#define SCAN_MAX_DEPTH 8

/* image_exists - is there something at path in the system at root? */
static int image_exists(const char *root, const char *path)
{
	int fd = pfj_image_open(root, path, O_RDONLY);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/*
 * sync_chroot_value - the value of the last plain "SYNC_CHROOT=..." line
 * (optionally "export"ed), unquoted; NULL when there is none.  sh would
 * agree for the forms the file uses; anything fancier counts as "on".
 */
static char *sync_chroot_value(const char *text)
{
	char *val = NULL;

	for (const char *l = text; l && *l; ) {
		const char *nl = strchr(l, '\n'), *p = l;
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
			for (p += 6; *p == ' ' || *p == '\t'; p++)
				;
		if (strncmp(p, "SYNC_CHROOT=", 12) == 0) {
			p += 12;
			n = nl ? (size_t)(nl - p) : strlen(p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
				n--;
			free(val);
			if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0])
				val = strndup(p + 1, n - 2);
			else
				val = strndup(p, strcspn(p, " \t#;\r\n") < n ? strcspn(p, " \t#;\r\n") : n);
		}
		l = nl ? nl + 1 : NULL;
	}
	return val;
}

int pfj_takeover_script_active(const char *root)
{
	struct pfj_buf text = { 0 };
	char *v;
	int fd, on;

	if (!image_exists(root, SCRIPT))
		return 0;
	fd = pfj_image_open(root, DEFAULTS_DIR "/" DEFAULTS_NAME, O_RDONLY);
	if (fd < 0)
		return 1;	/* the script's default: SYNC_CHROOT="y" */
	if (pfj_image_read_fd(fd, DEFAULTS_MAX, &text) < 0) {
		close(fd);
		return 1;
	}
	close(fd);
	v = sync_chroot_value(text.data ? text.data : "");
	on = !v || *v;
	free(v);
	pfj_buf_free(&text);
	return on;
}

int pfj_takeover_switch_off(const char *root, int dry_run, char *why, size_t why_size)
{
	static const char add[] =
		"# pfjail fills this jail (pfjail build --take-over): configure-instance.sh\n"
		"# copies nothing into it.  Remove this line to hand the jail back to it.\n"
		"SYNC_CHROOT=\"\"\n";
	struct pfj_replace_opts opts = { .mode = 0644, .uid = 0, .gid = 0 };
	struct pfj_buf text = { 0 };
	struct stat st;
	const char *stage;
	int dfd, r;

	if (!pfj_takeover_script_active(root))
		return 0;
	if (dry_run)
		return 1;
	dfd = pfj_image_open(root, DEFAULTS_DIR, O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		snprintf(why, why_size, "%s: %s", DEFAULTS_DIR, strerror(-dfd));
		return -1;
	}
	r = pfj_read_at(dfd, DEFAULTS_NAME, DEFAULTS_MAX, &text, &st);
	if (r == 0) {
		opts.mode = st.st_mode & 07777;
		opts.uid = st.st_uid;
		opts.gid = st.st_gid;
	} else if (r != -ENOENT) {
		snprintf(why, why_size, "%s/%s: %s", DEFAULTS_DIR, DEFAULTS_NAME,
			 r == -ELOOP ? "a symbolic link; not edited" : strerror(-r));
		goto fail;
	}
	if ((text.len && text.data[text.len - 1] != '\n' && pfj_buf_add(&text, "\n", 1) < 0) ||
	    pfj_buf_add(&text, add, sizeof(add) - 1) < 0) {
		snprintf(why, why_size, "out of memory");
		goto fail;
	}
	if ((r = pfj_replace_at(dfd, DEFAULTS_NAME, text.data, text.len, &opts, &stage)) < 0) {
		snprintf(why, why_size, "%s/%s: cannot replace (%s): %s; the file is unchanged",
			 DEFAULTS_DIR, DEFAULTS_NAME, stage, strerror(-r));
		goto fail;
	}
	pfj_buf_free(&text);
	close(dfd);
	return 1;
fail:
	pfj_buf_free(&text);
	close(dfd);
	return -1;
}

/* same_as_host - is jail entry dfd/name the system's file at path, byte for byte? */
static int same_as_host(int dfd, const char *name, const struct stat *st, const char *root,
			const char *path)
{
	char parent[PATH_MAX], *slash;
	struct stat hst;
	int hdir, same = 0;

	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent) ||
	    !(slash = strrchr(parent, '/')))
		return 0;
	*slash = '\0';
	hdir = pfj_image_open(root, parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY);
	if (hdir < 0)
		return 0;
	if (fstatat(hdir, slash + 1, &hst, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st->st_mode) && S_ISLNK(hst.st_mode)) {
			char a[PATH_MAX], b[PATH_MAX];
			ssize_t na = readlinkat(dfd, name, a, sizeof(a));
			ssize_t nb = readlinkat(hdir, slash + 1, b, sizeof(b));

			same = na >= 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
		} else if (S_ISREG(st->st_mode) && S_ISREG(hst.st_mode) &&
			   st->st_size == hst.st_size) {
			struct pfj_buf x = { 0 }, y = { 0 };
			struct stat s1, s2;

			same = pfj_read_at(dfd, name, COPY_MAX, &x, &s1) == 0 &&
			       pfj_read_at(hdir, slash + 1, COPY_MAX, &y, &s2) == 0 &&
			       x.len == y.len && (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
			pfj_buf_free(&x);
			pfj_buf_free(&y);
		}
	}
	close(hdir);
	return same;
}

struct scan {
	const char *root;
	int (*planned)(const char *rel, void *arg);
	void *arg;
	struct pfj_strv *copies, *unknown;
};

/* scan_dir - match the pattern's components below dfd (rel: its jail path) */
static int scan_dir(struct scan *s, int dfd, const char *rel, const char *pat, int depth)
{
	size_t clen = strcspn(pat, "/");
	int last = pat[clen] == '\0', r = 0;
	char comp[NAME_MAX + 1];
	struct dirent *de;
	DIR *d;
	int fd2;

	if (clen == 0 || clen > NAME_MAX || depth > SCAN_MAX_DEPTH)
		return 0;
	memcpy(comp, pat, clen);
	comp[clen] = '\0';
	if ((fd2 = dup(dfd)) < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
		return -1;
	}
	rewinddir(d);
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (fnmatch(comp, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
		    (int)sizeof(path) || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!last) {
			int sub;

			if (!S_ISDIR(st.st_mode))
				continue;
			sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			r = scan_dir(s, sub, path, pat + clen + 1, depth + 1);
			close(sub);
			continue;
		}
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			continue;
		if (s->planned(path, s->arg))
			continue;
		{
			char host[PATH_MAX + 1];

			snprintf(host, sizeof(host), "/%s", path);
			r = pfj_strv_add(same_as_host(dfd, de->d_name, &st, s->root, host) ?
					 s->copies : s->unknown, path);
		}
	}
	closedir(d);
	return r;
}

/* known_link - is jail path rel (below rootfd) a symbolic link to exactly target? */
static int known_link(int rootfd, const char *rel, const char *target)
{
	char buf[PATH_MAX], comp[NAME_MAX + 1];
	const char *p = rel;
	int dfd = dup(rootfd), same = 0;
	ssize_t n;

	while (dfd >= 0) {
		size_t clen = strcspn(p, "/");

		if (clen == 0 || clen > NAME_MAX)
			break;
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		if (p[clen] == '\0') {
			n = readlinkat(dfd, comp, buf, sizeof(buf));
			same = n >= 0 && (size_t)n == strlen(target) &&
			       memcmp(buf, target, (size_t)n) == 0;
			break;
		}
		{
			int sub = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			close(dfd);
			dfd = sub;
		}
		p += clen + 1;
	}
	if (dfd >= 0)
		close(dfd);
	return same;
}

int pfj_takeover_scan(int rootfd, const char *root, const struct pfj_strv *patterns,
		      const struct pfj_profile_link *links, size_t n_links,
		      int (*planned)(const char *rel, void *arg), void *arg,
		      struct pfj_strv *copies, struct pfj_strv *unknown,
		      char *why, size_t why_size)
{
	struct scan s = {
		.root = root, .planned = planned, .arg = arg, .copies = copies, .unknown = unknown,
	};

	for (size_t i = 0; i < patterns->n; i++) {
		if (scan_dir(&s, rootfd, "", patterns->v[i] + 1, 0) < 0) {
			snprintf(why, why_size, "looking for %s in the jail: %s", patterns->v[i],
				 strerror(errno ? errno : ENOMEM));
			return -1;
		}
	}
	for (size_t i = 0; i < n_links; i++) {
		const char *rel = links[i].path + 1;

		if (!planned(rel, arg) && known_link(rootfd, rel, links[i].target) &&
		    pfj_strv_add(copies, rel) < 0) {
			snprintf(why, why_size, "out of memory");
			return -1;
		}
	}
	return 0;
}

int pfj_takeover_remove(int rootfd, const char *rel, char *why, size_t why_size)
{
	char dir[PATH_MAX];
	const char *base = strrchr(rel, '/');
	int dfd;

	if (!base) {
		dfd = dup(rootfd);
		base = rel;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - rel), rel);
		base++;
		dfd = pfj_jail_open_dir(rootfd, dir, 0755, 0, why, why_size);
	}
	if (dfd < 0)
		return -1;
	if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT) {
		snprintf(why, why_size, "%s: cannot remove: %s", rel, strerror(errno));
		close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}
