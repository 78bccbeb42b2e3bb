/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz share.
 *
 * Each harness feeds one of pfjail's parsers of outside input with the
 * bytes libFuzzer hands it.  Parsers that read a path get a temporary file
 * made once per process and rewritten for every input.
 */
#ifndef PFJ_FUZZ_H
#define PFJ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, defined by every harness. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (text parsers take C strings). */
char *fz_strndup(const uint8_t *data, size_t size);

/* A file of this process in $TMPDIR (or /tmp), removed at exit. */
const char *fz_temp_file(void);

/* A directory of this process in $TMPDIR (or /tmp), removed at exit. */
const char *fz_temp_dir(void);

/* Replace the contents of path with data[0..size); aborts on failure. */
void fz_write_file(const char *path, const uint8_t *data, size_t size);

/* A descriptor reading data[0..size) from the start: one memfd per process, not to be closed. */
int fz_memfd(const uint8_t *data, size_t size);

#endif
