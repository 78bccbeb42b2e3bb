/*
 * hook.c - the entry point for packaging scripts.
 *
 * Called by a dpkg trigger (or an RPM file trigger) when libc, NSS
 * modules, tzdata, CA certificates or Postfix change: re-sync the jail and
 * verify it.  It must be safe to call from any maintainer script: it asks
 * nothing, does nothing when Postfix is absent, unconfigured or not
 * chrooted at all, is fast when nothing changed, never starts or reloads
 * services when working on an image (-R, DPKG_ROOT, a chroot), and when it
 * fails the previous jail stays as it was (build stages its writes).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "cfile.h"
#include "chrootplan.h"
#include "hook.h"
#include "log.h"
#include "mastercf.h"
#include "postconf.h"
#include "proc.h"
#include "state.h"
#include "takeover.h"
#include "verify.h"

/* in_chroot - are we inside a chroot (our "/" is not init's)? */
static int in_chroot(void)
{
	struct stat a, b;

	if (stat("/", &a) < 0 || stat("/proc/1/root/", &b) < 0)
		return 0;	/* no /proc: cannot tell, assume not */
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

/* image_build - dpkg --root, or an image being assembled in a chroot */
static int image_build(const struct pfj_ctx *ctx)
{
	const char *dpkg_root = getenv("DPKG_ROOT");

	return !pfj_root_is_host(ctx->cli->root) || (dpkg_root && *dpkg_root) || in_chroot();
}

/* anything_chrooted - does some master.cf entry run chrooted now? */
static int anything_chrooted(struct pfj_ctx *ctx, int *status)
{
	static const char *const names[] = { "mail_version", "compatibility_level" };
	struct pfj_cfile cf = { .dirfd = -1 };
	struct pfj_mcf mcf = { 0 };
	struct pfj_mcf_error err;
	char *vals[2] = { NULL, NULL }, why[1024];
	int any = 0, dash_y;

	*status = PFJ_EXIT_OK;
	if (pfj_cfile_open(ctx->pc.config_dir, "master.cf", 16u << 20, 0, &cf) < 0) {
		*status = PFJ_EXIT_ERROR;
		goto out;
	}
	if (pfj_mcf_parse(cf.data.data ? cf.data.data : "", cf.data.len, &mcf, &err) < 0) {
		pfj_err("%s:%u: %s", cf.path, err.line, err.reason);
		*status = PFJ_EXIT_ERROR;
		goto out;
	}
	if (pfj_postconf_get(&ctx->pc, names, 2, vals, why, sizeof(why)) < 0) {
		pfj_err("%s", why);
		*status = PFJ_EXIT_ERROR;
		goto out;
	}
	dash_y = pfj_chroot_dash_means_y(vals[0], vals[1]);
	for (size_t i = 0; i < mcf.n && !any; i++) {
		char c = mcf.ent[i].field[PFJ_MCF_CHROOT][0];

		any = c == 'y' || (c == '-' && dash_y);
	}
out:
	free(vals[0]);
	free(vals[1]);
	pfj_mcf_free(&mcf);
	pfj_cfile_free(&cf);
	return any;
}

/*
 * instance_dir - the configuration directory of postmulti instance name
 * ("-" is the default instance, the directory -c names); NULL with why
 */
static char *instance_dir(const struct pfj_ctx *ctx, const char *name, char *why, size_t why_size)
{
	char *postmulti, *dir = NULL;
	struct pfj_run_result res;
	char how[64];
	int r;

	if (strcmp(name, "-") == 0)
		return strdup(ctx->cli->config_dir);
	if (!(postmulti = pfj_asprintf("%s/postmulti", ctx->conf->postfix_bindir))) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	{
		const char *argv[] = { postmulti, "-i", name, "-x", "postconf", "-h",
				       "config_directory", NULL };

		r = pfj_run(argv, NULL, &res);
	}
	if (r < 0) {
		snprintf(why, why_size, "cannot run %s: %s", postmulti, strerror(-r));
	} else if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0 || !res.out.data ||
		   res.out.data[0] != '/') {
		snprintf(why, why_size, "postmulti does not know the instance \"%s\" (%s): %s", name,
			 pfj_run_describe(res.status, how, sizeof(how)), pfj_run_first_error(&res));
	} else {
		res.out.data[strcspn(res.out.data, "\n")] = '\0';
		dir = strdup(res.out.data);
	}
	if (r == 0)
		pfj_run_result_free(&res);
	free(postmulti);
	return dir;
}

