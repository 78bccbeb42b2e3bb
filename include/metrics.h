/*
 * metrics.h - Prometheus text exposition format, written for
 * node_exporter's textfile collector (verify and harden --textfile).
 */
#ifndef PFJ_METRICS_H
#define PFJ_METRICS_H

#include <stddef.h>

#include "util.h"

struct pfj_metrics {
	struct pfj_buf b;
	int oom;		/* an allocation failed: nothing is written */
};

/* Start a metric family: its # HELP and # TYPE lines (type "gauge", ...). */
void pfj_metrics_family(struct pfj_metrics *m, const char *name, const char *type,
			const char *help);

/*
 * One sample of the current family.  labels: name, value, name, value, ...,
 * NULL (or NULL for none); values are escaped (backslash, double quote,
 * line feed) as the format wants.  Integral values are printed as integers.
 */
void pfj_metrics_sample(struct pfj_metrics *m, const char *name, const char *const *labels,
			double value);

/*
 * Replace path atomically with the metrics (a temporary file in its
 * directory, mode 0644, renamed over it): the collector never reads half a
 * file.  0, or -1 with why.
 */
int pfj_metrics_write(struct pfj_metrics *m, const char *path, char *why, size_t why_size);

void pfj_metrics_free(struct pfj_metrics *m);

/* The wall clock, in seconds (for *_timestamp_seconds). */
double pfj_metrics_now(void);

#endif
