/*
 * fuzz_nsswitch.c - nsswitch.conf (pfj_nsswitch_parse), and the services
 * and NSS modules pfjail derives from it for the databases Postfix uses.
 */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "nss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dbs[] = {
		"hosts", "services", "passwd", "group", "protocols", "networks",
		"shadow", "gshadow", "initgroups", "publickey", "passwd_compat",
	};
	const size_t n_dbs = sizeof(dbs) / sizeof(dbs[0]);
	struct pfj_nsswitch ns = { 0 };
	struct pfj_parse_error err;
	struct pfj_strv scratch = { 0 }, mods = { 0 };

	if (pfj_nsswitch_parse((const char *)data, size, &ns, &err) < 0)
		return 0;
	for (size_t i = 0; i < n_dbs; i++)
		if (!pfj_nsswitch_services(&ns, dbs[i], &scratch))
			abort();
	for (size_t i = 0; i < ns.n; i++)
		if (!pfj_nsswitch_services(&ns, ns.db[i].name, &scratch))
			abort();
	for (int builtin = 0; builtin < 2; builtin++) {
		if (pfj_nss_modules(&ns, dbs, n_dbs, builtin, &mods) < 0)
			abort();
		pfj_strv_free(&mods);
	}
	pfj_strv_free(&scratch);
	pfj_nsswitch_free(&ns);
	return 0;
}
