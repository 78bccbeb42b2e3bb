/*
 * harden.c - "pfjail harden": audit a Postfix instance against the
 * hardening checklist of the guides pfjail comes from.
 *
 * Every value comes from Postfix itself: postconf -x (main.cf, expanded),
 * postconf -n (what is set explicitly, and postconf's own warnings),
 * postconf -Px (master.cf's -o overrides, expanded) and postconf -M (the
 * services).  Each inet smtpd service is judged with its own overrides; a
 * postscreen service with those of the smtpd behind it ("smtpd pass").
 * master.cf is parsed only to name the line of an override.
 *
 * The jail (verify) and root's alias (aliases --check) are pfjail's own
 * commands, run as children while postconf runs.  --probe adds the live
 * view of probe.c under the same ids; --fix applies the edits that need no
 * judgement to a copy, checks the copy with postconf, then replaces
 * main.cf (and master.cf) atomically, keeping the previous file and a
 * "postconf -n" snapshot beside it, and puts the previous file back when
 * "postfix check" fails afterwards.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfile.h"
#include "chrootplan.h"
#include "command.h"
#include "crypto.h"
#include "diff.h"
#include "harden.h"
#include "json.h"
#include "log.h"
#include "mastercf.h"
#include "probe.h"
#include "proc.h"
#include "safefile.h"
#include "state.h"
#include "util.h"

enum sev { SEV_HIGH, SEV_MEDIUM, SEV_LOW, SEV_INFO };
enum status { ST_PASS, ST_FAIL, ST_INFO };

static const char *const sev_names[] = { "high", "medium", "low", "info" };
static const char *const status_names[] = { "pass", "fail", "info" };

struct check_def {
	const char *id;
	enum sev sev;
	const char *rationale;
};

/* The checklist.  Ids are stable: fleets key on them. */
static const struct check_def defs[] = {
	{ "config-warnings", SEV_MEDIUM,
	  "postconf must print no warning before anything is hardened: an unused or undefined "
	  "parameter is a typo or a leftover that does not do what it seems to" },
	{ "vrfy", SEV_MEDIUM,
	  "VRFY tells anyone which addresses exist (252 against 550); disable_vrfy_command = yes "
	  "answers 502 to all" },
	{ "helo-required", SEV_LOW,
	  "clients that skip HELO/EHLO are almost always spamware; requiring it costs real "
	  "clients nothing" },
	{ "banner", SEV_LOW,
	  "the greeting should not name the software, its version or the OS: it tells an "
	  "attacker which exploits to try (Lynis MAIL-8818)" },
	{ "inet-interfaces", SEV_MEDIUM,
	  "a host that only sends mail should listen on loopback only (inet_interfaces = "
	  "loopback-only, CIS); ignore where another listener is meant" },
	{ "mynetworks", SEV_HIGH,
	  "mynetworks is trusted to relay: it should hold loopback plus the networks meant, "
	  "nothing wider than /24 (IPv4) or /64 (IPv6) and no public range" },
	{ "open-relay", SEV_HIGH,
	  "relay or recipient restrictions must refuse foreign destinations "
	  "(reject_unauth_destination or defer_unauth_destination) before any permit but "
	  "permit_mynetworks, permit_sasl_authenticated or permit_tls_clientcerts" },
	{ "routing-tricks", SEV_MEDIUM,
	  "sender-specified routing (user%domain, bang paths, quoted addresses) lets an outsider "
	  "relay through a host behind this one; allow_untrusted_routing must be no" },
	{ "enumeration", SEV_MEDIUM,
	  "unknown recipients should be refused at RCPT time (smtpd_reject_unlisted_recipient = "
	  "yes) with a permanent code; 450 in unknown_local_recipient_reject_code means \"still "
	  "testing\"" },
	{ "tls-protocols", SEV_HIGH,
	  "SSLv2, SSLv3, TLSv1 and TLSv1.1 are broken or deprecated (RFC 8996); the server "
	  "should offer TLS and only TLSv1.2 or later" },
	{ "auth-over-tls", SEV_HIGH,
	  "with SASL on, AUTH must be offered only after STARTTLS (smtpd_tls_auth_only = yes), "
	  "or passwords cross the network in the clear" },
	{ "tls-logging", SEV_LOW,
	  "smtpd_tls_loglevel and smtp_tls_loglevel 1 log each TLS session's protocol and "
	  "cipher, what an incident needs" },
	{ "dh-params", SEV_MEDIUM,
	  "a DH group under 2048 bits is breakable (Logjam); an empty "
	  "smtpd_tls_dh1024_param_file uses OpenSSL's built-in 2048-bit group" },
	{ "cert-key", SEV_MEDIUM,
	  "the server certificate's key should be RSA of 2048 bits or more, or EC, and the "
	  "certificate not expired; a self-signed (snakeoil) one is fine only for opportunistic TLS" },
	{ "smarthost-sasl", SEV_HIGH,
	  "a password sent to a smarthost must go over TLS the client insists on (encrypt or "
	  "stronger), never anonymously, and the password map must be readable by root only" },
	{ "recipient-limit", SEV_LOW,
	  "the guides suggest smtpd_recipient_limit about 150; mailing-list hosts may need more" },
	{ "dnsbl", SEV_LOW,
	  "advice: a host that receives mail from the Internet should consult a DNSBL "
	  "(reject_rbl_client or postscreen_dnsbl_sites); ignore for relays of local or "
	  "authenticated clients; maps_rbl_domains is obsolete" },
	{ "rate-limits", SEV_LOW,
	  "advice: anvil's per-client connection, message and recipient rate limits slow down "
	  "abuse; ignore on hosts whose clients are all trusted" },
	{ "greylisting", SEV_LOW,
	  "advice: greylisting (a policy service) or postscreen's deep protocol tests stop much "
	  "spamware; ignore for relays of local or authenticated clients" },
	{ "masquerade", SEV_INFO,
	  "advice: masquerade_domains = $mydomain hides internal host names in sender "
	  "addresses; ignore when they are meant to show" },
	{ "chroot", SEV_MEDIUM,
	  "every Postfix daemon that can run chrooted should, in a jail that verify finds "
	  "exactly as build placed it" },
	{ "root-alias", SEV_MEDIUM,
	  "mail for root should reach a person who reads it, not an account with uid 0" },
	{ "live-mismatch", SEV_MEDIUM,
	  "the live server behaves otherwise than its configuration says: something (OpenSSL's "
	  "system configuration, a map, a policy service) changes the outcome" },
};

/* Fixes --fix applies without asking: they change no mail flow. */
static const char *const safe_ids[] = {
	"vrfy", "helo-required", "banner", "tls-protocols", "auth-over-tls", "tls-logging",
	"smarthost-sasl", NULL,
};

struct result {
	const struct check_def *def;
	char *service;			/* NULL: the whole instance */
	enum status status;
	bool live;
	struct pfj_buf evidence;
	struct pfj_strv fix;		/* command lines for people */
	struct pfj_strv edits;		/* for --fix: "-e" or "-P", then name=value, in pairs */
};

struct kv {
	char *name, *value;
};

struct kvs {
	struct kv *v;
	size_t n;
};

struct service {
	char *name, *type, *command;
	unsigned line;			/* master.cf line of the entry */
	bool postscreen;
	char *pass;			/* postscreen: the "smtpd pass" service behind it */
	bool public;			/* listens on more than loopback */
};

struct audit {
	struct pfj_ctx *ctx;
	struct kvs main, over;
	struct pfj_buf maincf;		/* main.cf as it is, to tell a set parameter from a default */
	struct pfj_strv warnings;
	struct service *svc;
	size_t nsvc;
	struct pfj_buf mcfbuf;
	struct pfj_mcf mcf;
	char *mcf_path;
	struct result *res;
	size_t nres;
	int oom;
};

/* ---------------------------------------------------------------- values */

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->name, ((const struct kv *)b)->name);
}

/* parse_kvs - "name = value" lines (postconf's output), sorted by name */
static int parse_kvs(const char *text, struct kvs *out)
{
	const char *p = text;
	size_t cap = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n'), *eq;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if ((eq = memchr(p, '=', len)) && eq > p) {
			const char *ne = eq, *vs = eq + 1;

			while (ne > p && ne[-1] == ' ')
				ne--;
			if (*vs == ' ')
				vs++;
			if (out->n == cap) {
				struct kv *nv = realloc(out->v, (cap = cap ? 2 * cap : 512) * sizeof(*nv));

				if (!nv)
					return -ENOMEM;
				out->v = nv;
			}
			out->v[out->n].name = strndup(p, (size_t)(ne - p));
			out->v[out->n].value = strndup(vs, len - (size_t)(vs - p));
			if (!out->v[out->n].name || !out->v[out->n].value) {
				free(out->v[out->n].name);
				free(out->v[out->n].value);
				return -ENOMEM;
			}
			out->n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), kv_cmp);
	return 0;
}

static void kvs_free(struct kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free(k->v[i].value);
	}
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

static const char *kvs_get(const struct kvs *k, const char *name)
{
	struct kv key = { .name = (char *)name }, *f;

	if (!k->n)
		return NULL;
	f = bsearch(&key, k->v, k->n, sizeof(*k->v), kv_cmp);
	return f ? f->value : NULL;
}

