/*
 * probe.c - harden --probe: test a Postfix instance live, as a client
 * from outside sees it, without touching the running instance.
 *
 * The copy.  The configuration directory's top-level files (main.cf,
 * master.cf, maps and their .db/.lmdb files; symlinks as symlinks) are
 * copied into a private directory made with mkdtemp under $TMPDIR (or
 * /tmp) and opened to "search only" (0711): master opens data_directory's
 * lock file as mail_owner, which must reach it.  The copy gets its own
 * queue_directory and data_directory (owned by mail_owner), chroot n for
 * every service, no multi-instance wrapper (Debian's postmulti would start
 * every instance), inet_interfaces 127.0.0.1 and mynetworks pinned to the
 * original's expanded value, so that its policy is the original's.  TLS
 * session caches and the PRNG exchange file move into the copy (tlsmgr
 * truncates a session cache when it starts), and the copy logs into its
 * own maillog_file, read back when it fails to start.  Each inet smtpd
 * service moves to 127.0.0.1 on a free port, -o options kept (its process
 * limit lifted, so that the handshakes run side by side); a postscreen
 * service becomes the smtpd pass service behind it (postscreen does not
 * implement XCLIENT), reported under the postscreen service's name; other
 * inet services are removed.  The one policy change is that 127.0.0.1 may
 * send XCLIENT.  All edits are made with postconf itself.
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
 * The TLS versions are probed at once, each with @SECLEVEL=0 because
 * OpenSSL 3 refuses TLS 1.0 and 1.1 at its default level; the DH group
 * comes from the ServerKeyExchange message of a DHE handshake (s_client
 * -msg), compared with the RFC 7919 groups libcrypto knows.
 *
 * Bounds.  Every command and handshake has opts->cmd_timeout_ms and the
 * whole probe opts->total_timeout_ms; a command that runs out of time
 * gives an "info" result saying so.  SIGINT, SIGTERM and SIGHUP set a flag
 * that every wait checks; the copy is then stopped (postfix stop, then
 * whatever is left of master's process group or runs in the copy's queue
 * directory is killed by PID) and removed, and the previous handlers are
 * put back.  Results are emitted only when the probe ran to its end.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "postconf.h"
#include "probe.h"
#include "proc.h"
#include "safefile.h"
#include "util.h"

#define CLIENT_ADDR	"192.0.2.10"	/* TEST-NET-1: an outside client */
#define FOREIGN		"example.net"	/* reserved: never a real relay target; also the
					 * EHLO name, one that resolves, as a careful spammer's */
#define SESSION_ERRORS	8		/* below smtpd_soft_error_limit */
#define SLICE_MS	250		/* longest sleep between looks at the signal flag */

static volatile sig_atomic_t probe_signal;

/* The checks, in the order they are emitted. */
enum check { C_BANNER, C_AUTH, C_VRFY, C_HELO, C_ENUM, C_RELAY, C_TLS, C_DH, C_CERT, C_N };
static const char *const check_id[C_N] = {
	"banner", "auth-over-tls", "vrfy", "helo-required", "enumeration", "open-relay",
	"tls-protocols", "dh-params", "cert-key",
};

struct result {
	int set;
	enum pfj_probe_status status;
	char evidence[600];
};

struct service {
	char *name;		/* as the original's master.cf has it */
	char *command;		/* the smtpd command line in the copy */
	int port;		/* on 127.0.0.1 in the copy */
	int wrapper;		/* smtpd_tls_wrappermode: TLS from the first byte */
	int starttls;		/* STARTTLS offered to the outside client */
	int need_tls;		/* transactions answered 530: ask again over TLS */
	struct result res[C_N];
};

struct probe {
	const struct pfj_probe_opts *o;
	char *postconf, *postfix, *openssl;
	char tmp[PATH_MAX];	/* the copy ("" until made) */
	char *etc, *queue, *data;
	int64_t end;		/* the whole probe's deadline (CLOCK_MONOTONIC ms) */
	int cmd_ms;
	int started;
	char *myhostname, *mail_name;
	char unknown[32];	/* a local part no one has */
	struct service *svc;
	size_t nsvc;
};

/* A helper program (openssl) with pipes to its stdin and stdout. */
struct helper {
	pid_t pid;
	int in, out;
};

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

/* now_ms - a monotonic clock in milliseconds */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* step_end - the deadline of one command or handshake starting now */
static int64_t step_end(const struct probe *p)
{
	int64_t e = now_ms() + p->cmd_ms;

	return e < p->end ? e : p->end;
}

/* wait_fd - poll one descriptor until deadline; 0, -ETIMEDOUT or -EINTR (a signal came) */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int64_t left = deadline - now_ms();
		int r;

		if (probe_signal)
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

/* nap - sleep ms unless a signal comes */
static void nap(int ms)
{
	poll(NULL, 0, ms);
}

/* set - record one result (the evidence as one printable line) */
static void set(struct result *r, enum pfj_probe_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct result *r, enum pfj_probe_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->evidence, sizeof(r->evidence), fmt, ap);
	va_end(ap);
	for (char *s = r->evidence; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = *s == '\n' ? '|' : '?';
	r->status = st;
	r->set = 1;
}

/* line1 - the first line of a reply, for evidence */
static const char *line1(const struct reply *r, char *buf, size_t size)
{
	size_t n = strcspn(r->text, "\n");

	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), r->text);
	return buf;
}

/* errtext - what went wrong with a command, for evidence */
static const char *errtext(int r)
{
	return r == -ETIMEDOUT ? "timed out" : r == -EPIPE ? "connection closed" :
	       r == -EPROTO ? "malformed reply" : strerror(-r);
}

/* ---- helper programs ---------------------------------------------------------- */

