/*
 * fuzz_mastercf.c - master.cf (pfj_mcf_parse) and the chroot plan build
 * makes from it.
 *
 * Besides memory errors it checks what the editor relies on: every
 * entry's chroot offset points at its 1-byte chroot column, so build
 * changes that byte and nothing else.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chrootplan.h"
#include "fuzz.h"
#include "mastercf.h"

static struct pfj_strv chrootable, exclude;

static void setup(void)
{
	static const char *const yes[] = { "smtpd", "smtp", "cleanup", "qmgr", "pickup" };
	static const char *const no[] = { "local", "pipe", "virtual" };

	if (chrootable.n)
		return;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (pfj_strv_add(&chrootable, yes[i]) < 0)
			abort();
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (pfj_strv_add(&exclude, no[i]) < 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct pfj_mcf mcf = { 0 };
	struct pfj_mcf_error err;
	struct pfj_chroot_rules rules;
	struct pfj_chroot_decision *d;

	setup();
	if (pfj_mcf_parse(buf, size, &mcf, &err) < 0)
		return 0;
	for (size_t i = 0; i < mcf.n; i++) {
		const struct pfj_mcf_entry *e = &mcf.ent[i];

		if (strlen(e->field[PFJ_MCF_CHROOT]) != 1 || e->chroot_off >= size ||
		    buf[e->chroot_off] != e->field[PFJ_MCF_CHROOT][0])
			abort();
	}
	d = calloc(mcf.n ? mcf.n : 1, sizeof(*d));
	if (!d)
		abort();
	for (int dash = 0; dash < 2; dash++) {
		rules = (struct pfj_chroot_rules){
			.chrootable = &chrootable,
			.exclude = &exclude,
			.daemon_directory = "/usr/lib/postfix/sbin",
			.dash_means_y = dash,
		};
		pfj_chroot_plan(&mcf, &rules, d);
	}
	free(d);
	pfj_mcf_free(&mcf);
	return 0;
}