int pfj_cmd_hook(struct pfj_ctx *ctx)
{
	struct pfj_cli cli = *ctx->cli;		/* build and verify run with hook's view */
	const struct pfj_cli *saved = ctx->cli;
	const char *event = ctx->cli->event ? ctx->cli->event : "(none)";
	const char *dpkg_root = getenv("DPKG_ROOT");
	char *main_cf;
	struct stat st;
	int status, chrooted, starting = ctx->cli->instance != NULL;
	char *idir = NULL;

	/* dpkg --root: the packages being configured are the image's, not ours */
	if (!cli.root && dpkg_root && *dpkg_root && !pfj_root_is_host(dpkg_root)) {
		cli.root = dpkg_root;
		pfj_postconf_free(&ctx->pc);
		if (pfj_postconf_init(&ctx->pc, ctx->conf->postfix_bindir, cli.config_dir,
				      cli.root) < 0)
			return PFJ_EXIT_ERROR;
		pfj_cfile_in_image(1);
		pfj_debug("hook %s: DPKG_ROOT=%s: working on that image", event, dpkg_root);
	}
	/* --instance: run by the postfix@.service drop-in before master starts */
	if (starting) {
		char why[1024];

		if (!(idir = instance_dir(ctx, ctx->cli->instance, why, sizeof(why)))) {
			pfj_err("hook %s: %s", event, why);
			return PFJ_EXIT_ERROR;
		}
		cli.config_dir = idir;
		cli.config_dir_given = strcmp(ctx->cli->instance, "-") != 0 || cli.config_dir_given;
		pfj_postconf_free(&ctx->pc);
		if (pfj_postconf_init(&ctx->pc, ctx->conf->postfix_bindir, cli.config_dir,
				      cli.root) < 0) {
			free(idir);
			return PFJ_EXIT_ERROR;
		}
		if (pfj_takeover_script_active(cli.root)) {
			pfj_info("hook %s: Debian's configure-instance.sh fills the jail of instance %s; \"pfjail build --take-over\" hands it to pfjail; nothing to do",
				 event, ctx->cli->instance);
			free(idir);
			return PFJ_EXIT_OK;
		}
	}
	if (!(main_cf = pfj_asprintf("%s/main.cf", ctx->pc.config_dir))) {
		free(idir);
		return PFJ_EXIT_ERROR;
	}
	if (access(ctx->pc.postconf, X_OK) != 0) {
		pfj_info("hook %s: Postfix is not installed (%s); nothing to do", event, ctx->pc.postconf);
		free(main_cf);
		free(idir);
		return PFJ_EXIT_OK;
	}
	if (stat(main_cf, &st) != 0) {
		pfj_info("hook %s: %s does not exist: Postfix is not configured; nothing to do",
			 event, main_cf);
		free(main_cf);
		free(idir);
		return PFJ_EXIT_OK;
	}
	free(main_cf);
	chrooted = anything_chrooted(ctx, &status);
	if (status != PFJ_EXIT_OK || !chrooted) {
		if (status == PFJ_EXIT_OK)
			pfj_info("hook %s: no Postfix service runs chrooted in %s/master.cf; nothing to do",
				 event, ctx->pc.config_dir);
		free(idir);
		return status;
	}
	ctx->cli = &cli;
	if (image_build(ctx)) {
		cli.no_reload = true;
		pfj_debug("hook %s: image or chroot: no service is reloaded", event);
	}
	cli.json = false;
	/* before a start, verify.policy decides (as at boot): "enforce" keeps
	 * master from starting in a jail that fails verification */
	cli.boot = starting;
	if (starting)
		cli.no_reload = true;	/* master is not running yet */
	ctx->cli = &cli;
	/* before a start, the jail is checked as it is before anything is
	 * re-synced: a re-sync would quietly undo tampering.  What changed on
	 * the host's side (a new resolv.conf) is what the re-sync is for. */
	if (starting) {
		char *mpath = pfj_manifest_path(ctx);

		if (!mpath) {
			ctx->cli = saved;
			free(idir);
			return PFJ_EXIT_ERROR;
		}
		if (access(mpath, F_OK) == 0) {
			cli.jail_only = true;
			status = pfj_cmd_verify(ctx);
			cli.jail_only = false;
			if (status != PFJ_EXIT_OK) {
				pfj_err("hook %s: the jail of instance %s fails verification; it is not re-synced and master is not started (verify.policy = \"%s\")",
					event, saved->instance, ctx->conf->verify_policy);
				ctx->cli = saved;
				free(mpath);
				free(idir);
				return status;
			}
		}
		free(mpath);
	}
	status = pfj_cmd_build(ctx);
	if (status == PFJ_EXIT_OK && !cli.dry_run)
		status = pfj_cmd_verify(ctx);
	ctx->cli = saved;
	if (status == PFJ_EXIT_ERROR)
		pfj_err("hook %s: the jail could not be re-synced; the previous jail is unchanged where it could not be written",
			event);
	else if (status == PFJ_EXIT_OK)
		pfj_info("hook %s: jail re-synced and verified", event);
	free(idir);
	return status;
}
