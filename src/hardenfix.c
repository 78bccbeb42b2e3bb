/*
 * hardenfix.c - "pfjail harden --fix": apply the fixes that need no
 * judgement.
 *
 * Only failed offline results of the checks listed in safe_ids are
 * applied: they change no mail flow.  The edits (postconf -e for main.cf,
 * -P for a master.cf override) go to a copy of main.cf and master.cf in
 * pfjail's state directory, never beside main.cf; postconf must read the
 * copy without a warning the original did not have.  The diff is shown
 * (-n stops there); then a "postconf -n" snapshot of the instance as it
 * was is written beside main.cf, each changed file is replaced atomically
 * with the previous version kept as a backup, and "postfix check" judges
 * the result: when it fails, the previous files are put back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfile.h"
#include "command.h"
#include "diff.h"
#include "harden-int.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "safefile.h"
#include "state.h"
#include "util.h"

/* Fixes --fix applies without asking: they change no mail flow. */
static const char *const safe_ids[] = {
	"vrfy", "helo-required", "banner", "tls-protocols", "auth-over-tls", "tls-logging",
	"smarthost-sasl", NULL,
};

static bool is_safe(const char *id)
{
	return hd_in_list(id, safe_ids);
}

/* run_tool - run argv; 0 when it exits 0, else -1 with its first error in why */
static int run_tool(const char *const argv[], struct pfj_run_result *res, char *why, size_t size)
{
	char desc[64];
	int r = pfj_run(argv, NULL, res);

	if (r < 0) {
		snprintf(why, size, "cannot run %s: %s", argv[0], strerror(-r));
		return -1;
	}
	if (!WIFEXITED(res->status) || WEXITSTATUS(res->status) != 0) {
		const char *e = pfj_run_first_error(res);

		snprintf(why, size, "%s %s (%s)", argv[0], e && *e ? e : "failed",
			 pfj_run_describe(res->status, desc, sizeof(desc)));
		return -1;
	}
	return 0;
}

/* copy_into - DIR/NAME to TMP/NAME, keeping the bytes only */
static int copy_into(const struct pfj_buf *data, const char *tmp, const char *name)
{
	char *path = pfj_asprintf("%s/%s", tmp, name);
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	int r = 0;

	if (fd < 0 || (data->len && write(fd, data->data, data->len) != (ssize_t)data->len))
		r = -1;
	if (fd >= 0 && close(fd) < 0)
		r = -1;
	free(path);
	return r;
}

static void remove_tmp(const char *tmp)
{
	static const char *const names[] = { "main.cf", "master.cf", NULL };

	for (int i = 0; names[i]; i++) {
		char *p = pfj_asprintf("%s/%s", tmp, names[i]);

		if (p)
			(void)unlink(p);
		free(p);
	}
	(void)rmdir(tmp);
}

/* new_warnings - warnings of the edited copy that the original did not have */
static int new_warnings(const struct audit *a, const struct pfj_buf *err, const char *tmp,
			struct pfj_buf *out)
{
	const char *p = err->data;

