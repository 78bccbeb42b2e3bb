/* safefile.h - reading and atomically replacing files relative to a directory fd. */
#ifndef PFJ_SAFEFILE_H
#define PFJ_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "util.h"

/*
 * Read the regular file dirfd/name (never through a symlink) into out,
 * at most max bytes; *st receives its fstat().  0 or -errno (-ELOOP for a
 * symlink, -EINVAL for anything that is not a regular file, -EFBIG).
 */
int pfj_read_at(int dirfd, const char *name, size_t max, struct pfj_buf *out,
		struct stat *st);

/*
 * Every temporary file pfjail makes is named ".NAME.pfjail-XXXXXXXXXXXX"
 * (12 hex digits), next to NAME.  pfj_is_temp_name: is name one (and, with
 * only, one for NAME == only)?
 */
int pfj_is_temp_name(const char *name, const char *only);

/*
 * List in found the names in dirfd that a killed run left: entries named
 * like a temporary, owned by root, that are files, links or device nodes
 * (never directories), unless keep(name, arg) says to keep it.  0 or -errno.
 */
int pfj_find_temps_at(int dirfd, int (*keep)(const char *name, void *arg), void *arg,
		      struct pfj_strv *found);

/*
 * Remove from dirfd what a killed run left: entries named like a
 * temporary (as pfj_find_temps_at finds them).  removed (may be NULL)
 * gets the names.  0 or the first -errno (the others are still tried).
 */
int pfj_remove_temps_at(int dirfd, int (*keep)(const char *name, void *arg), void *arg,
			struct pfj_strv *removed);

struct pfj_replace_opts {
	mode_t mode;		/* permission bits of the new file */
	uid_t uid;		/* owner; (uid_t)-1 keeps the creating process's */
	gid_t gid;
	const char *backup;	/* name in the same directory for the previous version, or NULL */
	const struct timespec *mtime;	/* set this modification time, or NULL */
	bool no_sync;		/* pfj_replace_at without fsync (file and directory): only
				 * for caches whose reader rejects anything but a whole file */
};

/*
 * Atomically replace dirfd/name with data: a temporary file in the same
 * directory (O_EXCL, O_NOFOLLOW), owner and mode set on the open fd,
 * fsync, the previous version hard-linked to opts->backup (itself replaced
 * atomically), rename over name, fsync of the directory.  A reader sees
 * the old or the new file, never a partial one; on failure the original
 * is untouched and the temporary file removed.  0 or -errno; *stage names
 * the step that failed ("create", "write", "fsync", ...).
 */
int pfj_replace_at(int dirfd, const char *name, const void *data, size_t len,
		   const struct pfj_replace_opts *opts, const char **stage);

/*
 * pfj_replace_at in two steps, so that what can fail (writing, flushing)
 * is done before anything else changes: pfj_prepare_replace_at writes and
 * flushes the temporary file and links the current file to a temporary
 * beside the backup's name; pfj_prepared_commit only renames (the backup,
 * then the file) and flushes the directory; pfj_prepared_abort removes the
 * temporaries.  0 or -errno, *stage as for pfj_replace_at.
 */
struct pfj_prepared {
	int dirfd;
	int staged;		/* tmp holds the new file */
	bool no_sync;
	char name[256], backup[256];
	char tmp[512], backup_tmp[512];	/* backup_tmp "": no backup to rename */
};
int pfj_prepare_replace_at(int dirfd, const char *name, const void *data, size_t len,
			   const struct pfj_replace_opts *opts, struct pfj_prepared *pr,
			   const char **stage);
int pfj_prepared_commit(struct pfj_prepared *pr, const char **stage);
void pfj_prepared_abort(struct pfj_prepared *pr);

/*
 * Two-phase replacement, for many files at once: pfj_stage_at writes the
 * new contents (or makes the symlink or device node) under a temporary
 * name in dirfd, with owner, mode and mtime set on the descriptor, but
 * does not fsync; after one pfj_sync_fs for all of them, pfj_commit_at
 * renames each over its target (a planted link there is replaced, never
 * followed) and pfj_abort_at removes a temporary that will not be used.
 * tmp receives the temporary name.  0 or -errno.
 */
int pfj_stage_file_at(int dirfd, const char *name, const void *data, size_t len,
		      const struct pfj_replace_opts *opts, char *tmp, size_t tmp_size,
		      const char **stage);
/*
 * Create name in dirfd (it must not exist; not followed) with the contents
 * of srcfd from offset 0 to its end, copied in the kernel when the
 * filesystems allow, owner, mode and mtime as pfj_stage_file_at, writeback
 * started but no fsync.  0 or -errno (*stage says which step failed).
 * With fdp, the new file is left open read-write in *fdp (the caller
 * closes it), e.g. to hash what was copied.
 */
int pfj_create_copy_at(int dirfd, const char *name, int srcfd,
		       const struct pfj_replace_opts *opts, const char **stage, int *fdp);
int pfj_stage_symlink_at(int dirfd, const char *name, const char *target,
			 char *tmp, size_t tmp_size);
int pfj_stage_mknod_at(int dirfd, const char *name, mode_t mode, dev_t rdev,
		       char *tmp, size_t tmp_size);
int pfj_commit_at(int dirfd, const char *tmp, const char *name);
/*
 * pfj_commit_at for a file staged in another directory (fromfd) of the
 * same mount: rename fromfd/tmp over dirfd/name, or remove tmp and fail
 * (-EXDEV across mounts).
 */
int pfj_move_at(int fromfd, const char *tmp, int dirfd, const char *name);
/* Rename fromfd/from (a file or a whole directory) to dirfd/name, which
 * must not exist (RENAME_NOREPLACE).  0 or -errno; from is left alone. */
int pfj_move_new_at(int fromfd, const char *from, int dirfd, const char *name);
void pfj_abort_at(int dirfd, const char *tmp);
/* Flush the whole filesystem holding fd (one journal commit for all). */
int pfj_sync_fs(int fd);

/* Put backup back in place of name (undo of pfj_replace_at). 0 or -errno. */
int pfj_restore_backup_at(int dirfd, const char *name, const char *backup);

#endif
