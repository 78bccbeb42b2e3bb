/*
 * sha256.c - SHA-256 of a buffer or a file, with libcrypto.
 *
 * Kept apart from the manifest parser so that programs which only read
 * manifests (the supervisor) do not map libcrypto.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "manifest.h"

#define MF_HASH_CHUNK	(1024 * 1024)

/* sha256_md - fetch the implementation once (an implicit fetch per call is slow in OpenSSL 3) */
static const EVP_MD *sha256_md(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

int pfj_sha256_buf(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;
	const EVP_MD *md = sha256_md();

	if (!md || EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != 32)
		return -EIO;
	return 0;
}

int pfj_sha256_fd(int fd, unsigned char out[32], unsigned long long *size)
{
	unsigned long long total = 0;
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	unsigned char *chunk;
	ssize_t n;
	int r = 0;

	chunk = malloc(MF_HASH_CHUNK);
	ctx = EVP_MD_CTX_new();
	if (!chunk || !ctx) {
		r = -ENOMEM;
		goto out;
	}
	if (!sha256_md() || EVP_DigestInit_ex(ctx, sha256_md(), NULL) != 1) {
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
		if (EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1) {
			r = -EIO;
			goto out;
		}
		total += (unsigned long long)n;
	}
	if (EVP_DigestFinal_ex(ctx, out, &mdlen) != 1 || mdlen != 32) {
		r = -EIO;
		goto out;
	}
	if (size)
		*size = total;
out:
	EVP_MD_CTX_free(ctx);
	free(chunk);
	return r;
}
