/*
 * base64: RFC 4648 section 4, as SASL (RFC 4422) carries it in SMTP AUTH
 * and POP3 AUTH. Decoding is strict: padding required, no line breaks,
 * no characters outside the alphabet; anything else is an error, which
 * the protocols answer as malformed.
 */
#ifndef COMMON_BASE64_H
#define COMMON_BASE64_H

#include <stddef.h>

/* Bytes needed to encode len bytes, with the NUL. */
#define BASE64_ENCODED_SIZE(len)	(((len) + 2) / 3 * 4 + 1)

/* Encodes src into dst (NUL-terminated); -1 if dst is too small. */
int	base64_encode(const void *src, size_t len, char *dst, size_t dstsize);
/*
 * Decodes the len characters at src into dst; *outlen is the byte count.
 * -1 on malformed input or when dst is too small. dst is NUL-terminated
 * when there is room, for callers that treat the result as text.
 */
int	base64_decode(const char *src, size_t len, unsigned char *dst,
	    size_t dstsize, size_t *outlen);

#endif
