#include <stdint.h>

#include "common/size.h"

/* The unit letter's multiplier (Dovecot's b k M G T), or 0. */
static int64_t
size_unit(char c)
{
	switch (c) {
	case 'b': case 'B':
		return 1;
	case 'k': case 'K':
		return INT64_C(1) << 10;
	case 'm': case 'M':
		return INT64_C(1) << 20;
	case 'g': case 'G':
		return INT64_C(1) << 30;
	case 't': case 'T':
		return INT64_C(1) << 40;
	default:
		return 0;
	}
}

bool
size_parse(const char *s, size_t len, int64_t bare_unit, int64_t *bytes)
{
	int64_t n = 0, unit = bare_unit;
	size_t i = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > (SIZE_BYTES_MAX - (s[i] - '0')) / 10)
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (i == 0)
		return false;
	if (i < len) {
		if ((unit = size_unit(s[i++])) == 0)
			return false;
		/* "kB", "MB": the b says bytes again; "bB" is nothing */
		if (i < len && unit > 1 && size_unit(s[i]) == 1)
			i++;
		if (i != len)
			return false;
	}
	if (unit <= 0 || n > SIZE_BYTES_MAX / unit)
		return false;
	*bytes = n * unit;
	return true;
}
