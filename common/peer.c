#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/peer.h"

/* What fd 0 is. */
enum peer_fd {
	PEER_FD_OTHER,		/* a pipe, a file */
	PEER_FD_UNIX,		/* a Unix socket */
	PEER_FD_IP,		/* TCP over IPv4 or IPv6: addr and port */
};

static enum peer_fd peer_socket(int fd, char addr[INET6_ADDRSTRLEN],
	    unsigned *port);
static bool peer_set(struct peer *p, const char *addr);
static bool peer_stunnel(enum peer_fd sock, const char *sock_addr,
	    unsigned sock_port);

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

/* fd's kind, and for TCP its peer's address and port. */
static enum peer_fd
peer_socket(int fd, char addr[INET6_ADDRSTRLEN], unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const void *bytes = NULL;

	addr[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return PEER_FD_OTHER;	/* ENOTSOCK: a pipe or a file */
	if (ss.ss_family == AF_INET) {
		bytes = &((struct sockaddr_in *)&ss)->sin_addr;
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		bytes = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (bytes == NULL ||
	    inet_ntop(ss.ss_family, bytes, addr, INET6_ADDRSTRLEN) == NULL) {
		addr[0] = '\0';
		return PEER_FD_UNIX;
	}
	return PEER_FD_IP;
}

/*
 * p is the client at addr, when it is an address (else false). An IPv4
 * client on an IPv6 socket (xinetd's flags = IPv6, systemd's [::]) is
 * ::ffff:a.b.c.d there: it is named a.b.c.d, as on an IPv4 socket, so
 * logs, fail2ban and Received name it one way whatever the front.
 */
static bool
peer_set(struct peer *p, const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;
	bool v6;

	if (addr == NULL || strlen(addr) >= sizeof p->addr)
		return false;
	v6 = inet_pton(AF_INET6, addr, &a6) == 1;
	if (v6 && IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], sizeof a4);
		if (inet_ntop(AF_INET, &a4, p->addr, sizeof p->addr) == NULL)
			return false;
	} else if (v6 || inet_pton(AF_INET, addr, &a4) == 1)
		strcpy(p->addr, addr);
	else
		return false;
	p->kind = peer_classify(p->addr);
	return true;
}

/* stunnel's REMOTE_HOST may name the client (rule 3 of peer.h). */
static bool
peer_stunnel(enum peer_fd sock, const char *sock_addr, unsigned sock_port)
{
	const char *port = getenv("REMOTE_PORT"), *host = getenv("REMOTE_HOST");
	char *end;
	unsigned long n;

	if (sock == PEER_FD_OTHER || sock == PEER_FD_UNIX)
		return true;
	if (peer_classify(sock_addr) != PEER_LOOPBACK || port == NULL ||
	    host == NULL)
		return false;
	n = strtoul(port, &end, 10);
	return port[0] != '\0' && *end == '\0' &&
	    (n != sock_port || strcmp(host, sock_addr) != 0);
}

enum proxy_status
peer_identify(struct peer *p, int fd, const struct cidr_list *proxies,
    struct deadline until)
{
	char sock_addr[INET6_ADDRSTRLEN];
	unsigned sock_port = 0;
	enum peer_fd sock = peer_socket(fd, sock_addr, &sock_port);
	enum proxy_status st = PROXY_OK;
	struct proxy_header h;

	*p = (struct peer){ .kind = PEER_LOCAL, .tls = peer_tls() };
	if (sock == PEER_FD_IP && proxies != NULL &&
	    cidr_list_has(proxies, sock_addr)) {
		if ((st = proxy_read(fd, until, &h)) == PROXY_OK && !h.local &&
		    peer_set(p, h.addr))
			return PROXY_OK;
		/* refused, or a LOCAL one: the socket's peer stands */
		(void)peer_set(p, sock_addr);
		return st;
	}
	if (peer_set(p, getenv("TCPREMOTEIP")) ||
	    peer_set(p, getenv("TCP6REMOTEIP")))
		return PROXY_OK;
	if (peer_stunnel(sock, sock_addr, sock_port) &&
	    peer_set(p, getenv("REMOTE_HOST"))) {
		p->tls = true;
		return PROXY_OK;
	}
	if (sock == PEER_FD_IP)
		(void)peer_set(p, sock_addr);
	return PROXY_OK;
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
	return allow_any || p->kind != PEER_REMOTE || p->tls;
}

const char *
peer_log_name(struct peer *p)
{
	if (p->addr[0] == '\0')
		return "local";
	return log_escape(p->log_name, sizeof p->log_name, p->addr,
	    strlen(p->addr));
}
