/*
 * probe.h - harden --probe: test a Postfix instance live, as a client
 * from outside would see it, without touching the running instance.
 *
 * The probe copies the instance's configuration into a private temporary
 * directory under $TMPDIR or /tmp (0711: master opens its data directory's
 * lock file as mail_owner) with its own queue and data directories and
 * chroot "n" everywhere, rebinds each inet smtpd service (and the smtpd behind
 * postscreen, which does not implement XCLIENT) to 127.0.0.1 on a free
 * port, and adds one policy change: smtpd_authorized_xclient_hosts =
 * 127.0.0.1.  It starts the copy with postfix -c COPY start, talks SMTP to
 * each service after XCLIENT ADDR=192.0.2.10, never sends DATA, and always
 * stops and removes the copy, on errors and on SIGINT/SIGTERM/SIGHUP too.
 */
#ifndef PFJ_PROBE_H
#define PFJ_PROBE_H

#include <stddef.h>

enum pfj_probe_status {
	PFJ_PROBE_PASS,
	PFJ_PROBE_FAIL,
	PFJ_PROBE_INFO,		/* observed, neither good nor bad (or could not tell) */
};

struct pfj_probe_opts {
	const char *config_dir;	/* the instance's configuration directory */
	const char *bindir;	/* holds postconf and postfix */
	const char *openssl;	/* the openssl program (NULL: /usr/bin/openssl) */
	int cmd_timeout_ms;	/* per SMTP command or TLS handshake (0: 10000) */
	int total_timeout_ms;	/* the whole probe (0: 60000) */
};

/*
 * One live result, under the id of the offline check it speaks to
 * (banner, vrfy, helo-required, enumeration, open-relay, tls-protocols,
 * auth-over-tls, dh-params, cert-key).  service is the master.cf service
 * name as the original instance has it ("smtp", "submission",
 * "127.0.0.1:2525"); evidence is one line saying what was sent and
 * answered.  The strings are only valid during the call.
 */
typedef void (*pfj_probe_emit_fn)(void *arg, const char *id, const char *service,
				  enum pfj_probe_status status, const char *evidence);

/*
 * Run the probe.  Returns 0 when the copy started and every service was
 * probed (results went to emit), or -1 with a reason in why (the copy is
 * gone either way).  A signal that arrives during the probe ends it with
 * -1 and "interrupted by signal N" after the cleanup.
 */
int pfj_probe_run(const struct pfj_probe_opts *o, pfj_probe_emit_fn emit, void *arg,
		  char *why, size_t why_size);

#endif
