/*
 * supervise.c - pfjail supervise: a small, long-lived supervisor for one
 * Postfix instance.
 *
 * It runs as its own program (pfjail-supervise), linked without libcrypto,
 * so that what stays resident is small.  Everything that reads the jail or
 * rewrites it runs in a child: the pfjail program itself (verify with its
 * unprivileged walker, build, aliases --check) and Postfix's own tools.
 *
 * One poll loop over a signalfd, timerfds, master's pidfd, an inotify fd
 * and the seccomp listener.  What an event does depends on the state, and
 * that is one table (transitions[] below).  Idle, nothing wakes it but
 * the audit timer.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jailfs.h"
#include "launch.h"
#include "log.h"
#include "manifest.h"
#include "proc.h"
#include "procfs.h"
#include "sandbox.h"
#include "sdnotify.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

enum sv_state { S_INIT, S_WAIT_READY, S_RUNNING, S_BACKOFF, S_STOPPING, S_DONE, S_NSTATES };
enum sv_event {
	E_START,	/* the first start */
	E_TICK,		/* the state timer: readiness poll, backoff over, stop deadline */
	E_MASTER_EXIT,	/* master is gone (status in sv->master_status) */
	E_TERM,		/* SIGTERM, SIGINT */
	E_HUP,		/* SIGHUP: re-sync the jail, reload master */
	E_AUDIT,	/* the audit timer or SIGUSR1 */
	E_RESYNC,	/* a watched host file changed and the debounce delay passed */
	E_NEVENTS
};

static const char *const state_names[] = {
	"init", "starting", "running", "backoff", "stopping", "done",
};
static const char *const event_names[] = {
	"start", "tick", "master-exit", "term", "hup", "audit", "resync",
};

#define MAX_WATCHES	256
#define MAX_SEEN_CALLS	128

struct watch {
	int wd;
	char *dir;
	struct pfj_strv names;	/* source file names in dir */
	int any;		/* a CA directory: a new certificate matters too */
};

struct sv {
	struct pfj_ctx *ctx;
	const struct pfj_conf *conf;
	const char *pfjail;
	char *queue_dir, *queue_real, *daemon_dir, *pid_file, *manifest;
	struct pfj_strv ca_dirs;	/* copied whole into the jail */
	char *sv_status;		/* last STATUS= sent */
	struct pfj_strv calls;
	struct pfj_launch launch;
	uint64_t caps;
	int seccomp_mode;
	int nnp_inherited;		/* the service manager set no_new_privs */
	int told_unseen;		/* warned that process roots cannot be read */

	enum sv_state state;
	pid_t master;			/* 0: none */
	int master_pidfd;
	int master_status;
	pid_t old_group;		/* the last master's process group, to drain */
	int listener;			/* seccomp notifications, -1 */
	long long master_started;	/* ms */
	long long stop_deadline;	/* ms */
	int ready_polls;
	int reload_pending;		/* a reload asked for before master could take SIGHUP */
	int delay;			/* next backoff, seconds */
	long long *fails;		/* ms of recent unexpected exits (ring) */
	int nfails;
	int exit_code;
	int notified_fd;

	int sigfd, state_tfd, audit_tfd, resync_tfd, inofd;
	struct watch *watches;		/* MAX_WATCHES */
	int nwatches;
	struct seen { char call[48]; char comm[20]; } *seen;	/* MAX_SEEN_CALLS */
	int nseen;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm(int tfd, long long ms, int periodic)
{
	struct itimerspec its = { 0 };

	if (ms > 0) {
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
		if (periodic)
			its.it_interval = its.it_value;
	}
	(void)timerfd_settime(tfd, 0, &its, NULL);
}

static void status(struct sv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(struct sv *sv, const char *fmt, ...)
{
	char msg[512];
	char *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sv->sv_status && strcmp(sv->sv_status, msg) == 0)
		return;
	free(sv->sv_status);
	sv->sv_status = strdup(msg);
	if ((text = pfj_asprintf("STATUS=%s", msg))) {
		(void)pfj_sd_notify(text);
		free(text);
	}
}

/* ---- running pfjail and Postfix's tools ---------------------------------------------- */

/* log_lines - each line of a child's output at level, prefixed */
static void log_lines(enum pfj_log_level level, const char *prefix, const struct pfj_buf *b)
{
	const char *p = b->data, *end = b->data + b->len;

	while (p && p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);

		/* pfjail's own messages carry its name already */
		if (n > 8 && strncmp(p, "pfjail: ", 8) == 0) {
			p += 8;
			n -= 8;
		}
		if (n)
			pfj_log(level, "%s%.*s", prefix, (int)n, p);
		p += n + 1;
	}
}

/*
 * run_pfjail - "pfjail [-c DIR] [-f FILE] CMD [ARG]"; its findings (stdout)
 * and messages (stderr) go to the supervisor's log.  Returns its exit
 * status, or 2 when it did not run or died.
 */
static int run_pfjail(struct sv *sv, const char *cmd, const char *arg, enum pfj_log_level out_level)
{
	const struct pfj_cli *cli = sv->ctx->cli;
	const char *argv[12];
	struct pfj_run_result res;
	char desc[64];
	int argc = 0, r, code;

	argv[argc++] = sv->pfjail;
	if (cli->config_dir_given) {
		argv[argc++] = "-c";
		argv[argc++] = cli->config_dir;
	}
	if (cli->conf_file) {
		argv[argc++] = "-f";
		argv[argc++] = cli->conf_file;
	}
	if (cli->verbosity > 0)
		argv[argc++] = "-v";
	argv[argc++] = cmd;
	if (arg)
		argv[argc++] = arg;
	argv[argc] = NULL;
	r = pfj_run(argv, NULL, &res);
	if (r < 0) {
		pfj_err("running pfjail %s: %s", cmd, strerror(-r));
		pfj_run_result_free(&res);
		return 2;
	}
	log_lines(out_level, "", &res.out);
	log_lines(PFJ_LOG_NOTICE, "", &res.err);
	if (WIFEXITED(res.status)) {
		code = WEXITSTATUS(res.status);
	} else {
		pfj_err("pfjail %s: %s", cmd, pfj_run_describe(res.status, desc, sizeof(desc)));
		code = 2;
	}
	pfj_run_result_free(&res);
	return code;
}

