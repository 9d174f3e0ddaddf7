#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/peer.h"

enum peer_kind
peer_classify(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 ? PEER_LOOPBACK :
		    PEER_REMOTE;
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127))
			return PEER_LOOPBACK;
		return PEER_REMOTE;
	}
	return PEER_REMOTE;
}

void
peer_identify(struct peer *p, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const char *env = getenv("TCPREMOTEIP");
	const void *bytes = NULL;

	p->kind = PEER_LOCAL;
	p->addr[0] = '\0';
	if (env != NULL && env[0] != '\0') {
		strncpy(p->addr, env, sizeof p->addr - 1);
		p->addr[sizeof p->addr - 1] = '\0';
		p->kind = peer_classify(p->addr);
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return;		/* ENOTSOCK: a pipe or a file */
	if (ss.ss_family == AF_INET)
		bytes = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		bytes = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (bytes == NULL ||
	    inet_ntop(ss.ss_family, bytes, p->addr, sizeof p->addr) == NULL) {
		p->addr[0] = '\0';
		return;		/* a Unix socket */
	}
	p->kind = peer_classify(p->addr);
}

/* stunnel and tcpserver wrappers set these; the client cannot. */
bool
peer_tls(void)
{
	const char *ssl = getenv("SSL_PROTOCOL"), *tls = getenv("TLS_PROTOCOL");

	return (ssl != NULL && ssl[0] != '\0') || (tls != NULL && tls[0] != '\0');
}

bool
peer_plaintext_ok(const struct peer *p, bool allow_any)
{
	return allow_any || p->kind != PEER_REMOTE || peer_tls();
}

const char *
peer_log_name(struct peer *p)
{
	if (p->addr[0] == '\0')
		return "local";
	return log_escape(p->log_name, sizeof p->log_name, p->addr,
	    strlen(p->addr));
}
