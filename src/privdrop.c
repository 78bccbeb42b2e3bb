/*
 * privdrop.c - drop root permanently before touching attacker-influenced data.
 *
 * The order is the one OpenSSH and OpenSMTPD use: capabilities' bounding
 * set and supplementary groups while still privileged, then gid, then uid
 * (libcap-ng's capng_change_id does these in that order), then
 * no_new_privs.  Nothing is trusted until it is checked afterwards:
 * getres[ug]id, getgroups, the capability sets, and an attempt to become
 * root again that must fail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>

#include "privdrop.h"

int pfj_user_ids(const char *user, uid_t *uid, gid_t *gid, char *why, size_t why_size)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(why, why_size, "user \"%s\" does not exist%s%s", user,
			 errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(why, why_size, "user \"%s\" has uid or gid 0; an unprivileged account is needed",
			 user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int pfj_drop_privileges(uid_t uid, gid_t gid, char *why, size_t why_size)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0) {
		snprintf(why, why_size, "refusing to \"drop\" to uid/gid 0");
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0) {
		snprintf(why, why_size, "capng_change_id(%u, %u) failed: %s", (unsigned)uid,
			 (unsigned)gid, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, why_size, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	/* verify every part of the drop */
	if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid ||
	    getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid) {
		snprintf(why, why_size, "ids not changed as asked");
		return -1;
	}
	if (getgroups(0, NULL) != 0) {
		snprintf(why, why_size, "supplementary groups left");
		return -1;
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() != 0 ||
	    capng_have_capabilities(CAPNG_SELECT_BOTH) != CAPNG_NONE) {
		snprintf(why, why_size, "capabilities left after the drop");
		return -1;
	}
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0 || setuid(0) == 0) {
		snprintf(why, why_size, "could become root again");
		return -1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(why, why_size, "no_new_privs not set");
		return -1;
	}
	return 0;
}

int pfj_proc_status_summary(char *buf, size_t size)
{
	static const char *const keys[] = {
		"Uid:", "Gid:", "Groups:", "CapEff:", "CapPrm:", "CapBnd:", "NoNewPrivs:", "Seccomp:",
	};
	char text[8192], *line, *save = NULL;
	size_t used = 0;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	buf[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (strncmp(line, keys[k], strlen(keys[k])) == 0 && used < size) {
				int w = snprintf(buf + used, size - used, "%s%s", used ? "; " : "", line);

				if (w > 0)
					used += (size_t)w;
			}
		}
	}
	for (char *c = buf; *c; c++)
		if (*c == '\t')
			*c = ' ';
	return 0;
}
