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

#endif
