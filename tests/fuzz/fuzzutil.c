/*
 * fuzzutil.c - temporary files and descriptors for the fuzz harnesses.
 *
 * A harness that cannot make its scratch file aborts: libFuzzer would
 * otherwise count every input as a run that tested nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

static char file_path[4096];
static char dir_path[4096];

static void die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s: %s\n", what, strerror(errno));
	abort();
}

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		die("malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static void remove_file(void)
{
	unlink(file_path);
}

const char *fz_temp_file(void)
{
	int fd;

	if (file_path[0])
		return file_path;
	snprintf(file_path, sizeof(file_path), "%s/pfjail-fuzz-XXXXXX", tmpdir());
	fd = mkstemp(file_path);
	if (fd < 0)
		die("mkstemp");
	close(fd);
	atexit(remove_file);
	return file_path;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_dir(void)
{
	nftw(dir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_temp_dir(void)
{
	if (dir_path[0])
		return dir_path;
	snprintf(dir_path, sizeof(dir_path), "%s/pfjail-fuzz-XXXXXX", tmpdir());
	if (!mkdtemp(dir_path))
		die("mkdtemp");
	atexit(remove_dir);
	return dir_path;
}

static void write_all(int fd, const uint8_t *data, size_t size, const char *what)
{
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(what);
		data += n;
		size -= (size_t)n;
	}
}

void fz_write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		die(path);
	write_all(fd, data, size, path);
	if (close(fd) < 0)
		die(path);
}

int fz_memfd(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0 && (fd = memfd_create("pfjail-fuzz", MFD_CLOEXEC)) < 0)
		die("memfd_create");
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		die("memfd");
	write_all(fd, data, size, "memfd");
	if (lseek(fd, 0, SEEK_SET) < 0)
		die("lseek");
	return fd;
}
