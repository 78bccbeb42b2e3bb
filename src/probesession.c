/*
 * probesession.c - the SMTP sessions of harden --probe, with each inet
 * smtpd service of the private copy (probe.c), as an outside client.
 *
 * The sessions.  Each one greets, says EHLO example.net, sends XCLIENT
 * ADDR=192.0.2.10 NAME=[UNAVAILABLE] (the server greets again: it now sees
 * an outside client without a name), and never sends DATA; every
 * transaction ends with RSET or QUIT, so nothing is ever queued.  A
 * session makes at most SESSION_ERRORS mistakes, below smtpd's
 * soft_error_limit (10), after which every reply would be slowed by a
 * second.  A service that answers 530 (STARTTLS first) is asked again
 * over TLS; a wrapper-mode service is only ever spoken to over TLS.  TLS
 * runs through the openssl program (s_client -quiet as the transport,
 * OPENSSL_CONF=/dev/null so that no system policy narrows what is tried).
 *
 * The relay battery tries every sender form with every recipient form of
 * nmap's smtp-open-relay script, in as many sessions as the error budget
 * needs; an accepted RCPT is relaying, and the transaction ends with RSET.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe-int.h"
#include "probe.h"

#define CLIENT_ADDR	"192.0.2.10"	/* TEST-NET-1: an outside client */
#define FOREIGN		"example.net"	/* reserved: never a real relay target; also the
					 * EHLO name, one that resolves, as a careful spammer's */
#define SESSION_ERRORS	8		/* below smtpd_soft_error_limit */

/* One SMTP connection: a socket, or the pipes of openssl s_client. */
struct conn {
	int rfd, wfd;
	struct helper h;
	char buf[8192];
	size_t len;
	int errors;		/* 4xx/5xx replies so far */
};

struct reply {
	int code;		/* the final line's code */
	char text[4096];	/* the lines, '\n'-separated, without CR */
};

/* wait_fd - poll one descriptor until deadline; 0, -ETIMEDOUT or -EINTR (a signal came) */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int64_t left = deadline - pb_now_ms();
		int r;

		if (pb_signal)
			return -EINTR;
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, left < SLICE_MS ? (int)left : SLICE_MS);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* line1 - the first line of a reply, for evidence */
static const char *line1(const struct reply *r, char *buf, size_t size)
{
	size_t n = strcspn(r->text, "\n");

	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), r->text);
	return buf;
}

/* ---- SMTP --------------------------------------------------------------------- */

/* tcp_connect - a connected socket to 127.0.0.1:port (a refused connect is retried) */
static int tcp_connect(int port, int64_t deadline)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, r, err;
	socklen_t len = sizeof(err);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (errno != EINPROGRESS) {
			err = errno;
		} else if ((r = wait_fd(fd, POLLOUT, deadline)) < 0) {
			close(fd);
			return r;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
			err = errno;
		} else if (!err) {
			return fd;
		}
		close(fd);
		if (err != ECONNREFUSED || pb_now_ms() + 20 >= deadline)
			return -err;
		pb_nap(20);	/* master may not listen yet */
	}
}

/* conn_open - plain TCP, or TLS through s_client (-starttls smtp unless wrapper mode) */
static int conn_open(struct probe *p, const struct service *s, int tls, struct conn *c)
{
	char target[32];
	const char *argv[16];
	int n = 0, r;

	memset(c, 0, sizeof(*c));
	c->h.pid = -1;
	c->h.in = c->h.out = -1;
	if (!tls) {
		if ((r = tcp_connect(s->port, pb_step_end(p))) < 0)
			return r;
		c->rfd = c->wfd = r;
		return 0;
	}
	snprintf(target, sizeof(target), "127.0.0.1:%d", s->port);
	argv[n++] = p->openssl;
	argv[n++] = "s_client";
	argv[n++] = "-quiet";
	argv[n++] = "-nocommands";
	argv[n++] = "-connect";
	argv[n++] = target;
	if (!s->wrapper) {
		argv[n++] = "-starttls";
		argv[n++] = "smtp";
	}
	argv[n] = NULL;
	if ((r = pb_spawn(argv, 1, 0, &c->h)) < 0)
		return r;
	c->rfd = c->h.out;
	c->wfd = c->h.in;
	return 0;
}

