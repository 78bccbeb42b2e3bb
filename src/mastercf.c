/*
 * mastercf.c - parse Postfix's master.cf from a memory buffer.
 *
 * pfjail edits the chroot column of master.cf by overwriting one byte, so
 * it must see the file exactly as Postfix does; any difference would make
 * it change the wrong byte or miss an entry. This module therefore mirrors
 * Postfix 3.7 (checked against postconf -M/-F 3.7.11):
 *
 *  - readllines(): a logical line starts with a non-whitespace byte at
 *    column 0; a physical line starting with whitespace (isspace in the C
 *    locale: space \t \n \v \f \r) continues it; empty, whitespace-only and
 *    '#' comment lines (after optional whitespace) are skipped and do not
 *    end a logical line. Physical lines are joined without the newline.
 *    The line postconf reports for an entry is its first physical line.
 *  - mystrtokq(): each logical line is split on " \t\r\n" (not \v or \f)
 *    with "{}" as parens; a '{' anywhere raises the nesting level, a '}'
 *    lowers it when positive, and blanks split only at level 0, so an
 *    unbalanced '{' swallows the rest of the logical line.
 *  - pcf_parse_master_entry()/pcf_check_master_entry(): at least 8 tokens,
 *    then type, private, unprivileged, chroot, wakeup, process_limit are
 *    checked in that order with postconf's wording.
 *
 * On top of that pfjail rejects what Postfix would silently misread or
 * what is clearly an unrendered template: NUL bytes (postconf truncates the
 * logical line there), a continuation line with no entry before it
 * (postconf only warns and drops it) and template syntax in non-comment
 * lines. Postfix's own errors are reported first so that the line number
 * always matches what postconf says about the same file.
 *
 * The parser never touches files, prints nothing and keeps no global state.
 */
#include "config.h"

#include "mastercf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of an offending field value an error message quotes. */
#define MCF_QUOTE_MAX	64

/* A piece of a logical line: where one physical line's text came from. */
struct mcf_seg {
	size_t buf_off;		/* offset of the piece in the input buffer */
	size_t join_off;	/* offset of the piece in the joined text */
	unsigned line;		/* physical line number */
};

/* A logical line being assembled, plus the map back to the buffer. */
struct mcf_lline {
	char *text;		/* joined physical lines, NUL-terminated */
	size_t len;
	size_t cap;
	struct mcf_seg *seg;
	size_t nseg;
	size_t segcap;
	unsigned first_line;
	unsigned last_line;
};

/* A token of the logical line, as offsets into the joined text. */
struct mcf_tok {
	size_t start;
	size_t len;
};

/* Parser state; everything lives here so the module has no globals. */
struct mcf_parser {
	const char *buf;
	size_t len;
	size_t pos;		/* next unread byte */
	unsigned lineno;	/* physical lines consumed so far */
	unsigned orphan_line;	/* first continuation without an entry, 0 if none */
	struct mcf_lline ll;
	struct mcf_tok *tok;
	size_t ntok;
	size_t tokcap;
	struct pfj_mcf_error *err;
};

/* Why a helper failed: tells the caller which error to report. */
enum mcf_status {
	MCF_OK = 0,
	MCF_NOMEM = -1,
	MCF_TOOMANY = -2,
};

/* Record an error, unless the caller passed no error structure. */
static void mcf_set_err(struct pfj_mcf_error *err, unsigned line,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mcf_set_err(struct pfj_mcf_error *err, unsigned line,
			const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

/* isspace() in the C locale, independent of the caller's locale, as Postfix's ISSPACE. */
static int mcf_isspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* A token separator of postconf's argv_splitq() (PCF_MASTER_BLANKS): not \v or \f. */
static int mcf_isblank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Grow an array to hold at least need elements; overflow-safe doubling. */
static int mcf_grow(void **arr, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return MCF_OK;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elsize)
		return MCF_NOMEM;
	p = realloc(*arr, ncap * elsize);
	if (p == NULL)
		return MCF_NOMEM;
	*arr = p;
	*cap = ncap;
	return MCF_OK;
}

/*
 * Take the next physical line [*start, *end) (without its newline) and
 * advance *pos past it. Returns 0 at end of buffer. A final line without a
 * newline still counts, as in readllines().
 */
static int mcf_next_line(const char *buf, size_t len, size_t *pos,
			 size_t *start, size_t *end)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*start = *pos;
	nl = memchr(buf + *pos, '\n', len - *pos);
	if (nl != NULL) {
		*end = (size_t)(nl - buf);
		*pos = *end + 1;
	} else {
		*end = len;
		*pos = len;
	}
	return 1;
}

