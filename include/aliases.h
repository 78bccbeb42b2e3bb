/* aliases.h - parse and edit aliases(5) files as postalias reads them. */
#ifndef PFJ_ALIASES_H
#define PFJ_ALIASES_H

#include <stddef.h>

#include "util.h"

struct pfj_alias {
	char *key;		/* lower-case, unquoted */
	char *value;		/* the value text, whitespace-trimmed, lines joined */
	unsigned first_line, last_line;
	size_t start;		/* byte offset of the entry's first line */
	size_t value_start;	/* byte offset where the value begins on the first line */
	size_t first_eol;	/* byte offset of the first line's end (before \r\n or \n) */
	/* continuation lines (byte ranges incl. their line end), to delete when replacing */
	size_t *cont_start, *cont_end;
	size_t ncont;
};

struct pfj_aliases {
	struct pfj_alias *ent;
	size_t n;
	int crlf;		/* the file's lines end in \r\n */
};

/* Parse buf (any bytes); lines postalias would skip with a warning are skipped too. */
int pfj_aliases_parse(const char *buf, size_t len, struct pfj_aliases *out);
void pfj_aliases_free(struct pfj_aliases *a);

/* The first entry for key (what Postfix uses), or NULL; *dups gets the count of later ones. */
const struct pfj_alias *pfj_aliases_find(const struct pfj_aliases *a, const char *key,
					 size_t *dups);

/* Split a value into its addresses (commas outside quotes), trimmed, quotes kept. */
int pfj_alias_targets(const char *value, struct pfj_strv *out);

/*
 * The edited file: root's first entry gets value `user` (only the value
 * bytes of its first line change, its continuation lines go), or a
 * "root:\tuser" line is appended.  Every other byte stays.
 */
int pfj_aliases_set_root(const char *buf, size_t len, const struct pfj_aliases *a,
			 const char *user, struct pfj_buf *out);

#endif