/* mval - a main.cf value, expanded ("" when postconf does not know it) */
static const char *mval(const struct audit *a, const char *name)
{
	const char *v = kvs_get(&a->main, name);

	return v ? v : "";
}

/*
 * override_line - the master.cf line that holds "-o NAME=" in the entry
 * NAME/TYPE, or the entry's first line.
 */
static unsigned override_line(const struct audit *a, const char *svc, const char *type,
			      const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < a->mcf.n; i++) {
		const struct pfj_mcf_entry *e = &a->mcf.ent[i];
		const char *p = a->mcfbuf.data;
		unsigned line = 1;

		if (strcmp(e->field[PFJ_MCF_SERVICE], svc) || strcmp(e->field[PFJ_MCF_TYPE], type))
			continue;
		for (size_t off = 0; off < a->mcfbuf.len && line <= e->last_line; off++) {
			if (line >= e->first_line) {
				const char *s = p + off;

				if (strncmp(s, name, nl) == 0 &&
				    (off == 0 || (!isalnum((unsigned char)s[-1]) && s[-1] != '_')) &&
				    (s[nl] == '=' || s[nl] == ' '))
					return line;
			}
			if (p[off] == '\n')
				line++;
		}
		return e->first_line;
	}
	return 0;
}

/*
 * sval - a parameter as service s sees it: its own -o override, then (for
 * postscreen) the smtpd behind it, then main.cf.  *line gets the master.cf
 * line of an override (0 for main.cf); *where the "svc/type" it came from.
 */
static const char *sval(const struct audit *a, const struct service *s, const char *name,
			unsigned *line, const char **where_name, const char **where_type)
{
	const char *names[2] = { s ? s->name : NULL, s ? s->pass : NULL };
	const char *types[2] = { s ? s->type : NULL, "pass" };

	for (int i = 0; i < 2; i++) {
		char key[512];
		const char *v;

		if (!names[i])
			continue;
		snprintf(key, sizeof(key), "%s/%s/%s", names[i], types[i], name);
		if ((v = kvs_get(&a->over, key))) {
			if (line)
				*line = override_line(a, names[i], types[i], name);
			if (where_name)
				*where_name = names[i];
			if (where_type)
				*where_type = types[i];
			return v;
		}
	}
	if (line)
		*line = 0;
	if (where_name)
		*where_name = NULL;
	return mval(a, name);
}

static const char *sv(const struct audit *a, const struct service *s, const char *name)
{
	return sval(a, s, name, NULL, NULL, NULL);
}

static bool yes(const char *v)
{
	return v && strcasecmp(v, "yes") == 0;
}

/* ---------------------------------------------------------------- results */

static const struct check_def *def_of(const char *id)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(defs[i].id, id) == 0)
			return &defs[i];
	return NULL;
}

static struct result *add_result(struct audit *a, const char *id, const struct service *s,
				 enum status st)
{
	struct result *nr = realloc(a->res, (a->nres + 1) * sizeof(*nr)), *r;

	if (!nr) {
		a->oom = 1;
		return NULL;
	}
	a->res = nr;
	r = &a->res[a->nres];
	memset(r, 0, sizeof(*r));
	r->def = def_of(id);
	r->status = st;
	if (s && !(r->service = strdup(s->name))) {
		a->oom = 1;
		return NULL;
	}
	a->nres++;
	return r;
}

static void result_free(struct result *r)
{
	free(r->service);
	pfj_buf_free(&r->evidence);
	pfj_strv_free(&r->fix);
	pfj_strv_free(&r->edits);
}

/* evidence - append "; "-separated text to a result's evidence */
__attribute__((format(printf, 3, 4)))
static void evidence(struct audit *a, struct result *r, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	if (!r)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((r->evidence.len && pfj_buf_adds(&r->evidence, "; ") < 0) ||
	    pfj_buf_adds(&r->evidence, buf) < 0)
		a->oom = 1;
}

/* ev_param - "name = value" as service s sees it, naming an override's line */
static void ev_param(struct audit *a, struct result *r, const struct service *s, const char *name)
{
	unsigned line = 0;
	const char *wn = NULL, *wt = NULL;
	const char *v = sval(a, s, name, &line, &wn, &wt);

	if (wn)
		evidence(a, r, "%s = %s (%s:%u, -o in %s/%s)", name, v, a->mcf_path, line, wn, wt);
	else
		evidence(a, r, "%s = %s", name, v);
}

/*
 * fix_set - the fix "name = value" for service s: where s overrides the
 * parameter, its master.cf override (postconf -P); else main.cf
 * (postconf -e).  safe: --fix may apply it.
 */
static void fix_set(struct audit *a, struct result *r, const struct service *s, const char *name,
		    const char *value, bool safe)
{
	const char *wn = NULL, *wt = NULL;
	char *line = NULL, *arg = NULL;

	if (!r)
		return;
	(void)sval(a, s, name, NULL, &wn, &wt);
	if (wn) {
		arg = pfj_asprintf("%s/%s/%s=%s", wn, wt, name, value);
		line = pfj_asprintf("postconf -P '%s'", arg ? arg : "");
	} else {
		arg = pfj_asprintf("%s=%s", name, value);
		line = pfj_asprintf("postconf -e '%s = %s'", name, value);
	}
	if (!arg || !line || (!pfj_strv_contains(&r->fix, line) && pfj_strv_add(&r->fix, line) < 0) ||
	    (safe && (pfj_strv_add(&r->edits, wn ? "-P" : "-e") < 0 ||
		      pfj_strv_add(&r->edits, arg) < 0)))
		a->oom = 1;
	free(arg);
	free(line);
}

static void fix_text(struct audit *a, struct result *r, const char *text)
{
	if (r && !pfj_strv_contains(&r->fix, text) && pfj_strv_add(&r->fix, text) < 0)
		a->oom = 1;
}

/* ---------------------------------------------------------------- parsing helpers */

int pfj_harden_split(const char *value, struct pfj_strv *out)
{
	const char *p = value ? value : "";

	while (*p) {
		const char *s;
		int depth = 0;
		char *tok;

		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && (depth || !(isspace((unsigned char)*p) || *p == ','))) {
			if (*p == '{')
				depth++;
			else if (*p == '}' && depth)
				depth--;
			p++;
		}
		if (!(tok = strndup(s, (size_t)(p - s))) || pfj_strv_add(out, tok) < 0) {
			free(tok);
			return -ENOMEM;
		}
		free(tok);
	}
	return 0;
}

const char *const pfj_tls_proto_names[PFJ_TLS_NPROTO] = {
	"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3",
};

static int proto_index(const char *name)
{
	for (int i = 0; i < PFJ_TLS_NPROTO; i++)
		if (strcasecmp(pfj_tls_proto_names[i], name) == 0)
			return i;
	return -1;
}

unsigned pfj_harden_protocols(const char *value)
{
	struct pfj_strv t = { 0 };
	unsigned all = (1u << PFJ_TLS_NPROTO) - 1, include = 0, exclude = 0;
	int lo = 0, hi = PFJ_TLS_NPROTO - 1, any_include = 0;

	if (pfj_harden_split(value, &t) < 0) {
		pfj_strv_free(&t);
		return all;
	}
	for (size_t i = 0; i < t.n; i++) {
		const char *s = t.v[i];
		int k;

		if (s[0] == '!') {
			if ((k = proto_index(s + 1)) >= 0)
				exclude |= 1u << k;
		} else if (strncmp(s, ">=", 2) == 0) {
			if ((k = proto_index(s + 2)) >= 0)
				lo = k;
		} else if (strncmp(s, "<=", 2) == 0) {
			if ((k = proto_index(s + 2)) >= 0)
				hi = k;
		} else if ((k = proto_index(s)) >= 0) {
			include |= 1u << k;
			any_include = 1;
		}
	}
	pfj_strv_free(&t);
	if (any_include)
		all = include;
	for (int k = 0; k < PFJ_TLS_NPROTO; k++)
		if (k < lo || k > hi)
			all &= ~(1u << k);
	return all & ~exclude;
}

static const char *const trusted_permits[] = {
	"permit_mynetworks", "permit_sasl_authenticated", "permit_tls_clientcerts",
	"permit_auth_destination", NULL,
};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

int pfj_harden_relay_guard(const char *value, char *culprit, size_t culprit_size)
{
	static const char *const refusals[] = {
		"reject_unauth_destination", "defer_unauth_destination", "reject", "defer",
		"defer_all", NULL,
	};
	struct pfj_strv t = { 0 };
	int guarded = 0;

	snprintf(culprit, culprit_size, "%s", "");
	if (pfj_harden_split(value, &t) < 0) {
		pfj_strv_free(&t);
		return 0;
	}
	for (size_t i = 0; i < t.n; i++) {
		if (in_list(t.v[i], refusals)) {
			guarded = 1;
			break;
		}
		if (strncmp(t.v[i], "permit", 6) == 0 && !in_list(t.v[i], trusted_permits)) {
			snprintf(culprit, culprit_size, "%s", t.v[i]);
			break;
		}
	}
	pfj_strv_free(&t);
	return guarded;
}