/* manifest_id - the manifest's identity: it changes when build rewrites it */
static void manifest_id(const struct sv *sv, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	(void)stat(sv->manifest, st);
}

static int manifest_changed(const struct stat *a, const struct stat *b)
{
	return a->st_ino != b->st_ino || a->st_dev != b->st_dev ||
	       a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

static void refresh_watches(struct sv *sv);

/* resync - pfjail build --no-reload; 1 when the jail changed, 0 not, -1 failed */
static int resync(struct sv *sv, const char *why)
{
	struct stat before, after;
	int code;

	manifest_id(sv, &before);
	code = run_pfjail(sv, "build", "--no-reload", PFJ_LOG_INFO);
	manifest_id(sv, &after);
	refresh_watches(sv);
	if (code != 0) {
		pfj_err("re-syncing the jail (%s) failed; the previous jail is kept", why);
		return -1;
	}
	if (!manifest_changed(&before, &after)) {
		pfj_info("jail %s already in sync (%s)", sv->queue_dir, why);
		return 0;
	}
	pfj_notice("jail %s re-synced (%s)", sv->queue_dir, why);
	return 1;
}

/*
 * verify_jail - the verify engine under supervise.policy: 0 go on, else
 * the exit status that refuses.
 */
static int verify_jail(struct sv *sv, const char *when)
{
	const char *policy = sv->conf->supervise_policy;
	int code = run_pfjail(sv, "verify", NULL, PFJ_LOG_WARN);

	if (code == 0)
		return 0;
	if (strcmp(policy, "rebuild") == 0) {
		pfj_warn("%s: the jail %s; supervise.policy is \"rebuild\": rebuilding it", when,
			 code == 1 ? "has findings" : "could not be verified");
		if (resync(sv, "supervise.policy = rebuild") >= 0 &&
		    (code = run_pfjail(sv, "verify", NULL, PFJ_LOG_WARN)) == 0)
			return 0;
	}
	if (strcmp(policy, "warn") == 0) {
		pfj_warn("%s: the jail %s; supervise.policy is \"warn\": going on", when,
			 code == 1 ? "has findings" : "could not be verified");
		return 0;
	}
	pfj_err("%s: the jail %s %s; refusing (supervise.policy = %s)", when, sv->queue_dir,
		code == 1 ? "failed verification" : "could not be verified", policy);
	return PFJ_SV_EXIT_JAIL;
}

/* prestart - every check before master starts: 0, or the refusing exit status */
static int prestart(struct sv *sv)
{
	const struct pfj_cli *cli = sv->ctx->cli;
	const char *argv[6];
	struct pfj_run_result res;
	char *postfix;
	char desc[64];
	int argc = 0, r, code;

	status(sv, "verifying the jail");
	if ((code = verify_jail(sv, "before starting Postfix")) != 0)
		return code;

	status(sv, "checking root's alias");
	code = run_pfjail(sv, "aliases", "--check", PFJ_LOG_WARN);
	if (code != 0) {
		int enforce = strcmp(sv->conf->aliases_policy, "enforce") == 0;

		pfj_log(enforce ? PFJ_LOG_ERR : PFJ_LOG_WARN, "%s; aliases.policy is \"%s\"%s",
			code == 1 ? "root's mail is delivered to root" : "root's alias could not be checked",
			sv->conf->aliases_policy, enforce ? ": refusing to start Postfix" : ": going on");
		if (enforce)
			return PFJ_SV_EXIT_ALIASES;
	}

	/* the hardening checklist: advice for the log, never a refusal */
	if (strcmp(sv->conf->harden_policy, "off") != 0) {
		status(sv, "auditing the hardening checklist");
		code = run_pfjail(sv, "harden", "-q", PFJ_LOG_WARN);
		if (code == 1)
			pfj_warn("the hardening audit (pfjail harden) has failed checks; harden.policy is "
				 "\"%s\": going on", sv->conf->harden_policy);
		else if (code != 0)
			pfj_warn("the hardening audit (pfjail harden) could not run; going on");
	}

	status(sv, "running postfix check");
	if (!(postfix = pfj_asprintf("%s/postfix", sv->conf->postfix_bindir)))
		return PFJ_SV_EXIT_ERROR;
	argv[argc++] = postfix;
	if (cli->config_dir_given) {
		argv[argc++] = "-c";
		argv[argc++] = cli->config_dir;
	}
	argv[argc++] = "check";
	argv[argc] = NULL;
	r = pfj_run(argv, NULL, &res);
	if (r < 0 || !WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		pfj_err("%s check failed (%s)%s%s; refusing to start Postfix", postfix,
			r < 0 ? strerror(-r) : pfj_run_describe(res.status, desc, sizeof(desc)),
			r < 0 ? "" : ": ", r < 0 ? "" : pfj_run_first_error(&res));
		code = PFJ_SV_EXIT_CHECK;
	} else {
		log_lines(PFJ_LOG_WARN, "postfix check: ", &res.err);
		code = 0;
	}
	pfj_run_result_free(&res);
	free(postfix);
	return code;
}

/* ---- master ------------------------------------------------------------------------- */

/* flock_holder - the pid holding a write flock on the file at path (0 none, -1 unknown) */
static pid_t flock_holder(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : pfj_flock_holder(&st);
}

/*
 * master_ready - master has locked its pid file (as "master -t" tests) and
 * finished master_config(): it catches SIGHUP only once every listener of
 * master.cf is open.  Reading /proc and /proc/locks never contends for the
 * lock itself.
 */
static int master_ready(const struct sv *sv)
{
	uint64_t caught;

	if (flock_holder(sv->pid_file) != sv->master)
		return 0;
	if (pfj_proc_status_hex(sv->master, "SigCgt", &caught) < 0)
		return 0;
	return (caught & (1ULL << (SIGHUP - 1))) != 0;
}

static int send_master(struct sv *sv, int sig)
{
	if (sv->master_pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, sv->master_pidfd, sig, NULL, 0);
	return kill(sv->master, sig);
}

static void close_listener(struct sv *sv)
{
	if (sv->listener >= 0)
		close(sv->listener);
	sv->listener = -1;
}

static enum sv_state start_master(struct sv *sv)
{
	char why[512];
	int code;

	if ((code = prestart(sv)) != 0) {
		sv->exit_code = code;
		return S_DONE;
	}
	close_listener(sv);
	status(sv, "starting master");
	sv->master = pfj_launch_master(&sv->launch, &sv->listener, why, sizeof(why));
	if (sv->master < 0) {
		pfj_err("could not start %s: %s", sv->launch.master, why);
		sv->master = 0;
		sv->exit_code = PFJ_SV_EXIT_LAUNCH;
		return S_DONE;
	}
	sv->master_pidfd = (int)syscall(SYS_pidfd_open, sv->master, 0);
	sv->master_started = now_ms();
	sv->old_group = sv->master;
	sv->ready_polls = 0;
	sv->reload_pending = 0;
	pfj_info("started %s (pid %d), capabilities %016llx, seccomp %s%s, no_new_privs %s",
		 sv->launch.master, (int)sv->master, (unsigned long long)sv->caps,
		 pfj_seccomp_mode_names[sv->seccomp_mode],
		 sv->listener >= 0 ? " (calls logged by name)" : "",
		 sv->launch.no_new_privs ? "on" : sv->nnp_inherited ? "on (inherited)" : "off");
	arm(sv->state_tfd, 20, 0);
	return S_WAIT_READY;
}

static enum sv_state act_start(struct sv *sv)
{
	return start_master(sv);
}

static enum sv_state act_poll_ready(struct sv *sv)
{
	if (!master_ready(sv)) {
		/* 20 ms at first, then up to one second apart */
		long long next = 20LL << (sv->ready_polls < 6 ? sv->ready_polls : 6);

		sv->ready_polls++;
		arm(sv->state_tfd, next > 1000 ? 1000 : next, 0);
		return S_WAIT_READY;
	}
	pfj_notice("Postfix master (pid %d) is up: pid file locked, listeners open", (int)sv->master);
	if (sv->reload_pending) {
		sv->reload_pending = 0;
		send_master(sv, SIGHUP);
	}
	status(sv, "Postfix master running (pid %d)", (int)sv->master);
	(void)pfj_sd_notify("READY=1");
	if (sv->notified_fd >= 0) {
		ssize_t w;

		do
			w = write(sv->notified_fd, "\n", 1);
		while (w < 0 && errno == EINTR);
		close(sv->notified_fd);
		sv->notified_fd = -1;
	}
	if (sv->conf->supervise_audit_interval > 0)
		arm(sv->audit_tfd, (long long)sv->conf->supervise_audit_interval * 1000, 1);
	return S_RUNNING;
}

/* kill_group - whatever is left of the last master's process group */
static void kill_group(struct sv *sv, int sig)
{
	if (sv->old_group > 0 && kill(-sv->old_group, sig) < 0 && errno == ESRCH)
		sv->old_group = 0;
}

static enum sv_state act_master_died(struct sv *sv)
{
	long long up = now_ms() - sv->master_started, t = now_ms();
	char desc[64];
	int n = 0;

	arm(sv->audit_tfd, 0, 0);
	close_listener(sv);
	pfj_err("Postfix master (pid %d) %s after %lld s", (int)sv->master,
		pfj_run_describe(sv->master_status, desc, sizeof(desc)), up / 1000);
	sv->master = 0;
	/* daemons of a dead master hold its listeners: a new master could not bind */
	kill_group(sv, SIGKILL);

	if (up >= (long long)sv->conf->supervise_stable_after * 1000)
		sv->delay = sv->conf->supervise_restart_delay;
	sv->fails[sv->nfails++ % (sv->conf->supervise_max_restarts + 1)] = t;
	for (int i = 0; i < sv->conf->supervise_max_restarts + 1 && i < sv->nfails; i++)
		if (t - sv->fails[i] <= (long long)sv->conf->supervise_restart_window * 1000)
			n++;
	if (n > sv->conf->supervise_max_restarts) {
		pfj_err("master failed %d times within %d s (supervise.max_restarts = %d); giving up",
			n, sv->conf->supervise_restart_window, sv->conf->supervise_max_restarts);
		status(sv, "gave up after %d failures", n);
		sv->exit_code = PFJ_SV_EXIT_GAVE_UP;
		return S_DONE;
	}
	pfj_notice("restarting master in %d s", sv->delay);
	status(sv, "master failed; restarting in %d s", sv->delay);
	arm(sv->state_tfd, (long long)sv->delay * 1000, 0);
	sv->delay = sv->delay * 2 > sv->conf->supervise_restart_delay_max ?
		sv->conf->supervise_restart_delay_max : sv->delay * 2;
	return S_BACKOFF;
}

static enum sv_state act_stop(struct sv *sv)
{
	pfj_notice("stopping Postfix master (pid %d)", (int)sv->master);
	(void)pfj_sd_notify("STOPPING=1");
	status(sv, "stopping");
	arm(sv->audit_tfd, 0, 0);
	sv->stop_deadline = now_ms() + (long long)sv->conf->supervise_stop_timeout * 1000;
	send_master(sv, SIGTERM);
	arm(sv->state_tfd, (long long)sv->conf->supervise_stop_timeout * 1000, 0);
	return S_STOPPING;
}

static enum sv_state act_stop_idle(struct sv *sv)
{
	(void)pfj_sd_notify("STOPPING=1");
	pfj_notice("stopped before master was restarted");
	arm(sv->state_tfd, 0, 0);
	sv->exit_code = PFJ_SV_EXIT_STOPPED;
	return S_DONE;
}

/* In S_STOPPING, the timer either ends the grace period or polls the drain. */
static enum sv_state act_stop_tick(struct sv *sv)
{
	if (now_ms() >= sv->stop_deadline) {
		if (sv->master) {
			pfj_warn("master (pid %d) did not stop within %d s; killing its process group",
				 (int)sv->master, sv->conf->supervise_stop_timeout);
			send_master(sv, SIGKILL);
		}
		kill_group(sv, SIGKILL);
	}
	if (!sv->master) {
		kill_group(sv, 0);
		if (!sv->old_group) {
			if (sv->exit_code < 0)
				sv->exit_code = PFJ_SV_EXIT_STOPPED;
			return S_DONE;
		}
	}
	arm(sv->state_tfd, sv->master ? 100 : 50, 0);
	return S_STOPPING;
}

static enum sv_state act_stopped(struct sv *sv)
{
	char desc[64];

	pfj_info("master (pid %d) %s", (int)sv->master,
		 pfj_run_describe(sv->master_status, desc, sizeof(desc)));
	sv->master = 0;
	close_listener(sv);
	/* master sent SIGTERM to its group as it left; give its daemons a moment */
	if (sv->stop_deadline - now_ms() > 2000)
		sv->stop_deadline = now_ms() + 2000;
	return act_stop_tick(sv);
}

/*
 * reload_master - SIGHUP, once master catches it: until master_config()
 * is done, SIGHUP would kill it.
 */
static void reload_master(struct sv *sv)
{
	if (!sv->master)
		return;
	if (sv->state == S_WAIT_READY)
		sv->reload_pending = 1;
	else
		send_master(sv, SIGHUP);
}

static enum sv_state act_reload(struct sv *sv)
{
	pfj_notice("SIGHUP: re-syncing the jail and reloading Postfix");
	(void)pfj_sd_notify("RELOADING=1");
	(void)resync(sv, "reload");
	reload_master(sv);
	if (sv->state == S_RUNNING)
		(void)pfj_sd_notify("READY=1");
	return sv->state;
}

/* proc_stat - parent and start time (clock ticks since boot) of pid: 0 or -1 */
static int proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start)
{
	char buf[1024], *p;
	long pp;

	if (pfj_proc_read(pid, "stat", buf, sizeof(buf)) <= 0)
		return -1;
	/* after "pid (comm)": state ppid, then fields 5-21, then starttime (22) */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %llu", &pp, start) != 2)
		return -1;
	*ppid = (pid_t)pp;
	return 0;
}

