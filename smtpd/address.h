/*
 * address: the RFC 5321 path syntax (section 4.1.2): "<>", source routes
 * (parsed and ignored), dot-strings and quoted local parts, domains and
 * address literals; with utf8 (RFC 6531 SMTPUTF8) also non-ASCII bytes in
 * local parts and domains. The parser never reads past the string.
 */
#ifndef SMTPD_ADDRESS_H
#define SMTPD_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/log.h"
#include "smtpd/params.h"

struct smtp_path {
	bool	null;				/* "<>" */
	bool	literal;			/* domain is [address] */
	bool	quoted;				/* local part was quoted */
	char	local[SMTP_LOCALPART_MAX + 1];	/* unquoted */
	char	domain[SMTP_DOMAIN_MAX + 1];	/* "" when none was given */
	char	text[SMTP_PATH_MAX + 1];	/* as sent, without <> and route */
};

/*
 * Parses a path at s. Returns the number of bytes it took (up to and
 * including '>'), or 0 when s does not start with a valid path. A mailbox
 * without "@domain" is accepted only when allow_no_domain (RCPT
 * TO:<postmaster>, RFC 5321 4.1.1.3).
 */
size_t	address_parse_path(const char *s, bool utf8, bool allow_no_domain,
	    struct smtp_path *out);

/*
 * Whether s is a domain name as RFC 5321 writes one (LDH labels of at
 * most 63, dots between them, SMTP_DOMAIN_MAX in all): what -d takes.
 */
bool	address_is_domain(const char *s);

/* A path as a log field value, escaped into buf (common/log.h): buf. */
#define SMTP_LOG_PATH_SIZE	LOG_ESCAPED_SIZE(SMTP_PATH_MAX)
const char *smtp_log_path(const struct smtp_path *p, char *buf, size_t size);

#endif
