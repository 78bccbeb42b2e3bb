/*
 * jail.c - fill Postfix's queue directory with what chrooted daemons need.
 *
 * Three steps.  Plan: from the jail profile (data), pfjail.conf and
 * Postfix's own settings, list every directory, file, symlink and device
 * node the jail should hold - LINUX2's files, Debian's extras (CA paths with
 * their hash links, etc/passwd when local_recipient_maps reads passwd
 * directly, device nodes, extra files, libgcc_s), and exactly the NSS
 * modules nsswitch.conf names for the databases Postfix looks up, with
 * their DT_NEEDED closure found the way the dynamic linker finds it.
 * The part of the plan that does not depend on Postfix's settings is made
 * while postconf runs (pfj_jail_prepare), and what it will need is read,
 * hashed and prestaged then (see "Prestaging" below).
 * Apply: walk the jail only through jailfs (root-owned directories, one
 * O_NOFOLLOW component at a time) and replace what differs with
 * safefile's temp + fsync + renameat, so a running daemon never reads a
 * partial file and a planted link is replaced, never followed.  Record:
 * write the manifest (what was placed, with SHA-256 and the source's
 * identity) and remove what an earlier build placed but the plan no longer
 * wants.  Nothing is written when nothing differs.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cahash.h"
#include "crypto.h"
#include "elfdeps.h"
#include "image.h"
#include "jail.h"
#include "jailfs.h"
#include "log.h"
#include "manifest.h"
#include "nss.h"
#include "profile.h"
#include "safefile.h"
#include "takeover.h"

#define JAIL_FILE_MAX (256u << 20)

/* One thing the jail should hold. */
struct item {
	char *path;		/* relative to the jail root */
	char type;		/* PFJ_MF_* */
	mode_t mode;
	char *source;		/* host path as the image sees it; NULL when generated */
	struct pfj_buf content;	/* file contents (read from source, or generated) */
	struct stat src_st;	/* identity of the source */
	char *target;		/* symlinks */
	dev_t rdev;		/* devices */
	int loaded;		/* content holds the bytes */
	int hashed;		/* sha256 is that of content */
	unsigned char sha256[32];
	unsigned long long size;	/* of what sha256 describes */
	int pre;		/* the stage directory holds this entry at its path (a
				 * file there has the bytes sha256 and size describe) */
	int src_fd;		/* source kept open from the plan until loaded, or -1 */
};

struct plan {
	struct item *it;
	size_t n, cap;
	struct pfj_strv missing;	/* host files that do not exist (reported) */
	struct pfj_strv notes;		/* warnings about the plan */
};

enum outcome { SAME, CREATED, UPDATED };

struct result {
	struct pfj_strv created, updated, removed;
	size_t unchanged;
};

/* ---- the plan ----------------------------------------------------------- */

static struct item *plan_find(struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->it[i].path, path) == 0)
			return &p->it[i];
	return NULL;
}

/* plan_new - append an item for path (which must not be planned yet) */
static struct item *plan_new(struct plan *p, const char *path, char type, mode_t mode)
{
	struct item *it;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct item *v = realloc(p->it, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->it = v;
		p->cap = cap;
	}
	if (!pfj_manifest_path_ok(path)) {
		errno = EINVAL;	/* "a//b", "a/../b": never planned, never written */
		return NULL;
	}
	it = &p->it[p->n];
	memset(it, 0, sizeof(*it));
	it->src_fd = -1;
	if (!(it->path = strdup(path)))
		return NULL;
	it->type = type;
	it->mode = mode;
	p->n++;
	return it;
}

/* plan_dirs - every ancestor directory of rel (and rel itself when is_dir) */
static int plan_dirs(struct plan *p, const char *rel, int is_dir)
{
	char buf[4096];
	size_t len = strlen(rel);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, rel, len + 1);
	for (char *c = buf; ; c++) {
		if (*c == '/' || (*c == '\0' && is_dir)) {
			char save = *c;
			struct item *it;

			*c = '\0';
			it = plan_find(p, buf);
			if (it && it->type != PFJ_MF_DIR)
				return -EEXIST;
			if (!it && !plan_new(p, buf, PFJ_MF_DIR, 0755))
				return -ENOMEM;
			*c = save;
		}
		if (*c == '\0')
			break;
	}
	return 0;
}

/*
 * normalize - an absolute path in canonical form: "//" collapsed, "."
 * dropped, ".." taken lexically (never above "/"), no trailing "/".
 * CA paths come from main.cf ("/etc/ssl/certs/") and library paths from
 * $ORIGIN/../ runpaths, so they are not always canonical.
 */