struct proc {
	pid_t pid, ppid;
	unsigned long long start;
	char in;		/* 0 not known yet, IN_TREE, NOT_IN_TREE */
};
enum { IN_TREE = 1, NOT_IN_TREE = 2 };

static int cmp_proc(const void *a, const void *b)
{
	pid_t x = ((const struct proc *)a)->pid, y = ((const struct proc *)b)->pid;

	return (x > y) - (x < y);
}

/* descends - is ps[i] master or below it?  Walks up the ppid chain, memoised */
static char descends(struct proc *ps, size_t n, size_t i, pid_t master)
{
	size_t chain[64];
	size_t len = 0, j = i;
	char verdict = NOT_IN_TREE;

	for (;;) {
		struct proc key = { .pid = ps[j].ppid }, *parent;

		if (ps[j].in) {
			verdict = ps[j].in;
			break;
		}
		if (ps[j].pid == master) {
			verdict = IN_TREE;
			break;
		}
		if (len == sizeof(chain) / sizeof(chain[0]))
			break;	/* deeper than Postfix ever goes: not ours */
		chain[len++] = j;
		parent = bsearch(&key, ps, n, sizeof(*ps), cmp_proc);
		if (!parent || ps[j].ppid <= 1)
			break;
		j = (size_t)(parent - ps);
	}
	for (size_t k = 0; k < len; k++)
		ps[chain[k]].in = verdict;
	return verdict;
}

