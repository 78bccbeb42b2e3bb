/*
 * postconf.c - Postfix's configuration, as Postfix itself reads it.
 *
 * main.cf can use $name expansion, built-in defaults that differ between
 * distributions, and ${name?value} conditionals; the only reader that gets
 * all of that right is postconf.  All parameters needed at one moment are
 * fetched with a single `postconf -c DIR -xh NAME...` run (one line per
 * name, in order).  With -R ROOT the config directory and every path
 * postconf returns are taken inside ROOT.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jailfs.h"
#include "postconf.h"
#include "safefile.h"
#include "proc.h"
#include "util.h"

#define PFJ_POSTCONF_MAX_NAMES 64

int pfj_postconf_init(struct pfj_postconf *pc, const char *bindir,
		      const char *config_dir, const char *root)
{
	memset(pc, 0, sizeof(*pc));
	pc->postconf = pfj_asprintf("%s/postconf", bindir);
	pc->config_dir = pfj_root_path(root, config_dir);
	pc->root = root ? strdup(root) : NULL;
	if (!pc->postconf || !pc->config_dir || (root && !pc->root)) {
		pfj_postconf_free(pc);
		return -ENOMEM;
	}
	return 0;
}

void pfj_postconf_free(struct pfj_postconf *pc)
{
	free(pc->postconf);
	free(pc->config_dir);
	free(pc->root);
	memset(pc, 0, sizeof(*pc));
}

/* postconf_start - spawn `postconf -c DIR -xh NAME...` */
static int postconf_start(const struct pfj_postconf *pc, const char *const names[],
			  size_t n, struct pfj_proc *proc, char *why, size_t why_size)
{
	const char *argv[PFJ_POSTCONF_MAX_NAMES + 5];
	int r;

	if (n == 0 || n > PFJ_POSTCONF_MAX_NAMES) {
		snprintf(why, why_size, "internal error: %zu postconf names", n);
		return -1;
	}
	argv[0] = pc->postconf;
	argv[1] = "-c";
	argv[2] = pc->config_dir;
	argv[3] = "-xh";
	for (size_t i = 0; i < n; i++)
		argv[4 + i] = names[i];
	argv[4 + n] = NULL;

	if ((r = pfj_run_start(argv, NULL, proc)) < 0) {
		snprintf(why, why_size, "cannot run %s: %s", pc->postconf, strerror(-r));
		return -1;
	}
	return 0;
}

/* postconf_collect - wait for postconf and take one value per line */
static int postconf_collect(const struct pfj_postconf *pc, struct pfj_proc *proc,
			    size_t n, char **values, char *why, size_t why_size)
{
	struct pfj_run_result res;
	char how[64];
	size_t i, got = 0;
	char *line;
	int r;

	r = pfj_run_finish(proc, &res);
	if (r < 0) {
		snprintf(why, why_size, "cannot run %s: %s", pc->postconf, strerror(-r));
		pfj_run_result_free(&res);
		return -1;
	}
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 127)
			snprintf(why, why_size, "cannot run %s: %s (is Postfix installed?)",
				 pc->postconf, pfj_run_first_error(&res));
		else
			snprintf(why, why_size, "%s -c %s failed (%s): %s", pc->postconf,
				 pc->config_dir, pfj_run_describe(res.status, how, sizeof(how)),
				 pfj_run_first_error(&res));
		pfj_run_result_free(&res);
		return -1;
	}
	/* Unknown names produce a warning and no output line: count lines. */
	line = res.out.data;
	for (got = 0; line && *line && got < n; got++) {
		char *nl = strchr(line, '\n');

		if (!nl)
			break;
		*nl = '\0';
		if (!(values[got] = strdup(line)))
			goto nomem;
		line = nl + 1;
	}
	if (got != n || (line && *line)) {
		for (i = 0; i < got; i++)
			free(values[i]);
		snprintf(why, why_size, "%s -c %s: expected %zu values, got %zu%s%s",
			 pc->postconf, pc->config_dir, n, got,
			 res.err.len ? ": " : "", res.err.len ? pfj_run_first_error(&res) : "");
		pfj_run_result_free(&res);
		return -1;
	}
	pfj_run_result_free(&res);
	return 0;
