/*
 * aliascmd.c - the aliases command: route root's mail to an unprivileged user.
 *
 * The file is the one Postfix uses (the first file-backed map of
 * alias_maps, else alias_database, as postconf expands them).  The user
 * must exist, must not be root, and must not route back to root through
 * the aliases.  Only root's effective (first) entry changes; the file is
 * replaced atomically with a backup, then the map is rebuilt with
 * Postfix's own postalias and asked (postalias -q root); if that fails or
 * does not answer the user, the previous file and map are put back.  The
 * map, which is what Postfix reads, is judged too: a stale or half-built
 * one is rebuilt, and --check reports it.
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

#include "aliascmd.h"
#include "aliases.h"
#include "cfile.h"
#include "diff.h"
#include "image.h"
#include "jail.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "safefile.h"
#include "state.h"

static const char *const file_types[] = { "hash", "btree", "lmdb", "cdb", "dbm", "sdbm", NULL };

/* pick_map - the first file-backed map in a map list ("hash:/etc/aliases, ...") */
static int pick_map(const char *list, char **type, char **path)
{
	char *copy = strdup(list), *tok, *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *colon = strchr(tok, ':');

		if (!colon || colon[1] != '/')
			continue;
		*colon = '\0';
		for (const char *const *t = file_types; *t; t++) {
			if (strcmp(*t, tok) == 0) {
				*type = strdup(tok);
				*path = strdup(colon + 1);
				free(copy);
				return *type && *path ? 0 : -ENOMEM;
			}
		}
	}
	free(copy);
	return -ENOENT;
}

/* map_file - the database postalias writes for TYPE:FILE (NULL: not one file) */
static char *map_file(const char *type, const char *file)
{
	if (strcmp(type, "hash") == 0 || strcmp(type, "btree") == 0)
		return pfj_asprintf("%s.db", file);
	if (strcmp(type, "lmdb") == 0)
		return pfj_asprintf("%s.lmdb", file);
	if (strcmp(type, "cdb") == 0)
		return pfj_asprintf("%s.cdb", file);
	return NULL;
}

/*
 * local_name - the local user or alias a target delivers to, lower-case,
 * or NULL for files, commands, includes and remote addresses.  Quotes,
 * an address extension ("root+x") and "@localhost" are taken off: all of
 * them still reach the same local name.
 */
static char *local_name(const char *t)
{
	char *n, *d, *at, *plus;
	size_t len;

	if (t[0] == '\\')
		t++;	/* "\\user": the user's own mailbox; still that user */
	len = strlen(t);
	if (len >= 2 && t[0] == '"' && t[len - 1] == '"') {
		t++;
		len -= 2;
	}
	if (!len || t[0] == '|' || t[0] == '/' || strncmp(t, ":include:", 9) == 0)
		return NULL;
	if (!(n = strndup(t, len)))
		return NULL;
	for (d = n; *d; d++)
		*d = (char)(*d >= 'A' && *d <= 'Z' ? *d - 'A' + 'a' : *d);
	if ((at = strchr(n, '@'))) {
		if (strcmp(at + 1, "localhost") != 0) {
			free(n);
			return NULL;	/* another domain: not followed */
		}
		*at = '\0';
	}
	if ((plus = strchr(n, '+')))
		*plus = '\0';
	return n;
}

/*
 * reaches_uid0 - does mail for `start` end at a uid-0 account, following
 * the aliases?  A name with an alias entry is expanded; one without is a
 * mailbox, checked against passwd.  *via names the path found.
 */
static int reaches_uid0(const struct pfj_aliases *al, const char *root, const char *start,
			char *via, size_t via_size)
{
	struct pfj_strv todo = { 0 }, seen = { 0 };
	int hit = 0;

	if (pfj_strv_add(&todo, start) < 0)
		return -1;
	for (size_t i = 0; i < todo.n && !hit && i < 10000; i++) {
		const char *name = todo.v[i];
		const struct pfj_alias *e;
		struct pfj_strv targets = { 0 };

		if (pfj_strv_contains(&seen, name))
			continue;
		pfj_strv_add(&seen, name);
		if (i > 0 && strcmp(name, "root") == 0) {
			snprintf(via, via_size, "root");
			hit = 1;
			break;
		}
		e = pfj_aliases_find(al, name, NULL);
		if (!e || i == 0 || todo.v[i][0] == '\\') {
			/* a mailbox (or the start, whose own entry pfjail is about to set) */
			if (i > 0 || !e) {
				long uid = pfj_image_uid(root, name[0] == '\\' ? name + 1 : name);

				if (uid == 0) {
					snprintf(via, via_size, "%s", name);
					hit = 1;
				}
			}
			if (!e || i > 0)
				continue;
		}
		if (pfj_alias_targets(e->value, &targets) < 0)
			break;
		for (size_t k = 0; k < targets.n; k++) {
			char *n = local_name(targets.v[k]);

			if (n && !pfj_strv_contains(&todo, n))
				pfj_strv_add(&todo, n);
			free(n);
		}
		pfj_strv_free(&targets);
	}
	pfj_strv_free(&todo);
	pfj_strv_free(&seen);
	return hit;
}

