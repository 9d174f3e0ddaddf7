#include "common/secret.h"

bool
secret_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char *pa = a;
	const volatile unsigned char *pb = b;
	unsigned char diff = alen != blen;

	/* Walk a's length whatever b holds, so the loop leaks only alen. */
	for (size_t i = 0; i < alen; i++)
		diff |= pa[i] ^ (i < blen ? pb[i] : 0);
	return diff == 0;
}

void
secret_wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len-- > 0)
		*v++ = 0;
}
