/*
 * metrics.c - Prometheus text exposition format (version 0.0.4) for
 * node_exporter's textfile collector.
 *
 * Every family gets "# HELP" and "# TYPE" before its samples; label
 * values escape backslash, double quote and line feed, HELP text
 * backslash and line feed, as the format requires (a path in a finding
 * may hold any of them).  The file is replaced atomically in its own
 * directory, so the collector, which reads every *.prom file at each
 * scrape, sees the old file or the new one.  The temporary's name
 * (".NAME.pfjail-XXXXXXXXXXXX") does not end in ".prom".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "safefile.h"

/* add_escaped - s with backslash, line feed (and with quote, double quote) escaped */
static void add_escaped(struct pfj_metrics *m, const char *s, int quote)
{
	for (; *s; s++) {
		int r;

		if (*s == '\\')
			r = pfj_buf_adds(&m->b, "\\\\");
		else if (*s == '\n')
			r = pfj_buf_adds(&m->b, "\\n");
		else if (quote && *s == '"')
			r = pfj_buf_adds(&m->b, "\\\"");
		else
			r = pfj_buf_add(&m->b, s, 1);
		if (r < 0)
			m->oom = 1;
	}
}

static void add(struct pfj_metrics *m, const char *s)
{
	if (pfj_buf_adds(&m->b, s) < 0)
		m->oom = 1;
}

void pfj_metrics_family(struct pfj_metrics *m, const char *name, const char *type,
			const char *help)
{
	add(m, "# HELP ");
	add(m, name);
	add(m, " ");
	add_escaped(m, help, 0);
	add(m, "\n# TYPE ");
	add(m, name);
	add(m, " ");
	add(m, type);
	add(m, "\n");
}

void pfj_metrics_sample(struct pfj_metrics *m, const char *name, const char *const *labels,
			double value)
{
	char num[64];

	add(m, name);
	if (labels && labels[0]) {
		add(m, "{");
		for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
			if (i)
				add(m, ",");
			add(m, labels[i]);
			add(m, "=\"");
			add_escaped(m, labels[i + 1], 1);
			add(m, "\"");
		}
		add(m, "}");
	}
	if (value > -1e15 && value < 1e15 && value == (double)(long long)value)
		snprintf(num, sizeof(num), "%lld", (long long)value);
	else
		snprintf(num, sizeof(num), "%.15g", value);
	add(m, " ");
	add(m, num);
	add(m, "\n");
}

int pfj_metrics_write(struct pfj_metrics *m, const char *path, char *why, size_t why_size)
{
	struct pfj_replace_opts opts = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path, *stage = "";
	char *dir;
	int dfd, r;

	if (m->oom) {
		snprintf(why, why_size, "%s: out of memory; not written", path);
		return -1;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(why, why_size, "%s: not a file name", path);
		return -1;
	}
	dir = slash ? (slash == path ? strdup("/") : strndup(path, (size_t)(slash - path)))
		    : strdup(".");
	if (!dir) {
		snprintf(why, why_size, "%s: out of memory; not written", path);
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(why, why_size, "%s: %s; the metrics are not written", dir, strerror(errno));
		free(dir);
		return -1;
	}
	r = pfj_replace_at(dfd, name, m->b.data ? m->b.data : "", m->b.len, &opts, &stage);
	close(dfd);
	free(dir);
	if (r < 0) {
		snprintf(why, why_size, "%s: cannot replace (%s): %s; the previous file is unchanged",
			 path, stage, strerror(-r));
		return -1;
	}
	return 0;
}

void pfj_metrics_free(struct pfj_metrics *m)
{
	pfj_buf_free(&m->b);
	m->oom = 0;
}

double pfj_metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