/*
 * postalias - Postfix's postalias on TYPE:FILE: rebuild the map (key NULL)
 * or ask it for key (-q; *value gets the answer, malloc'ed, trailing
 * newline off).  0 done, 1 the map has no such key, -1 with why.
 */
static int postalias(const struct pfj_ctx *ctx, const char *type, const char *file,
		     const char *key, char **value, char *why, size_t why_size)
{
	char *prog = pfj_asprintf("%s/postalias", ctx->conf->postfix_bindir);
	char *arg = pfj_asprintf("%s:%s", type, file);
	/* postalias -c DIR TYPE:FILE, or postalias -c DIR -q KEY TYPE:FILE */
	const char *argv[] = { prog, "-c", ctx->pc.config_dir, key ? "-q" : arg, key, arg, NULL };
	struct pfj_run_result res;
	char how[64];
	int r = -1;

	if (prog && arg && pfj_run(argv, NULL, &res) == 0) {
		if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) {
			size_t len = res.out.len;

			while (len && (res.out.data[len - 1] == '\n' || res.out.data[len - 1] == '\r'))
				len--;
			r = 0;
			if (key && !(*value = strndup(res.out.data ? res.out.data : "", len))) {
				snprintf(why, why_size, "out of memory");
				r = -1;
			}
		} else if (key && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 1) {
			r = 1;
		} else {
			snprintf(why, why_size, "postalias %s%s%s%s failed (%s): %s", key ? "-q " : "",
				 key ? key : "", key ? " " : "", arg,
				 pfj_run_describe(res.status, how, sizeof(how)), pfj_run_first_error(&res));
		}
		pfj_run_result_free(&res);
	} else {
		snprintf(why, why_size, "cannot run %s", prog ? prog : "postalias");
	}
	free(prog);
	free(arg);
	return r;
}

/*
 * map_agrees - is Postfix's map up to date with the file for root?  It
 * must be at least as new as the file (when it is one file) and postalias
 * -q root must answer want (with want NULL: anything).  1 yes; 0 no, with
 * why saying what is wrong.
 */
static int map_agrees(const struct pfj_ctx *ctx, const char *type, const char *file,
		      const char *mapf, const struct stat *fst, const char *want,
		      char *why, size_t why_size)
{
	struct stat mst;
	char *value = NULL;
	int r;

	if (mapf && stat(mapf, &mst) < 0) {
		snprintf(why, why_size, "%s: %s", mapf, strerror(errno));
		return 0;
	}
	if (mapf && fst && (mst.st_mtim.tv_sec < fst->st_mtim.tv_sec ||
			    (mst.st_mtim.tv_sec == fst->st_mtim.tv_sec &&
			     mst.st_mtim.tv_nsec < fst->st_mtim.tv_nsec))) {
		snprintf(why, why_size, "the map %s is older than the file", mapf);
		return 0;
	}
	r = postalias(ctx, type, file, "root", &value, why, why_size);
	if (r == 1)
		snprintf(why, why_size, "the map %s:%s has no entry for root", type, file);
	else if (r == 0 && want && strcmp(value, want) != 0)
		snprintf(why, why_size, "the map %s:%s answers \"%s\" for root, not \"%s\"", type,
			 file, value, want);
	else if (r < 0) {
		char tmp[1024];

		snprintf(tmp, sizeof(tmp), "the map cannot be read: %s", why);
		snprintf(why, why_size, "%s", tmp);
	}
	r = r == 0 && (!want || strcmp(value, want) == 0);
	free(value);
	return r;
}