/*
 * check_processes - every process of the instance (master and its
 * descendants) is still confined as started.  A finding counts only if
 * the process still has the start time it had when the scan found it, so
 * a pid reused meanwhile is not blamed.
 */
static int check_processes(struct sv *sv)
{
	struct proc *ps = NULL;
	size_t n = 0, cap = 0;
	int findings = 0, unseen = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct proc pr = { 0 };

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pr.pid = (pid_t)atol(de->d_name);
		if (proc_stat(pr.pid, &pr.ppid, &pr.start) < 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct proc *v = realloc(ps, nc * sizeof(*v));

			if (!v)
				break;
			ps = v;
			cap = nc;
		}
		ps[n++] = pr;
	}
	closedir(d);

	/* the descendants of master: each process's ancestry, looked up by pid
	 * in the sorted table and remembered, so a busy host costs n log n */
	if (n)
		qsort(ps, n, sizeof(*ps), cmp_proc);
	for (size_t i = 0; i < n; i++)
		ps[i].in = descends(ps, n, i, sv->master);
	for (size_t i = 0; i < n; i++) {
		char link[64], root[PATH_MAX], comm[20], what[PATH_MAX + 128] = "";
		unsigned long long start;
		uint64_t bnd;
		pid_t pp;
		long sc;
		ssize_t l;

		if (ps[i].in != IN_TREE)
			continue;
		pfj_proc_comm(ps[i].pid, comm, sizeof(comm));
		if (pfj_proc_status_hex(ps[i].pid, "CapBnd", &bnd) == 0 && (bnd & ~sv->caps))
			snprintf(what, sizeof(what), "has capability bounding set %016llx, wider than %016llx",
				 (unsigned long long)bnd, (unsigned long long)sv->caps);
		else if (sv->seccomp_mode != PFJ_SECCOMP_OFF &&
			 pfj_proc_status_int(ps[i].pid, "Seccomp", &sc) == 0 && sc != 2)
			snprintf(what, sizeof(what), "runs with Seccomp %ld, not 2", sc);
		snprintf(link, sizeof(link), "/proc/%d/root", (int)ps[i].pid);
		l = readlink(link, root, sizeof(root) - 1);
		if (l < 0 && errno == EACCES)
			unseen++;	/* another uid's root needs CAP_SYS_PTRACE */
		if (l > 0 && !what[0]) {
			root[l] = '\0';
			if (strcmp(root, "/") != 0 && strcmp(root, sv->queue_real) != 0)
				snprintf(what, sizeof(what), "is chrooted to %s, not to the jail %s",
					 root, sv->queue_real);
		}
		if (what[0] && proc_stat(ps[i].pid, &pp, &start) == 0 && start == ps[i].start) {
			pfj_err("audit: process %d (%s) %s", (int)ps[i].pid, comm, what);
			findings++;
		}
	}
	if (unseen && !sv->told_unseen) {
		pfj_warn("audit: the root directory of %d Postfix processes could not be read "
			 "(that needs CAP_SYS_PTRACE); their chroot is not checked", unseen);
		sv->told_unseen = 1;
	}
	free(ps);
	return findings;
}

