/* The PROXY protocol header (proxy.h). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "common/proxy.h"

/* v2's first twelve octets (proxy-protocol.txt 2.2). */
static const unsigned char proxy_v2_sig[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54,
	0x0a,
};
#define PROXY_V2_SIG_LEN	sizeof proxy_v2_sig
#define PROXY_V2_VERSION	0x20	/* high nibble of octet 13 */
#define PROXY_V2_CMD_LOCAL	0x00
#define PROXY_V2_CMD_PROXY	0x01
#define PROXY_V2_AF_INET	0x10	/* high nibble of octet 14 */
#define PROXY_V2_AF_INET6	0x20
#define PROXY_V2_INET_LEN	12	/* two addresses and two ports */
#define PROXY_V2_INET6_LEN	36
#define PROXY_V1_PREFIX		"PROXY "
#define PROXY_PORT_MAX		65535

static enum proxy_status proxy_read_exact(int fd, void *buf, size_t len,
	    struct deadline until);
static bool proxy_v1_field(const char **p, const char *end, char *out,
	    size_t size);
static bool proxy_v1_port(const char *s);

const char *
proxy_status_text(enum proxy_status st)
{
	switch (st) {
	case PROXY_OK:		return "ok";
	case PROXY_MALFORMED:	return "malformed PROXY header";
	case PROXY_TIMEOUT:	return "no PROXY header in time";
	case PROXY_EOF:		return "connection closed before the PROXY "
				    "header";
	case PROXY_IOERR:	return "read error before the PROXY header";
	}
	return "unknown";
}

/* The next space-separated field of [*p, end) into out; *p moves past it. */
static bool
proxy_v1_field(const char **p, const char *end, char *out, size_t size)
{
	const char *start = *p, *sp = memchr(start, ' ', (size_t)(end - start));
	const char *stop = sp != NULL ? sp : end;
	size_t n = (size_t)(stop - start);

	if (n == 0 || n >= size)
		return false;
	memcpy(out, start, n);
	out[n] = '\0';
	*p = sp != NULL ? sp + 1 : end;
	return true;
}

/* A port: 1 to 5 decimal digits, no leading zero, at most 65535. */
static bool
proxy_v1_port(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 5 && s[n] == '\0' && (s[0] != '0' || n == 1) &&
	    strtol(s, NULL, 10) <= PROXY_PORT_MAX;
}

bool
proxy_v1_parse(const char *line, size_t len, struct proxy_header *h)
{
	char proto[8], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char sport[8], dport[8];
	unsigned char bin[sizeof(struct in6_addr)], dbin[sizeof bin];
	const char *p = line + strlen(PROXY_V1_PREFIX), *end = line + len - 2;
	int af;

	if (len < strlen(PROXY_V1_PREFIX) + 2 || len > PROXY_V1_MAX ||
	    memcmp(line, PROXY_V1_PREFIX, strlen(PROXY_V1_PREFIX)) != 0 ||
	    memcmp(end, "\r\n", 2) != 0 || memchr(line, '\n', len - 1) != NULL)
		return false;
	if (!proxy_v1_field(&p, end, proto, sizeof proto))
		return false;
	if (strcmp(proto, "UNKNOWN") == 0) {
		/* the rest of the line is the proxy's business */
		*h = (struct proxy_header){ .local = true };
		return true;
	}
	if (strcmp(proto, "TCP4") == 0)
		af = AF_INET;
	else if (strcmp(proto, "TCP6") == 0)
		af = AF_INET6;
	else
		return false;
	if (!proxy_v1_field(&p, end, src, sizeof src) ||
	    !proxy_v1_field(&p, end, dst, sizeof dst) ||
	    !proxy_v1_field(&p, end, sport, sizeof sport) ||
	    !proxy_v1_field(&p, end, dport, sizeof dport) || p != end ||
	    end[-1] == ' ' ||
	    inet_pton(af, src, bin) != 1 || inet_pton(af, dst, dbin) != 1 ||
	    !proxy_v1_port(sport) || !proxy_v1_port(dport))
		return false;
	*h = (struct proxy_header){ .local = false };
	/* as inet_ntop writes it, whatever spelling the proxy chose */
	return inet_ntop(af, bin, h->addr, sizeof h->addr) != NULL;
}

