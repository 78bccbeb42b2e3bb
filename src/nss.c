/*
 * nss.c - parse nsswitch.conf(5) from a buffer and work out which NSS
 * modules the jail needs.
 *
 * Daemons in the chroot load libnss_*.so.2 for passwd, group, hosts and
 * services lookups; a module missing from the jail makes those lookups fail
 * quietly. The rules (see nss.h) follow glibc 2.36 and reject lines that
 * glibc would misread without a word. Nothing here prints or touches files.
 */
#include "config.h"

#include "nss.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How much of an offending token an error message quotes. */
#define NSS_QUOTE_MAX	64

/* is_blank - isspace() in the C locale, independent of the current locale */
static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* is_name_char - the bytes pfjail accepts in database and service names */
static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* set_err - fill *err with line and a formatted reason (err may be NULL) */
static int set_err(struct pfj_parse_error *err, unsigned line,
		   const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/* quote - copy at most NSS_QUOTE_MAX bytes of s[0..n) with controls as '?' */
static void quote(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t i, k = 0;

	if (n > NSS_QUOTE_MAX)
		n = NSS_QUOTE_MAX;
	for (i = 0; i < n && k + 1 < dstsz; i++)
		dst[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[k] = '\0';
}

/* all_name_chars - true when s[0..n) is a non-empty [A-Za-z0-9_-]+ */
static int all_name_chars(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return 0;
	return 1;
}

/* find_db - the database called name, or NULL */
static struct pfj_nss_db *find_db(const struct pfj_nsswitch *ns,
				  const char *name)
{
	if (!ns)
		return NULL;
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->db[i].name, name) == 0)
			return &ns->db[i];
	return NULL;
}

/* status_ok - STATUS of "[STATUS=action]" as glibc accepts it */
static int status_ok(const char *s, size_t n)
{
	static const char *const st[] = { "SUCCESS", "NOTFOUND", "UNAVAIL",
					   "TRYAGAIN" };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (n == strlen(st[i]) && strncasecmp(s, st[i], n) == 0)
			return 1;
	return 0;
}

/* action_ok - action of "[STATUS=action]" as glibc accepts it */
static int action_ok(const char *s, size_t n)
{
	static const char *const ac[] = { "RETURN", "CONTINUE", "MERGE" };

	for (size_t i = 0; i < sizeof(ac) / sizeof(ac[0]); i++)
		if (n == strlen(ac[i]) && strncasecmp(s, ac[i], n) == 0)
			return 1;
	return 0;
}

/*
 * parse_actions - check "[...]" starting at *pp (on the '['), leave *pp
 * after the ']'; -1 with *err filled on a bad item
 */
static int parse_actions(const char **pp, const char *end, unsigned line,
			 struct pfj_parse_error *err)
{
	const char *p = *pp + 1, *w;
	char q[NSS_QUOTE_MAX + 1];

	while (p < end && is_blank(*p))
		p++;
	do {
		if (p < end && *p == '!')
			p++;
		for (w = p; p < end && !is_blank(*p) && *p != '=' && *p != ']'; p++)
			;
		if (p == end && w == p)
			return set_err(err, line, "unterminated '['");
		if (!status_ok(w, (size_t)(p - w))) {
			quote(q, sizeof(q), w, (size_t)(p - w));
			return set_err(err, line, "invalid status \"%s\" in action", q);
		}
		while (p < end && is_blank(*p))
			p++;
		if (p == end || *p != '=')
			return set_err(err, line, "missing '=' in action");
		p++;
		while (p < end && is_blank(*p))
			p++;
		for (w = p; p < end && !is_blank(*p) && *p != '=' && *p != ']'; p++)
			;
		if (!action_ok(w, (size_t)(p - w))) {
			quote(q, sizeof(q), w, (size_t)(p - w));
			return set_err(err, line, "invalid action \"%s\"", q);
		}
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			return set_err(err, line, "unterminated '['");
	} while (*p != ']');
	*pp = p + 1;
	return 0;
}

/*
 * parse_services - the services of one line into *sv; -1 with *err filled
 * (on ENOMEM too)
 */
