/*
 * util.c - string buffers, string vectors and path joining.
 *
 * Everything here is pure memory work with explicit error returns (-ENOMEM),
 * so that library modules never print and never exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

/* buf_reserve - make room for n more bytes plus a NUL */
static int buf_reserve(struct pfj_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > (size_t)-1 - b->len - 1)
		return -ENOMEM;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	p[b->len] = '\0';	/* a buffer is a string, also before anything is added */
	return 0;
}

int pfj_buf_add(struct pfj_buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);

	if (r < 0)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int pfj_buf_adds(struct pfj_buf *b, const char *s)
{
	return pfj_buf_add(b, s, strlen(s));
}

int pfj_buf_printf(struct pfj_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((r = buf_reserve(b, (size_t)n)) < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void pfj_buf_free(struct pfj_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int pfj_strv_add(struct pfj_strv *sv, const char *s)
{
	char **v;
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	v = realloc(sv->v, (sv->n + 2) * sizeof(*v));
	if (!v) {
		free(copy);
		return -ENOMEM;
	}
	v[sv->n++] = copy;
	v[sv->n] = NULL;
	sv->v = v;
	return 0;
}

int pfj_strv_contains(const struct pfj_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

void pfj_strv_free(struct pfj_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

char *pfj_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

int pfj_root_is_host(const char *root)
{
	return !root || !*root || strcmp(root, "/") == 0;
}

char *pfj_root_path(const char *root, const char *path)
{
	size_t rl;

	if (!root || !*root || strcmp(root, "/") == 0)
		return strdup(path);
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (*path == '/')
		path++;
	return pfj_asprintf("%.*s/%s", (int)rl, root, path);
}

/* Reads straight into the buffer: no large stack buffer (the supervisor stays small). */
static int read_fd(int fd, size_t max, struct pfj_buf *out)
{
	struct stat st;

	/* a regular file says how much there is: one allocation, not a doubling
	 * series of copies (room for the read that sees the end, too) */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (unsigned long long)st.st_size <= max && buf_reserve(out, (size_t)st.st_size + 4096) < 0)
		return -ENOMEM;
	for (;;) {
		size_t room, limit;
		ssize_t n;
		int r;

		if (out->len > max)
			return -EFBIG;
		limit = max - out->len + 1;	/* one byte more shows that max is exceeded */
		room = out->cap > out->len + 1 ? out->cap - out->len - 1 : 0;
		if (room < 4096) {
			/* grow geometrically, from 4 KiB */
			room = out->len < 4096 ? 4096 : out->len;
			if (room > limit)
				room = limit;
			if ((r = buf_reserve(out, room)) < 0)
				return r;
		}
		if (room > limit)
			room = limit;
		n = read(fd, out->data + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > max)
			return -EFBIG;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	}
}

int pfj_read_fd(int fd, size_t max, struct pfj_buf *out)
{
	int r = read_fd(fd, max, out);

	if (r < 0)
		pfj_buf_free(out);	/* a failed read leaves nothing for the caller to free */
	return r;
}

int pfj_read_file(const char *path, size_t max, struct pfj_buf *out)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		pfj_buf_free(out);
		return r;
	}
	r = pfj_read_fd(fd, max, out);
	close(fd);
	return r;
}

pid_t pfj_locks_holder(const char *locks, dev_t dev, ino_t ino)
{
	for (const char *p = locks; p && *p; ) {
		char kind[16], mode[16], rw[16];
		unsigned maj, min;
		unsigned long long i;
		int pid;

		/* "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF" */
		if (sscanf(p, "%*d: %15s %15s %15s %d %x:%x:%llu", kind, mode, rw, &pid, &maj, &min,
			   &i) == 7 && strcmp(kind, "FLOCK") == 0 && strcmp(rw, "WRITE") == 0 &&
		    i == (unsigned long long)ino && maj == major(dev) && min == minor(dev) && pid > 0)
			return pid;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

pid_t pfj_flock_holder(const struct stat *st)
{
	struct pfj_buf locks = { 0 };
	pid_t holder;

	if (pfj_read_file("/proc/locks", 4u << 20, &locks) < 0)
		return -1;
	holder = pfj_locks_holder(locks.data, st->st_dev, st->st_ino);
	pfj_buf_free(&locks);
	return holder;
}

pid_t pfj_master_pid(const char *queue_dir)
{
	char *path = pfj_asprintf("%s/pid/master.pid", queue_dir);
	struct pfj_buf pidtext = { 0 };
	struct stat st;
	pid_t holder = 0;
	long infile;

	/* master writes its pid and keeps the file locked as long as it runs */
	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    pfj_read_file(path, 64, &pidtext) == 0 && pidtext.data &&
	    (infile = strtol(pidtext.data, NULL, 10)) > 0) {
		holder = pfj_flock_holder(&st);
		if (holder != (pid_t)infile || kill(holder, 0) < 0)
			holder = 0;
	}
	pfj_buf_free(&pidtext);
	free(path);
	return holder > 0 ? holder : 0;
}