static enum sv_state act_audit(struct sv *sv)
{
	const char *policy = sv->conf->supervise_policy;
	int code, procs;

	pfj_info("auditing the jail and Postfix's processes");
	procs = sv->master ? check_processes(sv) : 0;
	code = run_pfjail(sv, "verify", NULL, PFJ_LOG_WARN);
	if (code == 0 && procs == 0) {
		pfj_info("audit: clean");
		return sv->state;
	}
	if (procs == 0 && code != 1) {
		/* verify could not run (a timeout, no memory): that is not tampering */
		pfj_err("audit: the jail could not be verified; Postfix keeps running, "
			"the next audit tries again");
		return sv->state;
	}
	if (strcmp(policy, "warn") == 0) {
		pfj_warn("audit: %s; supervise.policy is \"warn\": Postfix keeps running",
			 procs ? "a Postfix process is not confined as it was started" :
			 code == 1 ? "the jail has findings" : "the jail could not be verified");
		return sv->state;
	}
	if (procs == 0 && strcmp(policy, "rebuild") == 0) {
		if (resync(sv, "audit findings, supervise.policy = rebuild") >= 0 &&
		    run_pfjail(sv, "verify", NULL, PFJ_LOG_WARN) == 0) {
			reload_master(sv);
			pfj_notice("audit: the jail was rebuilt and verifies clean");
			return sv->state;
		}
	}
	pfj_err("audit: %s; stopping Postfix (supervise.policy = %s)",
		procs ? "a Postfix process is not confined as it was started" :
		"the jail failed verification", policy);
	sv->exit_code = PFJ_SV_EXIT_AUDIT;
	if (sv->master)
		return act_stop(sv);
	return S_DONE;
}

static enum sv_state act_resync(struct sv *sv)
{
	if (resync(sv, "a host source of the jail changed") > 0)
		reload_master(sv);
	return sv->state;
}

static enum sv_state act_ignore(struct sv *sv)
{
	return sv->state;
}

/* The state machine: (state, event) -> action, which returns the next state.
 * Pairs not listed leave the state as it is. */
static const struct {
	enum sv_state state;
	enum sv_event event;
	enum sv_state (*action)(struct sv *);
} transitions[] = {
	{ S_INIT,       E_START,       act_start },
	{ S_WAIT_READY, E_TICK,        act_poll_ready },
	{ S_WAIT_READY, E_MASTER_EXIT, act_master_died },
	{ S_WAIT_READY, E_TERM,        act_stop },
	{ S_WAIT_READY, E_HUP,         act_reload },
	{ S_WAIT_READY, E_RESYNC,      act_resync },
	{ S_RUNNING,    E_MASTER_EXIT, act_master_died },
	{ S_RUNNING,    E_TERM,        act_stop },
	{ S_RUNNING,    E_HUP,         act_reload },
	{ S_RUNNING,    E_AUDIT,       act_audit },
	{ S_RUNNING,    E_RESYNC,      act_resync },
	{ S_BACKOFF,    E_TICK,        act_start },
	{ S_BACKOFF,    E_TERM,        act_stop_idle },
	{ S_BACKOFF,    E_HUP,         act_reload },
	{ S_BACKOFF,    E_RESYNC,      act_resync },
	{ S_STOPPING,   E_TICK,        act_stop_tick },
	{ S_STOPPING,   E_MASTER_EXIT, act_stopped },
	{ S_STOPPING,   E_TERM,        act_ignore },
};

static void dispatch(struct sv *sv, enum sv_event ev)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		if (transitions[i].state == sv->state && transitions[i].event == ev) {
			enum sv_state next = transitions[i].action(sv);

			if (next != sv->state)
				pfj_debug("state %s --%s--> %s", state_names[sv->state], event_names[ev],
					  state_names[next]);
			sv->state = next;
			return;
		}
	}
	pfj_debug("state %s: event %s ignored", state_names[sv->state], event_names[ev]);
}

/* ---- watching the host sources -------------------------------------------------------- */

static void drop_watches(struct sv *sv)
{
	for (int i = 0; i < sv->nwatches; i++) {
		inotify_rm_watch(sv->inofd, sv->watches[i].wd);
		free(sv->watches[i].dir);
		pfj_strv_free(&sv->watches[i].names);
	}
	sv->nwatches = 0;
}

static struct watch *watch_dir(struct sv *sv, const char *dir);

/* watch_path - the directory of a host source, for changes to that name */
static void watch_path(struct sv *sv, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct watch *w = NULL;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (!dir[0])
		strcpy(dir, "/");
	if ((w = watch_dir(sv, dir)) == NULL)
		return;
	if (!pfj_strv_contains(&w->names, slash + 1))
		(void)pfj_strv_add(&w->names, slash + 1);
}

/* watch_dir - the watch on dir, added when there is none yet (NULL: cannot) */
static struct watch *watch_dir(struct sv *sv, const char *dir)
{
	struct watch *w;
	int wd;