/* Tell whether a physical line is skipped by readllines() (blank or comment). */
static int mcf_is_skipped(const char *buf, size_t start, size_t end)
{
	while (start < end && mcf_isspace((unsigned char)buf[start]))
		start++;
	return start == end || buf[start] == '#';
}

/* Append one physical line to the logical line being assembled. */
static int mcf_lline_add(struct mcf_lline *ll, const char *buf, size_t start,
			 size_t end, unsigned line)
{
	size_t n = end - start;
	struct mcf_seg *s;

	/* n < SIZE_MAX - 1 always holds: the pieces come from one buffer. */
	if (mcf_grow((void **)&ll->text, &ll->cap, ll->len + n + 1, 1) ||
	    mcf_grow((void **)&ll->seg, &ll->segcap, ll->nseg + 1,
		     sizeof(*ll->seg)))
		return MCF_NOMEM;
	s = &ll->seg[ll->nseg++];
	s->buf_off = start;
	s->join_off = ll->len;
	s->line = line;
	memcpy(ll->text + ll->len, buf + start, n);
	ll->len += n;
	ll->text[ll->len] = '\0';
	if (ll->nseg == 1)
		ll->first_line = line;
	ll->last_line = line;
	return MCF_OK;
}

/*
 * Read one logical line like Postfix's readllines(). Returns 1 when one was
 * read, 0 at end of input, or a negative mcf_status. A logical line that
 * starts with whitespace (only possible before the first entry) is dropped
 * as Postfix does, but remembered so that pfjail can reject it later.
 */
static int mcf_read_lline(struct mcf_parser *p)
{
	struct mcf_lline *ll = &p->ll;
	size_t start, end;
	unsigned char next;

	for (;;) {
		ll->len = 0;
		ll->nseg = 0;
		while (mcf_next_line(p->buf, p->len, &p->pos, &start, &end)) {
			if (p->lineno == UINT_MAX)
				return MCF_TOOMANY;
			p->lineno++;
			if (!mcf_is_skipped(p->buf, start, end) &&
			    mcf_lline_add(ll, p->buf, start, end, p->lineno))
				return MCF_NOMEM;
			/* Only a line starting with '#' or whitespace may continue it. */
			if (ll->nseg > 0 && p->pos < p->len) {
				next = (unsigned char)p->buf[p->pos];
				if (next != '#' && !mcf_isspace(next))
					break;
			}
		}
		if (ll->nseg == 0)
			return 0;
		if (!mcf_isspace((unsigned char)ll->text[0]))
			return 1;
		if (p->orphan_line == 0)
			p->orphan_line = ll->first_line;
	}
}

/*
 * Split the logical line like mystrtokq(text, " \t\r\n", "{}"): tokens end
 * at a blank only outside braces, so "{ name = value }" is one token.
 */
static int mcf_split(struct mcf_parser *p)
{
	const char *t = p->ll.text;
	size_t len = p->ll.len;
	size_t i = 0, start;
	unsigned long level;
	char ch;

	p->ntok = 0;
	for (;;) {
		while (i < len && mcf_isblank(t[i]))
			i++;
		if (i >= len)
			return MCF_OK;
		for (start = i, level = 0; i < len; i++) {
			ch = t[i];
			if (ch == '{')
				level++;
			else if (level > 0 && ch == '}')
				level--;
			else if (level == 0 && mcf_isblank(ch))
				break;
		}
		if (mcf_grow((void **)&p->tok, &p->tokcap, p->ntok + 1,
			     sizeof(*p->tok)))
			return MCF_NOMEM;
		p->tok[p->ntok].start = start;
		p->tok[p->ntok].len = i - start;
		p->ntok++;
	}
}

/*
 * Quote a field value for an error message: at most MCF_QUOTE_MAX bytes,
 * control characters shown as '?' so a message cannot mess up a terminal.
 */
