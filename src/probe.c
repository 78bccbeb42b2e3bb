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
 * The sessions and handshakes.  Each inet smtpd service of the copy is
 * then spoken to as an outside client would (probesession.c: SMTP after
 * XCLIENT, the relay battery) while openssl s_client tries each TLS
 * version, a DHE handshake and reads the certificate (probetls.c).  What
 * the three files share is in probe-int.h.
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

#include "postconf.h"
#include "probe-int.h"
#include "probe.h"
#include "proc.h"
#include "safefile.h"
#include "util.h"

volatile sig_atomic_t pb_signal;

/* The ids of the checks (enum check), as harden knows them. */
static const char *const check_id[C_N] = {
	"banner", "auth-over-tls", "vrfy", "helo-required", "enumeration", "open-relay",
	"tls-protocols", "dh-params", "cert-key",
};

/* pb_now_ms - a monotonic clock in milliseconds */
int64_t pb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pb_step_end - the deadline of one command or handshake starting now */
int64_t pb_step_end(const struct probe *p)
{
	int64_t e = pb_now_ms() + p->cmd_ms;

	return e < p->end ? e : p->end;
}

/* pb_nap - sleep ms unless a signal comes */
void pb_nap(int ms)
{
	poll(NULL, 0, ms);
}

/* pb_set - record one result (the evidence as one printable line) */
void pb_set(struct result *r, enum pfj_probe_status st, const char *fmt, ...)
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

/* pb_errtext - what went wrong with a command, for evidence */
const char *pb_errtext(int r)
{
	return r == -ETIMEDOUT ? "timed out" : r == -EPIPE ? "connection closed" :
	       r == -EPROTO ? "malformed reply" : strerror(-r);
}

/* ---- helper programs ---------------------------------------------------------- */

/* pb_spawn - start argv with a fixed environment; stdin a pipe or /dev/null, stdout a pipe */
int pb_spawn(const char *const argv[], int want_stdin, int merge_err, struct helper *h)
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

/* pb_helper_end - close the pipes, kill the program if it still runs, reap it */
void pb_helper_end(struct helper *h)
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

/* pb_maillog_reason - append the copy's last fatal (else error) line, from its maillog_file */
void pb_maillog_reason(const struct probe *p, char *why, size_t size)
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
	int64_t left = p->end - pb_now_ms();

	p->started = 1;
	pfj_run_set_timeout(left > 1000 ? (int)left : 1000);
	if (tool(argv, NULL, why, size) < 0) {
		pb_maillog_reason(p, why, size);
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
	for (give_up = pb_now_ms() + 3000; copy_procs(p, master, 0) && pb_now_ms() < give_up;)
		pb_nap(20);
	for (give_up = pb_now_ms() + 3000; copy_procs(p, master, 1) && pb_now_ms() < give_up;)
		pb_nap(20);
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
	pb_signal = sig;
}

/* probe_service - the sessions and handshakes for one service */
static void probe_service(struct probe *p, struct service *s)
{
	struct tlsrun t[T_N];

	pb_tls_start(p, s, t);	/* handshakes run while the sessions do */
	pb_main_session(p, s, s->wrapper);
	if (s->need_tls && s->starttls && !s->wrapper)
		pb_main_session(p, s, 1);
	pb_relay_battery(p, s, s->wrapper || (s->need_tls && s->starttls));
	pb_tls_collect(p, t);
	pb_tls_judge(s, t);
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
	pb_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++) {
		sa.sa_handler = sigs[i] == SIGPIPE ? SIG_IGN : on_signal;
		sigaction(sigs[i], &sa, &old[i]);
	}
	p.cmd_ms = o->cmd_timeout_ms > 0 ? o->cmd_timeout_ms : 10000;
	p.end = pb_now_ms() + (o->total_timeout_ms > 0 ? o->total_timeout_ms : 60000);
	p.postconf = pfj_asprintf("%s/postconf", o->bindir);
	p.postfix = pfj_asprintf("%s/postfix", o->bindir);
	p.openssl = strdup(o->openssl ? o->openssl : "/usr/bin/openssl");
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		memcpy(rnd, &(uint32_t){ (uint32_t)pb_now_ms() ^ (uint32_t)getpid() }, 4);
	snprintf(p.unknown, sizeof(p.unknown), "pfjprobe-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	if (!p.postconf || !p.postfix || !p.openssl)
		snprintf(why, why_size, "out of memory");
	else if (copy_make(&p, why, why_size) == 0 && !pb_signal && copy_start(&p, why, why_size) == 0) {
		for (size_t i = 0; i < p.nsvc && !pb_signal; i++)
			probe_service(&p, &p.svc[i]);
		r = 0;
	}
	if (*p.tmp) {
		copy_stop(&p);
		remove_tree(AT_FDCWD, p.tmp, 0);
	}
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (pb_signal) {
		snprintf(why, why_size, "interrupted by signal %d", (int)pb_signal);
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
