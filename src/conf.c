/*
 * conf.c - load and validate pfjail.conf (libconfig syntax).
 *
 * The whole schema lives in one table: each setting's group, name, type,
 * default and allowed range.  The loader walks the file and checks every
 * setting it finds against the table, so an unknown name, a wrong type or
 * a value out of range is reported as "FILE:LINE: ..." before any command
 * runs, and nothing is ever half-configured.  Defaults are applied first, so
 * the file is optional and may set only what differs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cap-ng.h>
#include <libconfig.h>

#include "cli.h"
#include "conf.h"
#include "log.h"
#include "util.h"

#define CONF_FILE_MAX (1u << 20)

enum conf_type {
	T_STRING,		/* any non-empty string */
	T_ENUM,			/* one of choices */
	T_USER,			/* a user name (syntax only; existence is checked where it is used) */
	T_PATH,			/* absolute path, no ".." */
	T_INT,
	T_BOOL,
	T_STRV,			/* list of names */
	T_PATHV,		/* list of absolute paths */
	T_CAPV,			/* list of capability names */
};

struct conf_item {
	const char *group;	/* NULL: top level */
	const char *name;
	enum conf_type type;
	size_t off;
	const char *def_s;	/* string default (NULL: unset) */
	const char *const *def_v;	/* list default */
	int def_i;		/* int / bool default */
	int min, max;
	const char *const *choices;
};

#define OFF(f) offsetof(struct pfj_conf, f)
#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const no_items[] = { NULL };

