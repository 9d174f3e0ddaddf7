/*
 * The session loop: read a command, check it against the table, run its
 * handler, send the reply, count errors. Only this file writes replies
 * chosen by id, counts errors and ends sessions.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/sasl.h"
#include "common/secret.h"
#include "smtpd/smtpd.h"

enum arg_rule { ARG_NONE, ARG_MAY, ARG_MUST };

struct smtp_cmd {
	const char	*name;
	unsigned	 states;	/* the states in which it is allowed */
	enum arg_rule	 arg;
	enum reply_id	(*run)(struct smtp_session *, char *);
	enum reply_id	 fixed;		/* the reply when run is NULL */
	enum reply_id	 wrong_state;	/* the 503 for the other states */
	enum reply_id	 bad_arg;	/* when the argument rule is broken */
	bool		 junk;		/* moves no mail: counted (SPEC 3) */
};

#define ANY	(SMTP_ST_START | SMTP_ST_READY | SMTP_ST_MAIL | SMTP_ST_RCPT | \
		    SMTP_ST_CHUNKS)

/* What a reply means to the loop's error count (SPEC 3). */
enum reply_weight {
	REPLY_FINE,		/* not an error */
	REPLY_ERROR,		/* 500-504, 555 */
	REPLY_ECHO,		/* an error, unless it echoes a refused MAIL
				   or RCPT to a pipelining client */
	REPLY_ECHO_ENDS,	/* the same, and the group ends with it (DATA,
				   BDAT LAST) */
};

struct smtp_reply {
	const char	*text;		/* NULL: the handler wrote it */
	enum reply_weight weight;
};

/* One row per verb; VRFY answers 252 without looking (RFC 5321 3.5.3). */
static const struct smtp_cmd smtp_cmds[] = {
	{ "AUTH", SMTP_ST_READY, ARG_MUST, smtp_cmd_auth, R_NONE,
	    R_SEQ_AUTH_TXN, R_SYNTAX, false },
	/* its chunk is read in every state: the handler judges the state */
	{ "BDAT", ANY, ARG_MAY, smtp_cmd_bdat, R_NONE, R_NONE, R_NONE,
	    false },
	{ "DATA", SMTP_ST_RCPT, ARG_NONE, smtp_cmd_data, R_NONE, R_SEQ_RCPT,
	    R_SYNTAX, false },
	{ "EHLO", ANY, ARG_MUST, smtp_cmd_ehlo, R_NONE, R_NONE, R_SYNTAX_HELO,
	    false },
	{ "EXPN", ANY, ARG_MAY, NULL, R_UNIMPLEMENTED, R_NONE, R_SYNTAX, true },
	{ "HELO", ANY, ARG_MUST, smtp_cmd_helo, R_NONE, R_NONE, R_SYNTAX_HELO,
	    false },
	{ "HELP", ANY, ARG_MAY, NULL, R_HELP, R_NONE, R_SYNTAX, true },
	{ "MAIL", SMTP_ST_READY, ARG_MUST, smtp_cmd_mail, R_NONE, R_SEQ_NESTED,
	    R_SYNTAX, false },
	{ "NOOP", ANY, ARG_MAY, NULL, R_DONE, R_NONE, R_SYNTAX, true },
	{ "QUIT", ANY, ARG_NONE, smtp_cmd_quit, R_NONE, R_NONE, R_SYNTAX, false },
	{ "RCPT", SMTP_ST_MAIL | SMTP_ST_RCPT, ARG_MUST, smtp_cmd_rcpt, R_NONE,
	    R_SEQ_MAIL, R_SYNTAX, false },
	{ "RSET", ANY, ARG_NONE, smtp_cmd_rset, R_NONE, R_NONE, R_SYNTAX,
	    true },
	{ "SAML", ANY, ARG_MAY, NULL, R_UNIMPLEMENTED, R_NONE, R_SYNTAX, false },
	{ "SEND", ANY, ARG_MAY, NULL, R_UNIMPLEMENTED, R_NONE, R_SYNTAX, false },
	{ "SOML", ANY, ARG_MAY, NULL, R_UNIMPLEMENTED, R_NONE, R_SYNTAX, false },
	{ "STARTTLS", SMTP_ST_READY, ARG_NONE, smtp_cmd_starttls, R_NONE,
	    R_SEQ_TLS_TXN, R_SYNTAX, false },
	{ "TURN", ANY, ARG_MAY, NULL, R_UNIMPLEMENTED, R_NONE, R_SYNTAX, false },
	{ "VRFY", ANY, ARG_MUST, NULL, R_VRFY, R_NONE, R_SYNTAX, true },
};

