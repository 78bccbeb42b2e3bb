/*
 * fuzz_elf.c - the ELF reader (pfj_elf_read): DT_NEEDED, DT_SONAME,
 * DT_RUNPATH and DT_RPATH of an object found in a library directory.
 *
 * pfj_elf_read parses from memory (its callers read the file), so the
 * input is handed over as it is.
 */
#include "config.h"

#include <string.h>

#include "elfdeps.h"
#include "fuzz.h"

static volatile size_t total;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfj_elf_info info;
	char why[256];

	memset(&info, 0, sizeof(info));
	if (pfj_elf_read(data, size, &info, why, sizeof(why)) < 0)
		return 0;
	/* the closure reads every string: they must be terminated in bounds */
	for (size_t i = 0; i < info.needed.n; i++)
		total += strlen(info.needed.v[i]);
	total += info.soname ? strlen(info.soname) : 0;
	total += info.runpath ? strlen(info.runpath) : 0;
	total += info.rpath ? strlen(info.rpath) : 0;
	pfj_elf_info_free(&info);
	return 0;
}
