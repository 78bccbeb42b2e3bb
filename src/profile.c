/*
 * profile.c - read a jail profile.
 *
 * What goes into the jail is data (jail/NAME.profile), not code: build
 * fills the jail from it and verify audits against it, so the two cannot
 * drift apart, and a distribution can ship its own profile.  The loader is
 * strict like the configuration loader: unknown keys, wrong types, relative
 * or non-normalised paths and duplicates are refused with NAME:LINE.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "profile.h"

struct ploader {
	const char *name;
	char *why;
	size_t why_size;
};

static int pfail(struct ploader *pl, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pfail(struct ploader *pl, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pfj_setting_errorv(pl->why, pl->why_size, pl->name, s, fmt, ap);
	va_end(ap);
	return -1;
}

/* path_ok - absolute, normalised (no empty, "." or ".." components), not "/" */
static int path_ok(const char *p)
{
	const char *c = p;

	if (p[0] != '/' || p[1] == '\0')
		return 0;
	while (*c) {
		const char *e;
		size_t n;

		c++;	/* skip the '/' */
		e = strchrnul(c, '/');
		n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c = e;
	}
	return 1;
}

enum { ANY_NAME, ABS_PATH };

/* get_strv - a list of strings, each checked */
static int get_strv(struct ploader *pl, const config_setting_t *s, const char *key,
		    int kind, struct pfj_strv *out)
{
	int n;

	if (!config_setting_is_aggregate(s) || config_setting_is_group(s))
		return pfail(pl, s, "'%s' must be a list of strings", key);
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return pfail(pl, e, "'%s': element %d must be a string", key, i + 1);
		v = config_setting_get_string(e);
		if (kind == ABS_PATH && !path_ok(v))
			return pfail(pl, e, "'%s': \"%s\" must be an absolute, normalised path", key, v);
		if (kind == ANY_NAME && (!*v || strchr(v, '/')))
			return pfail(pl, e, "'%s': \"%s\" must be a plain name", key, v);
		if (pfj_strv_contains(out, v))
			return pfail(pl, e, "'%s': \"%s\" is listed twice", key, v);
		if (pfj_strv_add(out, v) < 0)
			return pfail(pl, e, "out of memory");
	}
	return 0;
}

/* get_path - a required absolute path member of a group */
static int get_path(struct ploader *pl, const config_setting_t *g, const char *key,
		    char **out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (!s)
		return pfail(pl, g, "missing '%s'", key);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return pfail(pl, s, "'%s' must be a string", key);
	v = config_setting_get_string(s);
	if (!path_ok(v))
		return pfail(pl, s, "'%s': \"%s\" must be an absolute, normalised path", key, v);
	if (!(*out = strdup(v)))
		return pfail(pl, s, "out of memory");
	return 0;
}

/* get_str - an optional string member (NULL when absent) */
static int get_str(struct ploader *pl, const config_setting_t *g, const char *key, char **out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	*out = NULL;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING || !*config_setting_get_string(s))
		return pfail(pl, s, "'%s' must be a non-empty string", key);
	if (!(*out = strdup(config_setting_get_string(s))))
		return pfail(pl, s, "out of memory");
	return 0;
}

/* get_bool - an optional boolean member */
static int get_bool(struct ploader *pl, const config_setting_t *g, const char *key, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	*out = false;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return pfail(pl, s, "'%s' must be true or false", key);
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

/* check_members - refuse unknown keys inside an entry */
static int check_members(struct ploader *pl, const config_setting_t *g,
			 const char *const *known)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(m);
		const char *const *c;

		for (c = known; *c && strcmp(*c, k) != 0; c++)
			;
		if (!*c)
			return pfail(pl, m, "unknown key '%s'", k);
	}
	return 0;
}

static int load_files(struct ploader *pl, const config_setting_t *s, struct pfj_profile *p)
{
	static const char *const known[] = {
		"path", "candidates", "required", "quiet", "absent_note", NULL
	};
	int n;

	if (!config_setting_is_list(s))
		return pfail(pl, s, "'files' must be a list of groups: ( { path = \"...\"; }, ... )");
	n = config_setting_length(s);
	if (!(p->files = calloc((size_t)n + 1, sizeof(*p->files))))
		return pfail(pl, s, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const config_setting_t *c;
		struct pfj_profile_file *f = &p->files[p->n_files];

		if (!config_setting_is_group(g))
			return pfail(pl, g, "'files': entry %d must be a group { ... }", i + 1);
		p->n_files++;
		f->line = config_setting_source_line(g);
		if (check_members(pl, g, known) < 0 || get_path(pl, g, "path", &f->path) < 0 ||
		    get_bool(pl, g, "required", &f->required) < 0 ||
		    get_bool(pl, g, "quiet", &f->quiet) < 0 ||
		    get_str(pl, g, "absent_note", &f->absent_note) < 0)
			return -1;
		if (f->absent_note && f->required)
			return pfail(pl, g, "'absent_note' and 'required' exclude each other");
		for (size_t j = 0; j + 1 < p->n_files; j++)
			if (strcmp(p->files[j].path, f->path) == 0)
				return pfail(pl, g, "'%s' is listed twice", f->path);
		if ((c = config_setting_get_member(g, "candidates"))) {
			if (get_strv(pl, c, "candidates", ABS_PATH, &f->candidates) < 0)
				return -1;
			if (f->candidates.n == 0)
				return pfail(pl, c, "'candidates' must not be empty");
		} else if (pfj_strv_add(&f->candidates, f->path) < 0) {
			return pfail(pl, g, "out of memory");
		}
	}
	return 0;
}

