/*
 * aliases.c - read and edit aliases(5) files the way postalias reads them.
 *
 * postalias reads logical lines (readlline: a line starting with blank
 * space continues the previous one; blank lines and lines whose first
 * non-blank character is '#' are skipped and do not end an entry), splits
 * each at the first ':' that is not inside a quoted string, skips entries
 * without a key or a value, with a ',' in the key, or with a non-local key,
 * and stores the unquoted key folded to lower case.  On duplicate keys the
 * first one wins.  The editor changes as few bytes as it can: the value
 * part of root's first line, and the continuation lines of that entry.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"

struct pline {
	size_t start, end;	/* [start, end) without the line end */
	size_t next;		/* start of the following line */
};

/* next_line - one physical line; 0 at the end of the buffer */
static int next_line(const char *buf, size_t len, size_t *pos, struct pline *pl)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	pl->start = *pos;
	nl = memchr(buf + *pos, '\n', len - *pos);
	pl->next = nl ? (size_t)(nl - buf) + 1 : len;
	pl->end = nl ? (size_t)(nl - buf) : len;
	if (pl->end > pl->start && buf[pl->end - 1] == '\r')
		pl->end--;
	*pos = pl->next;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* skipped - empty, blank, or a comment line */
static int skipped(const char *buf, const struct pline *pl)
{
	size_t i = pl->start;

	while (i < pl->end && is_blank(buf[i]))
		i++;
	return i == pl->end || buf[i] == '#';
}

/* find_colon - the first ':' outside a quoted string in [s, e), or NULL */
static const char *find_colon(const char *s, const char *e)
{
	int quoted = 0;

	for (; s < e; s++) {
		if (quoted && *s == '\\' && s + 1 < e) {
			s++;
			continue;
		}
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == ':')
			return s;
	}
	return NULL;
}

/* make_key - unquote and fold; NULL for a key postalias would refuse */
static char *make_key(const char *s, size_t n)
{
	char *k, *d;
	int quoted = 0;

	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	if (!n || !(k = malloc(n + 1)))
		return NULL;
	d = k;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && c == '\\' && i + 1 < n) {
			*d++ = s[++i];
			continue;
		}
		if (!quoted && (c == ',' || c == '@' || c == '%')) {
			free(k);
			return NULL;	/* a list or a non-local name: not a key */
		}
		*d++ = (char)tolower((unsigned char)c);
	}
	*d = '\0';
	if (!*k) {
		free(k);
		return NULL;
	}
	return k;
}

/* collapse - the value as one line: runs of blank space become one space */
static char *collapse(const char *s, size_t n)
{
	char *v = malloc(n + 1), *d = v;

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (is_blank(s[i])) {
			while (i + 1 < n && is_blank(s[i + 1]))
				i++;
			*d++ = ' ';
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	return v;
}

/* add_entry - one logical line */
static int add_entry(struct pfj_aliases *a, const char *buf, const struct pline *lines,
		     size_t nl, unsigned first_lineno, unsigned last_lineno)
{
	struct pfj_buf text = { 0 };
	const char *colon;
	struct pfj_alias *e, *v;
	size_t first_len = lines[0].end - lines[0].start;
	char *key;
	int r = 0;

	for (size_t i = 0; i < nl && r == 0; i++)
		r = pfj_buf_add(&text, buf + lines[i].start, lines[i].end - lines[i].start);
	if (r < 0 || !text.data)
		return r;
	colon = find_colon(text.data, text.data + text.len);
	if (!colon) {
		pfj_buf_free(&text);
		return 0;	/* postalias: "need name:value pair" */
	}
	key = make_key(text.data, (size_t)(colon - text.data));
	{
		const char *vs = colon + 1, *ve = text.data + text.len;

		while (vs < ve && is_blank(*vs))
			vs++;
		while (ve > vs && is_blank(ve[-1]))
			ve--;
		if (!key || vs == ve) {
			free(key);
			pfj_buf_free(&text);
			return 0;
		}
		if (!(v = realloc(a->ent, (a->n + 1) * sizeof(*v)))) {
			free(key);
			pfj_buf_free(&text);
			return -ENOMEM;
		}
		a->ent = v;
		e = &a->ent[a->n];
		memset(e, 0, sizeof(*e));
		e->key = key;
		e->value = collapse(vs, (size_t)(ve - vs));
	}
	e->first_line = first_lineno;
	e->last_line = last_lineno;
	e->start = lines[0].start;
	e->first_eol = lines[0].end;
	if ((size_t)(colon - text.data) < first_len) {
		size_t vs = lines[0].start + (size_t)(colon - text.data) + 1;

		while (vs < lines[0].end && (buf[vs] == ' ' || buf[vs] == '\t'))
			vs++;
		e->value_start = vs;
	} else {
		e->value_start = (size_t)-1;	/* the colon is on a later line */
	}
	if (nl > 1) {
		e->cont_start = malloc((nl - 1) * sizeof(size_t));
		e->cont_end = malloc((nl - 1) * sizeof(size_t));
		if (!e->cont_start || !e->cont_end) {
			free(e->cont_start);
			free(e->cont_end);
			free(e->key);
			free(e->value);
			pfj_buf_free(&text);
			return -ENOMEM;
		}
		for (size_t i = 1; i < nl; i++) {
			e->cont_start[i - 1] = lines[i].start;
			e->cont_end[i - 1] = lines[i].next;
		}
		e->ncont = nl - 1;
	}
	pfj_buf_free(&text);
	if (!e->value) {
		free(e->key);
		free(e->cont_start);
		free(e->cont_end);
		return -ENOMEM;
	}
	a->n++;
	return 0;
}

int pfj_aliases_parse(const char *buf, size_t len, struct pfj_aliases *out)
{
	struct pline *cur = NULL, pl;
	size_t ncur = 0, cap = 0, pos = 0;
	unsigned lineno = 0, first = 0, last = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	{
		const char *nl = memchr(buf, '\n', len);

		out->crlf = nl && nl > buf && nl[-1] == '\r';
	}
	while (r == 0 && next_line(buf, len, &pos, &pl)) {
		lineno++;
		if (skipped(buf, &pl))
			continue;	/* does not end an entry */
		if (is_blank(buf[pl.start])) {
			if (!ncur)
				continue;	/* postalias drops a continuation with nothing before it */
		} else {
			if (ncur)
				r = add_entry(out, buf, cur, ncur, first, last);
			ncur = 0;
			first = lineno;
		}
		if (ncur == cap) {
			struct pline *v = realloc(cur, (cap ? cap * 2 : 8) * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				break;
			}
			cur = v;
			cap = cap ? cap * 2 : 8;
		}
		cur[ncur++] = pl;
		last = lineno;
	}
	if (r == 0 && ncur)
		r = add_entry(out, buf, cur, ncur, first, last);
	free(cur);
	if (r < 0)
		pfj_aliases_free(out);
	return r;
}

void pfj_aliases_free(struct pfj_aliases *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->ent[i].key);
		free(a->ent[i].value);
		free(a->ent[i].cont_start);
		free(a->ent[i].cont_end);
	}
	free(a->ent);
	memset(a, 0, sizeof(*a));
}