static const struct conf_item schema[] = {
	{ NULL, "state_dir", T_PATH, OFF(state_dir), .def_s = PFJ_STATEDIR },
	{ NULL, "postfix_bindir", T_PATH, OFF(postfix_bindir), .def_s = PFJ_POSTFIX_BINDIR },
	{ NULL, "lock_timeout", T_INT, OFF(lock_timeout), .def_i = 60, .min = 0, .max = 86400 },

	{ "jail", "profile", T_STRING, OFF(jail_profile), .def_s = "default" },
	{ "jail", "profile_dir", T_PATH, OFF(jail_profile_dir), .def_s = PFJ_PROFILEDIR },
	{ "jail", "extra_files", T_PATHV, OFF(jail_extra_files), .def_v = no_items },
	{ "jail", "extra_ca_dirs", T_PATHV, OFF(jail_extra_ca_dirs), .def_v = no_items },
	{ "jail", "passwd", T_ENUM, OFF(jail_passwd), .def_s = "auto",
	  .choices = V("auto", "always", "never") },
	{ "jail", "devices", T_BOOL, OFF(jail_devices), .def_i = 1 },
	{ "jail", "prune", T_BOOL, OFF(jail_prune), .def_i = 1 },

	{ "master", "chrootable", T_STRV, OFF(master_chrootable),
	  .def_v = V("anvil", "bounce", "cleanup", "discard", "dnsblog", "error",
		     "flush", "lmtp", "oqmgr", "nqmgr", "pickup", "postscreen",
		     "qmgr", "qmqpd", "scache", "showq", "smtp", "smtpd",
		     "tlsmgr", "tlsproxy", "trivial-rewrite", "verify") },
	{ "master", "chroot_exclude", T_STRV, OFF(master_chroot_exclude),
	  .def_v = V("local", "pipe", "virtual", "spawn", "proxymap", "postlogd") },
	{ "master", "backup_suffix", T_STRING, OFF(master_backup_suffix),
	  .def_s = ".pfjail-old" },

	{ "aliases", "root_to", T_USER, OFF(aliases_root_to), .def_s = NULL },
	{ "aliases", "policy", T_ENUM, OFF(aliases_policy), .def_s = "warn",
	  .choices = V("warn", "enforce") },
	{ "aliases", "backup_suffix", T_STRING, OFF(aliases_backup_suffix),
	  .def_s = ".pfjail-old" },

	{ "verify", "policy", T_ENUM, OFF(verify_policy), .def_s = "warn",
	  .choices = V("warn", "enforce") },
	{ "verify", "user", T_USER, OFF(verify_user), .def_s = "nobody" },
	{ "verify", "workers", T_INT, OFF(verify_workers), .def_i = 0, .min = 0, .max = 64 },
	{ "verify", "timeout", T_INT, OFF(verify_timeout), .def_i = 600, .min = 1, .max = 86400 },
	{ "verify", "textfile", T_PATH, OFF(verify_textfile), .def_s = NULL },

	{ "harden", "policy", T_ENUM, OFF(harden_policy), .def_s = "warn",
	  .choices = V("off", "warn") },

	{ "supervise", "policy", T_ENUM, OFF(supervise_policy), .def_s = "enforce",
	  .choices = V("warn", "enforce", "rebuild") },
	{ "supervise", "capabilities", T_CAPV, OFF(supervise_capabilities),
	  .def_v = V("SETUID", "SETGID", "SYS_CHROOT", "NET_BIND_SERVICE",
		     "DAC_READ_SEARCH", "DAC_OVERRIDE", "KILL", "CHOWN", "FOWNER") },
	{ "supervise", "no_new_privs", T_BOOL, OFF(supervise_no_new_privs), .def_i = 0 },
	{ "supervise", "seccomp", T_ENUM, OFF(supervise_seccomp), .def_s = "deny",
	  .choices = V("deny", "allow", "learn", "off") },
	{ "supervise", "seccomp_policy_dir", T_PATH, OFF(supervise_seccomp_policy_dir),
	  .def_s = PFJ_PROFILEDIR },
	{ "supervise", "audit_interval", T_INT, OFF(supervise_audit_interval),
	  .def_i = 3600, .min = 0, .max = 7 * 86400 },
	{ "supervise", "restart_delay", T_INT, OFF(supervise_restart_delay),
	  .def_i = 1, .min = 1, .max = 3600 },
	{ "supervise", "restart_delay_max", T_INT, OFF(supervise_restart_delay_max),
	  .def_i = 60, .min = 1, .max = 86400 },
	{ "supervise", "stable_after", T_INT, OFF(supervise_stable_after),
	  .def_i = 60, .min = 1, .max = 86400 },
	{ "supervise", "max_restarts", T_INT, OFF(supervise_max_restarts),
	  .def_i = 10, .min = 1, .max = 1000 },
	{ "supervise", "restart_window", T_INT, OFF(supervise_restart_window),
	  .def_i = 600, .min = 1, .max = 86400 },
	{ "supervise", "stop_timeout", T_INT, OFF(supervise_stop_timeout),
	  .def_i = 10, .min = 6, .max = 600 },
	{ "supervise", "resync_delay_ms", T_INT, OFF(supervise_resync_delay_ms),
	  .def_i = 500, .min = 0, .max = 60000 },
	{ "supervise", "watch", T_BOOL, OFF(supervise_watch), .def_i = 1 },
	{ "supervise", "notify_fd", T_INT, OFF(supervise_notify_fd),
	  .def_i = -1, .min = -1, .max = 1023 },
	{ "supervise", "rlimit_core", T_INT, OFF(supervise_rlimit_core),
	  .def_i = 0, .min = -1, .max = INT_MAX },
	{ "supervise", "rlimit_nofile", T_INT, OFF(supervise_rlimit_nofile),
	  .def_i = -1, .min = -1, .max = 1 << 20 },
	{ "supervise", "rlimit_nproc", T_INT, OFF(supervise_rlimit_nproc),
	  .def_i = -1, .min = -1, .max = 1 << 22 },
};

static const char *const groups[] = { "jail", "master", "aliases", "verify", "harden", "supervise" };

#define NITEMS (sizeof(schema) / sizeof(schema[0]))

#define FIELD(conf, item, type) ((type *)((char *)(conf) + (item)->off))

