/* verify.h - the verify command and its worker protocol. */
#ifndef PFJ_VERIFY_H
#define PFJ_VERIFY_H

#include "audit.h"
#include "command.h"

int pfj_cmd_verify(struct pfj_ctx *ctx);

/*
 * Undo /proc/self/mountinfo's escapes in place: \ooo (three octal digits,
 * at most \377) is one byte, as the kernel writes space, tab, newline and
 * backslash.  Anything else after a backslash is kept as it is.
 */
void pfj_unescape_mountinfo(char *s);

/* Where decoded findings go. */
struct findings_sink {
	int (*add)(const struct pfj_finding *f, void *arg);	/* non-zero stops */
	void *arg;
};

/*
 * Read the worker's report from fd until EOF: well-formed records, then a
 * single end marker as the very last byte.  Anything else (a malformed or
 * oversized record, trailing bytes, no end marker because the worker died)
 * returns -1 and nothing read may be trusted.  0 on success.
 */
int pfj_verify_read_findings(int fd, struct findings_sink *sink);

#endif
