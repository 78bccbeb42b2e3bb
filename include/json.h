/* json.h - a minimal streaming JSON writer for --json output. */
#ifndef PFJ_JSON_H
#define PFJ_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct pfj_json {
	struct pfj_buf buf;
	int depth;
	bool need_comma[32];
	int err;		/* first -errno seen; writes after it are no-ops */
};

void pfj_json_obj_begin(struct pfj_json *j, const char *key);	/* key NULL inside arrays / at top */
void pfj_json_obj_end(struct pfj_json *j);
void pfj_json_arr_begin(struct pfj_json *j, const char *key);
void pfj_json_arr_end(struct pfj_json *j);
void pfj_json_str(struct pfj_json *j, const char *key, const char *val);	/* NULL val: null */
void pfj_json_strn(struct pfj_json *j, const char *key, const char *val, size_t len);
void pfj_json_int(struct pfj_json *j, const char *key, long long val);
void pfj_json_bool(struct pfj_json *j, const char *key, bool val);
/* Write the document plus a newline to stdout; 0 or -errno.  Frees j. */
int pfj_json_flush(struct pfj_json *j);
void pfj_json_free(struct pfj_json *j);

#endif