/* conn_close - end the connection (the caller said QUIT when it could) */
static void conn_close(struct conn *c)
{
	if (c->h.pid > 0)
		pb_helper_end(&c->h);
	else if (c->rfd > 0)
		close(c->rfd);
	c->rfd = c->wfd = -1;
}

/* read_line - one line (CR LF stripped) before deadline; 0 or -errno */
static int read_line(struct conn *c, char *line, size_t size, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;
		int r;

		if (nl) {
			size_t k = (size_t)(nl - c->buf), m = k;

			if (m && c->buf[m - 1] == '\r')
				m--;
			snprintf(line, size, "%.*s", (int)(m < size ? m : size - 1), c->buf);
			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			return 0;
		}
		if (c->len == sizeof(c->buf))
			return -EPROTO;	/* a line longer than any SMTP reply line */
		if ((r = wait_fd(c->rfd, POLLIN, deadline)) < 0)
			return r;
		n = read(c->rfd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			c->len += (size_t)n;
	}
}

/* write_all - send a command line before deadline */
static int write_all(struct conn *c, const char *s, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t w = c->h.pid > 0 ? write(c->wfd, s, n) : send(c->wfd, s, n, MSG_NOSIGNAL);
		int r;

		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
		if ((r = wait_fd(c->wfd, POLLOUT, deadline)) < 0)
			return r;
	}
	return 0;
}

/* smtp - send cmd (NULL: only read, e.g. the greeting) and read the whole reply */
static int smtp(struct probe *p, struct conn *c, const char *cmd, struct reply *rep)
{
	int64_t deadline = pb_step_end(p);
	char line[1024];
	size_t used = 0;
	int r;

	rep->code = 0;
	rep->text[0] = '\0';
	if (cmd) {
		char out[1024];
		int n = snprintf(out, sizeof(out), "%s\r\n", cmd);

		if ((r = write_all(c, out, (size_t)n, deadline)) < 0)
			return r;
	}
	for (;;) {
		if ((r = read_line(c, line, sizeof(line), deadline)) < 0)
			return r;
		if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (line[3] && line[3] != ' ' && line[3] != '-'))
			return -EPROTO;
		if (used < sizeof(rep->text) - 1)
			used += (size_t)snprintf(rep->text + used, sizeof(rep->text) - used, "%s%s",
						 used ? "\n" : "", line);
		if (line[3] != '-')
			break;
	}
	rep->code = atoi(line);
	if (rep->code >= 400)
		c->errors++;
	return 0;
}

/* has_ext - does an EHLO reply offer the extension kw? */
static int has_ext(const struct reply *r, const char *kw, char *args, size_t size)
{
	size_t n = strlen(kw);

	for (const char *l = r->text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		if (strlen(l) > 4 && strncasecmp(l + 4, kw, n) == 0 &&
		    (l[4 + n] == ' ' || l[4 + n] == '\n' || l[4 + n] == '\0' || l[4 + n] == '=')) {
			if (args)
				snprintf(args, size, "%.*s", (int)strcspn(l + 4, "\n"), l + 4);
			return 1;
		}
	}
	return 0;
}

/*
 * session_begin - greeting (unless s_client already read it), EHLO,
 * XCLIENT as the outside client, and (ehlo2) EHLO again.  0, or -errno /
 * -EACCES (XCLIENT refused) with the reply in *rep.
 */
static int session_begin(struct probe *p, const struct service *s, struct conn *c, int tls,
			 struct reply *greeting, int ehlo2, struct reply *rep)
{
	int r;

