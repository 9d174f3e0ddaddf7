/*
 * The users file parser on any file: every entry found has a valid
 * lower-case name, is found again by name in any case, and checking a
 * password against it (or against nobody) returns.
 */
#include "fuzz/fuzz.h"
#include "common/users.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct users u;

	if (users_load(&u, fuzz_file("users", data, size), 1 << 20) == -1)
		return 0;
	for (size_t i = 0; i < u.count && i < 8; i++) {
		const struct users_entry *e = &u.entries[i];
		char upper[USERS_NAME_MAX + 1];

		if (!users_name_valid(e->name, strlen(e->name)))
			abort();
		for (size_t j = 0; j <= strlen(e->name); j++)
			upper[j] = (char)(e->name[j] >= 'a' && e->name[j] <= 'z' ?
			    e->name[j] - 32 : e->name[j]);
		if (users_find(&u, upper) != users_find(&u, e->name))
			abort();
		/*
		 * crypt(3) is a stand-in here (fuzz.h): only PLAIN entries
		 * are checked. An empty secret never authenticates (SPEC 3).
		 */
		if (e->scheme == USERS_PLAIN &&
		    users_pass_verify(&u, e, e->secret, strlen(e->secret)) !=
		    users_plain_usable(e))
			abort();
	}
	users_free(&u);
	return 0;
}
