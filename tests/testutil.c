/*
 * testutil.c - a temp-dir fixture and file helpers for the unit tests.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "util.h"

int tu_dir_setup(void **state)
{
	struct tu_dir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "%s/pfjail-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int tu_dir_teardown(void **state)
{
	struct tu_dir *d = *state;

	if (d) {
		nftw(d->path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(d);
	}
	return 0;
}

char *tu_write(const char *dir, const char *name, const char *content, int mode)
{
	char *path;
	FILE *fp;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	fp = fopen(path, "w");
	if (!fp) {
		free(path);
		return NULL;
	}
	fputs(content, fp);
	fclose(fp);
	chmod(path, mode ? (mode_t)mode : 0644);
	return path;
}

char *tu_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int c;

	if (!fp)
		return NULL;
	while ((c = fgetc(fp)) != EOF) {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 256;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		buf[n++] = (char)c;
	}
	fclose(fp);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int tu_run_table(const char *group, const void *cases, size_t ncases, size_t case_size,
		 CMUnitTestFunction fn, CMFixtureFunction setup, CMFixtureFunction teardown,
		 const struct CMUnitTest *extra, size_t nextra)
{
	struct CMUnitTest *t = calloc(ncases + nextra, sizeof(*t));
	int r;

	if (!t)
		return 1;
	for (size_t i = 0; i < ncases; i++) {
		const char *c = (const char *)cases + i * case_size;

		t[i] = (struct CMUnitTest){
			.name = *(const char *const *)c,
			.test_func = fn,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)c,
		};
	}
	for (size_t i = 0; i < nextra; i++)
		t[ncases + i] = extra[i];
	r = _cmocka_run_group_tests(group, t, ncases + nextra, NULL, NULL);
	free(t);
	return r;
}

const char *tu_join(const struct pfj_strv *sv, const char *sep)
{
	static char out[8192];
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sv->n && o < sizeof(out) - 1; i++) {
		int n = snprintf(out + o, sizeof(out) - o, "%s%s", i ? sep : "", sv->v[i]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
	return out;
}
