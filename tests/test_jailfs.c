/*
 * test_jailfs.c - walking a hostile jail tree: symlinks, foreign owners and
 * writable directories are refused, nothing outside the jail is created.
 * Runs as root only (ownership is the point); skipped otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "jailfs.h"

#define NOBODY 65534

struct fx {
	struct tu_dir *d;
	char jail[512];		/* root-owned 0755 jail root */
	char outside[512];	/* sentinel directory outside the jail */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	void *d;

	if (geteuid() != 0) {
		free(f);
		*state = NULL;
		return 0;
	}
	if (!f || tu_dir_setup(&d) < 0)
		return -1;
	f->d = d;
	chmod(f->d->path, 0755);
	snprintf(f->jail, sizeof(f->jail), "%s/spool", f->d->path);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->d->path);
	mkdir(f->jail, 0755);
	mkdir(f->outside, 0755);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f) {
		void *d = f->d;

		tu_dir_teardown(&d);
		free(f);
	}
	return 0;
}

#define NEED_ROOT(f) do { if (!(f)) skip(); } while (0)

static int open_root(struct fx *f, char *why, size_t n)
{
	return pfj_jail_open_root(f->jail, why, n);
}

static void test_root_ok(void **state)
{
	struct fx *f = *state;
	char why[512];
	int fd;

	NEED_ROOT(f);
	fd = open_root(f, why, sizeof(why));
	if (fd < 0)
		fail_msg("%s", why);
	close(fd);
}

static void test_root_group_writable(void **state)
{
	struct fx *f = *state;
	char why[512];

	NEED_ROOT(f);
	chmod(f->jail, 0775);
	assert_int_equal(open_root(f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others"));
	assert_non_null(strstr(why, f->jail));
}

static void test_root_foreign_owner(void **state)
{
	struct fx *f = *state;
	char why[512];

	NEED_ROOT(f);
	assert_int_equal(chown(f->jail, NOBODY, NOBODY), 0);
	assert_int_equal(open_root(f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "must be owned by root"));
}

static void test_ancestor_foreign_owner(void **state)
{
	struct fx *f = *state;
	char why[512];

	NEED_ROOT(f);
	assert_int_equal(chown(f->d->path, NOBODY, NOBODY), 0);
	assert_int_equal(open_root(f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "ancestor"));
	assert_non_null(strstr(why, "not owned by root"));
}

static void test_root_through_symlink(void **state)
{
	struct fx *f = *state;
	char why[512], link[600];

	NEED_ROOT(f);
	snprintf(link, sizeof(link), "%s/link", f->d->path);
	assert_int_equal(symlink(f->jail, link), 0);
	assert_int_equal(pfj_jail_open_root(link, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "symlink"));
}

static void test_create_dirs(void **state)
{
	struct fx *f = *state;
	char why[512], path[700];
	struct stat st;
	int root, fd;

	NEED_ROOT(f);
	root = open_root(f, why, sizeof(why));
	assert_true(root >= 0);
	fd = pfj_jail_open_dir(root, "usr/lib/zoneinfo", 0755, 1, why, sizeof(why));
	if (fd < 0)
		fail_msg("%s", why);
	close(fd);
	snprintf(path, sizeof(path), "%s/usr/lib/zoneinfo", f->jail);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	/* existing: opened again without create */
	fd = pfj_jail_open_dir(root, "usr/lib", 0755, 0, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	/* missing without create */
	assert_int_equal(pfj_jail_open_dir(root, "lib64", 0755, 0, why, sizeof(why)), -1);
	close(root);
}

/* etc -> OUTSIDE: never write or create through it */
static void test_symlinked_dir_refused(void **state)
{
	struct fx *f = *state;
	char why[512], link[600], probe[700];
	int root;

	NEED_ROOT(f);
	snprintf(link, sizeof(link), "%s/etc", f->jail);
	assert_int_equal(symlink(f->outside, link), 0);
	root = open_root(f, why, sizeof(why));
	assert_int_equal(pfj_jail_open_dir(root, "etc", 0755, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "etc: refusing: it is a symlink"));
	assert_int_equal(pfj_jail_open_dir(root, "etc/ssl/certs", 0755, 1, why, sizeof(why)), -1);
	snprintf(probe, sizeof(probe), "%s/ssl", f->outside);
	assert_int_equal(access(probe, F_OK), -1);	/* nothing created outside */
	close(root);
}

static void test_postfix_owned_dir_refused(void **state)
{
	struct fx *f = *state;
	char why[512], dir[600];
	int root;

	NEED_ROOT(f);
	snprintf(dir, sizeof(dir), "%s/etc", f->jail);
	mkdir(dir, 0755);
	assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
	root = open_root(f, why, sizeof(why));
	assert_int_equal(pfj_jail_open_dir(root, "etc", 0755, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not owned by root"));
	close(root);
}

static void test_writable_dir_refused(void **state)
{
	struct fx *f = *state;
	char why[512], dir[600];
	int root;

	NEED_ROOT(f);
	snprintf(dir, sizeof(dir), "%s/lib", f->jail);
	mkdir(dir, 0755);
	chmod(dir, 01777);
	root = open_root(f, why, sizeof(why));
	assert_int_equal(pfj_jail_open_dir(root, "lib", 0755, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others"));
	close(root);
}

static void test_file_in_place_of_dir(void **state)
{
	struct fx *f = *state;
	char why[512];
	int root;

	NEED_ROOT(f);
	free(tu_write(f->jail, "usr", "x", 0644));
	root = open_root(f, why, sizeof(why));
	assert_int_equal(pfj_jail_open_dir(root, "usr/lib", 0755, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "usr: refusing: it is something else"));
	close(root);
}

static void test_dotdot_refused(void **state)
{
	struct fx *f = *state;
	char why[512];
	int root;

	NEED_ROOT(f);
	root = open_root(f, why, sizeof(why));
	assert_int_equal(pfj_jail_open_dir(root, "etc/../..", 0755, 1, why, sizeof(why)), -1);
	assert_int_equal(pfj_jail_open_dir(root, "./etc", 0755, 1, why, sizeof(why)), -1);
	close(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_group_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_foreign_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ancestor_foreign_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_postfix_owned_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_in_place_of_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("jailfs", tests, NULL, NULL);
}