/* not_aliases_file - keep every temporary but those of the file and its backup */
static int not_aliases_file(const char *name, void *arg)
{
	char *const *names = arg;

	return !pfj_is_temp_name(name, names[0]) && !pfj_is_temp_name(name, names[1]);
}

/* copy_file - keep a byte copy of the map (postalias may rewrite it in place) */
static int copy_file(const char *from, const char *to)
{
	struct pfj_buf b = { 0 };
	struct stat st;
	int r = pfj_read_file(from, 1u << 30, &b);
	FILE *fp;

	if (r < 0) {
		pfj_buf_free(&b);
		return r;
	}
	if (stat(from, &st) < 0 || !(fp = fopen(to, "we"))) {
		pfj_buf_free(&b);
		return -errno;
	}
	if (b.len)
		fwrite(b.data, 1, b.len, fp);
	r = fflush(fp) == 0 && fsync(fileno(fp)) == 0 ? 0 : -EIO;
	if (fchown(fileno(fp), st.st_uid, st.st_gid) < 0 ||
	    fchmod(fileno(fp), st.st_mode & 07777) < 0)
		r = -errno;
	fclose(fp);
	pfj_buf_free(&b);
	return r;
}

/*
 * nul_line - the line of the first NUL byte in buf (postalias drops such a
 * line: root's entry would not be what it says), 0 when there is none
 */
static unsigned nul_line(const struct pfj_buf *buf)
{
	const char *nul = buf->len ? memchr(buf->data, '\0', buf->len) : NULL;
	unsigned line = 1;

	if (!nul)
		return 0;
	for (const char *c = buf->data; c < nul; c++)
		line += *c == '\n';
	return line;
}

/* The aliases file Postfix uses, read and parsed (aliases and --check alike). */
struct afile {
	char *vals[2];			/* alias_maps, alias_database */
	char *type, *mpath;		/* its TYPE:PATH as configured */
	char *file;			/* PATH inside ROOT */
	char *mapf;			/* the database postalias writes, or NULL */
	struct pfj_cfile cf;
	struct pfj_aliases al;
	const struct pfj_alias *cur;	/* root's effective entry, or NULL */
	size_t dups;			/* later root entries Postfix ignores */
};

/*
 * afile_open - find, read and parse the aliases file: 0, or -1 with why
 * (why is "" when pfj_cfile_open has already said what is wrong).  A later
 * "root" entry, which Postfix ignores, is logged when warn is set.
 */
static int afile_open(const struct pfj_ctx *ctx, bool warn, struct afile *af, char *why,
		      size_t why_size)
{
	static const char *const names[] = { "alias_maps", "alias_database" };
	char *cache = pfj_state_path(ctx, "postconf-aliases");
	unsigned nl;
	int r;

	memset(af, 0, sizeof(*af));
	af->cf.dirfd = -1;
	why[0] = '\0';
	if (!cache)
		goto nomem;
	/* --check keeps the cache current too (harden and supervise run it
	 * each time): only a dry run writes nothing */
	r = pfj_postconf_get_cached(&ctx->pc, names, 2, af->vals, cache, !ctx->cli->dry_run, why,
				    why_size);
	free(cache);
	if (r < 0)
		return -1;
	r = pick_map(af->vals[0], &af->type, &af->mpath);
	if (r == -ENOENT)
		r = pick_map(af->vals[1], &af->type, &af->mpath);
	if (r < 0) {
		snprintf(why, why_size, "%s: no file-backed map in alias_maps (%s) or alias_database (%s)",
			 ctx->pc.config_dir, af->vals[0], af->vals[1]);
		return -1;
	}
	if (!(af->file = pfj_root_path(ctx->cli->root, af->mpath)))
		goto nomem;
	if (pfj_cfile_open(NULL, af->file, 64u << 20, 1, &af->cf) < 0)
		return -1;
	/* postalias drops a line with a NUL byte: root's entry would not be what it says */
	if ((nl = nul_line(&af->cf.data))) {
		snprintf(why, why_size, "%s:%u: a NUL byte: Postfix drops this line", af->file, nl);
		return -1;
	}
	if (pfj_aliases_parse(af->cf.data.data ? af->cf.data.data : "", af->cf.data.len, &af->al) < 0)
		goto nomem;
	/* Postfix reads TYPE:FILE as configured: that is the map to judge and rebuild */
	af->mapf = map_file(af->type, af->file);
	af->cur = pfj_aliases_find(&af->al, "root", &af->dups);
	if (warn && af->dups) {
		for (size_t i = 0, seen = 0; i < af->al.n; i++)
			if (strcmp(af->al.ent[i].key, "root") == 0 && seen++)
				pfj_warn("%s:%u: a later \"root\" entry, which Postfix ignores (the first one, line %u, wins)",
					 af->file, af->al.ent[i].first_line, af->cur->first_line);
	}
	return 0;
nomem:
	snprintf(why, why_size, "out of memory");
	return -1;
}

