/*
 * test_chrootplan.c - the chroot column rules, entry by entry.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "chrootplan.h"
#include "conf.h"

struct plan_case {
	const char *label;
	const char *line;		/* one master.cf entry */
	bool dash_means_y;
	enum pfj_chroot_action action;
	char to;
};

static const struct plan_case cases[] = {
	{ "smtpd n -> y", "smtp inet n - n - - smtpd", false, PFJ_CHROOT_CHANGE, 'y' },
	{ "smtpd - -> y", "smtp inet n - - - - smtpd", false, PFJ_CHROOT_CHANGE, 'y' },
	{ "smtpd y kept", "smtp inet n - y - - smtpd", false, PFJ_CHROOT_KEEP, 'y' },
	{ "qmgr n -> y", "qmgr unix n - n 300 1 qmgr", false, PFJ_CHROOT_CHANGE, 'y' },
	{ "absolute daemon path", "smtp inet n - n - - /usr/lib/postfix/sbin/smtpd", false, PFJ_CHROOT_CHANGE, 'y' },
	{ "double slash is foreign", "smtp inet n - n - - /usr/lib/postfix/sbin//smtpd", false, PFJ_CHROOT_FOREIGN, 'n' },
	{ "local n kept", "local unix - n n - - local", false, PFJ_CHROOT_KEEP, 'n' },
	{ "local y -> n really", "local unix - n y - - local", false, PFJ_CHROOT_CHANGE, 'n' },
	{ "pipe - kept when - means n", "maildrop unix - n - - - pipe flags=DRXhu user=vmail argv=/x", false, PFJ_CHROOT_KEEP, '-' },
	{ "pipe - -> n when - means y", "maildrop unix - n - - - pipe flags=DRXhu user=vmail argv=/x", true, PFJ_CHROOT_CHANGE, 'n' },
	{ "proxywrite instance", "proxywrite unix - - y - 1 proxymap", false, PFJ_CHROOT_CHANGE, 'n' },
	{ "postlogd unix-dgram", "postlog unix-dgram n - y - 1 postlogd", false, PFJ_CHROOT_CHANGE, 'n' },
	{ "spawn", "policy unix - n y - - spawn user=nobody argv=/usr/bin/policyd", false, PFJ_CHROOT_CHANGE, 'n' },
	{ "virtual -", "virtual unix - n - - - virtual", true, PFJ_CHROOT_CHANGE, 'n' },
	{ "foreign program", "amavis unix - - n - 2 /usr/sbin/amavisd", false, PFJ_CHROOT_FOREIGN, 'n' },
	{ "unknown name", "dovecot unix - n n - - deliver", false, PFJ_CHROOT_FOREIGN, 'n' },
	{ "subdirectory command", "x unix - n n - - sub/smtpd", false, PFJ_CHROOT_FOREIGN, 'n' },
	{ "other dir same basename", "smtp inet n - n - - /opt/postfix/smtpd", false, PFJ_CHROOT_FOREIGN, 'n' },
};

static void test_plan_case(void **state)
{
	const struct plan_case *tc = *state;
	struct pfj_conf conf;
	struct pfj_mcf mcf;
	struct pfj_mcf_error err;
	struct pfj_chroot_decision d;
	char why[256];
	struct pfj_chroot_rules rules;

	assert_int_equal(pfj_conf_load(&conf, NULL, false, why, sizeof(why)), 0);
	rules = (struct pfj_chroot_rules){
		.chrootable = &conf.master_chrootable,
		.exclude = &conf.master_chroot_exclude,
		.daemon_directory = "/usr/lib/postfix/sbin/",
		.dash_means_y = tc->dash_means_y,
	};
	assert_int_equal(pfj_mcf_parse(tc->line, strlen(tc->line), &mcf, &err), 0);
	assert_int_equal(mcf.n, 1);
	pfj_chroot_plan(&mcf, &rules, &d);
	assert_int_equal(d.action, tc->action);
	if (tc->action == PFJ_CHROOT_FOREIGN) {
		assert_non_null(d.why);
		assert_int_equal(d.to, d.from);
	} else {
		assert_int_equal(d.to, tc->to);
	}
	pfj_mcf_free(&mcf);
	pfj_conf_free(&conf);
}

static void test_dash_means_y(void **state)
{
	(void)state;
	assert_true(pfj_chroot_dash_means_y("2.11.3", "2"));	/* before 3.0 */
	assert_true(pfj_chroot_dash_means_y("2.11.3", "0"));
	assert_true(pfj_chroot_dash_means_y("3.7.11", "0"));	/* backwards-compatible */
	assert_false(pfj_chroot_dash_means_y("3.7.11", "1"));
	assert_false(pfj_chroot_dash_means_y("3.7.11", "2"));
	assert_false(pfj_chroot_dash_means_y("3.7.11", "3.6"));
	assert_false(pfj_chroot_dash_means_y("3.0.0", "1"));
}

/* Several entries: decisions line up with entries, in order. */
static void test_whole_file(void **state)
{
	static const char text[] =
		"smtp inet n - n - - smtpd\n"
		"local unix - n y - - local\n"
		"amavis unix - - n - 2 smtp\n"
		"  -o smtp_data_done_timeout=1200\n"
		"x unix - - y - - /usr/bin/x\n";
	struct pfj_conf conf;
	struct pfj_mcf mcf;
	struct pfj_mcf_error err;
	struct pfj_chroot_decision d[4];
	char why[256];
	struct pfj_chroot_rules rules;

	(void)state;
	assert_int_equal(pfj_conf_load(&conf, NULL, false, why, sizeof(why)), 0);
	rules = (struct pfj_chroot_rules){
		.chrootable = &conf.master_chrootable,
		.exclude = &conf.master_chroot_exclude,
		.daemon_directory = "/usr/lib/postfix/sbin",
	};
	assert_int_equal(pfj_mcf_parse(text, sizeof(text) - 1, &mcf, &err), 0);
	assert_int_equal(mcf.n, 4);
	pfj_chroot_plan(&mcf, &rules, d);
	assert_int_equal(d[0].to, 'y');
	assert_int_equal(d[1].to, 'n');
	assert_int_equal(d[2].to, 'y');	/* an smtp client instance is still smtp */
	assert_string_equal(d[2].daemon, "smtp");
	assert_int_equal(d[3].action, PFJ_CHROOT_FOREIGN);
	pfj_mcf_free(&mcf);
	pfj_conf_free(&conf);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_dash_means_y),
		cmocka_unit_test(test_whole_file),
	};

	return tu_run_table("chrootplan", cases, TU_NELEM(cases), sizeof(cases[0]), test_plan_case, NULL, NULL,
			    extra, TU_NELEM(extra));
}
