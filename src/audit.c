/*
 * audit.c - check the jail against the manifest and against what a jail
 * may hold at all.
 *
 * Two passes over the tree below the jail root.  The first takes every
 * entry build recorded and compares type, mode, owner, link count, file
 * capabilities, SHA-256 of the content, symlink targets and device
 * numbers.  The second walks the whole tree the caller can read and looks
 * for what no jail should have: entries pfjail did not place in the
 * directories it manages, setuid/setgid files, device nodes other than
 * those placed, sockets and FIFOs outside Postfix's private/ and public/,
 * hard links, group- or other-writable entries and dangling symlinks; and
 * it compares Postfix's queue directories with postfix-files.
 *
 * Everything is opened relative to the jail root, one component at a
 * time with O_NOFOLLOW, so the tree being audited cannot redirect the
 * audit.  The verify command runs this in an unprivileged, sandboxed
 * worker; this file knows nothing about that.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "audit.h"
#include "safefile.h"
#include "util.h"

#define AUDIT_MAX_DEPTH 64
#define PARALLEL_HASH_MIN (64u << 20)	/* below this, one process hashes */

static const char *const class_names[PFJ_F_NCLASSES] = {
	[PFJ_F_MISSING] = "missing",
	[PFJ_F_CONTENT] = "content",
	[PFJ_F_TYPE] = "type",
	[PFJ_F_MODE] = "mode",
	[PFJ_F_OWNER] = "owner",
	[PFJ_F_GROUP] = "group",
	[PFJ_F_UNEXPECTED] = "unexpected",
	[PFJ_F_SETID] = "setid",
	[PFJ_F_FILECAP] = "file-capabilities",
	[PFJ_F_WRITABLE] = "writable",
	[PFJ_F_DEVICE] = "device",
	[PFJ_F_SOCKET] = "socket",
	[PFJ_F_SYMLINK] = "symlink",
	[PFJ_F_HARDLINK] = "hardlink",
	[PFJ_F_STALE] = "stale",
	[PFJ_F_ROOT] = "jail-root",
	[PFJ_F_MOUNT] = "mount",
	[PFJ_F_MASTER_CF] = "master-cf",
	[PFJ_F_QUEUE_DIR] = "queue-directory",
	[PFJ_F_UNREADABLE] = "unreadable",
	[PFJ_F_LEFTOVER] = "leftover",
};

const char *pfj_finding_name(int cls)
{
	return cls >= 0 && cls < PFJ_F_NCLASSES ? class_names[cls] : "unknown";
}

struct audit {
	int rootfd;
	const struct pfj_audit_spec *spec;
	pfj_finding_cb cb;
	void *arg;
	int stop;
};

