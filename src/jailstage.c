/*
 * jailstage.c - prestage the jail's new contents in pfjail's state
 * directory while postconf runs.
 *
 * Where the jail is, postconf answers only after a few milliseconds, but
 * what a new jail (or a changed source) needs is known before.  Meanwhile
 * it is built in a directory of pfjail's own state
 * ($state_dir/INSTANCE.stage, root's alone, locked by the build using
 * it), at the paths it will have in the jail: a fresh jail's directories,
 * links and device nodes, and every file whose bytes are needed, copied
 * (in the kernel) with the owner, mode and mtime it will have, hashed
 * from that copy, its writeback started.  When the jail turns out to be on
 * the same mount, the commit (jailapply.c) renames from there, after the
 * same flush as the files staged in the jail itself: a whole directory
 * the jail lacks in one rename, else each entry over its target.  Whatever
 * is not used is removed, and written in the jail as usual.  Not with
 * SELinux enabled: a renamed file keeps its label, which would be the
 * state directory's.
 *
 * This file also sweeps the state directory of what a killed build of
 * the instance left there.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "jail-int.h"
#include "jailfs.h"
#include "log.h"
#include "manifest.h"
#include "safefile.h"
#include "state.h"

/* ---- the stage directory ----------------------------------------------- */

/* selinux_enabled - a renamed file keeps its label: then nothing is prestaged */
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

/* jl_stage_release - join the flush, empty the stage directory, close (and unlock) it */
void jl_stage_release(struct pfj_jail_plan *jp)
{
	jl_flush_join(jp);
	if (jp->stagefd >= 0) {
		empty_dir(jp->stagefd);	/* what was not moved into the jail */
		close(jp->stagefd);	/* and the lock with it */
		jp->stagefd = -1;
	}
}

/* ---- prestaging -------------------------------------------------------- */

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
		d = jl_plan_find(&jp->p, path);
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
 * jl_prestage - put one planned entry in the stage directory; a file is
 * copied from its source and hashed there.  0 when done, 1 when it cannot
 * be done here (a file is then read into memory instead), -1 with why
 * when the source cannot be read.
 */
int jl_prestage(struct pfj_jail_plan *jp, const struct pfj_ctx *ctx, struct item *it,
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
	if ((fd = jl_item_source(ctx->cli->root, it, why, why_size)) < 0)
		return -1;
	if ((unsigned long long)it->src_st.st_size > JAIL_FILE_MAX) {
		snprintf(why, why_size, "%s: %s", it->source, strerror(EFBIG));
		close(fd);
		return -1;
	}
	opts = jl_file_opts(it);
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
		return jl_hash_failed(it, r, why, why_size);
	it->hashed = 1;
	it->pre = 1;
	return 0;
}

/* ---- flushing it while postconf runs ----------------------------------- */

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

/* jl_flush_start - when files were prestaged, flush them in a thread of its own */
void jl_flush_start(struct pfj_jail_plan *jp)
{
	if (jp->stagefd >= 0)
		jp->flushing = pthread_create(&jp->flusher, NULL, flush_main, &jp->stagefd) == 0;
}

/* jl_flush_join - wait for the background flush, when there is one */
void jl_flush_join(struct pfj_jail_plan *jp)
{
	if (jp->flushing) {
		pthread_join(jp->flusher, NULL);
		jp->flushing = 0;
	}
}

/* ---- what a killed build left in the state directory ------------------- */

/* other_instance - a temporary in the state directory that is not this instance's */
static int other_instance(const char *name, void *arg)
{
	const char *prefix = arg;

	return strncmp(name + 1, prefix, strlen(prefix)) != 0;
}

/*
 * jl_sweep_state - what a killed build of this instance left in the state
 * directory: its temporaries (".INSTANCE.manifest.pfjail-...", the
 * postconf cache's) are removed, or listed with dry_run, as absolute
 * paths in removed; the stage directory, when this build did not use it,
 * is emptied, and the directory where build has Postfix check master.cf's
 * edit is removed.  Other instances' files are never touched.
 */
void jl_sweep_state(const struct pfj_ctx *ctx, struct pfj_jail_plan *jp, int dry_run,
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
