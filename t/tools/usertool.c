/*
 * usertool: drives common/users from the shell for the tests.
 *
 *   usertool check FILE NAME PASS   prints ok, wrong or unknown
 *   usertool valid NAME             prints valid or invalid
 *   usertool list FILE              the names, one a line, as looked up
 *   usertool quota FILE             "NAME BYTES" a line: each user's own
 *                                   limit, 0 for none, "-" for -q's
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/users.h"

#define TOOL_USERS_MAX	(1 << 20)

int
main(int argc, char **argv)
{
	struct users u;

	log_open("usertool");
	log_set_stderr(true);
	if (argc == 3 && strcmp(argv[1], "valid") == 0) {
		puts(users_name_valid(argv[2], strlen(argv[2])) ?
		    "valid" : "invalid");
		return 0;
	}
	if (argc < 3 || users_load(&u, argv[2], TOOL_USERS_MAX) == -1) {
		perror("usertool");
		return 66;
	}
	if (argc == 3 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < u.count; i++)
			puts(u.entries[i].name);
	} else if (argc == 3 && strcmp(argv[1], "quota") == 0) {
		for (size_t i = 0; i < u.count; i++)
			if (u.entries[i].quota == USERS_QUOTA_UNSET)
				printf("%s -\n", u.entries[i].name);
			else
				printf("%s %" PRId64 "\n", u.entries[i].name,
				    u.entries[i].quota);
	} else if (argc == 5 && strcmp(argv[1], "check") == 0) {
		const struct users_entry *e = users_find(&u, argv[3]);
		bool ok = users_pass_verify(&u, e, argv[4], strlen(argv[4]));

		puts(e == NULL ? "unknown" : ok ? "ok" : "wrong");
	} else {
		return 64;
	}
	users_free(&u);
	return 0;
}