/* RFC 5321 replies with RFC 3463 enhanced codes, in plain words. */
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

static bool smtp_line_fits(const char *line, size_t len, enum line_end end);
static const struct smtp_cmd *smtp_cmd_find(const char *verb);
static bool smtp_counts_as_error(struct smtp_session *s, enum reply_id id);
static enum reply_id smtp_dispatch(struct smtp_session *s, char *line,
	    size_t len, bool *junk);

const char *
smtp_log_path(const struct smtp_path *p, char *buf, size_t size)
{
	return log_escape(buf, size, p->text, strlen(p->text));
}

const char *
smtp_reply_text(enum reply_id id)
{
	return smtp_replies[id].text;
}

void
smtp_set_state(struct smtp_session *s, enum smtp_state state)
{
	s->state = state;
}

void
smtp_transaction_refused(struct smtp_session *s)
{
	s->txn_refused = true;
	s->echoes = 0;
}

void
smtp_transaction_reset(struct smtp_session *s)
{
	smtp_message_abandon(s);
	s->txn_refused = false;
	memset(&s->sender, 0, sizeof s->sender);
	s->utf8 = false;
	s->rcpt_count = 0;
	s->mailboxes.count = 0;
	s->remote_count = 0;
	s->first_rcpt[0] = '\0';
	s->rcpt_list_len = 0;
	if (s->rcpt_list != NULL)
		s->rcpt_list[0] = '\0';
	smtp_set_state(s, s->helo[0] != '\0' ? SMTP_ST_READY : SMTP_ST_START);
}

/* RFC 5321 4.5.3.1.4 for every command but AUTH (RFC 4954 4). */
static bool
smtp_line_fits(const char *line, size_t len, enum line_end end)
{
	size_t total = len + (end == LINE_END_CRLF ? 2 : end == LINE_END_LF);

	return total <= SMTP_CMDLINE_MAX ||
	    (strncasecmp(line, "AUTH ", 5) == 0 && total <= SMTP_AUTH_LINE_MAX);
}

static const struct smtp_cmd *
smtp_cmd_find(const char *verb)
{
	for (size_t i = 0; i < sizeof smtp_cmds / sizeof smtp_cmds[0]; i++)
		if (strcasecmp(verb, smtp_cmds[i].name) == 0)
			return &smtp_cmds[i];
	return NULL;
}

/*
 * SPEC 3: an echo is no error while a refused MAIL or RCPT is being
 * echoed, at most max_rcpts + 1 times (RCPTs, then DATA or BDAT chunks),
 * so echoes are no way around the limit.
 */
static bool
smtp_counts_as_error(struct smtp_session *s, enum reply_id id)
{
	enum reply_weight w = smtp_replies[id].weight;

	if ((w == REPLY_ECHO || w == REPLY_ECHO_ENDS) && s->txn_refused &&
	    s->echoes++ <= s->cfg->max_rcpts) {
		if (w == REPLY_ECHO_ENDS)
			s->txn_refused = false;
		return false;
	}
	return w != REPLY_FINE;
}

