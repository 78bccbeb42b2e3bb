/*
 * jail-int.h - what the files of the jail step share, and nothing else:
 * jail.c (the plan), jailapply.c (applying it: staged writes, the commit,
 * pruning, the manifest, a killed build's leftovers) and jailstage.c
 * (prestaging in the state directory while postconf runs).  Other modules
 * use jail.h.  Names that cross these files carry the prefix jl_.
 */
#ifndef PFJ_JAIL_INT_H
#define PFJ_JAIL_INT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "jail.h"
#include "manifest.h"
#include "profile.h"
#include "safefile.h"
#include "util.h"

/* The largest file the jail takes (read into memory, or prestaged). */
#define JAIL_FILE_MAX (256u << 20)

/* One thing the jail should hold. */
struct item {
	char *path;		/* relative to the jail root */
	char type;		/* PFJ_MF_* */
	mode_t mode;
	char *source;		/* host path as the image sees it; NULL when generated */
	struct pfj_buf content;	/* file contents (read from source, or generated) */
	struct stat src_st;	/* identity of the source */
	char *target;		/* symlinks */
	dev_t rdev;		/* devices */
	int loaded;		/* content holds the bytes */
	int hashed;		/* sha256 is that of content */
	unsigned char sha256[32];
	unsigned long long size;	/* of what sha256 describes */
	int pre;		/* the stage directory holds this entry at its path (a
				 * file there has the bytes sha256 and size describe) */
	int src_fd;		/* source kept open from the plan until loaded, or -1 */
};

/* Everything the jail should hold, in the order it was planned. */
struct plan {
	struct item *it;
	size_t n, cap;
	struct pfj_strv missing;	/* host files that do not exist (reported) */
	struct pfj_strv notes;		/* warnings about the plan */
};

/* The plan between pfj_jail_prepare and pfj_build_jail (jail.h). */
struct pfj_jail_plan {
	struct pfj_profile prof;
	struct plan p;
	struct pfj_manifest old;
	struct pfj_buf old_text;	/* the manifest file as it was */
	char *mpath;
	int stagefd;		/* the stage directory, when files were prestaged */
	pthread_t flusher;	/* flushing what was prestaged, until joined */
	int flushing;
};

/* ---- jail.c: the plan and its items */

/* jl_plan_find - the planned item for a jail path, or NULL */
struct item *jl_plan_find(struct plan *p, const char *path);

/*
 * jl_plan_complete - the plan's part that depends on Postfix's settings
 * (etc/passwd, the CA directories).  0, or -1 and why.
 */
int jl_plan_complete(const struct pfj_ctx *ctx, const struct pfj_build_state *bs,
		     struct pfj_jail_plan *jp, char *why, size_t why_size);

/* jl_item_source - the planned file's source, open at offset 0; -1 and why */
int jl_item_source(const char *root, struct item *it, char *why, size_t why_size);

/* jl_item_load - read a planned file's bytes from its source, once; 0, or -1 and why */
int jl_item_load(const char *root, struct item *it, char *why, size_t why_size);

/* jl_item_hash - the SHA-256 of a loaded item's content, computed once; 0, or -1 and why */
int jl_item_hash(struct item *it, char *why, size_t why_size);

/* jl_hash_failed - why hashing it failed (r is the -errno); always -1 */
int jl_hash_failed(const struct item *it, int r, char *why, size_t why_size);

/* jl_source_unchanged - does the old manifest record this very source? */
int jl_source_unchanged(const struct item *it, const struct pfj_mf_entry *old);

/* jl_file_opts - owner, mode and mtime of a file pfjail places */
struct pfj_replace_opts jl_file_opts(const struct item *it);

/* ---- jailstage.c: prestaging in the state directory */

/*
 * jl_prestage - put one planned entry in the stage directory (opened on
 * first use).  0 when done, 1 when it cannot be done there, -1 and why
 * when the source cannot be read.
 */
int jl_prestage(struct pfj_jail_plan *jp, const struct pfj_ctx *ctx, struct item *it,
		char *why, size_t why_size);

/* jl_flush_start - flush what was prestaged in a thread of its own (jl_flush_join waits) */
void jl_flush_start(struct pfj_jail_plan *jp);
void jl_flush_join(struct pfj_jail_plan *jp);

/* jl_stage_release - join the flush, remove what was not used, close (and unlock) the stage */
void jl_stage_release(struct pfj_jail_plan *jp);

/*
 * jl_sweep_state - remove what a killed build of this instance left in
 * the state directory (listed in removed; only listed with dry_run).
 */
void jl_sweep_state(const struct pfj_ctx *ctx, struct pfj_jail_plan *jp, int dry_run,
		    struct pfj_strv *removed);

#endif
