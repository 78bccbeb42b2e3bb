/*
 * jailapply.c - apply the jail's plan (jail.c) to Postfix's queue
 * directory, and record what was placed.
 *
 * Apply: walk the jail only through jailfs (root-owned directories, one
 * O_NOFOLLOW component at a time) and replace what differs with
 * safefile's temp + fsync + renameat, so a running daemon never reads a
 * partial file and a planted link is replaced, never followed.  Every
 * change is staged first and committed together (see "Staged writes");
 * what was prestaged in the state directory (jailstage.c) is renamed in
 * from there, a whole new directory at once when it can be.  Record:
 * write the manifest (what was placed, with SHA-256 and the source's
 * identity), remove what an earlier build placed but the plan no longer
 * wants, and the temporaries a killed build left.  Nothing is written
 * when nothing differs.  pfj_build_jail, the step itself, also reports.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jail.h"
#include "jail-int.h"
#include "jailfs.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "safefile.h"
#include "state.h"
#include "takeover.h"

/* What applying one entry did, or (with --dry-run) would do. */
enum outcome { SAME, CREATED, UPDATED };

/* What the step changed, for the report. */
struct result {
	struct pfj_strv created, updated, removed;
	size_t unchanged;
};

/* ---- applying it ------------------------------------------------------- */

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
	if (jl_source_unchanged(it, old) && (unsigned long long)st->st_size == old->size &&
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
		if (!it->loaded && jl_item_load(root, it, why, why_size) < 0)
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
		if (!it->loaded && jl_item_load(root, it, why, why_size) < 0)
			return -1;
		{
			struct pfj_replace_opts opts = jl_file_opts(it);
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
	return jl_plan_find(arg, rel) != NULL;
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
		if (jl_plan_find(p, e->path) || e->type == PFJ_MF_DIR)
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

/* ---- what a killed build left ------------------------------------------ */

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
		if (old->ent[i].type == PFJ_MF_DIR && !jl_plan_find((struct plan *)p, old->ent[i].path) &&
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

/* ---- the manifest ------------------------------------------------------ */

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
		} else if (!it->loaded && jl_source_unchanged(it, old)) {
			/* the old record describes these very bytes */
			memcpy(e->sha256, old->sha256, sizeof(e->sha256));
			e->size = old->size;
		} else {
			if ((!it->loaded && jl_item_load(root, it, why, why_size) < 0) ||
			    jl_item_hash(it, why, why_size) < 0)
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

/* ---- what was prestaged ------------------------------------------------ */

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

/* ---- the step ---------------------------------------------------------- */

/* report_list - sv as the JSON array key */
static void report_list(struct pfj_json *j, const char *key, const struct pfj_strv *sv)
{
	pfj_json_arr_begin(j, key);
	for (size_t i = 0; i < sv->n; i++)
		pfj_json_str(j, NULL, sv->v[i]);
	pfj_json_arr_end(j);
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
	if (jl_plan_complete(ctx, bs, jp, why, sizeof(why)) < 0)
		goto fail;

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
	jl_flush_join(jp);
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
	jl_sweep_state(ctx, jp, ctx->cli->dry_run, &state_left);

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
