/*
 * test_cahash.c - pfj_ca_rehash() against the real "openssl rehash".
 *
 * Certificates and CRLs are made at run time with libcrypto, written to a
 * temporary directory, and the links openssl rehash creates there must be
 * exactly the links pfj_ca_rehash() computes from the same files. The
 * system's /etc/ssl/certs, hashed by update-ca-certificates, is a second
 * reference.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cahash.h"
#include "util.h"

#define OPENSSL_BIN	"/usr/bin/openssl"
#define SYS_CERTS	"/etc/ssl/certs"

/* ---- pfj_ca_is_hash_name table ---- */

struct name_case {
	const char *label;
	const char *name;
	int hash;
};

static const struct name_case name_cases[] = {
	{ "cert link", "5ad8a5d6.0", 1 },
	{ "crl link", "5ad8a5d6.r0", 1 },
	{ "crl link upper R", "5ad8a5d6.R3", 1 },
	{ "upper hex", "5AD8A5D6.12", 1 },
	{ "big suffix", "00000000.255", 1 },
	{ "no suffix", "5ad8a5d6.", 0 },
	{ "r without digits", "5ad8a5d6.r", 0 },
	{ "7 hex digits", "5ad8a5d.0", 0 },
	{ "9 hex digits", "5ad8a5d60.0", 0 },
	{ "non-hex", "5ad8a5g6.0", 0 },
	{ "pem file", "5ad8a5d6.pem", 0 },
	{ "trailing junk", "5ad8a5d6.0~", 0 },
	{ "sign", "5ad8a5d6.+1", 0 },
	{ "space", "5ad8a5d6. 1", 0 },
	{ "plain name", "ISRG_Root_X1.pem", 0 },
	{ "empty", "", 0 },
	{ "double r", "5ad8a5d6.rr0", 0 },
};

static void test_name_case(void **state)
{
	const struct name_case *tc = *state;

	assert_int_equal(pfj_ca_is_hash_name(tc->name), tc->hash);
}

/* ---- generated certificates ---- */

/* One file of the generated CA directory. */
struct gen_file {
	const char *name;
	struct pfj_buf data;
};

/* The generated directory: files in memory. */
struct gen_dir {
	struct gen_file f[32];
	size_t n;
};

/* bio_to_buf - append a memory BIO's contents to b */
static void bio_to_buf(BIO *bio, struct pfj_buf *b)
{
	char *p;
	long len = BIO_get_mem_data(bio, &p);

	assert_true(len >= 0);
	assert_int_equal(pfj_buf_add(b, p, (size_t)len), 0);
	BIO_free(bio);
}

/* new_key - a fresh EC P-256 key */
static EVP_PKEY *new_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(k);
	return k;
}

/* new_name - an X509_NAME with just CN */
static X509_NAME *new_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	assert_non_null(n);
	assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					       (const unsigned char *)cn,
					       -1, -1, 0));
	return n;
}

/* new_cert - a self-signed certificate for CN */
static X509 *new_cert(const char *cn, EVP_PKEY *k, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = new_name(cn);

	assert_non_null(x);
	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30));
	assert_true(X509_set_pubkey(x, k));
	assert_true(X509_set_subject_name(x, n));
	assert_true(X509_set_issuer_name(x, n));
	assert_true(X509_sign(x, k, EVP_sha256()));
	X509_NAME_free(n);
	return x;
}

/* new_crl - an empty CRL issued by CN; offset varies lastUpdate */
static X509_CRL *new_crl(const char *cn, EVP_PKEY *k, long offset)
{
	X509_CRL *c = X509_CRL_new();
	X509_NAME *n = new_name(cn);
	ASN1_TIME *t = ASN1_TIME_new();

	assert_non_null(c);
	assert_non_null(t);
	assert_true(X509_CRL_set_version(c, X509_CRL_VERSION_2));
	assert_true(X509_CRL_set_issuer_name(c, n));
	assert_non_null(X509_gmtime_adj(t, offset));
	assert_true(X509_CRL_set1_lastUpdate(c, t));
	assert_non_null(X509_gmtime_adj(t, offset + 86400L));
	assert_true(X509_CRL_set1_nextUpdate(c, t));
	assert_true(X509_CRL_sign(c, k, EVP_sha256()));
	ASN1_TIME_free(t);
	X509_NAME_free(n);
	return c;
}

