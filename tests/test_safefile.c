/*
 * test_safefile.c - reading and atomic replacement relative to a directory
 * fd: symlinks refused, owner/mode kept, backups, failures leave the
 * original untouched.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "safefile.h"

/*
 * Injected failures: the test binary is linked with -Wl,--wrap=write,
 * --wrap=fsync, --wrap=openat and --wrap=copy_file_range, so these stand
 * in for the real calls made inside safefile.c and fail on demand.
 * copy_file_range can also copy a little first (cfr_partial bytes) and
 * then fail, as it does between filesystems it cannot copy across.
 */
static int fail_write, fail_fsync, fail_openat, fail_cfr;
static size_t cfr_partial;

ssize_t __real_copy_file_range(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
			       unsigned int flags);
ssize_t __wrap_copy_file_range(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
			       unsigned int flags);

ssize_t __wrap_copy_file_range(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
			       unsigned int flags)
{
	if (cfr_partial) {
		size_t n = cfr_partial;

		cfr_partial = 0;
		return __real_copy_file_range(in, off_in, out, off_out, n < len ? n : len, flags);
	}
	if (fail_cfr) {
		errno = fail_cfr;
		return -1;
	}
	return __real_copy_file_range(in, off_in, out, off_out, len, flags);
}

ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_openat(int dirfd, const char *path, int flags, ...);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_fsync(int fd);
int __wrap_openat(int dirfd, const char *path, int flags, ...);

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	if (fail_write) {
		errno = fail_write;
		return -1;
	}
	return __real_write(fd, buf, n);
}

int __wrap_fsync(int fd)
{
	if (fail_fsync) {
		errno = fail_fsync;
		return -1;
	}
	return __real_fsync(fd);
}

int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (fail_openat && (flags & O_CREAT)) {
		errno = fail_openat;
		return -1;
	}
	return __real_openat(dirfd, path, flags, mode);
}

static int open_test_dir(void **state)
{
	struct tu_dir *d = *state;

	return open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* count_entries - files in the dir (no leftover temporaries) */
static int count_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

static void test_read(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_buf b = { 0 };
	struct stat st;
	int dfd = open_test_dir(state);

	free(tu_write(d->path, "f", "hello\n", 0640));
	assert_int_equal(pfj_read_at(dfd, "f", 100, &b, &st), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "hello\n", 6);
	assert_int_equal(st.st_mode & 07777, 0640);
	pfj_buf_free(&b);
	/* too large */
	assert_int_equal(pfj_read_at(dfd, "f", 3, &b, &st), -EFBIG);
	pfj_buf_free(&b);
	/* missing */
	assert_int_equal(pfj_read_at(dfd, "absent", 100, &b, &st), -ENOENT);
	close(dfd);
}

static void test_read_refuses_symlink_and_dirs(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_buf b = { 0 };
	struct stat st;
	int dfd = open_test_dir(state);

	assert_int_equal(symlinkat("/etc/passwd", dfd, "link"), 0);
	assert_int_equal(pfj_read_at(dfd, "link", 1 << 20, &b, &st), -ELOOP);
	assert_int_equal(mkdirat(dfd, "sub", 0755), 0);
	assert_int_equal(pfj_read_at(dfd, "sub", 1 << 20, &b, &st), -EINVAL);
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
	/* a FIFO must not block the reader */
	assert_int_equal(pfj_read_at(dfd, "fifo", 1 << 20, &b, &st), -EINVAL);
	pfj_buf_free(&b);
	(void)d;
	close(dfd);
}

static void test_replace_keeps_mode_and_backup(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1,
					 .backup = "f.old" };
	const char *stage;
	char *path = tu_write(d->path, "f", "old\n", 0640), *text, bpath[512];
	struct stat before, after, bst;
	int dfd = open_test_dir(state);

	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(pfj_replace_at(dfd, "f", "new\n", 4, &opts, &stage), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "new\n");
	free(text);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_int_not_equal(after.st_ino, before.st_ino);	/* replaced, not rewritten */
	snprintf(bpath, sizeof(bpath), "%s/f.old", d->path);
	text = tu_read(bpath, NULL);
	assert_string_equal(text, "old\n");
	free(text);
	assert_int_equal(stat(bpath, &bst), 0);
	assert_int_equal(bst.st_ino, before.st_ino);	/* the backup is the old inode */
	assert_int_equal(bst.st_nlink, 1);

	/* a second replace replaces the backup too */
	assert_int_equal(pfj_replace_at(dfd, "f", "newer\n", 6, &opts, &stage), 0);
	text = tu_read(bpath, NULL);
	assert_string_equal(text, "new\n");
	free(text);
	assert_int_equal(count_entries(d->path), 2);

	/* and the backup can be put back */
	assert_int_equal(pfj_restore_backup_at(dfd, "f", "f.old"), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "new\n");
	free(text);
	free(path);
	close(dfd);
}

