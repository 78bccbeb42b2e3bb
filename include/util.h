/* util.h - small string helpers shared by every module. */
#ifndef PFJ_UTIL_H
#define PFJ_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* A growable byte buffer, always NUL-terminated when len > 0. */
struct pfj_buf {
	char *data;
	size_t len;
	size_t cap;
};

int pfj_buf_add(struct pfj_buf *b, const void *p, size_t n);
int pfj_buf_adds(struct pfj_buf *b, const char *s);
int pfj_buf_printf(struct pfj_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pfj_buf_free(struct pfj_buf *b);

/* Why a parser rejected a buffer: 1-based line (0: not about a line) and text. */
struct pfj_parse_error {
	unsigned line;
	char reason[256];
};

/* A NULL-terminated vector of strings that owns its elements. */
struct pfj_strv {
	char **v;
	size_t n;
};

int pfj_strv_add(struct pfj_strv *sv, const char *s);
int pfj_strv_contains(const struct pfj_strv *sv, const char *s);
void pfj_strv_free(struct pfj_strv *sv);

/* Formatted strdup; NULL on failure. */
char *pfj_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Does -R ROOT name the running system ("/", "" or NULL)? */
int pfj_root_is_host(const char *root);

/* ROOT + PATH for -R (ROOT NULL or "/" gives a copy of PATH). */
char *pfj_root_path(const char *root, const char *path);

/* Read fd to its end (at most max bytes, else -EFBIG) into out; 0 or -errno.
 * On error out is freed (empty), whatever it held. */
int pfj_read_fd(int fd, size_t max, struct pfj_buf *out);

/* Read a whole file (at most max bytes) into a buffer; 0 or -errno (out freed). */
int pfj_read_file(const char *path, size_t max, struct pfj_buf *out);

/*
 * The pid holding a write flock(2) on the file dev/ino, from the text of
 * /proc/locks (0: none); pfj_flock_holder reads /proc/locks (-1: cannot).
 */
pid_t pfj_locks_holder(const char *locks, dev_t dev, ino_t ino);
pid_t pfj_flock_holder(const struct stat *st);

/*
 * The pid of the Postfix master that runs on queue_dir (a host path): the
 * process holding the lock on queue_dir/pid/master.pid, as /proc/locks
 * shows it, when it is alive and its pid is the one the file holds.  0
 * when master does not run (or cannot be told to run).
 */
pid_t pfj_master_pid(const char *queue_dir);

#endif
