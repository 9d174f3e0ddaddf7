/* The reply table (replies.h). */
#include "pop3d/replies.h"

struct pop_reply {
	const char	*text;
	enum reply_weight weight;
};

/*
 * Response codes are RFC 2449's and RFC 3206's; the weight says what a
 * reply means to the session's error count (SPEC 4).
 */
static const struct pop_reply pop_replies[R_COUNT] = {
	[R_DONE] = { "+OK", REPLY_FINE },
	[R_USER_OK] = { "+OK Send your password", REPLY_FINE },
	[R_DELETED] = { "+OK Message deleted", REPLY_FINE },
	[R_BYE] = { "+OK Bye", REPLY_FINE },
	[R_UNKNOWN] = { "-ERR Unknown command", REPLY_ERROR },
	[R_TOOLONG] = { "-ERR Line too long", REPLY_ERROR },
	[R_NUL] = { "-ERR NUL byte in command", REPLY_ERROR },
	[R_STATE] = { "-ERR Command not valid in this state", REPLY_ERROR },
	[R_SYNTAX] = { "-ERR Syntax error in arguments", REPLY_ERROR },
	[R_BAD_NUMBER] = { "-ERR Invalid number", REPLY_ERROR },
	[R_NO_MSG] = { "-ERR No such message", REPLY_FINE },
	[R_MSG_DELETED] = { "-ERR Message already deleted", REPLY_FINE },
	[R_NEED_USER] = { "-ERR Send USER first", REPLY_ERROR },
	[R_PLAINTEXT] = {
	    "-ERR [AUTH] Plaintext authentication "
	    "disallowed on non-secure connections",
	    REPLY_FINE },
	[R_AUTH_FAILED] = { "-ERR [AUTH] Authentication failed", REPLY_FINE },
	[R_AUTH_CLOSING] = {
	    "-ERR [AUTH] Authentication failed, closing "
	    "connection",
	    REPLY_FINE },
	[R_AUTH_MECH] = {
	    "-ERR Unrecognized authentication mechanism",
	    REPLY_FINE },
	[R_APOP_OFF] = { "-ERR APOP is not offered here", REPLY_ERROR },
	[R_AUTH_CANCELLED] = { "-ERR Authentication cancelled", REPLY_FINE },
	[R_AUTH_MALFORMED] = {
	    "-ERR Malformed authentication response",
	    REPLY_ERROR },
	[R_INUSE] = {
	    "-ERR [IN-USE] Mailbox in use by another "
	    "session",
	    REPLY_FINE },
	[R_LOCKED] = {
	    "-ERR [IN-USE] Mailbox busy, try again later",
	    REPLY_FINE },
	[R_OPEN_FAILED] = {
	    "-ERR [SYS/TEMP] Unable to open the mailbox, "
	    "try again later",
	    REPLY_FINE },
	[R_NOT_MBOX] = {
	    "-ERR [SYS/PERM] The mailbox is not in mbox "
	    "format",
	    REPLY_FINE },
	[R_READ_FAILED] = {
	    "-ERR [SYS/TEMP] Unable to read the mailbox, "
	    "try again later",
	    REPLY_FINE },
	[R_COMMIT_FAILED] = {
	    "-ERR [SYS/TEMP] Unable to remove the deleted "
	    "messages, try again later",
	    REPLY_FINE },
	[R_CHANGED] = {
	    "-ERR [SYS/TEMP] The mailbox was changed by "
	    "another program; none was removed",
	    REPLY_FINE },
	[R_TOO_MANY_ERRORS] = {
	    "-ERR Too many errors, closing connection",
	    REPLY_FINE },
	[R_TIMEOUT] = { "-ERR Idle timeout, closing connection", REPLY_FINE },
	[R_TLS_OFF] = { "-ERR STLS is not offered here", REPLY_ERROR },
	[R_TLS_ACTIVE] = {
	    "-ERR Command not permitted when TLS active",
	    REPLY_ERROR },
};

const char *
pop_reply_text(enum reply_id id)
{
	return pop_replies[id].text;
}

enum reply_weight
pop_reply_weight(enum reply_id id)
{
	return pop_replies[id].weight;
}

enum reply_id
pop_spool_reply(enum spool_status st, enum pop_spool_op op)
{
	static const enum reply_id failed[] = {
		[POP_SPOOL_OPEN] = R_OPEN_FAILED,
		[POP_SPOOL_READ] = R_READ_FAILED,
		[POP_SPOOL_COMMIT] = R_COMMIT_FAILED,
	};

	switch (st) {
	case SPOOL_INUSE:
		return R_INUSE;
	case SPOOL_CORRUPT:
		return R_NOT_MBOX;
	case SPOOL_CHANGED:
		return R_CHANGED;
	case SPOOL_LOCKED:
		/* RFC 2449 8.1.2: [IN-USE] when the lock could not be had */
		if (op == POP_SPOOL_OPEN)
			return R_LOCKED;
		break;
	default:
		break;
	}
	return failed[op];
}