/* report - hand one finding to the callback */
static void report(struct audit *a, int cls, const char *path, const char *exp,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void report(struct audit *a, int cls, const char *path, const char *exp,
		   const char *fmt, ...)
{
	struct pfj_finding f;
	va_list ap;

	if (a->stop)
		return;
	memset(&f, 0, sizeof(f));
	f.cls = cls;
	snprintf(f.path, sizeof(f.path), "%s", path);
	snprintf(f.expected, sizeof(f.expected), "%s", exp ? exp : "");
	va_start(ap, fmt);
	vsnprintf(f.actual, sizeof(f.actual), fmt, ap);
	va_end(ap);
	if (a->cb(&f, a->arg))
		a->stop = 1;
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static const char *mf_type_name(char t)
{
	switch (t) {
	case PFJ_MF_FILE: return "file";
	case PFJ_MF_DIR: return "directory";
	case PFJ_MF_SYMLINK: return "symlink";
	case PFJ_MF_CHARDEV: return "character device";
	default: return "unknown";
	}
}

static int type_matches(char t, mode_t m)
{
	return (t == PFJ_MF_FILE && S_ISREG(m)) || (t == PFJ_MF_DIR && S_ISDIR(m)) ||
	       (t == PFJ_MF_SYMLINK && S_ISLNK(m)) || (t == PFJ_MF_CHARDEV && S_ISCHR(m));
}

/*
 * open_parent - the directory holding rel, walked from the jail root with
 * O_NOFOLLOW; *base points at the last component.  -errno on failure
 * (-ELOOP/-ENOTDIR when a component is not a real directory).
 */
static int open_parent(int rootfd, const char *rel, const char **base)
{
	const char *p = rel, *slash;
	int fd = dup(rootfd);

	*base = rel;

	if (fd < 0)
		return -errno;
	while ((slash = strchr(p, '/'))) {
		char comp[256];
		size_t n = (size_t)(slash - p);
		int nfd;

		if (n == 0 || n >= sizeof(comp)) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return -errno;
		fd = nfd;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

/*
 * resolves_inside - does a symlink's target exist, resolved as if the
 * jail were "/" (how a chrooted daemon sees it)?  ".." never climbs above
 * the root; at most 40 links are followed.
 */
static int resolves_inside(int rootfd, const char *dir_rel, const char *target)
{
	char *path, *cur = NULL;
	int depth = 0, found = 0;

	path = target[0] == '/' ? strdup(target + 1) :
		pfj_asprintf("%s%s%s", dir_rel, dir_rel[0] ? "/" : "", target);
	while (path) {
		char *work = strdup(path), *save = NULL, *comp, *next = NULL;
		size_t cl = 0;

		free(cur);
		cur = calloc(1, strlen(path) + 2);
		if (!work || !cur) {
			free(work);
			break;
		}
		found = 1;
		for (comp = strtok_r(work, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
			struct stat st;

			if (strcmp(comp, ".") == 0)
				continue;
			if (strcmp(comp, "..") == 0) {
				char *sl = strrchr(cur, '/');

				cl = sl ? (size_t)(sl - cur) : 0;
				cur[cl] = '\0';
				continue;
			}
			cl += (size_t)sprintf(cur + cl, "%s%s", cl ? "/" : "", comp);
			if (fstatat(rootfd, cur, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				found = 0;
				break;
			}
			if (S_ISLNK(st.st_mode)) {
				char t[PFJ_F_PATH_MAX];
				ssize_t n = readlinkat(rootfd, cur, t, sizeof(t) - 1);
				const char *rest = save && *save ? save : "";
				char *sl;

				if (n < 0 || ++depth > 40) {
					found = 0;
					break;
				}
				t[n] = '\0';
				sl = strrchr(cur, '/');
				cl = sl ? (size_t)(sl - cur) : 0;
				cur[cl] = '\0';
				if (t[0] == '/')
					next = pfj_asprintf("%s%s%s", t + 1, *rest ? "/" : "", rest);
				else
					next = pfj_asprintf("%s%s%s%s%s", cur, cl ? "/" : "", t,
							    *rest ? "/" : "", rest);
				if (!next)
					found = 0;
				break;
			}
		}
		free(work);
		free(path);
		path = next;	/* NULL: done */
		if (!next)
			break;
	}
	free(path);
	free(cur);
	return found;
}

/* ---- pass 1: what build placed --------------------------------------------- */

struct hash_job {
	int fd;
	const struct pfj_mf_entry *e;
	unsigned char sha[32];
	unsigned long long size;
	int err;
};

struct hash_batch {
	struct hash_job *job;
	size_t n, next;
	pthread_mutex_t lock;
};

/* hash_worker - take jobs until none are left */
static void *hash_worker(void *arg)
{
	struct hash_batch *b = arg;

	for (;;) {
		struct hash_job *j;

		pthread_mutex_lock(&b->lock);
		j = b->next < b->n ? &b->job[b->next++] : NULL;
		pthread_mutex_unlock(&b->lock);
		if (!j)
			return NULL;
		j->err = pfj_sha256_fd(j->fd, j->sha, &j->size);
	}
}

/* hash_all - SHA-256 of every job, on several threads when there is enough to hash */
static void hash_all(struct hash_batch *b, int workers, unsigned long long total)
{
	pthread_t th[64];
	int started = 0;

	if (workers < 1 || total < PARALLEL_HASH_MIN)
		workers = 1;
	if (workers > 64)
		workers = 64;
	pthread_mutex_init(&b->lock, NULL);
	for (int i = 1; i < workers; i++)
		if (pthread_create(&th[started], NULL, hash_worker, b) == 0)
			started++;
	hash_worker(b);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&b->lock);
}

/* check_entry - one manifest entry; a file to hash is queued in b */
static void check_entry(struct audit *a, const struct pfj_mf_entry *e, struct hash_batch *b,
			unsigned long long *total)
{
	const char *base = e->path;
	struct stat st;
	char exp[64];
	int dfd = open_parent(a->rootfd, e->path, &base);

	if (dfd < 0) {
		if (dfd == -EACCES)
			report(a, PFJ_F_UNREADABLE, e->path, "readable", "a parent directory is not searchable");
		else if (dfd == -ENOENT)
			report(a, PFJ_F_MISSING, e->path, mf_type_name(e->type), "missing");
		else
			report(a, PFJ_F_TYPE, e->path, "a path of directories",
				"a component is not a directory (%s)", strerror(-dfd));
		return;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			report(a, PFJ_F_MISSING, e->path, mf_type_name(e->type), "missing");
		else
			report(a, PFJ_F_UNREADABLE, e->path, "stat", "%s", strerror(errno));
		close(dfd);
		return;
	}
	if (!type_matches(e->type, st.st_mode)) {
		report(a, PFJ_F_TYPE, e->path, mf_type_name(e->type), "%s", type_name(st.st_mode));
		close(dfd);
		return;
	}
	if (e->type != PFJ_MF_SYMLINK && (st.st_mode & 07777) != e->mode) {
		snprintf(exp, sizeof(exp), "%04o", e->mode);
		report(a, PFJ_F_MODE, e->path, exp, "%04o", (unsigned)(st.st_mode & 07777));
	}
	if (st.st_uid != e->uid) {
		snprintf(exp, sizeof(exp), "%u", e->uid);
		report(a, PFJ_F_OWNER, e->path, exp, "%u", (unsigned)st.st_uid);
	}
	if (st.st_gid != e->gid) {
		snprintf(exp, sizeof(exp), "%u", e->gid);
		report(a, PFJ_F_GROUP, e->path, exp, "%u", (unsigned)st.st_gid);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)))
		report(a, PFJ_F_SETID, e->path, "no setuid/setgid bit", "%04o",
		       (unsigned)(st.st_mode & 07777));
	if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) && (st.st_mode & (S_IWGRP | S_IWOTH)))
		report(a, PFJ_F_WRITABLE, e->path, "writable by its owner only", "%04o",
		       (unsigned)(st.st_mode & 07777));
	switch (e->type) {
	case PFJ_MF_FILE: {
		int fd;

		if (st.st_nlink > 1)
			report(a, PFJ_F_HARDLINK, e->path, "1 link", "%lu links",
			       (unsigned long)st.st_nlink);
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			report(a, PFJ_F_UNREADABLE, e->path, "readable", "%s", strerror(errno));
			break;
		}
		if (fgetxattr(fd, "security.capability", NULL, 0) >= 0)
			report(a, PFJ_F_FILECAP, e->path, "no file capabilities", "security.capability set");
		if ((unsigned long long)st.st_size != e->size) {
			snprintf(exp, sizeof(exp), "%llu bytes", e->size);
			report(a, PFJ_F_CONTENT, e->path, exp, "%lld bytes", (long long)st.st_size);
			close(fd);
			break;
		}
		b->job[b->n].fd = fd;	/* hashed later, all together */
		b->job[b->n].e = e;
		b->n++;
		*total += (unsigned long long)st.st_size;
		break;
	}
	case PFJ_MF_SYMLINK: {
		char t[PFJ_F_PATH_MAX];
		ssize_t n = readlinkat(dfd, base, t, sizeof(t) - 1);

		if (n < 0) {
			report(a, PFJ_F_UNREADABLE, e->path, "readable", "%s", strerror(errno));
			break;
		}
		t[n] = '\0';
		if (strcmp(t, e->target) != 0) {
			report(a, PFJ_F_CONTENT, e->path, e->target, "%s", t);
		} else {
			char dir[PFJ_F_PATH_MAX];

			snprintf(dir, sizeof(dir), "%.*s", (int)(base - e->path ? base - e->path - 1 : 0),
				 e->path);
			if (!resolves_inside(a->rootfd, dir, t))
				report(a, PFJ_F_SYMLINK, e->path, "a target inside the jail",
				       "%s resolves to nothing inside the jail", t);
		}
		break;
	}
	case PFJ_MF_CHARDEV:
		if (st.st_rdev != e->rdev) {
			snprintf(exp, sizeof(exp), "%u:%u", major(e->rdev), minor(e->rdev));
			report(a, PFJ_F_DEVICE, e->path, exp, "%u:%u", major(st.st_rdev),
			       minor(st.st_rdev));
		}
		if (st.st_nlink > 1)
			report(a, PFJ_F_HARDLINK, e->path, "1 link", "%lu links",
			       (unsigned long)st.st_nlink);
		break;
	default:
		break;
	}
	close(dfd);
}