int pfj_harden_network(const char *elem)
{
	char addr[128];
	const char *slash;
	unsigned char b[16];
	long len = -1;
	int v6, r = 0;
	size_t al;

	if (!elem || !*elem || elem[0] == '/')
		return -1;	/* a file, or (below) a type:table that is no address */
	slash = strrchr(elem, '/');
	al = slash ? (size_t)(slash - elem) : strlen(elem);
	if (elem[0] == '[') {
		if (al < 2 || elem[al - 1] != ']' || al - 2 >= sizeof(addr))
			return -1;
		memcpy(addr, elem + 1, al - 2);
		addr[al - 2] = '\0';
	} else {
		if (al >= sizeof(addr))
			return -1;
		memcpy(addr, elem, al);
		addr[al] = '\0';
	}
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, b) != 1)
		return -1;
	if (slash) {
		char *end;

		len = strtol(slash + 1, &end, 10);
		if (*end || len < 0 || len > (v6 ? 128 : 32))
			return -1;
	} else {
		len = v6 ? 128 : 32;
	}
	if (v6 && memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 && len >= 96) {
		/* IPv4-mapped: judge the IPv4 part */
		memmove(b, b + 12, 4);
		len -= 96;
		v6 = 0;
	}
	if (v6) {
		static const unsigned char loop[16] = { [15] = 1 };

		if (len < 64 && memcmp(b, loop, 16) != 0)
			r |= 1;
		if (!(memcmp(b, loop, 16) == 0 || (b[0] & 0xfe) == 0xfc ||
		      (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)) || len < 7)
			r |= 2;
	} else {
		if (len < 24 && !(b[0] == 127 && len >= 8))	/* loopback is this host */
			r |= 1;
		if (!(b[0] == 127 || b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		      (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
		      (b[0] == 100 && (b[1] & 0xc0) == 64)) ||
		    (b[0] == 10 && len < 8) || (b[0] == 172 && len < 12) ||
		    (b[0] == 192 && b[1] == 168 && len < 16) || (b[0] == 127 && len < 8))
			r |= 2;
	}
	return r;
}

/* ---------------------------------------------------------------- gathering */

/* run_postconf_start - postconf -c DIR FLAGS... */
static int run_start(const char *const argv[], struct pfj_proc *p, const char *what)
{
	int r = pfj_run_start_many(argv, NULL, p);

	if (r < 0)
		pfj_err("cannot run %s: %s", what, strerror(-r));
	return r;
}

/*
 * finish - collect a postconf run; its fatal error (which names the file
 * and line of a broken main.cf) becomes pfjail's.  Warnings are kept.
 */
static int finish_postconf(struct audit *a, struct pfj_proc *p, const char *flag,
			   struct pfj_run_result *res)
{
	char desc[64];
	int r = pfj_run_finish(p, res);

	if (r < 0) {
		pfj_err("postconf %s -c %s: %s", flag, a->ctx->pc.config_dir, strerror(-r));
		return -1;
	}
	if (!WIFEXITED(res->status) || WEXITSTATUS(res->status) != 0) {
		const char *why = pfj_run_first_error(res);

		pfj_err("postconf %s -c %s failed (%s): %s; nothing changed", flag,
			a->ctx->pc.config_dir, pfj_run_describe(res->status, desc, sizeof(desc)),
			why && *why ? why : "no message");
		return -1;
	}
	return 0;
}

/* keep_warnings - postconf's "warning:" lines, each once */
static void keep_warnings(struct audit *a, const struct pfj_buf *err)
{
	const char *p = err->data;

	while (p && *p) {
		const char *nl = strchr(p, '\n'), *w;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (!line) {
			a->oom = 1;
			return;
		}
		if ((w = strstr(line, "warning: ")) && !pfj_strv_contains(&a->warnings, w + 9) &&
		    pfj_strv_add(&a->warnings, w + 9) < 0)
			a->oom = 1;
		free(line);
		p = nl ? nl + 1 : NULL;
	}
}

/* self_exe - this program, to run pfjail's own verify and aliases --check */
static int self_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* self_argv - "pfjail [-f F] [-c D] [-R R] CMD [ARG]" */
static void self_argv(const struct pfj_ctx *ctx, const char *exe, const char **argv,
		      const char *cmd, const char *arg)
{
	const struct pfj_cli *cli = ctx->cli;
	int n = 0;

	argv[n++] = exe;
	if (cli->conf_file) {
		argv[n++] = "-f";
		argv[n++] = cli->conf_file;
	}
	if (cli->config_dir_given) {
		argv[n++] = "-c";
		argv[n++] = cli->config_dir;
	}
	if (cli->root) {
		argv[n++] = "-R";
		argv[n++] = cli->root;
	}
	argv[n++] = cmd;
	if (arg)
		argv[n++] = arg;
	argv[n] = NULL;
}

/* cmd_base - the daemon an entry runs (basename of the command field) */
static const char *cmd_base(const struct pfj_mcf_entry *e)
{
	const char *c = e->field[PFJ_MCF_COMMAND], *sl = strrchr(c, '/');

	return sl ? sl + 1 : c;
}

/*
 * find_services - the inet smtpd and postscreen services of master.cf, as
 * pfjail's parser (the same split as postconf -M) has them
 */
static int find_services(struct audit *a)
{
	const char *pass = NULL;

	for (size_t i = 0; i < a->mcf.n; i++) {
		const struct pfj_mcf_entry *e = &a->mcf.ent[i];

		if (!pass && strcmp(e->field[PFJ_MCF_TYPE], "pass") == 0 && strcmp(cmd_base(e), "smtpd") == 0)
			pass = e->field[PFJ_MCF_SERVICE];
	}
	for (size_t i = 0; i < a->mcf.n; i++) {
		const struct pfj_mcf_entry *e = &a->mcf.ent[i];
		const char *cmd = cmd_base(e), *colon;
		struct service *ns, *s;

		if (strcmp(e->field[PFJ_MCF_TYPE], "inet") ||
		    (strcmp(cmd, "smtpd") && strcmp(cmd, "postscreen")))
			continue;
		if (!(ns = realloc(a->svc, (a->nsvc + 1) * sizeof(*ns))))
			return -ENOMEM;
		a->svc = ns;
		s = &a->svc[a->nsvc];
		memset(s, 0, sizeof(*s));
		s->postscreen = strcmp(cmd, "postscreen") == 0;
		s->name = strdup(e->field[PFJ_MCF_SERVICE]);
		s->type = strdup(e->field[PFJ_MCF_TYPE]);
		s->command = strdup(cmd);
		s->pass = s->postscreen && pass ? strdup(pass) : NULL;
		s->line = e->first_line;
		a->nsvc++;
		if (!s->name || !s->type || !s->command || (s->postscreen && pass && !s->pass))
			return -ENOMEM;
		/* a host part other than loopback, or none: listens for the network */
		colon = strrchr(s->name, ':');
		s->public = !colon || !(strncmp(s->name, "127.", 4) == 0 ||
					strncmp(s->name, "[::1]:", 6) == 0 ||
					strncmp(s->name, "localhost:", 10) == 0);
	}
	return 0;
}

/* ---------------------------------------------------------------- checks */

static void check_config_warnings(struct audit *a)
{
	struct result *r = add_result(a, "config-warnings", NULL, a->warnings.n ? ST_FAIL : ST_PASS);

	if (!a->warnings.n) {
		evidence(a, r, "postconf prints no warning");
		return;
	}
	for (size_t i = 0; i < a->warnings.n; i++) {
		const char *w = a->warnings.v[i], *u = strstr(w, "unused parameter: ");

		evidence(a, r, "%s", w);
		if (u) {
			char name[256];

			if (sscanf(u + 18, "%255[^=]", name) == 1) {
				char *fx = pfj_asprintf("postconf -X %s", name);

				if (!fx)
					a->oom = 1;
				else
					fix_text(a, r, fx);
				free(fx);
			}
		}
	}
	fix_text(a, r, "correct or remove each parameter postconf warns about");
}

/* a per-service yes/no check: fail unless NAME is yes */
static void check_yes(struct audit *a, const char *id, const struct service *s, const char *name)
{
	bool ok = yes(sv(a, s, name));
	struct result *r = add_result(a, id, s, ok ? ST_PASS : ST_FAIL);

	ev_param(a, r, s, name);
	if (!ok)
		fix_set(a, r, s, name, "yes", true);
}

static bool names_software(const struct audit *a, const char *banner, char *what, size_t size)
{
	static const char *const os[] = {
		"Debian", "Ubuntu", "GNU", "Linux", "Red Hat", "RedHat", "CentOS", "Fedora",
		"Rocky", "AlmaLinux", "SUSE", "FreeBSD", "OpenBSD", "NetBSD", "Alpine", "Raspbian",
		"Gentoo", "Arch", NULL,
	};
	const char *mail_name = mval(a, "mail_name"), *ver = mval(a, "mail_version");

	if (*mail_name && strcasestr(banner, mail_name)) {
		snprintf(what, size, "the software name \"%s\"", mail_name);
		return true;
	}
	if (strcasestr(banner, "postfix")) {
		snprintf(what, size, "\"Postfix\"");
		return true;
	}
	if (*ver && strstr(banner, ver)) {
		snprintf(what, size, "the version %s", ver);
		return true;
	}
	for (int i = 0; os[i]; i++) {
		const char *m = strcasestr(banner, os[i]);
		size_t l = strlen(os[i]);

		if (m && (m == banner || !isalnum((unsigned char)m[-1])) && !isalnum((unsigned char)m[l])) {
			snprintf(what, size, "the OS \"%s\"", os[i]);
			return true;
		}
	}
	return false;
}

