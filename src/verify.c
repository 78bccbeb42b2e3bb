/*
 * verify.c - the verify command: is the jail still what build placed?
 *
 * The privileged parent reads only trusted data: the manifest (root's
 * state file), master.cf, postfix-files, /proc/self/mountinfo and the host
 * sources of the jail's copies.  Everything below the jail root - which
 * the postfix user can write to - is walked and hashed by a child that has
 * dropped root (an unprivileged account, no groups, no capabilities,
 * no_new_privs, a seccomp allowlist from verify-worker.policy) and checked
 * the drop before reading anything.  The child sends its findings over a
 * pipe in a fixed, size-checked format; the parent accepts nothing else and
 * treats a malformed stream or a worker that dies as an error.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "command.h"
#include "distro.h"
#include "image.h"
#include "jail.h"
#include "jailfs.h"
#include "json.h"
#include "metrics.h"
#include "log.h"
#include "manifest.h"
#include "mastercf.h"
#include "crypto.h"
#include "privdrop.h"
#include "profile.h"
#include "sandbox.h"
#include "verify.h"

#define WORKER_MAX_OUTPUT (64u << 20)

struct findings {
	struct pfj_finding *f;
	size_t n, cap;
};

static int add_finding(const struct pfj_finding *f, void *arg)
{
	struct findings *fs = arg;

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 32;
		struct pfj_finding *v = realloc(fs->f, cap * sizeof(*v));

		if (!v)
			return -1;
		fs->f = v;
		fs->cap = cap;
	}
	fs->f[fs->n++] = *f;
	return 0;
}

static void host_finding(struct findings *fs, int cls, const char *path, const char *exp,
			 const char *act)
{
	struct pfj_finding f;

	memset(&f, 0, sizeof(f));
	f.cls = cls;
	snprintf(f.path, sizeof(f.path), "%s", path);
	snprintf(f.expected, sizeof(f.expected), "%s", exp);
	snprintf(f.actual, sizeof(f.actual), "%s", act);
	add_finding(&f, fs);
}

/* ---- host-side checks (trusted data only) ----------------------------------- */

/* octal - an octal digit? */
static int octal(char c)
{
	return c >= '0' && c <= '7';
}