/* spawn - start argv with a fixed environment; stdin a pipe or /dev/null, stdout a pipe */
static int spawn(const char *const argv[], int want_stdin, int merge_err, struct helper *h)
{
	static char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OPENSSL_CONF=/dev/null", NULL,
	};
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, r;

	h->pid = -1;
	h->in = h->out = -1;
	if ((want_stdin && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0)
		goto fail;
	h->pid = fork();
	if (h->pid < 0)
		goto fail;
	if (h->pid == 0) {
		/* pipes rather than pfj_run_start: s_client is the transport, its stdin is used */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		sigset_t none;

		if (null < 0 || dup2(in[0] >= 0 ? in[0] : null, STDIN_FILENO) < 0 ||
		    dup2(out[1], STDOUT_FILENO) < 0 ||
		    dup2(merge_err ? out[1] : null, STDERR_FILENO) < 0)
			_exit(127);
		closefrom(STDERR_FILENO + 1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	h->in = in[1];
	h->out = out[0];
	if (h->in >= 0)
		fcntl(h->in, F_SETFL, O_NONBLOCK);
	fcntl(h->out, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	r = -errno;
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return r;
}

/* helper_end - close the pipes, kill the program if it still runs, reap it */
static void helper_end(struct helper *h)
{
	if (h->in >= 0)
		close(h->in);
	if (h->out >= 0)
		close(h->out);
	if (h->pid > 0) {
		if (waitpid(h->pid, NULL, WNOHANG) == 0) {
			kill(h->pid, SIGKILL);
			while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	h->pid = -1;
	h->in = h->out = -1;
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
		if (err != ECONNREFUSED || now_ms() + 20 >= deadline)
			return -err;
		nap(20);	/* master may not listen yet */
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
		if ((r = tcp_connect(s->port, step_end(p))) < 0)
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
	if ((r = spawn(argv, 1, 0, &c->h)) < 0)
		return r;
	c->rfd = c->h.out;
	c->wfd = c->h.in;
	return 0;
}

/* conn_close - end the connection (the caller said QUIT when it could) */
static void conn_close(struct conn *c)
{
	if (c->h.pid > 0)
		helper_end(&c->h);
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
	int64_t deadline = step_end(p);
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

static void maillog_reason(const struct probe *p, char *why, size_t size);

/* begin_failed - results for every check of a session that could not start */
static void begin_failed(const struct probe *p, struct service *s, const enum check *ids,
			 size_t n, int r, const struct reply *rep)
{
	char l[256], fatal[512] = "";

	if (r != -EACCES)
		maillog_reason(p, fatal, sizeof(fatal));	/* smtpd may have died at start */
	for (size_t i = 0; i < n; i++) {
		if (r == -EACCES)
			set(&s->res[ids[i]], PFJ_PROBE_INFO, "not tested: XCLIENT refused: %s",
			    line1(rep, l, sizeof(l)));
		else
			set(&s->res[ids[i]], PFJ_PROBE_INFO, "not tested: %s%s", errtext(r), fatal);
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
		set(&s->res[C_BANNER], PFJ_PROBE_INFO, "greeting is not 220: %s", l);
	else if (*found)
		set(&s->res[C_BANNER], PFJ_PROBE_FAIL, "greeting names %s: %s", found, l);
	else
		set(&s->res[C_BANNER], PFJ_PROBE_PASS, "greeting: %s", l);
}

/* tells_apart - do the replies to VRFY (or EXPN) of a known and an unknown user differ? */
static int tells_apart(const struct reply *known, const struct reply *unknown)
{
	return known->code / 100 == 2 && unknown->code / 100 != 2;
}

/*
 * main_session - greeting, helo-required (MAIL right after XCLIENT), the
 * EHLO an outside client sees (AUTH before TLS, STARTTLS), VRFY and EXPN
 * of a known and an unknown user, RCPT to an unknown local user.
 */
static void main_session(struct probe *p, struct service *s, int tls)
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
		set(&s->res[C_HELO], PFJ_PROBE_PASS, "%sMAIL before EHLO: %s", pre,
		    line1(&helo, l1, sizeof(l1)));
	else if (helo.code / 100 == 2)
		set(&s->res[C_HELO], PFJ_PROBE_FAIL, "%sMAIL before EHLO accepted: %s", pre,
		    line1(&helo, l1, sizeof(l1)));
	else
		set(&s->res[C_HELO], PFJ_PROBE_INFO, "%sMAIL before EHLO: %s", pre,
		    line1(&helo, l1, sizeof(l1)));
	if (helo.code / 100 == 2 && (r = smtp(p, &c, "RSET", &rep)) < 0)
		goto fail;
	if ((r = smtp(p, &c, "EHLO " FOREIGN, &rep)) < 0)
		goto fail;
	if (!tls) {
		s->starttls = has_ext(&rep, "STARTTLS", NULL, 0);
		if (has_ext(&rep, "AUTH", auth, sizeof(auth)))
			set(&s->res[C_AUTH], PFJ_PROBE_FAIL, "EHLO before STARTTLS offers %s%s", auth,
			    s->starttls ? "" : " (no STARTTLS at all)");
		else
			set(&s->res[C_AUTH], PFJ_PROBE_PASS, "EHLO before STARTTLS offers no AUTH%s",
			    s->starttls ? "" : " (and no STARTTLS)");
	} else if (s->wrapper) {
		s->starttls = 1;
		set(&s->res[C_AUTH], PFJ_PROBE_PASS, "wrapper mode: TLS before the first command%s",
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
		set(&s->res[C_VRFY], PFJ_PROBE_FAIL, "%sVRFY root: %s; VRFY %s: %s", pre,
		    line1(&vk, l1, sizeof(l1)), p->unknown, line1(&vu, l2, sizeof(l2)));
	else if (tells_apart(&ek, &eu))
		set(&s->res[C_VRFY], PFJ_PROBE_FAIL, "%sEXPN root: %s; EXPN %s: %s", pre,
		    line1(&ek, l1, sizeof(l1)), p->unknown, line1(&eu, l2, sizeof(l2)));
	else
		set(&s->res[C_VRFY], PFJ_PROBE_PASS, "%sVRFY root: %s; EXPN root: %s", pre,
		    line1(&vk, l1, sizeof(l1)), line1(&ek, l2, sizeof(l2)));
	/* an unknown local user: refused at once, or told apart only by a bounce or a retry */
	if ((r = smtp(p, &c, "MAIL FROM:<>", &rep)) < 0)
		goto fail;
	if (rep.code == 530)
		s->need_tls = 1;
	if (rep.code / 100 != 2) {
		set(&s->res[C_ENUM], PFJ_PROBE_INFO, "%sMAIL FROM:<> refused: %s", pre,
		    line1(&rep, l1, sizeof(l1)));
		goto quit;
	}
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s@%s>", p->unknown, p->myhostname);
	if ((r = smtp(p, &c, cmd, &rep)) < 0)
		goto fail;
	if (rep.code / 100 == 5)
		set(&s->res[C_ENUM], PFJ_PROBE_PASS, "%s%s: %s", pre, cmd, line1(&rep, l1, sizeof(l1)));
	else if (rep.code / 100 == 2)
		set(&s->res[C_ENUM], PFJ_PROBE_FAIL, "%s%s accepted (a bounce would tell): %s", pre,
		    cmd, line1(&rep, l1, sizeof(l1)));
	else {
		/* deferred: enumeration only if a known user is not */
		snprintf(l2, sizeof(l2), "RCPT TO:<root@%s>", p->myhostname);
		if ((r = smtp(p, &c, l2, &rk)) < 0)
			goto fail;
		set(&s->res[C_ENUM], rk.code == rep.code ? PFJ_PROBE_INFO : PFJ_PROBE_FAIL,
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
			set(&s->res[todo[i]], PFJ_PROBE_INFO, "%snot tested: %s", pre, errtext(r));
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
 * relay_battery - every sender form with every recipient form, in as
 * many sessions as the error budget needs.  Any 4xx or 5xx is a refusal.
 */
static void relay_battery(struct probe *p, struct service *s, int tls)
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
			why = r == -EACCES ? "XCLIENT refused" : errtext(r);
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
			if (r == -EINTR || (r == -ETIMEDOUT && (++timeouts >= 2 || now_ms() >= p->end)) ||
			    (i == start && stuck++))
				why = errtext(r);
			else if (i == start || r == -ETIMEDOUT)
				i++;
		} else {
			stuck = 0;
		}
	}
	if (accepted)
		set(&s->res[C_RELAY], PFJ_PROBE_FAIL, "%s%zu of %zu relay forms accepted, e.g. %s", pre,
		    accepted, total, first_ok);
	else if (refused == total)
		set(&s->res[C_RELAY], PFJ_PROBE_PASS, "%sall %zu relay forms refused (%zu senders x %zu "
		    "recipients), e.g. %s", pre, total, NFROM, NTO, first_no);
	else
		set(&s->res[C_RELAY], PFJ_PROBE_INFO, "%s%zu of %zu relay forms refused, %zu not tested: %s",
		    pre, refused, total, total - refused, why ? why : "timed out");
}

/* ---- TLS ---------------------------------------------------------------------- */

/* The handshakes tried on each service, at once. */
enum tls_run { T_10, T_11, T_12, T_13, T_DHE, T_N };
static const char *const tls_opt[T_N] = { "-tls1", "-tls1_1", "-tls1_2", "-tls1_3", "-tls1_2" };
static const char *const tls_name[T_N] = { "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "DHE" };

struct tlsrun {
	struct helper h;
	struct pfj_buf out;	/* what s_client printed (stdout and stderr) */
	int r;			/* 0, or -ETIMEDOUT / -errno: no complete output */
};

/* tls_start - start every handshake of a service (s_client with stdin at EOF) */
static void tls_start(struct probe *p, const struct service *s, struct tlsrun *t)
{
	char target[32];

	snprintf(target, sizeof(target), "127.0.0.1:%d", s->port);
	for (int i = 0; i < T_N; i++) {
		const char *argv[16];
		int n = 0;

		memset(&t[i], 0, sizeof(t[i]));
		argv[n++] = p->openssl;
		argv[n++] = "s_client";
		argv[n++] = "-connect";
		argv[n++] = target;
		if (!s->wrapper) {
			argv[n++] = "-starttls";
			argv[n++] = "smtp";
		}
		argv[n++] = tls_opt[i];
		argv[n++] = "-cipher";
		argv[n++] = i == T_DHE ? "kDHE:@SECLEVEL=0" : "DEFAULT:@SECLEVEL=0";
		if (i == T_DHE)
			argv[n++] = "-msg";
		argv[n] = NULL;
		t[i].r = spawn(argv, 0, 1, &t[i].h);
	}
}

/* tls_collect - read every handshake's output to its end, or give up at the deadline */
static void tls_collect(struct probe *p, struct tlsrun *t)
{
	int64_t deadline = step_end(p);
	char chunk[8192];

	for (;;) {
		struct pollfd pfd[T_N];
		int64_t left = deadline - now_ms();
		int open_count = 0;

		for (int i = 0; i < T_N; i++) {
			pfd[i].fd = t[i].r == 0 ? t[i].h.out : -1;
			pfd[i].events = POLLIN;
			open_count += pfd[i].fd >= 0;
		}
		if (!open_count)
			break;
		if (probe_signal || left <= 0) {
			for (int i = 0; i < T_N; i++)
				if (pfd[i].fd >= 0)
					t[i].r = probe_signal ? -EINTR : -ETIMEDOUT;
			break;
		}
		if (poll(pfd, T_N, left < SLICE_MS ? (int)left : SLICE_MS) <= 0)
			continue;
		for (int i = 0; i < T_N; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n > 0 && t[i].out.len < (1u << 20))
				pfj_buf_add(&t[i].out, chunk, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(t[i].h.out);
				t[i].h.out = -1;
				t[i].r = 1;	/* done */
			}
		}
	}
	for (int i = 0; i < T_N; i++) {
		helper_end(&t[i].h);
		if (t[i].r == 1)
			t[i].r = t[i].out.len ? 0 : -EPIPE;
	}
}

/* field - the value after key on its line of s_client's output, or "" */
static const char *field(const struct tlsrun *t, const char *key, char *buf, size_t size)
{
	const char *s = t->out.len ? strstr(t->out.data, key) : NULL;

	buf[0] = '\0';
	if (s) {
		s += strlen(key);
		snprintf(buf, size, "%.*s", (int)strcspn(s, "\r\n"), s);
	}
	return buf;
}

/* handshake - did it complete?  *proto gets the version s_client reports */
static int handshake(const struct tlsrun *t, char *proto, size_t size, char *cipher, size_t csize)
{
	char buf[128];

	field(t, "Cipher is ", cipher, csize);
	field(t, "    Protocol  : ", proto, size);
	if (!*proto)
		field(t, "Protocol version: ", proto, size);
	return t->r == 0 && *cipher && strcmp(cipher, "(NONE)") != 0 && field(t, "New, ", buf, sizeof(buf))[0];
}

/* hexbyte - the value of two hex digits, or -1 */
static int hexbyte(const char *s)
{
	static const char digits[] = "0123456789abcdef";
	const char *a = strchr(digits, tolower((unsigned char)s[0]));
	const char *b = strchr(digits, tolower((unsigned char)s[1]));

	return s[0] && s[1] && a && b ? (int)((a - digits) * 16 + (b - digits)) : -1;
}

/*
 * ske_prime - the DH prime from the ServerKeyExchange that s_client -msg
 * dumped (type 12, a 3-byte length, then p with a 2-byte length).  Its
 * length, or 0.
 */
static size_t ske_prime(const struct tlsrun *t, unsigned char *prime, size_t size)
{
	const char *s = t->out.len ? strstr(t->out.data, ", ServerKeyExchange") : NULL;
	unsigned char msg[2048];
	size_t n = 0, plen;

	if (!s)
		return 0;
	s += strcspn(s, "\n");
	while (*s == '\n' && (s[1] == ' ' || s[1] == '\t') && n < sizeof(msg)) {
		s++;
		while (*s && *s != '\n' && n < sizeof(msg)) {
			int v;

			s += strspn(s, " \t");
			if ((v = hexbyte(s)) < 0)
				break;
			msg[n++] = (unsigned char)v;
			s += 2;
		}
		s += strcspn(s, "\n");
	}
	if (n < 6 || msg[0] != 12)
		return 0;
	plen = (size_t)msg[4] << 8 | msg[5];
	if (plen == 0 || plen > size || 6 + plen > n)
		return 0;
	memcpy(prime, msg + 6, plen);
	return plen;
}

/* ffdhe_group - the RFC 7919 group whose prime this is, or NULL */
static const char *ffdhe_group(const struct pfj_crypto *cr, const unsigned char *prime, size_t n)
{
	static const char *const groups[] = {
		"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192", NULL,
	};
	BIGNUM *got = cr->BN_bin2bn(prime, (int)n, NULL);
	const char *name = NULL;

	for (const char *const *g = groups; got && *g && !name; g++) {
		EVP_PKEY_CTX *ctx;
		EVP_PKEY *params = NULL;
		BIGNUM *want = NULL;

		if (atoi(*g + 5) != cr->BN_num_bits(got))
			continue;
		ctx = cr->EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		if (ctx && cr->EVP_PKEY_paramgen_init(ctx) > 0 &&
		    cr->EVP_PKEY_CTX_set_group_name(ctx, *g) > 0 &&
		    cr->EVP_PKEY_paramgen(ctx, &params) > 0 &&
		    cr->EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &want) > 0 &&
		    cr->BN_cmp(got, want) == 0)
			name = *g;
		cr->BN_free(want);
		cr->EVP_PKEY_free(params);
		cr->EVP_PKEY_CTX_free(ctx);
	}
	cr->BN_free(got);
	return name;
}

/* dh_judge - the DHE group the server chose: at least 2048 bits */
static void dh_judge(struct service *s, const struct tlsrun *t)
{
	const struct pfj_crypto *cr = pfj_crypto_load(NULL, 0);
	unsigned char prime[1024];
	char proto[64], cipher[128];
	size_t n = ske_prime(t, prime, sizeof(prime));
	const char *group = NULL;
	int bits;

	if (!n) {
		if (t->r < 0)
			set(&s->res[C_DH], PFJ_PROBE_INFO, "DHE handshake: %s", errtext(t->r));
		else
			set(&s->res[C_DH], PFJ_PROBE_PASS, "no DHE cipher suite accepted at TLSv1.2");
		return;
	}
	for (bits = (int)n * 8; bits > 0 && !(prime[0] & (1u << ((bits - 1) % 8))); bits--)
		;
	if (cr)
		group = ffdhe_group(cr, prime, n);
	handshake(t, proto, sizeof(proto), cipher, sizeof(cipher));
	set(&s->res[C_DH], bits < 2048 ? PFJ_PROBE_FAIL : PFJ_PROBE_PASS,
	    "%s: %d-bit DH group, %s%s", *cipher && strcmp(cipher, "(NONE)") ? cipher : "DHE", bits,
	    group ? "RFC 7919 " : cr ? "not an RFC 7919 (ffdhe) group" : "group not identified",
	    group ? group : "");
}

/* key_of - "RSA 2048 bits" for the first certificate in s_client's output; weak keys flagged */
static int key_of(const struct tlsrun *t, char *desc, size_t size, int *weak)
{
	const struct pfj_crypto *cr = pfj_crypto_load(NULL, 0);
	const char *b = t->out.len ? strstr(t->out.data, "-----BEGIN CERTIFICATE-----") : NULL;
	const char *e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	const char *type = "key";
	char bits[32];
	X509 *x = NULL;
	BIO *bio;
	int id, nbits;

	if (!cr || !e) {
		if (!*field(t, "Server public key is ", bits, sizeof(bits)))
			return -1;
		snprintf(desc, size, "%d-bit key of unknown type", atoi(bits));
		*weak = -1;
		return 0;
	}
	if ((bio = cr->BIO_new_mem_buf(b, (int)(e - b) + 25))) {
		x = cr->PEM_read_bio_X509(bio, NULL, NULL, NULL);
		cr->BIO_free(bio);
	}
	if (!x || !cr->X509_get0_pubkey(x)) {
		if (x)
			cr->X509_free(x);
		return -1;
	}
	id = cr->EVP_PKEY_get_base_id(cr->X509_get0_pubkey(x));
	nbits = cr->EVP_PKEY_get_bits(cr->X509_get0_pubkey(x));
	cr->X509_free(x);
	switch (id) {
	case EVP_PKEY_RSA: type = "RSA"; break;
	case EVP_PKEY_RSA_PSS: type = "RSA-PSS"; break;
	case EVP_PKEY_DSA: type = "DSA"; break;
	case EVP_PKEY_EC: type = "EC"; break;
	case EVP_PKEY_ED25519: type = "Ed25519"; break;
	case EVP_PKEY_ED448: type = "Ed448"; break;
	}
	*weak = (id == EVP_PKEY_EC && nbits < 224) ||
		((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA) && nbits < 2048);
	snprintf(desc, size, "%s %d bits", type, nbits);
	return 0;
}

/* tls_judge - versions accepted, DH group, certificate keys */
static void tls_judge(struct service *s, const struct tlsrun *t)
{
	char acc[128] = "", ref[128] = "", keys[256] = "", proto[64], cipher[128], err[256] = "";
	int weak_proto = 0, weak_key = 0, unknown_key = 0, timed_out = 0;

	if (!s->starttls) {
		set(&s->res[C_TLS], PFJ_PROBE_INFO, "STARTTLS not offered to an outside client");
		return;
	}
	for (int i = T_10; i <= T_13; i++) {
		char *list = handshake(&t[i], proto, sizeof(proto), cipher, sizeof(cipher)) ? acc : ref;

		if (list == acc && i <= T_11)
			weak_proto = 1;
		timed_out |= t[i].r == -ETIMEDOUT;
		snprintf(list + strlen(list), sizeof(acc) - strlen(list), "%s%s",
			 *list ? ", " : "", tls_name[i]);
	}
	if (!*acc) {
		field(&t[T_12], ":error:", err, sizeof(err));
		set(&s->res[C_TLS], PFJ_PROBE_INFO, "no TLS handshake succeeded%s%s", timed_out ?
		    " (timed out)" : *err ? ": " : "", timed_out ? "" : err);
		return;
	}
	set(&s->res[C_TLS], weak_proto ? PFJ_PROBE_FAIL : PFJ_PROBE_PASS, "accepts %s%s%s", acc,
	    *ref ? "; refuses " : "", ref);
	dh_judge(s, &t[T_DHE]);
	for (int i = 0; i < T_N; i++) {
		char desc[64];
		int weak;

		if (key_of(&t[i], desc, sizeof(desc), &weak) < 0 || strstr(keys, desc))
			continue;
		weak_key |= weak == 1;
		unknown_key |= weak < 0;
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s", *keys ? ", " : "", desc);
	}
	if (*keys)
		set(&s->res[C_CERT], weak_key ? PFJ_PROBE_FAIL : unknown_key ? PFJ_PROBE_INFO :
		    PFJ_PROBE_PASS, "server certificate key: %s", keys);
}

/* ---- the copy ----------------------------------------------------------------- */

/* What the probe asks the original instance (postconf -xh). */
enum orig { O_MYNETWORKS, O_MYHOSTNAME, O_MAIL_NAME, O_MAIL_OWNER, O_WRAPPER,
	    O_SVCNAME, O_SCACHE_SMTPD, O_SCACHE_SMTP, O_SCACHE_LMTP, O_VERIFY_MAP, O_META, O_SGID,
	    O_N };
static const char *const orig_names[O_N] = {
	"mynetworks", "myhostname", "mail_name", "mail_owner",
	"smtpd_tls_wrappermode", "smtpd_service_name", "smtpd_tls_session_cache_database",
	"smtp_tls_session_cache_database", "lmtp_tls_session_cache_database", "address_verify_map",
	"meta_directory", "setgid_group",
};

/* tool - run postconf or postfix; 0, or -1 with Postfix's reason in why */
static int tool(const char *const argv[], struct pfj_run_result *keep, char *why, size_t size)
{
	struct pfj_run_result res;
	char st[64];
	int r = pfj_run(argv, NULL, &res);

	if (r < 0 || !WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		snprintf(why, size, "%s %s %s: %s", argv[0], argv[1], argv[2],
			 r < 0 ? strerror(-r) : res.err.len ? pfj_run_first_error(&res) :
			 pfj_run_describe(res.status, st, sizeof(st)));
		pfj_run_result_free(&res);
		return -1;
	}
	if (keep)
		*keep = res;
	else
		pfj_run_result_free(&res);
	return 0;
}

/* copy_files - the configuration directory's top-level files and symlinks, as they are */
static int copy_files(struct probe *p, int *etc_mode, char *why, size_t size)
{
	int src = open(p->o->config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int dst = -1, r = -1;
	struct stat dir_st;
	struct dirent *de;
	DIR *d = NULL;

	if (src < 0 || fstat(src, &dir_st) < 0 || !(d = fdopendir(dup(src)))) {
		snprintf(why, size, "%s: %s", p->o->config_dir, strerror(errno));
		goto out;
	}
	*etc_mode = dir_st.st_mode & 0755;
	if (mkdir(p->etc, 0700) < 0 || (dst = open(p->etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, size, "%s: %s", p->etc, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		struct stat st;
		const char *stage = "read";
		int fd, e = 0;

		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || de->d_name[0] == '.')
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(src, de->d_name, target, sizeof(target) - 1);

			if (n > 0 && (target[n] = '\0', symlinkat(target, dst, de->d_name) < 0))
				e = -errno, stage = "symlink";
		} else if (S_ISREG(st.st_mode)) {
			struct pfj_replace_opts ro = {
				.mode = st.st_mode & 07777, .uid = st.st_uid, .gid = st.st_gid,
				.mtime = &st.st_mtim,
			};

			if ((fd = openat(src, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
				e = -errno;
			else {
				e = pfj_create_copy_at(dst, de->d_name, fd, &ro, &stage, NULL);
				close(fd);
			}
		}
		if (e < 0) {
			snprintf(why, size, "copying %s/%s (%s): %s", p->o->config_dir, de->d_name,
				 stage, strerror(-e));
			goto out;
		}
	}
	r = 0;
out:
	if (d)
		closedir(d);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return r;
}

/* free_ports - n different free ports on 127.0.0.1 (held open until all are chosen) */
static int free_ports(int *ports, size_t n)
{
	int fds[64], r = 0;
	size_t i;

	for (i = 0; i < n && i < 64; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t len = sizeof(sa);

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &len) < 0) {
			r = -errno;
			if (fds[i] >= 0)
				close(fds[i]);
			break;
		}
		ports[i] = ntohs(sa.sin_port);
	}
	while (i > 0)
		close(fds[--i]);
	return r ? r : n > 64 ? -E2BIG : 0;
}

/* split_fline - "name/type/field = value" from postconf -F or -P, split in place */
static int split_fline(char *l, char **name, char **type, char **fld, char **value)
{
	char *eq = strstr(l, " = "), *s;

	if (!eq)
		return -1;
	*eq = '\0';
	*value = eq + 3;
	if (!(s = strrchr(l, '/')))
		return -1;
	*s = '\0';
	*fld = s + 1;
	if (!(s = strrchr(l, '/')))
		return -1;
	*s = '\0';
	*type = s + 1;
	*name = l;
	return 0;
}

/* lookup - the value postconf printed for name/type/fld, or NULL */
static const char *lookup(const struct pfj_buf *out, const char *name, const char *type,
			  const char *fld)
{
	char *key = pfj_asprintf("%s/%s/%s = ", name, type, fld);
	const char *s = out->len && key ? out->data : NULL, *hit = NULL;

	for (; s && *s && !hit; s += strcspn(s, "\n"), s += *s == '\n')
		if (strncmp(s, key, strlen(key)) == 0)
			hit = s + strlen(key);
	free(key);
	return hit;
}

/* add_service - one service to probe: its smtpd command line, wrapper mode from its -o or main.cf */
static int add_service(struct probe *p, const char *name, const char *cmd, const char *wrap)
{
	struct service *n = realloc(p->svc, (p->nsvc + 1) * sizeof(*n));

	if (!n)
		return -1;
	p->svc = n;
	n = &p->svc[p->nsvc];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	n->command = pfj_asprintf("%.*s -o smtpd_authorized_xclient_hosts=127.0.0.1",
				  (int)strcspn(cmd, "\n"), cmd);
	n->wrapper = wrap && strncasecmp(wrap, "yes", 3) == 0;
	p->nsvc++;
	return n->name && n->command ? 0 : -1;
}

/* find_services - inet smtpd services and the smtpd behind postscreen; the others go */
static int find_services(struct probe *p, char **orig, struct pfj_strv *drop, char *why, size_t size)
{
	const char *fa[] = { p->postconf, "-c", p->etc, "-F", "*/inet/command", "*/pass/command", NULL };
	const char *pa[] = { p->postconf, "-c", p->etc, "-Px", NULL };
	struct pfj_run_result f = { 0 }, o = { 0 };
	struct { char *name, *type, *cmd; } e[256];
	size_t n = 0;
	char *line, *save = NULL, *fld;
	int r = -1;

	if (tool(fa, &f, why, size) < 0 || tool(pa, &o, why, size) < 0)
		goto out;
	for (line = f.out.len ? strtok_r(f.out.data, "\n", &save) : NULL; line && n < 256;
	     line = strtok_r(NULL, "\n", &save))
		if (split_fline(line, &e[n].name, &e[n].type, &fld, &e[n].cmd) == 0)
			n++;
	for (size_t i = 0; i < n; i++) {
		const char *wrap, *pass = NULL, *cmd = e[i].cmd, *svc = e[i].name, *type = "inet";
		char prog[64], pname[256];

		if (strcmp(e[i].type, "inet"))
			continue;
		snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(cmd, " \t"), cmd);
		if (strcmp(prog, "postscreen") == 0 || strstr(prog, "/postscreen")) {
			/* postscreen hands clients to this pass service (its smtpd_service_name) */
			pass = lookup(&o.out, e[i].name, "inet", "smtpd_service_name");
			snprintf(pname, sizeof(pname), "%.*s", (int)strcspn(pass ? pass : orig[O_SVCNAME], "\n"),
				 pass ? pass : orig[O_SVCNAME]);
			cmd = NULL;
			for (size_t k = 0; k < n && !cmd; k++)
				if (strcmp(e[k].name, pname) == 0 && strcmp(e[k].type, "pass") == 0)
					cmd = e[k].cmd;
			if (!cmd) {
				snprintf(why, size, "master.cf: the postscreen service %s hands clients to "
					 "\"%s pass\", which is not there", e[i].name, pname);
				goto out;
			}
			svc = pname;
			type = "pass";
			snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(cmd, " \t"), cmd);
		}
		if (strcmp(prog, "smtpd") && !strstr(prog, "/smtpd")) {
			if (pfj_strv_add(drop, e[i].name) < 0)
				goto oom;
			continue;
		}
		wrap = lookup(&o.out, svc, type, "smtpd_tls_wrappermode");
		if (add_service(p, e[i].name, cmd, wrap ? wrap : orig[O_WRAPPER]) < 0)
			goto oom;
	}
	r = 0;
	goto out;
oom:
	snprintf(why, size, "out of memory");
out:
	pfj_run_result_free(&f);
	pfj_run_result_free(&o);
	return r;
}

/* relocate - NAME=TYPE:DATA/FILE for a cache the copy must not share, or NULL (unset) */
static char *relocate(const struct probe *p, const char *param, const char *value, const char *file)
{
	if (!value || !*value)
		return NULL;
	return pfj_asprintf("%s=%.*s:%s/%s", param, (int)strcspn(value, ":"), value, p->data, file);
}

/* edit_copy - point the copy at its own directories and ports; policy stays the original's */
static int edit_copy(struct probe *p, char **orig, char *why, size_t size)
{
	static const char *const fixed[] = {
		"multi_instance_wrapper=", "multi_instance_directories=", "multi_instance_enable=no",
		"inet_interfaces=127.0.0.1", "inet_protocols=ipv4", "process_id_directory=pid",
		"smtpd_authorized_xclient_hosts=127.0.0.1", NULL,
	};
	struct pfj_strv e = { 0 }, f = { 0 }, x = { 0 }, drop = { 0 };
	int ports[64], r = -1, oom = 0;
	char *s;

	if (find_services(p, orig, &drop, why, size) < 0)
		goto out;
	if (!p->nsvc) {
		snprintf(why, size, "%s/master.cf has no inet smtpd or postscreen service: nothing to probe",
			 p->o->config_dir);
		goto out;
	}
	if ((r = free_ports(ports, p->nsvc)) < 0) {
		snprintf(why, size, "no free port on 127.0.0.1: %s", strerror(-r));
		r = -1;
		goto out;
	}
	r = -1;
	for (const char *const *c = fixed; *c; c++)
		oom |= pfj_strv_add(&e, *c) < 0;
#define ADD(sv, ...) do { s = pfj_asprintf(__VA_ARGS__); oom |= !s || pfj_strv_add(sv, s) < 0; free(s); } while (0)
#define ADDP(sv, ptr) do { s = (ptr); oom |= s && pfj_strv_add(sv, s) < 0; free(s); } while (0)
	ADD(&e, "queue_directory=%s", p->queue);
	ADD(&e, "data_directory=%s", p->data);
	ADD(&e, "mynetworks=%s", orig[O_MYNETWORKS]);
	ADD(&e, "maillog_file=%s/maillog", p->tmp);
	ADD(&e, "maillog_file_prefixes=%s", p->tmp);
	ADD(&e, "tls_random_exchange_name=%s/prng_exch", p->data);
	ADDP(&e, relocate(p, "smtpd_tls_session_cache_database", orig[O_SCACHE_SMTPD], "smtpd_scache"));
	ADDP(&e, relocate(p, "smtp_tls_session_cache_database", orig[O_SCACHE_SMTP], "smtp_scache"));
	ADDP(&e, relocate(p, "lmtp_tls_session_cache_database", orig[O_SCACHE_LMTP], "lmtp_scache"));
	ADDP(&e, relocate(p, "address_verify_map", orig[O_VERIFY_MAP], "verify_cache"));
	oom |= pfj_strv_add(&f, "*/*/chroot=n") < 0;
	for (size_t i = 0; i < p->nsvc; i++) {
		struct service *v = &p->svc[i];

		/* every edit names the entry as it was: postconf matches before it renames */
		v->port = ports[i];
		ADD(&f, "%s/inet/command=%s", v->name, v->command);
		ADD(&f, "%s/inet/process_limit=-", v->name);
		ADD(&f, "%s/inet/service=127.0.0.1:%d", v->name, v->port);
	}
	for (size_t i = 0; i < drop.n; i++)
		ADD(&x, "%s/inet", drop.v[i]);
#undef ADD
#undef ADDP
	if (oom) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	{
		const char *pre[4] = { p->postconf, "-c", p->etc, NULL };
		struct pfj_strv *lists[] = { &e, &f, &x };
		const char *flags[] = { "-e", "-F", "-MX" };

		for (size_t l = 0; l < 3; l++) {
			const char **argv = calloc(lists[l]->n + 6, sizeof(*argv));
			size_t n = 0;

			if (!lists[l]->n) {
				free(argv);
				continue;
			}
			if (!argv) {
				snprintf(why, size, "out of memory");
				goto out;
			}
			for (int k = 0; pre[k]; k++)
				argv[n++] = pre[k];
			argv[n++] = flags[l];
			for (size_t k = 0; k < lists[l]->n; k++)
				argv[n++] = lists[l]->v[k];
			r = tool(argv, NULL, why, size);
			free(argv);
			if (r < 0)
				goto out;
		}
	}
	{
		/* the copy logs to its own maillog_file, through its own postlogd */
		const char *argv[] = { p->postconf, "-c", p->etc, "-M",
				       "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd", NULL };

		r = tool(argv, NULL, why, size);
	}
out:
	pfj_strv_free(&e);
	pfj_strv_free(&f);
	pfj_strv_free(&x);
	pfj_strv_free(&drop);
	return r;
}

/*
 * queue_layout - the queue's directories as postfix-files lists them, so
 * that postfix start need not make them one command at a time (a third
 * of its time).  Best effort: whatever is missing, postfix start makes.
 */
static void queue_layout(const struct probe *p, char **orig, const struct passwd *owner)
{
	char *path = pfj_asprintf("%s/postfix-files", orig[O_META]);
	struct group *sg = getgrnam(orig[O_SGID]);
	FILE *f = path ? fopen(path, "re") : NULL;
	char line[512];

	while (f && sg && fgets(line, sizeof(line), f)) {
		char name[256], own[64], grp[64], *dir;
		unsigned mode;

		if (sscanf(line, "$queue_directory/%255[^:]:d:%63[^:]:%63[^:]:%o:", name, own, grp,
			   &mode) != 4 || strchr(name, '/') || !(dir = pfj_asprintf("%s/%s", p->queue, name)))
			continue;
		if (mkdir(dir, 0700) == 0 &&
		    (chown(dir, strcmp(own, "root") ? owner->pw_uid : 0,
			   strcmp(grp, "$setgid_group") ? 0 : sg->gr_gid) < 0 || chmod(dir, mode & 07777) < 0))
			rmdir(dir);
		free(dir);
	}
	if (f)
		fclose(f);
	free(path);
}

/* searchable - may everyone pass through dir and each directory above it? */
static int searchable(const char *dir)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	snprintf(path, sizeof(path), "%s", dir);
	do {
		if (stat(*path ? path : "/", &st) < 0 || !S_ISDIR(st.st_mode) || !(st.st_mode & S_IXOTH))
			return 0;
		slash = strrchr(path, '/');
		if (slash)
			*slash = '\0';
	} while (slash);
	return 1;
}

/*
 * copy_make - the private copy: TMP (0711) with etc (the configuration),
 * queue and data (mail_owner's), edited with postconf.  TMP is made in
 * $TMPDIR when mail_owner can get there (master opens data_directory's
 * lock file as mail_owner), else in /tmp.  p->tmp is set as
 * soon as there is something to remove.
 */
static int copy_make(struct probe *p, char *why, size_t size)
{
	struct pfj_postconf pc;
	char *orig[O_N] = { 0 };
	const char *tmpdir = getenv("TMPDIR");
	struct passwd *pw;
	int etc_mode = 0755, r = -1;

	if (pfj_postconf_init(&pc, p->o->bindir, p->o->config_dir, NULL) < 0) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	if (pfj_postconf_get(&pc, orig_names, O_N, orig, why, size) < 0) {
		pfj_postconf_free(&pc);
		return -1;
	}
	pfj_postconf_free(&pc);
	p->myhostname = strdup(orig[O_MYHOSTNAME]);
	p->mail_name = strdup(orig[O_MAIL_NAME]);
	if (!(pw = getpwnam(orig[O_MAIL_OWNER]))) {
		snprintf(why, size, "mail_owner %s: no such user", orig[O_MAIL_OWNER]);
		goto out;
	}
	if (!tmpdir || tmpdir[0] != '/' || !searchable(tmpdir))
		tmpdir = "/tmp";
	snprintf(p->tmp, sizeof(p->tmp), "%s/pfjail-probe.XXXXXX", tmpdir);
	if (!mkdtemp(p->tmp)) {
		snprintf(why, size, "%s: %s", p->tmp, strerror(errno));
		p->tmp[0] = '\0';
		goto out;
	}
	p->etc = pfj_asprintf("%s/etc", p->tmp);
	p->queue = pfj_asprintf("%s/queue", p->tmp);
	p->data = pfj_asprintf("%s/data", p->tmp);
	if (!p->etc || !p->queue || !p->data || !p->myhostname || !p->mail_name) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	/* master opens data_directory's lock file as mail_owner: it must get through TMP */
	if (chmod(p->tmp, 0711) < 0 || mkdir(p->queue, 0755) < 0 || mkdir(p->data, 0700) < 0 ||
	    chown(p->data, pw->pw_uid, pw->pw_gid) < 0) {
		snprintf(why, size, "%s: %s", p->tmp, strerror(errno));
		goto out;
	}
	queue_layout(p, orig, pw);
	if (copy_files(p, &etc_mode, why, size) < 0 || edit_copy(p, orig, why, size) < 0)
		goto out;
	{
		/* Postfix waits for a second or two after seeing a file changed just now */
		struct timespec old[2] = { { .tv_sec = time(NULL) - 3600 }, { .tv_sec = time(NULL) - 3600 } };
		int dfd = open(p->etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			utimensat(dfd, "main.cf", old, AT_SYMLINK_NOFOLLOW);
			utimensat(dfd, "master.cf", old, AT_SYMLINK_NOFOLLOW);
			close(dfd);
		}
		chmod(p->etc, (mode_t)etc_mode);
	}
	r = 0;
out:
	for (int i = 0; i < O_N; i++)
		free(orig[i]);
	return r;
}

/* maillog_reason - append the copy's last fatal (else error) line, from its maillog_file */
static void maillog_reason(const struct probe *p, char *why, size_t size)
{
	static const char *const kinds[] = { ": fatal: ", ": error: " };
	char *path = pfj_asprintf("%s/maillog", p->tmp);
	struct pfj_buf b = { 0 };
	const char *hit = NULL, *s;

	if (path && pfj_read_file(path, 1u << 20, &b) == 0 && b.len) {
		for (int k = 0; k < 2 && !hit; k++)
			for (s = b.data; (s = strstr(s, kinds[k])); s++)
				hit = s;
		if (hit) {
			/* from the program's name: "postfix/smtpd[123]: fatal: ..." */
			while (hit > b.data && hit[-1] != ' ' && hit[-1] != '\n')
				hit--;
			snprintf(why + strlen(why), size - strlen(why), ": %.*s", (int)strcspn(hit, "\n"),
				 hit);
		}
	}
	pfj_buf_free(&b);
	free(path);
}

/* copy_start - postfix -c COPY start (master -w: it returns once master listens) */
static int copy_start(struct probe *p, char *why, size_t size)
{
	const char *argv[] = { p->postfix, "-c", p->etc, "start", NULL };
	int64_t left = p->end - now_ms();

	p->started = 1;
	pfj_run_set_timeout(left > 1000 ? (int)left : 1000);
	if (tool(argv, NULL, why, size) < 0) {
		maillog_reason(p, why, size);
		pfj_run_set_timeout(0);
		return -1;
	}
	pfj_run_set_timeout(0);
	return 0;
}

/* copy_procs - live processes of the copy: master's process group, or a cwd inside TMP */
static size_t copy_procs(const struct probe *p, pid_t master, int kill_them)
{
	size_t tl = strlen(p->tmp), count = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[64], buf[512], cwd[PATH_MAX];
		pid_t pid = (pid_t)atoi(de->d_name);
		const char *rp;
		long pgrp = 0;
		char state = 0;
		ssize_t n;
		int fd;

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0 || (buf[n] = '\0', !(rp = strrchr(buf, ')'))) ||
		    sscanf(rp + 1, " %c %*d %ld", &state, &pgrp) != 2 || state == 'Z' || state == 'X')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
		n = readlink(path, cwd, sizeof(cwd) - 1);
		if (!(master > 1 && pgrp == master) &&
		    !(n >= (ssize_t)tl && (cwd[n] = '\0', strncmp(cwd, p->tmp, tl) == 0) &&
		      (cwd[tl] == '/' || cwd[tl] == '\0')))
			continue;
		count++;
		if (kill_them)
			kill(pid, SIGKILL);
	}
	if (d)
		closedir(d);
	return count;
}

/* copy_stop - postfix stop, then kill by PID whatever of the copy still runs */
static void copy_stop(struct probe *p)
{
	const char *argv[] = { p->postfix, "-c", p->etc, "stop", NULL };
	char *pidfile = pfj_asprintf("%s/pid/master.pid", p->queue);
	struct pfj_buf b = { 0 };
	struct pfj_run_result res;
	pid_t master = 0;
	int64_t give_up;

	if (pidfile && pfj_read_file(pidfile, 64, &b) == 0 && b.len)
		master = (pid_t)atoi(b.data + strspn(b.data, " "));
	pfj_buf_free(&b);
	free(pidfile);
	if (p->started) {
		pfj_run_set_timeout(10000);
		pfj_run(argv, NULL, &res);
		pfj_run_result_free(&res);
		pfj_run_set_timeout(0);
	}
	/* master exits at once on SIGTERM and takes its children along */
	for (give_up = now_ms() + 3000; copy_procs(p, master, 0) && now_ms() < give_up;)
		nap(20);
	for (give_up = now_ms() + 3000; copy_procs(p, master, 1) && now_ms() < give_up;)
		nap(20);
}

/* remove_tree - at/name and everything below it, never following a symlink */
static void remove_tree(int at, const char *name, int depth)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd >= 0 && depth < 16 && (d = fdopendir(fd))) {
		while ((de = readdir(d))) {
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
				remove_tree(dirfd(d), de->d_name, depth + 1);
			else
				unlinkat(dirfd(d), de->d_name, 0);
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	unlinkat(at, name, AT_REMOVEDIR);
}

/* ---- the probe ---------------------------------------------------------------- */

/* on_signal - remember the signal; every wait looks at it */
static void on_signal(int sig)
{
	probe_signal = sig;
}

/* probe_service - the sessions and handshakes for one service */
static void probe_service(struct probe *p, struct service *s)
{
	struct tlsrun t[T_N];

	tls_start(p, s, t);	/* handshakes run while the sessions do */
	main_session(p, s, s->wrapper);
	if (s->need_tls && s->starttls && !s->wrapper)
		main_session(p, s, 1);
	relay_battery(p, s, s->wrapper || (s->need_tls && s->starttls));
	tls_collect(p, t);
	tls_judge(s, t);
	for (int i = 0; i < T_N; i++)
		pfj_buf_free(&t[i].out);
}

int pfj_probe_run(const struct pfj_probe_opts *o, pfj_probe_emit_fn emit, void *arg,
		  char *why, size_t why_size)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa = { .sa_handler = on_signal }, old[4];
	struct probe p = { .o = o };
	unsigned char rnd[4] = { 0 };
	int r = -1;

	why[0] = '\0';
	probe_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++) {
		sa.sa_handler = sigs[i] == SIGPIPE ? SIG_IGN : on_signal;
		sigaction(sigs[i], &sa, &old[i]);
	}
	p.cmd_ms = o->cmd_timeout_ms > 0 ? o->cmd_timeout_ms : 10000;
	p.end = now_ms() + (o->total_timeout_ms > 0 ? o->total_timeout_ms : 60000);
	p.postconf = pfj_asprintf("%s/postconf", o->bindir);
	p.postfix = pfj_asprintf("%s/postfix", o->bindir);
	p.openssl = strdup(o->openssl ? o->openssl : "/usr/bin/openssl");
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		memcpy(rnd, &(uint32_t){ (uint32_t)now_ms() ^ (uint32_t)getpid() }, 4);
	snprintf(p.unknown, sizeof(p.unknown), "pfjprobe-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	if (!p.postconf || !p.postfix || !p.openssl)
		snprintf(why, why_size, "out of memory");
	else if (copy_make(&p, why, why_size) == 0 && !probe_signal && copy_start(&p, why, why_size) == 0) {
		for (size_t i = 0; i < p.nsvc && !probe_signal; i++)
			probe_service(&p, &p.svc[i]);
		r = 0;
	}
	if (*p.tmp) {
		copy_stop(&p);
		remove_tree(AT_FDCWD, p.tmp, 0);
	}
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (probe_signal) {
		snprintf(why, why_size, "interrupted by signal %d", (int)probe_signal);
		r = -1;
	}
	for (size_t i = 0; i < p.nsvc; i++) {
		for (int c = 0; r == 0 && c < C_N; c++)
			if (p.svc[i].res[c].set)
				emit(arg, check_id[c], p.svc[i].name, p.svc[i].res[c].status,
				     p.svc[i].res[c].evidence);
		free(p.svc[i].name);
		free(p.svc[i].command);
	}
	free(p.svc);
	free(p.postconf);
	free(p.postfix);
	free(p.openssl);
	free(p.etc);
	free(p.queue);
	free(p.data);
	free(p.myhostname);
	free(p.mail_name);
	return r;
}