/* set_defaults - start from the compiled-in values */
static int set_defaults(struct pfj_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	for (size_t i = 0; i < NITEMS; i++) {
		const struct conf_item *it = &schema[i];

		switch (it->type) {
		case T_STRING: case T_ENUM: case T_USER: case T_PATH:
			if (it->def_s && !(*FIELD(conf, it, char *) = strdup(it->def_s)))
				return -ENOMEM;
			break;
		case T_INT:
			*FIELD(conf, it, int) = it->def_i;
			break;
		case T_BOOL:
			*FIELD(conf, it, bool) = it->def_i != 0;
			break;
		case T_STRV: case T_PATHV: case T_CAPV:
			for (const char *const *p = it->def_v; *p; p++)
				if (pfj_strv_add(FIELD(conf, it, struct pfj_strv), *p) < 0)
					return -ENOMEM;
			break;
		}
	}
	return 0;
}

/* path_ok - absolute, no "." or ".." components, no empty components */
static const char *path_problem(const char *p)
{
	const char *c;

	if (p[0] != '/')
		return "must be an absolute path";
	for (c = p; *c; ) {
		const char *e;
		size_t n;

		while (*c == '/')
			c++;
		e = strchrnul(c, '/');
		n = (size_t)(e - c);
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "must not contain \".\" or \"..\" components";
		c = e;
	}
	if (strlen(p) >= PATH_MAX)
		return "is too long";
	return NULL;
}

/* user_problem - the portable user name syntax useradd accepts */
static const char *user_problem(const char *u)
{
	if (!*u)
		return "must not be empty";
	if (strlen(u) > 32)
		return "is longer than 32 characters";
	if (u[0] == '-')
		return "must not start with '-'";
	for (const char *c = u; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		      *c == '.' || (*c == '$' && c[1] == '\0')))
			return "is not a valid user name";
	return NULL;
}

/* cap_problem - a capability libcap-ng knows, with or without CAP_ */
static const char *cap_problem(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	return capng_name_to_capability(name) < 0 ? "is not a known capability" : NULL;
}

/* string_problem - per-type check of one string value */
static const char *string_problem(enum conf_type type, const char *s,
				  const char *const *choices)
{
	switch (type) {
	case T_ENUM:
		for (const char *const *c = choices; *c; c++)
			if (strcmp(*c, s) == 0)
				return NULL;
		return "is not one of the allowed values";
	case T_USER:
		return user_problem(s);
	case T_PATH: case T_PATHV:
		return path_problem(s);
	case T_CAPV:
		return cap_problem(s);
	default:
		return *s ? NULL : "must not be empty";
	}
}

/* suffix_problem - a backup suffix names a file beside the original */
static const char *suffix_problem(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (strchr(s, '/'))
		return "must not contain '/'";
	return NULL;
}

struct loader {
	const char *file;
	char *why;
	size_t why_size;
};

/* fail - format "FILE:LINE: setting 'g.n' ..." */
static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pfj_setting_errorv(ld->why, ld->why_size, ld->file, s, fmt, ap);
	va_end(ap);
	return -1;
}

int pfj_setting_errorv(char *why, size_t why_size, const char *file,
		       const config_setting_t *s, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(why, why_size, "%s:%u: %s", file, s ? config_setting_source_line(s) : 0, msg);
	return -1;
}