void pfj_unescape_mountinfo(char *s)
{
	char *d = s;

	for (; *s; s++) {
		/* all three digits octal, and at most \377: anything else is copied as is */
		if (s[0] == '\\' && octal(s[1]) && octal(s[2]) && octal(s[3]) && s[1] <= '3') {
			*d++ = (char)(unsigned char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* one line of /proc/self/mountinfo, the fields check_mounts needs */
struct mnt {
	long id, parent;
	char *dev, *root, *point;
};

/*
 * identity_bind - is m a bind mount of what lies beneath it onto itself:
 * the same device, and its root the very directory its parent mount
 * shows at that place?  systemd makes those for ReadWritePaths= (the
 * jail of pfjail.service is one): they show the same files, read-only or
 * not, and cannot slip other content under the daemons.
 */
static int identity_bind(const struct mnt *m, const struct mnt *all, size_t n)
{
	const struct mnt *p = NULL;
	size_t pl;
	const char *rel;
	char want[PATH_MAX];

	for (size_t i = 0; i < n && !p; i++)
		if (all[i].id == m->parent && &all[i] != m)
			p = &all[i];
	if (!p || strcmp(p->dev, m->dev) != 0)
		return 0;
	pl = strlen(p->point);
	if (strcmp(p->point, "/") == 0)
		rel = m->point;
	else if (strncmp(m->point, p->point, pl) == 0 && m->point[pl] == '/')
		rel = m->point + pl;
	else
		return 0;
	if (snprintf(want, sizeof(want), "%s%s", strcmp(p->root, "/") == 0 ? "" : p->root, rel) >=
	    (int)sizeof(want))
		return 0;
	return strcmp(want, m->root) == 0;
}

/* check_mounts - nothing may be mounted at or below the jail (but the jail itself, bound onto itself) */
static void check_mounts(const char *qdir, struct findings *fs)
{
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	struct mnt *all = NULL;
	size_t n = 0, cap = 0;
	char line[8192];
	size_t ql = strlen(qdir);

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *f[5], *save = NULL, *p = line;
		int i;

		for (i = 0; i < 5 && (f[i] = strtok_r(p, " ", &save)); i++)
			p = NULL;
		if (i < 5)
			continue;
		pfj_unescape_mountinfo(f[3]);
		pfj_unescape_mountinfo(f[4]);
		if (n == cap) {
			struct mnt *v = realloc(all, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!v)
				break;
			all = v;
		}
		all[n].id = strtol(f[0], NULL, 10);
		all[n].parent = strtol(f[1], NULL, 10);
		all[n].dev = strdup(f[2]);
		all[n].root = strdup(f[3]);
		all[n].point = strdup(f[4]);
		if (!all[n].dev || !all[n].root || !all[n].point) {
			free(all[n].dev);
			free(all[n].root);
			free(all[n].point);
			break;
		}
		n++;
	}
	fclose(fp);
	for (size_t i = 0; i < n; i++) {
		const char *mp = all[i].point;

		if (strncmp(mp, qdir, ql) == 0 && (mp[ql] == '\0' || mp[ql] == '/') &&
		    !(mp[ql] == '\0' && identity_bind(&all[i], all, n)))
			host_finding(fs, PFJ_F_MOUNT, mp, "no mount at or below the jail",
				     "mount point (from /proc/self/mountinfo)");
	}
	for (size_t i = 0; i < n; i++) {
		free(all[i].dev);
		free(all[i].root);
		free(all[i].point);
	}
	free(all);
}

/* check_master_cf - the chroot column build set, per service/type in order */
static void check_master_cf(const char *config_dir, const struct pfj_manifest *m,
			    struct findings *fs)
{
	struct pfj_buf text = { 0 };
	struct pfj_mcf mcf = { 0 };
	struct pfj_mcf_error err;
	char *path = pfj_asprintf("%s/master.cf", config_dir);
	size_t k = 0;

	if (!path)
		return;
	if (pfj_read_file(path, 16u << 20, &text) < 0) {
		host_finding(fs, PFJ_F_MASTER_CF, path, "readable", "cannot be read");
		goto out;
	}
	if (pfj_mcf_parse(text.data ? text.data : "", text.len, &mcf, &err) < 0) {
		char act[300];

		snprintf(act, sizeof(act), "line %u: %s", err.line, err.reason);
		host_finding(fs, PFJ_F_MASTER_CF, path, "a valid master.cf", act);
		goto out;
	}
	for (size_t i = 0; i < mcf.n; i++) {
		char now[512];
		const char *want = k < m->chroot.n ? m->chroot.v[k] : NULL;

		snprintf(now, sizeof(now), "%s/%s=%c", mcf.ent[i].field[PFJ_MCF_SERVICE],
			 mcf.ent[i].field[PFJ_MCF_TYPE], mcf.ent[i].field[PFJ_MCF_CHROOT][0]);
		k++;
		if (!want || strcmp(want, now) != 0) {
			char where[1100];

			snprintf(where, sizeof(where), "%s:%u", path, mcf.ent[i].chroot_line);
			host_finding(fs, PFJ_F_MASTER_CF, where, want ? want : "no such entry", now);
		}
	}
	for (; k < m->chroot.n; k++)
		host_finding(fs, PFJ_F_MASTER_CF, path, m->chroot.v[k], "entry gone");
out:
	pfj_mcf_free(&mcf);
	pfj_buf_free(&text);
	free(path);
}

/* check_sources - a jail copy is stale when its host source changed since build */
static void check_sources(const char *root, const struct pfj_manifest *m, struct findings *fs)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct pfj_mf_entry *e = &m->ent[i];
		unsigned char sha[32];
		unsigned long long size;
		struct stat st;
		int fd;

		if (e->type != PFJ_MF_FILE || !e->source)
			continue;
		fd = pfj_image_open(root, e->source, O_RDONLY);
		if (fd < 0) {
			host_finding(fs, PFJ_F_STALE, e->path, e->source, "the source is gone");
			continue;
		}
		if (fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == e->src_dev &&
		    (unsigned long long)st.st_ino == e->src_ino &&
		    (unsigned long long)st.st_size == e->src_size &&
		    st.st_mtim.tv_sec == e->src_mtime_sec && st.st_mtim.tv_nsec == e->src_mtime_nsec) {
			close(fd);
			continue;	/* the very file build copied */
		}
		if (pfj_sha256_fd(fd, sha, &size) == 0 &&
		    (size != e->size || memcmp(sha, e->sha256, 32) != 0)) {
			char exp[1100];

			snprintf(exp, sizeof(exp), "the content of %s", e->source);
			host_finding(fs, PFJ_F_STALE, e->path, exp, "the source changed since build");
		}
		close(fd);
	}
}

/* ---- postfix-files -------------------------------------------------------------- */

/* resolve_id - "$mail_owner", "root", "-" to an id in the system at root (-1: any, -2: unknown) */
static long resolve_id(const char *root, const char *field, const char *mail_owner,
		       const char *setgid_group, int group)
{
	const char *name = field;
	long id;

	if (strcmp(field, "-") == 0)
		return -1;
	if (strcmp(field, "$mail_owner") == 0)
		name = mail_owner;
	else if (strcmp(field, "$setgid_group") == 0)
		name = setgid_group;
	id = group ? pfj_image_gid(root, name) : pfj_image_uid(root, name);
	return id < 0 ? -2 : id;
}

/* load_queue_dirs - "$queue_directory/NAME:d:OWNER:GROUP:MODE:flags" lines */
static int load_queue_dirs(const char *root, const char *path, const char *mail_owner,
			   const char *setgid_group, struct pfj_queue_dir **out, size_t *n)
{
	struct pfj_buf text = { 0 };
	char *line, *save = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (pfj_read_file(path, 1u << 20, &text) < 0 || !text.data)
		return -1;
	for (line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		static const char pfx[] = "$queue_directory/";
		char *f[6], *p = line + sizeof(pfx) - 1, *s2 = NULL;
		long uid, gid;
		int i;

		if (strncmp(line, pfx, sizeof(pfx) - 1) != 0)
			continue;
		for (i = 0; i < 6 && (f[i] = strsep(&p, ":")); i++)
			;
		(void)s2;
		if (i < 5 || strcmp(f[1], "d") != 0 || strchr(f[0], '/') || strlen(f[0]) >= 64)
			continue;
		uid = resolve_id(root, f[2], mail_owner, setgid_group, 0);
		gid = resolve_id(root, f[3], mail_owner, setgid_group, 1);
		if (uid < 0 || gid == -2)
			continue;
		if (*n == cap) {
			struct pfj_queue_dir *v;

			cap = cap ? cap * 2 : 16;
			if (!(v = realloc(*out, cap * sizeof(*v))))
				break;
			*out = v;
		}
		snprintf((*out)[*n].name, sizeof((*out)[*n].name), "%s", f[0]);
		(*out)[*n].uid = (uid_t)uid;
		(*out)[*n].gid = gid < 0 ? (gid_t)-1 : (gid_t)gid;
		(*out)[*n].mode = (mode_t)strtoul(f[4], NULL, 8);
		(*n)++;
	}
	pfj_buf_free(&text);
	return 0;
}

/* ---- the worker ------------------------------------------------------------------- */

struct pipe_out {
	int fd;
	int err;
};

static int write_all_fd(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int send_finding(const struct pfj_finding *f, void *arg)
{
	struct pipe_out *po = arg;
	unsigned char buf[PFJ_F_PATH_MAX + 2 * PFJ_F_TEXT_MAX + 16];
	int n = pfj_finding_encode(f, buf, sizeof(buf));

	if (n < 0 || write_all_fd(po->fd, buf, (size_t)n) < 0) {
		po->err = 1;
		return 1;
	}
	return 0;
}

/* worker - never returns: drop root, sandbox, audit, report, exit */
static void worker(int rootfd, int outfd, uid_t uid, gid_t gid, const char *policy,
		   const struct pfj_audit_spec *spec, int show_status)
{
	struct pipe_out po = { .fd = outfd };
	char why[512], status[1024];

	if (pfj_drop_privileges(uid, gid, why, sizeof(why)) < 0) {
		pfj_err("verify worker: %s", why);
		_exit(3);
	}
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's runtime makes calls no policy should allow */
	(void)policy;
#else
	if (pfj_seccomp_allow_file(policy, SCMP_ACT_KILL_PROCESS, why, sizeof(why)) < 0) {
		pfj_err("verify worker: %s", why);
		_exit(3);
	}
#endif
	if (show_status && pfj_proc_status_summary(status, sizeof(status)) == 0)
		pfj_info("verify worker: %s", status);
	if (pfj_audit_jail(rootfd, spec, send_finding, &po, why, sizeof(why)) < 0) {
		pfj_err("verify worker: %s", why);
		_exit(3);
	}
	if (po.err || write_all_fd(outfd, "E", 1) < 0)
		_exit(3);
	_exit(0);
}

/* decode_report - records, then the end marker as the very last byte */
static int decode_report(const struct pfj_buf *in, struct findings_sink *sink)
{
	size_t pos = 0;
	int ended = 0;

	while (pos < in->len) {
		const unsigned char *p = (const unsigned char *)in->data + pos;
		struct pfj_finding f;
		int n;

		if (p[0] == 'E' && pos + 1 == in->len) {
			ended = 1;
			break;
		}
		n = pfj_finding_decode(p, in->len - pos, &f);
		if (n <= 0)
			return -1;	/* malformed or cut short: trust none of it */
		if (sink->add(&f, sink->arg) != 0)
			return -1;
		pos += (size_t)n;
	}
	return ended ? 0 : -1;
}

int pfj_verify_read_findings(int fd, struct findings_sink *sink)
{
	struct pfj_buf in = { 0 };
	int r = pfj_read_fd(fd, WORKER_MAX_OUTPUT, &in) < 0 ? -1 : decode_report(&in, sink);

	pfj_buf_free(&in);
	return r;
}

/* read_until - read fd to EOF, giving up at the deadline (a stopped worker) */
static int read_until(int fd, long long deadline_ms, struct pfj_buf *out)
{
	char chunk[65536];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec now;
		long long left;
		ssize_t n;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline_ms - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > WORKER_MAX_OUTPUT)
			return -EFBIG;
		if (pfj_buf_add(out, chunk, (size_t)n) < 0)
			return -ENOMEM;
	}
}

