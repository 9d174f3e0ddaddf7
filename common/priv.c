#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/passwd.h"
#include "common/priv.h"

int
priv_drop(const char *user, const char *dir, char *err, size_t errsize)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int found;

	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if (user != NULL) {
		found = passwd_find(PASSWD_FILE, user, 0, &uid, &gid);
		if (found == -1) {
			snprintf(err, errsize, "unable to read %s: %s",
			    PASSWD_FILE, strerror(errno));
			return -1;
		}
		if (found == 0) {
			snprintf(err, errsize, "no such user %s in %s", user,
			    PASSWD_FILE);
			return -1;
		}
	} else {
		if (stat(dir, &st) == -1) {
			snprintf(err, errsize, "unable to stat %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		/* The owner's login group, or else the directory's group. */
		if (passwd_find(PASSWD_FILE, NULL, st.st_uid, &uid, &gid) != 1) {
			uid = st.st_uid;
			gid = st.st_gid;
		}
	}
	if (uid == 0) {
		snprintf(err, errsize, "refusing to run as root: give -U, or "
		    "a spool directory not owned by root");
		return -1;
	}
	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1) {
		snprintf(err, errsize, "unable to become uid %ld: %s",
		    (long)uid, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || geteuid() == 0) {
		snprintf(err, errsize, "root privileges could be regained");
		return -1;
	}
	return 0;
}