static void check_banner(struct audit *a, const struct service *s)
{
	char what[128];
	bool bad = names_software(a, sv(a, s, "smtpd_banner"), what, sizeof(what));
	struct result *r = add_result(a, "banner", s, bad ? ST_FAIL : ST_PASS);

	ev_param(a, r, s, "smtpd_banner");
	if (bad) {
		evidence(a, r, "it names %s", what);
		fix_set(a, r, s, "smtpd_banner", "$myhostname ESMTP", true);
	}
}

static void check_inet_interfaces(struct audit *a)
{
	const char *v = mval(a, "inet_interfaces");
	bool loopback = strcmp(v, "loopback-only") == 0 || strcmp(v, "localhost") == 0 ||
			strcmp(v, "127.0.0.1") == 0 || strcmp(v, "[::1]") == 0 ||
			strcmp(v, "127.0.0.1, [::1]") == 0 || strcmp(v, "127.0.0.1 [::1]") == 0;
	size_t public = 0;
	struct result *r;

	for (size_t i = 0; i < a->nsvc; i++)
		public += a->svc[i].public;
	r = add_result(a, "inet-interfaces", NULL, loopback || public ? ST_PASS : ST_INFO);
	evidence(a, r, "inet_interfaces = %s", v);
	if (loopback)
		return;
	if (public) {
		evidence(a, r, "%zu smtpd service%s listen%s for the network, as meant", public,
			 public == 1 ? "" : "s", public == 1 ? "s" : "");
	} else {
		evidence(a, r, "master.cf has no public smtpd service: nothing needs more than loopback");
		fix_set(a, r, NULL, "inet_interfaces", "loopback-only", false);
	}
}

/*
 * main_sets - does main.cf define NAME?  A definition starts in the first
 * column ("name = value"; lines that start with white space continue the
 * one before), which is all it takes to tell a setting from a default.
 */
static bool main_sets(const struct audit *a, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = a->maincf.data; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p + n;

		if (strncmp(p, name, n) != 0)
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=')
			return true;
	}
	return false;
}

static void check_mynetworks(struct audit *a)
{
	const char *style = mval(a, "mynetworks_style");
	bool unset = !main_sets(a, "mynetworks");
	struct pfj_strv t = { 0 };
	struct result *r = add_result(a, "mynetworks", NULL, ST_PASS);

	if (!r)
		return;
	evidence(a, r, "mynetworks = %s", mval(a, "mynetworks"));
	if (unset && (strcmp(style, "class") == 0 || strcmp(style, "subnet") == 0)) {
		r->status = ST_FAIL;
		evidence(a, r, "mynetworks is unset and mynetworks_style = %s trusts every host of "
			 "this machine's %s", style, strcmp(style, "class") == 0 ? "network classes" :
			 "subnets");
	}
	if (pfj_harden_split(mval(a, "mynetworks"), &t) < 0)
		a->oom = 1;
	for (size_t i = 0; i < t.n; i++) {
		int j = pfj_harden_network(t.v[i]);

		if (j < 0)
			evidence(a, r, "%s is a table or file, not inspected", t.v[i]);
		if (j > 0) {
			r->status = ST_FAIL;
			evidence(a, r, "%s is %s%s%s", t.v[i], j & 1 ? "wider than /24 (IPv4) or /64 (IPv6)" : "",
				 j == 3 ? " and " : "", j & 2 ? "a public range" : "");
		}
	}
	pfj_strv_free(&t);
	if (r->status == ST_FAIL)
		fix_text(a, r, "postconf -e 'mynetworks = 127.0.0.0/8 [::1]/128' (plus the networks "
			 "meant); never changed by --fix: relaying is a decision");
}

static void check_open_relay(struct audit *a, const struct service *s)
{
	char c1[128], c2[128];
	int g1 = pfj_harden_relay_guard(sv(a, s, "smtpd_relay_restrictions"), c1, sizeof(c1));
	int g2 = pfj_harden_relay_guard(sv(a, s, "smtpd_recipient_restrictions"), c2, sizeof(c2));
	struct result *r = add_result(a, "open-relay", s, g1 || g2 ? ST_PASS : ST_FAIL);

	ev_param(a, r, s, "smtpd_relay_restrictions");
	ev_param(a, r, s, "smtpd_recipient_restrictions");
	if (g1 || g2)
		return;
	if (*c1)
		evidence(a, r, "%s comes before any refusal in smtpd_relay_restrictions", c1);
	if (*c2)
		evidence(a, r, "%s comes before any refusal in smtpd_recipient_restrictions", c2);
	if (!*c1 && !*c2)
		evidence(a, r, "neither list refuses unauthorised destinations");
	fix_set(a, r, s, "smtpd_relay_restrictions",
		"permit_mynetworks permit_sasl_authenticated defer_unauth_destination", false);
	fix_text(a, r, "never changed by --fix: relaying is a decision");
}

static void check_routing(struct audit *a)
{
	static const char *const names[] = {
		"allow_untrusted_routing", "resolve_dequoted_address", "swap_bangpath",
		"allow_percent_hack", NULL,
	};
	bool untrusted = yes(mval(a, "allow_untrusted_routing"));
	struct result *r = add_result(a, "routing-tricks", NULL, untrusted ? ST_FAIL : ST_PASS);

	for (int i = 0; names[i]; i++)
		evidence(a, r, "%s = %s", names[i], mval(a, names[i]));
	if (untrusted) {
		evidence(a, r, "mail from outside may route through this host to a host behind it");
		fix_set(a, r, NULL, "allow_untrusted_routing", "no", false);
	} else if (*mval(a, "relay_domains") &&
		   (yes(mval(a, "swap_bangpath")) || yes(mval(a, "allow_percent_hack")))) {
		evidence(a, r, "relay_domains is set: the host behind this one must not reinterpret "
			 "%% or ! in local parts");
	}
}

static void check_enumeration(struct audit *a, const struct service *s)
{
	bool unlisted = yes(sv(a, s, "smtpd_reject_unlisted_recipient"));
	const char *code = sv(a, s, "unknown_local_recipient_reject_code");
	bool testing = code[0] == '4';
	/* no local recipient table: every local name is accepted, then bounced */
	bool nolist = !*sv(a, s, "local_recipient_maps");
	struct result *r = add_result(a, "enumeration", s,
				      unlisted && !testing && !nolist ? ST_PASS : ST_FAIL);

	ev_param(a, r, s, "smtpd_reject_unlisted_recipient");
	ev_param(a, r, s, "unknown_local_recipient_reject_code");
	if (nolist) {
		ev_param(a, r, s, "local_recipient_maps");
		evidence(a, r, "empty: mail for unknown local users is accepted and bounced later "
			 "(backscatter)");
		fix_set(a, r, s, "local_recipient_maps", "proxy:unix:passwd.byname $alias_maps", false);
	}
	if (!unlisted)
		fix_set(a, r, s, "smtpd_reject_unlisted_recipient", "yes", false);
	if (testing) {
		evidence(a, r, "%s is \"still testing\": unknown users are deferred, not refused", code);
		fix_set(a, r, s, "unknown_local_recipient_reject_code", "550", false);
	}
}

/* tls_on - does service s offer TLS at all? */
static bool tls_on(const struct audit *a, const struct service *s)
{
	const char *lvl = sv(a, s, "smtpd_tls_security_level");

	if (*lvl)
		return strcmp(lvl, "none") != 0;
	return yes(sv(a, s, "smtpd_use_tls")) || yes(sv(a, s, "smtpd_enforce_tls")) ||
	       yes(sv(a, s, "smtpd_tls_wrappermode"));
}

static void check_tls_protocols(struct audit *a, const struct service *s)
{
	static const char *const names[] = { "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols" };
	struct result *r = add_result(a, "tls-protocols", s, ST_PASS);

	if (!r)
		return;
	if (!tls_on(a, s)) {
		r->status = ST_FAIL;
		ev_param(a, r, s, "smtpd_tls_security_level");
		evidence(a, r, "the service offers no TLS at all");
		fix_set(a, r, s, "smtpd_tls_security_level", "may", false);
		fix_text(a, r, "with smtpd_tls_cert_file and smtpd_tls_key_file (or "
			 "smtpd_tls_chain_files) set; not done by --fix: it needs a certificate");
		return;
	}
	for (int i = 0; i < 2; i++) {
		unsigned m = pfj_harden_protocols(sv(a, s, names[i]));
		char weak[64] = "";

		ev_param(a, r, s, names[i]);
		for (int k = 0; k < 4; k++)
			if (m & (1u << k))
				snprintf(weak + strlen(weak), sizeof(weak) - strlen(weak), "%s%s",
					 *weak ? " " : "", pfj_tls_proto_names[k]);
		if (*weak) {
			r->status = ST_FAIL;
			evidence(a, r, "%s leaves %s enabled", names[i], weak);
			fix_set(a, r, s, names[i], ">=TLSv1.2", true);
		}
	}
}

