/*
 * base64 both ways: whatever decodes encodes back to the same text (the
 * decoder accepts only the canonical form), and whatever is encoded
 * decodes back to the same bytes.
 */
#include "fuzz/fuzz.h"
#include "common/base64.h"

#define FUZZ_B64_MAX	4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char bytes[FUZZ_B64_MAX];
	static char text[2 * FUZZ_B64_MAX];
	size_t len;

	if (size > FUZZ_B64_MAX)
		return 0;
	if (base64_decode((const char *)data, size, bytes, sizeof bytes,
	    &len) == 0 &&
	    (base64_encode(bytes, len, text, sizeof text) != 0 ||
	    strlen(text) != size || memcmp(text, data, size) != 0))
		abort();
	if (base64_encode(data, size, text, sizeof text) != 0 ||
	    base64_decode(text, strlen(text), bytes, sizeof bytes, &len) != 0 ||
	    len != size || memcmp(bytes, data, size) != 0)
		abort();
	return 0;
}
