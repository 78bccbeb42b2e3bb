/*
 * test_supervise.c - the supervisor's building blocks: the sd_notify
 * protocol (to real sockets), capability names to a mask, seccomp policy
 * parsing for denylists, system call names, /proc status fields, the
 * holder of a flock from /proc/locks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

#include "launch.h"
#include "sandbox.h"
#include "sdnotify.h"
#include "util.h"

/* bind_dgram - a datagram socket at path ('@' = abstract) */
static int bind_dgram(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_notify_path(void **state)
{
	struct tu_dir *d = *state;
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/notify", d->path);
	fd = bind_dgram(path);
	assert_int_equal(pfj_sd_notify_to(path, "READY=1\nSTATUS=up"), 1);
	expect_datagram(fd, "READY=1\nSTATUS=up");
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(pfj_sd_notify("STOPPING=1"), 1);
	expect_datagram(fd, "STOPPING=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

static void test_notify_abstract(void **state)
{
	char name[64];
	int fd;

	(void)state;
	snprintf(name, sizeof(name), "@pfjail-test-%d", (int)getpid());
	fd = bind_dgram(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(pfj_sd_notify("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

static void test_notify_absent_or_bad(void **state)
{
	struct tu_dir *d = *state;
	char path[300];

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(pfj_sd_notify("READY=1"), 0);	/* no manager: nothing to do */
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(pfj_sd_notify("READY=1"), 0);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(pfj_sd_notify_to("relative/socket", "READY=1"), -EINVAL);
	snprintf(path, sizeof(path), "%s/nobody-listens", d->path);
	assert_true(pfj_sd_notify_to(path, "READY=1") < 0);	/* ENOENT, not a crash */
}

static void test_caps_mask(void **state)
{
	const char *def[] = { "setuid", "setgid", "sys_chroot", "net_bind_service",
			      "dac_read_search", "dac_override", "kill", "chown", "fowner" };
	struct pfj_strv v = { 0 };
	uint64_t mask;
	char why[128];

	(void)state;
	for (size_t i = 0; i < TU_NELEM(def); i++)
		assert_int_equal(pfj_strv_add(&v, def[i]), 0);
	assert_int_equal(pfj_caps_mask(&v, &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, 0x404efULL);	/* what CapBnd shows for master */
	assert_int_equal(pfj_strv_add(&v, "not_a_cap"), 0);
	assert_int_equal(pfj_caps_mask(&v, &mask, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not_a_cap"));
	pfj_strv_free(&v);
}

static void test_policy_unknown(void **state)
{
	const char *text = "# deny\nptrace\n\nnot_a_syscall_at_all  # elsewhere\nbpf\n";
	struct pfj_strv v = { 0 };
	char why[256];

	(void)state;
	assert_int_equal(pfj_policy_parse(text, "p.policy", 0, &v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "p.policy:4:"));
	pfj_strv_free(&v);
	assert_int_equal(pfj_policy_parse(text, "p.policy", 1, &v, why, sizeof(why)), 0);
	assert_string_equal(tu_join(&v, ","), "ptrace,bpf");
	pfj_strv_free(&v);
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_int_equal(pfj_seccomp_mode("deny"), PFJ_SECCOMP_DENY);
	assert_int_equal(pfj_seccomp_mode("allow"), PFJ_SECCOMP_ALLOW);
	assert_int_equal(pfj_seccomp_mode("learn"), PFJ_SECCOMP_LEARN);
	assert_int_equal(pfj_seccomp_mode("off"), PFJ_SECCOMP_OFF);
	assert_int_equal(pfj_seccomp_mode("Deny"), -1);
}

static void test_syscall_name(void **state)
{
	char buf[48];

	(void)state;
	assert_string_equal(pfj_syscall_name(SYS_ptrace, buf, sizeof(buf)), "ptrace");
	assert_string_equal(pfj_syscall_name(SYS_open_by_handle_at, buf, sizeof(buf)),
			    "open_by_handle_at");
	assert_string_equal(pfj_syscall_name(99999, buf, sizeof(buf)), "syscall 99999");
}

static void test_proc_status(void **state)
{
	uint64_t bnd;
	long v;

	(void)state;
	assert_int_equal(pfj_proc_status_hex(0, "CapBnd", &bnd), 0);
	assert_int_equal(pfj_proc_status_int(0, "Pid", &v), 0);
	assert_int_equal(v, (long)getpid());
	assert_int_equal(pfj_proc_status_int(getpid(), "Pid", &v), 0);
	assert_int_equal(v, (long)getpid());
	assert_int_equal(pfj_proc_status_hex(0, "NoSuchKey", &bnd), -ENOENT);
	assert_int_equal(pfj_proc_status_int(0, "Name", &v), -EINVAL);	/* not a number */
}

/* the holder of a write flock, from /proc/locks text and for real */
static void test_flock_holder(void **state)
{
	static const char locks[] =
		"1: POSIX  ADVISORY  WRITE 11 00:2a:77 0 EOF\n"
		"2: FLOCK  ADVISORY  READ  22 08:01:77 0 EOF\n"
		"3: FLOCK  ADVISORY  WRITE 33 08:02:77 0 EOF\n"
		"4: FLOCK  ADVISORY  WRITE 44 08:01:77 0 EOF\n";
	struct tu_dir *d = *state;
	char path[512];
	struct stat st;
	int fd;

	assert_int_equal(pfj_locks_holder(locks, makedev(8, 1), 77), 44);
	assert_int_equal(pfj_locks_holder(locks, makedev(8, 1), 78), 0);
	assert_int_equal(pfj_locks_holder(locks, makedev(0, 0x2a), 77), 0);	/* POSIX, not flock */
	assert_int_equal(pfj_locks_holder("", makedev(8, 1), 77), 0);
	assert_int_equal(pfj_locks_holder("garbage\n\n4: FLOCK", makedev(8, 1), 77), 0);
	assert_int_equal(pfj_locks_holder(NULL, makedev(8, 1), 77), 0);

	snprintf(path, sizeof(path), "%s/lock", d->path);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pfj_flock_holder(&st), 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(pfj_flock_holder(&st), getpid());
	close(fd);
	assert_int_equal(pfj_flock_holder(&st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_path, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test(test_notify_abstract),
		cmocka_unit_test_setup_teardown(test_notify_absent_or_bad, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test(test_caps_mask),
		cmocka_unit_test(test_policy_unknown),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_syscall_name),
		cmocka_unit_test(test_proc_status),
		cmocka_unit_test_setup_teardown(test_flock_holder, tu_dir_setup, tu_dir_teardown),
	};

	return cmocka_run_group_tests_name("supervise", tests, NULL, NULL);
}