/* choices_text - "a, b or c" for enum errors */
static void choices_text(const char *const *choices, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const char *const *c = choices; *c && used < size; c++) {
		const char *sep = c == choices ? "" : c[1] ? ", " : " or ";
		int n = snprintf(buf + used, size - used, "%s\"%s\"", sep, *c);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* load_item - check and store one setting */
static int load_item(struct loader *ld, struct pfj_conf *conf,
		     const struct conf_item *it, const config_setting_t *s,
		     const char *full)
{
	int t = config_setting_type(s);
	const char *why;

	switch (it->type) {
	case T_STRING: case T_ENUM: case T_USER: case T_PATH: {
		const char *v;
		char **dst = FIELD(conf, it, char *);

		if (t != CONFIG_TYPE_STRING)
			return fail(ld, s, "setting '%s' must be a string", full);
		v = config_setting_get_string(s);
		if (strstr(it->name, "suffix") && (why = suffix_problem(v)))
			return fail(ld, s, "setting '%s': \"%s\" %s", full, v, why);
		/* An optional user or path (no default) may be set to "" to mean unset. */
		if ((it->type == T_USER || it->type == T_PATH) && !it->def_s && !*v) {
			free(*dst);
			*dst = NULL;
			return 0;
		}
		if ((why = string_problem(it->type, v, it->choices))) {
			if (it->type == T_ENUM) {
				char alts[256];

				choices_text(it->choices, alts, sizeof(alts));
				return fail(ld, s, "setting '%s': \"%s\" is not one of %s",
					    full, v, alts);
			}
			return fail(ld, s, "setting '%s': \"%s\" %s", full, v, why);
		}
		free(*dst);
		if (!(*dst = strdup(v)))
			return fail(ld, s, "out of memory");
		return 0;
	}
	case T_INT: {
		long long v;

		if (t == CONFIG_TYPE_INT)
			v = config_setting_get_int(s);
		else if (t == CONFIG_TYPE_INT64)
			v = config_setting_get_int64(s);
		else
			return fail(ld, s, "setting '%s' must be an integer", full);
		if (v < it->min || v > it->max)
			return fail(ld, s, "setting '%s': %lld is out of range (%d to %d)",
				    full, v, it->min, it->max);
		*FIELD(conf, it, int) = (int)v;
		return 0;
	}
	case T_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			return fail(ld, s, "setting '%s' must be true or false", full);
		*FIELD(conf, it, bool) = config_setting_get_bool(s) != 0;
		return 0;
	case T_STRV: case T_PATHV: case T_CAPV: {
		struct pfj_strv *dst = FIELD(conf, it, struct pfj_strv);
		struct pfj_strv nv = { 0 };
		int n;

		if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
			return fail(ld, s, "setting '%s' must be a list of strings, e.g. [\"a\", \"b\"]",
				    full);
		n = config_setting_length(s);
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *v;

			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				pfj_strv_free(&nv);
				return fail(ld, e, "setting '%s': element %d must be a string",
					    full, i + 1);
			}
			v = config_setting_get_string(e);
			if ((why = string_problem(it->type, v, NULL))) {
				pfj_strv_free(&nv);
				return fail(ld, e, "setting '%s': \"%s\" %s", full, v, why);
			}
			if (pfj_strv_contains(&nv, v)) {
				pfj_strv_free(&nv);
				return fail(ld, e, "setting '%s': \"%s\" is listed twice", full, v);
			}
			if (pfj_strv_add(&nv, v) < 0) {
				pfj_strv_free(&nv);
				return fail(ld, e, "out of memory");
			}
		}
		pfj_strv_free(dst);
		*dst = nv;
		return 0;
	}
	}
	return fail(ld, s, "internal error: bad schema type");
}

/* find_item - schema lookup */
static const struct conf_item *find_item(const char *group, const char *name)
{
	for (size_t i = 0; i < NITEMS; i++) {
		const struct conf_item *it = &schema[i];

		if (((!group && !it->group) ||
		     (group && it->group && strcmp(group, it->group) == 0)) &&
		    strcmp(name, it->name) == 0)
			return it;
	}
	return NULL;
}

static int is_group_name(const char *name)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(groups[i], name) == 0)
			return 1;
	return 0;
}

/* load_tree - walk the parsed file against the schema */
static int load_tree(struct loader *ld, struct pfj_conf *conf, config_t *cfg)
{
	config_setting_t *root = config_root_setting(cfg);
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct conf_item *it;
		char full[256];

		if (is_group_name(name)) {
			int m;

			if (!config_setting_is_group(s))
				return fail(ld, s, "'%s' must be a group: %s = { ... };",
					    name, name);
			m = config_setting_length(s);
			for (int j = 0; j < m; j++) {
				config_setting_t *c = config_setting_get_elem(s, (unsigned)j);

				snprintf(full, sizeof(full), "%s.%s", name,
					 config_setting_name(c));
				if (!(it = find_item(name, config_setting_name(c))))
					return fail(ld, c, "unknown setting '%s'", full);
				if (load_item(ld, conf, it, c, full) < 0)
					return -1;
			}
			continue;
		}
		if (!(it = find_item(NULL, name)))
			return fail(ld, s, "unknown setting '%s'", name);
		if (load_item(ld, conf, it, s, name) < 0)
			return -1;
	}
	return 0;
}

