/*
 * conn: the client connection as both programs and SASL see it: commands
 * read from fd 0, replies written to fd 1 (flushed just before a read
 * would block), who is at the other end, and what may cross it. One per
 * process: the superserver started us for this connection.
 */
#ifndef COMMON_CONN_H
#define COMMON_CONN_H

#include <stdbool.h>

#include "common/line.h"
#include "common/peer.h"
#include "common/reply.h"
#include "common/startup.h"
#include "common/tls.h"
#include "common/users.h"

/*
 * The SASL mechanisms a session offers: CRAM-MD5 only when every user of
 * the file could use it (SPEC 3, 4), plaintext ones as -P or the peer
 * allows.
 */
struct sasl_offer {
	bool	plaintext;
	bool	cram_md5;
};

struct conn {
	struct line_reader	 in;
	struct reply_writer	 out;
	struct peer		 peer;
	const char		*client;	/* for logs: address or "local" */
	bool			 tls;		/* a TLS wrapper says so */
	bool			 resumed;	/* after STARTTLS/STLS: no greeting */
	struct sasl_offer	 sasl;		/* the mechanisms offered */
};

/*
 * Sets c up on fd 0 and fd 1 with the options' idle timeout; the SASL
 * offer follows -P, the peer, TLS and the users file (SPEC 2, 3, 4).
 * resumed is the state a TLS engine handed over (common/tls.h), or NULL:
 * then the client is the one it names, and under TLS. Else the client is
 * found as common/peer.h says, and a trusted proxy's refused header ends
 * the process here: logged, nothing sent (SPEC 2).
 */
void	conn_open(struct conn *c, const struct startup_opts *opts,
	    const struct users *users, const struct tls_state *resumed);

/*
 * STARTTLS and STLS (RFC 3207 4, RFC 2595 4): sends ready, and hands the
 * connection to the engine tls_cmd (common/tls.h), telling the fresh
 * server the client, timestamp (pop3d's APOP, else "") and the options
 * it was started with. Whatever the client pipelined after the command
 * dies with this process, unread. Returns only when the hand-over
 * failed: the client is mid-handshake, so the session must end.
 */
void	conn_starttls(struct conn *c, const char *ready, const char *tls_cmd,
	    const char *timestamp, int argc, char **argv);

#endif