static void test_replace_creates(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1,
					 .backup = "x.old" };
	const char *stage;
	char path[512], *text;
	struct stat st;
	int dfd = open_test_dir(state);

	assert_int_equal(pfj_replace_at(dfd, "x", "", 0, &opts, &stage), 0);
	snprintf(path, sizeof(path), "%s/x", d->path);
	text = tu_read(path, NULL);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* nothing to back up: no backup file */
	assert_int_equal(count_entries(d->path), 1);
	close(dfd);
}

/* A planted symlink at the target name is replaced, never written through. */
static void test_replace_symlink_target(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	const char *stage;
	char *victim = tu_write(d->path, "victim", "precious\n", 0600), *text, path[512];
	struct stat st;
	int dfd = open_test_dir(state);

	assert_int_equal(symlinkat(victim, dfd, "f"), 0);
	assert_int_equal(pfj_replace_at(dfd, "f", "new\n", 4, &opts, &stage), 0);
	text = tu_read(victim, NULL);
	assert_string_equal(text, "precious\n");
	free(text);
	snprintf(path, sizeof(path), "%s/f", d->path);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	free(victim);
	close(dfd);
}

/* A read-only directory: clear error, original and directory untouched. */
static void test_replace_readonly_dir(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	const char *stage = NULL;
	char *path = tu_write(d->path, "f", "old\n", 0644), *text;
	int dfd = open_test_dir(state);

	if (geteuid() == 0) {
		/* root ignores directory permissions; the integration tests use a ro mount */
		free(path);
		close(dfd);
		skip();
	}
	assert_int_equal(chmod(d->path, 0555), 0);
	assert_int_equal(pfj_replace_at(dfd, "f", "new\n", 4, &opts, &stage), -EACCES);
	assert_string_equal(stage, "create");
	chmod(d->path, 0755);
	text = tu_read(path, NULL);
	assert_string_equal(text, "old\n");
	free(text);
	assert_int_equal(count_entries(d->path), 1);
	free(path);
	close(dfd);
}

struct inject_case {
	const char *label;
	int *flag;
	int err;
	const char *stage;
};

static const struct inject_case inject_cases[] = {
	{ "ENOSPC while writing", &fail_write, ENOSPC, "write" },
	{ "EIO on fsync", &fail_fsync, EIO, "fsync" },
	{ "EACCES creating the temporary file", &fail_openat, EACCES, "create" },
	{ "EROFS creating the temporary file", &fail_openat, EROFS, "create" },
};

/* Each injected failure: the error and stage reported, original intact, no leftovers. */
static void test_injected_failures(void **state)
{
	struct tu_dir *d = *state;

	for (size_t i = 0; i < sizeof(inject_cases) / sizeof(inject_cases[0]); i++) {
		const struct inject_case *tc = &inject_cases[i];
		struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1,
						 .backup = "f.old" };
		const char *stage = NULL;
		char *path = tu_write(d->path, "f", "original\n", 0644), *text;
		int dfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

		print_message("case: %s\n", tc->label);
		*tc->flag = tc->err;
		r = pfj_replace_at(dfd, "f", "new contents\n", 13, &opts, &stage);
		*tc->flag = 0;
		assert_int_equal(r, -tc->err);
		assert_string_equal(stage, tc->stage);
		text = tu_read(path, NULL);
		assert_string_equal(text, "original\n");
		free(text);
		assert_int_equal(count_entries(d->path), 1);	/* no temp file, no backup */
		free(path);
		close(dfd);
	}
}