/* ---- pass 2: what no jail should hold ---------------------------------------- */

static const struct pfj_queue_dir *queue_dir(const struct pfj_audit_spec *s, const char *rel)
{
	for (size_t i = 0; i < s->n_qdirs; i++)
		if (strcmp(s->qdirs[i].name, rel) == 0)
			return &s->qdirs[i];
	return NULL;
}

/* listed - is s in the (optional) list? */
static int listed(const struct pfj_strv *l, const char *s)
{
	return l && pfj_strv_contains(l, s);
}

/* distro_owned - an entry the distribution put there, not pfjail: a
 * directory its package ships, or an empty root-owned flag file at the top */
static int distro_owned(const struct pfj_audit_spec *s, const char *rel, const char *path,
			const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return listed(s->package_dirs, path);
	return !rel[0] && S_ISREG(st->st_mode) && st->st_size == 0 && st->st_uid == 0 &&
	       listed(s->flag_files, path);
}

/* in_socket_dir - Postfix's sockets and FIFOs live in private/ and public/ */
static int in_socket_dir(const char *rel)
{
	return strncmp(rel, "private/", 8) == 0 || strncmp(rel, "public/", 7) == 0;
}

/*
 * leftover - a temporary that a killed build left where pfjail writes:
 * named like one, root's, a file, a link or one of the device nodes
 * pfjail places (null, zero, random, urandom)
 */
