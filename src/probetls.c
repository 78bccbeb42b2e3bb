/*
 * probetls.c - the TLS handshakes of harden --probe: which versions each
 * service of the private copy (probe.c) accepts, the DH group it chooses
 * and the key of its certificate, as an outside client sees them.
 *
 * Each handshake is one run of the openssl program (s_client with stdin
 * at EOF, OPENSSL_CONF=/dev/null so that no system policy narrows what is
 * tried), started while the SMTP sessions (probesession.c) run and judged
 * from what s_client printed.
 *
 * The TLS versions are probed at once, each with @SECLEVEL=0 because
 * OpenSSL 3 refuses TLS 1.0 and 1.1 at its default level; the DH group
 * comes from the ServerKeyExchange message of a DHE handshake (s_client
 * -msg), compared with the RFC 7919 groups libcrypto knows.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "probe-int.h"
#include "probe.h"
#include "util.h"

/* s_client's option for each handshake (enum tls_run), and its name */
static const char *const tls_opt[T_N] = { "-tls1", "-tls1_1", "-tls1_2", "-tls1_3", "-tls1_2" };
static const char *const tls_name[T_N] = { "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "DHE" };

/* pb_tls_start - start every handshake of a service (s_client with stdin at EOF) */
void pb_tls_start(struct probe *p, const struct service *s, struct tlsrun *t)
{
	char target[32];

	snprintf(target, sizeof(target), "127.0.0.1:%d", s->port);
	for (int i = 0; i < T_N; i++) {
		const char *argv[16];
		int n = 0;

		memset(&t[i], 0, sizeof(t[i]));
		argv[n++] = p->openssl;
		argv[n++] = "s_client";
		argv[n++] = "-connect";
		argv[n++] = target;
		if (!s->wrapper) {
			argv[n++] = "-starttls";
			argv[n++] = "smtp";
		}
		argv[n++] = tls_opt[i];
		argv[n++] = "-cipher";
		argv[n++] = i == T_DHE ? "kDHE:@SECLEVEL=0" : "DEFAULT:@SECLEVEL=0";
		if (i == T_DHE)
			argv[n++] = "-msg";
		argv[n] = NULL;
		t[i].r = pb_spawn(argv, 0, 1, &t[i].h);
	}
}

/* pb_tls_collect - read every handshake's output to its end, or give up at the deadline */
void pb_tls_collect(struct probe *p, struct tlsrun *t)
{
	int64_t deadline = pb_step_end(p);
	char chunk[8192];

	for (;;) {
		struct pollfd pfd[T_N];
		int64_t left = deadline - pb_now_ms();
		int open_count = 0;

		for (int i = 0; i < T_N; i++) {
			pfd[i].fd = t[i].r == 0 ? t[i].h.out : -1;
			pfd[i].events = POLLIN;
			open_count += pfd[i].fd >= 0;
		}
		if (!open_count)
			break;
		if (pb_signal || left <= 0) {
			for (int i = 0; i < T_N; i++)
				if (pfd[i].fd >= 0)
					t[i].r = pb_signal ? -EINTR : -ETIMEDOUT;
			break;
		}
		if (poll(pfd, T_N, left < SLICE_MS ? (int)left : SLICE_MS) <= 0)
			continue;
		for (int i = 0; i < T_N; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n > 0 && t[i].out.len < (1u << 20))
				pfj_buf_add(&t[i].out, chunk, (size_t)n);
			else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(t[i].h.out);
				t[i].h.out = -1;
				t[i].r = 1;	/* done */
			}
		}
	}
	for (int i = 0; i < T_N; i++) {
		pb_helper_end(&t[i].h);
		if (t[i].r == 1)
			t[i].r = t[i].out.len ? 0 : -EPIPE;
	}
}

/* field - the value after key on its line of s_client's output, or "" */
static const char *field(const struct tlsrun *t, const char *key, char *buf, size_t size)
{
	const char *s = t->out.len ? strstr(t->out.data, key) : NULL;

	buf[0] = '\0';
	if (s) {
		s += strlen(key);
		snprintf(buf, size, "%.*s", (int)strcspn(s, "\r\n"), s);
	}
	return buf;
}