/* add_file - a new empty file in the generated directory */
static struct pfj_buf *add_file(struct gen_dir *d, const char *name)
{
	assert_true(d->n < sizeof(d->f) / sizeof(d->f[0]));
	d->f[d->n].name = name;
	return &d->f[d->n++].data;
}

/* add_cert_pem - append one certificate as PEM */
static void add_cert_pem(struct pfj_buf *b, X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_true(PEM_write_bio_X509(bio, x));
	bio_to_buf(bio, b);
}

/* gen_dir_build - the test directory: every case rehash distinguishes */
static void gen_dir_build(struct gen_dir *d)
{
	EVP_PKEY *k1 = new_key(), *k2 = new_key(), *k3 = new_key();
	X509 *alpha = new_cert("Alpha CA", k1, 1);
	X509 *alpha2 = new_cert("Alpha CA", k2, 2);	/* same subject, other key */
	X509 *alpha3 = new_cert("Alpha CA", k3, 3);
	X509 *beta = new_cert("Beta CA", k2, 4);
	X509 *gamma = new_cert("Gamma CA", k3, 5);
	X509 *delta = new_cert("Delta CA", k1, 6);
	X509 *delta2 = new_cert("Delta CA", k2, 7);
	X509_CRL *crl1 = new_crl("Alpha CA", k1, 0);
	X509_CRL *crl2 = new_crl("Alpha CA", k1, -3600);
	struct pfj_buf *b;
	BIO *bio;
	unsigned char *der = NULL;
	int derlen;

	memset(d, 0, sizeof(*d));
	/* "Z-..." sorts before "a..." in strcmp (not strcasecmp) order: .0 */
	add_cert_pem(add_file(d, "a.pem"), alpha);
	add_cert_pem(add_file(d, "Z-alpha.crt"), alpha3);
	add_cert_pem(add_file(d, "dupsubj.cer"), alpha2);
	add_cert_pem(add_file(d, "b.crt"), beta);
	add_cert_pem(add_file(d, "0-copy-of-b.pem"), beta);	/* exact duplicate */
	add_cert_pem(add_file(d, "c.PEM"), gamma);		/* upper-case suffix */
	add_cert_pem(add_file(d, "gamma.txt"), gamma);		/* not a suffix */
	add_cert_pem(add_file(d, "gamma.pem.bak"), gamma);
	b = add_file(d, "two.pem");
	add_cert_pem(b, delta);
	add_cert_pem(b, gamma);
	/* a certificate followed by its key is still one X509_INFO */
	b = add_file(d, "delta-with-key.pem");
	add_cert_pem(b, delta2);
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_PrivateKey(bio, k2, NULL, NULL, 0, NULL, NULL));
	bio_to_buf(bio, b);
	/* a key alone is no certificate */
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_PrivateKey(bio, k2, NULL, NULL, 0, NULL, NULL));
	bio_to_buf(bio, add_file(d, "key.pem"));
	/* CRLs, one of them under a .pem name */
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509_CRL(bio, crl1));
	bio_to_buf(bio, add_file(d, "alpha.crl"));
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509_CRL(bio, crl2));
	bio_to_buf(bio, add_file(d, "alpha-old.pem"));
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509_CRL(bio, crl1));
	bio_to_buf(bio, add_file(d, "alpha-copy.CRL"));		/* duplicate CRL */
	/* DER is not read by rehash */
	derlen = i2d_X509(gamma, &der);
	assert_true(derlen > 0);
	assert_int_equal(pfj_buf_add(add_file(d, "gamma-der.cer"), der, (size_t)derlen), 0);
	OPENSSL_free(der);
	/* junk */
	assert_int_equal(pfj_buf_adds(add_file(d, "garbage.pem"),
				      "-----BEGIN CERTIFICATE-----\nnot base64 !!\n"
				      "-----END CERTIFICATE-----\n"), 0);
	assert_int_equal(pfj_buf_adds(add_file(d, "text.pem"), "hello\n"), 0);
	add_file(d, "empty.crt");
	add_cert_pem(add_file(d, ".pem"), delta);	/* the name is all suffix */

	X509_free(alpha);
	X509_free(alpha2);
	X509_free(alpha3);
	X509_free(beta);
	X509_free(gamma);
	X509_free(delta);
	X509_free(delta2);
	X509_CRL_free(crl1);
	X509_CRL_free(crl2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k3);
}

