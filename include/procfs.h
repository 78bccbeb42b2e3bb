/* procfs.h - read a process's files in /proc: status fields, its command name. */
#ifndef PFJ_PROCFS_H
#define PFJ_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read "Key:\t<hex>" from /proc/PID/status (pid 0: self).  0 or -errno. */
int pfj_proc_status_hex(pid_t pid, const char *key, uint64_t *val);
/* Read "Key:\t<decimal>" likewise. */
int pfj_proc_status_int(pid_t pid, const char *key, long *val);

/* /proc/PID/NAME (pid 0: self) into buf, NUL-terminated: bytes read or -errno. */
ssize_t pfj_proc_read(pid_t pid, const char *name, char *buf, size_t size);

/* A process's command name (/proc/PID/comm), "?" when it cannot be read. */
void pfj_proc_comm(pid_t pid, char *comm, size_t size);

#endif