/* cross_check - rules that involve two settings */
static int cross_check(struct loader *ld, struct pfj_conf *conf, config_t *cfg)
{
	for (size_t i = 0; i < conf->master_chroot_exclude.n; i++) {
		if (pfj_strv_contains(&conf->master_chrootable,
				      conf->master_chroot_exclude.v[i]))
			return fail(ld, config_lookup(cfg, "master.chroot_exclude") ?
				    config_lookup(cfg, "master.chroot_exclude") :
				    config_lookup(cfg, "master.chrootable"),
				    "\"%s\" is in both master.chrootable and master.chroot_exclude",
				    conf->master_chroot_exclude.v[i]);
	}
	if (conf->supervise_restart_delay > conf->supervise_restart_delay_max)
		return fail(ld, config_lookup(cfg, "supervise.restart_delay"),
			    "supervise.restart_delay (%d) is larger than supervise.restart_delay_max (%d)",
			    conf->supervise_restart_delay, conf->supervise_restart_delay_max);
	if (conf->supervise_notify_fd >= 0 && conf->supervise_notify_fd <= 2)
		return fail(ld, config_lookup(cfg, "supervise.notify_fd"),
			    "supervise.notify_fd must not be stdin, stdout or stderr");
	return 0;
}

int pfj_config_text_check(const char *text, size_t len, const char *name, char *why,
			  size_t why_size)
{
	unsigned line = 1;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0') {
			snprintf(why, why_size, "%s:%u: a NUL byte; not a configuration file", name, line);
			return -1;
		}
		if (text[i] == '\n') {
			line++;
			continue;
		}
		/* the directive, where libconfig's scanner looks for it: first on a line */
		if (i == 0 || text[i - 1] == '\n') {
			size_t k = i;

			while (k < len && (text[k] == ' ' || text[k] == '\t'))
				k++;
			if (len - k >= 8 && strncasecmp(text + k, "@include", 8) == 0) {
				snprintf(why, why_size,
					 "%s:%u: @include is not allowed: write the settings in this file",
					 name, line);
				return -1;
			}
		}
	}
	return 0;
}