static void afile_free(struct afile *af)
{
	for (int i = 0; i < 2; i++)
		free(af->vals[i]);
	free(af->type);
	free(af->mpath);
	free(af->file);
	free(af->mapf);
	pfj_cfile_free(&af->cf);
	pfj_aliases_free(&af->al);
}

int pfj_aliases_root_check(const struct pfj_ctx *ctx, bool warn, struct pfj_root_check *rc)
{
	struct afile af;
	int ret = -1;

	memset(rc, 0, sizeof(*rc));
	if (afile_open(ctx, warn, &af, rc->why, sizeof(rc->why)) < 0) {
		if (!rc->why[0])
			snprintf(rc->why, sizeof(rc->why), "%s cannot be read",
				 af.file ? af.file : "the aliases file");
		goto out;
	}
	snprintf(rc->file, sizeof(rc->file), "%s", af.file);
	if (af.cur) {
		rc->has_alias = 1;
		rc->line = af.cur->first_line;
		snprintf(rc->value, sizeof(rc->value), "%s", af.cur->value);
		if ((rc->reaches_uid0 = reaches_uid0(&af.al, ctx->cli->root, "root", rc->via,
						     sizeof(rc->via))) < 0) {
			snprintf(rc->why, sizeof(rc->why), "out of memory");
			goto out;
		}
		/* what Postfix reads is the map: it must say what the file says */
		if (!rc->reaches_uid0 &&
		    !map_agrees(ctx, af.type, af.file, af.mapf, af.cf.missing ? NULL : &af.cf.st,
				af.cur->ncont ? NULL : af.cur->value, rc->why, sizeof(rc->why)))
			rc->stale = 1;
	}
	ret = !rc->has_alias || rc->reaches_uid0 || rc->stale;
out:
	afile_free(&af);
	return ret;
}

/* check - aliases --check: report pfj_aliases_root_check's answer */
static int check(const struct pfj_ctx *ctx)
{
	struct pfj_root_check rc;
	int r = pfj_aliases_root_check(ctx, true, &rc);

	if (r < 0) {
		pfj_err("%s", rc.why);
		return PFJ_EXIT_ERROR;
	}
	if (ctx->cli->json) {
		struct pfj_json j = { 0 };

		pfj_json_obj_begin(&j, NULL);
		pfj_json_str(&j, "command", "aliases");
		pfj_json_str(&j, "file", rc.file);
		pfj_json_str(&j, "root", rc.has_alias ? rc.value : NULL);
		pfj_json_bool(&j, "ok", r == 0);
		pfj_json_str(&j, "map_problem", rc.stale ? rc.why : NULL);
		pfj_json_obj_end(&j);
		pfj_json_flush(&j);
	} else {
		char line[PFJ_ROOT_CHECK_MSG];

		pfj_root_check_describe(&rc, line, sizeof(line));
		printf("%s\n", line);
	}
	return r ? PFJ_EXIT_FINDINGS : PFJ_EXIT_OK;
}

void pfj_root_check_describe(const struct pfj_root_check *rc, char *buf, size_t size)
{
	if (rc->stale)
		snprintf(buf, size, "%s:%u: root -> %s, but %s: run pfjail aliases to rebuild it",
			 rc->file, rc->line, rc->value, rc->why);
	else if (!rc->has_alias)
		snprintf(buf, size, "%s: no alias for root: root's mail stays with root", rc->file);
	else if (rc->reaches_uid0)
		snprintf(buf, size, "%s:%u: root -> %s: reaches %s, a uid-0 account", rc->file,
			 rc->line, rc->value, rc->via);
	else
		snprintf(buf, size, "%s:%u: root -> %s", rc->file, rc->line, rc->value);
}

