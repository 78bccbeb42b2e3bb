/* chrootplan.h - which master.cf entries get which chroot value. */
#ifndef PFJ_CHROOTPLAN_H
#define PFJ_CHROOTPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "mastercf.h"
#include "util.h"

enum pfj_chroot_action {
	PFJ_CHROOT_KEEP,	/* already right */
	PFJ_CHROOT_CHANGE,	/* set the column to `to` */
	PFJ_CHROOT_FOREIGN,	/* not a daemon pfjail knows: untouched, warn */
};

struct pfj_chroot_decision {
	enum pfj_chroot_action action;
	const char *daemon;	/* the command's name (basename inside daemon_directory) */
	char from, to;		/* the column before and after */
	const char *why;	/* for FOREIGN */
};

struct pfj_chroot_rules {
	const struct pfj_strv *chrootable;	/* set to y */
	const struct pfj_strv *exclude;		/* never chrooted */
	const char *daemon_directory;
	bool dash_means_y;			/* "-" in the chroot column means y */
};

/*
 * Decide for every entry of mcf (out must hold mcf->n decisions).  Pure:
 * touches neither files nor the parse.  An excluded command wins over a
 * chrootable one (the configuration loader forbids overlap anyway).
 */
void pfj_chroot_plan(const struct pfj_mcf *mcf, const struct pfj_chroot_rules *rules,
		     struct pfj_chroot_decision *out);

/*
 * Does "-" in the chroot column mean y for this Postfix?  Before 3.0 it
 * always does; from 3.0 on only while compatibility_level is below 1.
 */
bool pfj_chroot_dash_means_y(const char *mail_version, const char *compatibility_level);

#endif
