/*
 * build.c - the build command: master.cf's chroot column.
 *
 * The edit changes exactly one byte per affected entry, the chroot column,
 * and nothing else: comments, spacing, tabs, CRLF line ends, order and a
 * missing final newline all survive.  The file is replaced atomically, the
 * previous version is kept beside it (master.cf + master.backup_suffix),
 * nothing is written when nothing changes, and afterwards Postfix itself
 * (postconf -F) must report the chroot values pfjail meant to set, or the
 * previous file is put back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "cfile.h"
#include "chrootplan.h"
#include "diff.h"
#include "jail.h"
#include "json.h"
#include "log.h"
#include "mastercf.h"
#include "proc.h"
#include "safefile.h"
#include "takeover.h"

#define MASTER_CF_MAX (16u << 20)

/* postfix_chroot_fields - postconf -F '*' '/' '*' '/chroot', one value per entry */
static int postfix_chroot_fields(const struct pfj_postconf *pc, struct pfj_buf *vals,
				 char *why, size_t why_size)
{
	const char *argv[] = { pc->postconf, "-c", pc->config_dir, "-F", "*/*/chroot", NULL };
	struct pfj_run_result res;
	char how[64];
	int r = pfj_run(argv, NULL, &res);

	if (r < 0) {
		snprintf(why, why_size, "cannot run %s: %s", pc->postconf, strerror(-r));
	} else if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		snprintf(why, why_size, "postconf -F failed (%s): %s",
			 pfj_run_describe(res.status, how, sizeof(how)), pfj_run_first_error(&res));
		r = -1;
	} else {
		/* each line: "service/type/chroot = v" */
		for (char *line = res.out.data; line && *line; ) {
			char *nl = strchr(line, '\n');
			size_t l = nl ? (size_t)(nl - line) : strlen(line);

			if (l < 4 || memcmp(line + l - 4, " = ", 3) != 0) {
				snprintf(why, why_size, "unexpected postconf -F output: %.*s",
					 (int)l, line);
				r = -1;
				break;
			}
			pfj_buf_add(vals, line + l - 1, 1);
			line = nl ? nl + 1 : NULL;
		}
	}
	pfj_run_result_free(&res);
	return r;
}

/* report_json - the master.cf part of build's --json document */
static void report_json(struct pfj_json *j, const struct pfj_cfile *mf,
			const struct pfj_mcf *mcf, const struct pfj_chroot_decision *dec,
			int changed, const char *backup, const struct pfj_buf *diff)
{
	pfj_json_obj_begin(j, "master_cf");
	pfj_json_str(j, "path", mf->path);
	pfj_json_bool(j, "changed", changed);
	pfj_json_str(j, "backup", backup);
	pfj_json_arr_begin(j, "changes");
	for (size_t i = 0; i < mcf->n; i++) {
		char from[2] = { dec[i].from, 0 }, to[2] = { dec[i].to, 0 };

		if (dec[i].action != PFJ_CHROOT_CHANGE)
			continue;
		pfj_json_obj_begin(j, NULL);
		pfj_json_int(j, "line", mcf->ent[i].chroot_line);
		pfj_json_str(j, "service", mcf->ent[i].field[PFJ_MCF_SERVICE]);
		pfj_json_str(j, "type", mcf->ent[i].field[PFJ_MCF_TYPE]);
		pfj_json_str(j, "command", mcf->ent[i].field[PFJ_MCF_COMMAND]);
		pfj_json_str(j, "from", from);
		pfj_json_str(j, "to", to);
		pfj_json_obj_end(j);
	}
	pfj_json_arr_end(j);
	pfj_json_arr_begin(j, "warnings");
	for (size_t i = 0; i < mcf->n; i++) {
		if (dec[i].action != PFJ_CHROOT_FOREIGN)
			continue;
		pfj_json_obj_begin(j, NULL);
		pfj_json_int(j, "line", mcf->ent[i].first_line);
		pfj_json_str(j, "service", mcf->ent[i].field[PFJ_MCF_SERVICE]);
		pfj_json_str(j, "type", mcf->ent[i].field[PFJ_MCF_TYPE]);
		pfj_json_str(j, "command", mcf->ent[i].field[PFJ_MCF_COMMAND]);
		pfj_json_str(j, "message", dec[i].why);
		pfj_json_obj_end(j);
	}
	pfj_json_arr_end(j);
	if (diff)
		pfj_json_strn(j, "diff", diff->data ? diff->data : "", diff->len);
	pfj_json_obj_end(j);
}

