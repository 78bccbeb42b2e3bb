/*
 * manifest.c - format and parse the jail manifest, and hash files for it.
 *
 * The manifest is how later commands know what build put in the jail and
 * where it came from; a wrong reading could make "clean" remove the wrong
 * file or "check" miss a change. So the format (see manifest.h) has one
 * canonical spelling and the parser accepts nothing else: it is written to
 * survive a corrupt or hostile file, with bounded lines, overflow-checked
 * numbers and every failure releasing what was built. No printing, no
 * files: the caller reads and writes the buffer.
 */
#include "config.h"

#include "manifest.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#define MF_MAGIC	"pfjail-manifest "
#define MF_QUOTE_MAX	48

static const char hexu[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

/* Entry keys, as bits of a mask. */
enum {
	K_PATH = 1 << 0, K_MODE = 1 << 1, K_UID = 1 << 2, K_GID = 1 << 3,
	K_SIZE = 1 << 4, K_SHA256 = 1 << 5, K_TARGET = 1 << 6, K_RDEV = 1 << 7,
	K_SOURCE = 1 << 8, K_SRC = 1 << 9,
};

static const char *const key_names[] = {
	"path", "mode", "uid", "gid", "size", "sha256", "target", "rdev",
	"source", "src",
};

#define K_COMMON	(K_PATH | K_MODE | K_UID | K_GID)
#define K_OPTIONAL	(K_SOURCE | K_SRC)

/* type_keys - the keys a type requires (0 for an unknown type) */
static unsigned type_keys(char type)
{
	switch (type) {
	case PFJ_MF_FILE:
		return K_COMMON | K_SIZE | K_SHA256;
	case PFJ_MF_DIR:
		return K_COMMON;
	case PFJ_MF_SYMLINK:
		return K_COMMON | K_TARGET;
	case PFJ_MF_CHARDEV:
		return K_COMMON | K_RDEV;
	}
	return 0;
}

/* is_safe - a byte written as itself in an encoded string */
static int is_safe(unsigned char c, int header)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("._/+@:,-", c)) ||
	       (header && c == '=');
}

/* encode - append s percent-encoded */
static int encode(struct pfj_buf *b, const char *s, int header)
{
	char esc[3] = { '%' };
	const unsigned char *p;
	int r = 0;

	for (p = (const unsigned char *)s; *p && r == 0; p++) {
		if (is_safe(*p, header)) {
			r = pfj_buf_add(b, p, 1);
		} else {
			esc[1] = hexu[*p >> 4];
			esc[2] = hexu[*p & 15];
			r = pfj_buf_add(b, esc, 3);
		}
	}
	return r;
}

/* hexval - value of an upper-case (or, with lower, lower-case) hex digit */
static int hexval(char c, int lower)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (!lower && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (lower && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* decode - s[0..n) percent-decoded into a new string; -EINVAL or -ENOMEM */
static int decode(const char *s, size_t n, int header, char **out)
{
	char *d = malloc(n + 1);
	size_t i, k = 0;
	int hi, lo;

	if (!d)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1], 0)) < 0 ||
			    (lo = hexval(s[i + 2], 0)) < 0 || (hi | lo) == 0)
				goto bad;
			d[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (is_safe((unsigned char)s[i], header)) {
			d[k++] = s[i];
		} else {
			goto bad;
		}
	}
	d[k] = '\0';
	*out = d;
	return 0;
bad:
	free(d);
	return -EINVAL;
}

int pfj_manifest_path_ok(const char *path)
{
	const char *p = path, *c;
	size_t n;

	if (!path || !*path || *path == '/')
		return 0;
	for (;;) {
		c = strchrnul(p, '/');
		n = (size_t)(c - p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!*c)
			return 1;
		p = c + 1;
	}
}

/* chroot_ok - "SERVICE/TYPE=V", V one of y n - */
static int chroot_ok(const char *s)
{
	const char *slash = strchr(s, '/'), *eq = strrchr(s, '=');

	return slash && eq && slash > s && eq > slash + 1 &&
	       eq[1] && !eq[2] && strchr("yn-", eq[1]);
}

