/* User name validation, SPEC section 5: one row per input. */
#include <string.h>

#include "common/secret.h"
#include "common/users.h"
#include "unit.h"

static const struct {
	const char	*name;
	bool		 valid;
} rows[] = {
	{ "alice", true },
	{ "Alice.Smith", true },
	{ "a", true },
	{ "user+tag", true },
	{ "first_last-2", true },
	{ "0123456789012345678901234567890123456789012345678901234567890123",
	    true },					/* 64 */
	{ "01234567890123456789012345678901234567890123456789012345678901234",
	    false },					/* 65 */
	{ "", false },
	{ ".hidden", false },
	{ "..", false },
	{ "../etc/passwd", false },
	{ "a/b", false },
	{ "/abs", false },
	{ "sp ace", false },
	{ "tab\t", false },
	{ "colon:", false },
	{ "at@domain", false },
	{ "percent%", false },
	{ "quote\"", false },
	{ "bs\\", false },
	{ "new\nline", false },
	{ "caf\xc3\xa9", false },			/* 8-bit */
	{ "alice.lock", false },		/* alice's dotlock */
	{ "Alice.LOCK", false },		/* the same file */
	{ ".lock", false },
	{ "alice.locks", true },
	{ "alice.lockx", true },
	{ "lock", true },
	{ "alicelock", true },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CHECK(users_name_valid(rows[i].name, strlen(rows[i].name)) ==
		    rows[i].valid, "name \"%s\" should be %s", rows[i].name,
		    rows[i].valid ? "valid" : "invalid");
	/* An embedded NUL is not a shorter name. */
	CHECK(!users_name_valid("ab\0cd", 5), "NUL inside a name");

	CHECK(secret_equal("abc", 3, "abc", 3), "equal secrets");
	CHECK(!secret_equal("abc", 3, "abd", 3), "last byte differs");
	CHECK(!secret_equal("abc", 3, "abcd", 4), "prefix");
	CHECK(!secret_equal("abcd", 4, "abc", 3), "longer");
	CHECK(!secret_equal("", 0, "a", 1), "empty against one byte");
	CHECK(secret_equal("", 0, "", 0), "both empty");
	return UNIT_DONE();
}
