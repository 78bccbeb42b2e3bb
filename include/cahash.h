/*
 * cahash.h - compute the subject-hash links that "openssl rehash" (OpenSSL
 * 3.0) would create in a CApath directory, from file contents in memory.
 *
 * Postfix reads smtp_tls_CApath / smtpd_tls_CApath after chroot, so pfjail
 * copies those directories into the jail and has to recreate the HASH.N
 * (certificate) and HASH.rN (CRL) symlinks itself instead of running a
 * program inside the jail.
 */
#ifndef PFJ_CAHASH_H
#define PFJ_CAHASH_H
#include <stddef.h>

#include "util.h"

/* One directory entry's name and contents. */
struct pfj_ca_input {
	const char *name;	/* plain file name, no '/' */
	const void *data;
	size_t len;
};

/* One link to create, e.g. "5ad8a5d6.0" -> "ISRG_Root_X1.pem". */
struct pfj_ca_link {
	char *link;
	char *target;
};

/* The links, sorted by link name (strcmp), and why files were skipped. */
struct pfj_ca_result {
	struct pfj_ca_link *links;
	size_t n;
	struct pfj_strv warnings;	/* "NAME: skipped, it holds 2 certificates" etc. */
};

/*
 * Compute the links openssl rehash would create for these files in a
 * directory holding no hash links yet. Inputs whose names do not end in
 * .pem .crt .cer .crl (any case), or that are hash link names themselves,
 * are ignored. Files that rehash skips are reported in out->warnings, in
 * the order rehash visits them. Returns 0, or -1 with why (bad input,
 * duplicate name, libcrypto failure); out is then empty.
 */
int pfj_ca_rehash(const struct pfj_ca_input *in, size_t n,
		  struct pfj_ca_result *out, char *why, size_t why_size);

/* Release everything a result owns and empty it. */
void pfj_ca_result_free(struct pfj_ca_result *r);

/* Is NAME a hash link name (8 hex digits, '.', optional 'r', digits)? */
int pfj_ca_is_hash_name(const char *name);

#endif
