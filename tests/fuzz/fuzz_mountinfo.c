/*
 * fuzz_mountinfo.c - /proc/self/mountinfo escapes (pfj_unescape_mountinfo).
 *
 * verify's reader of the file (check_mounts in verify.c) is static and
 * opens the real file; this harness splits the input into lines and
 * fields the same way (at most 8191 bytes a line, fields split at spaces)
 * and unescapes the root and mount point fields, as it does, and every
 * whole line besides.  Unescaping never makes a string longer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "verify.h"

static void unescape(char *s)
{
	size_t before = strlen(s);

	pfj_unescape_mountinfo(s);
	if (strlen(s) > before)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size), *whole;
	const char *p = text;

	while (*p) {
		char line[8192], *f[5], *save = NULL, *q = line;
		size_t n = strcspn(p, "\n");
		int i;

		/* fgets: a line ends after its newline or when the buffer is full */
		if (p[n] == '\n')
			n++;
		if (n > sizeof(line) - 1)
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		for (i = 0; i < 5 && (f[i] = strtok_r(q, " ", &save)); i++)
			q = NULL;
		if (i < 5)
			continue;
		unescape(f[3]);
		unescape(f[4]);
	}
	whole = strdup(text);
	if (!whole)
		abort();
	unescape(whole);
	free(whole);
	free(text);
	return 0;
}