	while (p && *p) {
		const char *nl = strchr(p, '\n'), *w;
		char *line = strndup(p, nl ? (size_t)(nl - p) : strlen(p)), *pos;
		bool known = false;

		if (!line)
			return -ENOMEM;
		/* the copy's path stands where the original's was */
		if ((pos = strstr(line, tmp))) {
			char *fixed = pfj_asprintf("%.*s%s%s", (int)(pos - line), line,
						   a->ctx->pc.config_dir, pos + strlen(tmp));

			free(line);
			if (!(line = fixed))
				return -ENOMEM;
		}
		if ((w = strstr(line, "warning: "))) {
			known = pfj_strv_contains(&a->warnings, w + 9);
			if (!known)
				(void)pfj_buf_printf(out, "%s%s", out->len ? "; " : "", w + 9);
		}
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

struct edited {
	const char *name;		/* main.cf, master.cf */
	struct pfj_cfile cf;
	struct pfj_buf now;		/* the edited copy */
	char *backup;
	bool changed, written;
};

/*
 * hd_apply_fixes - the safe fixes of the failed checks: edit a copy with
 * postconf, show the diff (-n) or install it.  0 done (or nothing to do),
 * -1 error (reported; everything as it was).
 */
int hd_apply_fixes(struct audit *a, struct pfj_json *j, int *changed)
{
	struct pfj_ctx *ctx = a->ctx;
	const char *pc = ctx->pc.postconf, *dir = ctx->pc.config_dir;
	struct edited f[2] = { { .name = "main.cf" }, { .name = "master.cf" } };
	struct pfj_strv eargs = { 0 }, pargs = { 0 };
	struct pfj_buf diff = { 0 }, nw = { 0 };
	struct pfj_run_result res = { 0 };
	char *statedir = NULL, *tmp = NULL, *snapshot = NULL, why[1024];
	const char **argv = NULL;
	int ret = -1;

	*changed = 0;
	for (size_t i = 0; i < a->nres; i++) {
		struct result *r = &a->res[i];

		if (r->status != ST_FAIL || r->live || !is_safe(r->def->id))
			continue;
		for (size_t k = 0; k + 1 < r->edits.n; k += 2) {
			struct pfj_strv *to = strcmp(r->edits.v[k], "-P") == 0 ? &pargs : &eargs;

			if (!pfj_strv_contains(to, r->edits.v[k + 1]) && pfj_strv_add(to, r->edits.v[k + 1]) < 0)
				goto oom;
		}
	}
	if (!eargs.n && !pargs.n) {
		pfj_info("nothing to fix that is safe without judgement");
		ret = 0;
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (pfj_cfile_open(dir, f[i].name, 16u << 20, 0, &f[i].cf) < 0)
			goto out;
	/* the copy lives in pfjail's state directory: never beside main.cf */
	if (!(statedir = pfj_state_path(ctx, "harden.XXXXXX")))
		goto oom;
	tmp = statedir;
	if (!mkdtemp(tmp)) {
		pfj_err("cannot make a directory for the edited copy (%s): %s", tmp, strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (copy_into(&f[i].cf.data, tmp, f[i].name) < 0) {
			pfj_err("cannot copy %s into %s: %s", f[i].cf.path, tmp, strerror(errno));
			goto out;
		}
	if (!(argv = calloc(eargs.n + pargs.n + 8, sizeof(*argv))))
		goto oom;
	for (int pass = 0; pass < 2; pass++) {
		struct pfj_strv *args = pass ? &pargs : &eargs;
		int n = 0;

		if (!args->n)
			continue;
		argv[n++] = pc;
		argv[n++] = "-c";
		argv[n++] = tmp;
		argv[n++] = pass ? "-P" : "-e";
		for (size_t k = 0; k < args->n; k++)
			argv[n++] = args->v[k];
		argv[n] = NULL;
		if (run_tool(argv, &res, why, sizeof(why)) < 0) {
			pfj_err("editing a copy of %s: %s; nothing changed", dir, why);
			goto out;
		}
		pfj_run_result_free(&res);
	}
	for (int i = 0; i < 2; i++) {
		char *p = pfj_asprintf("%s/%s", tmp, f[i].name);

		if (!p || pfj_read_file(p, 16u << 20, &f[i].now) < 0) {
			free(p);
			pfj_err("reading the edited copy of %s: %s", f[i].cf.path, strerror(errno));
			goto out;
		}
		free(p);
		f[i].changed = f[i].now.len != f[i].cf.data.len ||
			       (f[i].now.len && memcmp(f[i].now.data, f[i].cf.data.data, f[i].now.len));
		if (f[i].changed &&
		    pfj_diff(f[i].cf.path, f[i].cf.data.data ? f[i].cf.data.data : "", f[i].cf.data.len,
			     f[i].now.data ? f[i].now.data : "", f[i].now.len, &diff) < 0)
			goto oom;
	}
	/* postconf on the copy: no warning the original did not have */
	{
		const char *av[] = { pc, "-c", tmp, "-n", NULL };

		if (run_tool(av, &res, why, sizeof(why)) < 0) {
			pfj_err("the edited copy of %s fails postconf: %s; nothing changed", dir, why);
			goto out;
		}
		if (new_warnings(a, &res.err, tmp, &nw) < 0)
			goto oom;
		if (nw.len) {
			pfj_err("the edited copy of %s makes postconf warn: %s; nothing changed", dir, nw.data);
			goto out;
		}
		pfj_run_result_free(&res);
	}
	*changed = f[0].changed || f[1].changed;
	if (j) {
		pfj_json_strn(j, "diff", diff.data ? diff.data : "", diff.len);
	} else if (diff.len) {
		fwrite(diff.data, 1, diff.len, stdout);
	}
	if (ctx->cli->dry_run || !*changed) {
		ret = 0;
		goto out;
	}
	/* a snapshot of what postconf -n said before, beside main.cf */
	{
		const char *av[] = { pc, "-c", dir, "-n", NULL };
		struct pfj_replace_opts o = { .mode = 0644, .uid = 0, .gid = 0 };
		const char *stage = "";
		int e;

		if (run_tool(av, &res, why, sizeof(why)) < 0) {
			pfj_err("postconf -n snapshot: %s; nothing changed", why);
			goto out;
		}
		if (!(snapshot = pfj_asprintf("%s%s.postconf-n", f[0].cf.name,
					      ctx->conf->master_backup_suffix)))
			goto oom;
		if ((e = pfj_replace_at(f[0].cf.dirfd, snapshot, res.out.data ? res.out.data : "",
					res.out.len, &o, &stage)) < 0) {
			pfj_err("writing %s/%s (%s): %s; nothing changed", dir, snapshot, stage, strerror(-e));
			goto out;
		}
		{
			const char *sl = strrchr(f[0].cf.real, '/');
			char *sp = sl ? pfj_asprintf("%.*s/%s", (int)(sl - f[0].cf.real), f[0].cf.real,
						     snapshot) : NULL;

			if (sp)
				pfj_state_note_file(ctx, sp);
			free(sp);
		}
		pfj_run_result_free(&res);
	}
	for (int i = 0; i < 2; i++) {
		struct pfj_replace_opts o = {
			.mode = f[i].cf.st.st_mode & 07777,
			.uid = f[i].cf.st.st_uid,
			.gid = f[i].cf.st.st_gid,
		};
		const char *stage = "";
		int e;

		if (!f[i].changed)
			continue;
		if (!(f[i].backup = pfj_asprintf("%s%s", f[i].cf.name, ctx->conf->master_backup_suffix)))
			goto oom;
		o.backup = f[i].backup;
		if ((e = pfj_replace_at(f[i].cf.dirfd, f[i].cf.name, f[i].now.data ? f[i].now.data : "",
					f[i].now.len, &o, &stage)) < 0) {
			pfj_err("replacing %s (%s): %s", f[i].cf.real, stage, strerror(-e));
			goto restore;
		}
		f[i].written = true;
		{
			char *bk = pfj_asprintf("%s%s", f[i].cf.real, ctx->conf->master_backup_suffix);

			if (bk)
				pfj_state_note_file(ctx, bk);
			free(bk);
		}
	}
	/* Postfix's own check of the result, else the previous files go back */
	{
		char *postfix = pfj_asprintf("%s/postfix", ctx->conf->postfix_bindir);
		const char *av[] = { postfix, "-c", dir, "check", NULL };
		int ok;

		if (!postfix)
			goto oom;
		ok = run_tool(av, &res, why, sizeof(why)) == 0;
		free(postfix);
		if (!ok) {
			pfj_err("postfix check fails after the edit: %s; the previous files are back", why);
			goto restore;
		}
		pfj_run_result_free(&res);
	}
	for (int i = 0; i < 2; i++)
		if (f[i].written)
			pfj_notice("%s hardened; the previous version is %s%s, postconf -n's view of it %s/%s; "
				   "run \"postfix reload\" to apply", f[i].cf.real, f[i].cf.real,
				   ctx->conf->master_backup_suffix, dir, snapshot);
	ret = 0;
	goto out;
restore:
	for (int i = 0; i < 2; i++) {
		int e;

		if (f[i].written && (e = pfj_restore_backup_at(f[i].cf.dirfd, f[i].cf.name, f[i].backup)) < 0)
			pfj_err("putting %s back from %s: %s", f[i].cf.real, f[i].backup, strerror(-e));
	}
	goto out;
oom:
	pfj_err("out of memory");
out:
	if (tmp)
		remove_tmp(tmp);
	free(statedir);
	free(snapshot);
	free(argv);
	for (int i = 0; i < 2; i++) {
		pfj_cfile_free(&f[i].cf);
		pfj_buf_free(&f[i].now);
		free(f[i].backup);
	}
	pfj_strv_free(&eargs);
	pfj_strv_free(&pargs);
	pfj_buf_free(&diff);
	pfj_buf_free(&nw);
	pfj_run_result_free(&res);
	return ret;
}