/* handshake - did it complete?  *proto gets the version s_client reports */
static int handshake(const struct tlsrun *t, char *proto, size_t size, char *cipher, size_t csize)
{
	char buf[128];

	field(t, "Cipher is ", cipher, csize);
	field(t, "    Protocol  : ", proto, size);
	if (!*proto)
		field(t, "Protocol version: ", proto, size);
	return t->r == 0 && *cipher && strcmp(cipher, "(NONE)") != 0 && field(t, "New, ", buf, sizeof(buf))[0];
}

/* hexbyte - the value of two hex digits, or -1 */
static int hexbyte(const char *s)
{
	static const char digits[] = "0123456789abcdef";
	const char *a = strchr(digits, tolower((unsigned char)s[0]));
	const char *b = strchr(digits, tolower((unsigned char)s[1]));

	return s[0] && s[1] && a && b ? (int)((a - digits) * 16 + (b - digits)) : -1;
}

/*
 * ske_prime - the DH prime from the ServerKeyExchange that s_client -msg
 * dumped (type 12, a 3-byte length, then p with a 2-byte length).  Its
 * length, or 0.
 */
static size_t ske_prime(const struct tlsrun *t, unsigned char *prime, size_t size)
{
	const char *s = t->out.len ? strstr(t->out.data, ", ServerKeyExchange") : NULL;
	unsigned char msg[2048];
	size_t n = 0, plen;

	if (!s)
		return 0;
	s += strcspn(s, "\n");
	while (*s == '\n' && (s[1] == ' ' || s[1] == '\t') && n < sizeof(msg)) {
		s++;
		while (*s && *s != '\n' && n < sizeof(msg)) {
			int v;

			s += strspn(s, " \t");
			if ((v = hexbyte(s)) < 0)
				break;
			msg[n++] = (unsigned char)v;
			s += 2;
		}
		s += strcspn(s, "\n");
	}
	if (n < 6 || msg[0] != 12)
		return 0;
	plen = (size_t)msg[4] << 8 | msg[5];
	if (plen == 0 || plen > size || 6 + plen > n)
		return 0;
	memcpy(prime, msg + 6, plen);
	return plen;
}

/* ffdhe_group - the RFC 7919 group whose prime this is, or NULL */
static const char *ffdhe_group(const struct pfj_crypto *cr, const unsigned char *prime, size_t n)
{
	static const char *const groups[] = {
		"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192", NULL,
	};
	BIGNUM *got = cr->BN_bin2bn(prime, (int)n, NULL);
	const char *name = NULL;

	for (const char *const *g = groups; got && *g && !name; g++) {
		EVP_PKEY_CTX *ctx;
		EVP_PKEY *params = NULL;
		BIGNUM *want = NULL;

		if (atoi(*g + 5) != cr->BN_num_bits(got))
			continue;
		ctx = cr->EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		if (ctx && cr->EVP_PKEY_paramgen_init(ctx) > 0 &&
		    cr->EVP_PKEY_CTX_set_group_name(ctx, *g) > 0 &&
		    cr->EVP_PKEY_paramgen(ctx, &params) > 0 &&
		    cr->EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &want) > 0 &&
		    cr->BN_cmp(got, want) == 0)
			name = *g;
		cr->BN_free(want);
		cr->EVP_PKEY_free(params);
		cr->EVP_PKEY_CTX_free(ctx);
	}
	cr->BN_free(got);
	return name;
}

/* dh_judge - the DHE group the server chose: at least 2048 bits */
static void dh_judge(struct service *s, const struct tlsrun *t)
{
	const struct pfj_crypto *cr = pfj_crypto_load(NULL, 0);
	unsigned char prime[1024];
	char proto[64], cipher[128];
	size_t n = ske_prime(t, prime, sizeof(prime));
	const char *group = NULL;
	int bits;

	if (!n) {
		if (t->r < 0)
			pb_set(&s->res[C_DH], PFJ_PROBE_INFO, "DHE handshake: %s", pb_errtext(t->r));
		else
			pb_set(&s->res[C_DH], PFJ_PROBE_PASS, "no DHE cipher suite accepted at TLSv1.2");
		return;
	}
	for (bits = (int)n * 8; bits > 0 && !(prime[0] & (1u << ((bits - 1) % 8))); bits--)
		;
	if (cr)
		group = ffdhe_group(cr, prime, n);
	handshake(t, proto, sizeof(proto), cipher, sizeof(cipher));
	pb_set(&s->res[C_DH], bits < 2048 ? PFJ_PROBE_FAIL : PFJ_PROBE_PASS,
	       "%s: %d-bit DH group, %s%s", *cipher && strcmp(cipher, "(NONE)") ? cipher : "DHE", bits,
	       group ? "RFC 7919 " : cr ? "not an RFC 7919 (ffdhe) group" : "group not identified",
	       group ? group : "");
}