const struct pfj_alias *pfj_aliases_find(const struct pfj_aliases *a, const char *key,
					 size_t *dups)
{
	const struct pfj_alias *found = NULL;

	if (dups)
		*dups = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->ent[i].key, key) != 0)
			continue;
		if (!found)
			found = &a->ent[i];
		else if (dups)
			(*dups)++;
	}
	return found;
}

int pfj_alias_targets(const char *value, struct pfj_strv *out)
{
	const char *s = value;

	while (*s) {
		const char *e = s;
		int quoted = 0;
		char *t;
		size_t n;

		for (; *e && (quoted || *e != ','); e++) {
			if (quoted && *e == '\\' && e[1]) {
				e++;
				continue;
			}
			if (*e == '"')
				quoted = !quoted;
		}
		while (s < e && is_blank(*s))
			s++;
		n = (size_t)(e - s);
		while (n && is_blank(s[n - 1]))
			n--;
		if (n) {
			if (!(t = strndup(s, n)) || pfj_strv_add(out, t) < 0) {
				free(t);
				return -ENOMEM;
			}
			free(t);
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

int pfj_aliases_set_root(const char *buf, size_t len, const struct pfj_aliases *a,
			 const char *user, struct pfj_buf *out)
{
	const struct pfj_alias *e = pfj_aliases_find(a, "root", NULL);
	const char *eol = a->crlf ? "\r\n" : "\n";
	size_t pos = 0;
	int r = 0;

	if (!e) {
		/* append, after a line end if the file lacks its final one */
		r = pfj_buf_add(out, buf, len);
		if (!r && len && buf[len - 1] != '\n')
			r = pfj_buf_adds(out, eol);
		if (!r)
			r = pfj_buf_printf(out, "root:\t%s%s", user, eol);
		return r;
	}
	if (e->value_start == (size_t)-1) {
		/* odd layout: the whole first line becomes the entry */
		r = pfj_buf_add(out, buf, e->start);
		if (!r)
			r = pfj_buf_printf(out, "root:\t%s", user);
		pos = e->first_eol;
	} else {
		r = pfj_buf_add(out, buf, e->value_start);
		if (!r && e->value_start > 0 && buf[e->value_start - 1] == ':')
			r = pfj_buf_adds(out, " ");
		if (!r)
			r = pfj_buf_adds(out, user);
		pos = e->first_eol;
	}
	/* keep what lies between continuation lines (comments), drop the lines */
	for (size_t i = 0; !r && i < e->ncont; i++) {
		r = pfj_buf_add(out, buf + pos, e->cont_start[i] - pos);
		pos = e->cont_end[i];
	}
	if (!r) {
		if (e->ncont && pos > 0 && buf[pos - 1] != '\n') {
			/* the last continuation line had no line end: neither does the file now */
			size_t keep = out->len;

			while (keep > 0 && (out->data[keep - 1] == '\n' || out->data[keep - 1] == '\r'))
				keep--;
			out->len = keep;
			out->data[keep] = '\0';
		}
		r = pfj_buf_add(out, buf + pos, len - pos);
	}
	return r;
}