/* load_links - ( { path = "/..."; target = "..."; only_with = "/..."; } ) into *out */
static int load_links(struct ploader *pl, const config_setting_t *s, const char *key,
		      struct pfj_profile_link **out, size_t *nout)
{
	static const char *const known[] = { "path", "target", "only_with", NULL };
	int n;

	if (!config_setting_is_list(s))
		return pfail(pl, s, "'%s' must be a list of groups", key);
	n = config_setting_length(s);
	if (!(*out = calloc((size_t)n + 1, sizeof(**out))))
		return pfail(pl, s, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		struct pfj_profile_link *l = &(*out)[*nout];

		if (!config_setting_is_group(g))
			return pfail(pl, g, "'%s': entry %d must be a group { ... }", key, i + 1);
		(*nout)++;
		l->line = config_setting_source_line(g);
		if (check_members(pl, g, known) < 0 || get_path(pl, g, "path", &l->path) < 0 ||
		    get_path(pl, g, "target", &l->target) < 0)
			return -1;
		if (config_setting_get_member(g, "only_with") &&
		    get_path(pl, g, "only_with", &l->only_with) < 0)
			return -1;
	}
	return 0;
}

/* load_queue_modes - ( { directory = "maildrop"; mode = "1730"; if_exists = "/..."; } ) */
static int load_queue_modes(struct ploader *pl, const config_setting_t *s, struct pfj_profile *p)
{
	static const char *const known[] = { "directory", "mode", "if_exists", NULL };
	int n;

	if (!config_setting_is_list(s))
		return pfail(pl, s, "'queue_modes' must be a list of groups");
	n = config_setting_length(s);
	if (!(p->queue_modes = calloc((size_t)n + 1, sizeof(*p->queue_modes))))
		return pfail(pl, s, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		struct pfj_profile_qmode *q = &p->queue_modes[p->n_queue_modes];
		char *mode = NULL, *end;

		if (!config_setting_is_group(g))
			return pfail(pl, g, "'queue_modes': entry %d must be a group { ... }", i + 1);
		p->n_queue_modes++;
		q->line = config_setting_source_line(g);
		if (check_members(pl, g, known) < 0 || get_str(pl, g, "directory", &q->directory) < 0 ||
		    get_str(pl, g, "mode", &mode) < 0)
			return -1;
		if (!q->directory || strchr(q->directory, '/') || strlen(q->directory) >= 64) {
			free(mode);
			return pfail(pl, g, "'directory' must be a queue directory's plain name");
		}
		q->mode = mode ? (unsigned)strtoul(mode, &end, 8) : 0;
		if (!mode || *end || end == mode || q->mode > 07777) {
			free(mode);
			return pfail(pl, g, "'mode' must be an octal mode as a string, e.g. \"1730\"");
		}
		free(mode);
		if (config_setting_get_member(g, "if_exists") &&
		    get_path(pl, g, "if_exists", &q->if_exists) < 0)
			return -1;
	}
	return 0;
}

