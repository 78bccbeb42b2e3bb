/*
 * test_metrics.c - the Prometheus text format pfjail writes: HELP and
 * TYPE lines, label escaping, numbers, and the atomic write.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "testutil.h"
#include "metrics.h"

static void test_family_and_samples(void **state)
{
	struct pfj_metrics m = { 0 };
	const char *labels[] = { "class", "content", "path", "a\"b\\c\nd", NULL };

	(void)state;
	pfj_metrics_family(&m, "x_total", "gauge", "Help with a \\ and a\nline feed, and \"quotes\".");
	pfj_metrics_sample(&m, "x_total", NULL, 3);
	pfj_metrics_sample(&m, "x_total", labels, 0);
	pfj_metrics_sample(&m, "x_total", NULL, 1.5);
	pfj_metrics_sample(&m, "x_total", NULL, 1733450000.25);
	pfj_metrics_sample(&m, "x_total", NULL, -2);
	assert_false(m.oom);
	assert_string_equal(m.b.data,
			    "# HELP x_total Help with a \\\\ and a\\nline feed, and \"quotes\".\n"
			    "# TYPE x_total gauge\n"
			    "x_total 3\n"
			    "x_total{class=\"content\",path=\"a\\\"b\\\\c\\nd\"} 0\n"
			    "x_total 1.5\n"
			    "x_total 1733450000.25\n"
			    "x_total -2\n");
	pfj_metrics_free(&m);
}

static void test_empty_labels(void **state)
{
	struct pfj_metrics m = { 0 };
	const char *none[] = { NULL };
	const char *empty[] = { "service", "", NULL };

	(void)state;
	pfj_metrics_sample(&m, "y", none, 0);
	pfj_metrics_sample(&m, "y", empty, 1);
	assert_string_equal(m.b.data, "y 0\ny{service=\"\"} 1\n");
	pfj_metrics_free(&m);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_metrics m = { 0 };
	char path[512], why[1024], *text;
	struct stat st;

	snprintf(path, sizeof(path), "%s/pfjail.prom", d->path);
	pfj_metrics_family(&m, "z", "gauge", "z.");
	pfj_metrics_sample(&m, "z", NULL, 1);
	assert_int_equal(pfj_metrics_write(&m, path, why, sizeof(why)), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "# HELP z z.\n# TYPE z gauge\nz 1\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* replaced, not appended; no temporary left */
	pfj_metrics_free(&m);
	pfj_metrics_sample(&m, "z", NULL, 0);
	assert_int_equal(pfj_metrics_write(&m, path, why, sizeof(why)), 0);
	text = tu_read(path, NULL);
	assert_string_equal(text, "z 0\n");
	free(text);
	assert_int_equal(count_entries(d->path), 1);
	/* a directory that does not exist: an error naming it */
	snprintf(path, sizeof(path), "%s/none/pfjail.prom", d->path);
	assert_int_equal(pfj_metrics_write(&m, path, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/none: No such file or directory"));
	/* not a file name */
	assert_int_equal(pfj_metrics_write(&m, "/tmp/..", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a file name"));
	pfj_metrics_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_empty_labels),
		cmocka_unit_test_setup_teardown(test_write, tu_dir_setup, tu_dir_teardown),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
