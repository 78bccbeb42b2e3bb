/* takeover.h - owning a jail that the distribution's own script fills. */
#ifndef PFJ_TAKEOVER_H
#define PFJ_TAKEOVER_H

#include <stddef.h>

#include "profile.h"
#include "util.h"

/*
 * Does the system at root have a distribution script that fills the jail
 * before every start (Debian's configure-instance.sh), and is it still
 * switched on?  1 on, 0 off or absent.  Off means SYNC_CHROOT is set empty
 * in /etc/default/postfix (its last plain assignment, as sh would see it).
 */
int pfj_takeover_script_active(const char *root);

/*
 * Switch the script's copying off: append SYNC_CHROOT="" to
 * /etc/default/postfix (created when missing; replaced atomically, other
 * lines kept).  1 when the file was (or, with dry_run, would be) changed, 0
 * when nothing needed changing or the system has no such script, -1 with
 * why on error.
 */
int pfj_takeover_switch_off(const char *root, int dry_run, char *why, size_t why_size);

/*
 * Find in the jail (rootfd) the entries that match patterns (jail paths
 * with shell wildcards, e.g. "/lib/ * /libnss*.so*") and that pfjail does not
 * place itself (planned() false).  Those that are byte for byte the file at
 * the same path of the system at root (or a symbolic link with the same
 * target) are the script's copies and go to *copies; anything else goes to
 * *unknown.  Both hold jail-relative paths.  Directories are walked with
 * O_NOFOLLOW: a symlinked directory is never entered.  The script's
 * symbolic links (links: a path and the exact target it writes) that
 * pfjail does not place go to *copies as well.  0, or -1 with why.
 */
int pfj_takeover_scan(int rootfd, const char *root, const struct pfj_strv *patterns,
		      const struct pfj_profile_link *links, size_t n_links,
		      int (*planned)(const char *rel, void *arg), void *arg,
		      struct pfj_strv *copies, struct pfj_strv *unknown,
		      char *why, size_t why_size);

/* Remove one jail-relative file or symlink found by the scan; 0 or -1 with why. */
int pfj_takeover_remove(int rootfd, const char *rel, char *why, size_t why_size);

#endif
