/* state.h - the paths of pfjail's state files for one Postfix instance. */
#ifndef PFJ_STATE_H
#define PFJ_STATE_H

struct pfj_ctx;

/* The state directory (inside ROOT) and this instance's file name for suffix: 0 or -ENOMEM. */
int pfj_state_location(const struct pfj_ctx *ctx, const char *suffix, char **dir, char **base);

/* $state_dir/<escaped config dir>.<suffix>, malloc'ed (NULL: out of memory). */
char *pfj_state_path(const struct pfj_ctx *ctx, const char *suffix);

/* The manifest of this instance's jail. */
char *pfj_manifest_path(const struct pfj_ctx *ctx);

/*
 * Note a file pfjail wrote outside the jail (a backup of master.cf, of the
 * aliases file, of main.cf) in $state_dir/INSTANCE.files, one path per
 * line as the system sees it (without -R's ROOT), so that a package's
 * purge can remove what pfjail left.  A failure is a warning only.
 */
void pfj_state_note_file(const struct pfj_ctx *ctx, const char *path);

/*
 * Take this instance's lock ($state_dir/INSTANCE.lock, flock): build,
 * aliases and hook take turns.  When another run holds it, say so on
 * stderr and wait up to lock_timeout seconds.  The descriptor, for
 * pfj_instance_unlock (which removes the file; exiting releases the lock
 * too), or -1 when the lock cannot be had (said why).
 */
int pfj_instance_lock(const struct pfj_ctx *ctx);
void pfj_instance_unlock(int fd);

#endif
