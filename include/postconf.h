/* postconf.h - read Postfix settings through Postfix's own postconf. */
#ifndef PFJ_POSTCONF_H
#define PFJ_POSTCONF_H

#include <stddef.h>

#include "proc.h"
#include "util.h"

struct pfj_postconf {
	char *postconf;		/* the postconf program */
	char *config_dir;	/* as given to postconf -c (already inside ROOT) */
	char *root;		/* -R ROOT, or NULL */
};

/*
 * Set up a reader.  bindir holds postconf; config_dir is the Postfix
 * configuration directory as the system image sees it (e.g. /etc/postfix);
 * root is -R ROOT or NULL.  Returns 0 or -ENOMEM.
 */
int pfj_postconf_init(struct pfj_postconf *pc, const char *bindir,
		      const char *config_dir, const char *root);
void pfj_postconf_free(struct pfj_postconf *pc);

/*
 * Look up n parameters with one `postconf -c DIR -xh NAME...` run
 * (values fully expanded).  values[i] receives a malloc'ed string.  On
 * failure returns -1 and writes a reason naming postconf and the config
 * directory into why; no values are returned then.
 */
int pfj_postconf_get(const struct pfj_postconf *pc, const char *const names[],
		     size_t n, char **values, char *why, size_t why_size);

/*
 * pfj_postconf_get with a cache: Postfix's answers depend only on main.cf,
 * master.cf and the postconf binary, so they are kept in cache_path under
 * a key made of those files' identities (device, inode, size, mtime,
 * ctime) and the names asked.  A matching cache answers without running
 * postconf; otherwise postconf runs and, when update is set, the cache is
 * rewritten (atomically; failures to write are ignored).
 */
int pfj_postconf_get_cached(const struct pfj_postconf *pc, const char *const names[],
			    size_t n, char **values, const char *cache_path, int update,
			    char *why, size_t why_size);

/*
 * pfj_postconf_get_cached in two halves, so that the caller can work while
 * postconf runs.  begin answers from the cache or starts postconf (-1 and
 * why when it cannot be started); end waits for it, fills values (0) or
 * fails as pfj_postconf_get does (-1 and why), and updates the cache.
 * names and values must stay valid until then.  A query that is not ended
 * must be abandoned (postconf is killed and reaped).
 */
struct pfj_postconf_query {
	const char *const *names;
	size_t n;
	char **values;
	int answered;		/* values came from the cache */
	int update;
	char *cache_path;	/* where to store postconf's answer, or NULL */
	struct pfj_buf key;
	struct pfj_proc proc;
};

int pfj_postconf_begin(const struct pfj_postconf *pc, const char *const names[],
		       size_t n, char **values, const char *cache_path, int update,
		       struct pfj_postconf_query *q, char *why, size_t why_size);
int pfj_postconf_end(const struct pfj_postconf *pc, struct pfj_postconf_query *q,
		     char *why, size_t why_size);
void pfj_postconf_abandon(struct pfj_postconf_query *q);

/* Re-key the cache after pfjail itself changed master.cf (values unchanged). */
void pfj_postconf_cache_store(const struct pfj_postconf *pc, const char *const names[],
			      size_t n, char **values, const char *cache_path);

/* Same, for one path-valued parameter, mapped inside ROOT. */
int pfj_postconf_get_path(const struct pfj_postconf *pc, const char *name,
			  char **value, char *why, size_t why_size);

/* Compare Postfix version strings ("3.7.11" vs "3.0"): <0, 0, >0. */
int pfj_postconf_version_cmp(const char *a, const char *b);

#endif