/* entry_problem - why *e cannot be stored, or NULL */
static const char *entry_problem(const struct pfj_mf_entry *e)
{
	if (!type_keys(e->type))
		return "unknown type";
	if (!pfj_manifest_path_ok(e->path))
		return "path not normalized";
	if (e->mode > 07777)
		return "mode out of range";
	if (e->type == PFJ_MF_SYMLINK && (!e->target || !*e->target))
		return "symlink without target";
	if (e->src_mtime_nsec < 0 || e->src_mtime_nsec > 999999999)
		return "bad source mtime";
	return NULL;
}

/* format_entry - append one entry line */
static int format_entry(struct pfj_buf *b, const struct pfj_mf_entry *e)
{
	char hex[65];
	int r;

	if ((r = pfj_buf_printf(b, "%c path=", e->type)) < 0 ||
	    (r = encode(b, e->path, 0)) < 0 ||
	    (r = pfj_buf_printf(b, " mode=%04o uid=%u gid=%u", e->mode,
				e->uid, e->gid)) < 0)
		return r;
	switch (e->type) {
	case PFJ_MF_FILE:
		pfj_sha256_hex(e->sha256, hex);
		r = pfj_buf_printf(b, " size=%llu sha256=%s", e->size, hex);
		break;
	case PFJ_MF_SYMLINK:
		if ((r = pfj_buf_adds(b, " target=")) == 0)
			r = encode(b, e->target, 0);
		break;
	case PFJ_MF_CHARDEV:
		r = pfj_buf_printf(b, " rdev=%llu", e->rdev);
		break;
	}
	if (r == 0 && e->source) {
		if ((r = pfj_buf_adds(b, " source=")) == 0 &&
		    (r = encode(b, e->source, 0)) == 0)
			r = pfj_buf_printf(b, " src=%llu:%llu:%llu:%lld.%09ld",
					   e->src_dev, e->src_ino, e->src_size,
					   e->src_mtime_sec, e->src_mtime_nsec);
	}
	return r ? r : pfj_buf_adds(b, "\n");
}

/* format_header - append "KEY VALUE\n" with an encoded value */
static int format_header(struct pfj_buf *b, const char *key, const char *val)
{
	int r;

	if ((r = pfj_buf_printf(b, "%s ", key)) < 0 || (r = encode(b, val, 1)) < 0)
		return r;
	return pfj_buf_adds(b, "\n");
}

int pfj_manifest_format(const struct pfj_manifest *m, struct pfj_buf *out)
{
	size_t len0 = out->len, i;
	int r;

	if ((m->version && m->version != PFJ_MF_VERSION) || !m->jail_root ||
	    m->jail_root[0] != '/' || !m->profile || !m->config_dir)
		return -EINVAL;
	for (i = 0; i < m->chroot.n; i++)
		if (!chroot_ok(m->chroot.v[i]))
			return -EINVAL;
	for (i = 0; i < m->n; i++)
		if (entry_problem(&m->ent[i]) ||
		    (i && strcmp(m->ent[i - 1].path, m->ent[i].path) >= 0))
			return -EINVAL;
	if ((r = pfj_buf_printf(out, MF_MAGIC "%u\n", PFJ_MF_VERSION)) < 0 ||
	    (r = format_header(out, "root", m->jail_root)) < 0 ||
	    (r = format_header(out, "profile", m->profile)) < 0 ||
	    (r = format_header(out, "config_dir", m->config_dir)) < 0 ||
	    (r = pfj_buf_printf(out, "created %lld\n", m->created)) < 0)
		goto fail;
	for (i = 0; i < m->chroot.n; i++)
		if ((r = format_header(out, "chroot", m->chroot.v[i])) < 0)
			goto fail;
	for (i = 0; i < m->n; i++)
		if ((r = format_entry(out, &m->ent[i])) < 0)
			goto fail;
	if ((r = pfj_buf_printf(out, "end %zu\n", m->n)) < 0)
		goto fail;
	return 0;
fail:
	out->len = len0;
	if (out->data)
		out->data[len0] = '\0';
	return r;
}

/* ---- parsing ---- */

struct mf_parser {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned line;
	struct pfj_parse_error *err;
};

