/*
 * state.c - where pfjail keeps its state for one Postfix instance: one
 * directory (state_dir, inside ROOT with -R), one file per instance and
 * purpose, named after the escaped Postfix configuration directory.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "command.h"
#include "state.h"
#include "util.h"

/* escape_name - "/etc/postfix" -> "etc-postfix" (systemd-escape style) */
static char *escape_name(const char *path)
{
	struct pfj_buf b = { 0 };

	while (*path == '/')
		path++;
	for (const char *c = path; *c; c++) {
		if (*c == '/') {
			while (c[1] == '/')
				c++;
			if (c[1])
				pfj_buf_adds(&b, "-");
		} else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			   (*c >= '0' && *c <= '9') || *c == '_' || (*c == '.' && c != path)) {
			pfj_buf_add(&b, c, 1);
		} else {
			pfj_buf_printf(&b, "\\x%02x", (unsigned char)*c);
		}
	}
	if (!b.len)
		pfj_buf_adds(&b, "-");
	return b.data;
}

/* pfj_state_location - state directory (inside ROOT) and this instance's file name */
int pfj_state_location(const struct pfj_ctx *ctx, const char *suffix, char **dir, char **base)
{
	char *name = escape_name(ctx->cli->config_dir);

	*dir = pfj_root_path(ctx->cli->root, ctx->conf->state_dir);
	*base = name ? pfj_asprintf("%s.%s", name, suffix) : NULL;
	free(name);
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		return -ENOMEM;
	}
	return 0;
}

char *pfj_state_path(const struct pfj_ctx *ctx, const char *suffix)
{
	char *dir, *base, *path;

	if (pfj_state_location(ctx, suffix, &dir, &base) < 0)
		return NULL;
	path = pfj_asprintf("%s/%s", dir, base);
	free(dir);
	free(base);
	return path;
}

char *pfj_manifest_path(const struct pfj_ctx *ctx)
{
	return pfj_state_path(ctx, "manifest");
}