	if ((!tls || s->wrapper) && (r = smtp(p, c, NULL, greeting ? greeting : rep)) < 0)
		return r;
	if ((r = smtp(p, c, "EHLO " FOREIGN, rep)) < 0)
		return r;
	if ((r = smtp(p, c, "XCLIENT ADDR=" CLIENT_ADDR " NAME=[UNAVAILABLE]", rep)) < 0)
		return r;
	if (rep->code != 220)
		return -EACCES;
	if (ehlo2)
		return smtp(p, c, "EHLO " FOREIGN, rep);
	return 0;
}

/* begin_failed - results for every check of a session that could not start */
static void begin_failed(const struct probe *p, struct service *s, const enum check *ids,
			 size_t n, int r, const struct reply *rep)
{
	char l[256], fatal[512] = "";

	if (r != -EACCES)
		pb_maillog_reason(p, fatal, sizeof(fatal));	/* smtpd may have died at start */
	for (size_t i = 0; i < n; i++) {
		if (r == -EACCES)
			pb_set(&s->res[ids[i]], PFJ_PROBE_INFO, "not tested: XCLIENT refused: %s",
			       line1(rep, l, sizeof(l)));
		else
			pb_set(&s->res[ids[i]], PFJ_PROBE_INFO, "not tested: %s%s", pb_errtext(r), fatal);
	}
}

/* banner_check - the greeting must not name the software, its version or the OS */
static void banner_check(struct probe *p, struct service *s, const struct reply *g)
{
	static const char *const words[] = {
		"postfix", "debian", "ubuntu", "gnu", "linux", "raspbian", "devuan", "centos",
		"red hat", "redhat", "rhel", "fedora", "suse", "alpine", "freebsd", "openbsd",
		"netbsd", "gentoo", NULL,
	};
	char l[512], found[256] = "";
	const char *text = g->text;

	line1(g, l, sizeof(l));
	text += strcspn(text, " \n");		/* after the code */
	text += strspn(text, " ");
	text += strcspn(text, " \n");		/* after the host name; every line after it */
	for (const char *const *w = words; *w; w++)
		if (strcasestr(text, *w))
			snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s\"%s\"",
				 *found ? ", " : "", *w);
	if (p->mail_name && *p->mail_name && strcasestr(text, p->mail_name) &&
	    strcasecmp(p->mail_name, "postfix") != 0)
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "%smail_name \"%s\"",
			 *found ? ", " : "", p->mail_name);
	for (const char *t = text; *t; t++) {
		if (isdigit((unsigned char)*t) && t[1] == '.' && isdigit((unsigned char)t[2]) &&
		    (t == text || !isalnum((unsigned char)t[-1]))) {
			snprintf(found + strlen(found), sizeof(found) - strlen(found),
				 "%sa version number", *found ? ", " : "");
			break;
		}
	}
	if (g->code != 220)
		pb_set(&s->res[C_BANNER], PFJ_PROBE_INFO, "greeting is not 220: %s", l);
	else if (*found)
		pb_set(&s->res[C_BANNER], PFJ_PROBE_FAIL, "greeting names %s: %s", found, l);
	else
		pb_set(&s->res[C_BANNER], PFJ_PROBE_PASS, "greeting: %s", l);
}

/* tells_apart - do the replies to VRFY (or EXPN) of a known and an unknown user differ? */
static int tells_apart(const struct reply *known, const struct reply *unknown)
{
	return known->code / 100 == 2 && unknown->code / 100 != 2;
}

/*
 * pb_main_session - greeting, helo-required (MAIL right after XCLIENT), the
 * EHLO an outside client sees (AUTH before TLS, STARTTLS), VRFY and EXPN
 * of a known and an unknown user, RCPT to an unknown local user.
 */
