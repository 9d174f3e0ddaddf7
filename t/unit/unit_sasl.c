/*
 * base64 against RFC 4648 section 10 and malformed input; HMAC-MD5 against
 * RFC 2104's test vectors and RFC 2195's CRAM-MD5 example.
 */
#include <string.h>

#include "common/base64.h"
#include "common/md5.h"
#include "unit.h"

static const struct {
	const char *plain;
	const char *encoded;
} b64_rows[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	/* RFC 4616 section 4's PLAIN example, NULs and all. */
	{ "\0tim\0tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm" },
};

/* Each must be refused. */
static const char *const b64_bad[] = {
	"Zg=", "Zg", "Z===", "Zg=a", "Zm9v!", "Zm 9", "Zh==", "Zm9=",
	"====", "Zg==Zg==", "Zm9v\n", "=Zm9",
};

static const struct {
	const char *key;
	size_t key_len;
	const char *msg;
	const char *hex;
} hmac_rows[] = {
	{ "\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b",
	    16, "Hi There", "9294727a3638bb1c13f48ef8158bfc9d" },
	{ "Jefe", 4, "what do ya want for nothing?",
	    "750c783e6ab0b503eaa86e310a5db738" },
	/* RFC 2195 section 2: tim's response to the example challenge. */
	{ "tanstaaftanstaaf", 16,
	    "<1896.697170952@postoffice.reston.mci.net>",
	    "b913a602c7eda7a495b4e6e7334d3890" },
	/* A key longer than a block is hashed first (RFC 2202 case 6). */
	{ "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
	  "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
	  "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
	  "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
	  "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa",
	    80, "Test Using Larger Than Block-Size Key - Hash Key First",
	    "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd" },
};

int
main(void)
{
	unsigned char out[64];
	char text[64], hex[MD5_HEX_LEN + 1];
	size_t len;

	for (size_t i = 0; i < sizeof b64_rows / sizeof b64_rows[0]; i++) {
		const char *enc = b64_rows[i].encoded;
		size_t plain_len = strlen(enc) / 4 * 3 -
		    (strchr(enc, '=') ? strlen(strchr(enc, '=')) : 0);

		CHECK(base64_encode(b64_rows[i].plain, plain_len, text,
		    sizeof text) == 0 && strcmp(text, enc) == 0,
		    "encode row %zu: %s", i, text);
		CHECK(base64_decode(enc, strlen(enc), out, sizeof out,
		    &len) == 0 && len == plain_len &&
		    memcmp(out, b64_rows[i].plain, len) == 0,
		    "decode %s", enc);
	}
	for (size_t i = 0; i < sizeof b64_bad / sizeof b64_bad[0]; i++)
		CHECK(base64_decode(b64_bad[i], strlen(b64_bad[i]), out,
		    sizeof out, &len) == -1, "refuse \"%s\"", b64_bad[i]);
	/* Too small a destination is an error, not an overflow. */
	CHECK(base64_decode("Zm9vYmFy", 8, out, 5, &len) == -1, "dst size");
	CHECK(base64_encode("foobar", 6, text, 8) == -1, "encode dst size");
	for (size_t i = 0; i < sizeof hmac_rows / sizeof hmac_rows[0]; i++) {
		unsigned char digest[MD5_DIGEST_LEN];

		md5_hmac(hmac_rows[i].key, hmac_rows[i].key_len,
		    hmac_rows[i].msg, strlen(hmac_rows[i].msg), digest);
		md5_hex(digest, hex);
		CHECK(strcmp(hex, hmac_rows[i].hex) == 0, "hmac row %zu: %s",
		    i, hex);
	}
	return UNIT_DONE();
}
