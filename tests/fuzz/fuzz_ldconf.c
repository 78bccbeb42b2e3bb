/*
 * fuzz_ldconf.c - ld.so.conf: the text of one file (pfj_ldconf_parse), then
 * the same file as ROOT/etc/ld.so.conf of a small system image, where
 * pfj_ldpath_init follows its includes and expands their globs inside ROOT.
 *
 * The image is made once: a few library directories and an ld.so.conf.d
 * with one file of its own, enough for globs and includes to find things.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elfdeps.h"
#include "fuzz.h"

static char conf_path[4096];

static void image_path(char *buf, size_t size, const char *root, const char *rel)
{
	if ((size_t)snprintf(buf, size, "%s/%s", root, rel) >= size)
		abort();
}

static const char *setup(void)
{
	static const char *const dirs[] = {
		"etc", "etc/ld.so.conf.d", "lib", "usr", "usr/lib", "usr/local",
		"usr/local/lib", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
	};
	static const char inc[] = "/usr/local/lib\ninclude /etc/ld.so.conf.d/*.conf\n";
	const char *root = fz_temp_dir();
	char p[4096];

	if (conf_path[0])
		return root;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		image_path(p, sizeof(p), root, dirs[i]);
		if (mkdir(p, 0755) < 0)
			abort();
	}
	image_path(p, sizeof(p), root, "etc/ld.so.conf.d/libc.conf");
	fz_write_file(p, (const uint8_t *)inc, sizeof(inc) - 1);
	image_path(conf_path, sizeof(conf_path), root, "etc/ld.so.conf");
	return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfj_strv dirs = { 0 }, globs = { 0 };
	struct pfj_ldpath lp;
	const char *root = setup();
	char why[512];

	if (pfj_ldconf_parse((const char *)data, size, "/etc", &dirs, &globs) < 0)
		abort();	/* only -ENOMEM */
	pfj_strv_free(&dirs);
	pfj_strv_free(&globs);
	if (pfj_ldconf_parse((const char *)data, size, NULL, &dirs, &globs) < 0)
		abort();
	pfj_strv_free(&dirs);
	pfj_strv_free(&globs);

	fz_write_file(conf_path, data, size);
	(void)pfj_ldpath_init(&lp, root, 0, 0, why, sizeof(why));
	pfj_ldpath_free(&lp);
	return 0;
}