static void check_auth_over_tls(struct audit *a, const struct service *s)
{
	bool sasl = yes(sv(a, s, "smtpd_sasl_auth_enable"));
	bool only = yes(sv(a, s, "smtpd_tls_auth_only"));
	bool encrypt = strcmp(sv(a, s, "smtpd_tls_security_level"), "encrypt") == 0 ||
		       yes(sv(a, s, "smtpd_enforce_tls"));
	bool wrapper = yes(sv(a, s, "smtpd_tls_wrappermode"));
	bool bad = sasl && !only && !encrypt && !wrapper;
	struct result *r = add_result(a, "auth-over-tls", s, bad ? ST_FAIL : ST_PASS);

	ev_param(a, r, s, "smtpd_sasl_auth_enable");
	if (!sasl)
		return;
	ev_param(a, r, s, "smtpd_tls_auth_only");
	if (encrypt)
		evidence(a, r, "TLS is required before any command (encrypt)");
	if (wrapper)
		evidence(a, r, "the whole session is TLS (smtpd_tls_wrappermode = yes)");
	if (bad) {
		evidence(a, r, "AUTH is offered before STARTTLS");
		fix_set(a, r, s, "smtpd_tls_auth_only", "yes", true);
	}
}

static void check_tls_logging(struct audit *a)
{
	const char *d = mval(a, "smtpd_tls_loglevel"), *c = mval(a, "smtp_tls_loglevel");
	bool ok = atoi(d) >= 1 && atoi(c) >= 1;
	struct result *r = add_result(a, "tls-logging", NULL, ok ? ST_PASS : ST_FAIL);

	evidence(a, r, "smtpd_tls_loglevel = %s", d);
	evidence(a, r, "smtp_tls_loglevel = %s", c);
	if (atoi(d) < 1)
		fix_set(a, r, NULL, "smtpd_tls_loglevel", "1", true);
	if (atoi(c) < 1)
		fix_set(a, r, NULL, "smtp_tls_loglevel", "1", true);
}

/* read_pem - a PEM file of the instance (inside ROOT), at most 1 MiB */
static int read_pem(const struct audit *a, const char *path, struct pfj_buf *out)
{
	char *real = pfj_root_path(a->ctx->cli->root, path);
	int r = real ? pfj_read_file(real, 1u << 20, out) : -ENOMEM;

	free(real);
	return r;
}

static void check_dh(struct audit *a, const struct service *s, const struct pfj_crypto *c,
		     const char *cwhy)
{
	const char *file = sv(a, s, "smtpd_tls_dh1024_param_file");
	struct result *r = add_result(a, "dh-params", s, ST_PASS);
	struct pfj_buf pem = { 0 };
	int e;

	if (!r)
		return;
	ev_param(a, r, s, "smtpd_tls_dh1024_param_file");
	if (!tls_on(a, s)) {
		evidence(a, r, "the service offers no TLS");
		return;
	}
	if (!*file) {
		evidence(a, r, "empty: OpenSSL's built-in 2048-bit group (RFC 3526, not RFC 7919 ffdhe)");
		return;
	}
	if (strcasecmp(file, "auto") == 0) {
		evidence(a, r, "auto: RFC 7919 ffdhe groups");
		return;
	}
	if ((e = read_pem(a, file, &pem)) < 0) {
		r->status = ST_FAIL;
		evidence(a, r, "cannot read %s: %s (Postfix falls back to its built-in group and logs "
			 "a warning)", file, strerror(-e));
	} else if (!c) {
		r->status = ST_INFO;
		evidence(a, r, "not inspected: %s", cwhy);
	} else {
		BIO *bio = c->BIO_new_mem_buf(pem.data, (int)pem.len);
		EVP_PKEY *k = bio ? c->PEM_read_bio_Parameters(bio, NULL) : NULL;
		int bits = k ? c->EVP_PKEY_get_bits(k) : 0;

		if (!k) {
			r->status = ST_FAIL;
			evidence(a, r, "%s holds no DH parameters libcrypto can read", file);
		} else if (bits < 2048) {
			r->status = ST_FAIL;
			evidence(a, r, "%s: a %d-bit group (Logjam)", file, bits);
		} else {
			evidence(a, r, "%s: a %d-bit group", file, bits);
		}
		if (k)
			c->EVP_PKEY_free(k);
		if (bio)
			c->BIO_free(bio);
	}
	if (r->status == ST_FAIL)
		fix_set(a, r, s, "smtpd_tls_dh1024_param_file", "", false);
	pfj_buf_free(&pem);
}

/* cert_file - the first certificate service s presents */
static const char *cert_file(const struct audit *a, const struct service *s, char *buf, size_t size)
{
	const char *chain = sv(a, s, "smtpd_tls_chain_files");

	if (*chain) {
		size_t n = strcspn(chain, " ,\t");

		snprintf(buf, size, "%.*s", (int)n, chain);
		return buf;
	}
	return sv(a, s, "smtpd_tls_cert_file");
}

static void check_cert(struct audit *a, const struct service *s, const struct pfj_crypto *c,
		       const char *cwhy)
{
	char buf[PATH_MAX];
	const char *file = cert_file(a, s, buf, sizeof(buf));
	struct result *r = add_result(a, "cert-key", s, ST_PASS);
	struct pfj_buf pem = { 0 };
	int e;

	if (!r)
		return;
	if (!tls_on(a, s)) {
		evidence(a, r, "the service offers no TLS");
		return;
	}
	evidence(a, r, "certificate %s", *file ? file : "(none)");
	if (!*file) {
		r->status = ST_FAIL;
		evidence(a, r, "TLS is on but no certificate is configured: every handshake fails");
		fix_text(a, r, "postconf -e 'smtpd_tls_chain_files = /etc/ssl/private/KEY.pem "
			 "/etc/ssl/certs/CERT.pem'");
		return;
	}
	if ((e = read_pem(a, file, &pem)) < 0) {
		r->status = ST_FAIL;
		evidence(a, r, "cannot read it: %s", strerror(-e));
	} else if (!c) {
		r->status = ST_INFO;
		evidence(a, r, "not inspected: %s", cwhy);
	} else {
		BIO *bio = c->BIO_new_mem_buf(pem.data, (int)pem.len);
		X509 *x = bio ? c->PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

		if (!x) {
			r->status = ST_FAIL;
			evidence(a, r, "no certificate libcrypto can read in it");
		} else {
			EVP_PKEY *k = c->X509_get0_pubkey(x);
			int bits = k ? c->EVP_PKEY_get_bits(k) : 0;
			int id = k ? c->EVP_PKEY_get_base_id(k) : 0;
			char issuer[256];

			if (id == EVP_PKEY_RSA || id == EVP_PKEY_DSA) {
				evidence(a, r, "%s key of %d bits", id == EVP_PKEY_RSA ? "RSA" : "DSA", bits);
				if (bits < 2048 || id == EVP_PKEY_DSA)
					r->status = ST_FAIL;
			} else if (id == EVP_PKEY_EC || id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) {
				evidence(a, r, "%s key of %d bits", id == EVP_PKEY_EC ? "EC" : "EdDSA", bits);
				if (id == EVP_PKEY_EC && bits < 224)
					r->status = ST_FAIL;
			} else {
				evidence(a, r, "a key of type %d, %d bits", id, bits);
			}
			if (c->X509_cmp_current_time(c->X509_get0_notAfter(x)) <= 0) {
				r->status = ST_FAIL;
				evidence(a, r, "expired");
			}
			if (c->X509_check_issued(x, x) == X509_V_OK || strstr(file, "snakeoil")) {
				if (r->status == ST_PASS)
					r->status = ST_INFO;
				c->X509_NAME_oneline(c->X509_get_issuer_name(x), issuer, sizeof(issuer));
				evidence(a, r, "self-signed%s (issuer %s): clients that verify will not trust it",
					 strstr(file, "snakeoil") ? ", Debian's snakeoil certificate" : "", issuer);
			}
			c->X509_free(x);
		}
		if (bio)
			c->BIO_free(bio);
	}
	if (r->status == ST_FAIL)
		fix_text(a, r, "replace the certificate: RSA 2048 bits or more, or EC (e.g. from an ACME "
			 "client)");
	pfj_buf_free(&pem);
}

/* map_files - the files of a file-based table: source and database */
static void check_map_file(struct audit *a, struct result *r, const char *path)
{
	char *real = pfj_root_path(a->ctx->cli->root, path);
	struct stat st;

	if (!real) {
		a->oom = 1;
		return;
	}
	if (lstat(real, &st) == 0) {
		bool bad = st.st_uid != 0 || (st.st_mode & 077);

		evidence(a, r, "%s owner uid %u, mode %04o%s", path, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777), bad ? ": readable or owned by others" : "");
		if (bad) {
			char *fx = pfj_asprintf("chown root:root %s && chmod 600 %s", path, path);

			r->status = ST_FAIL;
			if (fx)
				fix_text(a, r, fx);
			free(fx);
		}
	}
	free(real);
}

