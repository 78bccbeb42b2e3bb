/*
 * harden.c - "pfjail harden": audit a Postfix instance against the
 * hardening checklist of the guides pfjail comes from.
 *
 * Every value comes from Postfix itself: postconf -x (main.cf, expanded,
 * with postconf's own warnings) and postconf -Px (master.cf's -o
 * overrides, expanded; run only when a service the checks read has one).
 * master.cf is split into services by pfjail's parser, which splits it as
 * postconf -M does and also knows each line; whether main.cf sets
 * mynetworks at all is read from main.cf's first column.  Each inet smtpd
 * service is judged with its own overrides; a postscreen service with
 * those of the smtpd behind it ("smtpd pass").
 *
 * The jail is checked by pfjail verify, run as a child while postconf
 * runs (not when pfjail never built the jail: there is nothing to verify);
 * root's alias as aliases --check checks it, meanwhile, in this process.
 * --probe adds the live view of probe.c under the same ids; --fix applies
 * the edits that need no judgement to a copy, checks the copy with
 * postconf, then replaces main.cf (and master.cf) atomically, keeping the
 * previous file and a "postconf -n" snapshot beside it, and puts the
 * previous file back when "postfix check" fails afterwards.
 *
 * This file is the command: the checklist, the values as a service sees
 * them, the results and their evidence and fixes, gathering the values,
 * merging the live results, and the report (text, -q or JSON).  The
 * checks themselves are in hardencheck.c, --fix in hardenfix.c; what the
 * three share is in harden-int.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aliascmd.h"
#include "command.h"
#include "crypto.h"
#include "harden-int.h"
#include "harden.h"
#include "json.h"
#include "metrics.h"
#include "log.h"
#include "mastercf.h"
#include "probe.h"
#include "proc.h"
#include "state.h"
#include "util.h"

static const char *const sev_names[] = { "high", "medium", "low", "info" };
static const char *const status_names[] = { "pass", "fail", "info" };

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

/* hd_mval - a main.cf value, expanded ("" when postconf does not know it) */
const char *hd_mval(const struct audit *a, const char *name)
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
	return hd_mval(a, name);
}

const char *hd_sv(const struct audit *a, const struct service *s, const char *name)
{
	return sval(a, s, name, NULL, NULL, NULL);
}

bool hd_yes(const char *v)
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

