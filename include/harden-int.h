/*
 * harden-int.h - what the files of "pfjail harden" share, and nothing
 * else: harden.c (the command, the values and the results), hardencheck.c
 * (the checks) and hardenfix.c (--fix).  Other modules use harden.h.
 * Names that cross these files carry the prefix hd_.
 */
#ifndef PFJ_HARDEN_INT_H
#define PFJ_HARDEN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mastercf.h"
#include "util.h"

struct pfj_crypto;
struct pfj_ctx;
struct pfj_json;
struct pfj_run_result;

enum sev { SEV_HIGH, SEV_MEDIUM, SEV_LOW, SEV_INFO };
enum status { ST_PASS, ST_FAIL, ST_INFO };

/* One entry of the checklist (harden.c). */
struct check_def {
	const char *id;
	enum sev sev;
	const char *rationale;
};

/* One finding: a check's outcome for the instance or one service. */
struct result {
	const struct check_def *def;
	char *service;			/* NULL: the whole instance */
	enum status status;
	bool live;
	struct pfj_buf evidence;
	struct pfj_strv fix;		/* command lines for people */
	struct pfj_strv edits;		/* for --fix: "-e" or "-P", then name=value, in pairs */
};

/* postconf's "name = value" lines, sorted by name. */
struct kv {
	char *name, *value;
};

struct kvs {
	struct kv *v;
	size_t n;
};

/* An inet smtpd or postscreen service of master.cf. */
struct service {
	char *name, *type, *command;
	unsigned line;			/* master.cf line of the entry */
	bool postscreen;
	char *pass;			/* postscreen: the "smtpd pass" service behind it */
	bool public;			/* listens on more than loopback */
};

/* One audit of the instance: the values it read and the results so far. */
struct audit {
	struct pfj_ctx *ctx;
	struct kvs main, over;		/* postconf -x and -Px */
	struct pfj_buf maincf;		/* main.cf as it is, to tell a set parameter from a default */
	struct pfj_strv warnings;	/* postconf's warnings, each once */
	struct service *svc;
	size_t nsvc;
	struct pfj_buf mcfbuf;
	struct pfj_mcf mcf;
	char *mcf_path;
	struct result *res;
	size_t nres;
	int oom;			/* an allocation failed: the report would be incomplete */
};

/* ---- harden.c: values as a service sees them */

/* hd_mval - a main.cf value, expanded ("" when postconf does not know it) */
const char *hd_mval(const struct audit *a, const char *name);

/* hd_sv - a parameter as service s sees it (s NULL: main.cf's) */
const char *hd_sv(const struct audit *a, const struct service *s, const char *name);

/* hd_yes - is a boolean parameter's value "yes"? */
bool hd_yes(const char *v);

/* ---- harden.c: results */

/* hd_add_result - a new result of check id (NULL on out of memory, a->oom set) */
struct result *hd_add_result(struct audit *a, const char *id, const struct service *s,
			     enum status st);

/* hd_evidence - append "; "-separated text to a result's evidence (r may be NULL) */
void hd_evidence(struct audit *a, struct result *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* hd_ev_param - evidence "name = value" as service s sees it, naming an override's line */
void hd_ev_param(struct audit *a, struct result *r, const struct service *s, const char *name);

/*
 * hd_fix_set - the fix "name = value" for service s, as a master.cf
 * override where s has one, else in main.cf.  safe: --fix may apply it.
 */
void hd_fix_set(struct audit *a, struct result *r, const struct service *s, const char *name,
		const char *value, bool safe);

/* hd_fix_text - a fix for people, in words or as a command line */
void hd_fix_text(struct audit *a, struct result *r, const char *text);

/* ---- hardencheck.c */

/* hd_in_list - is s one of the NULL-terminated list? */
bool hd_in_list(const char *s, const char *const *list);

/*
 * hd_check_all - every offline check, in report order.  vcode/verify:
 * how pfjail verify exited and what it printed; acode/aliases: what
 * pfj_aliases_root_check answered; c: libcrypto, or NULL with the reason
 * in cwhy.
 */
struct pfj_root_check;
void hd_check_all(struct audit *a, int vcode, const struct pfj_run_result *verify, int acode,
		  const struct pfj_root_check *aliases, const struct pfj_crypto *c, const char *cwhy);

/* ---- hardenfix.c */

/*
 * hd_apply_fixes - the safe fixes of the failed checks: edit a copy with
 * postconf, show the diff (into j when not NULL) and, unless --dry-run,
 * install it.  *changed: whether a file changes.  0 done (or nothing to
 * do), -1 error (reported; everything as it was).
 */
int hd_apply_fixes(struct audit *a, struct pfj_json *j, int *changed);

#endif
