/*
 * peer: classification of textual addresses (as TCPREMOTEIP gives them)
 * and of real connections: TCP over 127.0.0.1, ::1 and the v4-mapped
 * ::ffff:127.0.0.1, a socketpair, a pipe, and TCPREMOTEIP winning over
 * the socket. IPv6 cases are skipped, and said so, on a host without ::1.
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
	peer_identify(p, afd);
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
		    strcmp(p.addr, "::ffff:127.0.0.1") == 0,
		    "v4-mapped: %s", p.addr);
	} else {
		printf("skipped: no ::1 on this host\n");
	}
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	peer_identify(&p, sv[0]);
	CHECK(p.kind == PEER_LOCAL && p.addr[0] == '\0', "a Unix socket");
	CHECK(pipe(sv) == 0, "pipe");
	peer_identify(&p, sv[0]);
	CHECK(p.kind == PEER_LOCAL && p.addr[0] == '\0', "a pipe");
	/* tcpserver's word wins over the socket: a client cannot set it. */
	setenv("TCPREMOTEIP", "192.0.2.9", 1);
	peer_identify(&p, sv[0]);
	CHECK(p.kind == PEER_REMOTE && strcmp(p.addr, "192.0.2.9") == 0,
	    "TCPREMOTEIP");
	CHECK(!peer_plaintext_ok(&p, false), "no plaintext for a remote peer");
	CHECK(peer_plaintext_ok(&p, true), "-P allows it");
	setenv("SSL_PROTOCOL", "TLSv1.3", 1);
	CHECK(peer_plaintext_ok(&p, false) && peer_tls(), "under TLS");
	setenv("SSL_PROTOCOL", "", 1);
	CHECK(!peer_plaintext_ok(&p, false), "an empty SSL_PROTOCOL is none");
	return UNIT_DONE();
}
