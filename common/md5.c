/* MD5 as specified in RFC 1321; written from the RFC's description. */
#include <string.h>

#include "common/md5.h"
#include "common/secret.h"

/* RFC 1321: MD5 works on 64-byte blocks (also the HMAC block, RFC 2104). */
#define MD5_BLOCK_LEN	64

static void md5_block(uint32_t state[4], const unsigned char *p);

/* RFC 1321 3.4: the four auxiliary functions and one step. */
#define MD5_F(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define MD5_G(x, y, z)	((y) ^ ((z) & ((x) ^ (y))))
#define MD5_H(x, y, z)	((x) ^ (y) ^ (z))
#define MD5_I(x, y, z)	((y) ^ ((x) | ~(z)))
#define MD5_STEP(f, a, b, c, d, xg, i, s) do {				\
	(a) += f((b), (c), (d)) + (xg) + md5_sine[(i)];			\
	(a) = ((a) << (s) | (a) >> (32 - (s))) + (b);			\
} while (0)

/* The sine-derived constants, RFC 1321 3.4. */
static const uint32_t md5_sine[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

void
md5_init(struct md5 *m)
{
	m->state[0] = 0x67452301;
	m->state[1] = 0xefcdab89;
	m->state[2] = 0x98badcfe;
	m->state[3] = 0x10325476;
	m->bytes = 0;
}

static void
md5_block(uint32_t state[4], const unsigned char *p)
{
	uint32_t x[16];
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];

	/* The words of a block are little-endian whatever the host is. */
	for (int i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;

	/*
	 * The 64 steps written out, so every index, constant and shift is
	 * known to the compiler: the loop with a switch per step cost three
	 * times the instructions, and UIDL hashes every message's header.
	 */
	MD5_STEP(MD5_F, a, b, c, d, x[0], 0, 7);
	MD5_STEP(MD5_F, d, a, b, c, x[1], 1, 12);
	MD5_STEP(MD5_F, c, d, a, b, x[2], 2, 17);
	MD5_STEP(MD5_F, b, c, d, a, x[3], 3, 22);
	MD5_STEP(MD5_F, a, b, c, d, x[4], 4, 7);
	MD5_STEP(MD5_F, d, a, b, c, x[5], 5, 12);
	MD5_STEP(MD5_F, c, d, a, b, x[6], 6, 17);
	MD5_STEP(MD5_F, b, c, d, a, x[7], 7, 22);
	MD5_STEP(MD5_F, a, b, c, d, x[8], 8, 7);
	MD5_STEP(MD5_F, d, a, b, c, x[9], 9, 12);
	MD5_STEP(MD5_F, c, d, a, b, x[10], 10, 17);
	MD5_STEP(MD5_F, b, c, d, a, x[11], 11, 22);
	MD5_STEP(MD5_F, a, b, c, d, x[12], 12, 7);
	MD5_STEP(MD5_F, d, a, b, c, x[13], 13, 12);
	MD5_STEP(MD5_F, c, d, a, b, x[14], 14, 17);
	MD5_STEP(MD5_F, b, c, d, a, x[15], 15, 22);
	MD5_STEP(MD5_G, a, b, c, d, x[1], 16, 5);
	MD5_STEP(MD5_G, d, a, b, c, x[6], 17, 9);
	MD5_STEP(MD5_G, c, d, a, b, x[11], 18, 14);
	MD5_STEP(MD5_G, b, c, d, a, x[0], 19, 20);
	MD5_STEP(MD5_G, a, b, c, d, x[5], 20, 5);
	MD5_STEP(MD5_G, d, a, b, c, x[10], 21, 9);
	MD5_STEP(MD5_G, c, d, a, b, x[15], 22, 14);
	MD5_STEP(MD5_G, b, c, d, a, x[4], 23, 20);
	MD5_STEP(MD5_G, a, b, c, d, x[9], 24, 5);
	MD5_STEP(MD5_G, d, a, b, c, x[14], 25, 9);
	MD5_STEP(MD5_G, c, d, a, b, x[3], 26, 14);
	MD5_STEP(MD5_G, b, c, d, a, x[8], 27, 20);
	MD5_STEP(MD5_G, a, b, c, d, x[13], 28, 5);
	MD5_STEP(MD5_G, d, a, b, c, x[2], 29, 9);
	MD5_STEP(MD5_G, c, d, a, b, x[7], 30, 14);
	MD5_STEP(MD5_G, b, c, d, a, x[12], 31, 20);
	MD5_STEP(MD5_H, a, b, c, d, x[5], 32, 4);
	MD5_STEP(MD5_H, d, a, b, c, x[8], 33, 11);
	MD5_STEP(MD5_H, c, d, a, b, x[11], 34, 16);
	MD5_STEP(MD5_H, b, c, d, a, x[14], 35, 23);
	MD5_STEP(MD5_H, a, b, c, d, x[1], 36, 4);
	MD5_STEP(MD5_H, d, a, b, c, x[4], 37, 11);
	MD5_STEP(MD5_H, c, d, a, b, x[7], 38, 16);
	MD5_STEP(MD5_H, b, c, d, a, x[10], 39, 23);
	MD5_STEP(MD5_H, a, b, c, d, x[13], 40, 4);
	MD5_STEP(MD5_H, d, a, b, c, x[0], 41, 11);
	MD5_STEP(MD5_H, c, d, a, b, x[3], 42, 16);
	MD5_STEP(MD5_H, b, c, d, a, x[6], 43, 23);
	MD5_STEP(MD5_H, a, b, c, d, x[9], 44, 4);
	MD5_STEP(MD5_H, d, a, b, c, x[12], 45, 11);
	MD5_STEP(MD5_H, c, d, a, b, x[15], 46, 16);
	MD5_STEP(MD5_H, b, c, d, a, x[2], 47, 23);
	MD5_STEP(MD5_I, a, b, c, d, x[0], 48, 6);
	MD5_STEP(MD5_I, d, a, b, c, x[7], 49, 10);
	MD5_STEP(MD5_I, c, d, a, b, x[14], 50, 15);
	MD5_STEP(MD5_I, b, c, d, a, x[5], 51, 21);
	MD5_STEP(MD5_I, a, b, c, d, x[12], 52, 6);
	MD5_STEP(MD5_I, d, a, b, c, x[3], 53, 10);
	MD5_STEP(MD5_I, c, d, a, b, x[10], 54, 15);
	MD5_STEP(MD5_I, b, c, d, a, x[1], 55, 21);
	MD5_STEP(MD5_I, a, b, c, d, x[8], 56, 6);
	MD5_STEP(MD5_I, d, a, b, c, x[15], 57, 10);
	MD5_STEP(MD5_I, c, d, a, b, x[6], 58, 15);
	MD5_STEP(MD5_I, b, c, d, a, x[13], 59, 21);
	MD5_STEP(MD5_I, a, b, c, d, x[4], 60, 6);
	MD5_STEP(MD5_I, d, a, b, c, x[11], 61, 10);
	MD5_STEP(MD5_I, c, d, a, b, x[2], 62, 15);
	MD5_STEP(MD5_I, b, c, d, a, x[9], 63, 21);
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
}

void
md5_update(struct md5 *m, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used = (size_t)(m->bytes % sizeof m->block);

	m->bytes += len;
	if (used > 0) {
		size_t take = sizeof m->block - used;

		if (take > len)
			take = len;
		memcpy(m->block + used, p, take);
		p += take;
		len -= take;
		if (used + take < sizeof m->block)
			return;
		md5_block(m->state, m->block);
	}
	for (; len >= sizeof m->block; p += sizeof m->block,
	    len -= sizeof m->block)
		md5_block(m->state, p);
	if (len > 0)
		memcpy(m->block, p, len);
}

void
md5_final(struct md5 *m, unsigned char digest[MD5_DIGEST_LEN])
{
	static const unsigned char pad[64] = { 0x80 };
	unsigned char bits[8];
	uint64_t nbits = m->bytes * 8;
	size_t used = (size_t)(m->bytes % 64);

	for (int i = 0; i < 8; i++)
		bits[i] = (unsigned char)(nbits >> (8 * i));
	/* Pad to 56 mod 64, then the 64-bit length: RFC 1321 3.1 and 3.2. */
	md5_update(m, pad, used < 56 ? 56 - used : 120 - used);
	md5_update(m, bits, sizeof bits);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			digest[4 * i + j] = (unsigned char)(m->state[i] >> (8 * j));
}

void
md5_hex(const unsigned char digest[MD5_DIGEST_LEN], char hex[MD5_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < MD5_DIGEST_LEN; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0xf];
	}
	hex[MD5_HEX_LEN] = '\0';
}

void
md5_hmac(const void *key, size_t key_len, const void *msg, size_t msg_len,
    unsigned char digest[MD5_DIGEST_LEN])
{
	unsigned char k[MD5_BLOCK_LEN] = { 0 }, pad[MD5_BLOCK_LEN];
	unsigned char inner[MD5_DIGEST_LEN];
	struct md5 m;

	/* A key longer than a block is replaced by its digest. */
	if (key_len > MD5_BLOCK_LEN) {
		md5_init(&m);
		md5_update(&m, key, key_len);
		md5_final(&m, k);
	} else {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < MD5_BLOCK_LEN; i++)
		pad[i] = k[i] ^ 0x36;
	md5_init(&m);
	md5_update(&m, pad, sizeof pad);
	md5_update(&m, msg, msg_len);
	md5_final(&m, inner);
	for (size_t i = 0; i < MD5_BLOCK_LEN; i++)
		pad[i] = k[i] ^ 0x5c;
	md5_init(&m);
	md5_update(&m, pad, sizeof pad);
	md5_update(&m, inner, sizeof inner);
	md5_final(&m, digest);
	secret_wipe(k, sizeof k);
	secret_wipe(pad, sizeof pad);
	secret_wipe(&m, sizeof m);
}
