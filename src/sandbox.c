/*
 * sandbox.c - seccomp filters built from policy files with libseccomp.
 *
 * Policies are data (conf/NAME.policy, installed beside the jail profiles):
 * which calls a sandboxed process may make is something an administrator
 * can read and review without reading C.  One engine reads them all.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <seccomp.h>

#include "sandbox.h"

int pfj_policy_parse(const char *text, const char *name, struct pfj_strv *calls,
		     char *why, size_t why_size)
{
	unsigned lineno = 0;
	const char *p = text;

	while (*p) {
		const char *e = strchrnul(p, '\n');
		char word[64];
		size_t n;

		lineno++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		n = strcspn(p, " \t\n#");
		if (p + n > e)
			n = (size_t)(e - p);
		if (n > 0 && *p != '#') {
			const char *rest = p + n;

			while (rest < e && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest < e && *rest != '#') {
				snprintf(why, why_size, "%s:%u: one system call name per line", name, lineno);
				return -1;
			}
			if (n >= sizeof(word)) {
				snprintf(why, why_size, "%s:%u: name too long", name, lineno);
				return -1;
			}
			memcpy(word, p, n);
			word[n] = '\0';
			if (seccomp_syscall_resolve_name(word) == __NR_SCMP_ERROR) {
				snprintf(why, why_size, "%s:%u: unknown system call \"%s\"", name, lineno, word);
				return -1;
			}
			if (!pfj_strv_contains(calls, word) && pfj_strv_add(calls, word) < 0) {
				snprintf(why, why_size, "out of memory");
				return -1;
			}
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

int pfj_seccomp_allow(const struct pfj_strv *calls, uint32_t otherwise, char *why, size_t why_size)
{
	scmp_filter_ctx ctx;
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, why_size, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(otherwise);
	if (!ctx) {
		snprintf(why, why_size, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < calls->n; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(calls->v[i]), 0);
		if (r < 0) {
			snprintf(why, why_size, "seccomp rule for %s: %s", calls->v[i], strerror(-r));
			seccomp_release(ctx);
			return -1;
		}
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		snprintf(why, why_size, "seccomp_load: %s", strerror(-r));
		return -1;
	}
	return 0;
}

int pfj_seccomp_allow_file(const char *path, uint32_t otherwise, char *why, size_t why_size)
{
	struct pfj_buf text = { 0 };
	struct pfj_strv calls = { 0 };
	int r = pfj_read_file(path, 1u << 20, &text);

	if (r < 0) {
		snprintf(why, why_size, "%s: cannot read seccomp policy: %s", path, strerror(-r));
		return -1;
	}
	r = pfj_policy_parse(text.data ? text.data : "", path, &calls, why, why_size);
	if (r == 0)
		r = pfj_seccomp_allow(&calls, otherwise, why, why_size);
	pfj_buf_free(&text);
	pfj_strv_free(&calls);
	return r;
}
