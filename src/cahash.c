/*
 * cahash.c - the links "openssl rehash" would make, computed in memory.
 *
 * Postfix opens smtp(d)_tls_CApath after chroot, so the jail needs a copy
 * of that directory with working subject-hash links. Rather than running
 * a program, pfjail computes the links with libcrypto, mirroring
 * apps/rehash.c of OpenSSL 3.0 (checked against openssl rehash 3.0):
 *
 *  - Directory entries are visited in strcmp() order of their names.
 *  - Only names whose last '.' is followed by pem, crt, cer or crl (any
 *    case) are read; a symlink with a hash name (HASH.N, HASH.rN) is an
 *    old link and never read as a file.
 *  - A file is read with PEM_X509_INFO_read_bio(); it must yield exactly
 *    one X509_INFO, else it is skipped (rehash warns "does not contain
 *    exactly one certificate or CRL"). A private key next to a single
 *    certificate is part of the same X509_INFO, so such a file counts.
 *    Unreadable PEM and DER files are skipped silently by rehash.
 *  - Certificates are hashed by subject, CRLs by issuer, with
 *    X509_NAME_hash_ex() (the new-style SHA-1 hash, rehash's default).
 *    Certificates and CRLs live in separate buckets (HASH.N vs HASH.rN).
 *  - Within a bucket, an entry whose SHA-1 fingerprint (X509_digest /
 *    X509_CRL_digest) equals an earlier one is skipped with a warning;
 *    otherwise it gets the next free suffix, 0, 1, 2, ... in visit order,
 *    at most 256 per bucket.
 *  - Old hash links whose target still needs a link keep their number in
 *    rehash; all others are removed. pfjail always builds the jail copy
 *    without hash links, so this module computes the fresh-directory
 *    result and ignores hash-named inputs. (rehash's own test is looser,
 *    strtoul() also takes "HASH.", "HASH.r", "HASH.+1"; none of those
 *    ends in a rehash suffix, so the links computed are the same.)
 *
 * The module reads no files, prints nothing and keeps no global state
 * (libcrypto is loaded on first use, see crypto.c).  libcrypto errors it
 * causes are popped from the thread's error queue.
 */
#include "config.h"

#include "cahash.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"

/* rehash's MAX_COLLISIONS: links per hash and type. */
#define CA_MAX_COLLISIONS	256
/* SHA-1 fingerprint size. */
#define CA_MD_SIZE		20

/* A file that got a hash: what its link is made of. */
struct ca_entry {
	const char *name;		/* input name, not owned */
	unsigned long hash;
	int crl;			/* 1 for a CRL (HASH.rN) */
	unsigned id;			/* the N of HASH.N */
	unsigned char md[CA_MD_SIZE];
};

/* Working state of one pfj_ca_rehash() call. */
struct ca_state {
	const struct pfj_crypto *c;
	struct ca_entry *ent;
	size_t nent;
	struct pfj_ca_result *out;
	char *why;
	size_t why_size;
};