static int parse_services(const char *p, const char *end, unsigned line,
			  struct pfj_strv *sv, struct pfj_parse_error *err)
{
	char q[NSS_QUOTE_MAX + 1], *name;
	const char *w;
	int r;

	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			return 0;
		if (*p == '[')
			return set_err(err, line, "action without a service before it");
		for (w = p; p < end && !is_blank(*p) && *p != '['; p++)
			;
		if (!all_name_chars(w, (size_t)(p - w))) {
			quote(q, sizeof(q), w, (size_t)(p - w));
			return set_err(err, line, "invalid service name \"%s\"", q);
		}
		name = strndup(w, (size_t)(p - w));
		if (!name)
			return set_err(err, 0, "out of memory");
		r = pfj_strv_add(sv, name);
		free(name);
		if (r < 0)
			return set_err(err, 0, "out of memory");
		while (p < end && is_blank(*p))
			p++;
		if (p < end && *p == '[') {
			if (parse_actions(&p, end, line, err) < 0)
				return -1;
			while (p < end && is_blank(*p))
				p++;
			if (p < end && *p == '[')
				return set_err(err, line,
					       "second action block after one service");
		}
	}
}

/* parse_line - one non-blank, non-comment line into *ns */
static int parse_line(const char *p, const char *end, unsigned line,
		      struct pfj_nsswitch *ns, struct pfj_parse_error *err)
{
	struct pfj_strv sv = { 0 };
	struct pfj_nss_db *db, *v;
	char q[NSS_QUOTE_MAX + 1], *name;
	const char *w;
	int colon = 0;

	if (memchr(p, '#', (size_t)(end - p)))
		return set_err(err, line, "'#' after text (glibc does not strip it; "
			       "comments must start the line)");
	for (w = p; p < end && !is_blank(*p) && *p != ':'; p++)
		;
	if (p == w)
		return set_err(err, line, "missing database name");
	if (!all_name_chars(w, (size_t)(p - w))) {
		quote(q, sizeof(q), w, (size_t)(p - w));
		return set_err(err, line, "invalid database name \"%s\"", q);
	}
	name = strndup(w, (size_t)(p - w));
	if (!name)
		return set_err(err, 0, "out of memory");
	for (; p < end && (is_blank(*p) || *p == ':'); p++)
		colon |= *p == ':';
	if (!colon) {
		quote(q, sizeof(q), name, strlen(name));
		free(name);
		return set_err(err, line, "missing ':' after \"%s\"", q);
	}
	if (parse_services(p, end, line, &sv, err) < 0) {
		pfj_strv_free(&sv);
		free(name);
		return -1;
	}
	db = find_db(ns, name);
	if (db) {
		/* glibc 2.33+: a later line replaces an earlier one */
		free(name);
		pfj_strv_free(&db->services);
		db->services = sv;
		db->line = line;
		return 0;
	}
	v = realloc(ns->db, (ns->n + 1) * sizeof(*v));
	if (!v) {
		pfj_strv_free(&sv);
		free(name);
		return set_err(err, 0, "out of memory");
	}
	ns->db = v;
	ns->db[ns->n++] = (struct pfj_nss_db){ .name = name, .line = line,
					       .services = sv };
	return 0;
}

int pfj_nsswitch_parse(const char *buf, size_t len, struct pfj_nsswitch *out,
		       struct pfj_parse_error *err)
{
	const char *p = buf, *end = buf + len, *eol;
	unsigned line = 0;

	*out = (struct pfj_nsswitch){ 0 };
	if (err)
		*err = (struct pfj_parse_error){ 0 };
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (line == UINT_MAX) {
			set_err(err, line, "too many lines");
			goto fail;
		}
		line++;
		if (memchr(p, '\0', (size_t)(eol - p))) {
			set_err(err, line, "NUL byte");
			goto fail;
		}
		while (p < eol && is_blank(*p))
			p++;
		if (p < eol && *p != '#' && parse_line(p, eol, line, out, err) < 0)
			goto fail;
		p = eol < end ? eol + 1 : end;
	}
	return 0;
fail:
	pfj_nsswitch_free(out);
	return -1;
}

