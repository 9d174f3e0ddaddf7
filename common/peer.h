/*
 * peer: who the client is. TCPREMOTEIP (set by tcpserver, which the
 * client cannot influence) wins; else getpeername(2) on the given fd. A
 * pipe or a Unix socket is a local client.
 */
#ifndef COMMON_PEER_H
#define COMMON_PEER_H

#include <arpa/inet.h>
#include <stdbool.h>

#include "common/log.h"

enum peer_kind {
	PEER_LOCAL,		/* a pipe, a file or a Unix socket */
	PEER_LOOPBACK,		/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 */
	PEER_REMOTE,
};

struct peer {
	enum peer_kind	kind;
	char		addr[INET6_ADDRSTRLEN];	/* "" for a local client */
	/* TCPREMOTEIP is the superserver's, but escaped all the same. */
	char		log_name[LOG_ESCAPED_SIZE(INET6_ADDRSTRLEN)];
};

/* Who is on fd (SPEC 2's order of sources): fills p, never fails. */
void	peer_identify(struct peer *p, int fd);
/* For log lines: the address, escaped (common/log.h), or "local". */
const char *peer_log_name(struct peer *p);
/* Classifies a textual address (as TCPREMOTEIP gives it). */
enum peer_kind peer_classify(const char *addr);

/*
 * SPEC 2: whether plaintext passwords may be offered and taken: always
 * with -P (allow_any), else from a local or loopback client, or when a TLS
 * wrapper says the connection is encrypted (SSL_PROTOCOL or TLS_PROTOCOL).
 */
bool	peer_plaintext_ok(const struct peer *p, bool allow_any);
/* A TLS wrapper in front says the connection is encrypted. */
bool	peer_tls(void);

#endif
