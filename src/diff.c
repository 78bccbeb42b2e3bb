/*
 * diff.c - unified diff output for dry runs.
 *
 * pfjail's editors change bytes in place (master.cf) or replace one entry
 * (aliases), so a full LCS diff is not needed: after trimming the common
 * leading and trailing lines, a middle of equal length is compared line by
 * line, and any other middle is one replaced block.  The result is a valid
 * unified diff that patch(1) applies, with "\ No newline at end of file"
 * where a file lacks its final newline.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

struct line {
	const char *p;
	size_t len;		/* including the newline, if any */
};

struct op {
	char kind;		/* ' ', '-' or '+' */
	size_t o, n;		/* 0-based old and new line numbers at this op */
	const struct line *ln;
};

/* split - index the lines of a buffer */
static int split(const char *buf, size_t len, struct line **out, size_t *count)
{
	size_t n = 0, cap = 0;
	struct line *v = NULL;

	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;

		if (n == cap) {
			struct line *nv;

			cap = cap ? cap * 2 : 64;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n].p = buf + i;
		v[n].len = l;
		n++;
		i += l;
	}
	*out = v;
	*count = n;
	return 0;
}

static int same(const struct line *a, const struct line *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* emit_line - one diff line, marking a missing final newline */
static int emit_line(struct pfj_buf *out, char kind, const struct line *ln)
{
	int r = pfj_buf_add(out, &kind, 1);

	if (!r)
		r = pfj_buf_add(out, ln->p, ln->len);
	if (!r && (ln->len == 0 || ln->p[ln->len - 1] != '\n'))
		r = pfj_buf_adds(out, "\n\\ No newline at end of file\n");
	return r;
}

/* range - "start,count" as diff -u writes it (",1" is left out) */
static int range(struct pfj_buf *out, size_t start, size_t count)
{
	if (count == 1)
		return pfj_buf_printf(out, "%zu", start);
	return pfj_buf_printf(out, "%zu,%zu", start, count);
}

/* emit_hunks - group ops into hunks with `ctx` lines of context */
static int emit_hunks(const struct op *ops, size_t nops, struct pfj_buf *out)
{
	const size_t ctx = 3;
	size_t i = 0;
	int r = 0;

	while (r == 0 && i < nops) {
		size_t first, last, start, end, ol = 0, nl = 0;

		while (i < nops && ops[i].kind == ' ')
			i++;
		if (i == nops)
			break;
		first = i;
		/* extend while the next change is within 2*ctx context lines */
		last = i;
		for (size_t j = i + 1; j < nops; j++) {
			if (ops[j].kind == ' ')
				continue;
			if (j - last - 1 > 2 * ctx)
				break;
			last = j;
		}
		start = first > ctx ? first - ctx : 0;
		end = last + ctx + 1 < nops ? last + ctx + 1 : nops;
		for (size_t j = start; j < end; j++) {
			ol += ops[j].kind != '+';
			nl += ops[j].kind != '-';
		}
		r = pfj_buf_adds(out, "@@ -");
		if (!r)
			r = range(out, ol ? ops[start].o + 1 : ops[start].o, ol);
		if (!r)
			r = pfj_buf_adds(out, " +");
		if (!r)
			r = range(out, nl ? ops[start].n + 1 : ops[start].n, nl);
		if (!r)
			r = pfj_buf_adds(out, " @@\n");
		for (size_t j = start; r == 0 && j < end; j++)
			r = emit_line(out, ops[j].kind, ops[j].ln);
		i = end;
	}
	return r;
}

int pfj_diff(const char *label, const char *old, size_t old_len,
	     const char *new, size_t new_len, struct pfj_buf *out)
{
	struct line *a = NULL, *b = NULL;
	size_t na, nb, pre = 0, suf = 0, nops = 0;
	struct op *ops = NULL;
	int r;

	if (old_len == new_len && memcmp(old, new, old_len) == 0)
		return 0;
	if ((r = split(old, old_len, &a, &na)) < 0 || (r = split(new, new_len, &b, &nb)) < 0)
		goto done;
	while (pre < na && pre < nb && same(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && same(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	if (!(ops = malloc((na + nb + 1) * sizeof(*ops)))) {
		r = -ENOMEM;
		goto done;
	}
#define OP(k, oi, ni, l) (ops[nops++] = (struct op){ (k), (oi), (ni), (l) })
	for (size_t i = 0; i < pre; i++)
		OP(' ', i, i, &a[i]);
	if (na - pre - suf == nb - pre - suf) {
		/* same shape: pair lines; a run of changed lines is - then + */
		size_t i = pre;

		while (i < na - suf) {
			size_t j = i;

			if (same(&a[i], &b[i])) {
				OP(' ', i, i, &a[i]);
				i++;
				continue;
			}
			while (j < na - suf && !same(&a[j], &b[j]))
				j++;
			for (size_t k = i; k < j; k++)
				OP('-', k, i, &a[k]);
			for (size_t k = i; k < j; k++)
				OP('+', j, k, &b[k]);
			i = j;
		}
	} else {
		for (size_t k = pre; k < na - suf; k++)
			OP('-', k, pre, &a[k]);
		for (size_t k = pre; k < nb - suf; k++)
			OP('+', na - suf, k, &b[k]);
	}
	for (size_t k = 0; k < suf; k++)
		OP(' ', na - suf + k, nb - suf + k, &a[na - suf + k]);
#undef OP
	r = pfj_buf_printf(out, "--- %s\n+++ %s\n", label, label);
	if (!r)
		r = emit_hunks(ops, nops, out);
done:
	free(ops);
	free(a);
	free(b);
	return r;
}
