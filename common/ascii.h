/*
 * ascii: lower case for protocol text, never the locale's. Names, header
 * fields and hex digests compare without regard to ASCII case only;
 * tolower(3) would follow LC_CTYPE and take a char that must first be
 * cast to unsigned char.
 */
#ifndef COMMON_ASCII_H
#define COMMON_ASCII_H

#include <stddef.h>

static inline char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* len bytes of src into dst, lowered; dst may be src. */
static inline void
ascii_lower_copy(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = ascii_lower(src[i]);
}

#endif