/* key_of - "RSA 2048 bits" for the first certificate in s_client's output; weak keys flagged */
static int key_of(const struct tlsrun *t, char *desc, size_t size, int *weak)
{
	const struct pfj_crypto *cr = pfj_crypto_load(NULL, 0);
	const char *b = t->out.len ? strstr(t->out.data, "-----BEGIN CERTIFICATE-----") : NULL;
	const char *e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	const char *type = "key";
	char bits[32];
	X509 *x = NULL;
	BIO *bio;
	int id, nbits;

	if (!cr || !e) {
		if (!*field(t, "Server public key is ", bits, sizeof(bits)))
			return -1;
		snprintf(desc, size, "%d-bit key of unknown type", atoi(bits));
		*weak = -1;
		return 0;
	}
	if ((bio = cr->BIO_new_mem_buf(b, (int)(e - b) + 25))) {
		x = cr->PEM_read_bio_X509(bio, NULL, NULL, NULL);
		cr->BIO_free(bio);
	}
	if (!x || !cr->X509_get0_pubkey(x)) {
		if (x)
			cr->X509_free(x);
		return -1;
	}
	id = cr->EVP_PKEY_get_base_id(cr->X509_get0_pubkey(x));
	nbits = cr->EVP_PKEY_get_bits(cr->X509_get0_pubkey(x));
	cr->X509_free(x);
	switch (id) {
	case EVP_PKEY_RSA: type = "RSA"; break;
	case EVP_PKEY_RSA_PSS: type = "RSA-PSS"; break;
	case EVP_PKEY_DSA: type = "DSA"; break;
	case EVP_PKEY_EC: type = "EC"; break;
	case EVP_PKEY_ED25519: type = "Ed25519"; break;
	case EVP_PKEY_ED448: type = "Ed448"; break;
	}
	*weak = (id == EVP_PKEY_EC && nbits < 224) ||
		((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA) && nbits < 2048);
	snprintf(desc, size, "%s %d bits", type, nbits);
	return 0;
}

/* pb_tls_judge - versions accepted, DH group, certificate keys */
void pb_tls_judge(struct service *s, const struct tlsrun *t)
{
	char acc[128] = "", ref[128] = "", keys[256] = "", proto[64], cipher[128], err[256] = "";
	int weak_proto = 0, weak_key = 0, unknown_key = 0, timed_out = 0;

	if (!s->starttls) {
		pb_set(&s->res[C_TLS], PFJ_PROBE_INFO, "STARTTLS not offered to an outside client");
		return;
	}
	for (int i = T_10; i <= T_13; i++) {
		char *list = handshake(&t[i], proto, sizeof(proto), cipher, sizeof(cipher)) ? acc : ref;

		if (list == acc && i <= T_11)
			weak_proto = 1;
		timed_out |= t[i].r == -ETIMEDOUT;
		snprintf(list + strlen(list), sizeof(acc) - strlen(list), "%s%s",
			 *list ? ", " : "", tls_name[i]);
	}
	if (!*acc) {
		field(&t[T_12], ":error:", err, sizeof(err));
		pb_set(&s->res[C_TLS], PFJ_PROBE_INFO, "no TLS handshake succeeded%s%s", timed_out ?
		       " (timed out)" : *err ? ": " : "", timed_out ? "" : err);
		return;
	}
	pb_set(&s->res[C_TLS], weak_proto ? PFJ_PROBE_FAIL : PFJ_PROBE_PASS, "accepts %s%s%s", acc,
	       *ref ? "; refuses " : "", ref);
	dh_judge(s, &t[T_DHE]);
	for (int i = 0; i < T_N; i++) {
		char desc[64];
		int weak;

		if (key_of(&t[i], desc, sizeof(desc), &weak) < 0 || strstr(keys, desc))
			continue;
		weak_key |= weak == 1;
		unknown_key |= weak < 0;
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s", *keys ? ", " : "", desc);
	}
	if (*keys)
		pb_set(&s->res[C_CERT], weak_key ? PFJ_PROBE_FAIL : unknown_key ? PFJ_PROBE_INFO :
		       PFJ_PROBE_PASS, "server certificate key: %s", keys);
}

