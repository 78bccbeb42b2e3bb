/*
 * ptrace-probe.c - run by a pipe(8) transport in tests/supervise.test:
 * writes its Seccomp and CapBnd status lines and what ptrace(PTRACE_TRACEME),
 * a call any unprivileged process may make, returned, to the file argv[1].
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>

int main(int argc, char *argv[])
{
	char line[256];
	FILE *in, *out;
	long r;
	int e;

	if (argc != 2 || !(out = fopen(argv[1], "w")))
		return 75;	/* EX_TEMPFAIL */
	if ((in = fopen("/proc/self/status", "r"))) {
		while (fgets(line, sizeof(line), in))
			if (strncmp(line, "Seccomp:", 8) == 0 || strncmp(line, "CapBnd:", 7) == 0)
				fputs(line, out);
		fclose(in);
	}
	errno = 0;
	r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	e = errno;
	fprintf(out, "ptrace: %ld %s\n", r, r < 0 && e == EPERM ? "EPERM" : r < 0 ? strerror(e) : "OK");
	return fclose(out) == 0 ? 0 : 75;
}