int pfj_cmd_aliases(struct pfj_ctx *ctx)
{
	const struct pfj_conf *conf = ctx->conf;
	const char *user = ctx->cli->root_to ? ctx->cli->root_to : conf->aliases_root_to;
	const char *file, *type, *mapf;
	char *mapbak = NULL, *backup = NULL, via[256], why[1024];
	struct afile af;
	struct pfj_buf newbuf = { 0 }, diff = { 0 };
	const struct pfj_alias *cur;
	size_t dups;
	int status = PFJ_EXIT_ERROR, changed = 0, map_existed = 0, rebuild_only = 0, r;

	if (ctx->cli->check)
		return check(ctx);
	if (afile_open(ctx, true, &af, why, sizeof(why)) < 0) {
		if (why[0])
			pfj_err("%s; nothing changed", why);
		goto out;
	}
	file = af.file;
	type = af.type;
	mapf = af.mapf;
	cur = af.cur;
	dups = af.dups;
	if (mapf && !(mapbak = pfj_asprintf("%s%s", mapf, conf->aliases_backup_suffix)))
		goto nomem;

	if (!user) {
		pfj_err("no user to route root's mail to: give --root-to USER or set aliases.root_to in %s",
			conf->path ? conf->path : "pfjail.conf");
		goto out;
	}
	{
		long uid = pfj_image_uid(ctx->cli->root, user);

		if (uid < 0) {
			pfj_err("user \"%s\" does not exist%s; nothing changed", user,
				pfj_root_is_host(ctx->cli->root) ? "" : " in the image's /etc/passwd");
			goto out;
		}
		if (uid == 0) {
			pfj_err("user \"%s\" has uid 0: root's mail must go to an unprivileged user; nothing changed",
				user);
			goto out;
		}
	}
	{
		char lname[256];
		int loop;

		snprintf(lname, sizeof(lname), "%s", user);
		for (char *c = lname; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		loop = reaches_uid0(&af.al, ctx->cli->root, lname, via, sizeof(via));
		/* the user's own aliases must not lead back to root */
		if (loop > 0) {
			pfj_err("%s: \"%s\" routes back to %s through the aliases (a loop); nothing changed",
				file, user, via);
			goto out;
		}
	}

	/* what killed runs left beside the file: their temporaries, a map's copy */
	if (!ctx->cli->dry_run) {
		char *bk = pfj_asprintf("%s%s", af.cf.name, conf->aliases_backup_suffix);
		char *keep[2] = { af.cf.name, bk };

		if (bk)
			pfj_remove_temps_at(af.cf.dirfd, not_aliases_file, keep, NULL);
		free(bk);
		if (mapbak && unlink(mapbak) == 0)
			pfj_info("%s: removed (left by an interrupted run)", mapbak);
	}
	if (cur && strcmp(cur->value, user) == 0 && cur->ncont == 0) {
		/* the text is right; "nothing to change" only if the map says so too */
		if (map_agrees(ctx, type, file, mapf, af.cf.missing ? NULL : &af.cf.st, user, why,
			       sizeof(why))) {
			if (ctx->cli->json) {
				struct pfj_json j = { 0 };

				pfj_json_obj_begin(&j, NULL);
				pfj_json_str(&j, "command", "aliases");
				pfj_json_str(&j, "file", file);
				pfj_json_str(&j, "before", cur->value);
				pfj_json_str(&j, "after", user);
				pfj_json_bool(&j, "changed", false);
				pfj_json_obj_end(&j);
				pfj_json_flush(&j);
			} else {
				pfj_info("%s:%u: root already routed to %s; nothing to change", file,
					 cur->first_line, user);
			}
			status = PFJ_EXIT_OK;
			goto out;
		}
		changed = 1;
		if (!ctx->cli->json)
			printf("%s: root: %s, but %s: the map is rebuilt%s\n", file, user, why,
			       ctx->cli->dry_run ? " (dry run)" : "");
		if (ctx->cli->dry_run) {
			status = PFJ_EXIT_FINDINGS;
			goto report;
		}
		rebuild_only = 1;
	} else {
		if (pfj_aliases_set_root(af.cf.data.data ? af.cf.data.data : "", af.cf.data.len, &af.al, user,
					 &newbuf) < 0)
			goto nomem;
		changed = 1;
		if (!ctx->cli->json)
			printf("%s: root: %s -> %s%s\n", file,
			       cur ? cur->value : "(no alias: root's own mailbox)", user,
			       ctx->cli->dry_run ? " (dry run)" : "");
		if (ctx->cli->dry_run) {
			if (pfj_diff(file, af.cf.data.data ? af.cf.data.data : "", af.cf.data.len, newbuf.data,
				     newbuf.len, &diff) < 0)
				goto nomem;
			if (!ctx->cli->json)
				fwrite(diff.data, 1, diff.len, stdout);
			status = PFJ_EXIT_FINDINGS;
			goto report;
		}
	}

	/* write the file, keep the map, rebuild; put both back if postalias
	 * fails or the rebuilt map does not answer the user for root */
	if (!(backup = pfj_asprintf("%s%s", af.cf.name, conf->aliases_backup_suffix)))
		goto nomem;
	map_existed = mapf && access(mapf, F_OK) == 0;
	if (map_existed && copy_file(mapf, mapbak) < 0) {
		pfj_err("%s: cannot keep a copy of the map: %m; nothing changed", mapf);
		unlink(mapbak);
		goto out;
	}
	if (!rebuild_only) {
		struct pfj_replace_opts opts = {
			.mode = af.cf.missing ? 0644 : af.cf.st.st_mode & 07777,
			.uid = af.cf.missing ? 0 : af.cf.st.st_uid,
			.gid = af.cf.missing ? 0 : af.cf.st.st_gid,
			.backup = af.cf.missing ? NULL : backup,
		};
		const char *stage;

		r = pfj_replace_at(af.cf.dirfd, af.cf.name, newbuf.data, newbuf.len, &opts, &stage);
		if (r < 0) {
			pfj_err("%s: cannot replace (%s): %s; nothing changed", af.cf.real, stage,
				strerror(-r));
			if (map_existed)
				unlink(mapbak);
			goto out;
		}
	}
	if (postalias(ctx, type, file, NULL, NULL, why, sizeof(why)) < 0 ||
	    !map_agrees(ctx, type, file, NULL, NULL, user, why, sizeof(why))) {
		int bad = 0;

		if (rebuild_only)
			;	/* the file was not touched */
		else if (af.cf.missing)
			bad = unlinkat(af.cf.dirfd, af.cf.name, 0) < 0;
		else
			bad = pfj_restore_backup_at(af.cf.dirfd, af.cf.name, backup) < 0;
		if (map_existed)
			bad |= rename(mapbak, mapf) < 0;
		else if (mapf)
			unlink(mapf);	/* there was no map before: none after either */
		pfj_err("%s; %s", why, bad ? "restoring the previous file and map FAILED" :
			"the previous file and map are back");
		goto out;
	}
	if (mapbak)
		unlink(mapbak);
	if (!rebuild_only && !af.cf.missing) {
		char *bk = pfj_asprintf("%s%s", af.cf.real, conf->aliases_backup_suffix);

		if (bk)
			pfj_state_note_file(ctx, bk);
		free(bk);
	}
	if (rebuild_only)
		pfj_info("%s: root routed to %s; map rebuilt with postalias", file, user);
	else
		pfj_info("%s: root now routed to %s; previous version in %s%s, map rebuilt with postalias",
			 file, user, af.cf.real, conf->aliases_backup_suffix);
	status = PFJ_EXIT_OK;
report:
	if (ctx->cli->json) {
		struct pfj_json j = { 0 };

		pfj_json_obj_begin(&j, NULL);
		pfj_json_str(&j, "command", "aliases");
		pfj_json_str(&j, "file", file);
		pfj_json_str(&j, "map", type);
		pfj_json_str(&j, "before", cur ? cur->value : NULL);
		pfj_json_str(&j, "after", user);
		pfj_json_bool(&j, "changed", changed);
		pfj_json_int(&j, "ignored_duplicates", (long long)dups);
		if (ctx->cli->dry_run)
			pfj_json_strn(&j, "diff", diff.data ? diff.data : "", diff.len);
		pfj_json_obj_end(&j);
		pfj_json_flush(&j);
	}
	goto out;
nomem:
	pfj_err("out of memory");
	status = PFJ_EXIT_ERROR;
out:
	afile_free(&af);
	free(mapbak);
	free(backup);
	pfj_buf_free(&newbuf);
	pfj_buf_free(&diff);
	return status;
}