static void check_smarthost(struct audit *a)
{
	static const char *const strong[] = {
		"encrypt", "dane-only", "fingerprint", "verify", "secure", NULL,
	};
	bool on = yes(mval(a, "smtp_sasl_auth_enable"));
	const char *opts = mval(a, "smtp_sasl_security_options");
	const char *lvl = mval(a, "smtp_tls_security_level");
	struct pfj_strv maps = { 0 };
	struct result *r = add_result(a, "smarthost-sasl", NULL, ST_PASS);

	if (!r)
		return;
	evidence(a, r, "smtp_sasl_auth_enable = %s", mval(a, "smtp_sasl_auth_enable"));
	if (!on)
		return;
	evidence(a, r, "relayhost = %s", mval(a, "relayhost"));
	evidence(a, r, "smtp_sasl_security_options = %s", opts);
	if (!strstr(opts, "noanonymous")) {
		r->status = ST_FAIL;
		fix_set(a, r, NULL, "smtp_sasl_security_options", *opts ? "noanonymous, noplaintext" :
			"noanonymous", true);
	}
	evidence(a, r, "smtp_tls_security_level = %s", lvl);
	if (!in_list(lvl, strong)) {
		r->status = ST_FAIL;
		if (*mval(a, "smtp_tls_policy_maps"))
			evidence(a, r, "smtp_tls_policy_maps may raise it for the relayhost; not inspected");
		fix_set(a, r, NULL, "smtp_tls_security_level", "encrypt", false);
	}
	if (pfj_harden_split(mval(a, "smtp_sasl_password_maps"), &maps) < 0)
		a->oom = 1;
	for (size_t i = 0; i < maps.n; i++) {
		const char *colon = strchr(maps.v[i], ':'), *path = colon ? colon + 1 : NULL;
		size_t tl = colon ? (size_t)(colon - maps.v[i]) : 0;
		char *db = NULL;

		if (!path || *path != '/')
			continue;
		check_map_file(a, r, path);
		if ((tl == 4 && strncmp(maps.v[i], "hash", 4) == 0) ||
		    (tl == 5 && strncmp(maps.v[i], "btree", 5) == 0))
			db = pfj_asprintf("%s.db", path);
		else if (tl == 4 && strncmp(maps.v[i], "lmdb", 4) == 0)
			db = pfj_asprintf("%s.lmdb", path);
		else if (tl == 3 && strncmp(maps.v[i], "cdb", 3) == 0)
			db = pfj_asprintf("%s.cdb", path);
		if (db)
			check_map_file(a, r, db);
		free(db);
	}
	pfj_strv_free(&maps);
}

static void check_recipient_limit(struct audit *a, const struct service *s)
{
	long n = atol(sv(a, s, "smtpd_recipient_limit"));
	struct result *r = add_result(a, "recipient-limit", s, n > 0 && n <= 200 ? ST_PASS : ST_FAIL);

	ev_param(a, r, s, "smtpd_recipient_limit");
	if (r && r->status == ST_FAIL)
		fix_set(a, r, s, "smtpd_recipient_limit", "150", false);
}

/* restrictions - every smtpd_*_restrictions token of s, restriction classes opened */
static void restrictions(const struct audit *a, const struct service *s, struct pfj_strv *out)
{
	static const char *const lists[] = {
		"smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
		"smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_data_restrictions",
		"smtpd_end_of_data_restrictions", "smtpd_etrn_restrictions", NULL,
	};
	struct pfj_strv classes = { 0 };

	(void)pfj_harden_split(sv(a, s, "smtpd_restriction_classes"), &classes);
	for (int i = 0; lists[i]; i++)
		(void)pfj_harden_split(sv(a, s, lists[i]), out);
	for (size_t i = 0; i < out->n && i < 4096; i++)
		if (pfj_strv_contains(&classes, out->v[i]))
			(void)pfj_harden_split(sv(a, s, out->v[i]), out);
	pfj_strv_free(&classes);
}

