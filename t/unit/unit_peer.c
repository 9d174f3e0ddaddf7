/*
 * peer: classification of textual addresses (as TCPREMOTEIP gives them)
 * and of real connections: TCP over 127.0.0.1, ::1 and the v4-mapped
 * ::ffff:127.0.0.1, a socketpair, a pipe, and TCPREMOTEIP winning over
 * the socket; TCP6REMOTEIP; stunnel's REMOTE_HOST on a pipe and on
 * loopback TCP, and xinetd's, which names the socket's own peer. The -H
 * lists, and PROXY headers v1 and v2 as parsed. IPv6 cases are skipped,
 * and said so, on a host without ::1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/peer.h"
#include "unit.h"

static const struct {
	const char *addr;
	enum peer_kind kind;
} rows[] = {
	{ "127.0.0.1", PEER_LOOPBACK }, { "127.255.255.254", PEER_LOOPBACK },
	{ "::1", PEER_LOOPBACK }, { "::ffff:127.0.0.1", PEER_LOOPBACK },
	{ "::ffff:127.9.8.7", PEER_LOOPBACK },
	{ "192.0.2.7", PEER_REMOTE }, { "128.0.0.1", PEER_REMOTE },
	{ "126.255.255.255", PEER_REMOTE }, { "10.0.0.1", PEER_REMOTE },
	{ "::ffff:192.0.2.7", PEER_REMOTE }, { "2001:db8::1", PEER_REMOTE },
	{ "::", PEER_REMOTE }, { "::127.0.0.1", PEER_REMOTE },
	{ "0.0.0.0", PEER_REMOTE }, { "fe80::1", PEER_REMOTE },
	/* Not an address at all: never trusted. */
	{ "", PEER_REMOTE }, { "localhost", PEER_REMOTE },
	{ "127.0.0.1 ", PEER_REMOTE }, { "127.1", PEER_REMOTE },
};

/* -H lists: what parses, and what is in them. */
static void
cidr_rows(void)
{
	static const struct {
		const char *list, *addr;
		bool in;
	} in[] = {
		{ "192.0.2.1", "192.0.2.1", true },
		{ "192.0.2.1", "192.0.2.2", false },
		{ "192.0.2.1", "::ffff:192.0.2.1", true },
		{ "10.0.0.0/8", "10.255.1.2", true },
		{ "10.0.0.0/8", "11.0.0.1", false },
		{ "10.1.2.3/8", "10.9.9.9", true },
		{ "192.0.2.128/25", "192.0.2.200", true },
		{ "192.0.2.128/25", "192.0.2.127", false },
		{ "0.0.0.0/0", "203.0.113.9", true },
		{ "0.0.0.0/0", "2001:db8::1", false },
		{ "2001:db8::/32", "2001:db8:1::5", true },
		{ "2001:db8::/32", "2001:db9::5", false },
		{ "::1,127.0.0.1", "::1", true },
		{ "::1,127.0.0.1", "127.0.0.1", true },
		{ "::1,127.0.0.1", "127.0.0.2", false },
		{ "::/0", "::ffff:10.0.0.1", true },
		{ "192.0.2.1", "not an address", false },
	};
	static const char *const bad[] = {
		"", ",", "192.0.2.1,", "192.0.2.1/33", "::/129", "10.0.0.0/",
		"10.0.0.0/-1", "10.0.0.0/8/8", "host.example", "192.0.2.1 ",
		"1,2", "10.0.0.0/0008",
	};
	struct cidr_list l;

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
		CHECK(cidr_list_parse(in[i].list, &l) &&
		    cidr_list_has(&l, in[i].addr) == in[i].in,
		    "-H %s: %s %s", in[i].list, in[i].addr,
		    in[i].in ? "in" : "out");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!cidr_list_parse(bad[i], &l), "-H \"%s\" refused",
		    bad[i]);
}

