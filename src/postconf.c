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
#include <sys/wait.h>

#include "postconf.h"
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

int pfj_postconf_get(const struct pfj_postconf *pc, const char *const names[],
		     size_t n, char **values, char *why, size_t why_size)
{
	const char *argv[PFJ_POSTCONF_MAX_NAMES + 5];
	struct pfj_run_result res;
	char how[64];
	size_t i, got = 0;
	char *line;
	int r;

	if (n == 0 || n > PFJ_POSTCONF_MAX_NAMES) {
		snprintf(why, why_size, "internal error: %zu postconf names", n);
		return -1;
	}
	argv[0] = pc->postconf;
	argv[1] = "-c";
	argv[2] = pc->config_dir;
	argv[3] = "-xh";
	for (i = 0; i < n; i++)
		argv[4 + i] = names[i];
	argv[4 + n] = NULL;

	r = pfj_run(argv, NULL, &res);
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
