/* harden.h - pfjail harden: the hardening checklist, offline and live. */
#ifndef PFJ_HARDEN_H
#define PFJ_HARDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct pfj_ctx;

int pfj_cmd_harden(struct pfj_ctx *ctx);

/*
 * The pure parts, for the unit tests.
 *
 * pfj_harden_protocols: which of SSLv2 SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3
 * a Postfix *_tls_protocols value leaves enabled, as a bit mask (bit 0
 * SSLv2 ... bit 5 TLSv1.3).  Both syntaxes: exclusions and inclusions
 * ("!SSLv2, !SSLv3", "TLSv1.2 TLSv1.3") and bounds (">=TLSv1.2",
 * "<=TLSv1.2").
 */
#define PFJ_TLS_NPROTO 6
extern const char *const pfj_tls_proto_names[PFJ_TLS_NPROTO];
unsigned pfj_harden_protocols(const char *value);

/*
 * pfj_harden_relay_guard: does a restriction list stop relaying to
 * unauthorised destinations before any permit other than the trusted
 * ones (permit_mynetworks, permit_sasl_authenticated,
 * permit_tls_clientcerts, permit_auth_destination)?  1 yes; 0 no, with
 * the offending permit (or "" when the list simply has no refusal) copied
 * into culprit.
 */
int pfj_harden_relay_guard(const char *value, char *culprit, size_t culprit_size);

/*
 * pfj_harden_network: judge one mynetworks element.  Returns 0 fine,
 * 1 wider than /24 (IPv4) or /64 (IPv6), 2 a public range, 3 both, -1 not
 * an address (a table or file: not inspected).
 */
int pfj_harden_network(const char *elem);

/* pfj_harden_split: restriction-list tokens (commas, blanks; { } kept together). */
int pfj_harden_split(const char *value, struct pfj_strv *out);

#endif