static int leftover(const char *name, const struct stat *st)
{
	if (!pfj_is_temp_name(name, NULL) || st->st_uid != 0)
		return 0;
	if (S_ISCHR(st->st_mode))
		return major(st->st_rdev) == 1 && (minor(st->st_rdev) == 3 || minor(st->st_rdev) == 5 ||
						   minor(st->st_rdev) == 8 || minor(st->st_rdev) == 9);
	return S_ISREG(st->st_mode) || S_ISLNK(st->st_mode);
}

/* walk - one directory of the tree; rel is its jail-relative path ("" for the root) */
static void walk(struct audit *a, int dfd, const char *rel, int depth)
{
	const struct pfj_manifest *m = a->spec->m;
	const struct pfj_mf_entry *self = rel[0] ? pfj_manifest_find(m, rel) : NULL;
	/* pfjail's directories and the package's: nothing else belongs inside */
	int managed = (self && self->type == PFJ_MF_DIR) || (rel[0] && listed(a->spec->package_dirs, rel));
	struct dirent *de;
	DIR *d;
	int fd2 = dup(dfd);

	if (fd2 < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
		return;
	}
	while (!a->stop && (de = readdir(d))) {
		char path[PFJ_F_PATH_MAX];
		const struct pfj_mf_entry *e;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "",
				     de->d_name) >= sizeof(path))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		e = pfj_manifest_find(m, path);
		if (!e && (managed || !rel[0]) && leftover(de->d_name, &st)) {
			report(a, PFJ_F_LEFTOVER, path, "nothing",
			       "a temporary left by an interrupted build; \"pfjail build\" removes it");
			continue;
		}
		if (!e) {
			/* not placed by build: judged by what it is and where */
			if ((managed || (!rel[0] && !queue_dir(a->spec, path))) &&
			    !(S_ISDIR(st.st_mode) && !rel[0] && strcmp(path, "pid") == 0) &&
			    !distro_owned(a->spec, rel, path, &st))
				report(a, PFJ_F_UNEXPECTED, path, "nothing", "%s", type_name(st.st_mode));
			if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
				report(a, PFJ_F_DEVICE, path, "no device nodes but dev/random and dev/urandom",
				       "%s %u:%u", type_name(st.st_mode), major(st.st_rdev),
				       minor(st.st_rdev));
			else if ((S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)) && !in_socket_dir(path))
				report(a, PFJ_F_SOCKET, path, "sockets and FIFOs only in private/ and public/",
				       "%s", type_name(st.st_mode));
			else if (S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)))
				report(a, PFJ_F_SETID, path, "no setuid/setgid bit", "%04o",
				       (unsigned)(st.st_mode & 07777));
			if (S_ISREG(st.st_mode) && st.st_nlink > 1)
				report(a, PFJ_F_HARDLINK, path, "1 link", "%lu links",
				       (unsigned long)st.st_nlink);
			if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
			    (st.st_mode & (S_IWGRP | S_IWOTH)) && !queue_dir(a->spec, path) &&
			    !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && st.st_uid == 0))
				report(a, PFJ_F_WRITABLE, path, "writable by its owner only", "%04o",
				       (unsigned)(st.st_mode & 07777));
			if (S_ISLNK(st.st_mode)) {
				char t[PFJ_F_PATH_MAX];
				ssize_t n = readlinkat(dfd, de->d_name, t, sizeof(t) - 1);

				if (n >= 0) {
					t[n] = '\0';
					if (!resolves_inside(a->rootfd, rel, t))
						report(a, PFJ_F_SYMLINK, path, "a target inside the jail",
						       "%s resolves to nothing inside the jail", t);
				}
			}
		}
		if (S_ISDIR(st.st_mode) && depth < AUDIT_MAX_DEPTH) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			/* Postfix's own 0700 directories are not readable here: that is fine */
			if (sub >= 0) {
				walk(a, sub, path, depth + 1);
				close(sub);
			}
		}
	}
	closedir(d);
}