void pb_main_session(struct probe *p, struct service *s, int tls)
{
	static const enum check ids[] = { C_BANNER, C_AUTH, C_VRFY, C_HELO, C_ENUM };
	const enum check *todo = tls && !s->wrapper ? ids + 2 : ids;
	size_t ntodo = tls && !s->wrapper ? 3 : 5;
	struct reply greet, rep, vk, vu, ek, eu, helo, rk;
	const char *pre = tls ? (s->wrapper ? "over TLS (wrapper mode): " : "after STARTTLS: ") : "";
	char cmd[600], l1[256], l2[256], auth[256];
	struct conn c;
	int r;

	for (size_t i = 0; i < ntodo; i++)
		s->res[todo[i]].set = 0;	/* over TLS, the answers replace the 530s */
	if ((r = conn_open(p, s, tls, &c)) < 0) {
		begin_failed(p, s, todo, ntodo, r, &rep);
		return;
	}
	if ((r = session_begin(p, s, &c, tls, &greet, 0, &rep)) < 0) {
		begin_failed(p, s, todo, ntodo, r, &rep);
		goto out;
	}
	if (!tls || s->wrapper)
		banner_check(p, s, &greet);
	/* XCLIENT forgot the EHLO: a MAIL now shows whether HELO is required */
	if ((r = smtp(p, &c, "MAIL FROM:<>", &helo)) < 0)
		goto fail;
	if (helo.code == 530)
		s->need_tls = 1;
	if (helo.code / 100 == 5 && helo.code != 530)
		pb_set(&s->res[C_HELO], PFJ_PROBE_PASS, "%sMAIL before EHLO: %s", pre,
		       line1(&helo, l1, sizeof(l1)));
	else if (helo.code / 100 == 2)
		pb_set(&s->res[C_HELO], PFJ_PROBE_FAIL, "%sMAIL before EHLO accepted: %s", pre,
		       line1(&helo, l1, sizeof(l1)));
	else
		pb_set(&s->res[C_HELO], PFJ_PROBE_INFO, "%sMAIL before EHLO: %s", pre,
		       line1(&helo, l1, sizeof(l1)));
	if (helo.code / 100 == 2 && (r = smtp(p, &c, "RSET", &rep)) < 0)
		goto fail;
	if ((r = smtp(p, &c, "EHLO " FOREIGN, &rep)) < 0)
		goto fail;
	if (!tls) {
		s->starttls = has_ext(&rep, "STARTTLS", NULL, 0);
		if (has_ext(&rep, "AUTH", auth, sizeof(auth)))
			pb_set(&s->res[C_AUTH], PFJ_PROBE_FAIL, "EHLO before STARTTLS offers %s%s", auth,
			       s->starttls ? "" : " (no STARTTLS at all)");
		else
			pb_set(&s->res[C_AUTH], PFJ_PROBE_PASS, "EHLO before STARTTLS offers no AUTH%s",
			       s->starttls ? "" : " (and no STARTTLS)");
	} else if (s->wrapper) {
		s->starttls = 1;
		pb_set(&s->res[C_AUTH], PFJ_PROBE_PASS, "wrapper mode: TLS before the first command%s",
		       has_ext(&rep, "AUTH", NULL, 0) ? "" : " (no AUTH offered)");
	}
	if ((r = smtp(p, &c, "VRFY root", &vk)) < 0 ||
	    (r = smtp(p, &c, (snprintf(cmd, sizeof(cmd), "VRFY %s", p->unknown), cmd), &vu)) < 0 ||
	    (r = smtp(p, &c, "EXPN root", &ek)) < 0 ||
	    (r = smtp(p, &c, (snprintf(cmd, sizeof(cmd), "EXPN %s", p->unknown), cmd), &eu)) < 0)
		goto fail;
	if (vk.code == 530 || ek.code == 530)
		s->need_tls = 1;
	if (tells_apart(&vk, &vu))
		pb_set(&s->res[C_VRFY], PFJ_PROBE_FAIL, "%sVRFY root: %s; VRFY %s: %s", pre,
		       line1(&vk, l1, sizeof(l1)), p->unknown, line1(&vu, l2, sizeof(l2)));
	else if (tells_apart(&ek, &eu))
		pb_set(&s->res[C_VRFY], PFJ_PROBE_FAIL, "%sEXPN root: %s; EXPN %s: %s", pre,
		       line1(&ek, l1, sizeof(l1)), p->unknown, line1(&eu, l2, sizeof(l2)));
	else
		pb_set(&s->res[C_VRFY], PFJ_PROBE_PASS, "%sVRFY root: %s; EXPN root: %s", pre,
		       line1(&vk, l1, sizeof(l1)), line1(&ek, l2, sizeof(l2)));
	/* an unknown local user: refused at once, or told apart only by a bounce or a retry */
	if ((r = smtp(p, &c, "MAIL FROM:<>", &rep)) < 0)
		goto fail;
	if (rep.code == 530)
		s->need_tls = 1;
	if (rep.code / 100 != 2) {
		pb_set(&s->res[C_ENUM], PFJ_PROBE_INFO, "%sMAIL FROM:<> refused: %s", pre,
		       line1(&rep, l1, sizeof(l1)));
		goto quit;
	}
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s@%s>", p->unknown, p->myhostname);
	if ((r = smtp(p, &c, cmd, &rep)) < 0)
		goto fail;
	if (rep.code / 100 == 5)
		pb_set(&s->res[C_ENUM], PFJ_PROBE_PASS, "%s%s: %s", pre, cmd, line1(&rep, l1, sizeof(l1)));
	else if (rep.code / 100 == 2)
		pb_set(&s->res[C_ENUM], PFJ_PROBE_FAIL, "%s%s accepted (a bounce would tell): %s", pre,
		       cmd, line1(&rep, l1, sizeof(l1)));
	else {
		/* deferred: enumeration only if a known user is not */
		snprintf(l2, sizeof(l2), "RCPT TO:<root@%s>", p->myhostname);
		if ((r = smtp(p, &c, l2, &rk)) < 0)
			goto fail;
		pb_set(&s->res[C_ENUM], rk.code == rep.code ? PFJ_PROBE_INFO : PFJ_PROBE_FAIL,
		       "%s%s deferred: %s (root: %d)", pre, cmd, line1(&rep, l1, sizeof(l1)), rk.code);
	}
	smtp(p, &c, "RSET", &rep);
quit:
	smtp(p, &c, "QUIT", &rep);
	conn_close(&c);
	return;
fail:
	for (size_t i = 0; i < ntodo; i++)
		if (!s->res[todo[i]].set)
			pb_set(&s->res[todo[i]], PFJ_PROBE_INFO, "%snot tested: %s", pre, pb_errtext(r));
out:
	conn_close(&c);
}