static void gen_dir_free(struct gen_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		pfj_buf_free(&d->f[i].data);
	d->n = 0;
}

/* gen_rehash - run pfj_ca_rehash on the generated files */
static void gen_rehash(const struct gen_dir *d, struct pfj_ca_result *res)
{
	struct pfj_ca_input in[32];
	char why[256];

	for (size_t i = 0; i < d->n; i++)
		in[i] = (struct pfj_ca_input){ d->f[i].name, d->f[i].data.data,
					       d->f[i].data.len };
	assert_int_equal(pfj_ca_rehash(in, d->n, res, why, sizeof(why)), 0);
}

/* find_link - the link named NAME in a result, or NULL */
static const struct pfj_ca_link *find_link(const struct pfj_ca_result *r,
					   const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->links[i].link, name) == 0)
			return &r->links[i];
	return NULL;
}

/* link_to - copy the name of the link pointing to TARGET into link */
static const char *link_to(const struct pfj_ca_result *r, const char *target,
			   char *link, size_t size)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->links[i].target, target) == 0) {
			snprintf(link, size, "%s", r->links[i].link);
			return link;
		}
	return NULL;
}

/* has_warning - is there a warning starting with PREFIX? */
static int has_warning(const struct pfj_ca_result *r, const char *prefix)
{
	for (size_t i = 0; i < r->warnings.n; i++)
		if (strncmp(r->warnings.v[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

/* The expected structure, independent of openssl rehash. */
static void test_generated_expectations(void **state)
{
	struct gen_dir d;
	struct pfj_ca_result r;
	char l0[32], l1[32], l2[32], lr0[32], lr1[32];

	(void)state;
	gen_dir_build(&d);
	gen_rehash(&d, &r);

	/* Alpha: three different certificates, numbered in strcmp order */
	assert_non_null(link_to(&r, "Z-alpha.crt", l0, sizeof(l0)));
	assert_non_null(link_to(&r, "a.pem", l1, sizeof(l1)));
	assert_non_null(link_to(&r, "dupsubj.cer", l2, sizeof(l2)));
	assert_int_equal(strlen(l0), 10);
	assert_string_equal(l0 + 8, ".0");
	assert_memory_equal(l0, l1, 9);
	assert_string_equal(l1 + 8, ".1");
	assert_memory_equal(l0, l2, 9);
	assert_string_equal(l2 + 8, ".2");
	/* Alpha CRLs: issuer hash, r suffix, own numbering */
	assert_non_null(link_to(&r, "alpha-copy.CRL", lr0, sizeof(lr0)));
	assert_non_null(link_to(&r, "alpha-old.pem", lr1, sizeof(lr1)));
	assert_memory_equal(l0, lr0, 9);
	assert_string_equal(lr0 + 8, ".r0");
	assert_string_equal(lr1 + 8, ".r1");
	assert_null(link_to(&r, "alpha.crl", lr0, sizeof(lr0)));
	assert_true(has_warning(&r, "alpha.crl: skipped, same CRL as alpha-copy.CRL"));
	/* b.crt sorts after 0-copy-of-b.pem, so b.crt is the skipped duplicate */
	assert_non_null(link_to(&r, "0-copy-of-b.pem", l0, sizeof(l0)));
	assert_string_equal(l0 + 8, ".0");
	assert_null(link_to(&r, "b.crt", l0, sizeof(l0)));
	assert_true(has_warning(&r, "b.crt: skipped, same certificate as 0-copy-of-b.pem"));
	assert_non_null(link_to(&r, "c.PEM", l0, sizeof(l0)));
	assert_null(link_to(&r, "gamma.txt", l0, sizeof(l0)));
	assert_null(link_to(&r, "gamma.pem.bak", l0, sizeof(l0)));
	assert_null(link_to(&r, "gamma-der.cer", l0, sizeof(l0)));
	assert_null(link_to(&r, "two.pem", l0, sizeof(l0)));
	assert_true(has_warning(&r, "two.pem: skipped, it holds 2 certificates"));
	assert_null(link_to(&r, "key.pem", l0, sizeof(l0)));
	assert_true(has_warning(&r, "key.pem: skipped, it holds no certificate"));
	assert_null(link_to(&r, "garbage.pem", l0, sizeof(l0)));
	assert_true(has_warning(&r, "garbage.pem: skipped"));
	assert_true(has_warning(&r, "empty.crt: skipped"));
	/* ".pem" and "delta-with-key.pem": Delta CA .0 and .1 */
	assert_non_null(link_to(&r, ".pem", l0, sizeof(l0)));
	assert_string_equal(l0 + 8, ".0");
	assert_non_null(link_to(&r, "delta-with-key.pem", l1, sizeof(l1)));
	assert_string_equal(l1 + 8, ".1");
	/* sorted by link name */
	for (size_t i = 1; i < r.n; i++)
		assert_true(strcmp(r.links[i - 1].link, r.links[i].link) < 0);
	assert_non_null(find_link(&r, l1));

	pfj_ca_result_free(&r);
	gen_dir_free(&d);
}

/* write_all - create DIR/NAME with the given bytes */
static void write_all(const char *dir, const char *name, const void *p, size_t n)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/* read_links - every symlink of DIR as "link -> target", sorted */
static void read_links(const char *dir, struct pfj_strv *out)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	assert_non_null(dp);
	while ((de = readdir(dp))) {
		char path[PATH_MAX], target[PATH_MAX], *s;
		struct stat st;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(lstat(path, &st), 0);
		if (!S_ISLNK(st.st_mode))
			continue;
		n = readlink(path, target, sizeof(target) - 1);
		assert_true(n > 0);
		target[n] = '\0';
		s = pfj_asprintf("%s -> %s", de->d_name, target);
		assert_non_null(s);
		assert_int_equal(pfj_strv_add(out, s), 0);
		free(s);
	}
	closedir(dp);
}

/* cmp_str - qsort order of strings */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* remove_tree - remove the flat temporary directory */
static void remove_tree(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(dp), de->d_name, 0);
	closedir(dp);
	rmdir(dir);
}

/* Same files, same links as the real openssl rehash. */
static void test_generated_vs_openssl(void **state)
{
	char dir[] = "/tmp/pfj-cahash-XXXXXX";
	struct gen_dir d;
	struct pfj_ca_result r;
	struct pfj_strv got = { 0 }, want = { 0 };
	char *cmd;
	int rc;

	(void)state;
	if (access(OPENSSL_BIN, X_OK) != 0)
		skip();
	gen_dir_build(&d);
	gen_rehash(&d, &r);
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < d.n; i++)
		write_all(dir, d.f[i].name, d.f[i].data.data, d.f[i].data.len);
	cmd = pfj_asprintf("%s rehash '%s' >/dev/null 2>&1", OPENSSL_BIN, dir);
	assert_non_null(cmd);
	rc = system(cmd);
	free(cmd);
	assert_true(rc != -1);
	read_links(dir, &want);
	remove_tree(dir);

	for (size_t i = 0; i < r.n; i++) {
		char *s = pfj_asprintf("%s -> %s", r.links[i].link,
				       r.links[i].target);

		assert_non_null(s);
		assert_int_equal(pfj_strv_add(&got, s), 0);
		free(s);
	}
	if (want.n)
		qsort(want.v, want.n, sizeof(*want.v), cmp_str);
	for (size_t i = 0; i < got.n || i < want.n; i++) {
		const char *g = i < got.n ? got.v[i] : "(none)";
		const char *w = i < want.n ? want.v[i] : "(none)";

		if (strcmp(g, w) != 0)
			fail_msg("link %zu: pfj_ca_rehash %s, openssl rehash %s",
				 i, g, w);
	}
	assert_true(got.n >= 9);
	pfj_strv_free(&got);
	pfj_strv_free(&want);
	pfj_ca_result_free(&r);
	gen_dir_free(&d);
}

/* ---- the system CA directory ---- */

/* same_content - do two paths hold the same bytes? */
static int same_content(const char *a, const struct pfj_buf *b)
{
	struct pfj_buf x = { 0 };
	int same;

	if (pfj_read_file(a, 16 << 20, &x) < 0)
		return 0;
	same = x.len == b->len && (x.len == 0 || memcmp(x.data, b->data, x.len) == 0);
	pfj_buf_free(&x);
	return same;
}

/* Every link computed from /etc/ssl/certs' files exists there already. */
static void test_system_certs(void **state)
{
	struct pfj_ca_input *in = NULL;
	struct pfj_buf *data = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct pfj_ca_result r;
	char why[256];
	DIR *dp;
	struct dirent *de;

	(void)state;
	dp = opendir(SYS_CERTS);
	if (!dp)
		skip();
	while ((de = readdir(dp))) {
		char path[PATH_MAX];
		struct stat st;

		if (pfj_ca_is_hash_name(de->d_name) || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", SYS_CERTS, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			data = realloc(data, cap * sizeof(*data));
			assert_non_null(names);
			assert_non_null(data);
		}
		names[n] = strdup(de->d_name);
		assert_non_null(names[n]);
		data[n] = (struct pfj_buf){ 0 };
		assert_int_equal(pfj_read_file(path, 16 << 20, &data[n]), 0);
		n++;
	}
	closedir(dp);
	if (!n) {
		free(names);
		free(data);
		skip();
	}
	in = calloc(n, sizeof(*in));
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (struct pfj_ca_input){ names[i], data[i].data, data[i].len };
	assert_int_equal(pfj_ca_rehash(in, n, &r, why, sizeof(why)), 0);
	assert_true(r.n > 0);

	for (size_t i = 0; i < r.n; i++) {
		char path[PATH_MAX];
		struct stat st;
		size_t j;

		snprintf(path, sizeof(path), "%s/%s", SYS_CERTS, r.links[i].link);
		if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
			fail_msg("%s -> %s: no such link in " SYS_CERTS,
				 r.links[i].link, r.links[i].target);
		for (j = 0; j < n; j++)
			if (strcmp(names[j], r.links[i].target) == 0)
				break;
		assert_true(j < n);
		if (!same_content(path, &data[j]))
			fail_msg("%s: " SYS_CERTS " points elsewhere than %s",
				 r.links[i].link, r.links[i].target);
	}
	pfj_ca_result_free(&r);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		pfj_buf_free(&data[i]);
	}
	free(names);
	free(data);
	free(in);
}

