/*
 * sandbox.c - seccomp filters built from policy files with libseccomp.
 *
 * Policies are data (conf/NAME.policy, installed beside the jail profiles):
 * which calls a sandboxed process may make is something an administrator
 * can read and review without reading C.  One engine reads them all.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <seccomp.h>

#include "procfs.h"
#include "sandbox.h"

int pfj_policy_parse(const char *text, const char *name, int skip_unknown,
		     struct pfj_strv *calls, char *why, size_t why_size)
{
	unsigned lineno = 0;
	const char *p = text;

	while (*p) {
		const char *e = strchrnul(p, '\n');
		char word[64];
		size_t n;

		lineno++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		n = strcspn(p, " \t\n#");
		if (p + n > e)
			n = (size_t)(e - p);
		if (n > 0 && *p != '#') {
			const char *rest = p + n;

			while (rest < e && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest < e && *rest != '#') {
				snprintf(why, why_size, "%s:%u: one system call name per line", name, lineno);
				return -1;
			}
			if (n >= sizeof(word)) {
				snprintf(why, why_size, "%s:%u: name too long", name, lineno);
				return -1;
			}
			memcpy(word, p, n);
			word[n] = '\0';
			if (seccomp_syscall_resolve_name(word) == __NR_SCMP_ERROR) {
				if (skip_unknown) {
					p = *e ? e + 1 : e;
					continue;
				}
				snprintf(why, why_size, "%s:%u: unknown system call \"%s\"", name, lineno, word);
				return -1;
			}
			if (!pfj_strv_contains(calls, word) && pfj_strv_add(calls, word) < 0) {
				snprintf(why, why_size, "out of memory");
				return -1;
			}
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

int pfj_seccomp_allow(const struct pfj_strv *calls, uint32_t otherwise, char *why, size_t why_size)
{
	scmp_filter_ctx ctx;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, why_size, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(otherwise);
	if (!ctx) {
		snprintf(why, why_size, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < calls->n; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(calls->v[i]), 0);
		if (r < 0) {
			snprintf(why, why_size, "seccomp rule for %s: %s", calls->v[i], strerror(-r));
			seccomp_release(ctx);
			return -1;
		}
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		snprintf(why, why_size, "seccomp_load: %s", strerror(-r));
		return -1;
	}
	return 0;
}

int pfj_seccomp_allow_file(const char *path, uint32_t otherwise, char *why, size_t why_size)
{
	struct pfj_buf text = { 0 };
	struct pfj_strv calls = { 0 };
	int r = pfj_read_file(path, 1u << 20, &text);

	if (r < 0) {
		snprintf(why, why_size, "%s: cannot read seccomp policy: %s", path, strerror(-r));
		return -1;
	}
	r = pfj_policy_parse(text.data ? text.data : "", path, 0, &calls, why, why_size);
	if (r == 0)
		r = pfj_seccomp_allow(&calls, otherwise, why, why_size);
	pfj_buf_free(&text);
	pfj_strv_free(&calls);
	return r;
}

/* ---- pfjail supervise: one filter for master and every Postfix daemon ---------------- */

const char *const pfj_seccomp_mode_names[] = {
	[PFJ_SECCOMP_OFF] = "off",
	[PFJ_SECCOMP_DENY] = "deny",
	[PFJ_SECCOMP_ALLOW] = "allow",
	[PFJ_SECCOMP_LEARN] = "learn",
};

int pfj_seccomp_mode(const char *name)
{
	for (int i = 0; i < (int)(sizeof(pfj_seccomp_mode_names) / sizeof(*pfj_seccomp_mode_names)); i++)
		if (strcmp(name, pfj_seccomp_mode_names[i]) == 0)
			return i;
	return -1;
}

int pfj_seccomp_notify_available(void)
{
	/* API level 6: the kernel has user notification with the fixes libseccomp needs */
	return seccomp_api_get() >= 6;
}

static const char *const launcher_calls[] = {
	"sendmsg", "sendto", "close", "openat", "read", "newfstatat", "fstat", "lseek",
	"brk", "mmap", "munmap", "getpid", "prlimit64", "capget", "capset", "prctl",
	"execve", "exit_group",
};

/*
 * Without a listener the kernel answers by itself: EPERM for a denied call,
 * a kill outside the allowlist, a kernel log line when learning.  With one,
 * every such call waits for the supervisor, which logs it by name and then
 * answers the same way (pfj_seccomp_notify_handle).
 */
