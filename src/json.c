/*
 * json.c - write JSON documents for --json.
 *
 * Output is for programs (monitoring, packaging scripts, tests), so it is
 * strict: strings are escaped per RFC 8259 and bytes that are not valid
 * UTF-8 (file names and master.cf text can be anything) are written as
 * \u00XX escapes of the Latin-1 reading, so that the document always parses.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

/* utf8_len - length of a valid UTF-8 sequence at s, or 0 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void put(struct pfj_json *j, const char *s, size_t n)
{
	if (!j->err)
		j->err = pfj_buf_add(&j->buf, s, n);
}

static void puts_(struct pfj_json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* put_string - a quoted, escaped JSON string */
static void put_string(struct pfj_json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];

	put(j, "\"", 1);
	for (size_t i = 0; i < n; ) {
		size_t l;

		switch (p[i]) {
		case '"': puts_(j, "\\\""); i++; continue;
		case '\\': puts_(j, "\\\\"); i++; continue;
		case '\n': puts_(j, "\\n"); i++; continue;
		case '\r': puts_(j, "\\r"); i++; continue;
		case '\t': puts_(j, "\\t"); i++; continue;
		default: break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			puts_(j, esc);
			i++;
			continue;
		}
		l = utf8_len(p + i, n - i);
		if (l == 0) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			puts_(j, esc);
			i++;
			continue;
		}
		put(j, s + i, l);
		i += l;
	}
	put(j, "\"", 1);
}

/* key - separator and "key": for the next value */
static void key(struct pfj_json *j, const char *k)
{
	if (j->depth > 0 && j->need_comma[j->depth])
		put(j, ",", 1);
	if (j->depth > 0)
		j->need_comma[j->depth] = true;
	if (k) {
		put_string(j, k, strlen(k));
		put(j, ":", 1);
	}
}

static void open_(struct pfj_json *j, const char *k, const char *c)
{
	key(j, k);
	puts_(j, c);
	if (j->depth + 1 >= (int)(sizeof(j->need_comma) / sizeof(j->need_comma[0]))) {
		j->err = -E2BIG;
		return;
	}
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct pfj_json *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	puts_(j, c);
}

void pfj_json_obj_begin(struct pfj_json *j, const char *k) { open_(j, k, "{"); }
void pfj_json_obj_end(struct pfj_json *j) { close_(j, "}"); }
void pfj_json_arr_begin(struct pfj_json *j, const char *k) { open_(j, k, "["); }
void pfj_json_arr_end(struct pfj_json *j) { close_(j, "]"); }

void pfj_json_strn(struct pfj_json *j, const char *k, const char *val, size_t len)
{
	key(j, k);
	put_string(j, val, len);
}

void pfj_json_str(struct pfj_json *j, const char *k, const char *val)
{
	if (!val) {
		key(j, k);
		puts_(j, "null");
		return;
	}
	pfj_json_strn(j, k, val, strlen(val));
}

void pfj_json_int(struct pfj_json *j, const char *k, long long val)
{
	char num[32];

	key(j, k);
	snprintf(num, sizeof(num), "%lld", val);
	puts_(j, num);
}

void pfj_json_bool(struct pfj_json *j, const char *k, bool val)
{
	key(j, k);
	puts_(j, val ? "true" : "false");
}

int pfj_json_flush(struct pfj_json *j)
{
	int r = j->err;

	put(j, "\n", 1);
	if (!r && (r = j->err) == 0) {
		if (fwrite(j->buf.data, 1, j->buf.len, stdout) != j->buf.len ||
		    fflush(stdout) != 0)
			r = -EIO;
	}
	pfj_json_free(j);
	return r;
}

void pfj_json_free(struct pfj_json *j)
{
	pfj_buf_free(&j->buf);
	memset(j, 0, sizeof(*j));
}
