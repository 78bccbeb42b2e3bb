/*
 * launch.c - start Postfix's master as the supervisor's child, confined.
 *
 * The child reports back over a close-on-exec socket: the seccomp listener
 * (SCM_RIGHTS) when there is one, then either a reason for giving up or
 * nothing at all - end of file means exec succeeded.
 *
 * Order of the steps.  Everything that needs a capability the bounding set
 * will not keep happens before the permitted and effective sets shrink:
 * loading a filter without no_new_privs needs CAP_SYS_ADMIN, raising an
 * rlimit above its hard limit CAP_SYS_RESOURCE.  The bounding set is what
 * matters for master: exec by uid 0 makes its permitted set the bounding
 * set, so reducing p/e here only keeps the last steps honest.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>
#include <linux/capability.h>

#include "launch.h"
#include "procfs.h"
#include "sandbox.h"

#define REPORT_FD 3

int pfj_caps_mask(const struct pfj_strv *names, uint64_t *mask, char *why, size_t why_size)
{
	*mask = 0;
	for (size_t i = 0; i < names->n; i++) {
		int c = capng_name_to_capability(names->v[i]);

		if (c < 0 || c > 63) {
			snprintf(why, why_size, "unknown capability \"%s\"", names->v[i]);
			return -1;
		}
		*mask |= 1ULL << c;
	}
	return 0;
}

/* ---- the child ------------------------------------------------------------------- */

__attribute__((format(printf, 1, 2), noreturn))
static void give_up(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	msg[0] = 'E';
	va_start(ap, fmt);
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	(void)send(REPORT_FD, msg, (size_t)n + 1, MSG_NOSIGNAL);
	_exit(127);
}

static void send_listener(int fd)
{
	char tag = 'L';
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(REPORT_FD, &msg, MSG_NOSIGNAL) != 1)
		give_up("passing the seccomp listener to the supervisor: %s", strerror(errno));
	close(fd);
}

static void set_rlimit(int res, const char *name, long v)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)v, .rlim_max = (rlim_t)v };

	if (v >= 0 && setrlimit(res, &rl) != 0)
		give_up("setrlimit(%s, %ld): %s", name, v, strerror(errno));
}

static uint64_t valid_caps(void)
{
	uint64_t all = 0;

	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0)
			all |= 1ULL << c;
		else if (errno == EINVAL)
			break;
	return all;
}

static void check_set(const char *key, uint64_t want)
{
	uint64_t have;
	int r = pfj_proc_status_hex(0, key, &have);

	if (r < 0)
		give_up("reading %s from /proc/self/status: %s", key, strerror(-r));
	if (have != want)
		give_up("%s is %016llx after the reduction, not %016llx", key,
			(unsigned long long)have, (unsigned long long)want);
}

