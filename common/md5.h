/*
 * md5: the MD5 digest of RFC 1321, for APOP (RFC 1939), CRAM-MD5 (RFC 2195)
 * and for mailbox message ids. Not for anything that needs collision
 * resistance against an attacker who controls the whole input.
 */
#ifndef COMMON_MD5_H
#define COMMON_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_LEN	16
#define MD5_HEX_LEN	(2 * MD5_DIGEST_LEN)

struct md5 {
	uint32_t	state[4];
	uint64_t	bytes;		/* total input length so far */
	unsigned char	block[64];	/* input not yet hashed */
};

/* RFC 1321: init, feed any number of times, final writes the digest. */
void	md5_init(struct md5 *m);
void	md5_update(struct md5 *m, const void *data, size_t len);
void	md5_final(struct md5 *m, unsigned char digest[MD5_DIGEST_LEN]);
/* RFC 2104 HMAC-MD5 of msg under key, for CRAM-MD5. */
void	md5_hmac(const void *key, size_t key_len, const void *msg,
	    size_t msg_len, unsigned char digest[MD5_DIGEST_LEN]);
/* Writes MD5_HEX_LEN lower-case hex digits and a NUL into hex. */
void	md5_hex(const unsigned char digest[MD5_DIGEST_LEN],
	    char hex[MD5_HEX_LEN + 1]);

#endif
