/*
 * txn: one mail transaction (RFC 5321 3.3), from MAIL to the reply after
 * its message: who sent it, the sender, the mailboxes and relay
 * recipients its RCPTs reached, the message being received, and whether
 * a refusal of it is being echoed to a pipelining client. The session
 * holds one and resets it after each message, at RSET, HELO or EHLO and
 * at the end; only the message counter outlives a transaction. What is
 * decided about a message comes back as a struct smtp_outcome: the
 * session's handlers, not the message code, reply and log.
 */
#ifndef SMTPD_TXN_H
#define SMTPD_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/nameset.h"
#include "smtpd/address.h"
#include "smtpd/data.h"
#include "smtpd/params.h"
#include "smtpd/replies.h"
#include "spool/spool.h"

/* The message being received, whichever command carries it (message.c). */
struct smtp_message {
	bool			 active;	/* begun and not yet ended */
	struct spool_msg	 spool;
	enum spool_status	 opened;	/* how spool_msg_open went */
	char			 id[SMTP_ID_SIZE];
	struct data_machine	 framer;	/* DATA's dots or BDAT's counts */
	off_t			 octets;	/* with CRLF line ends (SPEC 3) */
	off_t			 max_size;	/* -z */
	bool			 over;		/* past -z: nothing more stored */
	size_t			 return_path_len;	/* not relayed */
	/* The loop check: Received: fields in the header. */
	bool			 in_header;
	size_t			 received;
	size_t			 prefix_len;	/* bytes of this line seen */
	bool			 prefix_match;	/* still "received:" so far */
};

struct smtp_txn {
	/* The client as MAIL found it: EHLO ends a transaction, AUTH and
	   STARTTLS are refused inside one, so these hold to its end. */
	const char		*helo;
	const char		*auth_user;	/* "" if none */
	const char		*protocol;	/* Received's "with" (RFC 3848) */
	struct smtp_path	 sender;
	bool			 utf8;		/* MAIL ... SMTPUTF8 */
	int64_t			 declared_size;	/* MAIL ... SIZE=, or 0 */
	size_t			 rcpt_count;	/* RCPTs accepted (-r) */
	char			 first_rcpt[SMTP_PATH_MAX + 1];
	/* The local mailboxes they reach, each once (names point into the
	   users file, or are "postmaster"); room for all of them. */
	struct nameset		 mailboxes;
	/* The same mailboxes with their limits, for the spool (-q and the
	   users file's quotas; RCPT fills them). */
	struct spool_rcpt	*boxes;
	/* What one delivery can hold open at once (spool_deliver_max). */
	size_t			 mailbox_limit;
	/* Recipients in other domains, for the relay (-x, authenticated). */
	char			(*remote)[SMTP_PATH_MAX + 1];
	size_t			 remote_count;
	/* With -f: the accepted recipients, one per line, for the filter. */
	char			*rcpt_list;
	size_t			 rcpt_list_len;
	/* MAIL or a RCPT of it was refused: the 503s its pipelined RCPTs
	   and DATA then get are echoes, not errors (SPEC 3, RFC 2920 3.1),
	   up to max_rcpts + 1 of them. */
	bool			 refused;
	size_t			 echoes;
	unsigned		 msg_counter;	/* for ids; never reset */
	struct smtp_message	 msg;
};

/* What the end of a message decided (smtp_message_end). */
struct smtp_outcome {
	bool		 delivered;	/* every recipient has it */
	enum reply_id	 refusal;	/* else: why not */
	/* a local failure: the mailbox (or the filesystem), and why */
	enum spool_status	 spool;
	struct spool_refusal	 why;
	/* R_FILTER_REFUSED: the filter's own words, printable; may be "" */
	char		 reason[SMTP_FILTER_REASON_MAX + 1];
};

/*
 * Sizes t for a session: room for mailboxes_max local mailboxes, and for
 * max_rcpts relay recipients and the filter's recipient list when relay
 * and filter are on. 0, or -1 (ENOMEM).
 */
int	txn_init(struct smtp_txn *t, size_t mailboxes_max, size_t max_rcpts,
	    bool relay, bool filter);
/* Forgets the transaction and abandons its message; idempotent. */
void	txn_reset(struct smtp_txn *t);
/* Starts echoing: the pipelined RCPTs and DATA after this get 503s. */
void	txn_refuse(struct smtp_txn *t);
/*
 * MAIL accepted: the sender, the size it declared (0: none) and the
 * client it came from.
 */
void	txn_begin(struct smtp_txn *t, const struct smtp_path *sender,
	    bool utf8, int64_t declared_size, const char *helo,
	    const char *auth_user, const char *protocol);
/* Whether one more recipient fits what the filter can be given. */
bool	txn_rcpt_fits(const struct smtp_txn *t, const char *text);
/*
 * Counts an accepted RCPT (its local mailboxes are already in
 * t->mailboxes); remote: text is a relay recipient, kept once.
 */
void	txn_add_rcpt(struct smtp_txn *t, const char *text, bool remote);

#endif