int pfj_profile_parse(const char *text, const char *name, struct pfj_profile *p,
		      char *why, size_t why_size)
{
	struct ploader pl = { .name = name, .why = why, .why_size = why_size };
	static const struct {
		const char *key;
		int kind;
		size_t off;
	} lists[] = {
		{ "directories", ABS_PATH, offsetof(struct pfj_profile, directories) },
		{ "host_directories", ABS_PATH, offsetof(struct pfj_profile, host_directories) },
		{ "nss_databases", ANY_NAME, offsetof(struct pfj_profile, nss_databases) },
		{ "libraries", ANY_NAME, offsetof(struct pfj_profile, libraries) },
		{ "devices", ABS_PATH, offsetof(struct pfj_profile, devices) },
		{ "ca_path_parameters", ANY_NAME, offsetof(struct pfj_profile, ca_path_parameters) },
		{ "package_lists", ABS_PATH, offsetof(struct pfj_profile, package_lists) },
		{ "owner_overrides", ABS_PATH, offsetof(struct pfj_profile, owner_overrides) },
		{ "flag_files", ANY_NAME, offsetof(struct pfj_profile, flag_files) },
		{ "takeover_patterns", ABS_PATH, offsetof(struct pfj_profile, takeover_patterns) },
	};
	config_setting_t *root;
	config_t cfg;
	int r = 0, n, version = 0;

	memset(p, 0, sizeof(*p));
	if (pfj_config_text_check(text, strlen(text), name, why, why_size) < 0)
		return -1;
	config_init(&cfg);
	config_set_options(&cfg, 0);
	if (!config_read_string(&cfg, text)) {
		snprintf(why, why_size, "%s:%d: %s", name, config_error_line(&cfg),
			 config_error_text(&cfg));
		config_destroy(&cfg);
		return -1;
	}
	root = config_root_setting(&cfg);
	n = config_setting_length(root);
	for (int i = 0; r == 0 && i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *key = config_setting_name(s);
		size_t k;

		if (strcmp(key, "version") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_INT ||
			    (version = config_setting_get_int(s)) != 1)
				r = pfail(&pl, s, "'version' must be 1");
			continue;
		}
		if (strcmp(key, "files") == 0) {
			r = load_files(&pl, s, p);
			continue;
		}
		if (strcmp(key, "symlinks") == 0) {
			r = load_links(&pl, s, key, &p->links, &p->n_links);
			continue;
		}
		if (strcmp(key, "takeover_links") == 0) {
			r = load_links(&pl, s, key, &p->takeover_links, &p->n_takeover_links);
			continue;
		}
		if (strcmp(key, "queue_modes") == 0) {
			r = load_queue_modes(&pl, s, p);
			continue;
		}
		for (k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
			if (strcmp(key, lists[k].key) == 0)
				break;
		if (k == sizeof(lists) / sizeof(lists[0])) {
			r = pfail(&pl, s, "unknown key '%s'", key);
			break;
		}
		r = get_strv(&pl, s, key, lists[k].kind,
			     (struct pfj_strv *)((char *)p + lists[k].off));
	}
	if (r == 0 && version != 1)
		r = pfail(&pl, NULL, "missing 'version = 1;'");
	if (r == 0 && !(p->source = strdup(name)))
		r = pfail(&pl, NULL, "out of memory");
	config_destroy(&cfg);
	if (r < 0)
		pfj_profile_free(p);
	return r;
}

int pfj_profile_load(const char *dir, const char *name, struct pfj_profile *p,
		     char *why, size_t why_size)
{
	struct pfj_buf text = { 0 };
	char *path;
	int r;

	if (name[0] == '/')
		path = strdup(name);
	else if (strchr(name, '/'))
		path = NULL, errno = EINVAL;
	else
		path = pfj_asprintf("%s/%s.profile", dir, name);
	if (!path) {
		snprintf(why, why_size, "jail profile \"%s\": %s", name,
			 errno == EINVAL ? "a name or an absolute path is needed" : "out of memory");
		return -1;
	}
	r = pfj_read_file(path, 1u << 20, &text);
	if (r < 0) {
		snprintf(why, why_size, "%s: cannot read jail profile: %s", path, strerror(-r));
		free(path);
		return -1;
	}
	/* a NUL byte would end the text early for the parser: refused here */
	r = pfj_config_text_check(text.data ? text.data : "", text.len, path, why, why_size);
	if (r == 0)
		r = pfj_profile_parse(text.data ? text.data : "", path, p, why, why_size);
	free(path);
	pfj_buf_free(&text);
	return r;
}

void pfj_profile_free(struct pfj_profile *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		free(p->files[i].absent_note);
		pfj_strv_free(&p->files[i].candidates);
	}
	free(p->files);
	for (size_t i = 0; i < p->n_links; i++) {
		free(p->links[i].path);
		free(p->links[i].target);
		free(p->links[i].only_with);
	}
	free(p->links);
	for (size_t i = 0; i < p->n_takeover_links; i++) {
		free(p->takeover_links[i].path);
		free(p->takeover_links[i].target);
		free(p->takeover_links[i].only_with);
	}
	free(p->takeover_links);
	for (size_t i = 0; i < p->n_queue_modes; i++) {
		free(p->queue_modes[i].directory);
		free(p->queue_modes[i].if_exists);
	}
	free(p->queue_modes);
	pfj_strv_free(&p->package_lists);
	pfj_strv_free(&p->owner_overrides);
	pfj_strv_free(&p->flag_files);
	pfj_strv_free(&p->takeover_patterns);
	pfj_strv_free(&p->directories);
	pfj_strv_free(&p->host_directories);
	pfj_strv_free(&p->nss_databases);
	pfj_strv_free(&p->libraries);
	pfj_strv_free(&p->devices);
	pfj_strv_free(&p->ca_path_parameters);
	free(p->source);
	memset(p, 0, sizeof(*p));
}