int pfj_build_master(struct pfj_ctx *ctx, struct pfj_json *json, struct pfj_build_state *bs)
{
	static const char *const names[PFJ_BS_NSETTINGS] = {
		[PFJ_BS_DAEMON_DIRECTORY] = "daemon_directory",
		[PFJ_BS_MAIL_VERSION] = "mail_version",
		[PFJ_BS_COMPATIBILITY_LEVEL] = "compatibility_level",
		[PFJ_BS_QUEUE_DIRECTORY] = "queue_directory",
		[PFJ_BS_LOCAL_RECIPIENT_MAPS] = "local_recipient_maps",
		[PFJ_BS_SMTP_TLS_CAPATH] = "smtp_tls_CApath",
		[PFJ_BS_SMTPD_TLS_CAPATH] = "smtpd_tls_CApath",
	};
	const struct pfj_conf *conf = ctx->conf;
	struct pfj_cfile mf = { .dirfd = -1 };
	struct pfj_mcf mcf = { 0 };
	struct pfj_mcf_error perr;
	struct pfj_chroot_decision *dec = NULL;
	struct pfj_chroot_rules rules;
	struct pfj_buf newbuf = { 0 }, diff = { 0 }, check = { 0 };
	char **vals = bs->settings;
	struct pfj_postconf_query query;
	struct pfj_jail_plan *jail = NULL;
	char *backup = NULL, *cache, why[1024], jwhy[2048];
	size_t nchange = 0;
	int r, status = PFJ_EXIT_ERROR, written = 0, querying = 0, prepared = -1;

	bs->changes = 0;
	/* postconf takes a few milliseconds, most of it its own start-up:
	 * start it first and do everything that does not need its answers
	 * meanwhile (a cached answer is there at once). */
	cache = pfj_state_path(ctx, "postconf");
	r = pfj_postconf_begin(&ctx->pc, names, PFJ_BS_NSETTINGS, vals, cache,
			       !ctx->cli->dry_run, &query, why, sizeof(why));
	free(cache);
	if (r < 0) {
		pfj_err("%s", why);
		goto out;
	}
	querying = 1;
	/* Parse before using postconf's answer: postconf itself dies on a
	 * broken master.cf, without naming the line for every kind of error. */
	if (pfj_cfile_open(ctx->pc.config_dir, "master.cf", 16u << 20, 0, &mf) < 0)
		goto out;
	if (pfj_mcf_parse(mf.data.data ? mf.data.data : "", mf.data.len, &mcf, &perr) < 0) {
		pfj_err("%s:%u: %s; nothing changed", mf.path, perr.line, perr.reason);
		goto out;
	}
	prepared = pfj_jail_prepare(ctx, &jail, jwhy, sizeof(jwhy));
	querying = 0;
	if (pfj_postconf_end(&ctx->pc, &query, why, sizeof(why)) < 0) {
		pfj_err("%s", why);
		goto out;
	}
	if (prepared < 0) {
		pfj_err("%s; no file in the jail was replaced", jwhy);
		goto out;
	}
	rules = (struct pfj_chroot_rules){
		.chrootable = &conf->master_chrootable,
		.exclude = &conf->master_chroot_exclude,
		.daemon_directory = vals[0],
		.dash_means_y = pfj_chroot_dash_means_y(vals[1], vals[2]),
	};
	pfj_debug("%s: Postfix %s, compatibility_level %s: \"-\" in the chroot column means %s",
		  mf.path, vals[1], vals[2], rules.dash_means_y ? "y" : "n");
	if (mcf.n && !(dec = calloc(mcf.n, sizeof(*dec)))) {
		pfj_err("out of memory");
		goto out;
	}
	pfj_chroot_plan(&mcf, &rules, dec);
	for (size_t i = 0; i < mcf.n; i++) {
		char *v = pfj_asprintf("%s/%s=%c", mcf.ent[i].field[PFJ_MCF_SERVICE],
				       mcf.ent[i].field[PFJ_MCF_TYPE], dec[i].to);

		if (!v || pfj_strv_add(&bs->chroot, v) < 0) {
			free(v);
			pfj_err("out of memory");
			goto out;
		}
		free(v);
		if (dec[i].to == 'y' || (dec[i].to == '-' && rules.dash_means_y))
			bs->any_chroot = true;
	}

	if (pfj_buf_add(&newbuf, mf.data.data ? mf.data.data : "", mf.data.len) < 0) {
		pfj_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < mcf.n; i++) {
		const struct pfj_mcf_entry *e = &mcf.ent[i];

		if (dec[i].action == PFJ_CHROOT_FOREIGN) {
			pfj_warn("%s:%u: %s/%s: command \"%s\" %s; chroot column left as \"%c\"",
				 mf.path, e->first_line, e->field[PFJ_MCF_SERVICE],
				 e->field[PFJ_MCF_TYPE], e->field[PFJ_MCF_COMMAND],
				 dec[i].why, dec[i].from);
		} else if (dec[i].action == PFJ_CHROOT_CHANGE) {
			newbuf.data[e->chroot_off] = dec[i].to;
			nchange++;
		}
	}

	/* The jail first: once master.cf says chroot, daemons must find it
	 * complete; and a jail that cannot be built leaves master.cf alone. */
	if (pfj_build_jail(ctx, bs, jail, json, &bs->jail_changes) != PFJ_EXIT_OK)
		goto out;

	if (nchange == 0) {
		if (!ctx->cli->json)
			pfj_info("%s: chroot column already right for all %zu entries; nothing to change",
				 mf.path, mcf.n);
		status = PFJ_EXIT_OK;
		goto report;
	}
	if (!ctx->cli->json) {
		for (size_t i = 0; i < mcf.n; i++)
			if (dec[i].action == PFJ_CHROOT_CHANGE)
				printf("%s:%u: %s/%s: chroot %c -> %c%s\n", mf.path,
				       mcf.ent[i].chroot_line, mcf.ent[i].field[PFJ_MCF_SERVICE],
				       mcf.ent[i].field[PFJ_MCF_TYPE], dec[i].from, dec[i].to,
				       ctx->cli->dry_run ? " (dry run)" : "");
		fflush(stdout);
	}
	if (ctx->cli->dry_run) {
		if (pfj_diff(mf.path, mf.data.data, mf.data.len, newbuf.data, newbuf.len, &diff) < 0) {
			pfj_err("out of memory");
			goto out;
		}
		if (!ctx->cli->json)
			fwrite(diff.data, 1, diff.len, stdout);
		bs->changes = (int)nchange;
		status = PFJ_EXIT_OK;
		goto report;
	}

	if (!(backup = pfj_asprintf("%s%s", mf.name, conf->master_backup_suffix))) {
		pfj_err("out of memory");
		goto out;
	}
	{
		struct pfj_replace_opts opts = {
			.mode = mf.st.st_mode & 07777,
			.uid = mf.st.st_uid,
			.gid = mf.st.st_gid,
			.backup = backup,
		};
		const char *stage;

		r = pfj_replace_at(mf.dirfd, mf.name, newbuf.data, newbuf.len, &opts, &stage);
		if (r < 0) {
			pfj_err("%s: cannot replace (%s): %s; the file is unchanged",
				mf.real, stage, strerror(-r));
			goto out;
		}
	}
	written = 1;

	/* Postfix must now see exactly the values we meant to set. */
	if (postfix_chroot_fields(&ctx->pc, &check, why, sizeof(why)) < 0 ||
	    check.len != mcf.n) {
		if (check.len != mcf.n && !why[0])
			snprintf(why, sizeof(why), "postconf -F lists %zu entries, pfjail parsed %zu",
				 check.len, mcf.n);
		goto undo;
	}
	for (size_t i = 0; i < mcf.n; i++) {
		if (check.data[i] != dec[i].to) {
			snprintf(why, sizeof(why), "postconf -F says %s/%s chroot = %c, pfjail set %c",
				 mcf.ent[i].field[PFJ_MCF_SERVICE], mcf.ent[i].field[PFJ_MCF_TYPE],
				 check.data[i], dec[i].to);
			goto undo;
		}
	}
	bs->changes = (int)nchange;
	/* master.cf is part of the cache key: re-key it, values are global */
	if ((cache = pfj_state_path(ctx, "postconf"))) {
		pfj_postconf_cache_store(&ctx->pc, names, PFJ_BS_NSETTINGS, vals, cache);
		free(cache);
	}
	pfj_info("%s: %zu chroot value%s changed; previous version in %s%s", mf.path,
		 nchange, nchange == 1 ? "" : "s", mf.real, conf->master_backup_suffix);
	status = PFJ_EXIT_OK;
	goto report;

undo:
	if ((r = pfj_restore_backup_at(mf.dirfd, mf.name, backup)) < 0)
		pfj_err("%s: Postfix does not read the edited file as intended (%s), and restoring %s%s failed: %s",
			mf.real, why, mf.real, conf->master_backup_suffix, strerror(-r));
	else
		pfj_err("%s: Postfix does not read the edited file as intended (%s); previous version restored",
			mf.real, why);
	status = PFJ_EXIT_ERROR;
	goto out;

report:
	if (json) {
		char *bpath = written ? pfj_asprintf("%s%s", mf.real, conf->master_backup_suffix) : NULL;

		report_json(json, &mf, &mcf, dec, written, bpath, ctx->cli->dry_run ? &diff : NULL);
		free(bpath);
	}
out:
	if (querying)
		pfj_postconf_abandon(&query);
	pfj_jail_plan_free(jail);
	free(dec);
	free(backup);
	pfj_buf_free(&newbuf);
	pfj_buf_free(&diff);
	pfj_buf_free(&check);
	pfj_mcf_free(&mcf);
	pfj_cfile_free(&mf);
	return status;
}