int pfj_conf_load(struct pfj_conf *conf, const char *file, bool missing_ok,
		  char *why, size_t why_size)
{
	struct loader ld = { .file = file, .why = why, .why_size = why_size };
	struct pfj_buf text = { 0 };
	config_t cfg;
	int r;

	if (set_defaults(conf) < 0) {
		snprintf(why, why_size, "out of memory");
		pfj_conf_free(conf);
		return -1;
	}
	if (!file)
		return 0;
	/* read here, not by libconfig: a directory or a FIFO that fails makes
	 * its scanner call exit() */
	r = pfj_read_file(file, CONF_FILE_MAX, &text);
	if (r < 0) {
		if (r == -ENOENT && missing_ok)
			return 0;
		snprintf(why, why_size, "%s: cannot open: %s", file,
			 r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		pfj_conf_free(conf);
		return -1;
	}
	if (pfj_config_text_check(text.data ? text.data : "", text.len, file, why, why_size) < 0) {
		pfj_buf_free(&text);
		pfj_conf_free(conf);
		return -1;
	}
	config_init(&cfg);
	config_set_options(&cfg, 0);	/* no silent int->float conversion */
	if (!config_read_string(&cfg, text.data ? text.data : "")) {
		snprintf(why, why_size, "%s:%d: %s", file, config_error_line(&cfg),
			 config_error_text(&cfg));
		r = -1;
	} else {
		r = load_tree(&ld, conf, &cfg);
		if (r == 0)
			r = cross_check(&ld, conf, &cfg);
	}
	config_destroy(&cfg);
	pfj_buf_free(&text);
	if (r == 0 && !(conf->path = strdup(file))) {
		snprintf(why, why_size, "out of memory");
		r = -1;
	}
	if (r < 0)
		pfj_conf_free(conf);
	return r;
}

void pfj_conf_free(struct pfj_conf *conf)
{
	for (size_t i = 0; i < NITEMS; i++) {
		const struct conf_item *it = &schema[i];

		switch (it->type) {
		case T_STRING: case T_ENUM: case T_USER: case T_PATH:
			free(*FIELD(conf, it, char *));
			*FIELD(conf, it, char *) = NULL;
			break;
		case T_STRV: case T_PATHV: case T_CAPV:
			pfj_strv_free(FIELD(conf, it, struct pfj_strv));
			break;
		default:
			break;
		}
	}
	free(conf->path);
	conf->path = NULL;
}

/* dump_string - a libconfig string literal */
static int dump_string(struct pfj_buf *out, const char *s)
{
	int r = pfj_buf_adds(out, "\"");

	for (; r == 0 && *s; s++) {
		if (*s == '"' || *s == '\\')
			r = pfj_buf_printf(out, "\\%c", *s);
		else
			r = pfj_buf_add(out, s, 1);
	}
	return r ? r : pfj_buf_adds(out, "\"");
}

int pfj_conf_dump(const struct pfj_conf *conf, struct pfj_buf *out)
{
	const char *group = NULL;
	int r = 0;

	for (size_t i = 0; r == 0 && i < NITEMS; i++) {
		const struct conf_item *it = &schema[i];
		const char *ind = it->group ? "\t" : "";

		if (it->group && (!group || strcmp(group, it->group) != 0)) {
			if (group)
				r = pfj_buf_adds(out, "};\n");
			if (!r)
				r = pfj_buf_printf(out, "%s = {\n", it->group);
			group = it->group;
		}
		if (!r)
			r = pfj_buf_printf(out, "%s%s = ", ind, it->name);
		switch (it->type) {
		case T_STRING: case T_ENUM: case T_USER: case T_PATH: {
			const char *v = *FIELD(conf, it, char *);

			if (!r)
				r = dump_string(out, v ? v : "");
			break;
		}
		case T_INT:
			if (!r)
				r = pfj_buf_printf(out, "%d", *FIELD(conf, it, int));
			break;
		case T_BOOL:
			if (!r)
				r = pfj_buf_adds(out, *FIELD(conf, it, bool) ? "true" : "false");
			break;
		case T_STRV: case T_PATHV: case T_CAPV: {
			const struct pfj_strv *sv = FIELD(conf, it, struct pfj_strv);

			if (!r)
				r = pfj_buf_adds(out, "[");
			for (size_t j = 0; r == 0 && j < sv->n; j++) {
				if (j)
					r = pfj_buf_adds(out, ", ");
				if (!r)
					r = dump_string(out, sv->v[j]);
			}
			if (!r)
				r = pfj_buf_adds(out, "]");
			break;
		}
		}
		if (!r)
			r = pfj_buf_adds(out, ";\n");
	}
	if (!r && group)
		r = pfj_buf_adds(out, "};\n");
	return r;
}

int pfj_conf_load_cli(struct pfj_conf *conf, const struct pfj_cli *cli)
{
	char why[1024];
	char *file = cli->conf_file ? strdup(cli->conf_file) : pfj_root_path(cli->root, PFJ_CONF_FILE);
	int r;

	if (!file) {
		pfj_err("out of memory");
		return -1;
	}
	r = pfj_conf_load(conf, file, cli->conf_file == NULL, why, sizeof(why));
	if (r < 0)
		pfj_err("%s", why);
	else
		pfj_debug("configuration: %s", conf->path ? conf->path : "built-in defaults");
	free(file);
	return r;
}
