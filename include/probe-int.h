/*
 * probe-int.h - what the files of "harden --probe" share, and nothing
 * else: probe.c (the copy's lifecycle, the clock, signals and helper
 * programs), probesession.c (the SMTP sessions) and probetls.c (the TLS
 * handshakes).  Other modules use probe.h.  Names that cross these files
 * carry the prefix pb_.
 */
#ifndef PFJ_PROBE_INT_H
#define PFJ_PROBE_INT_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probe.h"
#include "util.h"

#define SLICE_MS	250		/* longest sleep between looks at the signal flag */

/* The signal that ends the probe (0: none yet); every wait looks at it. */
extern volatile sig_atomic_t pb_signal;

/* The checks, in the order they are emitted (check_id in probe.c names them). */
enum check { C_BANNER, C_AUTH, C_VRFY, C_HELO, C_ENUM, C_RELAY, C_TLS, C_DH, C_CERT, C_N };

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

/* The handshakes tried on each service, at once. */
enum tls_run { T_10, T_11, T_12, T_13, T_DHE, T_N };

struct tlsrun {
	struct helper h;
	struct pfj_buf out;	/* what s_client printed (stdout and stderr) */
	int r;			/* 0, or -ETIMEDOUT / -errno: no complete output */
};

/* ---- probe.c */

/* pb_now_ms - a monotonic clock in milliseconds */
int64_t pb_now_ms(void);

/* pb_step_end - the deadline of one command or handshake starting now */
int64_t pb_step_end(const struct probe *p);

/* pb_nap - sleep ms unless a signal comes */
void pb_nap(int ms);

/* pb_set - record one result (the evidence as one printable line) */
void pb_set(struct result *r, enum pfj_probe_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* pb_errtext - what went wrong with a command, for evidence */
const char *pb_errtext(int r);

/* pb_spawn - start argv with a fixed environment; stdin a pipe or /dev/null, stdout a pipe */
int pb_spawn(const char *const argv[], int want_stdin, int merge_err, struct helper *h);

/* pb_helper_end - close the pipes, kill the program if it still runs, reap it */
void pb_helper_end(struct helper *h);

/* pb_maillog_reason - append the copy's last fatal (else error) line, from its maillog_file */
void pb_maillog_reason(const struct probe *p, char *why, size_t size);

/* ---- probesession.c */

/* pb_main_session - greeting, HELO, AUTH and STARTTLS, VRFY and EXPN, an unknown recipient */
void pb_main_session(struct probe *p, struct service *s, int tls);

/* pb_relay_battery - every relay form of the battery; any 4xx or 5xx is a refusal */
void pb_relay_battery(struct probe *p, struct service *s, int tls);

/* ---- probetls.c */

/* pb_tls_start - start every handshake of a service */
void pb_tls_start(struct probe *p, const struct service *s, struct tlsrun *t);

/* pb_tls_collect - read every handshake's output to its end, or give up at the deadline */
void pb_tls_collect(struct probe *p, struct tlsrun *t);

/* pb_tls_judge - versions accepted, DH group, certificate keys */
void pb_tls_judge(struct service *s, const struct tlsrun *t);

#endif