static void mcf_quote(char *dst, size_t dstsize, const char *src, size_t n)
{
	size_t i, max = dstsize - 4;	/* room for "..." and NUL */
	unsigned char c;

	for (i = 0; i < n && i < max; i++) {
		c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < n) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/* Report "invalid NAME field "VALUE"" for token idx of the current entry. */
static void mcf_bad_field(struct mcf_parser *p, const char *name, size_t idx)
{
	char q[MCF_QUOTE_MAX + 4];

	mcf_quote(q, sizeof(q), p->ll.text + p->tok[idx].start,
		  p->tok[idx].len);
	mcf_set_err(p->err, p->ll.first_line, "invalid %s field \"%s\"", name,
		    q);
}

/* Tell whether token idx is exactly one of y, n, -. */
static int mcf_is_bool(const struct mcf_parser *p, size_t idx)
{
	const struct mcf_tok *tk = &p->tok[idx];
	char c = p->ll.text[tk->start];

	return tk->len == 1 && (c == 'y' || c == 'n' || c == '-');
}

/* Count the leading decimal digits of s[0..n). */
static size_t mcf_digits(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/*
 * Apply postconf's checks (pcf_parse_master_entry, pcf_check_master_entry)
 * in its order and wording. Returns 0 when the entry is acceptable.
 */
static int mcf_check_entry(struct mcf_parser *p)
{
	static const char *const types[] = {
		"unix", "fifo", "inet", "pass", "unix-dgram",
	};
	static const char *const bool_names[] = {
		"private", "unprivileged", "chroot",
	};
	const char *t = p->ll.text;
	const struct mcf_tok *tk;
	size_t i, n;

	if (p->ntok < PFJ_MCF_NFIELDS) {
		mcf_set_err(p->err, p->ll.first_line, "bad field count");
		return -1;
	}

	tk = &p->tok[PFJ_MCF_TYPE];
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i]) == tk->len &&
		    memcmp(types[i], t + tk->start, tk->len) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		mcf_bad_field(p, "type", PFJ_MCF_TYPE);
		return -1;
	}

	for (i = PFJ_MCF_PRIVATE; i <= PFJ_MCF_CHROOT; i++) {
		if (!mcf_is_bool(p, i)) {
			mcf_bad_field(p, bool_names[i - PFJ_MCF_PRIVATE], i);
			return -1;
		}
	}

	/* wakeup: "-" or digits, either with an optional '?' (so "?" and "-?" pass too). */
	tk = &p->tok[PFJ_MCF_WAKEUP];
	n = tk->len;
	if (n > 0 && t[tk->start + n - 1] == '?')
		n--;
	if (!(t[tk->start] == '-' && n == 1) &&
	    mcf_digits(t + tk->start, tk->len) != n) {
		mcf_bad_field(p, "wakeup", PFJ_MCF_WAKEUP);
		return -1;
	}

	/* Postfix names the maxproc column "process_limit" in its messages. */
	tk = &p->tok[PFJ_MCF_MAXPROC];
	if (!(tk->len == 1 && t[tk->start] == '-') &&
	    mcf_digits(t + tk->start, tk->len) != tk->len) {
		mcf_bad_field(p, "process_limit", PFJ_MCF_MAXPROC);
		return -1;
	}
	return 0;
}

/* Map an offset in the joined text back to the buffer and its physical line. */
static void mcf_map(const struct mcf_lline *ll, size_t join_off,
		    size_t *buf_off, unsigned *line)
{
	size_t i = ll->nseg - 1;

	while (i > 0 && ll->seg[i].join_off > join_off)
		i--;
	*buf_off = ll->seg[i].buf_off + (join_off - ll->seg[i].join_off);
	*line = ll->seg[i].line;
}

/* Release one entry's storage (its strings share one block). */
static void mcf_entry_free(struct pfj_mcf_entry *e)
{
	free(e->field[PFJ_MCF_SERVICE]);
	free(e->args);
	memset(e, 0, sizeof(*e));
}

/*
 * Turn the checked tokens into an entry. All token copies go into a single
 * block so that an entry costs two allocations however many arguments it
 * has; field[PFJ_MCF_SERVICE] is the start of that block.
 */
static int mcf_make_entry(struct mcf_parser *p, struct pfj_mcf_entry *e)
{
	size_t i, total = 0, nargs = p->ntok - PFJ_MCF_NFIELDS;
	char *blk, *dst;
	char **slot;

	/* Each token plus its NUL fits: tokens are disjoint parts of text[0..len]. */
	for (i = 0; i < p->ntok; i++)
		total += p->tok[i].len + 1;
	if (nargs >= SIZE_MAX / sizeof(char *))
		return MCF_NOMEM;
	memset(e, 0, sizeof(*e));
	blk = malloc(total);
	e->args = malloc((nargs + 1) * sizeof(char *));
	if (blk == NULL || e->args == NULL) {
		free(blk);
		free(e->args);
		e->args = NULL;
		return MCF_NOMEM;
	}
	for (dst = blk, i = 0; i < p->ntok; i++) {
		slot = i < PFJ_MCF_NFIELDS ? &e->field[i] :
					     &e->args[i - PFJ_MCF_NFIELDS];
		memcpy(dst, p->ll.text + p->tok[i].start, p->tok[i].len);
		dst[p->tok[i].len] = '\0';
		*slot = dst;
		dst += p->tok[i].len + 1;
	}
	e->args[nargs] = NULL;
	e->nargs = nargs;
	e->first_line = p->ll.first_line;
	e->last_line = p->ll.last_line;
	mcf_map(&p->ll, p->tok[PFJ_MCF_CHROOT].start, &e->chroot_off,
		&e->chroot_line);
	return MCF_OK;
}

