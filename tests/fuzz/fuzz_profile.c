/*
 * fuzz_profile.c - jail profiles (pfj_profile_parse, libconfig syntax).
 *
 * The text goes through pfj_config_text_check first, as pfj_profile_load
 * does with a file: libconfig must not see "@include" or a NUL byte.
 */
#include "config.h"

#include <stdlib.h>

#include "conf.h"
#include "fuzz.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfj_profile p;
	char why[512];
	char *text;

	if (pfj_config_text_check((const char *)data, size, "fuzz.profile", why, sizeof(why)) < 0)
		return 0;
	text = fz_strndup(data, size);
	if (pfj_profile_parse(text, "fuzz.profile", &p, why, sizeof(why)) == 0)
		pfj_profile_free(&p);
	free(text);
	return 0;
}
