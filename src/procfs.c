/*
 * procfs.c - read a process's files in /proc: one field of its status,
 * its command name.
 *
 * The supervisor checks what master and its children hold (capability
 * sets, no_new_privs, seccomp) and names the caller of a filtered system
 * call; the launcher proves its own reductions before exec.  Each read is
 * one open and one read of a fixed path, so that a fuzz harness can hand
 * the parser its input in place of the file (tests/fuzz/fuzz_procstatus.c
 * wraps open()).  A field is looked up by its exact key; a value that is
 * not one whole number is -EINVAL, one too long -ERANGE, a key not there
 * -ENOENT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

/* pfj_proc_read - /proc/PID/NAME (pid 0: self) into buf, NUL-terminated */
ssize_t pfj_proc_read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* status_line - the value of status field key, blanks after the colon skipped */
static int status_line(pid_t pid, const char *key, char *val, size_t size)
{
	char buf[4096];
	size_t klen = strlen(key);
	ssize_t n = pfj_proc_read(pid, "status", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) == 0 && l[klen] == ':') {
			char *v = l + klen + 1;
			size_t m;

			v += strspn(v, " \t");
			m = strcspn(v, "\n");
			if (m >= size)
				return -ERANGE;
			memcpy(val, v, m);
			val[m] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

/* status_number - a status field as a number in base (unsigned, or signed) */
static int status_number(pid_t pid, const char *key, int base, int is_signed,
			 unsigned long long *u, long *l)
{
	char v[64], *end;
	int r = status_line(pid, key, v, sizeof(v));

	if (r < 0)
		return r;
	errno = 0;
	if (is_signed)
		*l = strtol(v, &end, base);
	else
		*u = strtoull(v, &end, base);
	return errno || end == v || *end ? -EINVAL : 0;
}

/* pfj_proc_status_hex - a hexadecimal status field (the capability sets, SigCgt) */
int pfj_proc_status_hex(pid_t pid, const char *key, uint64_t *val)
{
	unsigned long long u = 0;
	int r = status_number(pid, key, 16, 0, &u, NULL);

	*val = u;
	return r;
}

/* pfj_proc_status_int - a decimal status field (NoNewPrivs, Seccomp, Tgid) */
int pfj_proc_status_int(pid_t pid, const char *key, long *val)
{
	return status_number(pid, key, 10, 1, NULL, val);
}

/* pfj_proc_comm - a process's command name, "?" when it is gone */
void pfj_proc_comm(pid_t pid, char *comm, size_t size)
{
	if (pfj_proc_read(pid, "comm", comm, size) <= 0)
		snprintf(comm, size, "?");
	comm[strcspn(comm, "\n")] = '\0';
}
