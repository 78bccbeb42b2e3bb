/*
 * state.c - where pfjail keeps its state for one Postfix instance: one
 * directory (state_dir, inside ROOT with -R), one file per instance and
 * purpose, named after the escaped Postfix configuration directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "conf.h"
#include "jailfs.h"
#include "log.h"
#include "safefile.h"
#include "state.h"
#include "util.h"

/* escape_name - "/etc/postfix" -> "etc-postfix" (systemd-escape style) */
static char *escape_name(const char *path)
{
	struct pfj_buf b = { 0 };

	while (*path == '/')
		path++;
	for (const char *c = path; *c; c++) {
		if (*c == '/') {
			while (c[1] == '/')
				c++;
			if (c[1])
				pfj_buf_adds(&b, "-");
		} else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			   (*c >= '0' && *c <= '9') || *c == '_' || (*c == '.' && c != path)) {
			pfj_buf_add(&b, c, 1);
		} else {
			pfj_buf_printf(&b, "\\x%02x", (unsigned char)*c);
		}
	}
	if (!b.len)
		pfj_buf_adds(&b, "-");
	return b.data;
}

/* pfj_state_location - state directory (inside ROOT) and this instance's file name */
int pfj_state_location(const struct pfj_ctx *ctx, const char *suffix, char **dir, char **base)
{
	char *name = escape_name(ctx->cli->config_dir);

	*dir = pfj_root_path(ctx->cli->root, ctx->conf->state_dir);
	*base = name ? pfj_asprintf("%s.%s", name, suffix) : NULL;
	free(name);
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		return -ENOMEM;
	}
	return 0;
}

char *pfj_state_path(const struct pfj_ctx *ctx, const char *suffix)
{
	char *dir, *base, *path;

	if (pfj_state_location(ctx, suffix, &dir, &base) < 0)
		return NULL;
	path = pfj_asprintf("%s/%s", dir, base);
	free(dir);
	free(base);
	return path;
}

char *pfj_manifest_path(const struct pfj_ctx *ctx)
{
	return pfj_state_path(ctx, "manifest");
}

void pfj_state_note_file(const struct pfj_ctx *ctx, const char *path)
{
	const char *root = ctx->cli->root;
	char *dir = NULL, *base = NULL, *line = NULL, why[1024];
	struct pfj_buf have = { 0 };
	struct stat st;
	size_t rl;
	int dfd = -1, fd = -1, r;

	/* the path inside the system: -R's ROOT is not part of it */
	if (!pfj_root_is_host(root) && (rl = strlen(root)) && strncmp(path, root, rl) == 0 &&
	    path[rl] == '/')
		path += rl;
	if (path[0] != '/' || strchr(path, '\n')) {
		pfj_warn("%s: not noted in pfjail's state (not a plain absolute path); a purge will not remove it",
			 path);
		return;
	}
	if (pfj_state_location(ctx, "files", &dir, &base) < 0 ||
	    !(line = pfj_asprintf("%s\n", path))) {
		pfj_err("out of memory");
		goto out;
	}
	if ((dfd = pfj_state_dir_open(dir, why, sizeof(why))) < 0) {
		pfj_warn("%s; %s is not noted, a purge will not remove it", why, path);
		goto out;
	}
	r = pfj_read_at(dfd, base, 1u << 20, &have, &st);
	if (r < 0 && r != -ENOENT) {
		pfj_warn("%s/%s: %s; %s is not noted, a purge will not remove it", dir, base,
			 strerror(-r), path);
		goto out;
	}
	/* already noted: a file is listed once however often it is rewritten */
	for (const char *l = have.data; r == 0 && l && *l; ) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);

		if (n == strlen(path) && memcmp(l, path, n) == 0)
			goto out;
		l = nl ? nl + 1 : NULL;
	}
	fd = openat(dfd, base, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		pfj_warn("%s/%s: cannot note %s: %m; a purge will not remove it", dir, base, path);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	pfj_buf_free(&have);
	free(line);
	free(dir);
	free(base);
}

/* holder - the pid holding the lock on fd, or 0 when not known */
static long holder(int fd)
{
	struct stat st;
	pid_t pid = fstat(fd, &st) == 0 ? pfj_flock_holder(&st) : 0;

	return pid > 0 ? pid : 0;
}

/* the lock held, to remove its file when letting go */
static int held_dfd = -1;
static char *held_name;

void pfj_instance_unlock(int fd)
{
	if (fd < 0)
		return;
	/* removed while still held: a waiter's lock on it is then refused
	 * above, and no lock file stays behind */
	if (held_dfd >= 0) {
		unlinkat(held_dfd, held_name, 0);
		close(held_dfd);
	}
	close(fd);
	free(held_name);
	held_name = NULL;
	held_dfd = -1;
}

int pfj_instance_lock(const struct pfj_ctx *ctx)
{
	char *dir = NULL, *base = NULL, why[1024];
	struct timespec start, now;
	int dfd = -1, fd = -1, said = 0;
	long waited_ms = 0, step_ms = 10;

	if (pfj_state_location(ctx, "lock", &dir, &base) < 0) {
		pfj_err("out of memory");
		goto fail;
	}
	if ((dfd = pfj_state_dir_open(dir, why, sizeof(why))) < 0) {
		pfj_err("%s; nothing changed", why);
		goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
reopen:
	fd = openat(dfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		pfj_err("%s/%s: cannot open the instance's lock: %m; nothing changed", dir, base);
		goto fail;
	}
	for (;;) {
		struct stat fst, pst;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* the holder removes the file as it lets go: a lock on a
			 * file that is no longer there locks nothing, start again */
			if (fstat(fd, &fst) == 0 &&
			    fstatat(dfd, base, &pst, AT_SYMLINK_NOFOLLOW) == 0 &&
			    fst.st_ino == pst.st_ino && fst.st_dev == pst.st_dev)
				break;
			close(fd);
			goto reopen;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			pfj_err("%s/%s: cannot lock: %m; nothing changed", dir, base);
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited_ms >= ctx->conf->lock_timeout * 1000L) {
			long pid = holder(fd);
			char who[32] = "";

			if (pid > 0)
				snprintf(who, sizeof(who), " (pid %ld)", pid);
			pfj_err("%s: another pfjail run%s still works on this instance after %d s (lock %s/%s); nothing changed",
				ctx->cli->config_dir, who, ctx->conf->lock_timeout, dir, base);
			goto fail;
		}
		if (!said) {
			long pid = holder(fd);

			if (pid > 0)
				fprintf(stderr, "pfjail: %s: waiting for another pfjail run (pid %ld) on this instance to finish, up to %d s\n",
					ctx->cli->config_dir, pid, ctx->conf->lock_timeout);
			else
				fprintf(stderr, "pfjail: %s: waiting for another pfjail run on this instance to finish, up to %d s\n",
					ctx->cli->config_dir, ctx->conf->lock_timeout);
			said = 1;
		}
		usleep((useconds_t)step_ms * 1000);
		if (step_ms < 100)
			step_ms *= 2;
	}
	if (said) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		pfj_info("%s: the other run is done (waited %.1f s); going on", ctx->cli->config_dir,
			 (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9);
	}
	held_dfd = dfd;
	held_name = base;
	free(dir);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	free(base);
	return -1;
}
