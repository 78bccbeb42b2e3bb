/*
 * safefile.c - read and replace files without following links or leaving
 * partial writes.
 *
 * Every operation is relative to a directory descriptor that the caller
 * opened and checked, and names a single path component, so a symlink
 * swapped into the path cannot redirect a read or a write.  Replacement
 * follows the classic pattern (Postfix's edit_file, every careful package
 * manager): write a temporary file in the same directory, set owner and
 * mode on the descriptor, fsync, rename over the target, fsync the
 * directory.  The previous version is kept by hard-linking it to the backup
 * name first, which costs no copy and is atomic too.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "safefile.h"

int pfj_read_at(int dirfd, const char *name, size_t max, struct pfj_buf *out,
		struct stat *st)
{
	int fd, r = 0;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((size_t)st->st_size > max) {
		r = -EFBIG;
		goto out;
	}
	r = pfj_read_fd(fd, max, out);
out:
	close(fd);
	return r;
}

/*
 * temp_name - ".NAME.pfjail-XXXXXXXXXXXX": a random prefix drawn once per
 * process plus a counter, so names never repeat within a run and are not
 * guessable across runs (creation uses O_EXCL anyway).
 */
static int temp_name(const char *name, char *buf, size_t size)
{
	static unsigned long long base;
	static unsigned counter;
	int n;

	if (!base && getrandom(&base, sizeof(base), 0) != (ssize_t)sizeof(base))
		return -EIO;
	n = snprintf(buf, size, ".%s.pfjail-%012llx", name,
		     (base + counter++) & 0xffffffffffffULL);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int pfj_is_temp_name(const char *name, const char *only)
{
	static const char mark[] = ".pfjail-";
	size_t len = strlen(name), m = sizeof(mark) - 1, tail = m + 12;

	/* ".N" + ".pfjail-" + 12 hex digits */
	if (name[0] != '.' || len < 2 + tail || memcmp(name + len - tail, mark, m) != 0)
		return 0;
	for (size_t i = len - 12; i < len; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	if (only && (strlen(only) != len - 1 - tail || memcmp(name + 1, only, len - 1 - tail) != 0))
		return 0;
	return 1;
}

int pfj_find_temps_at(int dirfd, int (*keep)(const char *name, void *arg), void *arg,
		      struct pfj_strv *found)
{
	struct dirent *de;
	int fd = dup(dirfd), r = 0;
	DIR *d;

	if (fd < 0)
		return -errno;
	if (!(d = fdopendir(fd))) {
		r = -errno;
		close(fd);
		return r;
	}
	rewinddir(d);	/* the duplicate shares dirfd's position */
	while ((de = readdir(d))) {
		struct stat st;

		if (!pfj_is_temp_name(de->d_name, NULL) || (keep && keep(de->d_name, arg)))
			continue;
		/* only what pfjail makes: files, links and device nodes of root's */
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != 0 ||
		    !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) || S_ISCHR(st.st_mode)))
			continue;
		if (pfj_strv_add(found, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	closedir(d);
	return r;
}

int pfj_remove_temps_at(int dirfd, int (*keep)(const char *name, void *arg), void *arg,
			struct pfj_strv *removed)
{
	struct pfj_strv found = { 0 };
	int r = pfj_find_temps_at(dirfd, keep, arg, &found);

	for (size_t i = 0; i < found.n; i++) {
		if (unlinkat(dirfd, found.v[i], 0) < 0) {
			if (errno != ENOENT && !r)
				r = -errno;
		} else if (removed) {
			pfj_strv_add(removed, found.v[i]);
		}
	}
	pfj_strv_free(&found);
	return r;
}

/* write_all - write everything, retrying short writes and EINTR */
static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Smaller staged files are left to the flush: starting their writeback
 * one by one costs more than it saves. */
#define PFJ_WRITEBACK_MIN	(64 * 1024)

/* What write_temp does once the data is written. */
enum temp_sync {
	TEMP_NO_SYNC,		/* nothing: a cache */
	TEMP_FSYNC,		/* fsync: pfj_replace_at */
	TEMP_WRITEBACK,		/* start writeback only: a staged file, flushed later with the others */
};

/* What goes into a temporary file: bytes in memory, or a file's contents. */
struct temp_src {
	const void *data;
	size_t len;
	int fd;			/* >= 0: copy this file from offset 0 to its end */
	int *keep;		/* not NULL: the new file stays open (read-write) here */
};

static int write_temp(int dirfd, const char *tmp, const struct temp_src *src,
		      const struct pfj_replace_opts *opts, enum temp_sync sync,
		      const char **stage);

int pfj_prepare_replace_at(int dirfd, const char *name, const void *data, size_t len,
			   const struct pfj_replace_opts *opts, struct pfj_prepared *pr,
			   const char **stage)
{
	int r;

	memset(pr, 0, sizeof(*pr));
	pr->dirfd = dirfd;
	pr->no_sync = opts->no_sync;
	*stage = "create";
	if (strlen(name) >= sizeof(pr->name) ||
	    (opts->backup && strlen(opts->backup) >= sizeof(pr->backup)))
		return -ENAMETOOLONG;
	strcpy(pr->name, name);
	if ((r = temp_name(name, pr->tmp, sizeof(pr->tmp))) < 0)
		return r;
	if ((r = write_temp(dirfd, pr->tmp, &(struct temp_src){ data, len, -1, NULL }, opts,
			       opts->no_sync ? TEMP_NO_SYNC : TEMP_FSYNC, stage)) < 0)
		return r;
	pr->staged = 1;
	if (opts->backup) {
		/* the current file, linked to a temporary beside the backup's name */
		*stage = "backup";
		strcpy(pr->backup, opts->backup);
		if ((r = temp_name(opts->backup, pr->backup_tmp, sizeof(pr->backup_tmp))) < 0)
			goto fail;
		if (linkat(dirfd, name, dirfd, pr->backup_tmp, 0) < 0) {
			pr->backup_tmp[0] = '\0';
			if (errno != ENOENT) {	/* ENOENT: nothing to back up */
				r = -errno;
				goto fail;
			}
		}
	}
	return 0;
fail:
	pfj_prepared_abort(pr);
	return r;
}

int pfj_prepared_commit(struct pfj_prepared *pr, const char **stage)
{
	int r;

	if (!pr->staged)
		return 0;
	if (pr->backup_tmp[0]) {
		*stage = "backup";
		if (renameat(pr->dirfd, pr->backup_tmp, pr->dirfd, pr->backup) < 0) {
			r = -errno;
			pfj_prepared_abort(pr);
			return r;
		}
		/* rename(2) does nothing when both names are links to one inode (the
		 * backup was restored by linking): the temporary name is still there */
		unlinkat(pr->dirfd, pr->backup_tmp, 0);
		pr->backup_tmp[0] = '\0';
	}
	*stage = "rename";
	if (renameat(pr->dirfd, pr->tmp, pr->dirfd, pr->name) < 0) {
		r = -errno;
		pfj_prepared_abort(pr);
		return r;
	}
	pr->staged = 0;
	/* renamed: the new file is what readers see now, whatever fsync says */
	*stage = "fsync directory";
	if (!pr->no_sync)
		fsync(pr->dirfd);
	return 0;
}

void pfj_prepared_abort(struct pfj_prepared *pr)
{
	if (pr->backup_tmp[0])
		unlinkat(pr->dirfd, pr->backup_tmp, 0);
	if (pr->staged)
		unlinkat(pr->dirfd, pr->tmp, 0);
	pr->backup_tmp[0] = '\0';
	pr->staged = 0;
}

int pfj_replace_at(int dirfd, const char *name, const void *data, size_t len,
		   const struct pfj_replace_opts *opts, const char **stage)
{
	struct pfj_prepared pr;
	int r = pfj_prepare_replace_at(dirfd, name, data, len, opts, &pr, stage);

	return r < 0 ? r : pfj_prepared_commit(&pr, stage);
}

/*
 * copy_all - the rest of in (from offset 0) into out, in the kernel where it
 * can (copy_file_range: no copy through this process, a reflink on
 * filesystems that share extents), else through a buffer; *len gets the
 * number of bytes copied
 */
static int copy_all(int in, int out, size_t *len)
{
	char buf[65536];
	loff_t off = 0;
	ssize_t n;

	*len = 0;
	for (;;) {
		n = copy_file_range(in, &off, out, NULL, 1u << 30, 0);
		if (n > 0) {
			*len += (size_t)n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -errno;
		break;	/* not between these two files: copy by hand from where it stopped */
	}
	for (;;) {
		ssize_t got = pread(in, buf, sizeof(buf), off);
		int w;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0;
		if ((w = write_all(out, buf, (size_t)got)) < 0)
			return w;
		off += got;
		*len += (size_t)got;
	}
}

/* write_temp - the body shared by pfj_replace_at and the pfj_stage_*_at */
static int write_temp(int dirfd, const char *tmp, const struct temp_src *src,
		      const struct pfj_replace_opts *opts, enum temp_sync sync,
		      const char **stage)
{
	size_t len = src->len;
	int fd, r = 0;

	*stage = "create";
	fd = openat(dirfd, tmp, (src->keep ? O_RDWR : O_WRONLY) | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	*stage = src->fd >= 0 ? "copy" : "write";
	if ((r = src->fd >= 0 ? copy_all(src->fd, fd, &len) : write_all(fd, src->data, len)) < 0)
		goto fail;
	*stage = "chown";
	if ((opts->uid != (uid_t)-1 || opts->gid != (gid_t)-1) &&
	    fchown(fd, opts->uid, opts->gid) < 0) {
		r = -errno;
		goto fail;
	}
	*stage = "chmod";
	if (fchmod(fd, opts->mode & 07777) < 0) {
		r = -errno;
		goto fail;
	}
	*stage = "utimes";
	if (opts->mtime) {
		struct timespec ts[2] = { *opts->mtime, *opts->mtime };

		if (futimens(fd, ts) < 0) {
			r = -errno;
			goto fail;
		}
	}
	/* the device starts writing now, while the caller stages the rest:
	 * the one flush before the renames then waits for less */
	if (sync == TEMP_WRITEBACK && len >= PFJ_WRITEBACK_MIN)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	*stage = "fsync";
	if (sync == TEMP_FSYNC && fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (src->keep) {
		*src->keep = fd;
		return 0;
	}
	*stage = "close";
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return r;
}

int pfj_stage_file_at(int dirfd, const char *name, const void *data, size_t len,
		      const struct pfj_replace_opts *opts, char *tmp, size_t tmp_size,
		      const char **stage)
{
	int r;

	*stage = "create";
	if ((r = temp_name(name, tmp, tmp_size)) < 0)
		return r;
	return write_temp(dirfd, tmp, &(struct temp_src){ data, len, -1, NULL }, opts,
			  TEMP_WRITEBACK, stage);
}

int pfj_create_copy_at(int dirfd, const char *name, int srcfd,
		       const struct pfj_replace_opts *opts, const char **stage, int *fdp)
{
	return write_temp(dirfd, name, &(struct temp_src){ NULL, 0, srcfd, fdp }, opts,
			  TEMP_WRITEBACK, stage);
}

int pfj_stage_symlink_at(int dirfd, const char *name, const char *target,
			 char *tmp, size_t tmp_size)
{
	int r;

	if ((r = temp_name(name, tmp, tmp_size)) < 0)
		return r;
	return symlinkat(target, dirfd, tmp) < 0 ? -errno : 0;
}

int pfj_stage_mknod_at(int dirfd, const char *name, mode_t mode, dev_t rdev,
		       char *tmp, size_t tmp_size)
{
	int r;

	if ((r = temp_name(name, tmp, tmp_size)) < 0)
		return r;
	if (mknodat(dirfd, tmp, S_IFCHR | (mode & 0777), rdev) < 0)
		return -errno;
	/* mknod honours the umask; the node is ours, in a directory only root can write */
	if (fchmodat(dirfd, tmp, mode & 0777, 0) < 0) {
		r = -errno;
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int pfj_commit_at(int dirfd, const char *tmp, const char *name)
{
	return pfj_move_at(dirfd, tmp, dirfd, name);
}

int pfj_move_at(int fromfd, const char *tmp, int dirfd, const char *name)
{
	int r;

	if (renameat(fromfd, tmp, dirfd, name) < 0) {
		r = -errno;
		unlinkat(fromfd, tmp, 0);
		return r;
	}
	return 0;
}

int pfj_move_new_at(int fromfd, const char *from, int dirfd, const char *name)
{
	return renameat2(fromfd, from, dirfd, name, RENAME_NOREPLACE) < 0 ? -errno : 0;
}

void pfj_abort_at(int dirfd, const char *tmp)
{
	unlinkat(dirfd, tmp, 0);
}

int pfj_sync_fs(int fd)
{
	return syncfs(fd) < 0 ? -errno : 0;
}

int pfj_restore_backup_at(int dirfd, const char *name, const char *backup)
{
	char tmp[512];
	int r;

	/* keep the backup itself: link it to a temp name, rename that over name */
	if ((r = temp_name(name, tmp, sizeof(tmp))) < 0)
		return r;
	if (linkat(dirfd, backup, dirfd, tmp, 0) < 0)
		return -errno;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return fsync(dirfd) < 0 ? -errno : 0;
}
