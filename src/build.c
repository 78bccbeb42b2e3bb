/*
 * build.c - the build command: master.cf's chroot column.
 *
 * The edit changes exactly one byte per affected entry, the chroot column,
 * and nothing else: comments, spacing, tabs, CRLF line ends, order and a
 * missing final newline all survive.  The file is replaced atomically, the
 * previous version is kept beside it (master.cf + master.backup_suffix),
 * nothing is written when nothing changes, and beforehand Postfix itself
 * (postconf -F, on a copy) must report the chroot values pfjail means to
 * set, or nothing changes.
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
#include "jailfs.h"
#include "json.h"
#include "log.h"
#include "mastercf.h"
#include "proc.h"
#include "safefile.h"
#include "state.h"
#include "takeover.h"

#define MASTER_CF_MAX (16u << 20)

/* postfix_chroot_fields - postconf -F '*' '/' '*' '/chroot', one value per entry */
static int postfix_chroot_fields(const struct pfj_postconf *pc, const char *config_dir,
				 struct pfj_buf *vals, char *why, size_t why_size)
{
	const char *argv[] = { pc->postconf, "-c", config_dir, "-F", "*/*/chroot", NULL };
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

/*
 * check_edit - does Postfix read the edited master.cf as pfjail means it?
 * Asked before anything changes: the new text goes into a directory of
 * pfjail's own ($state_dir/INSTANCE.mcheck, root's alone) with an empty
 * main.cf, and postconf -F there must list exactly the chroot values
 * planned.  0, or -1 with why.
 */
static int check_edit(struct pfj_ctx *ctx, const struct pfj_mcf *mcf,
		      const struct pfj_chroot_decision *dec, const struct pfj_buf *text,
		      char *why, size_t why_size)
{
	/* an old mtime: Postfix waits a second or two before it reads a file
	 * modified within the last second ("being changed") */
	static const struct timespec old = { .tv_sec = 1 };
	struct pfj_replace_opts opts = { .mode = 0600, .uid = 0, .gid = 0, .no_sync = true,
					 .mtime = &old };
	struct pfj_buf check = { 0 };
	char *dir = NULL, *base = NULL, *cdir = NULL;
	const char *stage;
	int sfd = -1, cfd = -1, r = -1;

	why[0] = '\0';
	if (pfj_state_location(ctx, "mcheck", &dir, &base) < 0 ||
	    !(cdir = pfj_asprintf("%s/%s", dir, base))) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	if ((sfd = pfj_state_dir_open(dir, why, why_size)) < 0 ||
	    (cfd = pfj_jail_open_dir(sfd, base, 0700, 1, why, why_size)) < 0)
		goto out;
	if ((r = pfj_replace_at(cfd, "main.cf", "", 0, &opts, &stage)) < 0 ||
	    (r = pfj_replace_at(cfd, "master.cf", text->data ? text->data : "", text->len, &opts,
				&stage)) < 0) {
		snprintf(why, why_size, "%s: cannot write a copy to check (%s): %s", cdir, stage,
			 strerror(-r));
		r = -1;
		goto out;
	}
	r = -1;
	{
		char err[768];

		if (postfix_chroot_fields(&ctx->pc, cdir, &check, err, sizeof(err)) < 0) {
			snprintf(why, why_size, "cannot check the edit with Postfix: %s", err);
			goto out;
		}
	}
	if (check.len != mcf->n) {
		snprintf(why, why_size, "Postfix would not read the edited file as intended (postconf -F lists %zu entries, pfjail parsed %zu)",
			 check.len, mcf->n);
		goto out;
	}
	for (size_t i = 0; i < mcf->n; i++) {
		if (check.data[i] != dec[i].to) {
			snprintf(why, why_size, "Postfix would not read the edited file as intended (postconf -F says %s/%s chroot = %c, pfjail set %c)",
				 mcf->ent[i].field[PFJ_MCF_SERVICE], mcf->ent[i].field[PFJ_MCF_TYPE],
				 check.data[i], dec[i].to);
			goto out;
		}
	}
	r = 0;
out:
	if (cfd >= 0) {
		unlinkat(cfd, "master.cf", 0);
		unlinkat(cfd, "main.cf", 0);
		close(cfd);
		unlinkat(sfd, base, AT_REMOVEDIR);
	}
	if (sfd >= 0)
		close(sfd);
	pfj_buf_free(&check);
	free(cdir);
	free(dir);
	free(base);
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

/* not_master_cf - keep every temporary but master.cf's and its backup's */
static int not_master_cf(const char *name, void *arg)
{
	char *const *names = arg;

	return !pfj_is_temp_name(name, names[0]) && !pfj_is_temp_name(name, names[1]);
}

/*
 * leftovers_beside - the temporaries that a killed build left beside
 * master.cf (never the file itself), found before this build makes its own
 */
static void leftovers_beside(const struct pfj_cfile *mf, const char *suffix,
			     struct pfj_strv *found)
{
	char *backup = pfj_asprintf("%s%s", mf->name, suffix);
	char *names[2] = { mf->name, backup };

	if (backup)
		pfj_find_temps_at(mf->dirfd, not_master_cf, names, found);
	free(backup);
}

/* remove_leftovers - remove (not with dry_run) and print them; their number */
static int remove_leftovers(const struct pfj_cfile *mf, const struct pfj_strv *found,
			    int dry_run, int quiet)
{
	const char *slash = strrchr(mf->real, '/');
	int n = 0, dl = slash ? (int)(slash - mf->real) : 1;

	for (size_t i = 0; i < found->n; i++) {
		if (!dry_run && unlinkat(mf->dirfd, found->v[i], 0) < 0)
			continue;
		if (!quiet)
			printf("%.*s/%s: removed (left by an interrupted run)%s\n", dl,
			       slash ? mf->real : ".", found->v[i], dry_run ? " (dry run)" : "");
		n++;
	}
	fflush(stdout);
	return n;
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
	struct pfj_buf newbuf = { 0 }, diff = { 0 };
	struct pfj_prepared mpr = { .dirfd = -1 };
	struct pfj_strv leftovers = { 0 };	/* a killed run's temporaries beside master.cf */
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
		pfj_err("%s; nothing changed", jwhy);
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

	/* master.cf's edit is checked by Postfix itself and written out
	 * (flushed, under a temporary name) before the jail changes: what can
	 * fail then fails with nothing changed.  It is renamed into place
	 * last: once master.cf says chroot, daemons must find the jail complete. */
	leftovers_beside(&mf, conf->master_backup_suffix, &leftovers);
	if (nchange && !ctx->cli->dry_run) {
		struct pfj_replace_opts opts = {
			.mode = mf.st.st_mode & 07777,
			.uid = mf.st.st_uid,
			.gid = mf.st.st_gid,
		};
		const char *stage;

		if (check_edit(ctx, &mcf, dec, &newbuf, why, sizeof(why)) < 0) {
			pfj_err("%s: %s; nothing changed", mf.real, why);
			goto out;
		}
		if (!(backup = pfj_asprintf("%s%s", mf.name, conf->master_backup_suffix))) {
			pfj_err("out of memory");
			goto out;
		}
		opts.backup = backup;
		r = pfj_prepare_replace_at(mf.dirfd, mf.name, newbuf.data, newbuf.len, &opts, &mpr,
					   &stage);
		if (r < 0) {
			pfj_err("%s: cannot replace (%s): %s; nothing changed", mf.real, stage,
				strerror(-r));
			goto out;
		}
	}

	if (pfj_build_jail(ctx, bs, jail, json, &bs->jail_changes) != PFJ_EXIT_OK)
		goto out;
	bs->jail_changes += remove_leftovers(&mf, &leftovers, ctx->cli->dry_run, ctx->cli->json);

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
	{
		const char *stage;

		if ((r = pfj_prepared_commit(&mpr, &stage)) < 0) {
			pfj_err("%s: cannot replace (%s): %s; the file is unchanged, the jail is updated: run build again after fixing this",
				mf.real, stage, strerror(-r));
			goto out;
		}
	}
	written = 1;
	bs->changes = (int)nchange;
	{
		char *bk = pfj_asprintf("%s%s", mf.real, conf->master_backup_suffix);

		if (bk)
			pfj_state_note_file(ctx, bk);
		free(bk);
	}
	/* master.cf is part of the cache key: re-key it, values are global */
	if ((cache = pfj_state_path(ctx, "postconf"))) {
		pfj_postconf_cache_store(&ctx->pc, names, PFJ_BS_NSETTINGS, vals, cache);
		free(cache);
	}
	pfj_info("%s: %zu chroot value%s changed; previous version in %s%s", mf.path,
		 nchange, nchange == 1 ? "" : "s", mf.real, conf->master_backup_suffix);
	status = PFJ_EXIT_OK;
	goto report;

report:
	if (json) {
		char *bpath = written ? pfj_asprintf("%s%s", mf.real, conf->master_backup_suffix) : NULL;

		report_json(json, &mf, &mcf, dec, written, bpath, ctx->cli->dry_run ? &diff : NULL);
		free(bpath);
	}
out:
	pfj_prepared_abort(&mpr);	/* not renamed into place: the temporaries go */
	pfj_strv_free(&leftovers);
	if (querying)
		pfj_postconf_abandon(&query);
	pfj_jail_plan_free(jail);
	free(dec);
	free(backup);
	pfj_buf_free(&newbuf);
	pfj_buf_free(&diff);
	pfj_mcf_free(&mcf);
	pfj_cfile_free(&mf);
	return status;
}

/*
 * reload_if_running - `postfix reload` when this instance's master runs, so
 * that daemons pick up the new chroot column (jail files are read live).
 * Whether it runs is read the way supervise reads it (the lock on
 * pid/master.pid and the process behind it), not with `postfix status`,
 * whose postfix-script costs more than the rest of a build.
 */
static void reload_if_running(struct pfj_ctx *ctx, const char *queue_dir)
{
	char *postfix = pfj_asprintf("%s/postfix", ctx->conf->postfix_bindir);
	const char *reload_argv[] = { postfix, "-c", ctx->pc.config_dir, "reload", NULL };
	struct pfj_run_result res;
	pid_t master;
	char how[64];

	if (!postfix)
		return;
	if ((master = pfj_master_pid(queue_dir)) > 0) {
		if (pfj_run(reload_argv, NULL, &res) == 0 && WIFEXITED(res.status) &&
		    WEXITSTATUS(res.status) == 0)
			pfj_info("%s: Postfix reloaded (master pid %ld)", ctx->pc.config_dir, (long)master);
		else
			pfj_warn("%s: postfix reload failed (%s): %s", ctx->pc.config_dir,
				 pfj_run_describe(res.status, how, sizeof(how)),
				 pfj_run_first_error(&res));
		pfj_run_result_free(&res);
	} else {
		pfj_debug("%s: Postfix is not running; no reload", ctx->pc.config_dir);
	}
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
		reload_if_running(ctx, bs.settings[PFJ_BS_QUEUE_DIRECTORY]);
	if (status == PFJ_EXIT_OK && ctx->cli->dry_run && bs.changes + bs.jail_changes > 0)
		status = PFJ_EXIT_FINDINGS;
	pfj_strv_free(&bs.chroot);
	for (int i = 0; i < PFJ_BS_NSETTINGS; i++)
		free(bs.settings[i]);
	return status;
}
