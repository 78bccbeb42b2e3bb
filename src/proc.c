/*
 * proc.c - run Postfix's own tools as subprocesses.
 *
 * pfjail treats postconf, postalias and postfix as the source of truth for
 * Postfix's configuration instead of re-implementing them.  They run without
 * a shell, with a fixed environment (a packaging hook or a supervisor may
 * have been started with anything in its environment), with stdin from
 * /dev/null and with every other descriptor closed, and both output streams
 * are captured so that failures can be reported with Postfix's own words.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

#define PFJ_RUN_MAX_OUTPUT (16u << 20)
/* postconf and postalias finish in milliseconds; two minutes of silence is a hang */
static int run_timeout_ms = 120 * 1000;

void pfj_run_set_timeout(int ms)
{
	run_timeout_ms = ms > 0 ? ms : 120 * 1000;
}

static const char *const base_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
};

/* drain - read both pipes until EOF */
static int drain(int out_fd, int err_fd, struct pfj_run_result *res)
{
	struct pollfd pfd[2] = {
		{ .fd = out_fd, .events = POLLIN },
		{ .fd = err_fd, .events = POLLIN },
	};
	struct pfj_buf *dst[2] = { &res->out, &res->err };
	char chunk[16384];
	int open_count = 2, r = 0;

	while (open_count > 0) {
		int pr = poll(pfd, 2, run_timeout_ms);

		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pr == 0)
			return -ETIMEDOUT;	/* a stopped or stuck helper */
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				open_count--;
				continue;
			}
			if (dst[i]->len + (size_t)n > PFJ_RUN_MAX_OUTPUT)
				r = -EFBIG;	/* keep reading so the child can finish */
			else if (pfj_buf_add(dst[i], chunk, (size_t)n) < 0)
				r = -ENOMEM;
		}
	}
	return r;
}

/* child_exec - set up descriptors in the child and exec; never returns */
static void child_exec(const char *const argv[], char *const envp[],
		       int out_fd, int err_fd)
{
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], (char *const *)argv, envp);
	dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* start - pfj_run_start */
static int start(const char *const argv[], const char *const extra_env[], struct pfj_proc *p)
{
	char *envp[32];
	size_t ne = 0;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid;
	int r;

	p->pid = -1;
	p->out_fd = p->err_fd = -1;
	for (size_t i = 0; i < sizeof(base_env) / sizeof(base_env[0]); i++)
		envp[ne++] = (char *)base_env[i];
	for (size_t i = 0; extra_env && extra_env[i]; i++) {
		if (ne + 1 >= sizeof(envp) / sizeof(envp[0]))
			return -E2BIG;
		envp[ne++] = (char *)extra_env[i];
	}
	envp[ne] = NULL;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0) {
		child_exec(argv, envp, out[1], err[1]);
	}
	close(out[1]);
	close(err[1]);
	p->pid = pid;
	p->out_fd = out[0];
	p->err_fd = err[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return r;
}

int pfj_run_start(const char *const argv[], const char *const extra_env[],
		  struct pfj_proc *p)
{
	return start(argv, extra_env, p);
}

int pfj_run_finish(struct pfj_proc *p, struct pfj_run_result *res)
{
	int r;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (p->pid < 0)
		return -ECHILD;
	r = drain(p->out_fd, p->err_fd, res);
	close(p->out_fd);
	close(p->err_fd);
	p->out_fd = p->err_fd = -1;
	if (r < 0)
		kill(p->pid, SIGKILL);	/* stuck, or no longer read: waitpid must not hang */
	while (waitpid(p->pid, &res->status, 0) < 0) {
		if (errno != EINTR) {
			if (r == 0)
				r = -errno;
			break;
		}
	}
	p->pid = -1;
	return r;
}

void pfj_run_cancel(struct pfj_proc *p)
{
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	p->pid = -1;
	p->out_fd = p->err_fd = -1;
}

int pfj_run(const char *const argv[], const char *const extra_env[],
	    struct pfj_run_result *res)
{
	struct pfj_proc p;
	int r = start(argv, extra_env, &p);

	if (r < 0) {
		memset(res, 0, sizeof(*res));
		res->status = -1;
		return r;
	}
	return pfj_run_finish(&p, res);
}

void pfj_run_result_free(struct pfj_run_result *res)
{
	pfj_buf_free(&res->out);
	pfj_buf_free(&res->err);
}

const char *pfj_run_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "wait status %#x", (unsigned)status);
	return buf;
}

const char *pfj_run_first_error(struct pfj_run_result *res)
{
	char *s, *nl, *fatal;

	if (!res->err.len)
		return "(no message)";
	/* Postfix tools print warnings first and end with "prog: fatal: why". */
	s = res->err.data;
	if ((fatal = strstr(s, "fatal: ")))
		s = fatal + strlen("fatal: ");
	if ((nl = strchr(s, '\n')))
		*nl = '\0';
	return s;
}
