/*
 * proxy: the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2) that a trusted proxy or load balancer sends before
 * anything else, naming the client it relays (SPEC 2, -H).
 *
 * The reader takes exactly the header's bytes from fd 0 and nothing
 * after it: a pipelining client's first command may share its segment,
 * and the line reader starts on what follows. A header that does not
 * come whole within the deadline, or that is malformed or oversized, is
 * refused; nothing in it is trusted but the source address.
 */
#ifndef COMMON_PROXY_H
#define COMMON_PROXY_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/deadline.h"

/* v1: "PROXY ... \r\n", at most 107 octets with its CRLF. */
#define PROXY_V1_MAX		107
/* v2: a 16-octet head, then its length of addresses and TLVs. */
#define PROXY_V2_HEAD		16
/* The most of v2's addresses and TLVs taken (TLVs are skipped). */
#define PROXY_V2_BODY_MAX	4096
/*
 * How long a trusted proxy has to send its header, whole: as Postfix's
 * smtpd_upstream_proxy_timeout.
 */
#define PROXY_WAIT_SECS		5
/* Read before v1 and v2 can be told apart: the shortest header of
   either ("PROXY UNKNOWN\r\n"), so nothing past it is ever read. */
#define PROXY_FIRST		15

struct proxy_header {
	bool	local;		/* v2 LOCAL, v1 UNKNOWN, or no IP address
				   given: the socket's own peer stands */
	char	addr[INET6_ADDRSTRLEN];	/* the client, as inet_ntop writes */
};

enum proxy_status {
	PROXY_OK,
	PROXY_MALFORMED,	/* not a header, or past the limits */
	PROXY_TIMEOUT,		/* not whole before the deadline */
	PROXY_EOF,		/* the connection ended first */
	PROXY_IOERR,		/* read(2) or poll(2) failed */
};

/* A short phrase for the log line of a refused header. */
const char *proxy_status_text(enum proxy_status st);

/*
 * A whole v1 line of len octets, CRLF included: true with *h filled,
 * false for anything else.
 */
bool	proxy_v1_parse(const char *line, size_t len, struct proxy_header *h);
/* The body length that a v2 head announces, or -1 if it is not one. */
long	proxy_v2_length(const unsigned char head[PROXY_V2_HEAD]);
/* A v2 head and its len octets of body: true with *h filled. */
bool	proxy_v2_parse(const unsigned char head[PROXY_V2_HEAD],
	    const unsigned char *body, size_t len, struct proxy_header *h);

/* Reads one header from fd, exactly its octets, before until. */
enum proxy_status proxy_read(int fd, struct deadline until,
	    struct proxy_header *h);

#endif