__attribute__((noreturn))
static void child(const struct pfj_launch *l, int sock)
{
	char *argv[5], *envp[4];
	char mail_config[4096];
	struct sigaction sa;
	sigset_t none;
	uint64_t keep;
	int argc = 0, envc = 0, fd, listener = -1;
	long v;
	char why[512];

	/* the report socket becomes fd 3, everything else above stderr goes */
	if (sock != REPORT_FD && dup3(sock, REPORT_FD, O_CLOEXEC) < 0)
		_exit(127);
	if (close_range(REPORT_FD + 1, ~0U, 0) < 0)
		give_up("close_range: %s", strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &sa, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		give_up("sigprocmask: %s", strerror(errno));
	if (setsid() < 0)
		give_up("setsid: %s", strerror(errno));
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		give_up("/dev/null: %s", strerror(errno));
	if (fd > 0)
		close(fd);

	/* 1. capability bounding set, ambient set */
	keep = l->caps & valid_caps();
	capng_clear(CAPNG_SELECT_BOUNDS);
	for (int c = 0; c <= 63; c++)
		if (keep & (1ULL << c))
			capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, (unsigned)c);
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
		give_up("reducing the capability bounding set failed");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		give_up("clearing the ambient capabilities: %s", strerror(errno));
	check_set("CapBnd", keep);

	/* 2. no_new_privs */
	if (l->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		give_up("no_new_privs: %s", strerror(errno));

	/* 3. seccomp, inherited by every Postfix daemon */
	if (l->seccomp_mode != PFJ_SECCOMP_OFF) {
		if (pfj_seccomp_supervise(l->seccomp_mode, l->calls, l->notify, &listener,
					  why, sizeof(why)) < 0)
			give_up("%s", why);
		if (listener >= 0)
			send_listener(listener);
	}

	/* 4. rlimits */
	set_rlimit(RLIMIT_CORE, "RLIMIT_CORE", l->rlimit_core);
	set_rlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", l->rlimit_nofile);
	set_rlimit(RLIMIT_NPROC, "RLIMIT_NPROC", l->rlimit_nproc);

	/* 5. permitted, effective, inheritable */
	capng_clear(CAPNG_SELECT_CAPS);
	for (int c = 0; c <= 63; c++)
		if (keep & (1ULL << c))
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)c);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0)
		give_up("reducing the permitted and effective capabilities failed");

	/* 6. prove it */
	check_set("CapBnd", keep);
	check_set("CapPrm", keep);
	check_set("CapEff", keep);
	check_set("CapInh", 0);
	check_set("CapAmb", 0);
	/* a service manager may have set no_new_privs for us already */
	if (pfj_proc_status_int(0, "NoNewPrivs", &v) < 0 || (l->no_new_privs && v != 1))
		give_up("NoNewPrivs is not 1");
	if (pfj_proc_status_int(0, "Seccomp", &v) < 0 ||
	    v != (l->seccomp_mode != PFJ_SECCOMP_OFF ? 2 : 0))
		give_up("Seccomp is %ld, not %d", v, l->seccomp_mode != PFJ_SECCOMP_OFF ? 2 : 0);

	argv[argc++] = (char *)"master";
	if (l->config_dir) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)l->config_dir;
		snprintf(mail_config, sizeof(mail_config), "MAIL_CONFIG=%s", l->config_dir);
		envp[envc++] = mail_config;
	}
	argv[argc] = NULL;
	envp[envc++] = (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[envc] = NULL;
	execve(l->master, argv, envp);
	give_up("exec %s: %s", l->master, strerror(errno));
}

/* ---- the parent ------------------------------------------------------------------ */

pid_t pfj_launch_master(const struct pfj_launch *l, int *listener, char *why, size_t why_size)
{
	char stopped[96] = "";
	int sv[2];
	pid_t pid;

	*listener = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, why_size, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child(l, sv[1]);
	}
	close(sv[1]);
	for (;;) {
		char buf[512];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
		union {
			char c[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.c, .msg_controllen = sizeof(u.c),
		};
		ssize_t n;

		/*
		 * Once the filter is loaded, a call of the child's own that the
		 * filter stops waits for this listener: answer it (as the mode
		 * says; the child then gives up with a reason) rather than wait
		 * for a report that cannot come.
		 */
		if (*listener >= 0) {
			struct pollfd p[2] = {
				{ .fd = sv[0], .events = POLLIN },
				{ .fd = *listener, .events = POLLIN },
			};

			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				snprintf(why, why_size, "poll: %s", strerror(errno));
				goto failed;
			}
			/* the report first: after exec, master's own calls are the
			 * supervisor's to log, not this loop's */
			if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
				struct pfj_notify_event ev;

				if ((p[1].revents & POLLIN) &&
				    pfj_seccomp_notify_handle(*listener, l->seccomp_mode, &ev) == 0)
					snprintf(stopped, sizeof(stopped), "%s: %s", ev.syscall, ev.action);
				continue;
			}
		}
		n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			siginfo_t si;

			/* end of file: exec succeeded, unless a signal (SIGSYS from the
			 * filter without a listener) ended the child first */
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid && si.si_code != CLD_EXITED && si.si_status == SIGSYS) {
				snprintf(why, why_size, "the seccomp filter killed the launcher before "
					 "exec (SIGSYS): the policy forbids a call it needs");
				goto failed;
			}
			break;
		}
		if (n < 0) {
			snprintf(why, why_size, "reading master's start-up report: %s", strerror(errno));
			goto failed;
		}
		buf[n] = '\0';
		if (buf[0] == 'L') {
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

			if (c && c->cmsg_type == SCM_RIGHTS && *listener < 0)
				memcpy(listener, CMSG_DATA(c), sizeof(int));
			continue;
		}
		snprintf(why, why_size, "%s%s%s%s", buf[0] == 'E' ? buf + 1 : "malformed start-up report",
			 stopped[0] ? " (the filter stopped the launcher's own call " : "", stopped,
			 stopped[0] ? ")" : "");
		goto failed;
	}
	close(sv[0]);
	return pid;
failed:
	close(sv[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (*listener >= 0)
		close(*listener);
	*listener = -1;
	return -1;
}