	for (int i = 0; i < sv->nwatches; i++)
		if (strcmp(sv->watches[i].dir, dir) == 0)
			return &sv->watches[i];
	if (sv->nwatches == MAX_WATCHES)
		return NULL;
	wd = inotify_add_watch(sv->inofd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
			       IN_CREATE | IN_DELETE | IN_ATTRIB | IN_ONLYDIR);
	if (wd < 0)
		return NULL;
	for (int i = 0; i < sv->nwatches; i++)
		if (sv->watches[i].wd == wd)	/* the same directory by another name */
			return &sv->watches[i];
	w = &sv->watches[sv->nwatches++];
	memset(w, 0, sizeof(*w));
	w->wd = wd;
	w->dir = strdup(dir);
	return w;
}

/* refresh_watches - the directories of every host source the manifest names */
static void refresh_watches(struct sv *sv)
{
	struct pfj_buf text = { 0 };
	struct pfj_manifest m = { 0 };
	struct pfj_parse_error perr;

	if (sv->inofd < 0)
		return;
	drop_watches(sv);
	if (pfj_state_read(sv->manifest, 64u << 20, &text) < 0 ||
	    pfj_manifest_parse(text.data ? text.data : "", text.len, &m, &perr) < 0) {
		pfj_buf_free(&text);
		return;
	}
	for (size_t i = 0; i < m.n; i++) {
		char real[PATH_MAX];

		if (!m.ent[i].source || m.ent[i].source[0] != '/')
			continue;
		watch_path(sv, m.ent[i].source);
		/* a symlinked source (resolv.conf -> a resolver's file) changes at its target */
		if (realpath(m.ent[i].source, real) && strcmp(real, m.ent[i].source) != 0)
			watch_path(sv, real);
	}
	for (size_t i = 0; i < sv->ca_dirs.n; i++) {
		struct watch *w = watch_dir(sv, sv->ca_dirs.v[i]);

		if (w)
			w->any = 1;
	}
	pfj_debug("watching %d directories for changes to the jail's host sources", sv->nwatches);
	pfj_manifest_free(&m);
	pfj_buf_free(&text);
}

/* inotify_event - 1 when an event concerns a watched source */
static int read_inotify(struct sv *sv)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int relevant = 0;
	ssize_t n;

	while ((n = read(sv->inofd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				relevant = 1;
			for (int i = 0; i < sv->nwatches; i++)
				if (sv->watches[i].wd == ev->wd && ev->len &&
				    (sv->watches[i].any ||
				     pfj_strv_contains(&sv->watches[i].names, ev->name))) {
					pfj_info("host file %s/%s changed", sv->watches[i].dir, ev->name);
					relevant = 1;
				}
			p += sizeof(*ev) + ev->len;
		}
	}
	return relevant;
}

/* ---- seccomp notifications ------------------------------------------------------------- */