static bool any_prefix(const struct pfj_strv *t, const char *prefix)
{
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->v[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/*
 * trusted_only - does s serve only trusted clients (authenticated, in
 * mynetworks, with client certificates, or on loopback)?  Then advice meant for mail
 * from the Internet does not apply.
 */
static bool trusted_only(const struct audit *a, const struct service *s)
{
	if (!s->public)		/* listens on loopback only */
		return true;
	static const char *const lists[] = {
		"smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
		"smtpd_relay_restrictions", "smtpd_recipient_restrictions", NULL,
	};

	for (int i = 0; lists[i]; i++) {
		struct pfj_strv t = { 0 };
		bool closed = false;

		(void)pfj_harden_split(sv(a, s, lists[i]), &t);
		for (size_t k = 0; k < t.n; k++) {
			if (strcmp(t.v[k], "reject") == 0 || strcmp(t.v[k], "defer") == 0) {
				closed = true;
				break;
			}
			if (!in_list(t.v[k], trusted_permits) || strcmp(t.v[k], "permit_auth_destination") == 0)
				break;
		}
		pfj_strv_free(&t);
		if (closed)
			return true;
	}
	return false;
}

static void check_dnsbl(struct audit *a, const struct service *s)
{
	struct pfj_strv t = { 0 };
	bool rbl, obsolete;
	struct result *r;

	restrictions(a, s, &t);
	rbl = any_prefix(&t, "reject_rbl_client") || any_prefix(&t, "reject_rhsbl_") ||
	      any_prefix(&t, "warn_if_reject") || (s->postscreen && *sv(a, s, "postscreen_dnsbl_sites"));
	obsolete = any_prefix(&t, "reject_maps_rbl") || *mval(a, "maps_rbl_domains");
	r = add_result(a, "dnsbl", s, obsolete ? ST_FAIL : rbl ? ST_PASS :
		       trusted_only(a, s) ? ST_INFO : ST_FAIL);
	if (!r) {
		pfj_strv_free(&t);
		return;
	}
	if (s->postscreen)
		ev_param(a, r, s, "postscreen_dnsbl_sites");
	evidence(a, r, rbl ? "a DNSBL is consulted" : "no reject_rbl_client or reject_rhsbl_* in the "
		 "smtpd restrictions");
	if (obsolete) {
		evidence(a, r, "maps_rbl_domains / reject_maps_rbl are obsolete: use reject_rbl_client");
		fix_text(a, r, "replace reject_maps_rbl with reject_rbl_client DOMAIN");
	}
	if (!rbl && r->status == ST_INFO)
		evidence(a, r, "the service serves only trusted clients: no DNSBL needed");
	if (!rbl && r->status == ST_FAIL)
		fix_text(a, r, s->postscreen ? "postconf -e 'postscreen_dnsbl_sites = zen.spamhaus.org*3'" :
			 "add reject_rbl_client zen.spamhaus.org to smtpd_recipient_restrictions");
	pfj_strv_free(&t);
}

static void check_rate_limits(struct audit *a, const struct service *s)
{
	static const char *const names[] = {
		"smtpd_client_connection_rate_limit", "smtpd_client_message_rate_limit",
		"smtpd_client_recipient_rate_limit", NULL,
	};
	int set = 0;
	struct result *r;

	for (int i = 0; names[i]; i++)
		set += atol(sv(a, s, names[i])) > 0;
	r = add_result(a, "rate-limits", s, set == 3 ? ST_PASS : trusted_only(a, s) ? ST_INFO : ST_FAIL);
	for (int i = 0; names[i]; i++)
		ev_param(a, r, s, names[i]);
	if (r && r->status == ST_FAIL) {
		for (int i = 0; names[i]; i++)
			if (atol(sv(a, s, names[i])) <= 0)
				fix_set(a, r, s, names[i], i == 0 ? "30" : i == 1 ? "100" : "300", false);
	}
}

static void check_greylisting(struct audit *a, const struct service *s)
{
	struct pfj_strv t = { 0 };
	bool policy, deep;
	struct result *r;

	restrictions(a, s, &t);
	policy = any_prefix(&t, "check_policy_service");
	deep = s->postscreen && (yes(sv(a, s, "postscreen_pipelining_enable")) ||
				 yes(sv(a, s, "postscreen_non_smtp_command_enable")) ||
				 yes(sv(a, s, "postscreen_bare_newline_enable")));
	r = add_result(a, "greylisting", s, policy || deep ? ST_PASS :
		       trusted_only(a, s) ? ST_INFO : ST_FAIL);
	evidence(a, r, policy ? "a policy service is consulted (check_policy_service)" :
		 deep ? "postscreen's deep protocol tests are on" :
		 "no policy service and no postscreen deep protocol tests");
	if (r && r->status == ST_FAIL)
		fix_text(a, r, "a greylisting policy service (e.g. postgrey) in "
			 "smtpd_recipient_restrictions, or postscreen with postscreen_pipelining_enable = yes");
	pfj_strv_free(&t);
}

static void check_masquerade(struct audit *a)
{
	const char *v = mval(a, "masquerade_domains");
	struct result *r = add_result(a, "masquerade", NULL, *v ? ST_PASS : ST_INFO);

	evidence(a, r, "masquerade_domains = %s", v);
	if (!*v)
		fix_set(a, r, NULL, "masquerade_domains", "$mydomain", false);
}

/* check_chroot - master.cf's chroot column as build sets it, and verify */
static void check_chroot(struct audit *a, int verify_code, const struct pfj_buf *vout,
			 const struct pfj_buf *verr)
{
	const struct pfj_conf *conf = a->ctx->conf;
	struct pfj_chroot_decision *d = calloc(a->mcf.n ? a->mcf.n : 1, sizeof(*d));
	struct pfj_chroot_rules rules = {
		.chrootable = &conf->master_chrootable,
		.exclude = &conf->master_chroot_exclude,
		.daemon_directory = mval(a, "daemon_directory"),
		.dash_means_y = pfj_chroot_dash_means_y(mval(a, "mail_version"),
							mval(a, "compatibility_level")),
	};
	struct result *r = add_result(a, "chroot", NULL, ST_PASS);
	size_t changes = 0;

	if (!d || !r) {
		free(d);
		a->oom = 1;
		return;
	}
	pfj_chroot_plan(&a->mcf, &rules, d);
	for (size_t i = 0; i < a->mcf.n; i++) {
		if (d[i].action != PFJ_CHROOT_CHANGE)
			continue;
		if (changes++ < 3)
			evidence(a, r, "%s:%u: %s/%s chroot %c, build sets %c", a->mcf_path,
				 a->mcf.ent[i].chroot_line, a->mcf.ent[i].field[PFJ_MCF_SERVICE],
				 a->mcf.ent[i].field[PFJ_MCF_TYPE], d[i].from, d[i].to);
	}
	free(d);
	if (changes) {
		r->status = ST_FAIL;
		if (changes > 3)
			evidence(a, r, "%zu master.cf entries in all have a chroot column build would change",
				 changes);
	} else {
		evidence(a, r, "master.cf's chroot column is as build sets it");
	}
	if (verify_code == 0) {
		evidence(a, r, "pfjail verify: the jail is clean");
	} else {
		const char *nl = vout->data ? strchr(vout->data, '\n') : NULL;
		const char *e = verr->data ? strstr(verr->data, "pfjail: ") : NULL;
		char first[512];

		r->status = ST_FAIL;
		if (vout->len)
			snprintf(first, sizeof(first), "%.*s", (int)(nl ? nl - vout->data : (long)vout->len),
				 vout->data);
		else
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(e ? e + 8 : "", "\n"),
				 e ? e + 8 : "no message");
		evidence(a, r, "pfjail verify exits %d: %s", verify_code, first);
	}
	if (r->status == ST_FAIL)
		fix_text(a, r, "pfjail build");
}

static void check_root_alias(struct audit *a, int code, const struct pfj_buf *out,
			     const struct pfj_buf *err)
{
	struct result *r = add_result(a, "root-alias", NULL, code == 0 ? ST_PASS : ST_FAIL);
	const struct pfj_buf *b = err->len ? err : out;
	const char *p = b->data ? b->data : "";
	const char *s = strstr(p, "pfjail: ");

	p = s ? s + 8 : p;
	evidence(a, r, "pfjail aliases --check exits %d%s%.*s", code, *p ? ": " : "",
		 (int)strcspn(p, "\n"), p);
	if (code != 0)
		fix_text(a, r, "pfjail aliases --root-to USER");
}

/* ---------------------------------------------------------------- live results */

struct live_ctx {
	struct audit *a;
	size_t offline;			/* results before the probe */
};

static void live_emit(void *arg, const char *id, const char *service, enum pfj_probe_status st,
		      const char *ev)
{
	struct live_ctx *lc = arg;
	struct audit *a = lc->a;
	struct service s = { .name = (char *)service };
	struct result *r;

	if (!def_of(id))
		return;
	r = add_result(a, id, service ? &s : NULL,
		       st == PFJ_PROBE_PASS ? ST_PASS : st == PFJ_PROBE_FAIL ? ST_FAIL : ST_INFO);
	if (!r)
		return;
	r->live = true;
	evidence(a, r, "%s", ev);
	/* the offline result's fix applies to what was seen live */
	for (size_t i = 0; i < lc->offline; i++) {
		struct result *o = &a->res[i];

		if (o->def != r->def || !o->service || !service || strcmp(o->service, service))
			continue;
		for (size_t k = 0; k < o->fix.n; k++)
			fix_text(a, r, o->fix.v[k]);
		break;
	}
}

/* mismatches - a live result that contradicts the configuration is a finding */
static void mismatches(struct audit *a, size_t offline)
{
	size_t n = a->nres;

	for (size_t i = offline; i < n; i++) {
		for (size_t j = 0; j < offline; j++) {
			struct result *l = &a->res[i], *o = &a->res[j], *m;
			struct service s;

			if (l->def != o->def || !l->service || !o->service ||
			    strcmp(l->service, o->service) || l->status == ST_INFO ||
			    o->status == ST_INFO || l->status == o->status)
				continue;
			s.name = l->service;
			if (!(m = add_result(a, "live-mismatch", &s, ST_FAIL)))
				return;
			l = &a->res[i];		/* add_result may move the array */
			o = &a->res[j];
			m->live = true;
			evidence(a, m, "%s: the configuration says %s, the live server %s (%s)", l->def->id,
				 status_names[o->status], status_names[l->status], l->evidence.data);
			break;
		}
	}
}

/* ---------------------------------------------------------------- output */

/* print_brief - -q: one line per failed check, for logs */
static void print_brief(const struct audit *a)
{
	for (size_t i = 0; i < a->nres; i++) {
		const struct result *r = &a->res[i];

		if (r->status != ST_FAIL)
			continue;
		printf("harden: FAIL %s %s%s%s%s%s: %s", sev_names[r->def->sev], r->def->id,
		       r->service ? " [" : "", r->service ? r->service : "", r->service ? "]" : "",
		       r->live ? " (live)" : "", r->evidence.data ? r->evidence.data : "");
		if (r->fix.n)
			printf("; fix: %s", r->fix.v[0]);
		printf("\n");
	}
}

static void print_text(const struct audit *a, bool verbose)
{
	size_t nfail[4] = { 0 }, npass = 0, ninfo = 0;

	printf("pfjail harden: %s (Postfix %s), %zu smtpd service%s", a->ctx->pc.config_dir,
	       mval(a, "mail_version"), a->nsvc, a->nsvc == 1 ? "" : "s");
	for (size_t i = 0; i < a->nsvc; i++)
		printf("%s%s", i ? ", " : ": ", a->svc[i].name);
	printf("\n");
	for (int sev = SEV_HIGH; sev <= SEV_INFO; sev++) {
		int header = 0;

		for (size_t i = 0; i < a->nres; i++) {
			const struct result *r = &a->res[i];

			if (r->def->sev != (enum sev)sev)
				continue;
			if (r->status == ST_PASS && !verbose)
				continue;
			if (!header++)
				printf("\n%s:\n", sev_names[sev]);
			printf("  %-4s %s%s%s%s%s\n", r->status == ST_FAIL ? "FAIL" :
			       r->status == ST_INFO ? "INFO" : "ok", r->def->id, r->service ? " [" : "",
			       r->service ? r->service : "", r->service ? "]" : "", r->live ? " (live)" : "");
			if (r->evidence.len)
				printf("       %s\n", r->evidence.data);
			if (r->status != ST_PASS)
				printf("       why: %s\n", r->def->rationale);
			for (size_t k = 0; r->status != ST_PASS && k < r->fix.n; k++)
				printf("       fix: %s\n", r->fix.v[k]);
		}
	}
	for (size_t i = 0; i < a->nres; i++) {
		if (a->res[i].status == ST_FAIL)
			nfail[a->res[i].def->sev]++;
		else if (a->res[i].status == ST_PASS)
			npass++;
		else
			ninfo++;
	}
	printf("\n%zu results: %zu failed (%zu high, %zu medium, %zu low), %zu passed, %zu info\n",
	       a->nres, nfail[0] + nfail[1] + nfail[2] + nfail[3], nfail[0], nfail[1],
	       nfail[2] + nfail[3], npass, ninfo);
}

static void json_results(const struct audit *a, struct pfj_json *j)
{
	pfj_json_arr_begin(j, "checks");
	for (size_t i = 0; i < a->nres; i++) {
		const struct result *r = &a->res[i];

		pfj_json_obj_begin(j, NULL);
		pfj_json_str(j, "id", r->def->id);
		pfj_json_str(j, "service", r->service);
		pfj_json_str(j, "severity", sev_names[r->def->sev]);
		pfj_json_str(j, "status", status_names[r->status]);
		pfj_json_bool(j, "live", r->live);
		pfj_json_str(j, "evidence", r->evidence.data ? r->evidence.data : "");
		pfj_json_str(j, "rationale", r->def->rationale);
		pfj_json_arr_begin(j, "fix");
		for (size_t k = 0; k < r->fix.n; k++)
			pfj_json_str(j, NULL, r->fix.v[k]);
		pfj_json_arr_end(j);
		pfj_json_obj_end(j);
	}
	pfj_json_arr_end(j);
}

/* ---------------------------------------------------------------- the audit */

static void audit_free(struct audit *a)
{
	kvs_free(&a->main);
	pfj_buf_free(&a->maincf);
	kvs_free(&a->over);
	pfj_strv_free(&a->warnings);
	for (size_t i = 0; i < a->nsvc; i++) {
		free(a->svc[i].name);
		free(a->svc[i].type);
		free(a->svc[i].command);
		free(a->svc[i].pass);
	}
	free(a->svc);
	a->svc = NULL;
	a->nsvc = 0;
	pfj_mcf_free(&a->mcf);
	pfj_buf_free(&a->mcfbuf);
	free(a->mcf_path);
	a->mcf_path = NULL;
	for (size_t i = 0; i < a->nres; i++)
		result_free(&a->res[i]);
	free(a->res);
	a->res = NULL;
	a->nres = 0;
}

/*
 * run_audit - the offline audit: 0, or -1 when Postfix's configuration
 * could not be read (reported; the caller exits 2).
 */
static int run_audit(struct audit *a)
{
	struct pfj_ctx *ctx = a->ctx;
	const char *pc = ctx->pc.postconf, *dir = ctx->pc.config_dir;
	const char *argv_x[] = { pc, "-c", dir, "-x", NULL };
	const char *argv_p[] = { pc, "-c", dir, "-Px", NULL };
	const char *argv_v[12], *argv_a[12];
	struct pfj_proc px = { .pid = -1 }, pp = { .pid = -1 };
	struct pfj_proc pv = { .pid = -1 }, pa = { .pid = -1 };
	struct pfj_run_result rx = { 0 }, rp = { 0 }, rv = { 0 }, ra = { 0 };
	struct pfj_mcf_error perr;
	const struct pfj_crypto *c = NULL;
	char exe[PATH_MAX], cwhy[512] = "";
	int ret = -1, vcode = 2, acode = 2;

	if (self_exe(exe, sizeof(exe)) < 0) {
		pfj_err("cannot find this program (/proc/self/exe): %s", strerror(errno));
		return -1;
	}
	self_argv(ctx, exe, argv_v, "verify", NULL);
	self_argv(ctx, exe, argv_a, "aliases", "--check");
	/* master.cf first: a broken one is named with its line */
	if (!(a->mcf_path = pfj_asprintf("%s/master.cf", dir)))
		goto oom;
	if (pfj_read_file(a->mcf_path, 16u << 20, &a->mcfbuf) < 0) {
		pfj_err("cannot read %s: %s; nothing changed", a->mcf_path, strerror(errno));
		return -1;
	}
	if (pfj_mcf_parse(a->mcfbuf.data ? a->mcfbuf.data : "", a->mcfbuf.len, &a->mcf, &perr) < 0) {
		pfj_err("%s:%u: %s; nothing changed", a->mcf_path, perr.line, perr.reason);
		return -1;
	}
	{
		char *path = pfj_asprintf("%s/main.cf", dir);

		/* a missing main.cf is postconf's to report */
		if (!path)
			goto oom;
		(void)pfj_read_file(path, 16u << 20, &a->maincf);
		free(path);
	}
	if (run_start(argv_x, &px, "postconf -x") < 0 ||
	    run_start(argv_p, &pp, "postconf -Px") < 0 ||
	    run_start(argv_v, &pv, "pfjail verify") < 0 || run_start(argv_a, &pa, "pfjail aliases") < 0)
		goto out;
	/* libcrypto is loaded while they run */
	c = pfj_crypto_load(cwhy, sizeof(cwhy));
	if (finish_postconf(a, &px, "-x", &rx) < 0 ||
	    finish_postconf(a, &pp, "-Px", &rp) < 0)
		goto out;
	if (pfj_run_finish(&pv, &rv) == 0 && WIFEXITED(rv.status))
		vcode = WEXITSTATUS(rv.status);
	if (pfj_run_finish(&pa, &ra) == 0 && WIFEXITED(ra.status))
		acode = WEXITSTATUS(ra.status);
	pv.pid = pa.pid = -1;
	keep_warnings(a, &rx.err);
	keep_warnings(a, &rp.err);
	if (parse_kvs(rx.out.data, &a->main) < 0 ||
	    parse_kvs(rp.out.data, &a->over) < 0 || find_services(a) < 0)
		goto oom;

	check_config_warnings(a);
	check_inet_interfaces(a);
	check_mynetworks(a);
	check_routing(a);
	check_tls_logging(a);
	check_smarthost(a);
	check_masquerade(a);
	check_chroot(a, vcode, &rv.out, &rv.err);
	check_root_alias(a, acode, &ra.out, &ra.err);
	for (size_t i = 0; i < a->nsvc; i++) {
		const struct service *s = &a->svc[i];

		check_yes(a, "vrfy", s, "disable_vrfy_command");
		check_yes(a, "helo-required", s, "smtpd_helo_required");
		check_banner(a, s);
		check_open_relay(a, s);
		check_enumeration(a, s);
		check_tls_protocols(a, s);
		check_auth_over_tls(a, s);
		check_dh(a, s, c, cwhy);
		check_cert(a, s, c, cwhy);
		check_recipient_limit(a, s);
		check_dnsbl(a, s);
		check_rate_limits(a, s);
		check_greylisting(a, s);
	}
	if (!a->nsvc) {
		static const char *const per[] = {
			"vrfy", "helo-required", "banner", "open-relay", "enumeration", "tls-protocols",
			"auth-over-tls", "dh-params", "cert-key", "recipient-limit", "dnsbl",
			"rate-limits", "greylisting", NULL,
		};

		for (int i = 0; per[i]; i++)
			evidence(a, add_result(a, per[i], NULL, ST_INFO),
				 "master.cf has no inet smtpd service: this host receives no mail "
				 "from the network");
	}
	if (a->oom)
		goto oom;
	ret = 0;
	goto out;
oom:
	pfj_err("out of memory");
out:
	if (px.pid > 0)
		pfj_run_cancel(&px);
	if (pp.pid > 0)
		pfj_run_cancel(&pp);
	if (pv.pid > 0)
		pfj_run_cancel(&pv);
	if (pa.pid > 0)
		pfj_run_cancel(&pa);
	pfj_run_result_free(&rx);
	pfj_run_result_free(&rp);
	pfj_run_result_free(&rv);
	pfj_run_result_free(&ra);
	return ret;
}

/* ---------------------------------------------------------------- --fix */

static bool is_safe(const char *id)
{
	return in_list(id, safe_ids);
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
 * apply_fixes - the safe fixes of the failed checks: edit a copy with
 * postconf, show the diff (-n) or install it.  0 done (or nothing to do),
 * -1 error (reported; everything as it was).
 */
static int apply_fixes(struct audit *a, struct pfj_json *j, int *changed)
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

/* ---------------------------------------------------------------- the command */

int pfj_cmd_harden(struct pfj_ctx *ctx)
{
	const struct pfj_cli *cli = ctx->cli;
	struct audit a = { .ctx = ctx };
	struct pfj_json j = { 0 }, *jp = cli->json ? &j : NULL;
	int status = PFJ_EXIT_ERROR, changed = 0;

	if (cli->probe && !pfj_root_is_host(cli->root)) {
		pfj_err("--probe starts a copy of the instance: it cannot run on a system image (-R)");
		return PFJ_EXIT_ERROR;
	}
	if (run_audit(&a) < 0)
		goto out;
	if (jp) {
		pfj_json_obj_begin(jp, NULL);
		pfj_json_str(jp, "command", "harden");
		pfj_json_int(jp, "schema", 1);
		pfj_json_str(jp, "config_directory", ctx->pc.config_dir);
		pfj_json_str(jp, "mail_version", mval(&a, "mail_version"));
	}
	if (cli->fix) {
		if (apply_fixes(&a, jp, &changed) < 0)
			goto out;
		if (changed && !cli->dry_run) {
			/* report the instance as it is now */
			audit_free(&a);
			a = (struct audit){ .ctx = ctx };
			if (run_audit(&a) < 0)
				goto out;
		}
		if (jp)
			pfj_json_bool(jp, cli->dry_run ? "would_change" : "changed", changed);
	}
	if (cli->probe) {
		struct pfj_probe_opts po = {
			.config_dir = ctx->pc.config_dir,
			.bindir = ctx->conf->postfix_bindir,
		};
		struct live_ctx lc = { .a = &a, .offline = a.nres };
		char why[1024];

		if (pfj_probe_run(&po, live_emit, &lc, why, sizeof(why)) < 0) {
			pfj_err("probe: %s", why);
			goto out;
		}
		mismatches(&a, lc.offline);
		if (a.oom) {
			pfj_err("out of memory");
			goto out;
		}
	}
	status = PFJ_EXIT_OK;
	for (size_t i = 0; i < a.nres; i++)
		if (a.res[i].status == ST_FAIL)
			status = PFJ_EXIT_FINDINGS;
	if (jp) {
		json_results(&a, jp);
		pfj_json_obj_end(jp);
		if (pfj_json_flush(jp) < 0) {
			pfj_err("writing the report: %s", strerror(errno));
			status = PFJ_EXIT_ERROR;
		}
		jp = NULL;
	} else if (pfj_log_verbosity() < 0) {
		print_brief(&a);
	} else {
		print_text(&a, pfj_log_verbosity() > 0);
	}
out:
	if (jp)
		pfj_json_free(jp);
	audit_free(&a);
	return status;
}
