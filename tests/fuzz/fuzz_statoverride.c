/*
 * fuzz_statoverride.c - dpkg-statoverride databases
 * (pfj_distro_parse_statoverride), read from the system (or image) to
 * learn the owners and modes Debian gives the queue directories.
 * What reaches the callback must be what its contract says.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "distro.h"
#include "fuzz.h"

static int record(const char *owner, const char *group, unsigned mode, const char *rel,
		  void *arg)
{
	(void)arg;
	if (!*owner || !*group || mode > 07777 || !*rel || rel[0] == '/' ||
	    strlen(rel) >= PFJ_F_PATH_MAX)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	(void)pfj_distro_parse_statoverride(text, size, "/var/spool/postfix/", record, NULL);
	(void)pfj_distro_parse_statoverride(text, size, "/var/spool/postfix", record, NULL);
	return 0;
}
