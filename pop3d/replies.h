/*
 * replies: every reply pop3d sends by id, its text (RFC 1939 with RFC
 * 2449 and RFC 3206 response codes) and what it weighs in the session's
 * error count; and what a spool failure answers. Nothing else: the
 * session loop writes them.
 */
#ifndef POP3D_REPLIES_H
#define POP3D_REPLIES_H

#include "spool/spool.h"

/* Reply ids: the table in replies.c holds their texts. */
enum reply_id {
	R_NONE,			/* no reply */
	R_SENT,			/* the handler wrote the reply itself */
	R_DONE, R_USER_OK, R_DELETED, R_BYE,
	R_UNKNOWN, R_TOOLONG, R_NUL, R_STATE, R_SYNTAX, R_BAD_NUMBER,
	R_NO_MSG, R_MSG_DELETED, R_NEED_USER, R_PLAINTEXT,
	R_AUTH_FAILED, R_AUTH_CLOSING, R_AUTH_MECH, R_APOP_OFF, R_AUTH_CANCELLED,
	R_AUTH_MALFORMED, R_INUSE, R_LOCKED, R_OPEN_FAILED, R_NOT_MBOX,
	R_READ_FAILED, R_COMMIT_FAILED, R_CHANGED, R_TOO_MANY_ERRORS, R_TIMEOUT,
	R_TLS_OFF, R_TLS_ACTIVE,
	R_COUNT
};

/* What a reply means to the loop's error count (SPEC 4). */
enum reply_weight {
	REPLY_FINE,		/* not an error */
	REPLY_ERROR,		/* counted: the tenth ends the session */
};

/* What was being done when the spool failed. */
enum pop_spool_op {
	POP_SPOOL_OPEN,		/* the login's open and scan */
	POP_SPOOL_READ,		/* UIDL's ids */
	POP_SPOOL_COMMIT,	/* QUIT's removal */
};

/* The text of id, without CRLF; NULL for R_SENT and R_NONE. */
const char *pop_reply_text(enum reply_id id);
enum reply_weight pop_reply_weight(enum reply_id id);
/* The one mapping of a spool failure to a reply. */
enum reply_id pop_spool_reply(enum spool_status st, enum pop_spool_op op);

#endif
