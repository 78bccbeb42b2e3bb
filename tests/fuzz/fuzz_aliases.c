/*
 * fuzz_aliases.c - aliases(5) files (pfj_aliases_parse) and what pfjail
 * does with one: look up root, split its targets, set root's value.
 *
 * The edit must leave a file in which root's first entry is the new
 * value: that is checked too, as it is what "pfjail aliases" promises.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "fuzz.h"

#define NEW_ROOT "postmaster-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct pfj_aliases a = { 0 }, b = { 0 };
	struct pfj_strv targets = { 0 };
	struct pfj_buf out = { 0 };
	const struct pfj_alias *root;
	size_t dups;

	if (pfj_aliases_parse(buf, size, &a) < 0)
		return 0;
	for (size_t i = 0; i < a.n; i++) {
		if (pfj_alias_targets(a.ent[i].value, &targets) < 0)
			abort();
		pfj_strv_free(&targets);
	}
	root = pfj_aliases_find(&a, "root", &dups);
	(void)root;
	if (pfj_aliases_set_root(buf, size, &a, NEW_ROOT, &out) < 0)
		abort();
	if (pfj_aliases_parse(out.data ? out.data : "", out.len, &b) < 0)
		abort();
	root = pfj_aliases_find(&b, "root", &dups);
	if (!root || strcmp(root->value, NEW_ROOT) != 0)
		abort();
	pfj_aliases_free(&b);
	pfj_buf_free(&out);
	pfj_aliases_free(&a);
	return 0;
}