/* PROXY headers as the parsers take them. */
static void
proxy_rows(void)
{
	static const struct {
		const char *line, *addr;	/* addr NULL: refused */
	} v1[] = {
		{ "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\r\n",
		    "192.0.2.7" },
		{ "PROXY TCP6 2001:db8:0::7 2001:db8::1 56324 25\r\n",
		    "2001:db8::7" },
		{ "PROXY UNKNOWN\r\n", "" },
		{ "PROXY UNKNOWN ffff:f...f:ffff 1.2.3.4 65535 65535\r\n", "" },
		{ "PROXY TCP4 192.0.2.7 198.51.100.1 56324 65536\r\n", NULL },
		{ "PROXY TCP4 192.0.2.7 198.51.100.1 056324 25\r\n", NULL },
		{ "PROXY TCP4 2001:db8::7 198.51.100.1 1 25\r\n", NULL },
		{ "PROXY TCP4 192.0.2.7 198.51.100.1 1 25\n", NULL },
		{ "PROXY TCP4 192.0.2.7  198.51.100.1 1 25\r\n", NULL },
		{ "PROXY TCP4 192.0.2.7 198.51.100.1 1 25 \r\n", NULL },
		{ "PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n", NULL },
		{ "PROXY UDP4 192.0.2.7 198.51.100.1 1 25\r\n", NULL },
		{ "proxy TCP4 192.0.2.7 198.51.100.1 1 25\r\n", NULL },
		{ "PROXY TCP4 192.0.2.7\r\n198.51.100.1 1 25\r\n", NULL },
	};
	static const unsigned char v2_tcp4[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x0f,
		192, 0, 2, 9, 198, 51, 100, 1, 0xdc, 0x04, 0x00, 0x19,
		0x04, 0x00, 0x00,	/* a TLV (NOOP), skipped */
	};
	unsigned char v2[sizeof v2_tcp4];
	struct proxy_header h;

	for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++) {
		bool ok = proxy_v1_parse(v1[i].line, strlen(v1[i].line), &h);

		CHECK(v1[i].addr == NULL ? !ok : ok &&
		    strcmp(h.addr, v1[i].addr) == 0 &&
		    h.local == (v1[i].addr[0] == '\0'), "v1 %s", v1[i].line);
	}
	CHECK(proxy_v2_length(v2_tcp4) == 15 &&
	    proxy_v2_parse(v2_tcp4, v2_tcp4 + 16, 15, &h) && !h.local &&
	    strcmp(h.addr, "192.0.2.9") == 0, "v2 TCP4 with a TLV");
	memcpy(v2, v2_tcp4, sizeof v2);
	v2[12] = 0x20;	/* LOCAL: a health check */
	CHECK(proxy_v2_parse(v2, v2 + 16, 15, &h) && h.local, "v2 LOCAL");
	v2[12] = 0x22;	/* neither LOCAL nor PROXY */
	CHECK(!proxy_v2_parse(v2, v2 + 16, 15, &h), "v2 command 2");
	v2[12] = 0x31;	/* version 3 */
	CHECK(proxy_v2_length(v2) == -1, "v2 version 3");
	memcpy(v2, v2_tcp4, sizeof v2);
	v2[15] = 11;	/* too short for two IPv4 addresses and ports */
	CHECK(!proxy_v2_parse(v2, v2 + 16, 11, &h), "v2 TCP4 cut short");
	v2[13] = 0x00;	/* UNSPEC: the socket's peer stands */
	CHECK(proxy_v2_parse(v2, v2 + 16, 11, &h) && h.local, "v2 UNSPEC");
	v2[0] = 0x0a;
	CHECK(proxy_v2_length(v2) == -1, "v2 without its signature");
}

/* Connects over family to addr, accepts, and identifies the accepted fd. */
static int
connect_and_identify(int family, const char *addr, bool v6only,
    struct peer *p)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int lfd, cfd, afd, off = 0;

	if ((lfd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (!v6only)
			(void)setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			    sizeof off);
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof *s4;
	}
	if (bind(lfd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) == -1 ||
	    (cfd = socket(family, SOCK_STREAM, 0)) == -1) {
		close(lfd);
		return -1;
	}
	if (connect(cfd, (struct sockaddr *)&ss, len) == -1 ||
	    (afd = accept(lfd, NULL, NULL)) == -1) {
		close(cfd);
		close(lfd);
		return -1;
	}
	peer_identify(p, afd, NULL, deadline_in(0));
	close(afd);
	close(cfd);
	close(lfd);
	return 0;
}

