/*
 * tls: STARTTLS (smtpd) and STLS (pop3d) through an external engine, -T
 * (SPEC 9). No TLS library is linked: after the ready reply,
 * tls_handover() puts the session's state on a pipe at TLS_STATE_FD and
 * execs CMD through /bin/sh (common/shell.h) with the client's socket as
 * stdin and stdout and /dev/null as stderr. The engine (stunnel in inetd
 * mode) runs the handshake and a fresh server on the cleartext side, which
 * calls tls_resume() before anything else.
 *
 * The state is believed only from a pipe at TLS_STATE_FD whose record
 * begins with TLS_STATE_MAGIC and names our parent's pid: the engine took
 * the first server's pid by exec. A remote client controls neither our
 * descriptors nor our parent, and no environment variable or option is
 * read for it, so nothing a client sends can fake "under TLS".
 */
#ifndef COMMON_TLS_H
#define COMMON_TLS_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>

#define TLS_STATE_FD		3
#define TLS_STATE_MAGIC		"mailservers-tls-state 1"
/* The whole record: magic, pid, address, timestamp, argv. */
#define TLS_STATE_MAX		8192
#define TLS_TIMESTAMP_MAX	128

struct tls_state {
	char	 addr[INET6_ADDRSTRLEN];	/* the client's, "" if local */
	char	 timestamp[TLS_TIMESTAMP_MAX];	/* pop3d's APOP, may be "" */
	int	 argc;				/* the first server's argv */
	char	*argv[TLS_STATE_MAX / 2];
};

/*
 * In a fresh server: when TLS_STATE_FD carries a valid record from our
 * parent, fills st (its argv points into static storage) and returns
 * true; else false and the descriptor is left alone.
 */
bool	tls_resume(struct tls_state *st);

/*
 * In the first server, after the ready reply went out: hands the
 * connection (fd 0 and 1) to cmd. Returns only on failure (logged); the
 * client is then mid-handshake and the session must end.
 */
void	tls_handover(const char *cmd, const char *addr, const char *timestamp,
	    int argc, char **argv);

#endif
