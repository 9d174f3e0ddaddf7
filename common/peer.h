/*
 * peer: who the client is, from SPEC 2's sources in their order:
 *  1. a PROXY header (common/proxy.h), when the socket's peer is one of
 *     the trusted proxies (-H);
 *  2. TCPREMOTEIP or TCP6REMOTEIP, set by tcpserver and its IPv6
 *     variants, which the client cannot influence;
 *  3. stunnel's REMOTE_HOST, when fd 0 is a pipe, a Unix socket or a
 *     loopback TCP socket (Debian's stunnel hands the cleartext over on
 *     loopback TCP), and then the connection is under TLS: stunnel hands
 *     over nothing else. On loopback TCP it also takes REMOTE_PORT, and a
 *     REMOTE_HOST:REMOTE_PORT other than the socket's own peer: xinetd
 *     sets REMOTE_HOST to the socket's peer, and sets no REMOTE_PORT;
 *  4. getpeername(2) on fd 0, IPv4 or IPv6.
 * A client with an address from any of them is a network client; only a
 * pipe or Unix socket with none is local. A network client whose address
 * is not a loopback address is remote.
 */
#ifndef COMMON_PEER_H
#define COMMON_PEER_H

#include <arpa/inet.h>
#include <stdbool.h>

#include "common/cidr.h"
#include "common/deadline.h"
#include "common/log.h"
#include "common/proxy.h"

enum peer_kind {
	PEER_LOCAL,		/* a pipe, a file or a Unix socket */
	PEER_LOOPBACK,		/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 */
	PEER_REMOTE,
};

struct peer {
	enum peer_kind	kind;
	char		addr[INET6_ADDRSTRLEN];	/* "" for a local client */
	bool		tls;		/* a TLS wrapper in front says so */
	/* The sources are the superserver's, but escaped all the same. */
	char		log_name[LOG_ESCAPED_SIZE(INET6_ADDRSTRLEN)];
};

/*
 * Who is on fd, by the sources above; proxies may be NULL (none trusted),
 * and a trusted proxy's header must be whole before until. Returns
 * PROXY_OK, or why that header was refused: p then names the socket's
 * peer, for the log line, and the connection must end unanswered.
 */
enum proxy_status peer_identify(struct peer *p, int fd,
	    const struct cidr_list *proxies, struct deadline until);
/* For log lines: the address, escaped (common/log.h), or "local". */
const char *peer_log_name(struct peer *p);
/* Classifies a textual address (as TCPREMOTEIP gives it). */
enum peer_kind peer_classify(const char *addr);

/*
 * SPEC 2: whether plaintext passwords may be offered and taken: always
 * with -P (allow_any), else from a client that is not remote, or when a
 * TLS wrapper says the connection is encrypted (p->tls).
 */
bool	peer_plaintext_ok(const struct peer *p, bool allow_any);
/* A TLS wrapper in front says so in the environment (SSL_PROTOCOL or
   TLS_PROTOCOL, as sslserver and stunnel set them). */
bool	peer_tls(void);

#endif
