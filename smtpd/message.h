/*
 * message: one message, from its first byte to what is decided about it,
 * whatever carried it. begin (id, spool message, our trace headers),
 * feed the framing's bytes, end (judge, filter, relay, deliver: the
 * outcome says which happened; the caller replies, logs and resets the
 * transaction) or abandon (the input ended: nothing delivered). Never
 * whole in memory: the spool message spills to disk.
 */
#ifndef SMTPD_MESSAGE_H
#define SMTPD_MESSAGE_H

#include "common/conn.h"
#include "smtpd/data.h"
#include "smtpd/txn.h"

struct smtpd_config;

/* Starts t's message; t->msg must not be active. */
void	smtp_message_begin(struct smtp_txn *t, const struct smtpd_config *cfg,
	    const struct conn *conn, enum data_framing framing);
/* Feeds framed bytes; returns how many the framer took (DATA stops at
   its terminator). */
size_t	smtp_message_feed(struct smtp_message *m, const char *p, size_t len);
/*
 * Judges the active message (bare CR, size, loop, spool), runs the filter
 * (-f), hands remote recipients to the relay (-x) and delivers to the
 * local mailboxes; *out says whether every recipient has it. The spool
 * message is closed afterwards; t itself is left as it was.
 */
void	smtp_message_end(struct smtp_txn *t, const struct smtpd_config *cfg,
	    const struct conn *conn, struct smtp_outcome *out);
/* Drops the message, if one is active; nothing is delivered. */
void	smtp_message_abandon(struct smtp_message *m);

/*
 * relay.c: the hand-off to -x. true when the command took the message;
 * else *refusal says what to answer.
 */
bool	smtp_relay(const struct smtpd_config *cfg, const struct conn *conn,
	    const struct smtp_txn *t, struct spool_msg *msg,
	    enum reply_id *refusal);

/*
 * filter.c: the content filter (-f). true when the message may go on
 * (with the filter's header lines in it); else out->refusal says what to
 * answer, and for R_FILTER_REFUSED out->reason holds the filter's own
 * words (printable ASCII, may be empty).
 */
bool	smtp_filter(const struct smtpd_config *cfg, const struct conn *conn,
	    const struct smtp_txn *t, struct spool_msg *msg,
	    struct smtp_outcome *out);

#endif