/*
 * reload_if_running - `postfix reload` when this instance's master runs, so
 * that daemons pick up the new chroot column (jail files are read live).
 */
static void reload_if_running(struct pfj_ctx *ctx)
{
	char *postfix = pfj_asprintf("%s/postfix", ctx->conf->postfix_bindir);
	const char *status_argv[] = { postfix, "-c", ctx->pc.config_dir, "status", NULL };
	const char *reload_argv[] = { postfix, "-c", ctx->pc.config_dir, "reload", NULL };
	struct pfj_run_result res;
	char how[64];

	if (!postfix)
		return;
	if (pfj_run(status_argv, NULL, &res) == 0 && WIFEXITED(res.status) &&
	    WEXITSTATUS(res.status) == 0) {
		pfj_run_result_free(&res);
		if (pfj_run(reload_argv, NULL, &res) == 0 && WIFEXITED(res.status) &&
		    WEXITSTATUS(res.status) == 0)
			pfj_info("%s: Postfix reloaded", ctx->pc.config_dir);
		else
			pfj_warn("%s: postfix reload failed (%s): %s", ctx->pc.config_dir,
				 pfj_run_describe(res.status, how, sizeof(how)),
				 pfj_run_first_error(&res));
	} else {
		pfj_debug("%s: Postfix is not running; no reload", ctx->pc.config_dir);
	}
	pfj_run_result_free(&res);
	free(postfix);
}

