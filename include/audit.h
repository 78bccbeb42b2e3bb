/* audit.h - the jail integrity checks and their findings. */
#ifndef PFJ_AUDIT_H
#define PFJ_AUDIT_H

#include <stddef.h>
#include <sys/types.h>

#include "manifest.h"
#include "util.h"

/* Finding classes; the names (pfj_finding_name) are part of the JSON schema. */
enum pfj_finding_class {
	PFJ_F_MISSING,		/* an entry build placed is gone */
	PFJ_F_CONTENT,		/* content (SHA-256) or symlink target changed */
	PFJ_F_TYPE,		/* a file became a directory, link, ... */
	PFJ_F_MODE,		/* permission bits changed */
	PFJ_F_OWNER,
	PFJ_F_GROUP,
	PFJ_F_UNEXPECTED,	/* an entry in a directory pfjail manages that it did not place */
	PFJ_F_SETID,		/* setuid or setgid bit */
	PFJ_F_FILECAP,		/* security.capability extended attribute */
	PFJ_F_WRITABLE,		/* group- or other-writable file or directory */
	PFJ_F_DEVICE,		/* a device node other than the allowed ones */
	PFJ_F_SOCKET,		/* a socket or FIFO where none belongs */
	PFJ_F_SYMLINK,		/* a symlink that resolves outside the jail or to nothing */
	PFJ_F_HARDLINK,		/* a regular file with more than one link */
	PFJ_F_STALE,		/* the host source changed since build */
	PFJ_F_ROOT,		/* jail root or an ancestor not root-owned or writable by others */
	PFJ_F_MOUNT,		/* a mount at or below the jail */
	PFJ_F_MASTER_CF,	/* master.cf chroot column no longer what build set */
	PFJ_F_QUEUE_DIR,	/* a queue directory's owner or mode differs from postfix-files */
	PFJ_F_UNREADABLE,	/* the unprivileged walker cannot read what it must check */
	PFJ_F_LEFTOVER,		/* a temporary a killed build left (the next build removes it) */
	PFJ_F_NCLASSES
};

#define PFJ_F_PATH_MAX	1024
#define PFJ_F_TEXT_MAX	256

struct pfj_finding {
	int cls;
	char path[PFJ_F_PATH_MAX];	/* jail-relative, or absolute for host-side findings */
	char expected[PFJ_F_TEXT_MAX];
	char actual[PFJ_F_TEXT_MAX];
};

const char *pfj_finding_name(int cls);

typedef int (*pfj_finding_cb)(const struct pfj_finding *f, void *arg);

/* A Postfix queue directory's expected owner and mode (from postfix-files). */
struct pfj_queue_dir {
	char name[64];		/* below the queue directory, e.g. "private" */
	uid_t uid;
	gid_t gid;		/* (gid_t)-1: any */
	mode_t mode;
};

struct pfj_audit_spec {
	const struct pfj_manifest *m;
	const struct pfj_queue_dir *qdirs;	/* a name may come more than once: any one fits */
	size_t n_qdirs;
	const struct pfj_strv *package_dirs;	/* directories the distribution ships (or NULL) */
	const struct pfj_strv *flag_files;	/* empty flag files allowed at the top (or NULL) */
	int hash_workers;	/* processes hashing in parallel (1: none forked) */
};

/*
 * Walk the jail below rootfd and report every finding to cb (which may
 * return non-zero to stop).  Runs with whatever privileges the caller has
 * (the verify worker: none); what it cannot read is a finding, not an
 * error.  Returns 0, or -1 with why for an error that stops the audit.
 */
int pfj_audit_jail(int rootfd, const struct pfj_audit_spec *spec, pfj_finding_cb cb,
		   void *arg, char *why, size_t why_size);

/* Encode / decode one finding for the worker's pipe (fixed, size-checked format). */
int pfj_finding_encode(const struct pfj_finding *f, unsigned char *buf, size_t size);
/* Returns bytes consumed, 0 when buf holds an incomplete record, -1 when malformed. */
int pfj_finding_decode(const unsigned char *buf, size_t len, struct pfj_finding *f);

#endif
