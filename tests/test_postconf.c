/*
 * test_postconf.c - the postconf reader against fake postconf programs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "postconf.h"
#include "proc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* fake - install a postconf script in the test dir */
static void fake(const char *dir, const char *body)
{
	char script[4096];

	snprintf(script, sizeof(script), "#!/bin/sh\n%s\n", body);
	free(tu_write(dir, "postconf", script, 0755));
}

static void test_values_in_order(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "queue_directory", "mail_version", "empty" };
	char *v[3], why[512], body[1024], *args;

	snprintf(body, sizeof(body),
		 "echo \"$@\" > %s/args\nprintf '/var/spool/postfix\\n3.7.11\\n\\n'", d->path);
	fake(d->path, body);
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	assert_int_equal(pfj_postconf_get(&pc, names, 3, v, why, sizeof(why)), 0);
	assert_string_equal(v[0], "/var/spool/postfix");
	assert_string_equal(v[1], "3.7.11");
	assert_string_equal(v[2], "");
	snprintf(body, sizeof(body), "%s/args", d->path);
	args = tu_read(body, NULL);
	assert_string_equal(args, "-c /etc/postfix -xh queue_directory mail_version empty\n");
	free(args);
	for (int i = 0; i < 3; i++)
		free(v[i]);
	pfj_postconf_free(&pc);
}

static void test_clean_environment(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "x" };
	char *v, why[512];

	setenv("MAIL_CONFIG", "/somewhere/else", 1);
	setenv("LD_PRELOAD", "/tmp/evil.so", 1);
	fake(d->path, "echo \"${MAIL_CONFIG:-unset}:${LD_PRELOAD:-unset}:$LC_ALL\"");
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	unsetenv("LD_PRELOAD");	/* do not affect this process's later children */
	assert_int_equal(pfj_postconf_get(&pc, names, 1, &v, why, sizeof(why)), 0);
	assert_string_equal(v, "unset:unset:C");
	free(v);
	unsetenv("MAIL_CONFIG");
	pfj_postconf_free(&pc);
}

static void test_postconf_fails(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "queue_directory" };
	char *v = NULL, why[512];

	fake(d->path, "echo 'postconf: warning: something' >&2\n"
		      "echo 'postconf: fatal: open /etc/pfx/main.cf: No such file or directory' >&2\nexit 1");
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/pfx", NULL), 0);
	assert_int_equal(pfj_postconf_get(&pc, names, 1, &v, why, sizeof(why)), -1);
	assert_null(v);
	assert_non_null(strstr(why, "-c /etc/pfx failed (exit status 1)"));
	assert_non_null(strstr(why, "open /etc/pfx/main.cf: No such file or directory"));
	pfj_postconf_free(&pc);
}

static void test_postconf_missing(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "queue_directory" };
	char *v, why[512];

	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	assert_int_equal(pfj_postconf_get(&pc, names, 1, &v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "is Postfix installed?"));
	assert_non_null(strstr(why, d->path));
	pfj_postconf_free(&pc);
}

static void test_unknown_parameter(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "a", "nosuch" };
	char *v[2], why[512];

	/* real postconf: warns and prints nothing for an unknown name */
	fake(d->path, "echo one\necho 'postconf: warning: nosuch: unknown parameter' >&2");
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	assert_int_equal(pfj_postconf_get(&pc, names, 2, v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "expected 2 values, got 1"));
	assert_non_null(strstr(why, "unknown parameter"));
	pfj_postconf_free(&pc);
}

static void test_too_many_lines(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "a" };
	char *v, why[512];

	fake(d->path, "printf 'one\\ntwo\\n'");
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	assert_int_equal(pfj_postconf_get(&pc, names, 1, &v, why, sizeof(why)), -1);
	pfj_postconf_free(&pc);
}

static void test_root_paths(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	char *v, why[512], body[1024], *args;

	snprintf(body, sizeof(body), "echo \"$@\" > %s/args\necho /var/spool/postfix", d->path);
	fake(d->path, body);
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", "/mnt/img/"), 0);
	assert_int_equal(pfj_postconf_get_path(&pc, "queue_directory", &v, why, sizeof(why)), 0);
	assert_string_equal(v, "/mnt/img/var/spool/postfix");
	free(v);
	snprintf(body, sizeof(body), "%s/args", d->path);
	args = tu_read(body, NULL);
	assert_string_equal(args, "-c /mnt/img/etc/postfix -xh queue_directory\n");
	free(args);
	pfj_postconf_free(&pc);
}

static void test_relative_path_rejected(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	char *v, why[512];

	fake(d->path, "echo spool");
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	assert_int_equal(pfj_postconf_get_path(&pc, "queue_directory", &v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "queue_directory = \"spool\" is not an absolute path"));
	pfj_postconf_free(&pc);
}