/* a source of n bytes of a pattern, open for reading */
static int pattern_source(const char *dir, size_t n, char **data)
{
	char *path = NULL, *p = malloc(n + 1);
	int fd;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	p[n] = '\0';
	path = tu_write(dir, "src", p, 0644);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	free(path);
	*data = p;
	return fd;
}

static void assert_file_is(const char *dir, const char *name, const char *data, size_t n,
			   mode_t mode)
{
	char path[4096];
	struct stat st;
	size_t len = 0;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
	text = tu_read(path, &len);
	assert_int_equal(len, n);
	assert_memory_equal(text, data, n);
	free(text);
}

/* pfj_create_copy_at: the copy has the bytes, mode and mtime; an existing name is never replaced or followed */
static void test_create_copy(void **state)
{
	struct tu_dir *d = *state;
	struct timespec mt = { .tv_sec = 1234567890, .tv_nsec = 5 };
	struct pfj_replace_opts opts = { .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1,
					 .mtime = &mt };
	const char *stage = NULL;
	char *data, *sentinel = tu_write(d->path, "sentinel", "keep\n", 0600), *text;
	int dfd = open_test_dir(state), src = pattern_source(d->path, 200000, &data);
	struct stat st;

	assert_int_equal(pfj_create_copy_at(dfd, "copy", src, &opts, &stage, NULL), 0);
	assert_file_is(d->path, "copy", data, 200000, 0640);
	{
		/* with fdp the copy stays open, readable: what was written can be read back */
		char buf[16];
		int kept = -1;

		assert_int_equal(pfj_create_copy_at(dfd, "kept", src, &opts, &stage, &kept), 0);
		assert_true(kept >= 0);
		assert_int_equal(pread(kept, buf, sizeof(buf), 100000), (ssize_t)sizeof(buf));
		assert_memory_equal(buf, data + 100000, sizeof(buf));
		close(kept);
		assert_file_is(d->path, "kept", data, 200000, 0640);
	}
	assert_int_equal(fstatat(dfd, "copy", &st, 0), 0);
	assert_int_equal(st.st_mtim.tv_sec, mt.tv_sec);
	assert_int_equal(st.st_mtim.tv_nsec, mt.tv_nsec);

	/* it exists now: refused, left as it is */
	assert_int_equal(pfj_create_copy_at(dfd, "copy", src, &opts, &stage, NULL), -EEXIST);
	assert_string_equal(stage, "create");
	assert_file_is(d->path, "copy", data, 200000, 0640);

	/* a symlink at the name is not followed */
	assert_int_equal(symlinkat(sentinel, dfd, "link"), 0);
	assert_int_equal(pfj_create_copy_at(dfd, "link", src, &opts, &stage, NULL), -EEXIST);
	text = tu_read(sentinel, NULL);
	assert_string_equal(text, "keep\n");
	free(text);

	/* an empty source makes an empty file */
	close(src);
	free(tu_write(d->path, "zero", "", 0644));
	src = openat(dfd, "zero", O_RDONLY | O_CLOEXEC);
	assert_int_equal(pfj_create_copy_at(dfd, "empty", src, &opts, &stage, NULL), 0);
	assert_file_is(d->path, "empty", "", 0, 0640);
	close(src);
	close(dfd);
	free(data);
	free(sentinel);
}

/* where copy_file_range gives up (another filesystem) the rest is copied by hand */
static void test_create_copy_fallback(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	const char *stage = NULL;
	char *data;
	int dfd = open_test_dir(state), src = pattern_source(d->path, 150001, &data);

	cfr_partial = 10000;	/* copies 10000 bytes, then EXDEV */
	fail_cfr = EXDEV;
	assert_int_equal(pfj_create_copy_at(dfd, "a", src, &opts, &stage, NULL), 0);
	assert_file_is(d->path, "a", data, 150001, 0644);
	fail_cfr = EINVAL;
	assert_int_equal(pfj_create_copy_at(dfd, "b", src, &opts, &stage, NULL), 0);
	assert_file_is(d->path, "b", data, 150001, 0644);
	fail_cfr = 0;
	close(src);
	close(dfd);
	free(data);
}