/* perr - record an error at the current line; always -1 */
static int perr(struct mf_parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->err)
		return -1;
	ps->err->line = ps->line;
	va_start(ap, fmt);
	vsnprintf(ps->err->reason, sizeof(ps->err->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/* quote - at most MF_QUOTE_MAX bytes of s[0..n), unprintable bytes as '?' */
static const char *quote(char *dst, const char *s, size_t n)
{
	size_t i;

	if (n > MF_QUOTE_MAX)
		n = MF_QUOTE_MAX;
	for (i = 0; i < n; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[i] = '\0';
	return dst;
}

/* next_line - the next '\n'-terminated line; 0 at end, 1 with one, -1 */
static int next_line(struct mf_parser *ps, const char **s, size_t *n)
{
	const char *p = ps->buf + ps->pos, *nl;
	size_t left = ps->len - ps->pos;

	if (left == 0)
		return 0;
	if (ps->line == UINT_MAX)
		return perr(ps, "too many lines");
	ps->line++;
	nl = memchr(p, '\n', left > PFJ_MF_LINE_MAX ? PFJ_MF_LINE_MAX + 1 : left);
	if (!nl)
		return perr(ps, left > PFJ_MF_LINE_MAX ? "line too long" :
			    "missing newline at end of file (truncated?)");
	if (memchr(p, '\0', (size_t)(nl - p)))
		return perr(ps, "NUL byte");
	*s = p;
	*n = (size_t)(nl - p);
	ps->pos += *n + 1;
	return 1;
}

/* parse_u64 - canonical unsigned decimal s[0..n) */
static int parse_u64(const char *s, size_t n, unsigned long long max,
		     unsigned long long *v)
{
	unsigned long long x = 0;
	unsigned d;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (x > (max - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* parse_i64 - canonical signed decimal s[0..n) ("-0" is not canonical) */
static int parse_i64(const char *s, size_t n, long long *v)
{
	unsigned long long x;

	if (n && s[0] == '-') {
		if (parse_u64(s + 1, n - 1, LLONG_MAX, &x) < 0 || x == 0)
			return -1;
		*v = -(long long)x;
		return 0;
	}
	if (parse_u64(s, n, LLONG_MAX, &x) < 0)
		return -1;
	*v = (long long)x;
	return 0;
}

/* parse_src - "DEV:INO:SIZE:MTIME.NSEC" into e */
static int parse_src(const char *s, size_t n, struct pfj_mf_entry *e)
{
	const char *end = s + n, *c;
	unsigned long long *u[3] = { &e->src_dev, &e->src_ino, &e->src_size };
	unsigned long long ns;

	for (int i = 0; i < 3; i++) {
		c = memchr(s, ':', (size_t)(end - s));
		if (!c || parse_u64(s, (size_t)(c - s), ULLONG_MAX, u[i]) < 0)
			return -1;
		s = c + 1;
	}
	c = memchr(s, '.', (size_t)(end - s));
	if (!c || parse_i64(s, (size_t)(c - s), &e->src_mtime_sec) < 0 ||
	    end - (c + 1) != 9)
		return -1;
	ns = 0;
	for (s = c + 1; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		ns = ns * 10 + (unsigned)(*s - '0');
	}
	e->src_mtime_nsec = (long)ns;
	return 0;
}

/* parse_sha - 64 lower-case hex digits */
static int parse_sha(const char *s, size_t n, unsigned char out[32])
{
	int hi, lo;

	if (n != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		if ((hi = hexval(s[2 * i], 1)) < 0 || (lo = hexval(s[2 * i + 1], 1)) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* entry_free - release the strings of one entry */
static void entry_free(struct pfj_mf_entry *e)
{
	free(e->path);
	free(e->target);
	free(e->source);
	e->path = e->target = e->source = NULL;
}

/* parse_field - one KEY=VALUE of an entry line into *e, *seen updated */
static int parse_field(struct mf_parser *ps, const char *s, size_t n,
		       struct pfj_mf_entry *e, unsigned *seen)
{
	const char *eq = memchr(s, '=', n), *v;
	char q[MF_QUOTE_MAX + 1];
	unsigned long long x;
	size_t kl, vl, k;
	char **str;
	int r;

	if (n == 0)
		return perr(ps, "empty field");
	if (!eq)
		return perr(ps, "field \"%s\" without '='", quote(q, s, n));
	kl = (size_t)(eq - s);
	v = eq + 1;
	vl = n - kl - 1;
	for (k = 0; k < sizeof(key_names) / sizeof(key_names[0]); k++)
		if (strlen(key_names[k]) == kl && memcmp(key_names[k], s, kl) == 0)
			break;
	if (k == sizeof(key_names) / sizeof(key_names[0]))
		return perr(ps, "unknown key \"%s\"", quote(q, s, kl));
	if (!((type_keys(e->type) | K_OPTIONAL) & (1u << k)))
		return perr(ps, "key %s not valid for type %c", key_names[k], e->type);
	if (*seen & (1u << k))
		return perr(ps, "duplicate key %s", key_names[k]);
	*seen |= 1u << k;
	switch (1u << k) {
	case K_PATH:
	case K_TARGET:
	case K_SOURCE:
		str = k == 0 ? &e->path : (1u << k) == K_TARGET ? &e->target : &e->source;
		r = decode(v, vl, 0, str);
		if (r == -ENOMEM)
			return perr(ps, "out of memory");
		if (r < 0)
			return perr(ps, "bad encoding in %s", key_names[k]);
		if ((1u << k) == K_PATH && !pfj_manifest_path_ok(e->path))
			return perr(ps, "path not normalized");
		if ((1u << k) == K_TARGET && !*e->target)
			return perr(ps, "empty target");
		return 0;
	case K_MODE:
		if (vl != 4)
			return perr(ps, "bad number in mode");
		x = 0;
		for (size_t i = 0; i < 4; i++) {
			if (v[i] < '0' || v[i] > '7')
				return perr(ps, "bad number in mode");
			x = x * 8 + (unsigned)(v[i] - '0');
		}
		e->mode = (unsigned)x;
		return 0;
	case K_UID:
	case K_GID:
		if (parse_u64(v, vl, UINT_MAX, &x) < 0)
			return perr(ps, "bad number in %s", key_names[k]);
		*((1u << k) == K_UID ? &e->uid : &e->gid) = (unsigned)x;
		return 0;
	case K_SIZE:
	case K_RDEV:
		if (parse_u64(v, vl, ULLONG_MAX, (1u << k) == K_SIZE ? &e->size : &e->rdev) < 0)
			return perr(ps, "bad number in %s", key_names[k]);
		return 0;
	case K_SHA256:
		if (parse_sha(v, vl, e->sha256) < 0)
			return perr(ps, "bad hex in sha256");
		return 0;
	case K_SRC:
		if (parse_src(v, vl, e) < 0)
			return perr(ps, "bad src (want DEV:INO:SIZE:MTIME.NSEC)");
		return 0;
	}
	return perr(ps, "internal error");
}

/* parse_entry - an entry line s[0..n) (type letter and a space checked) */
static int parse_entry(struct mf_parser *ps, const char *s, size_t n,
		       struct pfj_manifest *m)
{
	struct pfj_mf_entry e = { .type = s[0] }, *v;
	const char *p = s + 2, *end = s + n, *sp;
	unsigned seen = 0, need = type_keys(s[0]), missing;
	size_t cap;

	while (p <= end) {
		sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			sp = end;
		if (parse_field(ps, p, (size_t)(sp - p), &e, &seen) < 0)
			goto fail;
		p = sp + 1;
	}
	if ((missing = need & ~seen)) {
		for (unsigned k = 0; k < sizeof(key_names) / sizeof(key_names[0]); k++)
			if (missing & (1u << k)) {
				perr(ps, "missing key %s for type %c", key_names[k], e.type);
				goto fail;
			}
	}
	if (!(seen & K_SOURCE) != !(seen & K_SRC)) {
		perr(ps, "source and src must come together");
		goto fail;
	}
	if (m->n && strcmp(m->ent[m->n - 1].path, e.path) >= 0) {
		perr(ps, strcmp(m->ent[m->n - 1].path, e.path) == 0 ?
		     "duplicate path" : "entries not sorted by path");
		goto fail;
	}
	/* grow by doubling: cap is the next power of two above n */
	if ((m->n & (m->n - 1)) == 0) {
		cap = m->n ? m->n * 2 : 1;
		if (cap > SIZE_MAX / sizeof(*v) || !(v = realloc(m->ent, cap * sizeof(*v)))) {
			perr(ps, "out of memory");
			goto fail;
		}
		m->ent = v;
	}
	m->ent[m->n++] = e;
	return 0;
fail:
	entry_free(&e);
	return -1;
}

/* Header lines: which were seen. */
enum { H_ROOT = 1, H_PROFILE = 2, H_CONFIG = 4, H_CREATED = 8, H_ALL = 15 };

/* parse_header - a header line; 1 if it was one, 0 if not, -1 on error */
static int parse_header(struct mf_parser *ps, const char *s, size_t n,
			struct pfj_manifest *m, unsigned *seen, int in_entries)
{
	static const struct { const char *kw; unsigned bit; } hdr[] = {
		{ "root", H_ROOT }, { "profile", H_PROFILE },
		{ "config_dir", H_CONFIG }, { "created", H_CREATED },
		{ "chroot", 0 },
	};
	const char *v;
	size_t kl, vl, i;
	char *val = NULL, **dst;
	int r;

	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		kl = strlen(hdr[i].kw);
		if (n > kl && s[kl] == ' ' && memcmp(s, hdr[i].kw, kl) == 0)
			break;
	}
	if (i == sizeof(hdr) / sizeof(hdr[0]))
		return 0;
	if (in_entries)
		return perr(ps, "header line %s after entries", hdr[i].kw);
	if (*seen & hdr[i].bit)
		return perr(ps, "duplicate %s line", hdr[i].kw);
	*seen |= hdr[i].bit;
	v = s + kl + 1;
	vl = n - kl - 1;
	if (hdr[i].bit == H_CREATED) {
		if (parse_i64(v, vl, &m->created) < 0)
			return perr(ps, "bad number in created");
		return 1;
	}
	r = decode(v, vl, 1, &val);
	if (r == -ENOMEM)
		return perr(ps, "out of memory");
	if (r < 0)
		return perr(ps, "bad encoding in %s", hdr[i].kw);
	if (hdr[i].bit == 0) {
		if (!chroot_ok(val)) {
			free(val);
			return perr(ps, "bad chroot value (want SERVICE/TYPE=y|n|-)");
		}
		r = pfj_strv_add(&m->chroot, val);
		free(val);
		return r < 0 ? perr(ps, "out of memory") : 1;
	}
	if (hdr[i].bit == H_ROOT && val[0] != '/') {
		free(val);
		return perr(ps, "root is not absolute");
	}
	dst = hdr[i].bit == H_ROOT ? &m->jail_root :
	      hdr[i].bit == H_PROFILE ? &m->profile : &m->config_dir;
	*dst = val;
	return 1;
}

/* missing_header - error for the first required header line not seen */
static int missing_header(struct mf_parser *ps, unsigned seen)
{
	if (!(seen & H_ROOT))
		return perr(ps, "missing root line");
	if (!(seen & H_PROFILE))
		return perr(ps, "missing profile line");
	if (!(seen & H_CONFIG))
		return perr(ps, "missing config_dir line");
	return perr(ps, "missing created line");
}

int pfj_manifest_parse(const char *buf, size_t len, struct pfj_manifest *m,
		       struct pfj_parse_error *err)
{
	struct mf_parser ps = { .buf = buf, .len = len, .err = err };
	unsigned seen = 0;
	unsigned long long cnt;
	const char *s;
	size_t n;
	int r;

	*m = (struct pfj_manifest){ 0 };
	if (err)
		*err = (struct pfj_parse_error){ 0 };
	r = next_line(&ps, &s, &n);
	if (r == 0) {
		ps.line = 1;
		perr(&ps, "empty file");
	}
	if (r <= 0)
		goto fail;
	if (n < sizeof(MF_MAGIC) - 1 || memcmp(s, MF_MAGIC, sizeof(MF_MAGIC) - 1)) {
		perr(&ps, "not a pfjail manifest");
		goto fail;
	}
	if (n != sizeof(MF_MAGIC) || s[n - 1] != '0' + PFJ_MF_VERSION) {
		perr(&ps, "unsupported manifest version");
		goto fail;
	}
	m->version = PFJ_MF_VERSION;
	for (;;) {
		r = next_line(&ps, &s, &n);
		if (r < 0)
			goto fail;
		if (r == 0) {
			ps.line++;
			perr(&ps, "missing end line (truncated?)");
			goto fail;
		}
		if (n > 4 && memcmp(s, "end ", 4) == 0) {
			if (seen != H_ALL) {
				missing_header(&ps, seen);
				goto fail;
			}
			if (parse_u64(s + 4, n - 4, ULLONG_MAX, &cnt) < 0) {
				perr(&ps, "bad number in end");
				goto fail;
			}
			if (cnt != m->n) {
				perr(&ps, "end says %llu entries, found %zu", cnt, m->n);
				goto fail;
			}
			if (ps.pos != ps.len) {
				ps.line++;
				perr(&ps, "data after end line");
				goto fail;
			}
			return 0;
		}
		r = parse_header(&ps, s, n, m, &seen, m->n > 0);
		if (r < 0)
			goto fail;
		if (r > 0)
			continue;
		if (n < 2 || !type_keys(s[0]) || s[1] != ' ') {
			char q[MF_QUOTE_MAX + 1];

			perr(&ps, "unknown record \"%s\"", quote(q, s, n < 8 ? n : 8));
			goto fail;
		}
		if (seen != H_ALL) {
			missing_header(&ps, seen);
			goto fail;
		}
		if (parse_entry(&ps, s, n, m) < 0)
			goto fail;
	}
fail:
	pfj_manifest_free(m);
	return -1;
}

void pfj_manifest_free(struct pfj_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		entry_free(&m->ent[i]);
	free(m->ent);
	free(m->jail_root);
	free(m->profile);
	free(m->config_dir);
	pfj_strv_free(&m->chroot);
	*m = (struct pfj_manifest){ 0 };
}

/* cmp_entry - qsort/bsearch order of entries: strcmp of the paths */
static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct pfj_mf_entry *)a)->path,
		      ((const struct pfj_mf_entry *)b)->path);
}

int pfj_manifest_sort(struct pfj_manifest *m)
{
	if (m->n > 1)
		qsort(m->ent, m->n, sizeof(*m->ent), cmp_entry);
	for (size_t i = 1; i < m->n; i++)
		if (strcmp(m->ent[i - 1].path, m->ent[i].path) == 0)
			return -EEXIST;
	return 0;
}

const struct pfj_mf_entry *pfj_manifest_find(const struct pfj_manifest *m,
					     const char *path)
{
	struct pfj_mf_entry key = { .path = (char *)path };

	if (!m->n || !path)
		return NULL;
	return bsearch(&key, m->ent, m->n, sizeof(*m->ent), cmp_entry);
}

/* dup_or_null - strdup that passes NULL through; -1 on ENOMEM */
static int dup_or_null(const char *s, char **out)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return -1;
	return 0;
}

int pfj_manifest_add(struct pfj_manifest *m, const struct pfj_mf_entry *e)
{
	struct pfj_mf_entry c = *e, *v;

	if (entry_problem(e))
		return -EINVAL;
	if (m->n >= SIZE_MAX / sizeof(*v) - 1)
		return -ENOMEM;
	if (dup_or_null(e->path, &c.path) < 0 ||
	    dup_or_null(e->type == PFJ_MF_SYMLINK ? e->target : NULL, &c.target) < 0 ||
	    dup_or_null(e->source, &c.source) < 0)
		goto nomem;
	v = realloc(m->ent, (m->n + 1) * sizeof(*v));
	if (!v)
		goto nomem;
	m->ent = v;
	m->ent[m->n++] = c;
	return 0;
nomem:
	entry_free(&c);
	return -ENOMEM;
}

void pfj_sha256_hex(const unsigned char in[32], char out[65])
{
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hexl[in[i] >> 4];
		out[2 * i + 1] = hexl[in[i] & 15];
	}
	out[64] = '\0';
}