static void handle_notification(struct sv *sv)
{
	struct pfj_notify_event ev;
	const char *comm = ev.comm;
	int seen = 0, r;

	r = pfj_seccomp_notify_handle(sv->listener, sv->seccomp_mode, &ev);
	if (r == -ENOENT || r == -EINTR)
		return;		/* the caller went away */
	if (r < 0) {
		/* a listener that stays readable but cannot be read would spin the
		 * loop; without it, filtered calls fail with ENOSYS instead */
		pfj_err("seccomp notifications: %s; no longer logging filtered calls by name",
			strerror(-r));
		close_listener(sv);
		return;
	}
	/* the first time a program makes a call is a warning, repeats are debug */
	for (int i = 0; i < sv->nseen; i++)
		if (strcmp(sv->seen[i].call, ev.syscall) == 0 && strcmp(sv->seen[i].comm, comm) == 0)
			seen = 1;
	if (!seen && sv->nseen < MAX_SEEN_CALLS) {
		snprintf(sv->seen[sv->nseen].call, sizeof(sv->seen[0].call), "%s", ev.syscall);
		snprintf(sv->seen[sv->nseen].comm, sizeof(sv->seen[0].comm), "%s", comm);
		sv->nseen++;
	}
	pfj_log(seen ? PFJ_LOG_DEBUG : PFJ_LOG_WARN, "seccomp (%s): %s by pid %d (%s): %s",
		pfj_seccomp_mode_names[sv->seccomp_mode], ev.syscall, (int)ev.pid, comm, ev.action);
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int load_policy(struct sv *sv)
{
	const char *file = sv->seccomp_mode == PFJ_SECCOMP_DENY ? "supervise-deny.policy" :
		"supervise-allow.policy";
	struct pfj_buf text = { 0 };
	char why[512], *path;
	int r;

	if (sv->seccomp_mode == PFJ_SECCOMP_OFF)
		return 0;
	if (!(path = pfj_asprintf("%s/%s", sv->conf->supervise_seccomp_policy_dir, file)))
		return -1;
	r = pfj_read_file(path, 1u << 20, &text);
	if (r < 0) {
		pfj_err("%s: cannot read the seccomp policy: %s", path, strerror(-r));
	} else if ((r = pfj_policy_parse(text.data ? text.data : "", path,
					 sv->seccomp_mode == PFJ_SECCOMP_DENY, &sv->calls,
					 why, sizeof(why))) < 0) {
		pfj_err("%s", why);
	} else {
		struct pfj_strv strict = { 0 };

		/* a denylist may name calls this architecture lacks; say so, a typo looks the same */
		if (sv->seccomp_mode == PFJ_SECCOMP_DENY &&
		    pfj_policy_parse(text.data ? text.data : "", path, 0, &strict, why, sizeof(why)) < 0)
			pfj_notice("%s (skipped: this architecture has no such call)", why);
		pfj_strv_free(&strict);
		pfj_info("seccomp %s: %zu calls from %s", pfj_seccomp_mode_names[sv->seccomp_mode],
			 sv->calls.n, path);
	}
	free(path);
	pfj_buf_free(&text);
	return r < 0 ? -1 : 0;
}

static int postfix_settings(struct sv *sv)
{
	static const char *const names[] = {
		"queue_directory", "daemon_directory", "smtp_tls_CApath", "smtpd_tls_CApath",
	};
	char *vals[4] = { NULL, NULL, NULL, NULL };
	char why[1024], real[PATH_MAX];

	if (pfj_postconf_get(&sv->ctx->pc, names, 4, vals, why, sizeof(why)) < 0) {
		pfj_err("%s", why);
		return -1;
	}
	sv->queue_dir = vals[0];
	sv->daemon_dir = vals[1];
	/* the CA directories the jail copies whole: a certificate added there is a change */
	for (int i = 2; i < 4; i++) {
		size_t n = strlen(vals[i]);

		while (n > 1 && vals[i][n - 1] == '/')
			vals[i][--n] = '\0';
		if (vals[i][0] == '/' && !pfj_strv_contains(&sv->ca_dirs, vals[i]))
			(void)pfj_strv_add(&sv->ca_dirs, vals[i]);
		free(vals[i]);
	}
	for (size_t i = 0; i < sv->conf->jail_extra_ca_dirs.n; i++)
		if (!pfj_strv_contains(&sv->ca_dirs, sv->conf->jail_extra_ca_dirs.v[i]))
			(void)pfj_strv_add(&sv->ca_dirs, sv->conf->jail_extra_ca_dirs.v[i]);
	if (sv->queue_dir[0] != '/' || sv->daemon_dir[0] != '/') {
		pfj_err("queue_directory and daemon_directory must be absolute paths");
		return -1;
	}
	sv->queue_real = strdup(realpath(sv->queue_dir, real) ? real : sv->queue_dir);
	sv->pid_file = pfj_asprintf("%s/pid/master.pid", sv->queue_dir);
	sv->launch.master = pfj_asprintf("%s/master", sv->daemon_dir);
	sv->manifest = pfj_manifest_path(sv->ctx);
	return sv->queue_real && sv->pid_file && sv->launch.master && sv->manifest ? 0 : -1;
}

/* take_lock - one supervisor per instance: 0, or the exit status that refuses */
static int take_lock(struct sv *sv, int *lockfd)
{
	char *dir = NULL, *base = NULL, why[512];
	int dfd, fd, code = PFJ_SV_EXIT_ERROR;
	pid_t holder;

	if (pfj_state_location(sv->ctx, "supervise.lock", &dir, &base) < 0)
		return code;
	dfd = pfj_state_dir_open(dir, why, sizeof(why));
	if (dfd < 0) {
		pfj_err("%s", why);
		goto out;
	}
	fd = openat(dfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0) {
		pfj_err("%s/%s: %m", dir, base);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pfj_err("another pfjail supervise already runs Postfix instance %s (lock %s/%s)",
			sv->ctx->cli->config_dir, dir, base);
		close(fd);
		code = PFJ_SV_EXIT_BUSY;
		goto out;
	}
	holder = flock_holder(sv->pid_file);
	if (holder > 0) {
		pfj_err("Postfix master (pid %d) already runs instance %s outside the supervisor; "
			"stop it first (postfix%s%s stop)", (int)holder, sv->ctx->cli->config_dir,
			sv->ctx->cli->config_dir_given ? " -c " : "",
			sv->ctx->cli->config_dir_given ? sv->ctx->cli->config_dir : "");
		close(fd);
		code = PFJ_SV_EXIT_BUSY;
		goto out;
	}
	*lockfd = fd;
	code = 0;
out:
	free(dir);
	free(base);
	return code;
}

static int setup_fds(struct sv *sv)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	sv->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	sv->state_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sv->audit_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sv->resync_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sv->inofd = sv->conf->supervise_watch ? inotify_init1(IN_CLOEXEC | IN_NONBLOCK) : -1;
	if (sv->sigfd < 0 || sv->state_tfd < 0 || sv->audit_tfd < 0 || sv->resync_tfd < 0 ||
	    (sv->conf->supervise_watch && sv->inofd < 0))
		return -1;
	return 0;
}

/* reap - collect every exited child; master's status ends up in sv */
static int reap(struct sv *sv)
{
	int st, master_gone = 0;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == sv->master) {
			sv->master_status = st;
			master_gone = 1;
		}
	}
	return master_gone;
}

/* drain_timer - expirations since the last read; 0 when a handler re-armed it meanwhile */
static uint64_t drain_timer(int fd)
{
	uint64_t n, total = 0;

	while (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		total += n;
	return total;
}

static void loop(struct sv *sv)
{
	dispatch(sv, E_START);
	while (sv->state != S_DONE) {
		struct pollfd p[7] = {
			{ .fd = sv->sigfd, .events = POLLIN },
			{ .fd = sv->state_tfd, .events = POLLIN },
			{ .fd = sv->audit_tfd, .events = POLLIN },
			{ .fd = sv->resync_tfd, .events = POLLIN },
			{ .fd = sv->inofd, .events = POLLIN },
			{ .fd = sv->master ? sv->master_pidfd : -1, .events = POLLIN },
			{ .fd = sv->listener, .events = POLLIN },
		};

		if (poll(p, 7, -1) < 0) {
			if (errno == EINTR)
				continue;
			pfj_err("poll: %m");
			sv->exit_code = PFJ_SV_EXIT_ERROR;
			break;
		}
		if (p[6].revents & POLLIN)
			handle_notification(sv);
		else if (p[6].revents & (POLLHUP | POLLERR))
			close_listener(sv);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sv->sigfd, &si, sizeof(si)) == sizeof(si)) {
				switch (si.ssi_signo) {
				case SIGTERM:
				case SIGINT:
					pfj_notice("%s: stopping", strsignal((int)si.ssi_signo));
					dispatch(sv, E_TERM);
					break;
				case SIGHUP:
					dispatch(sv, E_HUP);
					break;
				case SIGUSR1:
					pfj_info("SIGUSR1: audit requested");
					dispatch(sv, E_AUDIT);
					break;
				case SIGCHLD:
					if (reap(sv))
						dispatch(sv, E_MASTER_EXIT);
					break;
				}
			}
		}
		if (sv->master && (p[5].revents & POLLIN) && reap(sv))
			dispatch(sv, E_MASTER_EXIT);
		if (sv->master == 0 && sv->master_pidfd >= 0) {
			close(sv->master_pidfd);
			sv->master_pidfd = -1;
		}
		if ((p[1].revents & POLLIN) && drain_timer(sv->state_tfd))
			dispatch(sv, E_TICK);
		if ((p[2].revents & POLLIN) && drain_timer(sv->audit_tfd))
			dispatch(sv, E_AUDIT);
		if ((p[3].revents & POLLIN) && drain_timer(sv->resync_tfd))
			dispatch(sv, E_RESYNC);
		/* (re)start the debounce; 0 ms still means "soon", not "never" */
		if (p[4].revents & POLLIN && read_inotify(sv))
			arm(sv->resync_tfd, sv->conf->supervise_resync_delay_ms > 0 ?
			    sv->conf->supervise_resync_delay_ms : 1, 0);
	}
}

