/*
 * fuzz_locks.c - /proc/locks (pfj_locks_holder): who holds the write flock
 * on the instance's lock file.  The text comes as the reader gives it, a
 * C string; the file looked for has the identity of the seeds' lines.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/sysmacros.h>

#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);

	(void)pfj_locks_holder(text, makedev(0x08, 0x02), 5678);
	(void)pfj_locks_holder(text, makedev(0x103, 0x2a), 131073);
	free(text);
	return 0;
}
