/* The reply table (replies.h). */
#include "smtpd/replies.h"

struct smtp_reply {
	const char	*text;
	enum reply_weight weight;
};

/*
 * RFC 5321 replies with RFC 3463 enhanced codes, in plain words, and what
 * each means to the loop (SPEC 3): 500-504 and 555 are errors; the 503s
 * that a pipelining client gets for the RCPTs and DATA after a refused
 * MAIL or RCPT may be echoes of that refusal instead.
 */
static const struct smtp_reply smtp_replies[R_COUNT] = {
	[R_DONE] = { "250 2.0.0 OK", REPLY_FINE },
	[R_MAIL_OK] = { "250 2.1.0 Sender OK", REPLY_FINE },
	[R_RCPT_OK] = { "250 2.1.5 Recipient OK", REPLY_FINE },
	[R_DATA_GO] = { "354 End data with <CR><LF>.<CR><LF>", REPLY_FINE },
	[R_BYE] = { "221 2.0.0 Bye", REPLY_FINE },
	[R_HELP] = {
	    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP "
	    "QUIT HELP VRFY",
	    REPLY_FINE },
	[R_VRFY] = {
	    "252 2.5.0 Cannot verify the user, but will accept the message "
	    "and attempt delivery",
	    REPLY_FINE },
	[R_UNKNOWN] = { "500 5.5.2 Command not recognized", REPLY_ERROR },
	[R_TOOLONG] = { "500 5.5.2 Line too long", REPLY_ERROR },
	[R_NUL] = { "500 5.5.2 NUL byte in command", REPLY_ERROR },
	[R_UNIMPLEMENTED] = {
	    "502 5.5.1 Command not implemented",
	    REPLY_ERROR },
	[R_SEQ_HELO] = { "503 5.5.1 Send HELO or EHLO first", REPLY_ERROR },
	[R_SEQ_MAIL] = { "503 5.5.1 Send MAIL first", REPLY_ECHO },
	[R_SEQ_NESTED] = { "503 5.5.1 Sender already given", REPLY_ERROR },
	[R_SEQ_RCPT] = { "503 5.5.1 Send RCPT first", REPLY_ECHO_ENDS },
	[R_SEQ_CHUNK] = { "503 5.5.1 Send RCPT first", REPLY_ECHO },
	[R_SEQ_CHUNKS] = {
	    "503 5.5.1 BDAT chunks under way: send BDAT LAST or RSET",
	    REPLY_ERROR },
	[R_SYNTAX] = { "501 5.5.4 Syntax error in arguments", REPLY_ERROR },
	[R_SYNTAX_HELO] = {
	    "501 5.5.4 Syntax: HELO or EHLO hostname",
	    REPLY_ERROR },
	[R_SYNTAX_SENDER] = {
	    "501 5.1.7 Bad sender address syntax",
	    REPLY_ERROR },
	[R_SYNTAX_RCPT] = {
	    "501 5.1.3 Bad recipient address syntax",
	    REPLY_ERROR },
	[R_SYNTAX_BDAT] = {
	    "501 5.5.4 Syntax: BDAT size [LAST]",
	    REPLY_ERROR },
	[R_PARAM] = { "555 5.5.4 Parameter not recognized", REPLY_ERROR },
	[R_SIZE] = { "552 5.3.4 Message too big", REPLY_FINE },
	[R_NOUSER] = { "550 5.1.1 No such user here", REPLY_FINE },
	[R_RELAY] = { "554 5.7.1 Relay access denied", REPLY_FINE },
	[R_TOO_MANY_RCPTS] = { "452 4.5.3 Too many recipients", REPLY_FINE },
	[R_LOOP] = {
	    "554 5.4.6 Too many Received headers: mail loop",
	    REPLY_FINE },
	[R_BARE_CR] = {
	    "550 5.6.0 Message refused: a bare CR (one not followed by LF) "
	    "in the data",
	    REPLY_FINE },
	[R_TOO_MANY_ERRORS] = {
	    "421 4.7.0 Too many errors, closing connection",
	    REPLY_FINE },
	[R_TOO_MUCH_JUNK] = {
	    "421 4.7.0 Too many commands that move no mail, closing "
	    "connection",
	    REPLY_FINE },
	[R_OUT_OF_STEP] = {
	    "421 4.5.0 The BDAT size is unreadable, so the next command "
	    "cannot be found: closing connection",
	    REPLY_FINE },
	[R_TIMEOUT] = {
	    "421 4.4.2 Idle timeout, closing connection",
	    REPLY_FINE },
	[R_TEMP_LOCK] = {
	    "451 4.2.0 Mailbox busy, try again later",
	    REPLY_FINE },
	[R_TEMP_IO] = {
	    "451 4.3.0 Local error in processing, try again later",
	    REPLY_FINE },
	[R_NOSPACE] = { "452 4.3.1 Insufficient system storage", REPLY_FINE },
	/* RFC 3463 4.2.2; temporary, as Exim's appendfile quota defers */
	[R_MAILBOX_FULL] = {
	    "452 4.2.2 Mailbox full, try again later",
	    REPLY_FINE },
	[R_SEQ_EHLO] = { "503 5.5.1 Send EHLO first", REPLY_ERROR },
	[R_SEQ_AUTH_TXN] = {
	    "503 5.5.1 AUTH not permitted during a mail transaction",
	    REPLY_ERROR },
	[R_AUTH_OK] = { "235 2.7.0 Authentication successful", REPLY_FINE },
	[R_AUTH_AGAIN] = { "503 5.5.1 Already authenticated", REPLY_ERROR },
	[R_AUTH_MECH] = {
	    "504 5.5.4 Unrecognized authentication type",
	    REPLY_ERROR },
	[R_AUTH_ENCRYPT] = {
	    "538 5.7.11 Encryption required for requested authentication "
	    "mechanism",
	    REPLY_FINE },
	[R_AUTH_FAILED] = {
	    "535 5.7.8 Authentication credentials invalid",
	    REPLY_FINE },
	[R_AUTH_CANCELLED] = {
	    "501 5.0.0 Authentication cancelled",
	    REPLY_ERROR },
	[R_AUTH_MALFORMED] = {
	    "501 5.5.2 Cannot decode response",
	    REPLY_ERROR },
	[R_AUTH_TOOLONG] = {
	    "500 5.5.6 Authentication exchange line is too long",
	    REPLY_ERROR },
	[R_AUTH_CLOSING] = {
	    "421 4.7.0 Too many authentication failures, closing connection",
	    REPLY_FINE },
	[R_ALIAS_ERROR] = {
	    "451 4.3.0 Local configuration error, try again later",
	    REPLY_FINE },
	[R_RELAY_TEMP] = {
	    "451 4.4.0 Relay hand-off failed, try again later",
	    REPLY_FINE },
	[R_RELAY_PERM] = {
	    "554 5.3.0 The relay refused the message",
	    REPLY_FINE },
	[R_FILTER_REFUSED] = {
	    "554 5.7.1 Message refused by the content filter",
	    REPLY_FINE },
	[R_FILTER_TEMP] = {
	    "451 4.7.1 Content filter unavailable, try again later",
	    REPLY_FINE },
	[R_TLS_ACTIVE] = { "503 5.5.1 TLS already active", REPLY_ERROR },
	[R_SEQ_TLS_TXN] = {
	    "503 5.5.1 STARTTLS not permitted during a mail transaction",
	    REPLY_ERROR },
	[R_SHUTDOWN] = {
	    "421 4.3.0 Service not available, closing connection",
	    REPLY_FINE },
};

const char *
smtp_reply_text(enum reply_id id)
{
	return smtp_replies[id].text;
}

enum reply_weight
smtp_reply_weight(enum reply_id id)
{
	return smtp_replies[id].weight;
}

enum reply_id
smtp_spool_reply(enum spool_status st)
{
	switch (st) {
	case SPOOL_LOCKED:
		return R_TEMP_LOCK;
	case SPOOL_NOSPACE:
	case SPOOL_RESERVE:
		return R_NOSPACE;
	case SPOOL_FULL:
		return R_MAILBOX_FULL;
	default:
		return R_TEMP_IO;
	}
}