/* The relay battery (nmap's smtp-open-relay forms): TO, EXT, SRV and IP are replaced. */
static const char *const relay_from[] = { "", "root@SRV", "TO@EXT" };
static const char *const relay_to[] = {
	"TO@EXT", "TO%EXT@[IP]", "TO%EXT@SRV", "\"TO@EXT\"", "\"TO%EXT\"", "\"TO@EXT\"@[IP]",
	"TO@EXT@[IP]", "TO@EXT@SRV", "@[IP]:TO@EXT", "@SRV:TO@EXT", "EXT!TO", "EXT!TO@[IP]",
	"EXT!TO@SRV",
};
#define NFROM (sizeof(relay_from) / sizeof(relay_from[0]))
#define NTO (sizeof(relay_to) / sizeof(relay_to[0]))

/* relay_addr - a battery address with the tokens filled in */
static void relay_addr(const struct probe *p, const char *t, char *out, size_t size)
{
	size_t n = 0;

	while (*t && n + 1 < size) {
		const char *v = NULL;
		size_t skip = 1;

		if (strncmp(t, "TO", 2) == 0)
			v = "pfjprobe", skip = 2;
		else if (strncmp(t, "EXT", 3) == 0)
			v = FOREIGN, skip = 3;
		else if (strncmp(t, "SRV", 3) == 0)
			v = p->myhostname, skip = 3;
		else if (strncmp(t, "IP", 2) == 0)
			v = "127.0.0.1", skip = 2;
		if (v)
			n += (size_t)snprintf(out + n, size - n, "%s", v);
		else
			out[n++] = *t;
		if (n >= size)
			n = size - 1;
		t += skip;
	}
	out[n] = '\0';
}

