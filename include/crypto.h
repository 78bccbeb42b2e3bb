/*
 * crypto.h - libcrypto, loaded the first time pfjail needs it.
 *
 * Mapping and relocating libcrypto costs about half a millisecond, more
 * than the rest of pfjail's start-up; most runs (a no-op build, most
 * hooks) never hash anything.  So pfjail does not link libcrypto: the few
 * functions it uses are looked up with dlopen/dlsym on first use, typed
 * from OpenSSL's own headers so that the compiler still checks each call.
 */
#ifndef PFJ_CRYPTO_H
#define PFJ_CRYPTO_H

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define PFJ_CRYPTO_FUNCS(X) \
	X(OPENSSL_init_crypto) \
	X(EVP_MD_fetch) \
	X(EVP_Digest) \
	X(EVP_MD_CTX_new) \
	X(EVP_MD_CTX_free) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_DigestFinal_ex) \
	X(EVP_sha1) \
	X(BIO_new_mem_buf) \
	X(BIO_free) \
	X(PEM_X509_INFO_read_bio) \
	X(OPENSSL_sk_num) \
	X(OPENSSL_sk_value) \
	X(OPENSSL_sk_pop_free) \
	X(X509_INFO_free) \
	X(X509_get_subject_name) \
	X(X509_digest) \
	X(X509_CRL_get_issuer) \
	X(X509_CRL_digest) \
	X(X509_NAME_hash_ex) \
	X(ERR_set_mark) \
	X(ERR_pop_to_mark) \
	X(PEM_read_bio_Parameters) \
	X(PEM_read_bio_X509) \
	X(X509_free) \
	X(X509_get0_pubkey) \
	X(X509_get_issuer_name) \
	X(X509_NAME_oneline) \
	X(X509_get0_notAfter) \
	X(X509_cmp_current_time) \
	X(X509_check_issued) \
	X(EVP_PKEY_get_bits) \
	X(EVP_PKEY_get_base_id) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_CTX_new_from_name) \
	X(EVP_PKEY_CTX_free) \
	X(EVP_PKEY_paramgen_init) \
	X(EVP_PKEY_CTX_set_group_name) \
	X(EVP_PKEY_paramgen) \
	X(EVP_PKEY_get_bn_param) \
	X(BN_bin2bn) \
	X(BN_cmp) \
	X(BN_free) \
	X(BN_num_bits)

/* The functions, once pfj_crypto_load() has succeeded. */
struct pfj_crypto {
#define PFJ_CRYPTO_MEMBER(f) __typeof__(&f) f;
	PFJ_CRYPTO_FUNCS(PFJ_CRYPTO_MEMBER)
#undef PFJ_CRYPTO_MEMBER
	EVP_MD *sha256;		/* fetched once: an implicit fetch per call is slow in OpenSSL 3 */
};

/*
 * Load libcrypto (once per process; safe from several threads) and return
 * its functions, or NULL with the reason (the library's name and dlerror)
 * in why.
 */
const struct pfj_crypto *pfj_crypto_load(char *why, size_t why_size);

/* The library pfjail loads, e.g. "libcrypto.so.3". */
extern const char pfj_crypto_soname[];

#endif
