/*
 * test_harden.c - the pure parts of pfjail harden: Postfix's TLS protocol
 * syntax, restriction lists that guard against relaying, mynetworks
 * elements, and the restriction-list splitter.
 */
#include "config.h"

#include <string.h>

#include "testutil.h"
#include "harden.h"

/* bits: SSLv2 SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 */
#define P(s2, s3, t10, t11, t12, t13) \
	((s2) | (s3) << 1 | (t10) << 2 | (t11) << 3 | (t12) << 4 | (t13) << 5)

enum kind { PROTO, GUARD, NET, SPLIT };

struct harden_case {
	const char *label;
	enum kind kind;
	const char *in;
	int want;		/* mask, guard (0/1) or network verdict */
	const char *culprit;	/* GUARD: the offending permit; SPLIT: tokens joined by | */
};

static const struct harden_case cases[] = {
	{ "proto: empty means all", PROTO, "", P(1, 1, 1, 1, 1, 1), NULL },
	{ "proto: 3.7 default >=TLSv1", PROTO, ">=TLSv1", P(0, 0, 1, 1, 1, 1), NULL },
	{ "proto: >=TLSv1.2", PROTO, ">=TLSv1.2", P(0, 0, 0, 0, 1, 1), NULL },
	{ "proto: exclusions", PROTO, "!SSLv2, !SSLv3", P(0, 0, 1, 1, 1, 1), NULL },
	{ "proto: exclusions to 1.2", PROTO, "!SSLv2 !SSLv3 !TLSv1 !TLSv1.1", P(0, 0, 0, 0, 1, 1), NULL },
	{ "proto: inclusions", PROTO, "TLSv1.2, TLSv1.3", P(0, 0, 0, 0, 1, 1), NULL },
	{ "proto: inclusion with an old one", PROTO, "TLSv1 TLSv1.2", P(0, 0, 1, 0, 1, 0), NULL },
	{ "proto: a range", PROTO, ">=TLSv1.1 <=TLSv1.2", P(0, 0, 0, 1, 1, 0), NULL },
	{ "proto: case-insensitive", PROTO, ">=tlsv1.2", P(0, 0, 0, 0, 1, 1), NULL },
	{ "guard: Postfix's default", GUARD,
	  "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination", 1, "" },
	{ "guard: reject after sasl", GUARD, "permit_sasl_authenticated,reject", 1, "" },
	{ "guard: bare permit first", GUARD, "permit_mynetworks permit reject_unauth_destination", 0,
	  "permit" },
	{ "guard: permit_mx_backup first", GUARD, "permit_mx_backup reject_unauth_destination", 0,
	  "permit_mx_backup" },
	{ "guard: no refusal", GUARD, "permit_mynetworks check_client_access hash:/x", 0, "" },
	{ "guard: empty", GUARD, "", 0, "" },
	{ "guard: checks before the refusal", GUARD,
	  "reject_non_fqdn_recipient check_recipient_access hash:/r reject_unauth_destination", 1, "" },
	{ "guard: permit_auth_destination then reject", GUARD, "permit_auth_destination reject", 1, "" },
	{ "guard: braces kept together", GUARD,
	  "check_policy_service { inet:127.0.0.1:1, default_action=permit } reject_unauth_destination",
	  1, "" },
	{ "net: loopback /8", NET, "127.0.0.0/8", 0, NULL },
	{ "net: ::1", NET, "[::1]/128", 0, NULL },
	{ "net: mapped loopback", NET, "[::ffff:127.0.0.0]/104", 0, NULL },
	{ "net: private /24", NET, "192.168.1.0/24", 0, NULL },
	{ "net: private /16", NET, "192.168.0.0/16", 1, NULL },
	{ "net: 10/8", NET, "10.0.0.0/8", 1, NULL },
	{ "net: public /24", NET, "203.0.113.0/24", 2, NULL },
	{ "net: public host", NET, "198.51.100.7", 2, NULL },
	{ "net: everything", NET, "0.0.0.0/0", 3, NULL },
	{ "net: ULA /64", NET, "[fd00:1::]/64", 0, NULL },
	{ "net: ULA /48", NET, "[fd00:1::]/48", 1, NULL },
	{ "net: public v6 /32", NET, "[2001:db8::]/32", 3, NULL },
	{ "net: a table", NET, "hash:/etc/postfix/network_table", -1, NULL },
	{ "net: a file", NET, "/etc/postfix/networks", -1, NULL },
	{ "net: bad prefix", NET, "10.0.0.0/33", -1, NULL },
	{ "split: commas and blanks", SPLIT, " a, b\tc,,d ", 0, "a|b|c|d" },
	{ "split: braces", SPLIT, "x { a, b } y", 0, "x|{ a, b }|y" },
	{ "split: empty", SPLIT, "", 0, "" },
};

static void test_harden_case(void **state)
{
	const struct harden_case *tc = *state;
	char culprit[128];

	switch (tc->kind) {
	case PROTO:
		assert_int_equal(pfj_harden_protocols(tc->in), tc->want);
		break;
	case GUARD:
		assert_int_equal(pfj_harden_relay_guard(tc->in, culprit, sizeof(culprit)), tc->want);
		assert_string_equal(culprit, tc->culprit);
		break;
	case NET:
		assert_int_equal(pfj_harden_network(tc->in), tc->want);
		break;
	case SPLIT: {
		struct pfj_strv sv = { 0 };

		assert_int_equal(pfj_harden_split(tc->in, &sv), 0);
		assert_string_equal(tu_join(&sv, "|"), tc->culprit);
		pfj_strv_free(&sv);
		break;
	}
	}
}

int main(void)
{
	return tu_run_table("harden", cases, TU_NELEM(cases), sizeof(cases[0]), test_harden_case, NULL,
			    NULL, NULL, 0);
}