int pfj_cmd_build(struct pfj_ctx *ctx)
{
	struct pfj_json json = { 0 };
	struct pfj_json *jp = ctx->cli->json ? &json : NULL;
	struct pfj_build_state bs = { 0 };
	int status;

	if (jp) {
		pfj_json_obj_begin(jp, NULL);
		pfj_json_str(jp, "command", "build");
		pfj_json_bool(jp, "dry_run", ctx->cli->dry_run);
	}
	/* master.cf is parsed first (a broken one stops everything), the jail
	 * is filled next, master.cf is written last */
	status = pfj_build_master(ctx, jp, &bs);	/* runs the jail step too */
	/* --take-over: the distribution's script stops copying, once the jail is pfjail's */
	if (status == PFJ_EXIT_OK && ctx->cli->take_over) {
		char why[1024];
		int r = pfj_takeover_switch_off(ctx->cli->root, ctx->cli->dry_run, why, sizeof(why));

		if (r < 0) {
			pfj_err("%s; the jail is built, run build --take-over again after fixing this",
				why);
			status = PFJ_EXIT_ERROR;
		} else if (r > 0) {
			pfj_info("%s/etc/default/postfix: SYNC_CHROOT=\"\"%s: configure-instance.sh copies nothing into the jail from now on",
				 pfj_root_is_host(ctx->cli->root) ? "" : ctx->cli->root,
				 ctx->cli->dry_run ? " (dry run)" : "");
			bs.changes++;
		}
	}
	if (jp) {
		if (status == PFJ_EXIT_OK) {
			pfj_json_bool(jp, "changed", bs.changes + bs.jail_changes > 0);
			pfj_json_obj_end(jp);
			if (pfj_json_flush(jp) < 0) {
				pfj_err("writing the JSON report: %m");
				status = PFJ_EXIT_ERROR;
			}
		} else {
			pfj_json_free(jp);
		}
	}
	if (status == PFJ_EXIT_OK && !ctx->cli->dry_run && bs.changes + bs.jail_changes > 0 &&
	    !ctx->cli->no_reload && pfj_root_is_host(ctx->cli->root))
		reload_if_running(ctx);
	if (status == PFJ_EXIT_OK && ctx->cli->dry_run && bs.changes + bs.jail_changes > 0)
		status = PFJ_EXIT_FINDINGS;
	pfj_strv_free(&bs.chroot);
	for (int i = 0; i < PFJ_BS_NSETTINGS; i++)
		free(bs.settings[i]);
	return status;
}