int pfj_seccomp_supervise(int mode, const struct pfj_strv *calls, int notify, int *listener,
			  char *why, size_t why_size)
{
	uint32_t dflt, listed;
	scmp_filter_ctx ctx;
	int r;

	*listener = -1;
	switch (mode) {
	case PFJ_SECCOMP_DENY:
		dflt = SCMP_ACT_ALLOW;
		listed = notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
		break;
	case PFJ_SECCOMP_ALLOW:
		dflt = notify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS;
		listed = SCMP_ACT_ALLOW;
		break;
	case PFJ_SECCOMP_LEARN:
		dflt = notify ? SCMP_ACT_NOTIFY : SCMP_ACT_LOG;
		listed = SCMP_ACT_ALLOW;
		break;
	default:
		return 0;
	}
	ctx = seccomp_init(dflt);
	if (!ctx) {
		snprintf(why, why_size, "seccomp_init failed");
		return -1;
	}
	/* libseccomp sets no_new_privs unless told not to; that is supervise.no_new_privs' call */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0) {
		snprintf(why, why_size, "seccomp_attr_set(NNP): %s", strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	/* a binary tree of the calls rather than a list: every daemon runs it on every call
	 * the kernel's cache of constant answers does not cover */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < calls->n; i++) {
		int nr = seccomp_syscall_resolve_name(calls->v[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, listed, nr, 0);
		if (r < 0) {
			snprintf(why, why_size, "seccomp rule for %s: %s", calls->v[i], strerror(-r));
			seccomp_release(ctx);
			return -1;
		}
	}
	/* what the launcher itself does between loading the filter and exec */
	for (size_t i = 0; mode != PFJ_SECCOMP_DENY && i < sizeof(launcher_calls) / sizeof(*launcher_calls); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(launcher_calls[i]), 0);
		if (r < 0 && r != -EEXIST) {
			snprintf(why, why_size, "seccomp rule for %s: %s", launcher_calls[i], strerror(-r));
			seccomp_release(ctx);
			return -1;
		}
	}
	r = seccomp_load(ctx);
	if (r < 0) {
		snprintf(why, why_size, "seccomp_load: %s", strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	if (notify) {
		*listener = seccomp_notify_fd(ctx);
		if (*listener < 0) {
			snprintf(why, why_size, "seccomp_notify_fd: %s", strerror(-*listener));
			seccomp_release(ctx);
			return -1;
		}
	}
	/* the listener outlives the context: libseccomp does not close it on release */
	seccomp_release(ctx);
	return 0;
}

const char *pfj_syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "syscall %d", nr);
	free(name);
	return buf;
}

/* caller_pidfd - a pidfd for the process of thread tid (pidfd_open takes only leaders) */
static int caller_pidfd(pid_t tid)
{
	long tgid;
	int fd = (int)syscall(SYS_pidfd_open, tid, 0);

	if (fd >= 0 || errno != EINVAL || pfj_proc_status_int(tid, "Tgid", &tgid) < 0)
		return fd;
	return (int)syscall(SYS_pidfd_open, (pid_t)tgid, 0);
}

int pfj_seccomp_notify_handle(int fd, int mode, struct pfj_notify_event *ev)
{
	/* allocated once: in learn mode every call outside the list comes here */
	static struct seccomp_notif *req;
	static struct seccomp_notif_resp *resp;
	int r;

	memset(ev, 0, sizeof(*ev));
	if (!req && (r = seccomp_notify_alloc(&req, &resp)) < 0)
		return r;
	/* the kernel refuses a receive buffer that is not zeroed */
	memset(req, 0, sizeof(*req));
	r = seccomp_notify_receive(fd, req);
	if (r < 0)
		goto out;
	ev->pid = (pid_t)req->pid;
	pfj_syscall_name(req->data.nr, ev->syscall, sizeof(ev->syscall));
	/* the name is read while the caller waits, and trusted only if it still does */
	pfj_proc_comm(ev->pid, ev->comm, sizeof(ev->comm));
	if (seccomp_notify_id_valid(fd, req->id) != 0) {
		r = -ENOENT;
		goto out;
	}
	resp->id = req->id;
	resp->error = 0;
	resp->val = 0;
	resp->flags = 0;
	switch (mode) {
	case PFJ_SECCOMP_DENY:
		resp->error = -EPERM;
		ev->action = "denied (EPERM)";
		break;
	case PFJ_SECCOMP_LEARN:
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ev->action = "allowed (learn mode)";
		break;
	default: {
		/*
		 * Outside the allowlist: the process dies without the call ever
		 * running.  The pidfd is taken while the notification is still
		 * pending, so it names the caller, not a recycled pid.
		 */
		int pfd = caller_pidfd(ev->pid);

		if (pfd >= 0 && seccomp_notify_id_valid(fd, req->id) == 0 &&
		    syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0) {
			close(pfd);
			ev->action = "killed";
			r = 0;
			goto out;
		}
		if (pfd >= 0)
			close(pfd);
		resp->error = -EPERM;
		ev->action = "denied (EPERM; the caller could not be killed)";
		break;
	}
	}
	r = seccomp_notify_respond(fd, resp);
	if (r == -ENOENT)	/* the caller died meanwhile */
		r = 0;
out:
	return r;
}