/* Find a NUL byte; Postfix would silently cut the logical line there. */
static int mcf_check_nul(const char *buf, size_t len,
			 struct pfj_mcf_error *err)
{
	const char *z = memchr(buf, '\0', len);
	const char *c;
	unsigned line = 1;

	if (z == NULL)
		return 0;
	for (c = buf; (c = memchr(c, '\n', (size_t)(z - c))) != NULL; c++)
		if (line < UINT_MAX)
			line++;
	mcf_set_err(err, line, "NUL byte in file");
	return -1;
}

/* Return the first template opener in s[0..n), or NULL. */
static const char *mcf_find_template(const char *s, size_t n)
{
	static const char *const seqs[] = {
		"{{", "{%", "{#", "%{", "[%", "%%",
	};
	size_t i, k;

	for (i = 0; i + 1 < n; i++)
		for (k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++)
			if (s[i] == seqs[k][0] && s[i + 1] == seqs[k][1])
				return seqs[k];
	return NULL;
}

/*
 * pfjail's own rejections for a file Postfix accepts: the earliest of an
 * orphan continuation line and template syntax in a non-comment line.
 */
static int mcf_check_strict(const struct mcf_parser *p)
{
	size_t pos = 0, start, end;
	unsigned line = 0;
	const char *seq;

	while (mcf_next_line(p->buf, p->len, &pos, &start, &end)) {
		line++;
		if (p->orphan_line != 0 && line >= p->orphan_line)
			break;
		if (mcf_is_skipped(p->buf, start, end))
			continue;
		seq = mcf_find_template(p->buf + start, end - start);
		if (seq != NULL) {
			mcf_set_err(p->err, line,
				    "template syntax \"%s\" (unrendered template?)",
				    seq);
			return -1;
		}
	}
	if (p->orphan_line != 0) {
		mcf_set_err(p->err, p->orphan_line,
			    "continuation line without a preceding entry");
		return -1;
	}
	return 0;
}

/* Release everything pfj_mcf_parse() stored in *mcf and leave it empty. */
void pfj_mcf_free(struct pfj_mcf *mcf)
{
	size_t i;

	if (mcf == NULL)
		return;
	for (i = 0; i < mcf->n; i++)
		mcf_entry_free(&mcf->ent[i]);
	free(mcf->ent);
	mcf->ent = NULL;
	mcf->n = 0;
}

/* Parse a master.cf buffer into entries, or explain why it is rejected. */
int pfj_mcf_parse(const char *buf, size_t len, struct pfj_mcf *out,
		  struct pfj_mcf_error *err)
{
	struct mcf_parser p;
	size_t cap = 0;
	int rc;

	out->ent = NULL;
	out->n = 0;
	if (err != NULL) {
		err->line = 0;
		err->reason[0] = '\0';
	}
	/* Nothing to read: a valid, empty master.cf (also avoids memchr(NULL)). */
	if (buf == NULL || len == 0)
		return 0;
	if (mcf_check_nul(buf, len, err))
		return -1;

	memset(&p, 0, sizeof(p));
	p.buf = buf;
	p.len = len;
	p.err = err;
	while ((rc = mcf_read_lline(&p)) == 1) {
		if ((rc = mcf_split(&p)) != MCF_OK)
			break;
		if (mcf_check_entry(&p)) {
			rc = -1;
			goto fail;
		}
		if ((rc = mcf_grow((void **)&out->ent, &cap, out->n + 1,
				   sizeof(*out->ent))) != MCF_OK)
			break;
		if ((rc = mcf_make_entry(&p, &out->ent[out->n])) != MCF_OK)
			break;
		out->n++;
	}
	if (rc == MCF_NOMEM) {
		mcf_set_err(err, 0, "out of memory");
		goto fail;
	}
	if (rc == MCF_TOOMANY) {
		mcf_set_err(err, UINT_MAX, "too many lines");
		goto fail;
	}
	if (mcf_check_strict(&p))
		goto fail;
	free(p.ll.text);
	free(p.ll.seg);
	free(p.tok);
	return 0;

fail:
	free(p.ll.text);
	free(p.ll.seg);
	free(p.tok);
	pfj_mcf_free(out);
	return -1;
}
