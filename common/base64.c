#include <string.h>

#include "common/base64.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int base64_value(char c);

int
base64_encode(const void *src, size_t len, char *dst, size_t dstsize)
{
	const unsigned char *p = src;
	size_t o = 0;

	if (dstsize < BASE64_ENCODED_SIZE(len))
		return -1;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		dst[o++] = base64_alphabet[(v >> 18) & 63];
		dst[o++] = base64_alphabet[(v >> 12) & 63];
		dst[o++] = i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < len ? base64_alphabet[v & 63] : '=';
	}
	dst[o] = '\0';
	return 0;
}

static int
base64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(base64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - base64_alphabet);
}

int
base64_decode(const char *src, size_t len, unsigned char *dst,
    size_t dstsize, size_t *outlen)
{
	size_t o = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		size_t pad = 0;

		for (size_t j = 0; j < 4; j++) {
			/* '=' only at the end: "xx==" or "xxx=". */
			if (src[i + j] == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || src[i + 3] == '=')) {
				v[j] = 0;
				pad++;
			} else if ((v[j] = base64_value(src[i + j])) < 0) {
				return -1;
			}
		}
		/* The bits padding drops must be zero (RFC 4648 3.5). */
		if ((pad == 2 && (v[1] & 15) != 0) ||
		    (pad == 1 && (v[2] & 3) != 0))
			return -1;
		if (o + 3 - pad > dstsize)
			return -1;
		dst[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			dst[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			dst[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	if (o < dstsize)
		dst[o] = '\0';
	*outlen = o;
	return 0;
}