int
main(void)
{
	struct peer p;
	int sv[2];

	unsetenv("TCPREMOTEIP");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CHECK(peer_classify(rows[i].addr) == rows[i].kind,
		    "classify \"%s\"", rows[i].addr);

	CHECK(connect_and_identify(AF_INET, "127.0.0.1", true, &p) == 0 &&
	    p.kind == PEER_LOOPBACK && strcmp(p.addr, "127.0.0.1") == 0,
	    "TCP over 127.0.0.1: %s", p.addr);
	if (connect_and_identify(AF_INET6, "::1", true, &p) == 0) {
		CHECK(p.kind == PEER_LOOPBACK && strcmp(p.addr, "::1") == 0,
		    "TCP over ::1: %s", p.addr);
		CHECK(connect_and_identify(AF_INET6, "::ffff:127.0.0.1", false,
		    &p) == 0 && p.kind == PEER_LOOPBACK &&
		    strcmp(p.addr, "127.0.0.1") == 0,
		    "v4-mapped is named as IPv4: %s", p.addr);
	} else {
		printf("skipped: no ::1 on this host\n");
	}
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(p.kind == PEER_LOCAL && p.addr[0] == '\0', "a Unix socket");
	CHECK(pipe(sv) == 0, "pipe");
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(p.kind == PEER_LOCAL && p.addr[0] == '\0', "a pipe");
	/* tcpserver's word wins over the socket: a client cannot set it. */
	setenv("TCPREMOTEIP", "192.0.2.9", 1);
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(p.kind == PEER_REMOTE && strcmp(p.addr, "192.0.2.9") == 0,
	    "TCPREMOTEIP");
	CHECK(!peer_plaintext_ok(&p, false), "no plaintext for a remote peer");
	CHECK(peer_plaintext_ok(&p, true), "-P allows it");
	setenv("SSL_PROTOCOL", "TLSv1.3", 1);
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(peer_plaintext_ok(&p, false) && peer_tls(), "under TLS");
	setenv("SSL_PROTOCOL", "", 1);
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(!peer_plaintext_ok(&p, false), "an empty SSL_PROTOCOL is none");
	setenv("TCPREMOTEIP", "not an address", 1);
	setenv("TCP6REMOTEIP", "2001:db8::7", 1);
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(p.kind == PEER_REMOTE && strcmp(p.addr, "2001:db8::7") == 0 &&
	    !p.tls, "TCP6REMOTEIP (and a TCPREMOTEIP that is no address)");
	setenv("TCP6REMOTEIP", "::ffff:192.0.2.8", 1);
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(p.kind == PEER_REMOTE && strcmp(p.addr, "192.0.2.8") == 0,
	    "an IPv4-mapped client is named as IPv4: %s", p.addr);
	unsetenv("TCPREMOTEIP");
	unsetenv("TCP6REMOTEIP");
	setenv("REMOTE_HOST", "198.51.100.4", 1);
	peer_identify(&p, sv[0], NULL, deadline_in(0));
	CHECK(p.kind == PEER_REMOTE && strcmp(p.addr, "198.51.100.4") == 0 &&
	    p.tls && peer_plaintext_ok(&p, false), "stunnel on a pipe");
	/* xinetd: REMOTE_HOST is the socket's own peer, no REMOTE_PORT */
	setenv("REMOTE_HOST", "127.0.0.1", 1);
	CHECK(connect_and_identify(AF_INET, "127.0.0.1", true, &p) == 0 &&
	    p.kind == PEER_LOOPBACK && !p.tls, "xinetd's REMOTE_HOST");
	/* stunnel over loopback TCP: another port than the socket's */
	setenv("REMOTE_HOST", "198.51.100.4", 1);
	setenv("REMOTE_PORT", "1", 1);
	CHECK(connect_and_identify(AF_INET, "127.0.0.1", true, &p) == 0 &&
	    p.kind == PEER_REMOTE && strcmp(p.addr, "198.51.100.4") == 0 &&
	    p.tls, "stunnel over loopback TCP: %s", p.addr);
	setenv("REMOTE_HOST", "stunnel.example", 1);
	CHECK(connect_and_identify(AF_INET, "127.0.0.1", true, &p) == 0 &&
	    strcmp(p.addr, "127.0.0.1") == 0 && !p.tls,
	    "a REMOTE_HOST that is no address");
	unsetenv("REMOTE_HOST");
	unsetenv("REMOTE_PORT");
	cidr_rows();
	proxy_rows();
	return UNIT_DONE();
}
