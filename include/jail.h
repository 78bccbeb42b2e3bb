/* jail.h - fill Postfix's queue directory with what chrooted daemons need. */
#ifndef PFJ_JAIL_H
#define PFJ_JAIL_H

#include <stdbool.h>

#include "command.h"
#include "json.h"
#include "state.h"
#include "util.h"

/* The Postfix settings build needs, fetched with one postconf run. */
enum pfj_build_setting {
	PFJ_BS_DAEMON_DIRECTORY,
	PFJ_BS_MAIL_VERSION,
	PFJ_BS_COMPATIBILITY_LEVEL,
	PFJ_BS_QUEUE_DIRECTORY,
	PFJ_BS_LOCAL_RECIPIENT_MAPS,
	PFJ_BS_SMTP_TLS_CAPATH,
	PFJ_BS_SMTPD_TLS_CAPATH,
	PFJ_BS_NSETTINGS
};

/* What the master.cf step found and decided, for the jail step and the manifest. */
struct pfj_build_state {
	char *settings[PFJ_BS_NSETTINGS];	/* postconf -xh values */
	struct pfj_strv chroot;		/* "service/type=v" in master.cf order */
	bool any_chroot;		/* some entry is (effectively) chrooted */
	int changes;			/* master.cf entries changed */
	int jail_changes;		/* jail paths created, updated or removed */
};

/*
 * The jail's plan is made in two halves.  pfj_jail_prepare does everything
 * that does not need Postfix's settings (profile, files, libraries, the
 * old manifest; reading, hashing and prestaging what the old manifest does
 * not vouch for), so that build runs it while postconf runs.  0, or -1 and
 * why.  pfj_jail_plan_free also removes what was prestaged and not used.
 */
struct pfj_jail_plan;
int pfj_jail_prepare(struct pfj_ctx *ctx, struct pfj_jail_plan **jp, char *why, size_t why_size);
void pfj_jail_plan_free(struct pfj_jail_plan *jp);

/*
 * With Postfix's settings (bs), complete the plan jp made by
 * pfj_jail_prepare, then populate the jail from the selected profile,
 * prune what an earlier build placed and no longer needs, write the
 * manifest, and reload a running Postfix when something changed (unless
 * --no-reload, --dry-run or -R).
 * Adds a "jail" object to json when not NULL; *changes gets the number of
 * paths created, updated or removed (or that would be, with --dry-run).
 * Returns PFJ_EXIT_OK or PFJ_EXIT_ERROR.
 */
int pfj_build_jail(struct pfj_ctx *ctx, const struct pfj_build_state *bs,
		   struct pfj_jail_plan *jp, struct pfj_json *json, int *changes);

/* pfj_manifest_path and pfj_state_path live in state.h. */

#endif