/*
 * pb_relay_battery - every sender form with every recipient form, in as
 * many sessions as the error budget needs.  Any 4xx or 5xx is a refusal.
 */
void pb_relay_battery(struct probe *p, struct service *s, int tls)
{
	const char *pre = tls ? (s->wrapper ? "over TLS (wrapper mode): " : "after STARTTLS: ") : "";
	char from[300], to[300], cmd[700], first_ok[700] = "", first_no[300] = "", l[256];
	size_t i = 0, total = NFROM * NTO, accepted = 0, refused = 0;
	const char *why = NULL;
	int stuck = 0, timeouts = 0;

	while (i < total && !why) {
		struct reply rep;
		struct conn c;
		size_t cur_from = SIZE_MAX, start = i;
		int r;

		if ((r = conn_open(p, s, tls, &c)) < 0 ||
		    (r = session_begin(p, s, &c, tls, NULL, 1, &rep)) < 0) {
			why = r == -EACCES ? "XCLIENT refused" : pb_errtext(r);
			conn_close(&c);
			break;
		}
		while (i < total && c.errors < SESSION_ERRORS) {
			size_t f = i / NTO;

			if (f != cur_from) {
				if (cur_from != SIZE_MAX && (r = smtp(p, &c, "RSET", &rep)) < 0)
					break;
				relay_addr(p, relay_from[f], from, sizeof(from));
				snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", from);
				if ((r = smtp(p, &c, cmd, &rep)) < 0)
					break;
				cur_from = f;
				if (rep.code / 100 != 2) {	/* this sender cannot relay at all */
					refused += NTO - i % NTO;
					i = (f + 1) * NTO;
					if (!*first_no)
						line1(&rep, first_no, sizeof(first_no));
					cur_from = SIZE_MAX;
					continue;
				}
			}
			relay_addr(p, relay_to[i % NTO], to, sizeof(to));
			snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", to);
			if ((r = smtp(p, &c, cmd, &rep)) < 0)
				break;
			if (rep.code / 100 == 2) {
				if (!accepted++)
					snprintf(first_ok, sizeof(first_ok), "%.300s from <%.100s>: %.200s", cmd,
						 from, line1(&rep, l, sizeof(l)));
			} else {
				refused++;
				if (!*first_no)
					line1(&rep, first_no, sizeof(first_no));
			}
			i++;
		}
		if (r >= 0 && smtp(p, &c, "RSET", &rep) == 0)
			smtp(p, &c, "QUIT", &rep);
		conn_close(&c);
		if (r < 0) {
			/* a failed command is skipped, not retried; a server that stalls twice
			 * stalls on every form, and one that fails twice in a row is gone */
			if (r == -EINTR || (r == -ETIMEDOUT && (++timeouts >= 2 || pb_now_ms() >= p->end)) ||
			    (i == start && stuck++))
				why = pb_errtext(r);
			else if (i == start || r == -ETIMEDOUT)
				i++;
		} else {
			stuck = 0;
		}
	}
	if (accepted)
		pb_set(&s->res[C_RELAY], PFJ_PROBE_FAIL, "%s%zu of %zu relay forms accepted, e.g. %s", pre,
		       accepted, total, first_ok);
	else if (refused == total)
		pb_set(&s->res[C_RELAY], PFJ_PROBE_PASS, "%sall %zu relay forms refused (%zu senders x %zu "
		       "recipients), e.g. %s", pre, total, NFROM, NTO, first_no);
	else
		pb_set(&s->res[C_RELAY], PFJ_PROBE_INFO, "%s%zu of %zu relay forms refused, %zu not tested: %s",
		       pre, refused, total, total - refused, why ? why : "timed out");
}