long
proxy_v2_length(const unsigned char head[PROXY_V2_HEAD])
{
	if (memcmp(head, proxy_v2_sig, PROXY_V2_SIG_LEN) != 0 ||
	    (head[12] & 0xf0) != PROXY_V2_VERSION)
		return -1;
	return (long)head[14] << 8 | head[15];
}

bool
proxy_v2_parse(const unsigned char head[PROXY_V2_HEAD],
    const unsigned char *body, size_t len, struct proxy_header *h)
{
	int cmd = head[12] & 0x0f, family = head[13] & 0xf0;

	if (proxy_v2_length(head) != (long)len ||
	    (cmd != PROXY_V2_CMD_LOCAL && cmd != PROXY_V2_CMD_PROXY))
		return false;
	*h = (struct proxy_header){ .local = true };
	/* LOCAL (a health check), UNSPEC, UNIX: the socket's peer stands */
	if (cmd == PROXY_V2_CMD_LOCAL)
		return true;
	if (family == PROXY_V2_AF_INET && len >= PROXY_V2_INET_LEN) {
		h->local = false;
		return inet_ntop(AF_INET, body, h->addr, sizeof h->addr) !=
		    NULL;
	}
	if (family == PROXY_V2_AF_INET6 && len >= PROXY_V2_INET6_LEN) {
		h->local = false;
		return inet_ntop(AF_INET6, body, h->addr, sizeof h->addr) !=
		    NULL;
	}
	/* an IP family too short for its addresses is malformed */
	return family != PROXY_V2_AF_INET && family != PROXY_V2_AF_INET6;
}

/* Exactly len octets from fd, never more, waiting until the deadline. */
static enum proxy_status
proxy_read_exact(int fd, void *buf, size_t len, struct deadline until)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < len) {
		int ms = deadline_left_ms(until, INT32_MAX), n;
		ssize_t r;

		if (ms == 0)
			return PROXY_TIMEOUT;
		if ((n = poll(&pfd, 1, ms)) == -1 && errno != EINTR)
			return PROXY_IOERR;
		if (n <= 0)
			continue;
		if ((r = io_read_upto(fd, (char *)buf + got, len - got)) == -1)
			return PROXY_IOERR;
		if (r == 0)
			return PROXY_EOF;
		got += (size_t)r;
	}
	return PROXY_OK;
}

enum proxy_status
proxy_read(int fd, struct deadline until, struct proxy_header *h)
{
	unsigned char buf[PROXY_V2_HEAD + PROXY_V2_BODY_MAX];
	enum proxy_status st;
	size_t got = PROXY_FIRST;
	long body;

	if ((st = proxy_read_exact(fd, buf, PROXY_FIRST, until)) != PROXY_OK)
		return st;
	if (memcmp(buf, PROXY_V1_PREFIX, strlen(PROXY_V1_PREFIX)) == 0) {
		/* v1: one octet at a time up to the LF, so none past it */
		while (buf[got - 1] != '\n' && got < PROXY_V1_MAX)
			if ((st = proxy_read_exact(fd, buf + got++, 1, until)) !=
			    PROXY_OK)
				return st;
		return proxy_v1_parse((const char *)buf, got, h) ? PROXY_OK :
		    PROXY_MALFORMED;
	}
	if ((st = proxy_read_exact(fd, buf + got, PROXY_V2_HEAD - got,
	    until)) != PROXY_OK)
		return st;
	if ((body = proxy_v2_length(buf)) < 0 || body > PROXY_V2_BODY_MAX)
		return PROXY_MALFORMED;
	if ((st = proxy_read_exact(fd, buf + PROXY_V2_HEAD, (size_t)body,
	    until)) != PROXY_OK)
		return st;
	return proxy_v2_parse(buf, buf + PROXY_V2_HEAD, (size_t)body, h) ?
	    PROXY_OK : PROXY_MALFORMED;
}
