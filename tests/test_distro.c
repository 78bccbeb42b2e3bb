/*
 * test_distro.c - the distribution's truths about the queue directory:
 * dpkg-statoverride entries, the package scripts' modes and the package's
 * file list, read from a system image (as with -R).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "distro.h"
#include "profile.h"

struct seen {
	char text[1024];
};

static int record(const char *owner, const char *group, unsigned mode, const char *rel, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s %s %o %s;", owner, group, mode, rel);
	return 0;
}

static void test_parse_statoverride(void **state)
{
	static const char db[] =
		"postfix postdrop 2710 /var/spool/postfix/public\n"
		"root root 4755 /usr/bin/elsewhere\n"		/* not below the queue dir */
		"postfix postdrop 02710 /var/spool/postfix\n"	/* the queue dir itself */
		"postfix postdrop 1730\n"			/* no path */
		"postfix postdrop 17x0 /var/spool/postfix/maildrop\n"	/* not octal */
		"postfix postdrop 77777 /var/spool/postfix/maildrop\n"	/* too wide */
		"postfix postdrop 0700 /var/spool/postfix/../etc\n"	/* escapes */
		"postfix postdrop 0700 relative/path\n"
		"#0 #0 0755 /var/spool/postfix/with space\n"
		"root root 0755 /var/spool/postfixother/x\n"	/* a sibling, not below */
		"postfix postdrop 0710 /var/spool/postfix/maildrop";	/* no final newline */
	struct seen s = { "" };

	(void)state;
	assert_int_equal(pfj_distro_parse_statoverride(db, sizeof(db) - 1, "/var/spool/postfix/",
						       record, &s), 0);
	assert_string_equal(s.text, "postfix postdrop 2710 public;#0 #0 755 with space;"
			    "postfix postdrop 710 maildrop;");
}

/* image - a system root with passwd, group and dpkg's files */
static void image(const char *root, int with_list)
{
	char p[512];

	snprintf(p, sizeof(p), "mkdir -p %s/etc %s/var/lib/dpkg/info", root, root);
	assert_int_equal(system(p), 0);
	free(tu_write(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\npostfix:x:105:111::/:/bin/false\n", 0));
	free(tu_write(root, "etc/group", "root:x:0:\npostfix:x:111:\npostdrop:x:112:\n", 0));
	free(tu_write(root, "var/lib/dpkg/statoverride",
		      "postfix postdrop 2710 /var/spool/postfix/public\n"
		      "nosuchuser postdrop 0700 /var/spool/postfix/private\n"	/* unknown name */
		      "root root 0700 /var/spool/postfix/etc\n", 0));		/* not a queue dir */
	if (with_list)
		free(tu_write(root, "var/lib/dpkg/info/postfix.list",
			      "/.\n/var/spool/postfix\n/var/spool/postfix/dev\n"
			      "/var/spool/postfix/usr/lib/sasl2\n/usr/sbin/postfix\n"
			      "/var/spool/postfix/../../etc\n", 0));
}

static void profile(struct pfj_profile *p)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(pfj_strv_add(&p->owner_overrides, "/var/lib/dpkg/statoverride"), 0);
	assert_int_equal(pfj_strv_add(&p->package_lists, "/var/lib/dpkg/info/postfix.list"), 0);
	assert_int_equal(pfj_strv_add(&p->package_lists, "/var/lib/dpkg/info/missing.list"), 0);
	p->queue_modes = calloc(1, sizeof(*p->queue_modes));
	assert_non_null(p->queue_modes);
	p->n_queue_modes = 1;
	p->queue_modes[0].directory = strdup("maildrop");
	p->queue_modes[0].mode = 01730;
	p->queue_modes[0].if_exists = strdup("/var/lib/dpkg/info/postfix.list");
}

static const struct pfj_queue_dir *find(const struct pfj_queue_dir *qd, size_t n, const char *name,
					mode_t mode)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(qd[i].name, name) == 0 && qd[i].mode == mode)
			return &qd[i];
	return NULL;
}

/* postfix-files' entries as verify loads them, before the distribution's */
static struct pfj_queue_dir *postfix_files(size_t *n)
{
	struct pfj_queue_dir *qd = calloc(3, sizeof(*qd));

	assert_non_null(qd);
	snprintf(qd[0].name, sizeof(qd[0].name), "public");
	qd[0].uid = 105, qd[0].gid = 112, qd[0].mode = 02710;
	snprintf(qd[1].name, sizeof(qd[1].name), "maildrop");
	qd[1].uid = 105, qd[1].gid = 112, qd[1].mode = 0730;
	snprintf(qd[2].name, sizeof(qd[2].name), "private");
	qd[2].uid = 105, qd[2].gid = (gid_t)-1, qd[2].mode = 0700;
	*n = 3;
	return qd;
}

static void test_queue_dirs(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_profile p;
	struct pfj_queue_dir *qd;
	const struct pfj_queue_dir *e;
	size_t n;

	image(d->path, 1);
	profile(&p);
	qd = postfix_files(&n);
	assert_int_equal(pfj_distro_queue_dirs(d->path, "/var/spool/postfix", &p, &qd, &n), 0);
	/* maildrop 1730 (the postinst's chmod), public from statoverride, names from the image */
	e = find(qd + 3, n - 3, "maildrop", 01730);
	if (!e)
		fail_msg("no maildrop 1730");
	else
		assert_int_equal(e->uid, 105);
	e = find(qd + 3, n - 3, "public", 02710);
	if (!e) {
		fail_msg("no public 2710 from statoverride");
	} else {
		assert_int_equal(e->uid, 105);
		assert_int_equal(e->gid, 112);
	}
	/* an unknown user, and a directory that is not Postfix's, add nothing */
	assert_int_equal(n, 5);
	free(qd);
	pfj_profile_free(&p);
}

static void test_queue_dirs_no_dpkg(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_profile p;
	struct pfj_queue_dir *qd;
	size_t n;

	/* an RPM system: no dpkg files at all */
	profile(&p);
	qd = postfix_files(&n);
	assert_int_equal(pfj_distro_queue_dirs(d->path, "/var/spool/postfix", &p, &qd, &n), 0);
	assert_int_equal(n, 3);
	/* statoverride but no postfix.list: maildrop's 1730 is not Debian's here */
	image(d->path, 0);
	assert_int_equal(pfj_distro_queue_dirs(d->path, "/var/spool/postfix", &p, &qd, &n), 0);
	assert_null(find(qd, n, "maildrop", 01730));
	assert_non_null(find(qd + 3, n - 3, "public", 02710));
	free(qd);
	pfj_profile_free(&p);
}

static void test_package_dirs(void **state)
{
	struct tu_dir *d = *state;
	struct pfj_profile p;
	struct pfj_strv dirs = { 0 };

	image(d->path, 1);
	profile(&p);
	assert_int_equal(pfj_distro_package_dirs(d->path, "/var/spool/postfix", &p, &dirs), 0);
	/* below the queue directory only, normalised; the queue dir itself is not one */
	assert_string_equal(tu_join(&dirs, ","), "dev,usr/lib/sasl2");
	pfj_strv_free(&dirs);
	pfj_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_statoverride),
		cmocka_unit_test_setup_teardown(test_queue_dirs, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_queue_dirs_no_dpkg, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(test_package_dirs, tu_dir_setup, tu_dir_teardown),
	};

	return cmocka_run_group_tests_name("distro", tests, NULL, NULL);
}
