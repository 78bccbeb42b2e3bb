/*
 * chrootplan.c - the rules for master.cf's chroot column.
 *
 * Upstream's advice (examples/chroot-setup) is "y for every daemon except
 * those run by pipe, local and virtual"; master(5) and the proxymap(8) and
 * postlogd(8) pages add spawn, proxymap (and its proxywrite instance) and
 * postlogd.  The rules are data from pfjail.conf (master.chrootable,
 * master.chroot_exclude); this module only applies them, so the build
 * command and the verifier cannot disagree about what "right" is.
 */
#include "config.h"

#include <string.h>

#include "chrootplan.h"
#include "postconf.h"

/* daemon_name - the Postfix program an entry runs, or NULL if foreign */
static const char *daemon_name(const char *command, const char *daemon_dir,
			       const char **why)
{
	size_t dl;

	if (command[0] != '/') {
		if (strchr(command, '/')) {
			*why = "is a path below daemon_directory, not a Postfix daemon";
			return NULL;
		}
		return command;
	}
	dl = strlen(daemon_dir);
	while (dl > 1 && daemon_dir[dl - 1] == '/')
		dl--;
	if (strncmp(command, daemon_dir, dl) == 0 && command[dl] == '/' &&
	    command[dl + 1] && !strchr(command + dl + 1, '/'))
		return command + dl + 1;
	*why = "is outside daemon_directory";
	return NULL;
}

void pfj_chroot_plan(const struct pfj_mcf *mcf, const struct pfj_chroot_rules *rules,
		     struct pfj_chroot_decision *out)
{
	for (size_t i = 0; i < mcf->n; i++) {
		const struct pfj_mcf_entry *e = &mcf->ent[i];
		struct pfj_chroot_decision *d = &out[i];
		char col = e->field[PFJ_MCF_CHROOT][0];
		const char *why = NULL;

		memset(d, 0, sizeof(*d));
		d->from = d->to = col;
		d->daemon = daemon_name(e->field[PFJ_MCF_COMMAND], rules->daemon_directory, &why);
		if (!d->daemon) {
			d->action = PFJ_CHROOT_FOREIGN;
			d->why = why;
			continue;
		}
		if (pfj_strv_contains(rules->exclude, d->daemon)) {
			if (col == 'y' || (col == '-' && rules->dash_means_y))
				d->to = 'n';
		} else if (pfj_strv_contains(rules->chrootable, d->daemon)) {
			d->to = 'y';
		} else {
			d->action = PFJ_CHROOT_FOREIGN;
			d->why = "is not a Postfix daemon in master.chrootable or master.chroot_exclude";
			continue;
		}
		d->action = d->to == d->from ? PFJ_CHROOT_KEEP : PFJ_CHROOT_CHANGE;
	}
}

bool pfj_chroot_dash_means_y(const char *mail_version, const char *compatibility_level)
{
	if (pfj_postconf_version_cmp(mail_version, "3.0") < 0)
		return true;
	return pfj_postconf_version_cmp(compatibility_level, "1") < 0;
}
