/*
 * passwd: finding the run-as account in a passwd file by name and by
 * uid; lines that are not well-formed accounts are skipped, never half
 * read; a name matches whole, not as a prefix; a missing file is -1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/passwd.h"
#include "unit.h"

static const char file_text[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment is not an account\n"
    "\n"
    "short:x:12\n"
    "signed:x:-5:5:::\n"
    "huge:x:99999999999:5:::\n"
    "minus1:x:4294967295:5:::\n"
    "nogid:x:40::::\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin\n"
    "last:x:1001:100:no final newline:/home/last:/bin/sh";

static const struct {
	const char	*name;		/* or NULL: by uid */
	uid_t		 uid;
	int		 found;
	uid_t		 want_uid;
	gid_t		 want_gid;
} rows[] = {
	{ "nobody", 0, 1, 65534, 65534 },
	{ "mail", 0, 1, 8, 8 },
	{ "root", 0, 1, 0, 0 },
	{ "last", 0, 1, 1001, 100 },
	{ "nob", 0, 0, 0, 0 },			/* a prefix is not a name */
	{ "nobodyx", 0, 0, 0, 0 },
	{ "short", 0, 0, 0, 0 },		/* too few fields */
	{ "signed", 0, 0, 0, 0 },
	{ "huge", 0, 0, 0, 0 },
	{ "minus1", 0, 0, 0, 0 },
	{ "nogid", 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0 },
	{ NULL, 8, 1, 8, 8 },
	{ NULL, 65534, 1, 65534, 65534 },
	{ NULL, 1001, 1, 1001, 100 },
	{ NULL, 12, 0, 0, 0 },
	{ NULL, 4242, 0, 0, 0 },
};

int
main(void)
{
	char path[] = "/tmp/unit_passwd.XXXXXX";
	int fd = mkstemp(path);
	uid_t uid;
	gid_t gid;

	if (fd == -1 || write(fd, file_text, sizeof file_text - 1) !=
	    (ssize_t)(sizeof file_text - 1) || close(fd) == -1) {
		perror("unit_passwd: temporary file");
		return 1;
	}
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int found;

		uid = 777;
		gid = 777;
		found = passwd_find(path, rows[i].name, rows[i].uid, &uid, &gid);
		CHECK(found == rows[i].found, "%s/%ld: found %d",
		    rows[i].name ? rows[i].name : "(uid)", (long)rows[i].uid,
		    found);
		if (found == 1)
			CHECK(uid == rows[i].want_uid && gid == rows[i].want_gid,
			    "%s/%ld: uid %ld gid %ld",
			    rows[i].name ? rows[i].name : "(uid)",
			    (long)rows[i].uid, (long)uid, (long)gid);
		else
			CHECK(uid == 777 && gid == 777, "not found, yet set");
	}
	(void)unlink(path);
	CHECK(passwd_find(path, "nobody", 0, &uid, &gid) == -1,
	    "a missing file is an error");
	return UNIT_DONE();
}
