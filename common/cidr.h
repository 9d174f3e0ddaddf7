/*
 * cidr: a list of addresses and prefixes, as -H names the trusted
 * proxies ("192.0.2.1,10.0.0.0/8,2001:db8::/32"), and whether an address
 * is in it. IPv4 is kept as IPv4-mapped IPv6 (::ffff:0:0/96), so an IPv4
 * entry also matches a dual-stack socket's v4-mapped peers.
 */
#ifndef COMMON_CIDR_H
#define COMMON_CIDR_H

#include <stdbool.h>
#include <stddef.h>

/* Entries in one list. */
#define CIDR_LIST_MAX	32
/* An address's octets, IPv6 or IPv4-mapped. */
#define CIDR_OCTETS	16

struct cidr {
	unsigned char	 addr[CIDR_OCTETS];
	unsigned	 bits;		/* the prefix, of 128 */
};

struct cidr_list {
	struct cidr	 entries[CIDR_LIST_MAX];
	size_t		 count;
};

/* Parses text (comma-separated, no spaces): false for anything wrong. */
bool	cidr_list_parse(const char *text, struct cidr_list *l);
/* addr (textual IPv4 or IPv6) is in l. */
bool	cidr_list_has(const struct cidr_list *l, const char *addr);

#endif
