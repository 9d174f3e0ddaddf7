/* The path grammar of RFC 5321 4.1.2, with the RFC 6531 extensions. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "smtpd/address.h"

/* RFC 5321 4.5.3.1.2: a label of a domain is at most 63 octets. */
#define ADDRESS_LABEL_MAX	63
/* Longest text of an address literal, "[IPv6:" ... "]" included. */
#define ADDRESS_LITERAL_MAX	SMTP_DOMAIN_MAX

static bool address_alnum(unsigned char c);
static bool address_atext(unsigned char c, bool utf8);
static size_t address_dot_string(const char *s, bool utf8);
static size_t address_quoted(const char *s, bool utf8, char *out,
	    size_t outsize);
static size_t address_domain(const char *s, bool utf8);
static bool address_utf8_valid(const char *s, size_t len);
static size_t address_literal(const char *s);

static bool
address_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 5322 atext; RFC 6531 adds UTF8-non-ascii. */
static bool
address_atext(unsigned char c, bool utf8)
{
	return address_alnum(c) || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL) || (utf8 && c >= 0x80);
}

/* Dot-string = Atom *("." Atom). Returns its length, or 0. */
static size_t
address_dot_string(const char *s, bool utf8)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (address_atext((unsigned char)s[i], utf8))
			i++;
		if (i == start)
			return 0;
		if (s[i] != '.')
			return i;
		i++;
	}
}

/*
 * Quoted-string = DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE. Writes the
 * unquoted content to out. Returns the length taken, or 0.
 */
static size_t
address_quoted(const char *s, bool utf8, char *out, size_t outsize)
{
	size_t i = 1, o = 0;

	if (s[0] != '"')
		return 0;
	for (;;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)s[++i];
			if (c < 32 || c > 126)
				return 0;
		} else if (!((c >= 32 && c <= 126) || (utf8 && c >= 0x80))) {
			return 0;
		}
		if (o + 1 >= outsize)
			return 0;
		out[o++] = (char)c;
		i++;
	}
	out[o] = '\0';
	return i + 1;
}

/* Domain = sub-domain *("." sub-domain), each a Let-dig [Ldh-str]. */
static size_t
address_domain(const char *s, bool utf8)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (address_alnum((unsigned char)s[i]) || s[i] == '-' ||
		    (utf8 && (unsigned char)s[i] >= 0x80))
			i++;
		if (i == start || s[start] == '-' || s[i - 1] == '-' ||
		    i - start > ADDRESS_LABEL_MAX)
			return 0;
		if (s[i] != '.')
			return i > SMTP_DOMAIN_MAX ? 0 : i;
		i++;
	}
}

bool
address_is_domain(const char *s)
{
	size_t n = address_domain(s, false);

	return n > 0 && s[n] == '\0';
}

/*
 * address-literal = "[" (IPv4 / "IPv6:" IPv6 / tag ":" dcontent) "]".
 * Returns the length taken, brackets included, or 0.
 */
static size_t
address_literal(const char *s)
{
	char text[ADDRESS_LITERAL_MAX + 1], addr[sizeof(struct in6_addr)];
	const char *close, *colon;
	size_t len;

	if (s[0] != '[' || (close = strchr(s, ']')) == NULL)
		return 0;
	len = (size_t)(close - s - 1);
	if (len == 0 || len >= sizeof text)
		return 0;
	memcpy(text, s + 1, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, addr) == 1)
		return len + 2;
	if (strncasecmp(text, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, text + 5, addr) == 1 ? len + 2 : 0;
	/* General-address-literal: Standardized-tag ":" 1*dcontent. */
	if ((colon = strchr(text, ':')) == NULL || colon == text ||
	    colon[1] == '\0')
		return 0;
	for (const char *p = text; p < colon; p++)
		if (!address_alnum((unsigned char)*p) && *p != '-')
			return 0;
	for (const char *p = colon + 1; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == '[' || *p == '\\')
			return 0;
	return len + 2;
}

/*
 * RFC 3629 4's UTF8-2, -3 and -4: no overlong forms, no surrogates,
 * nothing past U+10FFFF; and no C1 controls (U+0080-U+009F), which would
 * reach logs and the mbox From_ line.
 */
static bool
address_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p++;
		size_t more;
		unsigned long cp;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) < more)
			return false;
		for (size_t k = 0; k < more; k++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return false;
	}
	return true;
}

size_t
address_parse_path(const char *s, bool utf8, bool allow_no_domain,
    struct smtp_path *out)
{
	size_t i = 1, local_start, n;

	memset(out, 0, sizeof *out);
	if (s[0] != '<')
		return 0;
	if (s[1] == '>') {
		out->null = true;
		return 2;
	}
	/* A-d-l: "@" Domain *("," "@" Domain) ":" -- parsed, then ignored. */
	if (s[i] == '@') {
		for (;;) {
			if (s[i] != '@' || (n = address_domain(s + i + 1, utf8)) == 0)
				return 0;
			i += 1 + n;
			if (s[i] == ':')
				break;
			if (s[i] != ',')
				return 0;
			i++;
		}
		i++;
	}
	local_start = i;
	if (s[i] == '"') {
		n = address_quoted(s + i, utf8, out->local, sizeof out->local);
		out->quoted = true;
	} else {
		n = address_dot_string(s + i, utf8);
		if (n > 0 && n < sizeof out->local) {
			memcpy(out->local, s + i, n);
			out->local[n] = '\0';
		}
	}
	/* The 64-octet limit is on the local part as sent, quotes aside. */
	if (n == 0 || n > SMTP_LOCALPART_MAX + (out->quoted ? 2u : 0u))
		return 0;
	i += n;
	if (s[i] == '@') {
		i++;
		n = s[i] == '[' ? address_literal(s + i) :
		    address_domain(s + i, utf8);
		if (n == 0 || n > SMTP_DOMAIN_MAX)
			return 0;
		out->literal = s[i] == '[';
		memcpy(out->domain, s + i, n);
		out->domain[n] = '\0';
		i += n;
	} else if (!allow_no_domain) {
		return 0;
	}
	if (s[i] != '>' || i - local_start > SMTP_PATH_MAX)
		return 0;
	/* RFC 6531 3.3: non-ASCII only as well-formed UTF-8 (RFC 6532 3.1) */
	if (utf8 && !address_utf8_valid(s + local_start, i - local_start))
		return 0;
	memcpy(out->text, s + local_start, i - local_start);
	out->text[i - local_start] = '\0';
	return i + 1;
}

const char *
smtp_log_path(const struct smtp_path *p, char *buf, size_t size)
{
	return log_escape(buf, size, p->text, strlen(p->text));
}
