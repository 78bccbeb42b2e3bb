/*
 * fuzz_manifest.c - the manifest build leaves behind (pfj_manifest_parse).
 *
 * A manifest that parses must format again, and the formatted text must
 * parse into the same text once more: check, diff and clean read what
 * build wrote, so the two directions may not drift apart.  Every entry
 * must be found by its path (the parse promises sorted, unique paths).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfj_manifest m = { 0 }, again = { 0 };
	struct pfj_parse_error err;
	struct pfj_buf one = { 0 }, two = { 0 };

	if (pfj_manifest_parse((const char *)data, size, &m, &err) < 0)
		return 0;
	for (size_t i = 0; i < m.n; i++)
		if (pfj_manifest_find(&m, m.ent[i].path) != &m.ent[i])
			abort();
	if (pfj_manifest_format(&m, &one) < 0)
		abort();
	if (pfj_manifest_parse(one.data, one.len, &again, &err) < 0)
		abort();
	if (pfj_manifest_format(&again, &two) < 0)
		abort();
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)
		abort();
	pfj_buf_free(&one);
	pfj_buf_free(&two);
	pfj_manifest_free(&again);
	pfj_manifest_free(&m);
	return 0;
}
