/* Address lists (cidr.h). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"

#define CIDR_V4_BITS		32
#define CIDR_V6_BITS		128
#define CIDR_MAPPED_BITS	96	/* ::ffff:0:0/96 before the IPv4 */
/* "ffff:ffff:...:ffff/128" at most, with its NUL */
#define CIDR_ENTRY_MAX		(INET6_ADDRSTRLEN + 4)

static bool cidr_address(const char *text, unsigned char out[CIDR_OCTETS],
	    unsigned *max_bits);
static bool cidr_parse_one(const char *text, size_t len, struct cidr *c);

/* A textual address as 16 octets; *max_bits 32 for IPv4, else 128. */
static bool
cidr_address(const char *text, unsigned char out[CIDR_OCTETS],
    unsigned *max_bits)
{
	static const unsigned char mapped[CIDR_MAPPED_BITS / 8] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	if (inet_pton(AF_INET6, text, out) == 1) {
		*max_bits = CIDR_V6_BITS;
		return true;
	}
	memcpy(out, mapped, sizeof mapped);
	*max_bits = CIDR_V4_BITS;
	return inet_pton(AF_INET, text, out + sizeof mapped) == 1;
}

/* "ADDR" or "ADDR/BITS" of len octets. */
static bool
cidr_parse_one(const char *text, size_t len, struct cidr *c)
{
	char buf[CIDR_ENTRY_MAX], *slash;
	unsigned max_bits;

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (!cidr_address(buf, c->addr, &max_bits))
		return false;
	c->bits = max_bits;
	if (slash != NULL) {
		size_t digits = strspn(slash, "0123456789");

		if (digits == 0 || digits > 3 || slash[digits] != '\0' ||
		    (unsigned)atoi(slash) > max_bits)
			return false;
		c->bits = (unsigned)atoi(slash);
	}
	if (max_bits == CIDR_V4_BITS)
		c->bits += CIDR_MAPPED_BITS;
	return true;
}

bool
cidr_list_parse(const char *text, struct cidr_list *l)
{
	l->count = 0;
	for (const char *p = text;; ) {
		size_t n = strcspn(p, ",");

		if (l->count == CIDR_LIST_MAX ||
		    !cidr_parse_one(p, n, &l->entries[l->count]))
			return false;
		l->count++;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

bool
cidr_list_has(const struct cidr_list *l, const char *addr)
{
	unsigned char a[CIDR_OCTETS];
	unsigned max_bits;

	if (!cidr_address(addr, a, &max_bits))
		return false;
	for (size_t i = 0; i < l->count; i++) {
		const struct cidr *c = &l->entries[i];
		unsigned whole = c->bits / 8, rest = c->bits % 8;

		if (memcmp(a, c->addr, whole) != 0)
			continue;
		if (rest == 0 || ((a[whole] ^ c->addr[whole]) &
		    (0xff << (8 - rest)) & 0xff) == 0)
			return true;
	}
	return false;
}