/* ca_fail - set why and return -1 */
static int ca_fail(struct ca_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ca_fail(struct ca_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->why && st->why_size) {
		va_start(ap, fmt);
		vsnprintf(st->why, st->why_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ca_warn - record a warning about a skipped file; 0 or -1 */
static int ca_warn(struct ca_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ca_warn(struct ca_state *st, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ca_fail(st, "out of memory");
	r = pfj_strv_add(&st->out->warnings, s);
	free(s);
	return r < 0 ? ca_fail(st, "out of memory") : 0;
}

/* ca_has_extension - does NAME end in a suffix rehash reads? */
static int ca_has_extension(const char *name)
{
	static const char *const ext[] = { "pem", "crt", "cer", "crl" };
	const char *dot = strrchr(name, '.');

	if (!dot)
		return 0;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcasecmp(dot + 1, ext[i]) == 0)
			return 1;
	return 0;
}

int pfj_ca_is_hash_name(const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < 8; i++)
		if (!(name[i] >= '0' && name[i] <= '9') &&
		    !(name[i] >= 'a' && name[i] <= 'f') &&
		    !(name[i] >= 'A' && name[i] <= 'F'))
			return 0;
	if (name[i++] != '.')
		return 0;
	if (name[i] == 'r' || name[i] == 'R')
		i++;
	if (!name[i])
		return 0;
	for (; name[i]; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 1;
}

/* cmp_input_name - qsort order of input pointers: strcmp of names */
static int cmp_input_name(const void *a, const void *b)
{
	const struct pfj_ca_input *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* cmp_link - qsort order of links: strcmp of link names */
static int cmp_link(const void *a, const void *b)
{
	const struct pfj_ca_link *x = a, *y = b;

	return strcmp(x->link, y->link);
}

/* plural - "1 certificate", "2 certificates" into buf */
static const char *plural(char *buf, size_t size, int n, const char *what)
{
	snprintf(buf, size, "%d %s%s", n, what, n == 1 ? "" : "s");
	return buf;
}

/* ca_describe_skip - warn that NAME does not hold exactly one cert or CRL */
static int ca_describe_skip(struct ca_state *st, const char *name,
			    STACK_OF(X509_INFO) *inf)
{
	const struct pfj_crypto *c = st->c;
	int certs = 0, crls = 0;
	char a[48], b[48];

	for (int i = 0; i < c->OPENSSL_sk_num(ossl_check_const_X509_INFO_sk_type(inf)); i++) {
		const X509_INFO *xi = c->OPENSSL_sk_value(ossl_check_const_X509_INFO_sk_type(inf), i);

		if (xi->x509)
			certs++;
		if (xi->crl)
			crls++;
	}
	if (certs + crls == 0)
		return ca_warn(st, "%s: skipped, it holds no certificate or CRL",
			       name);
	if (crls == 0)
		return ca_warn(st, "%s: skipped, it holds %s", name,
			       plural(a, sizeof(a), certs, "certificate"));
	if (certs == 0)
		return ca_warn(st, "%s: skipped, it holds %s", name,
			       plural(a, sizeof(a), crls, "CRL"));
	return ca_warn(st, "%s: skipped, it holds %s and %s", name,
		       plural(a, sizeof(a), certs, "certificate"),
		       plural(b, sizeof(b), crls, "CRL"));
}

/* ca_add - file the hashed entry in its bucket or skip it as duplicate */
static int ca_add(struct ca_state *st, const struct ca_entry *e)
{
	unsigned used = 0;

	for (size_t i = 0; i < st->nent; i++) {
		const struct ca_entry *o = &st->ent[i];

		if (o->crl != e->crl || o->hash != e->hash)
			continue;
		if (memcmp(o->md, e->md, CA_MD_SIZE) == 0)
			return ca_warn(st, "%s: skipped, same %s as %s",
				       e->name, e->crl ? "CRL" : "certificate",
				       o->name);
		used++;
	}
	if (used >= CA_MAX_COLLISIONS)
		return ca_warn(st, "%s: skipped, already %d %s with hash %08lx",
			       e->name, CA_MAX_COLLISIONS,
			       e->crl ? "CRLs" : "certificates", e->hash);
	st->ent[st->nent] = *e;
	st->ent[st->nent++].id = used;
	return 0;
}

/* ca_do_file - hash one candidate file like rehash's do_file(); 0 or -1 */
static int ca_do_file(struct ca_state *st, const struct pfj_ca_input *in)
{
	const struct pfj_crypto *c = st->c;
	STACK_OF(X509_INFO) *inf = NULL;
	const X509_INFO *xi;
	const X509_NAME *xn;
	struct ca_entry e = { .name = in->name };
	unsigned int mdlen = 0;
	int ok = 0, r = -1;
	BIO *bio;

	if (in->len > INT_MAX)
		return ca_warn(st, "%s: skipped, it is too large", in->name);
	bio = c->BIO_new_mem_buf(in->len ? in->data : "", (int)in->len);
	if (!bio)
		return ca_fail(st, "out of memory");
	inf = c->PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	c->BIO_free(bio);
	if (!inf) {
		r = ca_warn(st, "%s: skipped, it is not PEM data OpenSSL can read",
			    in->name);
		goto out;
	}
	if (c->OPENSSL_sk_num(ossl_check_const_X509_INFO_sk_type(inf)) != 1) {
		r = ca_describe_skip(st, in->name, inf);
		goto out;
	}
	xi = c->OPENSSL_sk_value(ossl_check_const_X509_INFO_sk_type(inf), 0);
	if (xi->x509) {
		xn = c->X509_get_subject_name(xi->x509);
		if (!c->X509_digest(xi->x509, c->EVP_sha1(), e.md, &mdlen)) {
			r = ca_fail(st, "%s: cannot compute the SHA-1 fingerprint",
				    in->name);
			goto out;
		}
	} else if (xi->crl) {
		e.crl = 1;
		xn = c->X509_CRL_get_issuer(xi->crl);
		if (!c->X509_CRL_digest(xi->crl, c->EVP_sha1(), e.md, &mdlen)) {
			r = ca_fail(st, "%s: cannot compute the SHA-1 fingerprint",
				    in->name);
			goto out;
		}
	} else {
		r = ca_describe_skip(st, in->name, inf);
		goto out;
	}
	if (mdlen != CA_MD_SIZE) {
		r = ca_fail(st, "%s: unexpected fingerprint size %u", in->name,
			    mdlen);
		goto out;
	}
	if (!xn) {
		/* rehash makes no link when the name is missing */
		r = 0;
		goto out;
	}
	e.hash = c->X509_NAME_hash_ex(xn, NULL, NULL, &ok) & 0xffffffffUL;
	if (!ok) {
		r = ca_fail(st, "%s: cannot compute the SHA-1 name hash",
			    in->name);
		goto out;
	}
	r = ca_add(st, &e);
out:
	if (inf)
		c->OPENSSL_sk_pop_free(ossl_check_X509_INFO_sk_type(inf),
				       ossl_check_X509_INFO_freefunc_type(c->X509_INFO_free));
	return r;
}

/* ca_check_inputs - names must be plain, non-empty and unique */
static int ca_check_inputs(struct ca_state *st,
			   const struct pfj_ca_input **sorted, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pfj_ca_input *in = sorted[i];

		if (!*in->name || strchr(in->name, '/') ||
		    strcmp(in->name, ".") == 0 || strcmp(in->name, "..") == 0)
			return ca_fail(st, "\"%s\" is not a plain file name",
				       in->name);
		if (in->len && !in->data)
			return ca_fail(st, "%s: no data", in->name);
		if (i && strcmp(sorted[i - 1]->name, in->name) == 0)
			return ca_fail(st, "%s: given twice", in->name);
	}
	return 0;
}

/* ca_make_links - turn the entries into the sorted result; 0 or -1 */
static int ca_make_links(struct ca_state *st)
{
	struct pfj_ca_result *out = st->out;

	if (!st->nent)
		return 0;
	out->links = calloc(st->nent, sizeof(*out->links));
	if (!out->links)
		return ca_fail(st, "out of memory");
	for (size_t i = 0; i < st->nent; i++) {
		const struct ca_entry *e = &st->ent[i];
		struct pfj_ca_link *l = &out->links[out->n];

		l->link = pfj_asprintf("%08lx.%s%u", e->hash, e->crl ? "r" : "",
				       e->id);
		l->target = strdup(e->name);
		out->n++;
		if (!l->link || !l->target)
			return ca_fail(st, "out of memory");
	}
	qsort(out->links, out->n, sizeof(*out->links), cmp_link);
	return 0;
}

int pfj_ca_rehash(const struct pfj_ca_input *in, size_t n,
		  struct pfj_ca_result *out, char *why, size_t why_size)
{
	struct ca_state st = { .out = out, .why = why, .why_size = why_size };
	const struct pfj_ca_input **sorted = NULL;
	int r = -1;

	*out = (struct pfj_ca_result){ 0 };
	if (!(st.c = pfj_crypto_load(why, why_size)))
		return -1;
	if (n && !in)
		return ca_fail(&st, "no inputs");
	for (size_t i = 0; i < n; i++)
		if (!in[i].name)
			return ca_fail(&st, "input %zu has no name", i);
	if (n) {
		sorted = calloc(n, sizeof(*sorted));
		st.ent = calloc(n, sizeof(*st.ent));
		if (!sorted || !st.ent) {
			ca_fail(&st, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = &in[i];
	if (n)
		qsort(sorted, n, sizeof(*sorted), cmp_input_name);
	if (ca_check_inputs(&st, sorted, n) < 0)
		goto out;

	st.c->ERR_set_mark();
	for (size_t i = 0; i < n; i++) {
		if (!ca_has_extension(sorted[i]->name) ||
		    pfj_ca_is_hash_name(sorted[i]->name))
			continue;
		if (ca_do_file(&st, sorted[i]) < 0) {
			st.c->ERR_pop_to_mark();
			goto out;
		}
	}
	st.c->ERR_pop_to_mark();
	r = ca_make_links(&st);
out:
	if (r < 0)
		pfj_ca_result_free(out);
	free(st.ent);
	free(sorted);
	return r;
}

void pfj_ca_result_free(struct pfj_ca_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->links[i].link);
		free(r->links[i].target);
	}
	free(r->links);
	r->links = NULL;
	r->n = 0;
	pfj_strv_free(&r->warnings);
}
