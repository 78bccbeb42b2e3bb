/*
 * mastercf.h - parse Postfix's master.cf from memory, the way postconf(1)
 * 3.7 does, keeping the byte offset of every entry's chroot column so that
 * an editor can change that single byte and nothing else.
 */
#ifndef PFJ_MASTERCF_H
#define PFJ_MASTERCF_H
#include <stddef.h>

/* The eight master.cf columns, in file order. */
enum pfj_mcf_field {
	PFJ_MCF_SERVICE, PFJ_MCF_TYPE, PFJ_MCF_PRIVATE, PFJ_MCF_UNPRIV,
	PFJ_MCF_CHROOT, PFJ_MCF_WAKEUP, PFJ_MCF_MAXPROC, PFJ_MCF_COMMAND,
	PFJ_MCF_NFIELDS
};

/*
 * One master.cf entry (one logical line). All strings of an entry are
 * owned by the parse result: release them only with pfj_mcf_free().
 */
struct pfj_mcf_entry {
	unsigned first_line;        /* 1-based physical line where the entry starts */
	unsigned last_line;         /* 1-based physical line of its last non-comment, non-blank line */
	char *field[PFJ_MCF_NFIELDS]; /* NUL-terminated copies of the 8 fields as Postfix splits them */
	char **args;                /* command arguments after the command (NULL-terminated array), raw tokens as split (braces kept) */
	size_t nargs;
	size_t chroot_off;          /* byte offset in the buffer of the 1-byte chroot field */
	unsigned chroot_line;       /* physical line holding it */
};

/* All entries of a master.cf, in file order (duplicates kept, as postconf -M shows them). */
struct pfj_mcf {
	struct pfj_mcf_entry *ent;
	size_t n;
};

/*
 * Why a buffer was rejected. line is the 1-based physical line the error is
 * about: for Postfix's own errors (bad field count, invalid ... field) the
 * first line of the offending entry, the line postconf names in "bad field
 * count"; for a continuation line without an entry, that line; for a NUL
 * byte or template syntax, the line holding it; 0 for "out of memory".
 * reason quotes at most 64 bytes of a field, control characters as '?'.
 */
struct pfj_mcf_error {
	unsigned line;              /* 1-based physical line the error is about (see above) */
	char reason[256];           /* e.g. "bad field count", "invalid type field \"foo\"" */
};

/*
 * Parse buf[0..len) (need not be NUL-terminated; may contain any bytes).
 * Returns 0 and fills *out, or -1 and fills *err (out is then empty).
 * -ENOMEM style failures: return -1 with reason "out of memory".
 *
 * Errors Postfix itself would report (bad field count, invalid field) take
 * precedence, so the line matches postconf's; then come pfjail's stricter
 * rejections: a continuation line without a preceding entry, and template
 * syntax ("{{" "{%" "{#" "%{" "[%" "%%") in a non-comment line. A NUL byte
 * anywhere is rejected before anything else. err may be NULL.
 */
int pfj_mcf_parse(const char *buf, size_t len, struct pfj_mcf *out, struct pfj_mcf_error *err);

/* Release everything pfj_mcf_parse() stored in *mcf and leave it empty. */
void pfj_mcf_free(struct pfj_mcf *mcf);
#endif