void pfj_nsswitch_free(struct pfj_nsswitch *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		free(ns->db[i].name);
		pfj_strv_free(&ns->db[i].services);
	}
	free(ns->db);
	ns->db = NULL;
	ns->n = 0;
}

/* default_line - glibc 2.36's service list for a database not listed */
static const char *default_line(const char *db)
{
	if (strcmp(db, "hosts") == 0 || strcmp(db, "networks") == 0)
		return "dns files";
	if (strcmp(db, "publickey") == 0)
		return "nis nisplus";
	if (strcmp(db, "passwd_compat") == 0 || strcmp(db, "group_compat") == 0 ||
	    strcmp(db, "shadow_compat") == 0)
		return "nis";
	if (strcmp(db, "initgroups") == 0)
		return "";	/* no list: glibc then walks the group services */
	return "files";
}

const struct pfj_strv *pfj_nsswitch_services(const struct pfj_nsswitch *ns,
					     const char *db,
					     struct pfj_strv *scratch)
{
	const struct pfj_nss_db *d = find_db(ns, db);
	const char *fallback = NULL, *s, *w;
	char word[32];

	if (d)
		return &d->services;
	if (strcmp(db, "shadow") == 0)
		fallback = "passwd";
	else if (strcmp(db, "gshadow") == 0 || strcmp(db, "initgroups") == 0)
		fallback = "group";
	else if (strcmp(db, "shadow_compat") == 0)
		fallback = "passwd_compat";
	if (fallback && (d = find_db(ns, fallback)))
		return &d->services;
	pfj_strv_free(scratch);
	if (strcmp(db, "initgroups") == 0)
		return pfj_nsswitch_services(ns, "group", scratch);
	for (s = default_line(db); *s; s = *w ? w + 1 : w) {
		w = strchrnul(s, ' ');
		snprintf(word, sizeof(word), "%.*s", (int)(w - s), s);
		if (pfj_strv_add(scratch, word) < 0) {
			pfj_strv_free(scratch);
			return NULL;
		}
	}
	return scratch;
}

int pfj_nss_modules(const struct pfj_nsswitch *ns, const char *const *dbs,
		    size_t n_dbs, int builtin_files_dns,
		    struct pfj_strv *sonames)
{
	struct pfj_strv scratch = { 0 };
	const struct pfj_strv *sv;
	size_t n0 = sonames->n;
	char *so;
	int r = 0;

	for (size_t i = 0; i < n_dbs && r == 0; i++) {
		sv = pfj_nsswitch_services(ns, dbs[i], &scratch);
		if (!sv) {
			r = -ENOMEM;
			break;
		}
		for (size_t j = 0; j < sv->n && r == 0; j++) {
			if (builtin_files_dns && (strcmp(sv->v[j], "files") == 0 ||
						  strcmp(sv->v[j], "dns") == 0))
				continue;
			so = pfj_asprintf("libnss_%s.so.2", sv->v[j]);
			if (!so)
				r = -ENOMEM;
			else if (!pfj_strv_contains(sonames, so))
				r = pfj_strv_add(sonames, so);
			free(so);
		}
	}
	pfj_strv_free(&scratch);
	if (r < 0) {
		/* put *sonames back the way the caller gave it */
		while (sonames->n > n0)
			free(sonames->v[--sonames->n]);
		if (sonames->v)
			sonames->v[n0] = NULL;
	}
	return r;
}

/* parse_uint - leading decimal digits of *s into *v (at most 9 digits) */
static int parse_uint(const char **s, unsigned *v)
{
	const char *p = *s;
	unsigned x = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - *s >= 9)
			return -1;
		x = x * 10 + (unsigned)(*p - '0');
	}
	*s = p;
	*v = x;
	return 0;
}

int pfj_glibc_has_builtin_files_dns(const char *version)
{
	const char *p = version;
	unsigned major, minor;

	if (!p || parse_uint(&p, &major) < 0 || *p++ != '.' ||
	    parse_uint(&p, &minor) < 0)
		return -EINVAL;
	return major > 2 || (major == 2 && minor >= 34);
}