/* child_fds - the worker keeps the jail root (3), the pipe (4) and stderr */
static int child_fds(int *rootfd, int *outfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int r3, r4;

	if (null < 0)
		return -1;
	/* move the two descriptors above any collision first */
	r3 = fcntl(*rootfd, F_DUPFD_CLOEXEC, 10);
	r4 = fcntl(*outfd, F_DUPFD_CLOEXEC, 10);
	if (r3 < 0 || r4 < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup3(r3, 3, O_CLOEXEC) < 0 || dup3(r4, 4, O_CLOEXEC) < 0)
		return -1;
	closefrom(5);
	*rootfd = 3;
	*outfd = 4;
	return 0;
}

/* run_worker - fork the walker and collect what it says, within timeout seconds */
static int run_worker(int rootfd, uid_t uid, gid_t gid, const char *policy,
		      const struct pfj_audit_spec *spec, int show_status, int timeout,
		      struct findings *fs, char *why, size_t why_size)
{
	struct findings_sink sink = { .add = add_finding, .arg = fs };
	struct pfj_buf report = { 0 };
	struct timespec now;
	int p[2], status = -1, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, why_size, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int out = p[1];
		struct rlimit rl;

		/* the audit holds one descriptor per file until it hashes them all */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		close(p[0]);
		if (child_fds(&rootfd, &out) < 0)
			_exit(3);
		worker(rootfd, out, uid, gid, policy, spec, show_status);
	}
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &now);
	r = read_until(p[0], now.tv_sec * 1000LL + now.tv_nsec / 1000000 + timeout * 1000LL,
		       &report);
	close(p[0]);
	if (r < 0)
		kill(pid, SIGKILL);	/* a stopped or runaway worker: end it */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == -ETIMEDOUT) {
		snprintf(why, why_size, "the jail walker did not finish within verify.timeout (%d s)", timeout);
		pfj_buf_free(&report);
		return -1;
	}
	if (r < 0) {
		snprintf(why, why_size, "reading the jail walker's report: %s", strerror(-r));
		pfj_buf_free(&report);
		return -1;
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_size, "the unprivileged jail walker failed (%s)",
			 status != -1 && WIFSIGNALED(status) ? (WTERMSIG(status) == SIGSYS ?
			 "killed by its seccomp filter" : "killed by a signal") : "exit status");
		pfj_buf_free(&report);
		return -1;
	}
	r = decode_report(&report, &sink);
	pfj_buf_free(&report);
	if (r < 0) {
		snprintf(why, why_size, "the jail walker sent a malformed report; nothing of it is trusted");
		return -1;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------------------- */

static int cmp_finding(const void *a, const void *b)
{
	const struct pfj_finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->cls - y->cls;
}

/*
 * write_metrics - the run's result for node_exporter's textfile collector:
 * every finding class is listed (0 when absent) so that a series never
 * vanishes; error: verify could not finish (the counts are then unknown,
 * and clean is 0)
 */
static int write_metrics(const char *path, const struct findings *fs, size_t entries,
			 int error, double started, const struct timespec *t0)
{
	struct pfj_metrics mx = { 0 };
	struct timespec t1;
	int counts[PFJ_F_NCLASSES] = { 0 }, r;
	char why[1024];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (size_t i = 0; i < fs->n; i++)
		counts[fs->f[i].cls]++;
	pfj_metrics_family(&mx, "pfjail_verify_clean", "gauge",
			   "1 if the last pfjail verify found the jail clean, 0 if it found something or failed.");
	pfj_metrics_sample(&mx, "pfjail_verify_clean", NULL, !error && fs->n == 0);
	pfj_metrics_family(&mx, "pfjail_verify_error", "gauge",
			   "1 if the last pfjail verify could not finish (no manifest, an unreadable jail).");
	pfj_metrics_sample(&mx, "pfjail_verify_error", NULL, error);
	pfj_metrics_family(&mx, "pfjail_verify_findings", "gauge",
			   "Findings of the last pfjail verify, by class (pfjail(8), verify).");
	for (int c = 0; c < PFJ_F_NCLASSES; c++) {
		const char *labels[] = { "class", pfj_finding_name(c), NULL };

		pfj_metrics_sample(&mx, "pfjail_verify_findings", labels, counts[c]);
	}
	pfj_metrics_family(&mx, "pfjail_verify_entries", "gauge",
			   "Entries of the jail's manifest the last pfjail verify checked.");
	pfj_metrics_sample(&mx, "pfjail_verify_entries", NULL, (double)entries);
	pfj_metrics_family(&mx, "pfjail_verify_last_run_timestamp_seconds", "gauge",
			   "When the last pfjail verify started, in seconds since the epoch.");
	pfj_metrics_sample(&mx, "pfjail_verify_last_run_timestamp_seconds", NULL, started);
	pfj_metrics_family(&mx, "pfjail_verify_duration_seconds", "gauge",
			   "How long the last pfjail verify took, in seconds.");
	pfj_metrics_sample(&mx, "pfjail_verify_duration_seconds", NULL,
			   (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
	r = pfj_metrics_write(&mx, path, why, sizeof(why));
	if (r < 0)
		pfj_warn("%s", why);
	pfj_metrics_free(&mx);
	return r;
}

int pfj_cmd_verify(struct pfj_ctx *ctx)
{
	static const char *const names[] = {
		"queue_directory", "meta_directory", "mail_owner", "setgid_group",
	};
	const struct pfj_conf *conf = ctx->conf;
	char *vals[4] = { NULL, NULL, NULL, NULL };
	char *qdir = NULL, *mpath = NULL, *cache = NULL, *pfiles = NULL, *policy = NULL;
	struct pfj_buf text = { 0 };
	struct pfj_manifest m = { 0 };
	struct pfj_parse_error perr;
	struct pfj_queue_dir *qd = NULL;
	struct pfj_profile prof = { 0 };
	struct pfj_strv pkg_dirs = { 0 };
	struct findings fs = { 0 };
	size_t nqd = 0;
	uid_t wuid;
	gid_t wgid;
	char why[1024];
	int rootfd = -1, status = PFJ_EXIT_ERROR, r;
	/* --textfile, else verify.textfile when "pfjail verify" checks the
	 * host's own jail (not the checks inside hook or supervise) */
	const char *textfile = ctx->cli->textfile ? ctx->cli->textfile :
		ctx->cli->command == PFJ_CMD_VERIFY && pfj_root_is_host(ctx->cli->root) ?
		conf->verify_textfile : NULL;
	double started = pfj_metrics_now();
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cache = pfj_state_path(ctx, "postconf-verify");
	if (pfj_postconf_get_cached(&ctx->pc, names, 4, vals, cache, 1, why, sizeof(why)) < 0) {
		pfj_err("%s", why);
		goto out;
	}
	if (vals[0][0] != '/' || !(qdir = pfj_root_path(ctx->cli->root, vals[0]))) {
		pfj_err("queue_directory = \"%s\" is not an absolute path", vals[0]);
		goto out;
	}
	if (!(mpath = pfj_manifest_path(ctx)))
		goto nomem;
	r = pfj_state_read(mpath, 64u << 20, &text);
	if (r == -EPERM) {
		pfj_err("%s: refusing a manifest that is not a private file of root in a root-owned directory",
			mpath);
		goto out;
	}
	if (r == -ENOENT) {
		pfj_err("%s: no manifest; run \"pfjail%s%s build\" first to build the jail and record it",
			mpath, ctx->cli->config_dir_given ? " -c " : "",
			ctx->cli->config_dir_given ? ctx->cli->config_dir : "");
		goto out;
	}
	if (r < 0) {
		pfj_err("%s: %s", mpath, strerror(-r));
		goto out;
	}
	if (pfj_manifest_parse(text.data ? text.data : "", text.len, &m, &perr) < 0) {
		pfj_err("%s:%u: %s; the manifest is corrupt, run pfjail build to write it again",
			mpath, perr.line, perr.reason);
		goto out;
	}
	if (pfj_profile_load(conf->jail_profile_dir, conf->jail_profile, &prof, why, sizeof(why)) < 0) {
		pfj_err("%s", why);
		goto out;
	}
	if (pfj_user_ids(conf->verify_user, &wuid, &wgid, why, sizeof(why)) < 0) {
		pfj_err("verify.user: %s", why);
		goto out;
	}
	if (!(policy = pfj_asprintf("%s/verify-worker.policy", conf->supervise_seccomp_policy_dir)))
		goto nomem;

	/* libcrypto now, before the sandboxed worker would have to open it:
	 * without it nothing can be checked, and that is said once, here */
	if (!pfj_crypto_load(why, sizeof(why))) {
		pfj_err("%s; cannot compute SHA-256, nothing verified", why);
		goto out;
	}

	/* trusted, host-side checks */
	rootfd = pfj_jail_open_root(qdir, why, sizeof(why));
	if (rootfd < 0) {
		host_finding(&fs, PFJ_F_ROOT, qdir, "root-owned, not writable by group or others, ancestors too",
			     why);
		rootfd = open(qdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (rootfd < 0) {
			pfj_err("%s: %m", qdir);
			goto out;
		}
	}
	check_mounts(qdir, &fs);
	if (!ctx->cli->jail_only) {
		check_master_cf(ctx->pc.config_dir, &m, &fs);
		check_sources(ctx->cli->root, &m, &fs);
	}
	if ((pfiles = pfj_asprintf("%s/postfix-files", vals[1])) &&
	    !pfj_root_is_host(ctx->cli->root)) {
		char *rp = pfj_root_path(ctx->cli->root, pfiles);

		free(pfiles);
		pfiles = rp;
	}
	if (pfiles)
		load_queue_dirs(ctx->cli->root, pfiles, vals[2], vals[3], &qd, &nqd);
	/* what the distribution does to the queue directory is not tampering */
	if (pfj_distro_queue_dirs(ctx->cli->root, vals[0], &prof, &qd, &nqd) < 0 ||
	    pfj_distro_package_dirs(ctx->cli->root, vals[0], &prof, &pkg_dirs) < 0)
		goto nomem;

	/* the untrusted tree, unprivileged */
	{
		struct pfj_audit_spec spec = {
			.m = &m, .qdirs = qd, .n_qdirs = nqd,
			.package_dirs = &pkg_dirs, .flag_files = &prof.flag_files,
			.hash_workers = conf->verify_workers ? conf->verify_workers :
				(int)sysconf(_SC_NPROCESSORS_ONLN),
		};

		if (run_worker(rootfd, wuid, wgid, policy, &spec, pfj_log_verbosity() > 1,
			       conf->verify_timeout, &fs, why, sizeof(why)) < 0) {
			pfj_err("%s: %s", qdir, why);
			goto out;
		}
	}
	if (fs.n)
		qsort(fs.f, fs.n, sizeof(*fs.f), cmp_finding);

	if (ctx->cli->json) {
		struct pfj_json j = { 0 };
		int counts[PFJ_F_NCLASSES] = { 0 };

		pfj_json_obj_begin(&j, NULL);
		pfj_json_str(&j, "command", "verify");
		pfj_json_int(&j, "schema", 1);
		pfj_json_str(&j, "jail", qdir);
		pfj_json_str(&j, "manifest", mpath);
		pfj_json_int(&j, "entries", (long long)m.n);
		pfj_json_bool(&j, "clean", fs.n == 0);
		pfj_json_arr_begin(&j, "findings");
		for (size_t i = 0; i < fs.n; i++) {
			counts[fs.f[i].cls]++;
			pfj_json_obj_begin(&j, NULL);
			pfj_json_str(&j, "class", pfj_finding_name(fs.f[i].cls));
			pfj_json_str(&j, "path", fs.f[i].path);
			pfj_json_str(&j, "expected", fs.f[i].expected);
			pfj_json_str(&j, "actual", fs.f[i].actual);
			pfj_json_obj_end(&j);
		}
		pfj_json_arr_end(&j);
		pfj_json_obj_begin(&j, "counts");
		for (int c = 0; c < PFJ_F_NCLASSES; c++)
			if (counts[c])
				pfj_json_int(&j, pfj_finding_name(c), counts[c]);
		pfj_json_obj_end(&j);
		pfj_json_obj_end(&j);
		if (pfj_json_flush(&j) < 0) {
			pfj_err("writing the JSON report: %m");
			goto out;
		}
	} else {
		for (size_t i = 0; i < fs.n; i++)
			printf("%s: %s: expected %s, found %s\n", pfj_finding_name(fs.f[i].cls),
			       fs.f[i].path, fs.f[i].expected, fs.f[i].actual);
		fflush(stdout);
		if (fs.n)
			pfj_warn("jail %s: %zu finding%s (%zu entries in the manifest)", qdir, fs.n,
				 fs.n == 1 ? "" : "s", m.n);
		else
			pfj_info("jail %s: clean (%zu entries checked)", qdir, m.n);
	}
	status = fs.n ? PFJ_EXIT_FINDINGS : PFJ_EXIT_OK;
	goto out;
nomem:
	pfj_err("out of memory");
out:
	/* metrics that cannot be written: an error when --textfile asked for
	 * them, a warning for verify.textfile (a side channel of monitoring
	 * never decides whether Postfix starts) */
	if (textfile && write_metrics(textfile, &fs, m.n, status == PFJ_EXIT_ERROR, started, &t0) < 0 &&
	    ctx->cli->textfile)
		status = PFJ_EXIT_ERROR;
	/* at boot, "warn" reports (above) and lets Postfix start anyway */
	if (ctx->cli->boot && status != PFJ_EXIT_OK && strcmp(conf->verify_policy, "warn") == 0) {
		pfj_warn("verify.policy is \"warn\": Postfix may start despite %s",
			 status == PFJ_EXIT_FINDINGS ? "these findings" : "this error");
		status = PFJ_EXIT_OK;
	}
	if (rootfd >= 0)
		close(rootfd);
	for (int i = 0; i < 4; i++)
		free(vals[i]);
	free(qdir);
	free(mpath);
	free(cache);
	free(pfiles);
	free(policy);
	free(qd);
	pfj_strv_free(&pkg_dirs);
	pfj_profile_free(&prof);
	free(fs.f);
	pfj_buf_free(&text);
	pfj_manifest_free(&m);
	return status;
}