static int normalize(const char *in, char *out, size_t size)
{
	size_t len = 0;
	const char *c = in;

	if (in[0] != '/' || size < 2)
		return -EINVAL;
	out[0] = '\0';
	while (*c) {
		const char *e;
		size_t n;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		e = strchrnul(c, '/');
		n = (size_t)(e - c);
		if (n == 1 && c[0] == '.') {
			/* nothing */
		} else if (n == 2 && c[0] == '.' && c[1] == '.') {
			char *sl = strrchr(out, '/');

			len = sl ? (size_t)(sl - out) : 0;
			out[len] = '\0';
		} else {
			if (len + 1 + n + 1 > size)
				return -ENAMETOOLONG;
			out[len++] = '/';
			memcpy(out + len, c, n);
			len += n;
			out[len] = '\0';
		}
		c = e;
	}
	if (!len) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* rel_of - the jail-relative form of an absolute host path */
static const char *rel_of(const char *abs)
{
	while (*abs == '/')
		abs++;
	return abs;
}

/*
 * plan_copy - copy host file `source` (as the image sees it) to jail path
 * `dest`.  Only the source's identity is taken now; its bytes are read when
 * they are needed (load, or later by item_load), so that a rebuild with
 * nothing changed reads no file contents at all.  Returns 0, -ENOENT when
 * the source does not exist, or -errno.
 */
static int plan_copy(struct plan *p, const char *root, const char *dest_in, const char *source,
		     int load)
{
	char dest[4096];
	struct item *it;
	int fd, r = 0;

	if ((r = normalize(dest_in, dest, sizeof(dest))) < 0 || strcmp(dest, "/") == 0)
		return r < 0 ? r : -EINVAL;
	if (plan_find(p, rel_of(dest)))
		return 0;	/* already planned (an extra file the profile has too) */
	fd = pfj_image_open(root, source, O_RDONLY);
	if (fd < 0)
		return fd;
	if ((r = plan_dirs(p, rel_of(dest), 0)) < 0 ||
	    !(it = plan_new(p, rel_of(dest), PFJ_MF_FILE, 0644))) {
		close(fd);
		return r < 0 ? r : -ENOMEM;
	}
	if (fstat(fd, &it->src_st) < 0) {
		r = -errno;
	} else if (!S_ISREG(it->src_st.st_mode)) {
		r = -EINVAL;
	} else {
		it->mode = it->src_st.st_mode & 0755;
		if (!(it->source = strdup(source)))
			r = -ENOMEM;
		else if (load && (r = pfj_read_fd(fd, JAIL_FILE_MAX, &it->content)) == 0)
			it->loaded = 1;
	}
	/* keep the descriptor: if the bytes are needed later, read what was planned */
	if (r == 0 && !it->loaded && p->n < 256) {
		it->src_fd = fd;
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		/* leave no half-planned file behind */
		if (it->src_fd >= 0)
			close(it->src_fd);
		free(it->path);
		free(it->source);
		pfj_buf_free(&it->content);
		p->n--;
	}
	return r;
}

/* item_source - the planned file's source, open at offset 0 */
static int item_source(const char *root, struct item *it, char *why, size_t why_size)
{
	int fd, r;

	if (it->src_fd >= 0) {
		fd = it->src_fd;	/* what the plan looked at */
		it->src_fd = -1;
		if (lseek(fd, 0, SEEK_SET) < 0) {
			r = -errno;
			close(fd);
			snprintf(why, why_size, "%s: %s", it->source, strerror(-r));
			return -1;
		}
		return fd;
	}
	fd = pfj_image_open(root, it->source, O_RDONLY);
	if (fd < 0) {
		snprintf(why, why_size, "%s: %s", it->source, strerror(-fd));
		return -1;
	}
	/* the source may have been replaced since the plan: describe what is read */
	if (fstat(fd, &it->src_st) < 0 || !S_ISREG(it->src_st.st_mode)) {
		snprintf(why, why_size, "%s: no longer a regular file", it->source);
		close(fd);
		return -1;
	}
	it->mode = it->src_st.st_mode & 0755;
	return fd;
}

/* item_load - read a planned file's bytes from its source, once */
static int item_load(const char *root, struct item *it, char *why, size_t why_size)
{
	int fd, r;

	if (it->loaded)
		return 0;
	if ((fd = item_source(root, it, why, why_size)) < 0)
		return -1;
	pfj_buf_free(&it->content);
	it->hashed = 0;
	it->pre = 0;	/* these bytes, not a prestaged copy, are what is written */
	r = pfj_read_fd(fd, JAIL_FILE_MAX, &it->content);
	close(fd);
	if (r < 0) {
		snprintf(why, why_size, "%s: %s", it->source, strerror(-r));
		return -1;
	}
	it->loaded = 1;
	return 0;
}

/* hash_failed - why hashing it failed (libcrypto's own reason when it cannot be loaded); -1 */
static int hash_failed(const struct item *it, int r, char *why, size_t why_size)
{
	char how[512];

	if (r == -ELIBACC && !pfj_crypto_load(how, sizeof(how)))
		snprintf(why, why_size, "%s: SHA-256: %s", it->path, how);
	else
		snprintf(why, why_size, "%s: SHA-256 failed: %s", it->path, strerror(-r));
	return -1;
}

/* item_hash - the SHA-256 of a loaded item's content, computed once */
static int item_hash(struct item *it, char *why, size_t why_size)
{
	int r;

	if (it->hashed)
		return 0;
	r = pfj_sha256_buf(it->content.data ? it->content.data : "", it->content.len, it->sha256);
	if (r < 0)
		return hash_failed(it, r, why, why_size);
	it->size = it->content.len;
	it->hashed = 1;
	return 0;
}

/* source_unchanged - does the old manifest record this very source? */
static int source_unchanged(const struct item *it, const struct pfj_mf_entry *old)
{
	return it->source && old && old->type == PFJ_MF_FILE && old->source &&
	       strcmp(old->source, it->source) == 0 &&
	       old->src_dev == (unsigned long long)it->src_st.st_dev &&
	       old->src_ino == (unsigned long long)it->src_st.st_ino &&
	       old->src_size == (unsigned long long)it->src_st.st_size &&
	       old->size == (unsigned long long)it->src_st.st_size &&
	       old->src_mtime_sec == it->src_st.st_mtim.tv_sec &&
	       old->src_mtime_nsec == it->src_st.st_mtim.tv_nsec;
}

/* plan_profile_files - the profile's files: first existing candidate wins */
static int plan_profile_files(struct plan *p, const struct pfj_profile *prof,
			      const char *root, char *why, size_t why_size)
{
	for (size_t i = 0; i < prof->n_files; i++) {
		const struct pfj_profile_file *f = &prof->files[i];
		int r = -ENOENT;

		for (size_t c = 0; c < f->candidates.n && r == -ENOENT; c++)
			r = plan_copy(p, root, f->path, f->candidates.v[c], 0);
		if (r == -ENOENT) {
			if (f->required) {
				snprintf(why, why_size, "%s:%u: cannot find %s (tried %zu places)%s",
					 prof->source, f->line, f->path, f->candidates.n,
					 strcmp(f->path, "/etc/localtime") == 0 ?
					 ": cannot find localtime" : "");
				return -1;
			}
			if (f->absent_note)
				pfj_strv_add(&p->notes, f->absent_note);
			else if (!f->quiet)
				pfj_strv_add(&p->missing, f->path);
			continue;
		}
		if (r < 0) {
			snprintf(why, why_size, "%s: %s", f->path, strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* passwd_wanted - Debian's rule: unix:passwd.byname read directly, not via proxy: */
static int passwd_wanted(const char *setting, const char *local_recipient_maps)
{
	const char *s;

	if (strcmp(setting, "always") == 0)
		return 1;
	if (strcmp(setting, "never") == 0)
		return 0;
	for (s = local_recipient_maps; (s = strstr(s, "unix:passwd.byname")); s++) {
		if (s - local_recipient_maps >= 6 && memcmp(s - 6, "proxy:", 6) == 0)
			continue;
		return 1;
	}
	return 0;
}

/* plan_passwd - etc/passwd with every password field replaced by "x" */
static int plan_passwd(struct plan *p, const char *root, char *why, size_t why_size)
{
	struct pfj_buf in = { 0 };
	struct item *it = NULL;
	int fd, r;
	char *line, *save = NULL;

	fd = pfj_image_open(root, "/etc/passwd", O_RDONLY);
	if (fd < 0) {
		snprintf(why, why_size, "/etc/passwd: %s", strerror(-fd));
		return -1;
	}
	r = pfj_image_read_fd(fd, 64u << 20, &in);
	if (r == 0 && (r = plan_dirs(p, "etc/passwd", 0)) == 0) {
		it = plan_find(p, "etc/passwd");
		if (!it && !(it = plan_new(p, "etc/passwd", PFJ_MF_FILE, 0644)))
			r = -ENOMEM;
	}
	if (r == 0 && fstat(fd, &it->src_st) < 0)
		r = -errno;
	close(fd);
	if (r < 0 || !it) {
		r = r < 0 ? r : -ENOMEM;
		snprintf(why, why_size, "/etc/passwd: %s", strerror(-r));
		pfj_buf_free(&in);
		return -1;
	}
	pfj_buf_free(&it->content);
	for (line = in.data ? strtok_r(in.data, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;	/* not a passwd line */
		if (pfj_buf_add(&it->content, line, (size_t)(c1 - line)) < 0 ||
		    pfj_buf_adds(&it->content, ":x") < 0 || pfj_buf_adds(&it->content, c2) < 0 ||
		    pfj_buf_adds(&it->content, "\n") < 0) {
			snprintf(why, why_size, "out of memory");
			pfj_buf_free(&in);
			return -1;
		}
	}
	it->loaded = 1;
	it->hashed = 0;
	it->pre = 0;
	it->mode = 0644;
	free(it->source);
	it->source = NULL;	/* generated: compared by content, not source identity */
	pfj_buf_free(&in);
	return 0;
}

/* plan_ca_dir - a CA directory with the hash links openssl rehash would make */
static int plan_ca_dir(struct plan *p, const char *root, const char *dir_in,
		       char *why, size_t why_size)
{
	struct pfj_ca_input *in = NULL;
	struct pfj_ca_result res = { 0 };
	struct pfj_strv names = { 0 };
	size_t n = 0, first;
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int r = 0, dfd;

	if (normalize(dir_in, dir, sizeof(dir)) < 0 || strcmp(dir, "/") == 0) {
		snprintf(why, why_size, "%s: not a usable CA directory", dir_in);
		return -1;
	}
	/* listed as the image sees it, like every other source */
	dfd = pfj_image_open(root, dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		pfj_strv_add(&p->missing, dir);
		return 0;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !pfj_ca_is_hash_name(de->d_name))
			pfj_strv_add(&names, de->d_name);
	closedir(d);
	if ((r = plan_dirs(p, rel_of(dir), 1)) < 0)
		goto out;
	first = p->n;
	for (size_t i = 0; i < names.n; i++) {
		char *src = pfj_asprintf("%s/%s", dir, names.v[i]);
		int c;

		if (!src) {
			r = -ENOMEM;
			goto out;
		}
		c = plan_copy(p, root, src, src, 1);	/* rehash needs the bytes */
		free(src);
		if (c == -EINVAL || c == -ENOENT || c == -EISDIR)
			continue;	/* not a regular file: nothing openssl would link */
		if (c < 0) {
			r = c;
			goto out;
		}
	}
	n = p->n - first;
	if (!(in = calloc(n + 1, sizeof(*in)))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct item *it = &p->it[first + i];

		in[i].name = strrchr(it->path, '/') + 1;
		in[i].data = it->content.data ? it->content.data : "";
		in[i].len = it->content.len;
	}
	if (pfj_ca_rehash(in, n, &res, why, why_size) < 0) {
		free(in);
		pfj_strv_free(&names);
		return -1;
	}
	for (size_t i = 0; i < res.warnings.n; i++) {
		char *w = pfj_asprintf("%s/%s", dir, res.warnings.v[i]);

		if (w)
			pfj_strv_add(&p->notes, w);
		free(w);
	}
	for (size_t i = 0; i < res.n; i++) {
		char *path = pfj_asprintf("%s/%s", rel_of(dir), res.links[i].link);
		struct item *it = path && !plan_find(p, path) ?
			plan_new(p, path, PFJ_MF_SYMLINK, 0777) : NULL;

		free(path);
		if (it && !(it->target = strdup(res.links[i].target)))
			it = NULL;
		if (!it) {
			r = -ENOMEM;
			break;
		}
	}
	pfj_ca_result_free(&res);
out:
	free(in);
	pfj_strv_free(&names);
	if (r < 0) {
		snprintf(why, why_size, "%.1024s: %s", dir, strerror(-r));
		return -1;
	}
	return 0;
}

/*
 * glibc_version - of the image's libc: the running library's own answer on
 * the host, else the "release version X.Y" banner inside the image's
 * libc.so.6.  NULL when it cannot be told.
 */
static const char *glibc_version(const struct pfj_ldpath *lp, char *buf, size_t size)
{
	static const char banner[] = "release version ";
	struct pfj_buf data = { 0 };
	char *libc = NULL;
	const char *v = NULL;
	int fd;

	if (!lp->root)
		return gnu_get_libc_version();
	if (pfj_ldpath_find(lp, "libc.so.6", NULL, NULL, &libc) < 0)
		return NULL;
	fd = pfj_image_open(lp->root, libc, O_RDONLY);
	free(libc);
	if (fd < 0)
		return NULL;
	if (pfj_image_read_fd(fd, 64u << 20, &data) == 0 && data.len) {
		const char *hit = memmem(data.data, data.len, banner, sizeof(banner) - 1);

		if (hit) {
			size_t n = strspn(hit + sizeof(banner) - 1, "0123456789.");

			if (n && n < size) {
				memcpy(buf, hit + sizeof(banner) - 1, n);
				buf[n] = '\0';
				v = buf;
			}
		}
	}
	close(fd);
	pfj_buf_free(&data);
	return v;
}

/*
 * plan_libraries - the NSS modules nsswitch.conf names for the profile's
 * databases, the profile's run-time libraries, and their DT_NEEDED
 * closure.  libc.so.6 and the dynamic loader are mapped into every daemon
 * before chroot, so they (and what they need) are not copied.
 */
static int plan_libraries(struct plan *p, const struct pfj_profile *prof,
			  const char *root, char *why, size_t why_size)
{
	struct pfj_nsswitch ns = { 0 };
	struct pfj_strv sonames = { 0 }, paths = { 0 }, closure = { 0 }, skip = { 0 };
	struct pfj_ldpath lp = { 0 };
	struct pfj_buf text = { 0 };
	int builtin, r = -1, fd;

	fd = pfj_image_open(root, "/etc/nsswitch.conf", O_RDONLY);
	if (fd >= 0) {
		struct pfj_parse_error perr;
		int rr = pfj_image_read_fd(fd, 1u << 20, &text);

		close(fd);
		if (rr < 0) {
			snprintf(why, why_size, "/etc/nsswitch.conf: %s", strerror(-rr));
			goto out;
		}
		if (pfj_nsswitch_parse(text.data ? text.data : "", text.len, &ns, &perr) < 0) {
			snprintf(why, why_size, "/etc/nsswitch.conf:%u: %s", perr.line, perr.reason);
			goto out;
		}
	}
	if (pfj_ldpath_init(&lp, root, 0, 0, why, why_size) < 0)
		goto out;
	{
		char vbuf[32];
		const char *ver = glibc_version(&lp, vbuf, sizeof(vbuf));

		if (!ver) {
			snprintf(why, why_size, "cannot tell the glibc version of %s",
				 root ? root : "/");
			goto out;
		}
		builtin = pfj_glibc_has_builtin_files_dns(ver) == 1;
	}
	if (pfj_nss_modules(fd >= 0 ? &ns : NULL, (const char *const *)prof->nss_databases.v,
			    prof->nss_databases.n, builtin, &sonames) < 0)
		goto nomem;
	for (size_t i = 0; i < prof->libraries.n; i++)
		if (!pfj_strv_contains(&sonames, prof->libraries.v[i]) &&
		    pfj_strv_add(&sonames, prof->libraries.v[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < sonames.n; i++) {
		char *path = NULL;
		int f = pfj_ldpath_find(&lp, sonames.v[i], NULL, NULL, &path);

		if (f == -ENOENT) {
			/* glibc skips a module it cannot load; so does the jail */
			char *note = pfj_asprintf("%s (named by /etc/nsswitch.conf or the profile) is not installed; glibc skips it, so does the jail",
						  sonames.v[i]);
			if (note)
				pfj_strv_add(&p->notes, note);
			free(note);
			continue;
		}
		if (f < 0) {
			snprintf(why, why_size, "%s: %s", sonames.v[i], strerror(-f));
			goto out;
		}
		if (pfj_strv_add(&paths, path) < 0) {
			free(path);
			goto nomem;
		}
		free(path);
	}
	{
		/* libc and what it needs are mapped into every daemon already */
		struct pfj_strv libc_closure = { 0 };
		char *libc = NULL;
		const char *start[1];

		if (pfj_ldpath_find(&lp, "libc.so.6", NULL, NULL, &libc) == 0) {
			start[0] = libc;
			if (pfj_ld_closure(&lp, start, 1, NULL, &libc_closure, why, why_size) < 0) {
				free(libc);
				pfj_strv_free(&libc_closure);
				goto out;
			}
			free(libc);
		}
		for (size_t i = 0; i < libc_closure.n; i++) {
			const char *base = strrchr(libc_closure.v[i], '/');

			if (pfj_strv_add(&skip, base ? base + 1 : libc_closure.v[i]) < 0) {
				pfj_strv_free(&libc_closure);
				goto nomem;
			}
		}
		pfj_strv_free(&libc_closure);
	}
	if (paths.n && pfj_ld_closure(&lp, (const char *const *)paths.v, paths.n, &skip,
				      &closure, why, why_size) < 0)
		goto out;
	for (size_t i = 0; i < closure.n; i++) {
		int c = plan_copy(p, root, closure.v[i], closure.v[i], 0);

		if (c < 0) {
			snprintf(why, why_size, "%s: %s", closure.v[i], strerror(-c));
			goto out;
		}
	}
	r = 0;
	goto out;
nomem:
	snprintf(why, why_size, "out of memory");
out:
	pfj_nsswitch_free(&ns);
	pfj_strv_free(&sonames);
	pfj_strv_free(&paths);
	pfj_strv_free(&closure);
	pfj_strv_free(&skip);
	pfj_ldpath_free(&lp);
	pfj_buf_free(&text);
	return r;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->it[i].src_fd >= 0)
			close(p->it[i].src_fd);
		free(p->it[i].path);
		free(p->it[i].source);
		free(p->it[i].target);
		pfj_buf_free(&p->it[i].content);
	}
	free(p->it);
	pfj_strv_free(&p->missing);
	pfj_strv_free(&p->notes);
	memset(p, 0, sizeof(*p));
}

/* ---- applying it -------------------------------------------------------- */

/* split - "a/b/c" into dir "a/b" and base "c" (dir "" for top level) */
static void split(const char *path, char *dir, size_t size, const char **base)
{
	const char *sl = strrchr(path, '/');

	if (!sl) {
		dir[0] = '\0';
		*base = path;
		return;
	}
	snprintf(dir, size, "%.*s", (int)(sl - path), path);
	*base = sl + 1;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* file_same - does the jail file already hold exactly this item? */
static int file_same(const char *root, int dfd, const char *base, struct item *it,
		     const struct stat *st, const struct pfj_mf_entry *old,
		     char *why, size_t why_size)
{
	struct pfj_buf cur = { 0 };
	int fd, same;

	if (!S_ISREG(st->st_mode) || st->st_nlink != 1 || st->st_uid != 0 ||
	    st->st_gid != 0 || (st->st_mode & 07777) != it->mode)
		return 0;
	/* Quick check, as rsync does: the manifest says this file was copied
	 * from this very source (same identity, size and mtime), and the jail
	 * copy still has that size and mtime.  Only root can write here. */
	if (source_unchanged(it, old) && (unsigned long long)st->st_size == old->size &&
	    same_time(&st->st_mtim, &it->src_st.st_mtim))
		return 1;
	if (!it->loaded && it->pre && it->hashed) {
		/* a prestaged copy: compare with its digest, and keep it for the move */
		unsigned char sha256[32];
		unsigned long long size = 0;

		if ((unsigned long long)st->st_size != it->size)
			return 0;
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return 0;
		same = pfj_sha256_fd(fd, sha256, &size) == 0 && size == it->size &&
		       memcmp(sha256, it->sha256, sizeof(sha256)) == 0;
		close(fd);
	} else {
		if (!it->loaded && item_load(root, it, why, why_size) < 0)
			return -1;
		if ((size_t)st->st_size != it->content.len)
			return 0;
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return 0;
		same = pfj_read_fd(fd, it->content.len, &cur) == 0 && cur.len == it->content.len &&
		       (cur.len == 0 || memcmp(cur.data, it->content.data, cur.len) == 0);
		close(fd);
		pfj_buf_free(&cur);
	}
	/* same bytes but another mtime: rewrite, so the quick check holds next time */
	if (same && it->source && !same_time(&st->st_mtim, &it->src_st.st_mtim))
		return 0;
	return same;
}

/*
 * Staged writes.  Every new file, link and device node is first written
 * under a temporary name next to its target, or was prestaged in the stage
 * directory; only when all of them are in place and flushed (one syncfs
 * for the lot instead of one fsync each) are they renamed over their
 * targets.  A failure before that point removes the temporaries and leaves
 * the jail's files as they were.
 */
struct pending {
	int fromfd;		/* where tmp is: dirfd, or the stage directory */
	int dirfd;		/* borrowed from the directory cache */
	char *tmp;
	char *name;
	int noreplace;		/* a new directory moved in whole: name must not exist */
};

struct stager {
	struct { char *dir; int fd; } dirs[64];
	size_t ndirs;
	struct pfj_strv made;	/* directories made while staging (removed if nothing commits) */
	struct { int fd; mode_t mode; } remode[64];	/* directories whose mode the commit sets */
	size_t nremode;
	struct pending *p;
	size_t n, cap;
	size_t done;		/* p[0..done) are renamed into place */
};

/*
 * stager_dir - an fd for a jail directory, opened (and checked) once per
 * build; a cached ancestor is the starting point, so each directory level
 * is walked only once.  With create, missing directories are made.
 */
static int stager_dir(struct stager *sg, int rootfd, const char *dir, int create,
		      char *why, size_t why_size)
{
	const char *rest = dir;
	size_t best = 0;
	int from = rootfd, fd;

	for (size_t i = 0; i < sg->ndirs; i++) {
		size_t l = strlen(sg->dirs[i].dir);

		if (strcmp(sg->dirs[i].dir, dir) == 0)
			return sg->dirs[i].fd;
		if (l > best && strncmp(sg->dirs[i].dir, dir, l) == 0 && dir[l] == '/') {
			best = l;
			from = sg->dirs[i].fd;
			rest = dir + l + 1;
		}
	}
	fd = dir[0] ? pfj_jail_open_dir(from, rest, 0755, create, why, why_size) : dup(rootfd);
	if (fd < 0)
		return -1;
	if (sg->ndirs < sizeof(sg->dirs) / sizeof(sg->dirs[0]) &&
	    (sg->dirs[sg->ndirs].dir = strdup(dir))) {
		sg->dirs[sg->ndirs++].fd = fd;
		return fd;
	}
	close(fd);
	snprintf(why, why_size, "%s: too many directories", dir);
	return -1;
}

static int stager_add(struct stager *sg, int fromfd, int dirfd, const char *tmp,
		      const char *name, int noreplace)
{
	if (sg->n == sg->cap) {
		size_t cap = sg->cap ? sg->cap * 2 : 32;
		struct pending *v = realloc(sg->p, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sg->p = v;
		sg->cap = cap;
	}
	sg->p[sg->n].fromfd = fromfd;
	sg->p[sg->n].noreplace = noreplace;
	sg->p[sg->n].dirfd = dirfd;
	sg->p[sg->n].tmp = strdup(tmp);
	sg->p[sg->n].name = strdup(name);
	if (!sg->p[sg->n].tmp || !sg->p[sg->n].name) {
		free(sg->p[sg->n].tmp);
		free(sg->p[sg->n].name);
		return -ENOMEM;
	}
	sg->n++;
	return 0;
}

/*
 * stager_commit - flush once, then rename everything into place.  The
 * caller flushes again (pfj_sync_fs) once the renames, the pruning and the
 * manifest are done.
 */
static int stager_commit(struct stager *sg, int rootfd, char *why, size_t why_size)
{
	int r;

	for (size_t i = 0; i < sg->nremode; i++)
		if (fchmod(sg->remode[i].fd, sg->remode[i].mode) < 0) {
			snprintf(why, why_size, "chmod: %s", strerror(errno));
			return -1;
		}
	sg->nremode = 0;
	if (sg->done == sg->n)
		return 0;
	if ((r = pfj_sync_fs(rootfd)) < 0) {
		snprintf(why, why_size, "syncfs: %s", strerror(-r));
		return -1;
	}
	for (; sg->done < sg->n; sg->done++) {
		struct pending *pd = &sg->p[sg->done];

		r = pd->noreplace ? pfj_move_new_at(pd->fromfd, pd->tmp, pd->dirfd, pd->name) :
				    pfj_move_at(pd->fromfd, pd->tmp, pd->dirfd, pd->name);
		if (r < 0) {
			snprintf(why, why_size, "%s: cannot rename into place: %s",
				 pd->name, strerror(-r));
			sg->done++;	/* commit removed its temporary; stager_free removes the rest */
			return -1;
		}
	}
	return 0;
}

/* stager_unmake - before the commit: remove the (empty) directories staging made */
static void stager_unmake(struct stager *sg, int rootfd)
{
	for (; sg->done < sg->n; sg->done++)	/* the temporaries first: then they are empty */
		pfj_abort_at(sg->p[sg->done].fromfd, sg->p[sg->done].tmp);
	for (size_t i = sg->made.n; i-- > 0; )
		unlinkat(rootfd, sg->made.v[i], AT_REMOVEDIR);
}

/* stager_free - remove temporaries not committed, close directories */
static void stager_free(struct stager *sg)
{
	for (size_t i = sg->done; i < sg->n; i++)
		pfj_abort_at(sg->p[i].fromfd, sg->p[i].tmp);
	for (size_t i = 0; i < sg->n; i++) {
		free(sg->p[i].tmp);
		free(sg->p[i].name);
	}
	free(sg->p);
	pfj_strv_free(&sg->made);
	for (size_t i = 0; i < sg->ndirs; i++) {
		close(sg->dirs[i].fd);
		free(sg->dirs[i].dir);
	}
	memset(sg, 0, sizeof(*sg));
}

/*
 * stage_move - commit the prestaged copy of it (stage directory, same path)
 * by renaming it over dfd/base.  The stage directory keeps it until then.
 */
static int stage_move(struct stager *sg, int stagefd, int dfd, struct item *it,
		      const char *base, char *why, size_t why_size)
{
	if (stager_add(sg, stagefd, dfd, it->path, base, 0) < 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	it->pre = 0;	/* handed to the stager */
	pfj_debug("%s: the prestaged copy is renamed into place", it->path);
	return 0;
}

/* file_opts - owner, mode and mtime of a file pfjail places */
static struct pfj_replace_opts file_opts(const struct item *it)
{
	return (struct pfj_replace_opts){
		.mode = it->mode, .uid = 0, .gid = 0,
		.mtime = it->source ? &it->src_st.st_mtim : NULL,
	};
}

/*
 * apply_item - decide what the entry needs and stage it (not with
 * dry_run).  stagefd >= 0: a file already written to the stage directory
 * (prestage) is moved from there instead of being written again.
 */
static int apply_item(const char *root, int rootfd, struct stager *sg, struct item *it,
		      const struct pfj_manifest *old, int dry_run, int stagefd,
		      enum outcome *out, char *why, size_t why_size)
{
	char dir[4096], tmp[512];
	const char *base;
	struct stat st;
	int dfd, exists, r = 0;

	*out = SAME;
	if (it->type == PFJ_MF_DIR) {
		exists = fstatat(rootfd, it->path, &st, AT_SYMLINK_NOFOLLOW) == 0;
		if (dry_run && !exists) {
			*out = CREATED;
			return 0;
		}
		/* directories are made at once: their contents are staged inside
		 * them (and they are removed again if the build stops before its commit) */
		dfd = stager_dir(sg, rootfd, it->path, !dry_run, why, why_size);
		if (dfd < 0)
			return -1;
		if (!exists && !dry_run && pfj_strv_add(&sg->made, it->path) < 0) {
			snprintf(why, why_size, "out of memory");
			return -1;
		}
		*out = exists ? SAME : CREATED;
		/* an existing directory gets its mode back (0700 would lock daemons
		 * out), with the commit */
		if (exists && fstat(dfd, &st) == 0 && (st.st_mode & 07777) != it->mode) {
			*out = UPDATED;
			if (dry_run)
				return 0;
			if (sg->nremode == sizeof(sg->remode) / sizeof(sg->remode[0])) {
				snprintf(why, why_size, "%s: too many directories", it->path);
				return -1;
			}
			sg->remode[sg->nremode].fd = dfd;
			sg->remode[sg->nremode++].mode = it->mode;
		}
		return 0;
	}
	split(it->path, dir, sizeof(dir), &base);
	if (dry_run && dir[0] && fstatat(rootfd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT) {
		*out = CREATED;
		return 0;
	}
	dfd = stager_dir(sg, rootfd, dir, 0, why, why_size);
	if (dfd < 0)
		return -1;
	exists = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(why, why_size, "%s: is a directory where pfjail places a %s; remove it",
			 it->path, it->type == PFJ_MF_FILE ? "file" : "link or device");
		return -1;
	}
	switch (it->type) {
	case PFJ_MF_FILE:
		if (exists) {
			int same = file_same(root, dfd, base, it, &st,
					     pfj_manifest_find(old, it->path), why, why_size);

			if (same < 0)
				return -1;
			if (same)
				return 0;
		}
		*out = exists ? UPDATED : CREATED;
		if (dry_run)
			return 0;
		if (stagefd >= 0 && it->pre)
			return stage_move(sg, stagefd, dfd, it, base, why, why_size);
		if (!it->loaded && item_load(root, it, why, why_size) < 0)
			return -1;
		{
			struct pfj_replace_opts opts = file_opts(it);
			const char *stage;

			r = pfj_stage_file_at(dfd, base, it->content.data ? it->content.data : "",
					      it->content.len, &opts, tmp, sizeof(tmp), &stage);
			if (r < 0) {
				snprintf(why, why_size, "%s: cannot write (%s): %s", it->path,
					 stage, strerror(-r));
				return -1;
			}
		}
		break;
	case PFJ_MF_SYMLINK: {
		char cur[4096];
		ssize_t n = exists && S_ISLNK(st.st_mode) ?
			readlinkat(dfd, base, cur, sizeof(cur) - 1) : -1;

		if (n >= 0) {
			cur[n] = '\0';
			if (strcmp(cur, it->target) == 0 && st.st_uid == 0)
				return 0;
		}
		*out = exists ? UPDATED : CREATED;
		if (dry_run)
			return 0;
		if (stagefd >= 0 && it->pre)
			return stage_move(sg, stagefd, dfd, it, base, why, why_size);
		if ((r = pfj_stage_symlink_at(dfd, base, it->target, tmp, sizeof(tmp))) < 0) {
			snprintf(why, why_size, "%s: cannot create symlink: %s", it->path, strerror(-r));
			return -1;
		}
		break;
	}
	case PFJ_MF_CHARDEV:
		if (exists && S_ISCHR(st.st_mode) && st.st_rdev == it->rdev &&
		    (st.st_mode & 07777) == it->mode && st.st_uid == 0 && st.st_gid == 0 &&
		    st.st_nlink == 1)
			return 0;
		*out = exists ? UPDATED : CREATED;
		if (dry_run)
			return 0;
		if (stagefd >= 0 && it->pre)
			return stage_move(sg, stagefd, dfd, it, base, why, why_size);
		if ((r = pfj_stage_mknod_at(dfd, base, it->mode, it->rdev, tmp, sizeof(tmp))) < 0) {
			snprintf(why, why_size, "%s: cannot create device node: %s", it->path,
				 strerror(-r));
			return -1;
		}
		break;
	}
	if (stager_add(sg, dfd, dfd, tmp, base, 0) < 0) {
		pfj_abort_at(dfd, tmp);
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	return 0;
}

/* planned - does the plan place rel (for the take-over scan)? */
static int planned(const char *rel, void *arg)
{
	return plan_find(arg, rel) != NULL;
}

/* prune - remove what the old manifest lists and the plan no longer wants */
static int prune(int rootfd, const struct pfj_manifest *old, struct plan *p,
		 int dry_run, struct result *res, char *why, size_t why_size)
{
	/* reverse path order: a directory's contents come before it */
	for (size_t k = old->n; k-- > 0; ) {
		const struct pfj_mf_entry *e = &old->ent[k];
		char dir[4096];
		const char *base;
		struct stat st;
		int dfd, match;

		/* directories stay: they may have been there before pfjail (the
		 * postfix package makes etc/, lib/, ...) and may hold others' files */
		if (plan_find(p, e->path) || e->type == PFJ_MF_DIR)
			continue;
		split(e->path, dir, sizeof(dir), &base);
		dfd = dir[0] ? pfj_jail_open_dir(rootfd, dir, 0755, 0, why, why_size) : dup(rootfd);
		if (dfd < 0) {
			if (errno == ENOENT || fstatat(rootfd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;	/* gone already */
			return -1;
		}
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(dfd);
			continue;
		}
		/* only remove what is still the kind of thing pfjail put there */
		match = (e->type == PFJ_MF_FILE && S_ISREG(st.st_mode)) ||
			(e->type == PFJ_MF_SYMLINK && S_ISLNK(st.st_mode)) ||
			(e->type == PFJ_MF_CHARDEV && S_ISCHR(st.st_mode)) ||
			(e->type == PFJ_MF_DIR && S_ISDIR(st.st_mode));
		if (match && !dry_run &&
		    unlinkat(dfd, base, e->type == PFJ_MF_DIR ? AT_REMOVEDIR : 0) < 0) {
			if (e->type == PFJ_MF_DIR && (errno == ENOTEMPTY || errno == EEXIST)) {
				close(dfd);
				continue;	/* something else lives there now: keep it */
			}
			snprintf(why, why_size, "%s: cannot remove: %s", e->path, strerror(errno));
			close(dfd);
			return -1;
		}
		if (match)
			pfj_strv_add(&res->removed, e->path);
		close(dfd);
	}
	return 0;
}

/* ---- what a killed build left ---------------------------------------------- */

/* leftovers_in - the temporaries in the jail directory rel ("" the root), if it is there */
static int leftovers_in(int rootfd, const char *rel, struct pfj_strv *out)
{
	struct pfj_strv names = { 0 };
	char why[512];
	struct stat st;
	int dfd, r = 0;

	if (rel[0] && (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
		return 0;
	dfd = rel[0] ? pfj_jail_open_dir(rootfd, rel, 0755, 0, why, sizeof(why)) : dup(rootfd);
	if (dfd < 0)
		return 0;	/* not one pfjail could have written in: the apply step says why */
	if (pfj_find_temps_at(dfd, NULL, NULL, &names) < 0)
		r = -1;
	for (size_t i = 0; i < names.n && r == 0; i++) {
		char *path = rel[0] ? pfj_asprintf("%s/%s", rel, names.v[i]) : strdup(names.v[i]);

		if (!path || (!pfj_strv_contains(out, path) && pfj_strv_add(out, path) < 0))
			r = -1;
		free(path);
	}
	pfj_strv_free(&names);
	close(dfd);
	return r;
}

/*
 * find_leftovers - the temporaries (".NAME.pfjail-XXXXXXXXXXXX") that a
 * killed build left in the directories pfjail writes in: those of the plan
 * and of the old manifest, and the jail's top (where verify looks too).
 * Found before anything is staged (so never this build's own),
 * removed with the commit.  0, or -1 when out of memory.
 */
static int find_leftovers(int rootfd, const struct plan *p, const struct pfj_manifest *old,
			  struct pfj_strv *out)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->it[i].type == PFJ_MF_DIR && leftovers_in(rootfd, p->it[i].path, out) < 0)
			return -1;
	for (size_t i = 0; i < old->n; i++)
		if (old->ent[i].type == PFJ_MF_DIR && !plan_find((struct plan *)p, old->ent[i].path) &&
		    leftovers_in(rootfd, old->ent[i].path, out) < 0)
			return -1;
	return leftovers_in(rootfd, "", out);
}

/* remove_leftover - unlink one temporary that find_leftovers listed */
static int remove_leftover(int rootfd, const char *path, char *why, size_t why_size)
{
	char dir[4096];
	const char *base;
	int dfd, r = 0;

	split(path, dir, sizeof(dir), &base);
	dfd = dir[0] ? pfj_jail_open_dir(rootfd, dir, 0755, 0, why, why_size) : dup(rootfd);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT) {
		snprintf(why, why_size, "%s: cannot remove: %s", path, strerror(errno));
		r = -1;
	}
	close(dfd);
	return r;
}

/* ---- the manifest --------------------------------------------------------- */

/*
 * load_old - the previous build's manifest, or an empty one; text keeps
 * what the file held (empty when it could not be trusted), so that the
 * new manifest is written only when it differs
 */
static void load_old(const char *path, struct pfj_manifest *old, struct pfj_buf *text)
{
	struct pfj_parse_error perr;
	int r;

	memset(old, 0, sizeof(*old));
	r = pfj_state_read(path, 64u << 20, text);
	if (r == -EPERM)
		pfj_warn("%s: not a private file of root in a root-owned directory; ignoring it",
			 path);
	if (r == 0 && pfj_manifest_parse(text->data ? text->data : "", text->len, old, &perr) < 0) {
		pfj_warn("%s:%u: %s; ignoring the old manifest (nothing will be pruned)",
			 path, perr.line, perr.reason);
		memset(old, 0, sizeof(*old));
	} else if (r < 0 && r != -ENOENT && r != -EPERM) {
		pfj_warn("%s: %s; ignoring the old manifest", path, strerror(-r));
	}
	if (r < 0)
		pfj_buf_free(text);
}

/* entry_for - the manifest record of a planned item */
static int entry_for(const char *root, struct item *it, const struct pfj_mf_entry *old,
		     struct pfj_mf_entry *e, char *why, size_t why_size)
{
	memset(e, 0, sizeof(*e));
	e->path = it->path;
	e->type = it->type;
	e->mode = (unsigned)it->mode;
	if (it->type == PFJ_MF_FILE) {
		if (it->hashed) {
			/* read and hashed (or prestaged and hashed) this run */
			e->size = it->size;
			memcpy(e->sha256, it->sha256, sizeof(e->sha256));
		} else if (!it->loaded && source_unchanged(it, old)) {
			/* the old record describes these very bytes */
			memcpy(e->sha256, old->sha256, sizeof(e->sha256));
			e->size = old->size;
		} else {
			if ((!it->loaded && item_load(root, it, why, why_size) < 0) ||
			    item_hash(it, why, why_size) < 0)
				return -1;
			e->size = it->size;
			memcpy(e->sha256, it->sha256, sizeof(e->sha256));
		}
		if (it->source) {
			e->source = it->source;
			e->src_dev = it->src_st.st_dev;
			e->src_ino = it->src_st.st_ino;
			e->src_size = (unsigned long long)it->src_st.st_size;
			e->src_mtime_sec = it->src_st.st_mtim.tv_sec;
			e->src_mtime_nsec = it->src_st.st_mtim.tv_nsec;
		}
	} else if (it->type == PFJ_MF_SYMLINK) {
		e->target = it->target;
	} else if (it->type == PFJ_MF_CHARDEV) {
		e->rdev = it->rdev;
	}
	return 0;
}

/* format_manifest - the manifest of the plan, as text */
static int format_manifest(struct plan *p, const struct pfj_ctx *ctx, const char *jail_root,
			   const struct pfj_build_state *bs, const struct pfj_manifest *old,
			   const char *path, struct pfj_buf *text, char *why, size_t why_size)
{
	struct pfj_manifest m = { .version = PFJ_MF_VERSION };
	int r = -1;

	m.jail_root = (char *)jail_root;
	m.profile = ctx->conf->jail_profile;
	m.config_dir = (char *)ctx->cli->config_dir;
	m.created = old->created ? old->created : (long long)time(NULL);
	for (size_t i = 0; i < bs->chroot.n; i++)
		if (pfj_strv_add(&m.chroot, bs->chroot.v[i]) < 0) {
			snprintf(why, why_size, "out of memory");
			goto out;
		}
	for (size_t i = 0; i < p->n; i++) {
		struct pfj_mf_entry e;

		if (entry_for(ctx->cli->root, &p->it[i], pfj_manifest_find(old, p->it[i].path),
			      &e, why, why_size) < 0)
			goto out;
		if (pfj_manifest_add(&m, &e) < 0) {
			snprintf(why, why_size, "%s: cannot record %s in the manifest", path,
				 p->it[i].path);
			goto out;
		}
	}
	if (pfj_manifest_sort(&m) < 0 || pfj_manifest_format(&m, text) < 0) {
		snprintf(why, why_size, "%s: cannot format the manifest", path);
		goto out;
	}
	r = 0;
out:
	m.jail_root = m.profile = m.config_dir = NULL;	/* borrowed */
	pfj_manifest_free(&m);
	return r;
}

/*
 * The manifest is written before anything in the jail changes, so that a
 * full or failing state directory stops the build with the jail as it was.
 * When it lives on the jail's filesystem it is staged with the jail's
 * files, so the flushes of the commit cover it; otherwise it is written
 * and flushed on its own first.  Either way it is renamed into place after
 * the jail's files: it describes the jail as it then is.
 */
struct mwrite {
	struct pfj_buf text;
	char *dir, *base;
	int dfd;
	int needed;		/* the text differs from the file */
	int staged;		/* written to tmp, waiting for the commit */
	int written;
	char tmp[512];
	struct pfj_prepared pr;	/* written and flushed on its own, waiting for the commit */
};

/* mwrite_prepare - format the manifest; stage it when the commit will flush it */
static int mwrite_prepare(struct mwrite *mw, const char *path, struct plan *p,
			  const struct pfj_ctx *ctx, const char *jail_root,
			  const struct pfj_build_state *bs, const struct pfj_manifest *old,
			  const struct pfj_buf *cur, int rootfd, char *why, size_t why_size)
{
	struct stat js, ms;

	if (format_manifest(p, ctx, jail_root, bs, old, path, &mw->text, why, why_size) < 0)
		return -1;
	mw->needed = !(cur->len == mw->text.len && cur->len &&
		       memcmp(cur->data, mw->text.data, cur->len) == 0);
	if (!mw->needed)
		return 0;
	if (pfj_state_location(ctx, "manifest", &mw->dir, &mw->base) < 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	if ((mw->dfd = pfj_state_dir_open(mw->dir, why, why_size)) < 0)
		return -1;
	if (fstat(rootfd, &js) == 0 && fstat(mw->dfd, &ms) == 0 && js.st_dev == ms.st_dev) {
		struct pfj_replace_opts opts = { .mode = 0600, .uid = 0, .gid = 0 };
		const char *stage;
		int w = pfj_stage_file_at(mw->dfd, mw->base, mw->text.data, mw->text.len, &opts,
					  mw->tmp, sizeof(mw->tmp), &stage);

		if (w < 0) {
			snprintf(why, why_size, "%s: cannot write (%s): %s", path, stage, strerror(-w));
			return -1;
		}
		mw->staged = 1;
	} else {
		/* on another filesystem: written and flushed now all the same, so
		 * that a full disk stops the build before the jail changes */
		struct pfj_replace_opts opts = { .mode = 0600, .uid = 0, .gid = 0 };
		const char *stage;
		int w = pfj_prepare_replace_at(mw->dfd, mw->base, mw->text.data, mw->text.len,
					       &opts, &mw->pr, &stage);

		if (w < 0) {
			snprintf(why, why_size, "%s: cannot write (%s): %s", path, stage, strerror(-w));
			return -1;
		}
	}
	return 0;
}

/* mwrite_commit - put the manifest in place (after the jail's renames) */
static int mwrite_commit(struct mwrite *mw, const char *path, char *why, size_t why_size)
{
	const char *stage = "rename";
	int w;

	if (!mw->needed || mw->written)
		return 0;
	if (mw->staged) {
		mw->staged = 0;		/* pfj_commit_at removes the temporary on failure */
		w = pfj_commit_at(mw->dfd, mw->tmp, mw->base);
	} else {
		w = pfj_prepared_commit(&mw->pr, &stage);
	}
	if (w < 0) {
		snprintf(why, why_size, "%s: cannot write (%s): %s", path, stage, strerror(-w));
		return -1;
	}
	mw->written = 1;
	return 0;
}

static void mwrite_free(struct mwrite *mw)
{
	if (mw->staged)
		pfj_abort_at(mw->dfd, mw->tmp);
	if (mw->pr.staged)
		pfj_prepared_abort(&mw->pr);
	if (mw->dfd >= 0)
		close(mw->dfd);
	free(mw->dir);
	free(mw->base);
	pfj_buf_free(&mw->text);
	memset(mw, 0, sizeof(*mw));
	mw->dfd = -1;
}

/* ---- the step ------------------------------------------------------------- */

static void report_list(struct pfj_json *j, const char *key, const struct pfj_strv *sv)
{
	pfj_json_arr_begin(j, key);
	for (size_t i = 0; i < sv->n; i++)
		pfj_json_str(j, NULL, sv->v[i]);
	pfj_json_arr_end(j);
}

/* The part of the plan that does not depend on Postfix's settings. */
struct pfj_jail_plan {
	struct pfj_profile prof;
	struct plan p;
	struct pfj_manifest old;
	struct pfj_buf old_text;	/* the manifest file as it was */
	char *mpath;
	int stagefd;		/* the stage directory, when files were prestaged */
	pthread_t flusher;	/* flushing what was prestaged, until joined */
	int flushing;
};

/*
 * flush_main - the prestaged files reach the disk while postconf still
 * runs: the commit's flush before its renames then finds little left to
 * write.  Its own result does not matter, that flush is the one that
 * counts.  A thread, so that the main thread is not held up by the disk.
 */
static void *flush_main(void *arg)
{
	pfj_sync_fs(*(int *)arg);
	return NULL;
}

/* flush_join - wait for the background flush, when there is one */
static void flush_join(struct pfj_jail_plan *jp)
{
	if (jp->flushing) {
		pthread_join(jp->flusher, NULL);
		jp->flushing = 0;
	}
}

static int empty_dir(int dfd);

void pfj_jail_plan_free(struct pfj_jail_plan *jp)
{
	if (!jp)
		return;
	flush_join(jp);
	if (jp->stagefd >= 0) {
		empty_dir(jp->stagefd);	/* what was not moved into the jail */
		close(jp->stagefd);	/* and the lock with it */
	}
	pfj_profile_free(&jp->prof);
	plan_free(&jp->p);
	pfj_manifest_free(&jp->old);
	pfj_buf_free(&jp->old_text);
	free(jp->mpath);
	free(jp);
}

/*
 * Prestaging.  Where the jail is, postconf answers only after a few
 * milliseconds, but what a new jail (or a changed source) needs is known
 * before.  Meanwhile it is built in a directory of pfjail's own state
 * ($state_dir/INSTANCE.stage, root's alone, locked by the build using it),
 * at the paths it will have in the jail: a fresh jail's directories,
 * links and device nodes, and every file whose bytes are needed, copied
 * (in the kernel) with the owner, mode and mtime it will have, hashed from
 * that copy, its writeback started.  When the jail turns out to be on the
 * same mount, the commit renames from there, after the same flush as the
 * files staged in the jail itself: a whole directory the jail lacks in one
 * rename, else each entry over its target.  Whatever is not used is
 * removed, and written in the jail as usual.  Not with SELinux enabled: a
 * renamed file keeps its label, which would be the state directory's.
 */
static int selinux_enabled(void)
{
	struct statfs sf;

	return statfs("/sys/fs/selinux", &sf) == 0 && sf.f_type == SELINUX_MAGIC;
}

/*
 * empty_dir - remove everything below dfd (only pfjail writes there):
 * links are removed, never followed, and whatever is mounted there
 * is left alone.  Returns 1 when dfd is empty now.
 */
static int empty_dir(int dfd)
{
	unsigned long long mnt = pfj_mount_id(dfd);
	struct dirent *de;
	int fd = dup(dfd), left = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);	/* the duplicate shares dfd's position, maybe at the end */
	while ((de = readdir(d))) {
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			left = 1;
			continue;
		}
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			if (pfj_mount_id(sub) == mnt)
				empty_dir(sub);
			close(sub);
		}
		if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0)
			left = 1;
	}
	closedir(d);
	return !left;
}

/*
 * stage_dir_open - the instance's stage directory, locked for this build
 * and emptied of what a crashed one left; -1 when it cannot be used (a
 * concurrent build holds it, or it cannot be made safely)
 */
static int stage_dir_open(const struct pfj_ctx *ctx)
{
	char *dir = NULL, *base = NULL, why[1024];
	int sfd = -1, fd = -1;

	if (pfj_state_location(ctx, "stage", &dir, &base) < 0)
		return -1;
	if ((sfd = pfj_state_dir_open(dir, why, sizeof(why))) < 0 ||
	    (fd = pfj_jail_open_dir(sfd, base, 0700, 1, why, sizeof(why))) < 0) {
		pfj_debug("%s/%s: %s; files are written in the jail only", dir, base, why);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pfj_debug("%s/%s: in use by another build; files are written in the jail only",
			  dir, base);
		close(fd);
		fd = -1;
		goto out;
	}
	if (!empty_dir(fd)) {
		pfj_debug("%s/%s: cannot be emptied; files are written in the jail only", dir, base);
		close(fd);
		fd = -1;
	}
out:
	if (sfd >= 0)
		close(sfd);
	free(dir);
	free(base);
	return fd;
}

/* other_instance - a temporary in the state directory that is not this instance's */
static int other_instance(const char *name, void *arg)
{
	const char *prefix = arg;

	return strncmp(name + 1, prefix, strlen(prefix)) != 0;
}

/*
 * sweep_state - what a killed build of this instance left in the state
 * directory: its temporaries (".INSTANCE.manifest.pfjail-...", the
 * postconf cache's) are removed, or listed with dry_run, as absolute
 * paths in removed; the stage directory, when this build did not use it,
 * is emptied, and the directory where build has Postfix check master.cf's
 * edit is removed.  Other instances' files are never touched.
 */
static void sweep_state(const struct pfj_ctx *ctx, struct pfj_jail_plan *jp, int dry_run,
			struct pfj_strv *removed)
{
	struct pfj_strv names = { 0 };
	char *dir = NULL, *base = NULL, *prefix, why[512];
	int sfd, fd;

	if (pfj_state_location(ctx, "stage", &dir, &base) < 0)
		return;
	if ((sfd = pfj_jail_open_root(dir, why, sizeof(why))) < 0)
		goto out;	/* no state directory: nothing left there */
	prefix = base;
	prefix[strlen(base) - strlen("stage")] = '\0';	/* "INSTANCE." */
	pfj_find_temps_at(sfd, other_instance, prefix, &names);
	for (size_t i = 0; i < names.n; i++) {
		char *path = pfj_asprintf("%s/%s", dir, names.v[i]);

		if (path && (dry_run || unlinkat(sfd, names.v[i], 0) == 0))
			pfj_strv_add(removed, path);
		free(path);
	}
	pfj_strv_free(&names);
	strcat(prefix, "stage");
	if (!dry_run) {
		/* the copy of master.cf that build has Postfix check (build.c), if a
		 * killed build left it */
		char *mcheck = pfj_asprintf("%.*smcheck", (int)(strlen(base) - strlen("stage")), base);

		if (mcheck && (fd = openat(sfd, mcheck, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC)) >= 0) {
			empty_dir(fd);
			close(fd);
			unlinkat(sfd, mcheck, AT_REMOVEDIR);
		}
		free(mcheck);
	}
	if (jp->stagefd < 0 && !dry_run &&
	    (fd = openat(sfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		/* a killed build's skeleton or copies: not left for later */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && !empty_dir(fd))
			pfj_debug("%s/%s: cannot be emptied", dir, base);
		close(fd);
	}
	close(sfd);
out:
	free(dir);
	free(base);
}

/* pre_parents - the stage directory has it's parent directories (made as needed) */
static int pre_parents(struct pfj_jail_plan *jp, const struct item *it)
{
	char path[4096];
	size_t len = strlen(it->path);

	if (len >= sizeof(path))
		return 0;
	memcpy(path, it->path, len + 1);
	for (char *c = path; (c = strchr(c, '/')); c++) {
		struct item *d;

		*c = '\0';
		d = plan_find(&jp->p, path);
		if (!d || d->type != PFJ_MF_DIR)
			return 0;
		if (!d->pre) {
			if (mkdirat(jp->stagefd, path, d->mode) < 0 && errno != EEXIST)
				return 0;
			d->pre = 1;
		}
		*c = '/';
	}
	return 1;
}

/*
 * prestage - put one planned entry in the stage directory; a file is
 * copied from its source and hashed there.  0 when done, 1 when it cannot
 * be done here (a file is then read into memory instead), -1 with why
 * when the source cannot be read.
 */
static int prestage(struct pfj_jail_plan *jp, const struct pfj_ctx *ctx, struct item *it,
		    char *why, size_t why_size)
{
	struct pfj_replace_opts opts;
	const char *stage;
	int fd, copy, r;

	if (jp->stagefd == -1 && (jp->stagefd = selinux_enabled() ? -2 : stage_dir_open(ctx)) < 0)
		jp->stagefd = -2;	/* tried: not again for every entry */
	if (jp->stagefd < 0 || it->loaded || !pre_parents(jp, it))
		return 1;
	switch (it->type) {
	case PFJ_MF_DIR:
		if (!it->pre && mkdirat(jp->stagefd, it->path, it->mode) < 0 && errno != EEXIST)
			return 1;
		it->pre = 1;
		return 0;
	case PFJ_MF_SYMLINK:
		if (symlinkat(it->target, jp->stagefd, it->path) < 0)
			return 1;
		it->pre = 1;
		return 0;
	case PFJ_MF_CHARDEV:
		/* mknod honours the umask */
		if (mknodat(jp->stagefd, it->path, S_IFCHR | (it->mode & 0777), it->rdev) < 0)
			return 1;
		if (fchmodat(jp->stagefd, it->path, it->mode & 0777, 0) < 0) {
			unlinkat(jp->stagefd, it->path, 0);
			return 1;
		}
		it->pre = 1;
		return 0;
	}
	if ((fd = item_source(ctx->cli->root, it, why, why_size)) < 0)
		return -1;
	if ((unsigned long long)it->src_st.st_size > JAIL_FILE_MAX) {
		snprintf(why, why_size, "%s: %s", it->source, strerror(EFBIG));
		close(fd);
		return -1;
	}
	opts = file_opts(it);
	r = pfj_create_copy_at(jp->stagefd, it->path, fd, &opts, &stage, &copy);
	close(fd);
	if (r < 0) {
		pfj_debug("%s: cannot prestage (%s): %s", it->path, stage, strerror(-r));
		return 1;
	}
	/* hashed from the copy: the bytes the jail will hold */
	r = lseek(copy, 0, SEEK_SET) < 0 ? -errno : pfj_sha256_fd(copy, it->sha256, &it->size);
	close(copy);
	if (r < 0)
		return hash_failed(it, r, why, why_size);
	it->hashed = 1;
	it->pre = 1;
	return 0;
}

/* below - is path inside the directory dir? */
static int below(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return strncmp(path, dir, len) == 0 && path[len] == '/';
}

/* movable - is everything the plan has below the directory p->it[i] prestaged? */
static int movable(const struct plan *p, size_t i)
{
	if (!p->it[i].pre)
		return 0;
	for (size_t k = 0; k < p->n; k++)
		if (!p->it[k].pre && below(p->it[k].path, p->it[i].path))
			return 0;
	return 1;
}

/* under - is path inside one of the directories in dirs? */
static int under(const struct pfj_strv *dirs, const char *path)
{
	for (size_t k = 0; k < dirs->n; k++)
		if (below(path, dirs->v[k]))
			return 1;
	return 0;
}

/*
 * move_dir - when the jail lacks the planned directory p->it[i] and the
 * stage directory has it complete, have the commit rename it in whole.
 * 1 when it will be, 0 when not, -1 with why.
 */
static int move_dir(int rootfd, struct stager *sg, struct plan *p, size_t i, int stagefd,
		    char *why, size_t why_size)
{
	struct item *it = &p->it[i];
	char dir[4096];
	const char *base;
	struct stat st;
	int dfd;

	if (!movable(p, i))
		return 0;
	split(it->path, dir, sizeof(dir), &base);
	/* the parent is planned before it: made, or already there */
	if ((dfd = stager_dir(sg, rootfd, dir, 0, why, why_size)) < 0)
		return -1;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return 0;
	if (stager_add(sg, stagefd, dfd, it->path, base, 1) < 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	for (size_t k = i; k < p->n; k++)
		if (k == i || below(p->it[k].path, it->path))
			p->it[k].pre = 0;	/* handed to the stager with the directory */
	pfj_debug("%s: prepared in the stage directory, moved into the jail whole", it->path);
	return 1;
}

/* same_mount - can a file be renamed from a's directory into b's?  (Known for sure only) */
static int same_mount(int a, int b)
{
	unsigned long long ma = pfj_mount_id(a);

	return ma && !(ma & PFJ_MOUNT_ID_BY_DEV) && ma == pfj_mount_id(b);
}

/* plan_devices - the profile's device nodes (only ones pfjail knows) */
static int plan_devices(struct plan *p, const struct pfj_profile *prof, char *why, size_t why_size)
{
	static const struct { const char *name; unsigned maj, min; } known[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 },
	};

	for (size_t i = 0; i < prof->devices.n; i++) {
		struct item *it;
		size_t k;

		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(known[k].name, prof->devices.v[i]) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0])) {
			snprintf(why, why_size, "%s: device %s is not one pfjail places (null, zero, random, urandom)",
				 prof->source, prof->devices.v[i]);
			return -1;
		}
		if (plan_dirs(p, rel_of(prof->devices.v[i]), 0) < 0 ||
		    !(it = plan_new(p, rel_of(prof->devices.v[i]), PFJ_MF_CHARDEV, 0666))) {
			snprintf(why, why_size, "out of memory");
			return -1;
		}
		it->rdev = makedev(known[k].maj, known[k].min);
	}
	return 0;
}

int pfj_jail_prepare(struct pfj_ctx *ctx, struct pfj_jail_plan **out, char *why, size_t why_size)
{
	const struct pfj_conf *conf = ctx->conf;
	const char *root = ctx->cli->root;
	struct pfj_jail_plan *jp = calloc(1, sizeof(*jp));
	struct plan *p;
	int fresh;

	*out = NULL;
	if (!jp)
		goto nomem;
	jp->stagefd = -1;
	if (!(jp->mpath = pfj_manifest_path(ctx)))
		goto nomem;
	p = &jp->p;
	if (pfj_profile_load(conf->jail_profile_dir, conf->jail_profile, &jp->prof, why, why_size) < 0)
		goto fail;
	for (size_t i = 0; i < jp->prof.directories.n; i++)
		if (plan_dirs(p, rel_of(jp->prof.directories.v[i]), 1) < 0)
			goto nomem;
	for (size_t i = 0; i < jp->prof.host_directories.n; i++) {
		int hfd = pfj_image_open(root, jp->prof.host_directories.v[i], O_PATH | O_DIRECTORY);

		if (hfd >= 0) {
			close(hfd);
			if (plan_dirs(p, rel_of(jp->prof.host_directories.v[i]), 1) < 0)
				goto nomem;
		}
	}
	if (plan_profile_files(p, &jp->prof, root, why, why_size) < 0)
		goto fail;
	for (size_t i = 0; i < conf->jail_extra_files.n; i++) {
		int r = plan_copy(p, root, conf->jail_extra_files.v[i], conf->jail_extra_files.v[i], 0);

		if (r == -ENOENT)
			pfj_strv_add(&p->missing, conf->jail_extra_files.v[i]);
		else if (r < 0) {
			snprintf(why, why_size, "%s (jail.extra_files): %s",
				 conf->jail_extra_files.v[i], strerror(-r));
			goto fail;
		}
	}
	for (size_t i = 0; i < jp->prof.n_links; i++) {
		struct item *it;

		/* a link to what the host does not have would dangle: mirror the host */
		if (jp->prof.links[i].only_with && !plan_find(p, rel_of(jp->prof.links[i].only_with)))
			continue;
		if (plan_dirs(p, rel_of(jp->prof.links[i].path), 0) < 0)
			goto nomem;
		if (!plan_find(p, rel_of(jp->prof.links[i].path))) {
			if (!(it = plan_new(p, rel_of(jp->prof.links[i].path), PFJ_MF_SYMLINK, 0777)) ||
			    !(it->target = strdup(jp->prof.links[i].target)))
				goto nomem;
		}
	}
	if (conf->jail_devices && plan_devices(p, &jp->prof, why, why_size) < 0)
		goto fail;
	if (plan_libraries(p, &jp->prof, root, why, why_size) < 0)
		goto fail;
	load_old(jp->mpath, &jp->old, &jp->old_text);

	/* Read and hash now the files the old manifest does not vouch for:
	 * the caller runs this while postconf runs, and those bytes are needed
	 * anyway (a new jail, a changed source).  They are prestaged, and so
	 * is the rest of a jail built for the first time.  A dry run writes no
	 * manifest: it reads only what it compares, when it compares it. */
	fresh = jp->old.n == 0;
	for (size_t i = 0; i < p->n && !ctx->cli->dry_run; i++) {
		struct item *it = &p->it[i];
		int r;

		if (it->type == PFJ_MF_FILE ?
		    !it->source || source_unchanged(it, pfj_manifest_find(&jp->old, it->path)) :
		    !fresh)
			continue;
		if ((r = prestage(jp, ctx, it, why, why_size)) <= 0) {
			if (r < 0)
				goto fail;
			continue;
		}
		if (it->type == PFJ_MF_FILE &&
		    ((!it->loaded && item_load(root, it, why, why_size) < 0) ||
		     item_hash(it, why, why_size) < 0))
			goto fail;
	}
	if (jp->stagefd >= 0)
		jp->flushing = pthread_create(&jp->flusher, NULL, flush_main, &jp->stagefd) == 0;
	*out = jp;
	return 0;
nomem:
	snprintf(why, why_size, "out of memory");
fail:
	pfj_jail_plan_free(jp);
	return -1;
}

int pfj_build_jail(struct pfj_ctx *ctx, const struct pfj_build_state *bs,
		   struct pfj_jail_plan *jp, struct pfj_json *json, int *changes)
{
	const struct pfj_conf *conf = ctx->conf;
	const char *root = ctx->cli->root;
	struct plan *p = &jp->p;
	struct pfj_manifest *old = &jp->old;
	const char *mpath = jp->mpath;
	struct result res = { 0 };
	struct stager sg = { 0 };
	struct mwrite mw = { .dfd = -1 };
	struct pfj_strv moved = { 0 };		/* directories the commit moves in whole */
	struct pfj_strv copies = { 0 }, unknown = { 0 };	/* --take-over */
	struct pfj_strv leftovers = { 0 }, state_left = { 0 };	/* a killed build's temporaries */
	char *const *set = bs->settings;
	char *qdir = NULL, why[2048] = "";
	int rootfd = -1, stagefd = -1, status = PFJ_EXIT_ERROR, applying = 0, r;

	*changes = 0;
	if (set[PFJ_BS_QUEUE_DIRECTORY][0] != '/') {
		snprintf(why, sizeof(why), "queue_directory = \"%s\" is not an absolute path",
			 set[PFJ_BS_QUEUE_DIRECTORY]);
		goto fail;
	}
	if (!(qdir = pfj_root_path(root, set[PFJ_BS_QUEUE_DIRECTORY]))) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}

	/* the plan's part that depends on Postfix's settings */
	if (passwd_wanted(conf->jail_passwd, set[PFJ_BS_LOCAL_RECIPIENT_MAPS]) &&
	    plan_passwd(p, root, why, sizeof(why)) < 0)
		goto fail;
	{
		struct pfj_strv cadirs = { 0 };

		for (size_t i = 0; i < jp->prof.ca_path_parameters.n; i++) {
			const char *v = NULL;

			if (strcmp(jp->prof.ca_path_parameters.v[i], "smtp_tls_CApath") == 0)
				v = set[PFJ_BS_SMTP_TLS_CAPATH];
			else if (strcmp(jp->prof.ca_path_parameters.v[i], "smtpd_tls_CApath") == 0)
				v = set[PFJ_BS_SMTPD_TLS_CAPATH];
			else {
				snprintf(why, sizeof(why), "%s: ca_path_parameters: only smtp_tls_CApath and smtpd_tls_CApath are supported, not %s",
					 jp->prof.source, jp->prof.ca_path_parameters.v[i]);
				goto fail;
			}
			if (v && v[0] == '/' && !pfj_strv_contains(&cadirs, v))
				pfj_strv_add(&cadirs, v);
		}
		for (size_t i = 0; i < conf->jail_extra_ca_dirs.n; i++)
			if (!pfj_strv_contains(&cadirs, conf->jail_extra_ca_dirs.v[i]))
				pfj_strv_add(&cadirs, conf->jail_extra_ca_dirs.v[i]);
		for (size_t i = 0; i < cadirs.n; i++) {
			if (plan_ca_dir(p, root, cadirs.v[i], why, sizeof(why)) < 0) {
				pfj_strv_free(&cadirs);
				goto fail;
			}
		}
		pfj_strv_free(&cadirs);
	}

	/* apply, in path order so that directories come before their contents */
	if ((rootfd = pfj_jail_open_root(qdir, why, sizeof(why))) < 0)
		goto fail;
	if (old->jail_root && strcmp(old->jail_root, set[PFJ_BS_QUEUE_DIRECTORY]) != 0) {
		pfj_warn("%s: the manifest describes the jail %s, not %s; it is not used (nothing is pruned)",
			 mpath, old->jail_root, set[PFJ_BS_QUEUE_DIRECTORY]);
		pfj_manifest_free(old);
		memset(old, 0, sizeof(*old));
	}
	/* --take-over: what the distribution's script copied, found before
	 * anything changes (a dry run lists it), removed with the commit */
	if (ctx->cli->take_over &&
	    pfj_takeover_scan(rootfd, root, &jp->prof.takeover_patterns, jp->prof.takeover_links,
			      jp->prof.n_takeover_links, planned, p, &copies,
			      &unknown, why, sizeof(why)) < 0)
		goto fail;
	/* a killed build's temporaries: found before this one makes its own */
	if (find_leftovers(rootfd, p, old, &leftovers) < 0) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	if (jp->stagefd >= 0) {
		if (same_mount(jp->stagefd, rootfd))
			stagefd = jp->stagefd;
		else
			pfj_debug("%s: not on the mount of pfjail's stage directory; the files are written there again",
				  qdir);
	}
	/* the manifest first: written (and flushed with the jail's files, or
	 * on its own) before anything in the jail changes, renamed into place
	 * after them */
	if (!ctx->cli->dry_run &&
	    mwrite_prepare(&mw, mpath, p, ctx, set[PFJ_BS_QUEUE_DIRECTORY], bs, old, &jp->old_text,
			   rootfd, why, sizeof(why)) < 0)
		goto fail;
	for (size_t i = 0; i < p->n; i++) {
		enum outcome o = CREATED;

		if (stagefd >= 0 && under(&moved, p->it[i].path))
			r = 0;	/* comes with its directory */
		else if (stagefd >= 0 && p->it[i].type == PFJ_MF_DIR &&
			 (r = move_dir(rootfd, &sg, p, i, stagefd, why, sizeof(why))) != 0)
			r = r < 0 ? -1 : pfj_strv_add(&moved, p->it[i].path) < 0 ? -1 : 0;
		else
			r = apply_item(root, rootfd, &sg, &p->it[i], old, ctx->cli->dry_run, stagefd,
				       &o, why, sizeof(why));
		if (r < 0) {
			char *full = pfj_asprintf("%s/%s", qdir, why);	/* name the jail */

			snprintf(why, sizeof(why), "%s", full ? full : "out of memory");
			free(full);
			goto fail;
		}
		if (o == CREATED)
			pfj_strv_add(&res.created, p->it[i].path);
		else if (o == UPDATED)
			pfj_strv_add(&res.updated, p->it[i].path);
		else
			res.unchanged++;
	}
	/* a manifest that cannot be written (a full state directory) stops
	 * the build here, when nothing in the jail has changed yet */
	if (!ctx->cli->dry_run && mw.staged && sg.n == 0 && (r = pfj_sync_fs(mw.dfd)) < 0) {
		snprintf(why, sizeof(why), "syncfs: %s", strerror(-r));
		goto fail;
	}

	/* commit: staged files flushed and renamed, the unwanted removed, the
	 * manifest put in place, and all of it flushed before success is reported */
	applying = !ctx->cli->dry_run;
	flush_join(jp);
	if (stager_commit(&sg, rootfd, why, sizeof(why)) < 0)
		goto fail;
	for (size_t i = 0; i < leftovers.n; i++) {
		if (!ctx->cli->dry_run && remove_leftover(rootfd, leftovers.v[i], why, sizeof(why)) < 0)
			goto fail;
		pfj_strv_add(&res.removed, leftovers.v[i]);
	}
	if (conf->jail_prune && prune(rootfd, old, p, ctx->cli->dry_run, &res, why, sizeof(why)) < 0)
		goto fail;
	for (size_t i = 0; i < copies.n; i++) {
		if (!ctx->cli->dry_run && pfj_takeover_remove(rootfd, copies.v[i], why, sizeof(why)) < 0)
			goto fail;
		pfj_strv_add(&res.removed, copies.v[i]);
	}
	if (!ctx->cli->dry_run && (sg.n || res.removed.n)) {
		if (mw.staged && mwrite_commit(&mw, mpath, why, sizeof(why)) < 0)
			goto fail;
		if ((r = pfj_sync_fs(rootfd)) < 0) {
			snprintf(why, sizeof(why), "syncfs: %s", strerror(-r));
			goto fail;
		}
	}
	if (!ctx->cli->dry_run && mwrite_commit(&mw, mpath, why, sizeof(why)) < 0)
		goto fail;
	sweep_state(ctx, jp, ctx->cli->dry_run, &state_left);

	*changes = (int)(res.created.n + res.updated.n + res.removed.n + state_left.n);
	for (size_t i = 0; i < p->notes.n; i++)
		pfj_notice("%s", p->notes.v[i]);
	for (size_t i = 0; i < p->missing.n; i++)
		pfj_notice("%s: not on this system; not copied into the jail", p->missing.v[i]);
	for (size_t i = 0; i < unknown.n; i++)
		pfj_warn("%s/%s: matches what the distribution's jail script copies, but is not the host's file: its origin cannot be told, so it is left in place (verify reports it)",
			 qdir, unknown.v[i]);
	if (!json) {
		const char *how = ctx->cli->dry_run ? " (dry run)" : "";

		for (size_t i = 0; i < res.created.n; i++)
			printf("%s/%s: created%s\n", qdir, res.created.v[i], how);
		for (size_t i = 0; i < res.updated.n; i++)
			printf("%s/%s: updated%s\n", qdir, res.updated.v[i], how);
		for (size_t i = 0; i < res.removed.n; i++)
			printf("%s/%s: removed%s\n", qdir, res.removed.v[i], how);
		for (size_t i = 0; i < state_left.n; i++)
			printf("%s: removed (left by an interrupted run)%s\n", state_left.v[i], how);
		fflush(stdout);
		if (*changes == 0)
			pfj_info("jail %s: all %zu entries up to date; nothing to change", qdir, p->n);
		else
			pfj_info("jail %s: %zu created, %zu updated, %zu removed, %zu unchanged%s",
				 qdir, res.created.n, res.updated.n, res.removed.n, res.unchanged, how);
	} else {
		pfj_json_obj_begin(json, "jail");
		pfj_json_str(json, "root", qdir);
		pfj_json_str(json, "profile", jp->prof.source);
		pfj_json_str(json, "manifest", mpath);
		pfj_json_bool(json, "manifest_written", mw.written);
		report_list(json, "created", &res.created);
		report_list(json, "updated", &res.updated);
		report_list(json, "removed", &res.removed);
		report_list(json, "state_removed", &state_left);
		pfj_json_int(json, "unchanged", (long long)res.unchanged);
		report_list(json, "missing", &p->missing);
		report_list(json, "warnings", &p->notes);
		pfj_json_obj_end(json);
	}
	status = PFJ_EXIT_OK;
	goto out;
fail:
	if (!applying && rootfd >= 0)
		stager_unmake(&sg, rootfd);
	pfj_err("%s%s", why, applying ?
		"; the new files are in place (each one whole), run build again after fixing this" :
		"; nothing changed");
out:
	mwrite_free(&mw);
	stager_free(&sg);
	if (rootfd >= 0)
		close(rootfd);
	free(qdir);
	pfj_strv_free(&res.created);
	pfj_strv_free(&res.updated);
	pfj_strv_free(&res.removed);
	pfj_strv_free(&moved);
	pfj_strv_free(&copies);
	pfj_strv_free(&unknown);
	pfj_strv_free(&leftovers);
	pfj_strv_free(&state_left);
	return status;
}
