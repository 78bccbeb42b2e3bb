/*
 * fuzz_conf.c - pfjail.conf (pfj_conf_load).  It only reads a file, so
 * the input is written to this process's temporary file first; a
 * configuration that loads is dumped, as "pfjail -v" does.
 */
#include "config.h"

#include <stdbool.h>

#include "conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_temp_file();
	struct pfj_conf conf;
	struct pfj_buf dump = { 0 };
	char why[512];

	fz_write_file(path, data, size);
	if (pfj_conf_load(&conf, path, false, why, sizeof(why)) < 0)
		return 0;
	(void)pfj_conf_dump(&conf, &dump);
	pfj_buf_free(&dump);
	pfj_conf_free(&conf);
	return 0;
}
