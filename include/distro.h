/* distro.h - what the distribution's packages put in the queue directory. */
#ifndef PFJ_DISTRO_H
#define PFJ_DISTRO_H

#include <stddef.h>

#include "audit.h"
#include "profile.h"
#include "util.h"

/*
 * Add to *qd the owners and modes the distribution gives Postfix's queue
 * directories beyond postfix-files: dpkg-statoverride entries for them and
 * the package scripts' documented modes (profile queue_modes).  Each added
 * entry is an accepted alternative for a directory of that name; owner and
 * group names are looked up in the system at root.  qdir is
 * queue_directory as Postfix states it (without root).  0, or -ENOMEM.
 */
int pfj_distro_queue_dirs(const char *root, const char *qdir, const struct pfj_profile *prof,
			  struct pfj_queue_dir **qd, size_t *n);

/*
 * The directories inside the jail that the distribution's package lists
 * (profile package_lists) name, jail-relative, into *dirs.  0, or -ENOMEM.
 */
int pfj_distro_package_dirs(const char *root, const char *qdir, const struct pfj_profile *prof,
			    struct pfj_strv *dirs);

/*
 * Parse a dpkg-statoverride database line by line; for each entry under
 * qdir call fn(owner, group, mode, jail-relative path).  Malformed lines
 * are skipped (dpkg itself would refuse them).  Returns what fn returned
 * when not 0, else 0.
 */
int pfj_distro_parse_statoverride(const char *text, size_t len, const char *qdir,
				  int (*fn)(const char *owner, const char *group, unsigned mode,
					    const char *rel, void *arg),
				  void *arg);

#endif