/* a failing copy or write reports its stage and leaves nothing behind */
static void test_create_copy_failures(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	const char *stage = NULL;
	char *data;
	int dfd = open_test_dir(state), src = pattern_source(d->path, 70000, &data);

	fail_cfr = ENOSPC;
	assert_int_equal(pfj_create_copy_at(dfd, "a", src, &opts, &stage, NULL), -ENOSPC);
	assert_string_equal(stage, "copy");
	fail_cfr = EXDEV;	/* by hand, and then the write fails */
	fail_write = ENOSPC;
	assert_int_equal(pfj_create_copy_at(dfd, "a", src, &opts, &stage, NULL), -ENOSPC);
	assert_string_equal(stage, "copy");
	fail_write = 0;
	fail_cfr = 0;
	fail_openat = EACCES;
	assert_int_equal(pfj_create_copy_at(dfd, "a", src, &opts, &stage, NULL), -EACCES);
	assert_string_equal(stage, "create");
	fail_openat = 0;
	assert_int_equal(count_entries(d->path), 1);	/* only the source */
	close(src);
	close(dfd);
	free(data);
}

/* the one pattern of pfjail's temporaries, and nothing that merely looks like it */
static void test_temp_names(void **state)
{
	(void)state;
	assert_true(pfj_is_temp_name(".hosts.pfjail-0123456789ab", NULL));
	assert_true(pfj_is_temp_name(".hosts.pfjail-0123456789ab", "hosts"));
	assert_false(pfj_is_temp_name(".hosts.pfjail-0123456789ab", "host"));
	assert_true(pfj_is_temp_name(".master.cf.pfjail-old.pfjail-00000000000d", "master.cf.pfjail-old"));
	assert_false(pfj_is_temp_name(".master.cf.pfjail-old.pfjail-00000000000d", "master.cf"));
	assert_false(pfj_is_temp_name("hosts.pfjail-0123456789ab", NULL));	/* no dot */
	assert_false(pfj_is_temp_name(".hosts.pfjail-0123456789a", NULL));	/* 11 digits */
	assert_false(pfj_is_temp_name(".hosts.pfjail-0123456789abc", NULL));	/* 13 */
	assert_false(pfj_is_temp_name(".hosts.pfjail-0123456789AB", NULL));	/* upper case */
	assert_false(pfj_is_temp_name(".hosts.pfjail-0123456789ag", NULL));
	assert_false(pfj_is_temp_name("..pfjail-0123456789ab", NULL));	/* no NAME */
	assert_false(pfj_is_temp_name(".pfjail-0123456789ab", NULL));
	assert_false(pfj_is_temp_name(".hosts.pfjaik-0123456789ab", NULL));
	assert_false(pfj_is_temp_name("", NULL));
}

static int keep_b(const char *name, void *arg)
{
	return strncmp(name, arg, strlen(arg)) == 0;
}

/* a killed run's temporaries: found and removed, look-alikes kept, keep() honoured */
static void test_find_remove_temps(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_strv removed = { 0 };
	char path[512];
	int dfd = open(d->path, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	free(tu_write(d->path, ".a.pfjail-0123456789ab", "x", 0600));
	free(tu_write(d->path, ".b.pfjail-0123456789ab", "x", 0600));
	free(tu_write(d->path, "a.pfjail-0123456789ab", "x", 0600));
	assert_int_equal(symlinkat("/nowhere", dfd, ".l.pfjail-0000000000ff"), 0);
	assert_int_equal(mkdirat(dfd, ".d.pfjail-0123456789ab", 0700), 0);
	assert_int_equal(pfj_remove_temps_at(dfd, keep_b, ".b.", &removed), 0);
	assert_int_equal(removed.n, 2);
	assert_true(pfj_strv_contains(&removed, ".a.pfjail-0123456789ab"));
	assert_true(pfj_strv_contains(&removed, ".l.pfjail-0000000000ff"));
	snprintf(path, sizeof(path), "%s/.b.pfjail-0123456789ab", d->path);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/a.pfjail-0123456789ab", d->path);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/.d.pfjail-0123456789ab", d->path);
	assert_int_equal(access(path, F_OK), 0);	/* never a directory */
	rmdir(path);
	pfj_strv_free(&removed);
	close(dfd);
}

