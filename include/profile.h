/* profile.h - jail profiles: what belongs in the jail, as data. */
#ifndef PFJ_PROFILE_H
#define PFJ_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct pfj_profile_file {
	char *path;			/* where it goes (host path = jail path) */
	struct pfj_strv candidates;	/* host sources, first existing wins */
	bool required;			/* missing: error instead of a report */
	bool quiet;			/* missing: not even reported */
	char *absent_note;		/* missing: this note, not a report (NULL: none) */
	unsigned line;
};

struct pfj_profile_link {
	char *path;
	char *target;
	char *only_with;		/* placed only when this path is in the jail (NULL: always) */
	unsigned line;
};

/* A mode a distribution's package script gives a queue directory. */
struct pfj_profile_qmode {
	char *directory;		/* below the queue directory, e.g. "maildrop" */
	unsigned mode;
	char *if_exists;		/* only on systems that have this file */
	unsigned line;
};

struct pfj_profile {
	char *source;			/* file it was read from */
	struct pfj_strv directories;
	struct pfj_strv host_directories;
	struct pfj_profile_file *files;
	size_t n_files;
	struct pfj_profile_link *links;
	size_t n_links;
	struct pfj_strv nss_databases;
	struct pfj_strv libraries;
	struct pfj_strv devices;
	struct pfj_strv ca_path_parameters;
	/* what the distribution puts in the queue directory (verify accepts it) */
	struct pfj_strv package_lists;	/* dpkg file lists naming directories in the jail */
	struct pfj_strv owner_overrides;	/* dpkg-statoverride databases */
	struct pfj_strv flag_files;	/* empty flag files at the jail's top */
	struct pfj_profile_qmode *queue_modes;
	size_t n_queue_modes;
	/* what a distribution's own jail script copies (build --take-over) */
	struct pfj_strv takeover_patterns;
	struct pfj_profile_link *takeover_links;	/* symbolic links it makes */
	size_t n_takeover_links;
};

/*
 * Parse profile text (libconfig syntax); name is used in messages.  On
 * error returns -1 with "NAME:LINE: message" in why.
 */
int pfj_profile_parse(const char *text, const char *name, struct pfj_profile *p,
		      char *why, size_t why_size);

/* Load profile `name` (a file name in dir, or an absolute path). */
int pfj_profile_load(const char *dir, const char *name, struct pfj_profile *p,
		     char *why, size_t why_size);

void pfj_profile_free(struct pfj_profile *p);

#endif
