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
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "crypto.h"

#define PFJ_STR2(x) #x
#define PFJ_STR(x) PFJ_STR2(x)

#define PFJ_CRYPTO_SONAME "libcrypto.so." PFJ_STR(OPENSSL_SHLIB_VERSION)

const char pfj_crypto_soname[] = PFJ_CRYPTO_SONAME;

/*
 * The dependency, declared for packaging tools: an ELF note in the
 * freedesktop "dlopen metadata" format (section .note.dlopen, owner "FDO",
 * type 0x407c0c0a, a JSON array), which dpkg's dh_dlopenlibdeps, RPM's
 * dependency generators and "systemd-analyze inspect-elf" read, so that
 * packages depend on libcrypto although it is not linked.
 */
#define PFJ_DLOPEN_JSON \
	"[{\"feature\":\"crypto\",\"description\":\"SHA-256 of jail files, OpenSSL CA " \
	"subject hashes, certificates and DH parameters\",\"priority\":\"required\"," \
	"\"soname\":[\"" PFJ_CRYPTO_SONAME "\"]}]"

__attribute__((used, section(".note.dlopen"))) _Alignas(4) static const struct {
	struct {
		uint32_t n_namesz, n_descsz, n_type;
	} nhdr;
	char name[sizeof("FDO")];
	_Alignas(4) char json[sizeof(PFJ_DLOPEN_JSON)];
} pfj_dlopen_note = {
	.nhdr = { .n_namesz = sizeof("FDO"), .n_descsz = sizeof(PFJ_DLOPEN_JSON), .n_type = 0x407c0c0a },
	.name = "FDO",
	.json = PFJ_DLOPEN_JSON,
};

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