int pfj_supervise(struct pfj_ctx *ctx, const char *pfjail)
{
	const struct pfj_conf *conf = ctx->conf;
	struct sv sv = {
		.ctx = ctx, .conf = conf, .pfjail = pfjail, .state = S_INIT,
		.master_pidfd = -1, .listener = -1, .exit_code = -1, .notified_fd = -1,
		.sigfd = -1, .state_tfd = -1, .audit_tfd = -1, .resync_tfd = -1, .inofd = -1,
	};
	char why[512];
	int lockfd = -1, code;

	if (ctx->cli->dry_run || ctx->cli->json) {
		pfj_err("supervise has no --dry-run or --json: it runs Postfix");
		return PFJ_SV_EXIT_ERROR;
	}
	if (!pfj_root_is_host(ctx->cli->root)) {
		pfj_err("supervise runs Postfix on this host; it does not take -R");
		return PFJ_SV_EXIT_ERROR;
	}
	if (geteuid() != 0) {
		pfj_err("supervise must run as root (Postfix's master needs real uid 0)");
		return PFJ_SV_EXIT_ERROR;
	}
	sv.seccomp_mode = pfj_seccomp_mode(conf->supervise_seccomp);
	if (pfj_caps_mask(&conf->supervise_capabilities, &sv.caps, why, sizeof(why)) < 0) {
		pfj_err("supervise.capabilities: %s", why);
		return PFJ_SV_EXIT_ERROR;
	}
	sv.fails = calloc((size_t)conf->supervise_max_restarts + 1, sizeof(*sv.fails));
	sv.watches = calloc(MAX_WATCHES, sizeof(*sv.watches));
	sv.seen = calloc(MAX_SEEN_CALLS, sizeof(*sv.seen));
	if (!sv.fails || !sv.watches || !sv.seen) {
		free(sv.fails);
		free(sv.watches);
		free(sv.seen);
		pfj_err("out of memory");
		return PFJ_SV_EXIT_ERROR;
	}
	code = PFJ_SV_EXIT_ERROR;
	if (load_policy(&sv) < 0 || postfix_settings(&sv) < 0)
		goto out;
	if ((code = take_lock(&sv, &lockfd)) != 0)
		goto out;
	code = PFJ_SV_EXIT_ERROR;
	if (setup_fds(&sv) < 0) {
		pfj_err("setting up signals, timers and inotify: %m");
		goto out;
	}
	/* orphaned daemons of a dead master become ours to reap and to stop */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (conf->supervise_notify_fd >= 0) {
		if (fcntl(conf->supervise_notify_fd, F_GETFD) < 0) {
			pfj_err("supervise.notify_fd %d is not open", conf->supervise_notify_fd);
			goto out;
		}
		sv.notified_fd = conf->supervise_notify_fd;
		(void)fcntl(sv.notified_fd, F_SETFD, FD_CLOEXEC);
	}
	sv.launch.config_dir = ctx->cli->config_dir_given ? ctx->cli->config_dir : NULL;
	sv.launch.caps = sv.caps;
	sv.launch.no_new_privs = conf->supervise_no_new_privs;
	sv.launch.seccomp_mode = sv.seccomp_mode;
	sv.launch.calls = &sv.calls;
	sv.launch.notify = sv.seccomp_mode != PFJ_SECCOMP_OFF && pfj_seccomp_notify_available();
	if (sv.seccomp_mode != PFJ_SECCOMP_OFF && !sv.launch.notify)
		pfj_warn("this kernel has no seccomp user notification: filtered calls are answered "
			 "by the kernel and not logged by name");
	{
		long v = 0;

		sv.nnp_inherited = pfj_proc_status_int(0, "NoNewPrivs", &v) == 0 && v == 1;
	}
	sv.launch.rlimit_core = conf->supervise_rlimit_core;
	sv.launch.rlimit_nofile = conf->supervise_rlimit_nofile;
	sv.launch.rlimit_nproc = conf->supervise_rlimit_nproc;
	sv.delay = conf->supervise_restart_delay;
	refresh_watches(&sv);

	loop(&sv);
	code = sv.exit_code < 0 ? PFJ_SV_EXIT_STOPPED : sv.exit_code;
	if (sv.master) {
		/* leaving with master up (an error in the loop): do not orphan it */
		send_master(&sv, SIGTERM);
		while (waitpid(sv.master, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pfj_info("supervisor exits with status %d", code);
out:
	drop_watches(&sv);
	close_listener(&sv);
	{
		int fds[] = { sv.sigfd, sv.state_tfd, sv.audit_tfd, sv.resync_tfd, sv.inofd };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	if (sv.master_pidfd >= 0)
		close(sv.master_pidfd);
	if (lockfd >= 0)
		close(lockfd);
	free(sv.queue_dir);
	free(sv.queue_real);
	free(sv.daemon_dir);
	free(sv.pid_file);
	free((char *)sv.launch.master);
	free(sv.manifest);
	free(sv.sv_status);
	pfj_strv_free(&sv.ca_dirs);
	free(sv.fails);
	free(sv.watches);
	free(sv.seen);
	pfj_strv_free(&sv.calls);
	return code;
}
