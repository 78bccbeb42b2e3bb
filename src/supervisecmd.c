/*
 * supervisecmd.c - "pfjail supervise": hand over to pfjail-supervise.
 *
 * The supervisor stays resident as long as Postfix runs, so it is a
 * program of its own that does not map libcrypto; pfjail itself is what it
 * runs for verify, build and the aliases check.  It is looked up beside
 * this program first (an uninstalled build tree keeps both in src/), then
 * in the package's libexec directory.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "supervise.h"
#include "util.h"

#define HELPER "pfjail-supervise"

/* trusted - an executable regular file owned by root, or by whoever owns pfjail, not writable by others */
static int trusted(const char *path, uid_t owner)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
	       !(st.st_mode & 022) && (st.st_uid == 0 || st.st_uid == owner);
}

int pfj_cmd_supervise(struct pfj_ctx *ctx)
{
	char self[PATH_MAX], *helper = NULL, *slash;
	char **argv;
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || stat("/proc/self/exe", &st) < 0) {
		pfj_err("cannot find the pfjail program itself (/proc/self/exe): %m");
		return PFJ_SV_EXIT_ERROR;
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/'))) {
		helper = pfj_asprintf("%.*s/%s", (int)(slash - self), self, HELPER);
		if (helper && !trusted(helper, st.st_uid)) {
			free(helper);
			helper = NULL;
		}
	}
	if (!helper)
		helper = pfj_asprintf("%s/%s", PFJ_LIBEXECDIR, HELPER);
	if (!helper || !(argv = calloc((size_t)ctx->argc + 4, sizeof(*argv)))) {
		pfj_err("out of memory");
		return PFJ_SV_EXIT_ERROR;
	}
	argv[0] = (char *)HELPER;
	argv[1] = (char *)"--pfjail";
	argv[2] = self;
	for (int i = 0; i < ctx->argc; i++)
		argv[3 + i] = ctx->argv[i];
	argv[3 + ctx->argc] = NULL;
	fflush(NULL);
	execv(helper, argv);
	pfj_err("cannot run %s: %m", helper);
	free(argv);
	free(helper);
	return PFJ_SV_EXIT_ERROR;
}