/* ---- input checking ---- */

static void test_bad_inputs(void **state)
{
	static const char pem[] = "x";
	struct pfj_ca_input dup[] = {
		{ "a.pem", pem, 1 }, { "b.pem", pem, 1 }, { "a.pem", pem, 1 },
	};
	struct pfj_ca_input slash[] = { { "sub/a.pem", pem, 1 } };
	struct pfj_ca_input empty[] = { { "", pem, 1 } };
	struct pfj_ca_result r;
	char why[256];

	(void)state;
	assert_int_equal(pfj_ca_rehash(dup, 3, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "a.pem"));
	assert_int_equal(r.n, 0);
	assert_int_equal(pfj_ca_rehash(slash, 1, &r, why, sizeof(why)), -1);
	assert_int_equal(pfj_ca_rehash(empty, 1, &r, why, sizeof(why)), -1);
	/* nothing at all is fine */
	assert_int_equal(pfj_ca_rehash(NULL, 0, &r, why, sizeof(why)), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.warnings.n, 0);
	pfj_ca_result_free(&r);
	/* hash link names and other names are ignored, not read */
	{
		struct pfj_ca_input ign[] = {
			{ "5ad8a5d6.0", pem, 1 }, { "notes.txt", pem, 1 },
			{ "README", pem, 1 },
		};

		assert_int_equal(pfj_ca_rehash(ign, 3, &r, why, sizeof(why)), 0);
		assert_int_equal(r.n, 0);
		assert_int_equal(r.warnings.n, 0);
		pfj_ca_result_free(&r);
	}
}

int main(void)
{
	struct CMUnitTest tests[sizeof(name_cases) / sizeof(name_cases[0]) + 4];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++)
		tests[n++] = (struct CMUnitTest){
			.name = name_cases[i].label,
			.test_func = test_name_case,
			.initial_state = (void *)&name_cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_generated_expectations);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_generated_vs_openssl);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_system_certs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_inputs);
	return _cmocka_run_group_tests("cahash", tests, n, NULL, NULL);
}