/* A postconf that hangs is killed, and the caller gets an error, not a hang. */
static void test_hung_postconf(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	const char *names[] = { "queue_directory" };
	char *v = NULL, why[512], body[512];
	struct timespec t0, t1;

	snprintf(body, sizeof(body), "echo $$ > %s/pid\nexec sleep 30", d->path);
	fake(d->path, body);
	pfj_run_set_timeout(300);
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pfj_postconf_get(&pc, names, 1, &v, why, sizeof(why)), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pfj_run_set_timeout(0);
	assert_null(v);
	assert_non_null(strstr(why, "cannot run"));
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	{
		char path[512], *pid;

		snprintf(path, sizeof(path), "%s/pid", d->path);
		pid = tu_read(path, NULL);
		assert_non_null(pid);
		assert_int_equal(kill((pid_t)atoi(pid), 0), -1);	/* killed and reaped */
		free(pid);
	}
	pfj_postconf_free(&pc);
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* begin returns at once; the caller's work and postconf's overlap; end collects */
static void test_begin_end_overlap(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	struct pfj_postconf_query q;
	const char *names[] = { "queue_directory", "mail_version" };
	char *v[2] = { NULL, NULL }, why[512];
	struct timespec t0, t1, t2;

	fake(d->path, "sleep 0.3; printf '/var/spool/postfix\\n3.7.11\\n'");
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pfj_postconf_begin(&pc, names, 2, v, NULL, 0, &q, why, sizeof(why)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(elapsed(&t0, &t1) < 0.2);		/* did not wait for postconf */
	assert_int_equal(q.answered, 0);
	assert_null(v[0]);
	usleep(300 * 1000);				/* the caller's own work */
	assert_int_equal(pfj_postconf_end(&pc, &q, why, sizeof(why)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	assert_true(elapsed(&t0, &t2) < 0.55);		/* 0.3 + 0.3 overlapped, not added */
	assert_string_equal(v[0], "/var/spool/postfix");
	assert_string_equal(v[1], "3.7.11");
	free(v[0]);
	free(v[1]);
	pfj_postconf_free(&pc);
}

/* an abandoned query kills and reaps postconf at once */
static void test_abandon(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	struct pfj_postconf_query q;
	const char *names[] = { "queue_directory" };
	char *v = NULL, why[512], body[512], path[512], *pid;
	struct timespec t0, t1;

	snprintf(body, sizeof(body), "echo $$ > %s/pid\nexec sleep 30", d->path);
	fake(d->path, body);
	assert_int_equal(pfj_postconf_init(&pc, d->path, "/etc/postfix", NULL), 0);
	assert_int_equal(pfj_postconf_begin(&pc, names, 1, &v, NULL, 0, &q, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/pid", d->path);
	/* the shell creates the file before it writes it: wait for the whole line */
	for (int i = 0; i < 200; i++) {
		if ((pid = tu_read(path, NULL)) && strchr(pid, '\n'))
			break;
		free(pid);
		pid = NULL;
		usleep(10 * 1000);
	}
	assert_non_null(pid);
	assert_true(atoi(pid) > 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfj_postconf_abandon(&q);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(elapsed(&t0, &t1) < 1.0);
	assert_int_equal(kill((pid_t)atoi(pid), 0), -1);	/* killed and reaped */
	assert_null(v);
	free(pid);
	pfj_postconf_free(&pc);
}

/*
 * The cache answers without running postconf while main.cf, master.cf and
 * postconf keep their identity, and is not trusted when it is torn.
 */
static void test_cache(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_postconf pc;
	struct pfj_postconf_query q;
	const char *names[] = { "queue_directory", "mail_version" };
	char *v[2], why[512], body[1024], cache[512], runs[512], *text;
	struct stat st;

	if (geteuid() != 0)
		skip();		/* pfjail's state must be root's */
	snprintf(runs, sizeof(runs), "%s/runs", d->path);
	snprintf(body, sizeof(body), "echo run >> %s\nprintf '/var/spool/pf\\n3.7.11\\n'", runs);
	fake(d->path, body);
	free(tu_write(d->path, "main.cf", "queue_directory = /var/spool/pf\n", 0644));
	free(tu_write(d->path, "master.cf", "", 0644));
	snprintf(cache, sizeof(cache), "%s/state/inst.postconf", d->path);
	assert_int_equal(pfj_postconf_init(&pc, d->path, d->path, NULL), 0);

	for (int round = 0; round < 4; round++) {
		assert_int_equal(pfj_postconf_begin(&pc, names, 2, v, cache, 1, &q, why, sizeof(why)), 0);
		assert_int_equal(q.answered, round == 1);	/* 0: new, 2: main.cf changed, 3: torn */
		assert_int_equal(pfj_postconf_end(&pc, &q, why, sizeof(why)), 0);
		assert_string_equal(v[0], "/var/spool/pf");
		assert_string_equal(v[1], "3.7.11");
		free(v[0]);
		free(v[1]);
		assert_int_equal(stat(cache, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		if (round == 1) {
			struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };

			free(tu_write(d->path, "main.cf", "queue_directory = /var/spool/pf\n", 0644));
			snprintf(body, sizeof(body), "%s/main.cf", d->path);
			assert_int_equal(utimensat(AT_FDCWD, body, ts, 0), 0);
		}
		if (round == 2)
			assert_int_equal(truncate(cache, st.st_size - 3), 0);	/* a torn write */
	}
	text = tu_read(runs, NULL);
	assert_string_equal(text, "run\nrun\nrun\n");	/* not run in round 1 */
	free(text);
	pfj_postconf_free(&pc);
}

static void test_version_cmp(void **state)
{
	static const struct { const char *a, *b; int sign; } t[] = {
		{ "3.7.11", "3.0", 1 }, { "2.11.3", "3.0", -1 }, { "3.0", "3.0", 0 },
		{ "3.0.0", "3", 0 }, { "3.10", "3.9", 1 }, { "1", "1", 0 },
		{ "0", "1", -1 }, { "3.6", "1", 1 }, { "3.8-20221006", "3.8", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int c = pfj_postconf_version_cmp(t[i].a, t[i].b);

		assert_int_equal(c > 0 ? 1 : c < 0 ? -1 : 0, t[i].sign);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_values_in_order, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_clean_environment, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_postconf_fails, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_postconf_missing, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_parameter, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_too_many_lines, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_root_paths, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_relative_path_rejected, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_hung_postconf, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_begin_end_overlap, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_abandon, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_cache, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test(test_version_cmp),
	};

	return cmocka_run_group_tests_name("postconf", tests, NULL, NULL);
}
