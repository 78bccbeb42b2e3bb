/* conf.h - pfjail.conf: schema, defaults and validation. */
#ifndef PFJ_CONF_H
#define PFJ_CONF_H

#include <stdarg.h>
#include <stdbool.h>

#include <libconfig.h>

#include "util.h"

/*
 * Every setting has a compiled-in default (see conf.c's schema table and
 * conf/pfjail.conf), so a missing default file means "built-in defaults".
 */
struct pfj_conf {
	char *path;			/* file that was loaded, NULL for defaults */

	/* top level */
	char *state_dir;		/* pfjail's own state (the manifest) */
	char *postfix_bindir;		/* postconf, postalias, postfix */
	int lock_timeout;		/* seconds to wait for another run on the instance */

	/* jail */
	char *jail_profile;		/* name in profile_dir, or an absolute path */
	char *jail_profile_dir;
	struct pfj_strv jail_extra_files;	/* host paths copied to the same path in the jail */
	struct pfj_strv jail_extra_ca_dirs;	/* CA directories copied besides *_tls_CApath */
	char *jail_passwd;		/* auto | always | never */
	bool jail_devices;		/* dev/random, dev/urandom */
	bool jail_prune;		/* remove files build placed that are no longer needed */

	/* master */
	struct pfj_strv master_chrootable;	/* daemons that get chroot y */
	struct pfj_strv master_chroot_exclude;	/* commands never chrooted */
	char *master_backup_suffix;

	/* aliases */
	char *aliases_root_to;
	char *aliases_policy;		/* warn | enforce */
	char *aliases_backup_suffix;

	/* verify */
	char *verify_policy;		/* warn | enforce */
	char *verify_user;		/* account the unprivileged worker runs as */
	char *verify_textfile;		/* Prometheus metrics of every verify of the host, or NULL */
	int verify_workers;		/* 0: one per CPU */
	int verify_timeout;		/* seconds the jail walker may take */

	/* harden */
	char *harden_policy;		/* off | warn: supervise's audit before starting */

	/* supervise */
	char *supervise_policy;		/* warn | enforce | rebuild */
	struct pfj_strv supervise_capabilities;
	bool supervise_no_new_privs;
	char *supervise_seccomp;	/* deny | allow | learn | off */
	char *supervise_seccomp_policy_dir;
	int supervise_audit_interval;	/* seconds, 0 disables */
	int supervise_restart_delay;	/* first backoff, seconds */
	int supervise_restart_delay_max;
	int supervise_stable_after;	/* seconds up that reset the backoff */
	int supervise_max_restarts;	/* within restart_window */
	int supervise_restart_window;
	int supervise_stop_timeout;	/* seconds before KILL */
	int supervise_resync_delay_ms;	/* inotify debounce */
	bool supervise_watch;		/* live resync from host sources */
	int supervise_notify_fd;	/* -1: none */
	int supervise_rlimit_core;	/* -1: leave as is */
	int supervise_rlimit_nofile;
	int supervise_rlimit_nproc;
};

/*
 * Load FILE (or the built-in defaults when file is NULL, or when
 * missing_ok is set and the file does not exist).  On error returns -1 and
 * writes "FILE:LINE: message" into why.
 */
int pfj_conf_load(struct pfj_conf *conf, const char *file, bool missing_ok,
		  char *why, size_t why_size);
void pfj_conf_free(struct pfj_conf *conf);

/* Load the file the command line names (-f, or the default inside -R ROOT); errors are logged. */
struct pfj_cli;
int pfj_conf_load_cli(struct pfj_conf *conf, const struct pfj_cli *cli);

/* "FILE:LINE: message" about a libconfig setting (line 0 when s is NULL); returns -1. */
int pfj_setting_errorv(char *why, size_t why_size, const char *file,
		       const config_setting_t *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* Print the effective configuration in libconfig syntax (for -v / tests). */
struct pfj_buf;
int pfj_conf_dump(const struct pfj_conf *conf, struct pfj_buf *out);

/*
 * Refuse what libconfig must never see in pfjail.conf or a jail profile:
 * an "@include" directive (libconfig 1.5 cannot switch includes off; an
 * included directory makes it call exit(), an included file is read with
 * root's rights) and NUL bytes (libconfig would stop there silently).
 * name is the file for messages.  0, or -1 with "NAME:LINE: reason" in why.
 */
int pfj_config_text_check(const char *text, size_t len, const char *name, char *why,
			  size_t why_size);

#endif
