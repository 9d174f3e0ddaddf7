/*
 * passwd: finds a local account in /etc/passwd by name or by uid, for the
 * user the servers run as. Read directly, not through getpwnam(3), so the
 * programs can be linked statically: a static glibc cannot load the NSS
 * modules getpwnam needs. Accounts only in LDAP or NIS are not seen.
 */
#ifndef COMMON_PASSWD_H
#define COMMON_PASSWD_H

#include <stdbool.h>
#include <sys/types.h>

#define PASSWD_FILE		"/etc/passwd"
/* Bigger than any /etc/passwd of a mail host; refuse anything larger. */
#define PASSWD_FILE_MAX		(4 * 1024 * 1024)

/*
 * Looks up name (when not NULL) or else uid in path. Returns 1 and sets
 * *uidp and *gidp when found, 0 when not, -1 with errno when path cannot
 * be read.
 */
int	passwd_find(const char *path, const char *name, uid_t uid, uid_t *uidp,
	    gid_t *gidp);

#endif
