/* MD5 against the test suite of RFC 1321 appendix A.5. */
#include <string.h>

#include "common/md5.h"
#include "unit.h"

static const struct {
	const char *input;
	const char *digest;
} rows[] = {
	{ "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "0cc175b9c0f1b6a831c399e269772661" },
	{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	    "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "1234567890123456789012345678901234567890123456789012345678901234"
	  "5678901234567890", "57edf4a22be3c955ac49da2e2107b67a" },
	/* RFC 1939 section 7, the APOP example. */
	{ "<1896.697170952@dbc.mtview.ca.us>tanstaaf",
	    "c4c9334bac560ecc979e58001b3e22fb" },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = strlen(rows[i].input);
		unsigned char digest[MD5_DIGEST_LEN];
		char hex[MD5_HEX_LEN + 1];
		struct md5 m;

		/* Whole, and one byte at a time: the buffering must not matter. */
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			md5_init(&m);
			if (bytewise)
				for (size_t j = 0; j < len; j++)
					md5_update(&m, rows[i].input + j, 1);
			else
				md5_update(&m, rows[i].input, len);
			md5_final(&m, digest);
			md5_hex(digest, hex);
			CHECK(strcmp(hex, rows[i].digest) == 0,
			    "md5(\"%s\") bytewise=%d: %s", rows[i].input,
			    bytewise, hex);
		}
	}
	return UNIT_DONE();
}