/* prepared replacement: nothing visible before the commit, all gone on abort */
static void test_prepared(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_replace_opts opts = { .mode = 0640, .uid = (uid_t)-1, .gid = (gid_t)-1,
					 .backup = "f.old" };
	struct pfj_prepared pr;
	const char *stage;
	char path[512], *text;
	int dfd = open(d->path, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	free(tu_write(d->path, "f", "old\n", 0644));
	snprintf(path, sizeof(path), "%s/f", d->path);

	assert_int_equal(pfj_prepare_replace_at(dfd, "f", "new\n", 4, &opts, &pr, &stage), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "old\n");	/* not yet */
	free(text);
	assert_int_equal(count_entries(d->path), 3);	/* f, its temporary, the backup's */
	pfj_prepared_abort(&pr);
	assert_int_equal(count_entries(d->path), 1);

	assert_int_equal(pfj_prepare_replace_at(dfd, "f", "new\n", 4, &opts, &pr, &stage), 0);
	assert_int_equal(pfj_prepared_commit(&pr, &stage), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "new\n");
	free(text);
	snprintf(path, sizeof(path), "%s/f.old", d->path);
	text = tu_read(path, NULL);
	assert_string_equal(text, "old\n");
	free(text);
	assert_int_equal(count_entries(d->path), 2);
	pfj_prepared_abort(&pr);	/* after a commit: nothing to do */
	assert_int_equal(count_entries(d->path), 2);

	/* a failed write leaves nothing behind */
	fail_write = ENOSPC;
	assert_int_equal(pfj_prepare_replace_at(dfd, "f", "newer\n", 6, &opts, &pr, &stage), -ENOSPC);
	fail_write = 0;
	assert_int_equal(count_entries(d->path), 2);
	close(dfd);
}

/* pfj_move_new_at moves a whole directory, and never over something that exists */
static void test_move_new(void **state)
{
	struct tu_dir *d = *state;
	int dfd = open_test_dir(state);
	char *f;

	assert_int_equal(mkdirat(dfd, "stage", 0700), 0);
	assert_int_equal(mkdirat(dfd, "stage/etc", 0755), 0);
	assert_int_equal(mkdirat(dfd, "jail", 0755), 0);
	f = tu_write(d->path, "stage/etc/hosts", "127.0.0.1 localhost\n", 0644);
	free(f);
	assert_int_equal(pfj_move_new_at(dfd, "stage/etc", dfd, "jail/etc"), 0);
	f = tu_write(d->path, "jail/etc/keep", "x", 0644);
	free(f);
	assert_int_equal(faccessat(dfd, "jail/etc/hosts", F_OK, 0), 0);
	assert_int_equal(faccessat(dfd, "stage/etc", F_OK, 0), -1);

	/* the target exists (even empty): refused, both left alone */
	assert_int_equal(mkdirat(dfd, "stage/etc", 0755), 0);
	assert_int_equal(pfj_move_new_at(dfd, "stage/etc", dfd, "jail/etc"), -EEXIST);
	assert_int_equal(mkdirat(dfd, "jail/empty", 0755), 0);
	assert_int_equal(pfj_move_new_at(dfd, "stage/etc", dfd, "jail/empty"), -EEXIST);
	assert_int_equal(faccessat(dfd, "stage/etc", F_OK, 0), 0);
	assert_int_equal(faccessat(dfd, "jail/etc/keep", F_OK, 0), 0);
	close(dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_read_refuses_symlink_and_dirs, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_replace_keeps_mode_and_backup, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_replace_creates, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_replace_symlink_target, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_replace_readonly_dir, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_injected_failures, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_create_copy, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_create_copy_fallback, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_create_copy_failures, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_move_new, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test(test_temp_names),
		cmocka_unit_test_setup_teardown(test_find_remove_temps, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_prepared, tu_dir_setup, tu_dir_teardown),
	};

	return cmocka_run_group_tests_name("safefile", tests, NULL, NULL);
}