nomem:
	for (i = 0; i < got; i++)
		free(values[i]);
	pfj_run_result_free(&res);
	snprintf(why, why_size, "out of memory");
	return -1;
}

int pfj_postconf_get(const struct pfj_postconf *pc, const char *const names[],
		     size_t n, char **values, char *why, size_t why_size)
{
	struct pfj_proc proc;

	if (postconf_start(pc, names, n, &proc, why, why_size) < 0)
		return -1;
	return postconf_collect(pc, &proc, n, values, why, why_size);
}

int pfj_postconf_get_path(const struct pfj_postconf *pc, const char *name,
			  char **value, char *why, size_t why_size)
{
	const char *names[] = { name };
	char *raw;

	if (pfj_postconf_get(pc, names, 1, &raw, why, why_size) < 0)
		return -1;
	if (raw[0] != '/') {
		snprintf(why, why_size, "%s -c %s: %s = \"%s\" is not an absolute path",
			 pc->postconf, pc->config_dir, name, raw);
		free(raw);
		return -1;
	}
	*value = pfj_root_path(pc->root, raw);
	free(raw);
	if (!*value) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	return 0;
}

/* identity_of - what would change if the file changed (or "none") */
static int identity_of(struct pfj_buf *id, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return pfj_buf_adds(id, " none");
	return pfj_buf_printf(id, " %llu:%llu:%lld:%lld.%09ld:%lld.%09ld",
			      (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			      (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			      st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

/* cache_key - main.cf, master.cf, the postconf binary, and the names asked */
static int cache_key(const struct pfj_postconf *pc, const char *const names[], size_t n,
		     struct pfj_buf *key)
{
	char *main_cf = pfj_asprintf("%s/main.cf", pc->config_dir);
	char *master_cf = pfj_asprintf("%s/master.cf", pc->config_dir);
	int r = main_cf && master_cf ? 0 : -ENOMEM;

	if (!r)
		r = pfj_buf_printf(key, "pfjail-postconf-cache 1\nid %s", pc->config_dir);
	if (!r)
		r = identity_of(key, main_cf);
	if (!r)
		r = identity_of(key, master_cf);
	if (!r)
		r = identity_of(key, pc->postconf);
	if (!r)
		r = pfj_buf_adds(key, "\nnames");
	for (size_t i = 0; !r && i < n; i++)
		r = pfj_buf_printf(key, " %s", names[i]);
	if (!r)
		r = pfj_buf_adds(key, "\n");
	free(main_cf);
	free(master_cf);
	return r;
}

/* cache_read - values from a cache file whose key matches, else -1 */
static int cache_read(const char *path, const struct pfj_buf *key, size_t n, char **values)
{
	struct pfj_buf text = { 0 };
	size_t got = 0;
	char *p;

	if (pfj_state_read(path, 1u << 20, &text) < 0 || text.len < key->len ||
	    memcmp(text.data, key->data, key->len) != 0) {
		pfj_buf_free(&text);
		return -1;
	}
	for (p = text.data + key->len; got < n && strncmp(p, "v ", 2) == 0; got++) {
		char *nl = strchr(p, '\n');

		if (!nl)
			break;
		*nl = '\0';
		if (!(values[got] = strdup(p + 2)))
			break;
		p = nl + 1;
	}
	if (got != n || *p) {
		while (got > 0)
			free(values[--got]);
		pfj_buf_free(&text);
		return -1;
	}
	pfj_buf_free(&text);
	return 0;
}

/*
 * cache_write - best effort: a failure only costs the next run a postconf.
 * Only pfjail reads the cache, and it accepts nothing but a whole file
 * with a matching key and every value, so the file is renamed into place
 * without an fsync: after a crash it is, at worst, not used.
 */
static void cache_write(const char *path, const struct pfj_buf *key, size_t n, char **values)
{
	struct pfj_replace_opts opts = { .mode = 0600, .uid = (uid_t)-1, .gid = (gid_t)-1,
					 .no_sync = true };
	struct pfj_buf text = { 0 };
	char why[512], *dir = strdup(path), *slash;
	const char *stage;
	int dfd, r;

	if (!dir || !(slash = strrchr(dir, '/')) || slash == dir) {
		free(dir);
		return;
	}
	*slash = '\0';
	r = pfj_buf_add(&text, key->data, key->len);
	for (size_t i = 0; !r && i < n; i++)
		r = pfj_buf_printf(&text, "v %s\n", values[i]);
	if (!r && (dfd = pfj_state_dir_open(dir, why, sizeof(why))) >= 0) {
		pfj_replace_at(dfd, slash + 1, text.data, text.len, &opts, &stage);
		close(dfd);
	}
	pfj_buf_free(&text);
	free(dir);
}

void pfj_postconf_cache_store(const struct pfj_postconf *pc, const char *const names[],
			      size_t n, char **values, const char *cache_path)
{
	struct pfj_buf key = { 0 };

	if (cache_path && cache_key(pc, names, n, &key) == 0)
		cache_write(cache_path, &key, n, values);
	pfj_buf_free(&key);
}

int pfj_postconf_begin(const struct pfj_postconf *pc, const char *const names[],
		       size_t n, char **values, const char *cache_path, int update,
		       struct pfj_postconf_query *q, char *why, size_t why_size)
{
	memset(q, 0, sizeof(*q));
	q->proc.pid = -1;
	q->names = names;
	q->n = n;
	q->values = values;
	q->update = update;
	if (cache_path && cache_key(pc, names, n, &q->key) == 0) {
		if (cache_read(cache_path, &q->key, n, values) == 0) {
			q->answered = 1;
			return 0;
		}
		if (update && !(q->cache_path = strdup(cache_path))) {
			snprintf(why, why_size, "out of memory");
			pfj_buf_free(&q->key);
			return -1;
		}
	}
	if (postconf_start(pc, names, n, &q->proc, why, why_size) < 0) {
		pfj_postconf_abandon(q);
		return -1;
	}
	return 0;
}

int pfj_postconf_end(const struct pfj_postconf *pc, struct pfj_postconf_query *q,
		     char *why, size_t why_size)
{
	int r = 0;

	if (!q->answered) {
		r = postconf_collect(pc, &q->proc, q->n, q->values, why, why_size);
		if (r == 0 && q->cache_path)
			cache_write(q->cache_path, &q->key, q->n, q->values);
	}
	pfj_postconf_abandon(q);
	return r;
}

void pfj_postconf_abandon(struct pfj_postconf_query *q)
{
	if (q->proc.pid > 0)
		pfj_run_cancel(&q->proc);
	pfj_buf_free(&q->key);
	free(q->cache_path);
	q->cache_path = NULL;
}

int pfj_postconf_get_cached(const struct pfj_postconf *pc, const char *const names[],
			    size_t n, char **values, const char *cache_path, int update,
			    char *why, size_t why_size)
{
	struct pfj_postconf_query q;

	if (pfj_postconf_begin(pc, names, n, values, cache_path, update, &q, why, why_size) < 0)
		return -1;
	return pfj_postconf_end(pc, &q, why, why_size);
}

/* next_num - parse one dotted component; missing components count as 0 */
static long next_num(const char **s)
{
	long v = 0;

	while (**s >= '0' && **s <= '9') {
		if (v < 100000000)
			v = v * 10 + (**s - '0');
		(*s)++;
	}
	if (**s == '.')
		(*s)++;
	return v;
}

int pfj_postconf_version_cmp(const char *a, const char *b)
{
	for (int i = 0; i < 4; i++) {
		long x = next_num(&a), y = next_num(&b);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}
