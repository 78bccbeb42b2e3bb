/* diff.h - unified diffs of an edit, for --dry-run. */
#ifndef PFJ_DIFF_H
#define PFJ_DIFF_H

#include <stddef.h>

#include "util.h"

/*
 * Append to out a unified diff (3 lines of context) that turns old into
 * new, with "--- label" / "+++ label" headers.  Nothing is appended when the
 * buffers are equal.  Meant for pfjail's own edits (single bytes changed in
 * place, or one region replaced), for which it is exact; for arbitrary
 * inputs it is still a correct, if not minimal, diff.  Returns 0 or -ENOMEM.
 */
int pfj_diff(const char *label, const char *old, size_t old_len,
	     const char *new, size_t new_len, struct pfj_buf *out);

#endif
