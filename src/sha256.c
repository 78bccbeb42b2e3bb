/*
 * sha256.c - SHA-256 of a buffer or a file, with libcrypto.
 *
 * Kept apart from the manifest parser so that programs which only read
 * manifests (the supervisor) never load libcrypto.  libcrypto itself is
 * loaded on the first hash (crypto.c); when it cannot be, the functions
 * fail with -ELIBACC and pfj_crypto_load() tells why.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto.h"
#include "manifest.h"

/* on the stack: no allocation (and no fresh pages to fault in) per file */
#define MF_HASH_CHUNK	(128 * 1024)

int pfj_sha256_buf(const void *data, size_t len, unsigned char out[32])
{
	const struct pfj_crypto *c = pfj_crypto_load(NULL, 0);
	unsigned int n = 0;

	if (!c)
		return -ELIBACC;
	if (c->EVP_Digest(data, len, out, &n, c->sha256, NULL) != 1 || n != 32)
		return -EIO;
	return 0;
}

int pfj_sha256_fd(int fd, unsigned char out[32], unsigned long long *size)
{
	const struct pfj_crypto *c = pfj_crypto_load(NULL, 0);
	unsigned long long total = 0;
	unsigned int mdlen = 0;
	unsigned char chunk[MF_HASH_CHUNK];
	EVP_MD_CTX *ctx;
	ssize_t n;
	int r = 0;

	if (!c)
		return -ELIBACC;
	ctx = c->EVP_MD_CTX_new();
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	if (c->EVP_DigestInit_ex(ctx, c->sha256, NULL) != 1) {
		r = -EIO;
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, MF_HASH_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (c->EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1) {
			r = -EIO;
			goto out;
		}
		total += (unsigned long long)n;
	}
	if (c->EVP_DigestFinal_ex(ctx, out, &mdlen) != 1 || mdlen != 32) {
		r = -EIO;
		goto out;
	}
	if (size)
		*size = total;
out:
	c->EVP_MD_CTX_free(ctx);
	return r;
}
