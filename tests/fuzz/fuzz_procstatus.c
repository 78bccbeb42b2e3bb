/*
 * fuzz_procstatus.c - what the supervisor and the verify worker read from
 * /proc/PID/status (pfj_proc_status_hex, pfj_proc_status_int,
 * pfj_proc_status_summary) and /proc/PID/comm (pfj_proc_comm).
 *
 * Those functions open fixed /proc paths.  This harness is linked with
 * -Wl,--wrap=open (as test_safefile wraps write), so that pfjail's own
 * open() of a /proc file of a process opens the fuzz input instead;
 * every other open() goes through unchanged.  The supervisor's
 * /proc/PID/stat reader (proc_stat in supervise.c) is static and not
 * reached.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fuzz.h"
#include "launch.h"
#include "privdrop.h"

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

static const char *input_path;

/* is path /proc/self/NAME or /proc/PID/NAME? */
static int proc_file(const char *path)
{
	const char *p = path + strlen("/proc/");

	if (strncmp(path, "/proc/", strlen("/proc/")) != 0)
		return 0;
	if (strncmp(p, "self/", 5) == 0)
		p += 5;
	else if ((p += strspn(p, "0123456789")) == path + strlen("/proc/") || *p++ != '/')
		return 0;
	return strcmp(p, "status") == 0 || strcmp(p, "comm") == 0 || strcmp(p, "stat") == 0;
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (input_path && proc_file(path))
		path = input_path;
	return __real_open(path, flags, mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hex_keys[] = { "CapBnd", "CapEff", "CapPrm", "SigCgt" };
	static const char *const int_keys[] = { "Seccomp", "NoNewPrivs", "Tgid" };
	char summary[1024], comm[20];
	uint64_t u;
	long l;

	input_path = fz_temp_file();
	fz_write_file(input_path, data, size);
	for (size_t i = 0; i < sizeof(hex_keys) / sizeof(hex_keys[0]); i++) {
		(void)pfj_proc_status_hex(0, hex_keys[i], &u);
		(void)pfj_proc_status_hex(4242, hex_keys[i], &u);
	}
	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++)
		(void)pfj_proc_status_int(4242, int_keys[i], &l);
	(void)pfj_proc_status_summary(summary, sizeof(summary));
	pfj_proc_comm(4242, comm, sizeof(comm));
	return 0;
}