struct result *hd_add_result(struct audit *a, const char *id, const struct service *s,
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

/* hd_evidence - append "; "-separated text to a result's evidence */
__attribute__((format(printf, 3, 4)))
void hd_evidence(struct audit *a, struct result *r, const char *fmt, ...)
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

/* hd_ev_param - "name = value" as service s sees it, naming an override's line */
void hd_ev_param(struct audit *a, struct result *r, const struct service *s, const char *name)
{
	unsigned line = 0;
	const char *wn = NULL, *wt = NULL;
	const char *v = sval(a, s, name, &line, &wn, &wt);

	if (wn)
		hd_evidence(a, r, "%s = %s (%s:%u, -o in %s/%s)", name, v, a->mcf_path, line, wn, wt);
	else
		hd_evidence(a, r, "%s = %s", name, v);
}

/*
 * hd_fix_set - the fix "name = value" for service s: where s overrides the
 * parameter, its master.cf override (postconf -P); else main.cf
 * (postconf -e).  safe: --fix may apply it.
 */
void hd_fix_set(struct audit *a, struct result *r, const struct service *s, const char *name,
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

void hd_fix_text(struct audit *a, struct result *r, const char *text)
{
	if (r && !pfj_strv_contains(&r->fix, text) && pfj_strv_add(&r->fix, text) < 0)
		a->oom = 1;
}

/* ---------------------------------------------------------------- gathering */

/* run_postconf_start - postconf -c DIR FLAGS... */
static int run_start(const char *const argv[], struct pfj_proc *p, const char *what)
{
	int r = pfj_run_start(argv, NULL, p);

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
	r = hd_add_result(a, id, service ? &s : NULL,
			  st == PFJ_PROBE_PASS ? ST_PASS : st == PFJ_PROBE_FAIL ? ST_FAIL : ST_INFO);
	if (!r)
		return;
	r->live = true;
	hd_evidence(a, r, "%s", ev);
	/* the offline result's fix applies to what was seen live */
	for (size_t i = 0; i < lc->offline; i++) {
		struct result *o = &a->res[i];

		if (o->def != r->def || !o->service || !service || strcmp(o->service, service))
			continue;
		for (size_t k = 0; k < o->fix.n; k++)
			hd_fix_text(a, r, o->fix.v[k]);
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
			if (!(m = hd_add_result(a, "live-mismatch", &s, ST_FAIL)))
				return;
			l = &a->res[i];		/* add_result may move the array */
			o = &a->res[j];
			m->live = true;
			hd_evidence(a, m, "%s: the configuration says %s, the live server %s (%s)", l->def->id,
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

/* master_pid - the instance's running master, 0 when none (host only) */
static pid_t master_pid(const struct audit *a)
{
	if (!pfj_root_is_host(a->ctx->cli->root))
		return 0;
	return pfj_master_pid(hd_mval(a, "queue_directory"));
}

static void print_text(const struct audit *a, bool verbose)
{
	size_t nfail[4] = { 0 }, npass = 0, ninfo = 0;
	pid_t master;

	printf("pfjail harden: %s (Postfix %s), %zu smtpd service%s", a->ctx->pc.config_dir,
	       hd_mval(a, "mail_version"), a->nsvc, a->nsvc == 1 ? "" : "s");
	for (size_t i = 0; i < a->nsvc; i++)
		printf("%s%s", i ? ", " : ": ", a->svc[i].name);
	if ((master = master_pid(a)))
		printf("; master runs (pid %ld)\n", (long)master);
	else
		printf("; master is not running (the audit reads the configuration only)\n");
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
 * has_overrides - does an entry the checks read (an inet smtpd or
 * postscreen service, the smtpd behind postscreen) carry a -o option?
 */
static int has_overrides(const struct pfj_mcf *mcf)
{
	for (size_t i = 0; i < mcf->n; i++) {
		const struct pfj_mcf_entry *e = &mcf->ent[i];
		const char *cmd = strrchr(e->field[PFJ_MCF_COMMAND], '/');

		cmd = cmd ? cmd + 1 : e->field[PFJ_MCF_COMMAND];
		if (!((strcmp(e->field[PFJ_MCF_TYPE], "inet") == 0 &&
		       (strcmp(cmd, "smtpd") == 0 || strcmp(cmd, "postscreen") == 0)) ||
		      (strcmp(e->field[PFJ_MCF_TYPE], "pass") == 0 && strcmp(cmd, "smtpd") == 0)))
			continue;
		for (size_t k = 0; k < e->nargs; k++)
			if (strncmp(e->args[k], "-o", 2) == 0)
				return 1;
	}
	return 0;
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
	const char *argv_v[12];
	struct pfj_proc px = { .pid = -1 }, pp = { .pid = -1 };
	struct pfj_proc pv = { .pid = -1 };
	struct pfj_root_check rc;
	struct pfj_run_result rx = { 0 }, rp = { 0 }, rv = { 0 };
	struct pfj_mcf_error perr;
	const struct pfj_crypto *c = NULL;
	char exe[PATH_MAX], cwhy[512] = "";
	int ret = -1, vcode = 2, acode = -1, overrides, built;

	if (self_exe(exe, sizeof(exe)) < 0) {
		pfj_err("cannot find this program (/proc/self/exe): %s", strerror(errno));
		return -1;
	}
	self_argv(ctx, exe, argv_v, "verify", NULL);
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
	/* the longest first; postconf -Px only when master.cf has -o overrides */
	overrides = has_overrides(&a->mcf);
	/* a jail pfjail never built has nothing for verify to check: no need to ask it */
	{
		char *manifest = pfj_manifest_path(ctx);
		struct stat st;

		if (!manifest)
			goto oom;
		built = stat(manifest, &st) == 0;
		if (!built && pfj_buf_printf(&rv.err, "pfjail: %s: no manifest: pfjail never built "
					     "this jail\n", manifest) < 0) {
			free(manifest);
			goto oom;
		}
		free(manifest);
	}
	if ((built && run_start(argv_v, &pv, "pfjail verify") < 0) ||
	    run_start(argv_x, &px, "postconf -x") < 0 ||
	    (overrides && run_start(argv_p, &pp, "postconf -Px") < 0))
		goto out;
	/* libcrypto is loaded while they run, when a TLS file is to be read */
	if (strstr(a->maincf.data ? a->maincf.data : "", "_file") ||
	    strstr(a->mcfbuf.data ? a->mcfbuf.data : "", "_file"))
		c = pfj_crypto_load(cwhy, sizeof(cwhy));
	else
		snprintf(cwhy, sizeof(cwhy), "no TLS file is configured");
	/* root's alias, as aliases --check: its postconf answer is cached,
	 * so postalias runs at once, beside postconf and verify */
	acode = pfj_aliases_root_check(ctx, false, &rc);
	if (finish_postconf(a, &px, "-x", &rx) < 0 ||
	    (overrides && finish_postconf(a, &pp, "-Px", &rp) < 0))
		goto out;
	if (built && pfj_run_finish(&pv, &rv) == 0 && WIFEXITED(rv.status))
		vcode = WEXITSTATUS(rv.status);
	pv.pid = -1;
	keep_warnings(a, &rx.err);
	keep_warnings(a, &rp.err);
	if (parse_kvs(rx.out.data, &a->main) < 0 ||
	    parse_kvs(rp.out.data, &a->over) < 0 || find_services(a) < 0)
		goto oom;

	hd_check_all(a, vcode, &rv, acode, &rc, c, cwhy);
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
	pfj_run_result_free(&rx);
	pfj_run_result_free(&rp);
	pfj_run_result_free(&rv);
	return ret;
}

/* ---------------------------------------------------------------- metrics */

/*
 * write_metrics - one pfjail_harden_check_failed series per check, service
 * and severity (a check judged offline and live counts as failed if
 * either failed: the collector refuses a series given twice)
 */
static int write_metrics(const struct audit *a, const char *path, double started)
{
	struct pfj_metrics mx = { 0 };
	char why[1024];
	bool *done = calloc(a->nres + 1, sizeof(*done));
	int wr;

	if (!done) {
		pfj_err("%s: out of memory; the metrics are not written", path);
		return -1;
	}
	pfj_metrics_family(&mx, "pfjail_harden_check_failed", "gauge",
			   "1 if the check of pfjail harden failed for the service (\"\" is the whole instance), else 0.");
	for (size_t i = 0; i < a->nres; i++) {
		const struct result *r = &a->res[i];
		const char *svc = r->service ? r->service : "";
		const char *labels[] = { "id", r->def->id, "service", svc,
					 "severity", sev_names[r->def->sev], NULL };
		int failed = r->status == ST_FAIL;

		if (done[i])
			continue;
		for (size_t k = i + 1; k < a->nres; k++) {
			const struct result *o = &a->res[k];

			if (!done[k] && o->def == r->def &&
			    strcmp(o->service ? o->service : "", svc) == 0) {
				done[k] = true;
				failed |= o->status == ST_FAIL;
			}
		}
		pfj_metrics_sample(&mx, "pfjail_harden_check_failed", labels, failed);
	}
	pfj_metrics_family(&mx, "pfjail_harden_last_run_timestamp_seconds", "gauge",
			   "When the last pfjail harden started, in seconds since the epoch.");
	pfj_metrics_sample(&mx, "pfjail_harden_last_run_timestamp_seconds", NULL, started);
	if ((wr = pfj_metrics_write(&mx, path, why, sizeof(why))) < 0)
		pfj_err("%s", why);
	pfj_metrics_free(&mx);
	free(done);
	return wr;
}

/* ---------------------------------------------------------------- the command */

int pfj_cmd_harden(struct pfj_ctx *ctx)
{
	const struct pfj_cli *cli = ctx->cli;
	struct audit a = { .ctx = ctx };
	struct pfj_json j = { 0 }, *jp = cli->json ? &j : NULL;
	int status = PFJ_EXIT_ERROR, changed = 0;
	double started = pfj_metrics_now();
	pid_t master;

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
		pfj_json_str(jp, "mail_version", hd_mval(&a, "mail_version"));
		if ((master = master_pid(&a)))
			pfj_json_int(jp, "master_pid", master);
		else
			pfj_json_str(jp, "master_pid", NULL);
	}
	if (cli->fix) {
		if (hd_apply_fixes(&a, jp, &changed) < 0)
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
	if (cli->textfile && write_metrics(&a, cli->textfile, started) < 0)
		status = PFJ_EXIT_ERROR;
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