/* qdir_fits - does st match this expectation? */
static int qdir_fits(const struct stat *st, const struct pfj_queue_dir *q)
{
	return S_ISDIR(st->st_mode) && st->st_uid == q->uid &&
	       (q->gid == (gid_t)-1 || st->st_gid == q->gid) && (st->st_mode & 07777) == q->mode;
}

/*
 * check_queue_dirs - Postfix's queue directories against postfix-files and
 * the distribution's overrides: one expectation of a name must fit
 */
static void check_queue_dirs(struct audit *a)
{
	const struct pfj_queue_dir *qs = a->spec->qdirs;

	for (size_t i = 0; i < a->spec->n_qdirs; i++) {
		struct stat st;
		char exp[PFJ_F_TEXT_MAX];
		size_t k, len = 0;
		int fits = 0;

		for (k = 0; k < i && strcmp(qs[k].name, qs[i].name) != 0; k++)
			;
		if (k < i)
			continue;	/* judged with its first entry */
		if (fstatat(a->rootfd, qs[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* Postfix creates it when it starts */
		exp[0] = '\0';
		for (k = i; k < a->spec->n_qdirs; k++) {
			const struct pfj_queue_dir *q = &qs[k];
			int w;

			if (strcmp(q->name, qs[i].name) != 0)
				continue;
			fits |= qdir_fits(&st, q);
			if (q->gid == (gid_t)-1)
				w = snprintf(exp + len, sizeof(exp) - len, "%sdirectory owner %u mode %04o",
					     len ? " or " : "", (unsigned)q->uid, (unsigned)q->mode);
			else
				w = snprintf(exp + len, sizeof(exp) - len,
					     "%sdirectory owner %u group %u mode %04o", len ? " or " : "",
					     (unsigned)q->uid, (unsigned)q->gid, (unsigned)q->mode);
			if (w > 0 && (size_t)w < sizeof(exp) - len)
				len += (size_t)w;
			else
				exp[len] = '\0';	/* keep the alternatives that fit */
		}
		if (!fits)
			report(a, PFJ_F_QUEUE_DIR, qs[i].name, exp, "%s owner %u group %u mode %04o",
			       type_name(st.st_mode), (unsigned)st.st_uid, (unsigned)st.st_gid,
			       (unsigned)(st.st_mode & 07777));
	}
}

int pfj_audit_jail(int rootfd, const struct pfj_audit_spec *spec, pfj_finding_cb cb,
		   void *arg, char *why, size_t why_size)
{
	struct audit a = { .rootfd = rootfd, .spec = spec, .cb = cb, .arg = arg };
	struct hash_batch b = { 0 };
	unsigned long long total = 0;

	if (spec->m->n && !(b.job = calloc(spec->m->n, sizeof(*b.job)))) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < spec->m->n && !a.stop; i++)
		check_entry(&a, &spec->m->ent[i], &b, &total);
	hash_all(&b, spec->hash_workers, total);
	for (size_t i = 0; i < b.n; i++) {
		struct hash_job *j = &b.job[i];
		char exp[65], act[65];

		close(j->fd);
		if (j->err < 0) {
			report(&a, PFJ_F_UNREADABLE, j->e->path, "readable", "%s", strerror(-j->err));
			continue;
		}
		if (memcmp(j->sha, j->e->sha256, 32) != 0 || j->size != j->e->size) {
			pfj_sha256_hex(j->e->sha256, exp);
			pfj_sha256_hex(j->sha, act);
			report(&a, PFJ_F_CONTENT, j->e->path, exp, "%s", act);
		}
	}
	free(b.job);
	if (!a.stop)
		walk(&a, rootfd, "", 0);
	if (!a.stop)
		check_queue_dirs(&a);
	return 0;
}

/* ---- the worker's wire format ------------------------------------------------ */

/*
 * One record: "F" class(1 byte) and three strings, each a 2-byte big-endian
 * length then the bytes (no NUL inside, length within the field's limit).
 */
int pfj_finding_encode(const struct pfj_finding *f, unsigned char *buf, size_t size)
{
	const char *s[3] = { f->path, f->expected, f->actual };
	size_t pos = 0;

	if (size < 2)
		return -1;
	buf[pos++] = 'F';
	buf[pos++] = (unsigned char)f->cls;
	for (int i = 0; i < 3; i++) {
		size_t l = strnlen(s[i], i == 0 ? PFJ_F_PATH_MAX - 1 : PFJ_F_TEXT_MAX - 1);

		if (pos + 2 + l > size)
			return -1;
		buf[pos++] = (unsigned char)(l >> 8);
		buf[pos++] = (unsigned char)(l & 0xff);
		memcpy(buf + pos, s[i], l);
		pos += l;
	}
	return (int)pos;
}

int pfj_finding_decode(const unsigned char *buf, size_t len, struct pfj_finding *f)
{
	char *dst[3] = { f->path, f->expected, f->actual };
	size_t lim[3] = { PFJ_F_PATH_MAX, PFJ_F_TEXT_MAX, PFJ_F_TEXT_MAX };
	size_t pos = 2;

	if (len < 2)
		return 0;
	if (buf[0] != 'F' || buf[1] >= PFJ_F_NCLASSES)
		return -1;
	memset(f, 0, sizeof(*f));
	f->cls = buf[1];
	for (int i = 0; i < 3; i++) {
		size_t l;

		if (pos + 2 > len)
			return 0;
		l = ((size_t)buf[pos] << 8) | buf[pos + 1];
		pos += 2;
		if (l >= lim[i])
			return -1;
		if (pos + l > len)
			return 0;
		if (memchr(buf + pos, '\0', l))
			return -1;
		memcpy(dst[i], buf + pos, l);
		dst[i][l] = '\0';	/* forced termination */
		pos += l;
	}
	return (int)pos;
}
