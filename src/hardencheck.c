/*
 * hardencheck.c - the checks of "pfjail harden", one function per
 * checklist id, and the pure rules they rest on.
 *
 * A check reads values the way the service it judges sees them (its own
 * -o overrides, the smtpd behind a postscreen, then main.cf; harden.c
 * gathers them from postconf), and records one result with its evidence
 * and the fix a person can apply.  A fix --fix may apply without judgement
 * is marked safe (hd_fix_set); those that change mail flow (relaying,
 * recipients, a certificate) are left to people.  The rules that need no
 * Postfix at all (which TLS versions a *_tls_protocols value enables,
 * whether a restriction list stops relaying, how wide a mynetworks element
 * is, how a list splits into tokens) are the pfj_harden_* functions of
 * harden.h, tested on their own by tests/test_harden.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chrootplan.h"
#include "command.h"
#include "crypto.h"
#include "aliascmd.h"
#include "harden-int.h"
#include "harden.h"
#include "mastercf.h"
#include "proc.h"
#include "util.h"

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

bool hd_in_list(const char *s, const char *const *list)
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
		if (hd_in_list(t.v[i], refusals)) {
			guarded = 1;
			break;
		}
		if (strncmp(t.v[i], "permit", 6) == 0 && !hd_in_list(t.v[i], trusted_permits)) {
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

/* ---------------------------------------------------------------- checks */

static void check_config_warnings(struct audit *a)
{
	struct result *r = hd_add_result(a, "config-warnings", NULL, a->warnings.n ? ST_FAIL : ST_PASS);

	if (!a->warnings.n) {
		hd_evidence(a, r, "postconf prints no warning");
		return;
	}
	for (size_t i = 0; i < a->warnings.n; i++) {
		const char *w = a->warnings.v[i], *u = strstr(w, "unused parameter: ");

		hd_evidence(a, r, "%s", w);
		if (u) {
			char name[256];

			if (sscanf(u + 18, "%255[^=]", name) == 1) {
				char *fx = pfj_asprintf("postconf -X %s", name);

				if (!fx)
					a->oom = 1;
				else
					hd_fix_text(a, r, fx);
				free(fx);
			}
		}
	}
	hd_fix_text(a, r, "correct or remove each parameter postconf warns about");
}

/* a per-service yes/no check: fail unless NAME is yes */
static void check_yes(struct audit *a, const char *id, const struct service *s, const char *name)
{
	bool ok = hd_yes(hd_sv(a, s, name));
	struct result *r = hd_add_result(a, id, s, ok ? ST_PASS : ST_FAIL);

	hd_ev_param(a, r, s, name);
	if (!ok)
		hd_fix_set(a, r, s, name, "yes", true);
}

static bool names_software(const struct audit *a, const char *banner, char *what, size_t size)
{
	static const char *const os[] = {
		"Debian", "Ubuntu", "GNU", "Linux", "Red Hat", "RedHat", "CentOS", "Fedora",
		"Rocky", "AlmaLinux", "SUSE", "FreeBSD", "OpenBSD", "NetBSD", "Alpine", "Raspbian",
		"Gentoo", "Arch", NULL,
	};
	const char *mail_name = hd_mval(a, "mail_name"), *ver = hd_mval(a, "mail_version");

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
	char *banner = strdup(hd_sv(a, s, "smtpd_banner"));
	const char *host = hd_mval(a, "myhostname");
	struct result *r;
	bool bad;

	if (!banner) {
		a->oom = 1;
		return;
	}
	/* the host's own name is no give-away, even debian.example or postfix.example */
	for (char *m; *host && (m = strstr(banner, host));)
		memmove(m, m + strlen(host), strlen(m + strlen(host)) + 1);
	bad = names_software(a, banner, what, sizeof(what));
	free(banner);
	r = hd_add_result(a, "banner", s, bad ? ST_FAIL : ST_PASS);
	hd_ev_param(a, r, s, "smtpd_banner");
	if (bad) {
		hd_evidence(a, r, "it names %s", what);
		hd_fix_set(a, r, s, "smtpd_banner", "$myhostname ESMTP", true);
	}
}

