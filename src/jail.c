/*
 * jail.c - plan what Postfix's queue directory must hold for chrooted
 * daemons.
 *
 * From the jail profile (data), pfjail.conf and Postfix's own settings,
 * list every directory, file, symlink and device node the jail should
 * hold - LINUX2's files, Debian's extras (CA paths with their hash links,
 * etc/passwd when local_recipient_maps reads passwd directly, device
 * nodes, extra files, libgcc_s), and exactly the NSS modules
 * nsswitch.conf names for the databases Postfix looks up, with their
 * DT_NEEDED closure found the way the dynamic linker finds it.
 *
 * The plan is made in two halves.  What does not depend on Postfix's
 * settings is planned while postconf runs (pfj_jail_prepare), and the
 * bytes it will need are read, hashed and prestaged then (jailstage.c);
 * jl_plan_complete adds the rest once the settings are known.  A planned
 * file holds only its source's identity until its bytes are needed, so
 * that a rebuild with nothing changed reads no file contents at all.
 * Applying the plan is jailapply.c's.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cahash.h"
#include "crypto.h"
#include "elfdeps.h"
#include "image.h"
#include "jail.h"
#include "jail-int.h"
#include "jailfs.h"
#include "log.h"
#include "manifest.h"
#include "nss.h"
#include "profile.h"
#include "safefile.h"

/* ---- the plan's items -------------------------------------------------- */

/* jl_plan_find - the planned item for a jail path, or NULL */
struct item *jl_plan_find(struct plan *p, const char *path)
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
			it = jl_plan_find(p, buf);
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
 * they are needed (load, or later by jl_item_load), so that a rebuild with
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
	if (jl_plan_find(p, rel_of(dest)))
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

/* jl_item_source - the planned file's source, open at offset 0 */
int jl_item_source(const char *root, struct item *it, char *why, size_t why_size)
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

/* jl_item_load - read a planned file's bytes from its source, once */
int jl_item_load(const char *root, struct item *it, char *why, size_t why_size)
{
	int fd, r;

	if (it->loaded)
		return 0;
	if ((fd = jl_item_source(root, it, why, why_size)) < 0)
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

/* jl_hash_failed - why hashing it failed (libcrypto's own reason when it cannot be loaded); -1 */
int jl_hash_failed(const struct item *it, int r, char *why, size_t why_size)
{
	char how[512];

	if (r == -ELIBACC && !pfj_crypto_load(how, sizeof(how)))
		snprintf(why, why_size, "%s: SHA-256: %s", it->path, how);
	else
		snprintf(why, why_size, "%s: SHA-256 failed: %s", it->path, strerror(-r));
	return -1;
}

/* jl_item_hash - the SHA-256 of a loaded item's content, computed once */
int jl_item_hash(struct item *it, char *why, size_t why_size)
{
	int r;

	if (it->hashed)
		return 0;
	r = pfj_sha256_buf(it->content.data ? it->content.data : "", it->content.len, it->sha256);
	if (r < 0)
		return jl_hash_failed(it, r, why, why_size);
	it->size = it->content.len;
	it->hashed = 1;
	return 0;
}

/* jl_source_unchanged - does the old manifest record this very source? */
int jl_source_unchanged(const struct item *it, const struct pfj_mf_entry *old)
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

/* jl_file_opts - owner, mode and mtime of a file pfjail places */
struct pfj_replace_opts jl_file_opts(const struct item *it)
{
	return (struct pfj_replace_opts){
		.mode = it->mode, .uid = 0, .gid = 0,
		.mtime = it->source ? &it->src_st.st_mtim : NULL,
	};
}

/* ---- what the jail holds ----------------------------------------------- */

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
		it = jl_plan_find(p, "etc/passwd");
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
		struct item *it = path && !jl_plan_find(p, path) ?
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

/* plan_free - every item, and the descriptors of sources kept open */
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

/* ---- the step's two halves --------------------------------------------- */

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
		if (jp->prof.links[i].only_with && !jl_plan_find(p, rel_of(jp->prof.links[i].only_with)))
			continue;
		if (plan_dirs(p, rel_of(jp->prof.links[i].path), 0) < 0)
			goto nomem;
		if (!jl_plan_find(p, rel_of(jp->prof.links[i].path))) {
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
		    !it->source || jl_source_unchanged(it, pfj_manifest_find(&jp->old, it->path)) :
		    !fresh)
			continue;
		if ((r = jl_prestage(jp, ctx, it, why, why_size)) <= 0) {
			if (r < 0)
				goto fail;
			continue;
		}
		if (it->type == PFJ_MF_FILE &&
		    ((!it->loaded && jl_item_load(root, it, why, why_size) < 0) ||
		     jl_item_hash(it, why, why_size) < 0))
			goto fail;
	}
	jl_flush_start(jp);
	*out = jp;
	return 0;
nomem:
	snprintf(why, why_size, "out of memory");
fail:
	pfj_jail_plan_free(jp);
	return -1;
}

/*
 * jl_plan_complete - the plan's part that depends on Postfix's settings:
 * etc/passwd when local_recipient_maps reads it directly, and the CA
 * directories (the profile's CApath parameters, jail.extra_ca_dirs) with
 * their hash links
 */
int jl_plan_complete(const struct pfj_ctx *ctx, const struct pfj_build_state *bs,
		     struct pfj_jail_plan *jp, char *why, size_t why_size)
{
	const struct pfj_conf *conf = ctx->conf;
	const char *root = ctx->cli->root;
	char *const *set = bs->settings;
	struct plan *p = &jp->p;
	struct pfj_strv cadirs = { 0 };
	int r = -1;

	if (passwd_wanted(conf->jail_passwd, set[PFJ_BS_LOCAL_RECIPIENT_MAPS]) &&
	    plan_passwd(p, root, why, why_size) < 0)
		return -1;
	for (size_t i = 0; i < jp->prof.ca_path_parameters.n; i++) {
		const char *v = NULL;

		if (strcmp(jp->prof.ca_path_parameters.v[i], "smtp_tls_CApath") == 0)
			v = set[PFJ_BS_SMTP_TLS_CAPATH];
		else if (strcmp(jp->prof.ca_path_parameters.v[i], "smtpd_tls_CApath") == 0)
			v = set[PFJ_BS_SMTPD_TLS_CAPATH];
		else {
			snprintf(why, why_size, "%s: ca_path_parameters: only smtp_tls_CApath and smtpd_tls_CApath are supported, not %s",
				 jp->prof.source, jp->prof.ca_path_parameters.v[i]);
			goto out;
		}
		if (v && v[0] == '/' && !pfj_strv_contains(&cadirs, v))
			pfj_strv_add(&cadirs, v);
	}
	for (size_t i = 0; i < conf->jail_extra_ca_dirs.n; i++)
		if (!pfj_strv_contains(&cadirs, conf->jail_extra_ca_dirs.v[i]))
			pfj_strv_add(&cadirs, conf->jail_extra_ca_dirs.v[i]);
	for (size_t i = 0; i < cadirs.n; i++)
		if (plan_ca_dir(p, root, cadirs.v[i], why, why_size) < 0)
			goto out;
	r = 0;
out:
	pfj_strv_free(&cadirs);
	return r;
}

void pfj_jail_plan_free(struct pfj_jail_plan *jp)
{
	if (!jp)
		return;
	jl_stage_release(jp);
	pfj_profile_free(&jp->prof);
	plan_free(&jp->p);
	pfj_manifest_free(&jp->old);
	pfj_buf_free(&jp->old_text);
	free(jp->mpath);
	free(jp);
}
