/*
 * fuzz_report.c - the verify worker's report, as the privileged parent
 * reads it from the unprivileged worker's pipe.
 *
 * decode_report in verify.c is static; pfj_verify_read_findings is the
 * public function around it (read a descriptor to EOF, then decode), so
 * the input is served from a memfd.  Every finding accepted must be one
 * the worker could have sent: it encodes back to the same bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fuzz.h"
#include "verify.h"

static int add(const struct pfj_finding *f, void *arg)
{
	unsigned char buf[2 + 3 * 2 + PFJ_F_PATH_MAX + 2 * PFJ_F_TEXT_MAX];
	struct pfj_finding back;
	int n;

	(void)arg;
	if (f->cls < 0 || f->cls >= PFJ_F_NCLASSES || !pfj_finding_name(f->cls))
		abort();
	n = pfj_finding_encode(f, buf, sizeof(buf));
	if (n <= 0 || pfj_finding_decode(buf, (size_t)n, &back) != n ||
	    back.cls != f->cls || strcmp(back.path, f->path) != 0 ||
	    strcmp(back.expected, f->expected) != 0 || strcmp(back.actual, f->actual) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings_sink sink = { .add = add, .arg = NULL };

	(void)pfj_verify_read_findings(fz_memfd(data, size), &sink);
	return 0;
}