static void check_inet_interfaces(struct audit *a)
{
	const char *v = hd_mval(a, "inet_interfaces");
	bool loopback = strcmp(v, "loopback-only") == 0 || strcmp(v, "localhost") == 0 ||
			strcmp(v, "127.0.0.1") == 0 || strcmp(v, "[::1]") == 0 ||
			strcmp(v, "127.0.0.1, [::1]") == 0 || strcmp(v, "127.0.0.1 [::1]") == 0;
	size_t public = 0;
	struct result *r;

	for (size_t i = 0; i < a->nsvc; i++)
		public += a->svc[i].public;
	r = hd_add_result(a, "inet-interfaces", NULL, loopback || public ? ST_PASS : ST_INFO);
	hd_evidence(a, r, "inet_interfaces = %s", v);
	if (loopback)
		return;
	if (public) {
		hd_evidence(a, r, "%zu smtpd service%s listen%s for the network, as meant", public,
			    public == 1 ? "" : "s", public == 1 ? "s" : "");
	} else {
		hd_evidence(a, r, "master.cf has no public smtpd service: nothing needs more than loopback");
		hd_fix_set(a, r, NULL, "inet_interfaces", "loopback-only", false);
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
	const char *style = hd_mval(a, "mynetworks_style");
	bool unset = !main_sets(a, "mynetworks");
	struct pfj_strv t = { 0 };
	struct result *r = hd_add_result(a, "mynetworks", NULL, ST_PASS);

	if (!r)
		return;
	hd_evidence(a, r, "mynetworks = %s", hd_mval(a, "mynetworks"));
	if (unset && (strcmp(style, "class") == 0 || strcmp(style, "subnet") == 0)) {
		r->status = ST_FAIL;
		hd_evidence(a, r, "mynetworks is unset and mynetworks_style = %s trusts every host of "
			    "this machine's %s", style, strcmp(style, "class") == 0 ? "network classes" :
			    "subnets");
	}
	if (pfj_harden_split(hd_mval(a, "mynetworks"), &t) < 0)
		a->oom = 1;
	for (size_t i = 0; i < t.n; i++) {
		int j = pfj_harden_network(t.v[i]);

		if (j < 0)
			hd_evidence(a, r, "%s is a table or file, not inspected", t.v[i]);
		if (j > 0) {
			r->status = ST_FAIL;
			hd_evidence(a, r, "%s is %s%s%s", t.v[i], j & 1 ? "wider than /24 (IPv4) or /64 (IPv6)" : "",
				    j == 3 ? " and " : "", j & 2 ? "a public range" : "");
		}
	}
	pfj_strv_free(&t);
	if (r->status == ST_FAIL)
		hd_fix_text(a, r, "postconf -e 'mynetworks = 127.0.0.0/8 [::1]/128' (plus the networks "
			    "meant); never changed by --fix: relaying is a decision");
}

static void check_open_relay(struct audit *a, const struct service *s)
{
	char c1[128], c2[128];
	int g1 = pfj_harden_relay_guard(hd_sv(a, s, "smtpd_relay_restrictions"), c1, sizeof(c1));
	int g2 = pfj_harden_relay_guard(hd_sv(a, s, "smtpd_recipient_restrictions"), c2, sizeof(c2));
	struct result *r = hd_add_result(a, "open-relay", s, g1 || g2 ? ST_PASS : ST_FAIL);

	hd_ev_param(a, r, s, "smtpd_relay_restrictions");
	hd_ev_param(a, r, s, "smtpd_recipient_restrictions");
	if (g1 || g2)
		return;
	if (*c1)
		hd_evidence(a, r, "%s comes before any refusal in smtpd_relay_restrictions", c1);
	if (*c2)
		hd_evidence(a, r, "%s comes before any refusal in smtpd_recipient_restrictions", c2);
	if (!*c1 && !*c2)
		hd_evidence(a, r, "neither list refuses unauthorised destinations");
	hd_fix_set(a, r, s, "smtpd_relay_restrictions",
		   "permit_mynetworks permit_sasl_authenticated defer_unauth_destination", false);
	hd_fix_text(a, r, "never changed by --fix: relaying is a decision");
}

static void check_routing(struct audit *a)
{
	static const char *const names[] = {
		"allow_untrusted_routing", "resolve_dequoted_address", "swap_bangpath",
		"allow_percent_hack", NULL,
	};
	bool untrusted = hd_yes(hd_mval(a, "allow_untrusted_routing"));
	struct result *r = hd_add_result(a, "routing-tricks", NULL, untrusted ? ST_FAIL : ST_PASS);

	for (int i = 0; names[i]; i++)
		hd_evidence(a, r, "%s = %s", names[i], hd_mval(a, names[i]));
	if (untrusted) {
		hd_evidence(a, r, "mail from outside may route through this host to a host behind it");
		hd_fix_set(a, r, NULL, "allow_untrusted_routing", "no", false);
	} else if (*hd_mval(a, "relay_domains") &&
		   (hd_yes(hd_mval(a, "swap_bangpath")) || hd_yes(hd_mval(a, "allow_percent_hack")))) {
		hd_evidence(a, r, "relay_domains is set: the host behind this one must not reinterpret "
			    "%% or ! in local parts");
	}
}

static void check_enumeration(struct audit *a, const struct service *s)
{
	bool unlisted = hd_yes(hd_sv(a, s, "smtpd_reject_unlisted_recipient"));
	const char *code = hd_sv(a, s, "unknown_local_recipient_reject_code");
	bool testing = code[0] == '4';
	/* no local recipient table: every local name is accepted, then bounced */
	bool nolist = !*hd_sv(a, s, "local_recipient_maps");
	struct result *r = hd_add_result(a, "enumeration", s,
					 unlisted && !testing && !nolist ? ST_PASS : ST_FAIL);

	hd_ev_param(a, r, s, "smtpd_reject_unlisted_recipient");
	hd_ev_param(a, r, s, "unknown_local_recipient_reject_code");
	if (nolist) {
		hd_ev_param(a, r, s, "local_recipient_maps");
		hd_evidence(a, r, "empty: mail for unknown local users is accepted and bounced later "
			    "(backscatter)");
		hd_fix_set(a, r, s, "local_recipient_maps", "proxy:unix:passwd.byname $alias_maps", false);
	}
	if (!unlisted)
		hd_fix_set(a, r, s, "smtpd_reject_unlisted_recipient", "yes", false);
	if (testing) {
		hd_evidence(a, r, "%s is \"still testing\": unknown users are deferred, not refused", code);
		hd_fix_set(a, r, s, "unknown_local_recipient_reject_code", "550", false);
	}
}

/* tls_on - does service s offer TLS at all? */
static bool tls_on(const struct audit *a, const struct service *s)
{
	const char *lvl = hd_sv(a, s, "smtpd_tls_security_level");

	if (*lvl)
		return strcmp(lvl, "none") != 0;
	return hd_yes(hd_sv(a, s, "smtpd_use_tls")) || hd_yes(hd_sv(a, s, "smtpd_enforce_tls")) ||
	       hd_yes(hd_sv(a, s, "smtpd_tls_wrappermode"));
}

static void check_tls_protocols(struct audit *a, const struct service *s)
{
	static const char *const names[] = { "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols" };
	struct result *r = hd_add_result(a, "tls-protocols", s, ST_PASS);

	if (!r)
		return;
	if (!tls_on(a, s)) {
		r->status = ST_FAIL;
		hd_ev_param(a, r, s, "smtpd_tls_security_level");
		hd_evidence(a, r, "the service offers no TLS at all");
		hd_fix_set(a, r, s, "smtpd_tls_security_level", "may", false);
		hd_fix_text(a, r, "with smtpd_tls_cert_file and smtpd_tls_key_file (or "
			    "smtpd_tls_chain_files) set; not done by --fix: it needs a certificate");
		return;
	}
	for (int i = 0; i < 2; i++) {
		unsigned m = pfj_harden_protocols(hd_sv(a, s, names[i]));
		char weak[64] = "";

		hd_ev_param(a, r, s, names[i]);
		for (int k = 0; k < 4; k++)
			if (m & (1u << k))
				snprintf(weak + strlen(weak), sizeof(weak) - strlen(weak), "%s%s",
					 *weak ? " " : "", pfj_tls_proto_names[k]);
		if (*weak) {
			r->status = ST_FAIL;
			hd_evidence(a, r, "%s leaves %s enabled", names[i], weak);
			hd_fix_set(a, r, s, names[i], ">=TLSv1.2", true);
		}
	}
}

static void check_auth_over_tls(struct audit *a, const struct service *s)
{
	bool sasl = hd_yes(hd_sv(a, s, "smtpd_sasl_auth_enable"));
	bool only = hd_yes(hd_sv(a, s, "smtpd_tls_auth_only"));
	bool encrypt = strcmp(hd_sv(a, s, "smtpd_tls_security_level"), "encrypt") == 0 ||
		       hd_yes(hd_sv(a, s, "smtpd_enforce_tls"));
	bool wrapper = hd_yes(hd_sv(a, s, "smtpd_tls_wrappermode"));
	bool bad = sasl && !only && !encrypt && !wrapper;
	struct result *r = hd_add_result(a, "auth-over-tls", s, bad ? ST_FAIL : ST_PASS);

	hd_ev_param(a, r, s, "smtpd_sasl_auth_enable");
	if (!sasl)
		return;
	hd_ev_param(a, r, s, "smtpd_tls_auth_only");
	if (encrypt)
		hd_evidence(a, r, "TLS is required before any command (encrypt)");
	if (wrapper)
		hd_evidence(a, r, "the whole session is TLS (smtpd_tls_wrappermode = yes)");
	if (bad) {
		hd_evidence(a, r, "AUTH is offered before STARTTLS");
		hd_fix_set(a, r, s, "smtpd_tls_auth_only", "yes", true);
	}
}

static void check_tls_logging(struct audit *a)
{
	const char *d = hd_mval(a, "smtpd_tls_loglevel"), *c = hd_mval(a, "smtp_tls_loglevel");
	bool ok = atoi(d) >= 1 && atoi(c) >= 1;
	struct result *r = hd_add_result(a, "tls-logging", NULL, ok ? ST_PASS : ST_FAIL);

	hd_evidence(a, r, "smtpd_tls_loglevel = %s", d);
	hd_evidence(a, r, "smtp_tls_loglevel = %s", c);
	if (atoi(d) < 1)
		hd_fix_set(a, r, NULL, "smtpd_tls_loglevel", "1", true);
	if (atoi(c) < 1)
		hd_fix_set(a, r, NULL, "smtp_tls_loglevel", "1", true);
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
	const char *file = hd_sv(a, s, "smtpd_tls_dh1024_param_file");
	struct result *r = hd_add_result(a, "dh-params", s, ST_PASS);
	struct pfj_buf pem = { 0 };
	int e;

	if (!r)
		return;
	hd_ev_param(a, r, s, "smtpd_tls_dh1024_param_file");
	if (!tls_on(a, s)) {
		hd_evidence(a, r, "the service offers no TLS");
		return;
	}
	if (!*file) {
		hd_evidence(a, r, "empty: OpenSSL's built-in 2048-bit group (RFC 3526, not RFC 7919 ffdhe)");
		return;
	}
	if (strcasecmp(file, "auto") == 0) {
		hd_evidence(a, r, "auto: RFC 7919 ffdhe groups");
		return;
	}
	if ((e = read_pem(a, file, &pem)) < 0) {
		r->status = ST_FAIL;
		hd_evidence(a, r, "cannot read %s: %s (Postfix falls back to its built-in group and logs "
			    "a warning)", file, strerror(-e));
	} else if (!c) {
		r->status = ST_INFO;
		hd_evidence(a, r, "not inspected: %s", cwhy);
	} else {
		BIO *bio = c->BIO_new_mem_buf(pem.data, (int)pem.len);
		EVP_PKEY *k = bio ? c->PEM_read_bio_Parameters(bio, NULL) : NULL;
		int bits = k ? c->EVP_PKEY_get_bits(k) : 0;

		if (!k) {
			r->status = ST_FAIL;
			hd_evidence(a, r, "%s holds no DH parameters libcrypto can read", file);
		} else if (bits < 2048) {
			r->status = ST_FAIL;
			hd_evidence(a, r, "%s: a %d-bit group (Logjam)", file, bits);
		} else {
			hd_evidence(a, r, "%s: a %d-bit group", file, bits);
		}
		if (k)
			c->EVP_PKEY_free(k);
		if (bio)
			c->BIO_free(bio);
	}
	if (r->status == ST_FAIL)
		hd_fix_set(a, r, s, "smtpd_tls_dh1024_param_file", "", false);
	pfj_buf_free(&pem);
}

/* cert_file - the first certificate service s presents */
static const char *cert_file(const struct audit *a, const struct service *s, char *buf, size_t size)
{
	const char *chain = hd_sv(a, s, "smtpd_tls_chain_files");

	if (*chain) {
		size_t n = strcspn(chain, " ,\t");

		snprintf(buf, size, "%.*s", (int)n, chain);
		return buf;
	}
	return hd_sv(a, s, "smtpd_tls_cert_file");
}

static void check_cert(struct audit *a, const struct service *s, const struct pfj_crypto *c,
		       const char *cwhy)
{
	char buf[PATH_MAX];
	const char *file = cert_file(a, s, buf, sizeof(buf));
	struct result *r = hd_add_result(a, "cert-key", s, ST_PASS);
	struct pfj_buf pem = { 0 };
	int e;

	if (!r)
		return;
	if (!tls_on(a, s)) {
		hd_evidence(a, r, "the service offers no TLS");
		return;
	}
	hd_evidence(a, r, "certificate %s", *file ? file : "(none)");
	if (!*file) {
		r->status = ST_FAIL;
		hd_evidence(a, r, "TLS is on but no certificate is configured: every handshake fails");
		hd_fix_text(a, r, "postconf -e 'smtpd_tls_chain_files = /etc/ssl/private/KEY.pem "
			    "/etc/ssl/certs/CERT.pem'");
		return;
	}
	if ((e = read_pem(a, file, &pem)) < 0) {
		r->status = ST_FAIL;
		hd_evidence(a, r, "cannot read it: %s", strerror(-e));
	} else if (!c) {
		r->status = ST_INFO;
		hd_evidence(a, r, "not inspected: %s", cwhy);
	} else {
		BIO *bio = c->BIO_new_mem_buf(pem.data, (int)pem.len);
		X509 *x = bio ? c->PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

		if (!x) {
			r->status = ST_FAIL;
			hd_evidence(a, r, "no certificate libcrypto can read in it");
		} else {
			EVP_PKEY *k = c->X509_get0_pubkey(x);
			int bits = k ? c->EVP_PKEY_get_bits(k) : 0;
			int id = k ? c->EVP_PKEY_get_base_id(k) : 0;
			char issuer[256];

			if (id == EVP_PKEY_RSA || id == EVP_PKEY_DSA) {
				hd_evidence(a, r, "%s key of %d bits", id == EVP_PKEY_RSA ? "RSA" : "DSA", bits);
				if (bits < 2048 || id == EVP_PKEY_DSA)
					r->status = ST_FAIL;
			} else if (id == EVP_PKEY_EC || id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) {
				hd_evidence(a, r, "%s key of %d bits", id == EVP_PKEY_EC ? "EC" : "EdDSA", bits);
				if (id == EVP_PKEY_EC && bits < 224)
					r->status = ST_FAIL;
			} else {
				hd_evidence(a, r, "a key of type %d, %d bits", id, bits);
			}
			if (c->X509_cmp_current_time(c->X509_get0_notAfter(x)) <= 0) {
				r->status = ST_FAIL;
				hd_evidence(a, r, "expired");
			}
			if (c->X509_check_issued(x, x) == X509_V_OK || strstr(file, "snakeoil")) {
				if (r->status == ST_PASS)
					r->status = ST_INFO;
				c->X509_NAME_oneline(c->X509_get_issuer_name(x), issuer, sizeof(issuer));
				hd_evidence(a, r, "self-signed%s (issuer %s): clients that verify will not "
					    "trust it", strstr(file, "snakeoil") ?
					    ", Debian's snakeoil certificate" : "", issuer);
			}
			c->X509_free(x);
		}
		if (bio)
			c->BIO_free(bio);
	}
	if (r->status == ST_FAIL)
		hd_fix_text(a, r, "replace the certificate: RSA 2048 bits or more, or EC (e.g. from an ACME "
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

		hd_evidence(a, r, "%s owner uid %u, mode %04o%s", path, (unsigned)st.st_uid,
			    (unsigned)(st.st_mode & 07777), bad ? ": readable or owned by others" : "");
		if (bad) {
			char *fx = pfj_asprintf("chown root:root %s && chmod 600 %s", path, path);

			r->status = ST_FAIL;
			if (fx)
				hd_fix_text(a, r, fx);
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
	bool on = hd_yes(hd_mval(a, "smtp_sasl_auth_enable"));
	const char *opts = hd_mval(a, "smtp_sasl_security_options");
	const char *lvl = hd_mval(a, "smtp_tls_security_level");
	struct pfj_strv maps = { 0 };
	struct result *r = hd_add_result(a, "smarthost-sasl", NULL, ST_PASS);

	if (!r)
		return;
	hd_evidence(a, r, "smtp_sasl_auth_enable = %s", hd_mval(a, "smtp_sasl_auth_enable"));
	if (!on)
		return;
	hd_evidence(a, r, "relayhost = %s", hd_mval(a, "relayhost"));
	hd_evidence(a, r, "smtp_sasl_security_options = %s", opts);
	if (!strstr(opts, "noanonymous")) {
		r->status = ST_FAIL;
		hd_fix_set(a, r, NULL, "smtp_sasl_security_options", *opts ? "noanonymous, noplaintext" :
			   "noanonymous", true);
	}
	hd_evidence(a, r, "smtp_tls_security_level = %s", lvl);
	if (!hd_in_list(lvl, strong)) {
		r->status = ST_FAIL;
		if (*hd_mval(a, "smtp_tls_policy_maps"))
			hd_evidence(a, r, "smtp_tls_policy_maps may raise it for the relayhost; not inspected");
		hd_fix_set(a, r, NULL, "smtp_tls_security_level", "encrypt", false);
	}
	if (pfj_harden_split(hd_mval(a, "smtp_sasl_password_maps"), &maps) < 0)
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
	long n = atol(hd_sv(a, s, "smtpd_recipient_limit"));
	struct result *r = hd_add_result(a, "recipient-limit", s, n > 0 && n <= 200 ? ST_PASS : ST_FAIL);

	hd_ev_param(a, r, s, "smtpd_recipient_limit");
	if (r && r->status == ST_FAIL)
		hd_fix_set(a, r, s, "smtpd_recipient_limit", "150", false);
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

	(void)pfj_harden_split(hd_sv(a, s, "smtpd_restriction_classes"), &classes);
	for (int i = 0; lists[i]; i++)
		(void)pfj_harden_split(hd_sv(a, s, lists[i]), out);
	for (size_t i = 0; i < out->n && i < 4096; i++)
		if (pfj_strv_contains(&classes, out->v[i]))
			(void)pfj_harden_split(hd_sv(a, s, out->v[i]), out);
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

		(void)pfj_harden_split(hd_sv(a, s, lists[i]), &t);
		for (size_t k = 0; k < t.n; k++) {
			if (strcmp(t.v[k], "reject") == 0 || strcmp(t.v[k], "defer") == 0) {
				closed = true;
				break;
			}
			if (!hd_in_list(t.v[k], trusted_permits) || strcmp(t.v[k], "permit_auth_destination") == 0)
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
	      any_prefix(&t, "warn_if_reject") || (s->postscreen && *hd_sv(a, s, "postscreen_dnsbl_sites"));
	obsolete = any_prefix(&t, "reject_maps_rbl") || *hd_mval(a, "maps_rbl_domains");
	r = hd_add_result(a, "dnsbl", s, obsolete ? ST_FAIL : rbl ? ST_PASS :
			  trusted_only(a, s) ? ST_INFO : ST_FAIL);
	if (!r) {
		pfj_strv_free(&t);
		return;
	}
	if (s->postscreen)
		hd_ev_param(a, r, s, "postscreen_dnsbl_sites");
	hd_evidence(a, r, rbl ? "a DNSBL is consulted" : "no reject_rbl_client or reject_rhsbl_* in the "
		    "smtpd restrictions");
	if (obsolete) {
		hd_evidence(a, r, "maps_rbl_domains / reject_maps_rbl are obsolete: use reject_rbl_client");
		hd_fix_text(a, r, "replace reject_maps_rbl with reject_rbl_client DOMAIN");
	}
	if (!rbl && r->status == ST_INFO)
		hd_evidence(a, r, "the service serves only trusted clients: no DNSBL needed");
	if (!rbl && r->status == ST_FAIL)
		hd_fix_text(a, r, s->postscreen ? "postconf -e 'postscreen_dnsbl_sites = zen.spamhaus.org*3'" :
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
		set += atol(hd_sv(a, s, names[i])) > 0;
	r = hd_add_result(a, "rate-limits", s, set == 3 ? ST_PASS : trusted_only(a, s) ? ST_INFO : ST_FAIL);
	for (int i = 0; names[i]; i++)
		hd_ev_param(a, r, s, names[i]);
	if (r && r->status == ST_FAIL) {
		for (int i = 0; names[i]; i++)
			if (atol(hd_sv(a, s, names[i])) <= 0)
				hd_fix_set(a, r, s, names[i], i == 0 ? "30" : i == 1 ? "100" : "300", false);
	}
}

static void check_greylisting(struct audit *a, const struct service *s)
{
	struct pfj_strv t = { 0 };
	bool policy, deep;
	struct result *r;

	restrictions(a, s, &t);
	policy = any_prefix(&t, "check_policy_service");
	deep = s->postscreen && (hd_yes(hd_sv(a, s, "postscreen_pipelining_enable")) ||
				 hd_yes(hd_sv(a, s, "postscreen_non_smtp_command_enable")) ||
				 hd_yes(hd_sv(a, s, "postscreen_bare_newline_enable")));
	r = hd_add_result(a, "greylisting", s, policy || deep ? ST_PASS :
			  trusted_only(a, s) ? ST_INFO : ST_FAIL);
	hd_evidence(a, r, policy ? "a policy service is consulted (check_policy_service)" :
		    deep ? "postscreen's deep protocol tests are on" :
		    "no policy service and no postscreen deep protocol tests");
	if (r && r->status == ST_FAIL)
		hd_fix_text(a, r, "a greylisting policy service (e.g. postgrey) in "
			    "smtpd_recipient_restrictions, or postscreen with postscreen_pipelining_enable = yes");
	pfj_strv_free(&t);
}

static void check_masquerade(struct audit *a)
{
	const char *v = hd_mval(a, "masquerade_domains");
	struct result *r = hd_add_result(a, "masquerade", NULL, *v ? ST_PASS : ST_INFO);

	hd_evidence(a, r, "masquerade_domains = %s", v);
	if (!*v)
		hd_fix_set(a, r, NULL, "masquerade_domains", "$mydomain", false);
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
		.daemon_directory = hd_mval(a, "daemon_directory"),
		.dash_means_y = pfj_chroot_dash_means_y(hd_mval(a, "mail_version"),
							hd_mval(a, "compatibility_level")),
	};
	struct result *r = hd_add_result(a, "chroot", NULL, ST_PASS);
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
			hd_evidence(a, r, "%s:%u: %s/%s chroot %c, build sets %c", a->mcf_path,
				    a->mcf.ent[i].chroot_line, a->mcf.ent[i].field[PFJ_MCF_SERVICE],
				    a->mcf.ent[i].field[PFJ_MCF_TYPE], d[i].from, d[i].to);
	}
	free(d);
	if (changes) {
		r->status = ST_FAIL;
		if (changes > 3)
			hd_evidence(a, r, "%zu master.cf entries in all have a chroot column build would change",
				    changes);
	} else {
		hd_evidence(a, r, "master.cf's chroot column is as build sets it");
	}
	if (verify_code == 0) {
		hd_evidence(a, r, "pfjail verify: the jail is clean");
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
		hd_evidence(a, r, "pfjail verify exits %d: %s", verify_code, first);
	}
	if (r->status == ST_FAIL)
		hd_fix_text(a, r, "pfjail build");
}

static void check_root_alias(struct audit *a, int code, const struct pfj_root_check *rc)
{
	struct result *r = hd_add_result(a, "root-alias", NULL, code == 0 ? ST_PASS : ST_FAIL);
	char line[PFJ_ROOT_CHECK_MSG];

	if (code < 0) {
		hd_evidence(a, r, "cannot check: %s", rc->why);
	} else {
		pfj_root_check_describe(rc, line, sizeof(line));
		hd_evidence(a, r, "%s", line);
	}
	if (code != 0)
		hd_fix_text(a, r, rc->stale ? "pfjail aliases (rebuilds the map)" :
			    "pfjail aliases --root-to USER");
}

/*
 * hd_check_all - every check, in the order of the report: the instance's,
 * then each inet smtpd service's (or one "info" result per check when
 * there is none).  verify is what pfjail verify exited with and printed,
 * aliases what pfj_aliases_root_check answered (acode); c is libcrypto,
 * or NULL with the reason in cwhy.
 */
void hd_check_all(struct audit *a, int vcode, const struct pfj_run_result *verify, int acode,
		  const struct pfj_root_check *aliases, const struct pfj_crypto *c, const char *cwhy)
{
	check_config_warnings(a);
	check_inet_interfaces(a);
	check_mynetworks(a);
	check_routing(a);
	check_tls_logging(a);
	check_smarthost(a);
	check_masquerade(a);
	check_chroot(a, vcode, &verify->out, &verify->err);
	check_root_alias(a, acode, aliases);
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
			hd_evidence(a, hd_add_result(a, per[i], NULL, ST_INFO),
				    "master.cf has no inet smtpd service: this host receives no mail "
				    "from the network");
	}
}
