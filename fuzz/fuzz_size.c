/*
 * Sizes as operators write them (-q, -R) and the users file's Dovecot
 * quota fields: a size that parses is never negative and prints back to
 * itself; a bare number counts its unit, a unit letter overrides it;
 * plain digits mean their decimal value, or fail past SIZE_BYTES_MAX;
 * a quota that is set is never negative.
 */
#include <inttypes.h>

#include "fuzz/fuzz.h"
#include "common/quota.h"
#include "common/size.h"

#define FUZZ_SIZE_MAX	4096
#define FUZZ_KIB	1024

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[FUZZ_SIZE_MAX + 1];
	const char *s = (const char *)data;
	int64_t bytes, kib, again, limit;
	bool ok, ok_kib, digits = size > 0;
	char printed[32];

	if (size > FUZZ_SIZE_MAX)
		return 0;
	for (size_t i = 0; i < size; i++)
		digits &= s[i] >= '0' && s[i] <= '9';
	ok = size_parse(s, size, 1, &bytes);
	ok_kib = size_parse(s, size, FUZZ_KIB, &kib);
	if (ok) {
		snprintf(printed, sizeof printed, "%" PRId64, bytes);
		if (bytes < 0 || !size_parse(printed, strlen(printed), 1,
		    &again) || again != bytes)
			abort();
	}
	if (digits) {
		/* a bare number: its value, and 1024 times it */
		if (ok_kib && (!ok || kib != bytes * FUZZ_KIB))
			abort();
		if (ok && bytes <= SIZE_BYTES_MAX / FUZZ_KIB && !ok_kib)
			abort();
	} else if (ok != ok_kib || (ok && kib != bytes)) {
		/* with a unit the bare unit does not matter */
		abort();
	}

	memcpy(text, data, size);
	text[size] = '\0';
	if (quota_parse_fields(text, &limit) == QUOTA_SET && limit < 0)
		abort();
	return 0;
}
