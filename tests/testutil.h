/* testutil.h - fixtures shared by the cmocka unit tests. */
#ifndef PFJ_TESTUTIL_H
#define PFJ_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh temporary directory per test; removed (recursively) afterwards. */
struct tu_dir {
	char path[256];
};

int tu_dir_setup(void **state);
int tu_dir_teardown(void **state);

/* Write a file below dir (mode 0644 unless mode is given); returns the malloc'ed path. */
char *tu_write(const char *dir, const char *name, const char *content, int mode);
/* Read a whole file into a malloc'ed, NUL-terminated string (NULL if missing). */
char *tu_read(const char *path, size_t *len);

/* The strings of sv joined with sep, in a static buffer (truncated if long). */
struct pfj_strv;
const char *tu_join(const struct pfj_strv *sv, const char *sep);

/*
 * Run a table-driven group: one test per case, named by the case's label
 * (the first member of every case struct, a const char *), with the case as
 * its initial state; then the extra tests.
 */
int tu_run_table(const char *group, const void *cases, size_t ncases, size_t case_size,
		 CMUnitTestFunction fn, CMFixtureFunction setup, CMFixtureFunction teardown,
		 const struct CMUnitTest *extra, size_t nextra);

#define TU_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
