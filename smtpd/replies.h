/*
 * replies: every reply smtpd sends by id, its text (RFC 5321 codes with
 * RFC 3463 enhanced codes, in plain words) and what it weighs in the
 * session's error count; and what a spool failure answers. Nothing else:
 * the session loop writes them.
 */
#ifndef SMTPD_REPLIES_H
#define SMTPD_REPLIES_H

#include "spool/spool.h"

/* Reply ids: the table in replies.c holds their texts. */
enum reply_id {
	R_NONE,			/* no reply (QUIT closing, timeouts) */
	R_SENT,			/* the handler wrote the reply itself */
	R_DONE, R_MAIL_OK, R_RCPT_OK, R_DATA_GO, R_BYE, R_HELP, R_VRFY,
	R_UNKNOWN, R_TOOLONG, R_NUL, R_UNIMPLEMENTED, R_SEQ_HELO,
	R_SEQ_MAIL, R_SEQ_NESTED, R_SEQ_RCPT, R_SEQ_CHUNK, R_SEQ_CHUNKS, R_SYNTAX,
	R_SYNTAX_HELO, R_SYNTAX_SENDER, R_SYNTAX_RCPT, R_SYNTAX_BDAT, R_PARAM,
	R_SIZE, R_NOUSER, R_RELAY,
	R_TOO_MANY_RCPTS, R_LOOP, R_BARE_CR, R_TOO_MANY_ERRORS, R_TOO_MUCH_JUNK,
	R_OUT_OF_STEP, R_TIMEOUT,
	R_TEMP_LOCK, R_TEMP_IO, R_NOSPACE, R_MAILBOX_FULL, R_SHUTDOWN,
	R_SEQ_EHLO, R_SEQ_AUTH_TXN, R_AUTH_OK, R_AUTH_AGAIN, R_AUTH_MECH,
	R_AUTH_ENCRYPT, R_AUTH_FAILED, R_AUTH_CANCELLED, R_AUTH_MALFORMED,
	R_AUTH_TOOLONG, R_AUTH_CLOSING, R_ALIAS_ERROR, R_RELAY_TEMP, R_RELAY_PERM,
	R_TLS_ACTIVE, R_SEQ_TLS_TXN, R_FILTER_REFUSED, R_FILTER_TEMP,
	R_COUNT
};

/* What a reply means to the loop's error count (SPEC 3). */
enum reply_weight {
	REPLY_FINE,		/* not an error */
	REPLY_ERROR,		/* 500-504, 555 */
	REPLY_ECHO,		/* an error, unless it echoes a refused MAIL
				   or RCPT to a pipelining client */
	REPLY_ECHO_ENDS,	/* the same, and the group ends with it (DATA,
				   BDAT LAST) */
};

/* The text of id, without CRLF; NULL for R_SENT and R_NONE. */
const char *smtp_reply_text(enum reply_id id);
enum reply_weight smtp_reply_weight(enum reply_id id);
/* The one mapping of a spool failure to a reply: all are temporary. */
enum reply_id smtp_spool_reply(enum spool_status st);

#endif
