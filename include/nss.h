/*
 * nss.h - read nsswitch.conf(5) to learn which NSS modules the chroot jail
 * needs, so that lookups inside the jail behave as they do outside.
 *
 * The parser mirrors glibc 2.36 (nss/nss_database.c, nss/nss_action_parse.c,
 * checked against Debian 12's libc 2.36-9 by running getent with a bind
 * mounted nsswitch.conf and LD_DEBUG=libs), and rejects what glibc would
 * silently misread:
 *
 *  - Lines are split at '\n' only; there are no continuation lines. Leading
 *    whitespace (space \t \n \v \f \r) is ignored, blank lines are skipped.
 *  - A '#' as the first non-blank byte makes the line a comment. glibc does
 *    NOT strip a '#' after text: "hosts: files # dns" makes it load
 *    libnss_#.so.2 and libnss_dns.so.2. pfjail rejects such a line.
 *  - "database:" - glibc only needs whitespace after the name and skips any
 *    run of blanks and colons; pfjail requires a ':' in that run.
 *  - Database names are compared case-sensitively (glibc uses strcmp, so
 *    "HOSTS:" is not the hosts database). Unknown names are kept as given.
 *  - A database listed twice: glibc 2.33 and later use the LAST line (each
 *    line overwrites the previous one); pfjail does the same. (glibc before
 *    2.33 used the first.)
 *  - Services are [A-Za-z0-9_-]+ (glibc takes anything but blanks and '[').
 *  - "[STATUS=action ...]" after a service is checked like glibc does:
 *    optional '!', STATUS one of SUCCESS NOTFOUND UNAVAIL TRYAGAIN, action
 *    one of RETURN CONTINUE MERGE (both case-insensitive), blanks allowed
 *    around '=' and inside the brackets, several items per bracket. glibc
 *    fails the whole file on a bad item; pfjail reports it. A bracket with
 *    no service before it, or a second bracket after one service, makes
 *    glibc silently ignore the rest of the line; pfjail rejects it.
 *  - "hosts:" with nothing after it is valid: no services at all (glibc
 *    does not apply the default then).
 *  - NUL bytes are rejected.
 */
#ifndef PFJ_NSS_H
#define PFJ_NSS_H

#include <stddef.h>

#include "util.h"


/* One "database: services" line (the one glibc uses). */
struct pfj_nss_db {
	char *name;
	unsigned line;			/* 1-based line it was read from */
	struct pfj_strv services;	/* in order, actions dropped; may be empty */
};

/* A parsed nsswitch.conf, databases in order of first appearance. */
struct pfj_nsswitch {
	struct pfj_nss_db *db;
	size_t n;
};

/*
 * Parse buf[0..len) (need not be NUL-terminated). Returns 0 and fills *out,
 * or -1 and fills *err (err may be NULL; *out is then empty). Out of memory
 * is -1 with reason "out of memory" and line 0.
 */
int pfj_nsswitch_parse(const char *buf, size_t len, struct pfj_nsswitch *out,
		       struct pfj_parse_error *err);
void pfj_nsswitch_free(struct pfj_nsswitch *ns);

/*
 * The services glibc 2.36 uses for db: the listed ones, else its defaults
 * (Debian builds without LINK_OBSOLETE_NSL): shadow falls back to passwd's
 * line and gshadow and initgroups to group's when those are listed;
 * otherwise hosts and networks "dns files" (really "dns [!UNAVAIL=return]
 * files"), publickey "nis nisplus", passwd_compat, group_compat and
 * shadow_compat "nis", and every other database "files". ns may be NULL
 * (no nsswitch.conf: all defaults). Defaults are built in *scratch, which
 * must be zero-initialised or come from an earlier call; its old contents
 * are released and the caller frees it with pfj_strv_free(). NULL on ENOMEM.
 */
const struct pfj_strv *pfj_nsswitch_services(const struct pfj_nsswitch *ns,
					     const char *db,
					     struct pfj_strv *scratch);

/*
 * Append to *sonames the modules ("libnss_SERVICE.so.2") that the databases
 * dbs[0..n_dbs) need, without duplicates, in order of first appearance.
 * With builtin_files_dns (glibc >= 2.34) "files" and "dns" are left out.
 * "compat" is always a module (its libnss_nis dependency is left to the
 * caller's library resolution). 0, or -ENOMEM with *sonames unchanged.
 */
int pfj_nss_modules(const struct pfj_nsswitch *ns, const char *const *dbs,
		    size_t n_dbs, int builtin_files_dns,
		    struct pfj_strv *sonames);

/*
 * 1 when the glibc version ("2.36", "2.36.1", "2.36-9+deb12u14") is 2.34 or
 * later, 0 when older, -EINVAL when it does not start with MAJOR.MINOR.
 */
int pfj_glibc_has_builtin_files_dns(const char *version);

#endif