static enum reply_id
smtp_dispatch(struct smtp_session *s, char *line, size_t len, bool *junk)
{
	const struct smtp_cmd *cmd;
	char *arg;

	if (strlen(line) != len)
		return R_NUL;
	arg = line + strcspn(line, " ");
	if (*arg != '\0')
		*arg++ = '\0';
	if ((cmd = smtp_cmd_find(line)) == NULL)
		return R_UNKNOWN;
	*junk = cmd->junk;
	if (!(cmd->states & s->state)) {
		if (cmd->wrong_state == R_NONE)
			return R_NONE;
		if (s->state == SMTP_ST_START)
			return R_SEQ_HELO;
		/* RFC 3030 2: no DATA or RCPT until BDAT LAST or RSET */
		return s->state == SMTP_ST_CHUNKS && cmd->wrong_state !=
		    R_SEQ_NESTED ? R_SEQ_CHUNKS : cmd->wrong_state;
	}
	if ((cmd->arg == ARG_NONE && *arg != '\0') ||
	    (cmd->arg == ARG_MUST && *arg == '\0'))
		return cmd->bad_arg;
	return cmd->run != NULL ? cmd->run(s, arg) : cmd->fixed;
}

void
smtp_session_run(struct smtp_session *s)
{
	char line[SMTP_AUTH_LINE_MAX];
	enum reply_id reply;
	enum line_end end;
	size_t len = 0;		/* of the last line read; TOOLONG stores none */
	bool junk;

	/* after STARTTLS the client waits for no second greeting */
	if (!s->conn.resumed)
		reply_printf(&s->conn.out, "220 %s ESMTP\r\n", s->cfg->hostname);
	while (!s->quit && !s->conn.out.failed) {
		junk = false;
		switch (line_read(&s->conn.in, line, sizeof line, &len, &end)) {
		case LINE_OK:
			s->line_end = end;
			reply = smtp_line_fits(line, len, end) ?
			    smtp_dispatch(s, line, len, &junk) : R_TOOLONG;
			break;
		case LINE_TOOLONG:
			reply = R_TOOLONG;
			break;
		case LINE_TIMEOUT:
			log_info("timeout client=%s", s->conn.client);
			reply_printf(&s->conn.out, "%s\r\n",
			    smtp_reply_text(R_TIMEOUT));
			s->quit = true;
			continue;
		case LINE_EOF:
		case LINE_ERROR:
		default:
			s->quit = true;
			continue;
		}
		/* The password must not outlive the command. */
		secret_wipe(line, len);
		if (reply == R_AUTH_FAILED) {
			(void)reply_flush(&s->conn.out);
			sasl_delay(&s->conn.in.line_at, SMTP_AUTH_DELAY_MSECS);
		}
		if (reply != R_SENT && reply != R_NONE)
			reply_printf(&s->conn.out, "%s\r\n",
			    smtp_reply_text(reply));
		if (reply == R_AUTH_FAILED &&
		    ++s->auth_failures >= SMTP_AUTH_FAILURES_MAX) {
			log_info("too many failed logins client=%s",
			    s->conn.client);
			reply_printf(&s->conn.out, "%s\r\n",
			    smtp_reply_text(R_AUTH_CLOSING));
			break;
		}
		if (smtp_counts_as_error(s, reply) &&
		    ++s->errors >= SMTP_ERRORS_MAX) {
			log_info("too many errors client=%s", s->conn.client);
			reply_printf(&s->conn.out, "%s\r\n",
			    smtp_reply_text(R_TOO_MANY_ERRORS));
			break;
		}
		if (junk && ++s->junk > SMTP_JUNK_MAX) {
			log_info("too many junk commands client=%s",
			    s->conn.client);
			reply_printf(&s->conn.out, "%s\r\n",
			    smtp_reply_text(R_TOO_MUCH_JUNK));
			break;
		}
	}
	/* BDAT chunks without LAST: nothing is delivered */
	smtp_message_abandon(s);
	(void)reply_flush(&s->conn.out);
}
