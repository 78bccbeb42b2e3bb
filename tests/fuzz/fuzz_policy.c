/*
 * fuzz_policy.c - seccomp policy files (pfj_policy_parse): the supervisor's
 * deny and allow lists and the verify worker's allowlist, both with
 * unknown names refused and skipped.
 */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	char why[512];

	for (int skip = 0; skip < 2; skip++) {
		struct pfj_strv calls = { 0 };

		(void)pfj_policy_parse(text, "fuzz.policy", skip, &calls, why, sizeof(why));
		pfj_strv_free(&calls);
	}
	free(text);
	return 0;
}
