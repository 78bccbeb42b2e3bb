/*
 * crypto.c - load libcrypto on first use.
 *
 * The soname comes from the headers pfjail was compiled with
 * (OPENSSL_SHLIB_VERSION), so the library loaded is the one the types in
 * crypto.h describe; it is found the way the dynamic linker would find a
 * DT_NEEDED entry.  libcrypto is initialised without reading openssl.cnf
 * (pfjail only computes SHA-256 and certificate name hashes, which no
 * configuration changes) and without an exit handler: its clean-up at exit
 * would only free memory the kernel is about to reclaim.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "crypto.h"

#define PFJ_STR2(x) #x
#define PFJ_STR(x) PFJ_STR2(x)

const char pfj_crypto_soname[] = "libcrypto.so." PFJ_STR(OPENSSL_SHLIB_VERSION);

static struct pfj_crypto fns;
static const struct pfj_crypto *loaded;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load_once(void)
{
	void *h = dlopen(pfj_crypto_soname, RTLD_NOW | RTLD_LOCAL);
	void *sym;

	if (!h) {
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s",
			 pfj_crypto_soname, dlerror());
		return;
	}
#define PFJ_CRYPTO_LOOKUP(f) \
	if (!(sym = dlsym(h, #f))) { \
		snprintf(load_error, sizeof(load_error), "%s: no symbol %s", \
			 pfj_crypto_soname, #f); \
		goto fail; \
	} \
	memcpy(&fns.f, &sym, sizeof(fns.f));
	PFJ_CRYPTO_FUNCS(PFJ_CRYPTO_LOOKUP)
#undef PFJ_CRYPTO_LOOKUP
	if (fns.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT,
				    NULL) != 1) {
		snprintf(load_error, sizeof(load_error), "%s: initialisation failed",
			 pfj_crypto_soname);
		goto fail;
	}
	if (!(fns.sha256 = fns.EVP_MD_fetch(NULL, "SHA256", NULL))) {
		snprintf(load_error, sizeof(load_error), "%s: no SHA-256 implementation",
			 pfj_crypto_soname);
		goto fail;
	}
	loaded = &fns;	/* the handle stays open for the life of the process */
	return;
fail:
	dlclose(h);
}

const struct pfj_crypto *pfj_crypto_load(char *why, size_t why_size)
{
	pthread_once(&once, load_once);
	if (!loaded && why && why_size)
		snprintf(why, why_size, "%s", load_error);
	return loaded;
}
