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

#define ANY	(SMTP_ST_START | SMTP_ST_READY | SMTP_ST_MAIL | SMTP_ST_RCPT)

/* One row per verb; VRFY answers 252 without looking (RFC 5321 3.5.3). */
static const struct smtp_cmd smtp_cmds[] = {
	{ "AUTH", SMTP_ST_READY, ARG_MUST, smtp_cmd_auth, R_NONE,
	    R_SEQ_AUTH_TXN, R_SYNTAX, false },
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
	{ "TURN", ANY, ARG_MAY, NULL, R_UNIMPLEMENTED, R_NONE, R_SYNTAX, false },
	{ "VRFY", ANY, ARG_MUST, NULL, R_VRFY, R_NONE, R_SYNTAX, true },
};

/* RFC 5321 replies with RFC 3463 enhanced codes, in plain words. */
static const char *const smtp_replies[R_COUNT] = {
	[R_DONE]			= "250 2.0.0 OK",
	[R_MAIL_OK]		= "250 2.1.0 Sender OK",
	[R_RCPT_OK]		= "250 2.1.5 Recipient OK",
	[R_DATA_GO]		= "354 End data with <CR><LF>.<CR><LF>",
	[R_BYE]			= "221 2.0.0 Bye",
	[R_HELP]		= "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA "
				  "RSET NOOP QUIT HELP VRFY",
	[R_VRFY]		= "252 2.5.0 Cannot verify the user, but will "
				  "accept the message and attempt delivery",
	[R_UNKNOWN]		= "500 5.5.2 Command not recognized",
	[R_TOOLONG]		= "500 5.5.2 Line too long",
	[R_NUL]			= "500 5.5.2 NUL byte in command",
	[R_UNIMPLEMENTED]	= "502 5.5.1 Command not implemented",
	[R_SEQ_HELO]		= "503 5.5.1 Send HELO or EHLO first",
	[R_SEQ_MAIL]		= "503 5.5.1 Send MAIL first",
	[R_SEQ_NESTED]		= "503 5.5.1 Sender already given",
	[R_SEQ_RCPT]		= "503 5.5.1 Send RCPT first",
	[R_SYNTAX]		= "501 5.5.4 Syntax error in arguments",
	[R_SYNTAX_HELO]		= "501 5.5.4 Syntax: HELO or EHLO hostname",
	[R_SYNTAX_SENDER]	= "501 5.1.7 Bad sender address syntax",
	[R_SYNTAX_RCPT]		= "501 5.1.3 Bad recipient address syntax",
	[R_PARAM]		= "555 5.5.4 Parameter not recognized",
	[R_SIZE]		= "552 5.3.4 Message too big",
	[R_NOUSER]		= "550 5.1.1 No such user here",
	[R_RELAY]		= "554 5.7.1 Relay access denied",
	[R_TOO_MANY_RCPTS]	= "452 4.5.3 Too many recipients",
	[R_LOOP]		= "554 5.4.6 Too many Received headers: mail loop",
	[R_BARE_CR]		= "550 5.6.0 Message refused: a bare CR (one "
				  "not followed by LF) in the data",
	[R_TOO_MANY_ERRORS]	= "421 4.7.0 Too many errors, closing connection",
	[R_TOO_MUCH_JUNK]	= "421 4.7.0 Too many commands that move no mail, "
				  "closing connection",
	[R_TIMEOUT]		= "421 4.4.2 Idle timeout, closing connection",
	[R_TEMP_LOCK]		= "451 4.2.0 Mailbox busy, try again later",
	[R_TEMP_IO]		= "451 4.3.0 Local error in processing, try "
				  "again later",
	[R_NOSPACE]		= "452 4.3.1 Insufficient system storage",
	[R_SEQ_EHLO]		= "503 5.5.1 Send EHLO first",
	[R_SEQ_AUTH_TXN]	= "503 5.5.1 AUTH not permitted during a mail "
				  "transaction",
	[R_AUTH_OK]		= "235 2.7.0 Authentication successful",
	[R_AUTH_AGAIN]		= "503 5.5.1 Already authenticated",
	[R_AUTH_MECH]		= "504 5.5.4 Unrecognized authentication type",
	[R_AUTH_ENCRYPT]	= "538 5.7.11 Encryption required for "
				  "requested authentication mechanism",
	[R_AUTH_FAILED]		= "535 5.7.8 Authentication credentials invalid",
	[R_AUTH_CANCELLED]	= "501 5.0.0 Authentication cancelled",
	[R_AUTH_MALFORMED]	= "501 5.5.2 Cannot decode response",
	[R_AUTH_TOOLONG]	= "500 5.5.6 Authentication exchange line is "
				  "too long",
	[R_AUTH_CLOSING]	= "421 4.7.0 Too many authentication failures, "
				  "closing connection",
	[R_ALIAS_ERROR]		= "451 4.3.0 Local configuration error, try "
				  "again later",
	[R_RELAY_TEMP]		= "451 4.4.0 Relay hand-off failed, try again "
				  "later",
	[R_RELAY_PERM]		= "554 5.3.0 The relay refused the message",
	[R_SHUTDOWN]		= "421 4.3.0 Service not available, closing "
				  "connection",
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
	return smtp_replies[id];
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
	s->txn_refused = false;
	memset(&s->sender, 0, sizeof s->sender);
	s->utf8 = false;
	s->rcpt_count = 0;
	s->mailbox_count = 0;
	s->remote_count = 0;
	s->first_rcpt[0] = '\0';
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
 * SPEC 3: replies 500-504 and 555 count; refusals of RCPT and AUTH not,
 * nor the 503s that only echo a refused MAIL or RCPT to a pipelining
 * client (RCPT without MAIL, DATA without RCPT), within a bound.
 */
static bool
smtp_counts_as_error(struct smtp_session *s, enum reply_id id)
{
	const char *text = smtp_replies[id];

	if (text == NULL)
		return false;
	if ((id == R_SEQ_MAIL || id == R_SEQ_RCPT) && s->txn_refused &&
	    s->echoes++ <= s->cfg->max_rcpts) {
		/* DATA ends the pipelined group */
		if (id == R_SEQ_RCPT)
			s->txn_refused = false;
		return false;
	}
	return (strncmp(text, "50", 2) == 0 && text[2] >= '0' &&
	    text[2] <= '4') || strncmp(text, "555", 3) == 0;
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
	if (!(cmd->states & s->state))
		return s->state == SMTP_ST_START && cmd->wrong_state != R_NONE ?
		    R_SEQ_HELO : cmd->wrong_state;
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

	reply_printf(&s->out, "220 %s ESMTP\r\n", s->cfg->hostname);
	while (!s->quit && !s->out.failed) {
		junk = false;
		switch (line_read(&s->in, line, sizeof line, &len, &end)) {
		case LINE_OK:
			s->line_end = end;
			reply = smtp_line_fits(line, len, end) ?
			    smtp_dispatch(s, line, len, &junk) : R_TOOLONG;
			break;
		case LINE_TOOLONG:
			reply = R_TOOLONG;
			break;
		case LINE_TIMEOUT:
			log_info("timeout client=%s", s->client);
			reply_printf(&s->out, "%s\r\n", smtp_replies[R_TIMEOUT]);
			(void)reply_flush(&s->out);
			return;
		case LINE_EOF:
		case LINE_ERROR:
		default:
			return;
		}
		/* The password must not outlive the command. */
		secret_wipe(line, len);
		if (reply == R_AUTH_FAILED) {
			(void)reply_flush(&s->out);
			sasl_delay(&s->in.line_at, SMTP_AUTH_DELAY_MSECS);
		}
		if (reply != R_SENT && reply != R_NONE)
			reply_printf(&s->out, "%s\r\n", smtp_replies[reply]);
		if (reply == R_AUTH_FAILED &&
		    ++s->auth_failures >= SMTP_AUTH_FAILURES_MAX) {
			log_info("too many failed logins client=%s", s->client);
			reply_printf(&s->out, "%s\r\n",
			    smtp_replies[R_AUTH_CLOSING]);
			break;
		}
		if (smtp_counts_as_error(s, reply) &&
		    ++s->errors >= SMTP_ERRORS_MAX) {
			log_info("too many errors client=%s", s->client);
			reply_printf(&s->out, "%s\r\n",
			    smtp_replies[R_TOO_MANY_ERRORS]);
			break;
		}
		if (junk && ++s->junk > SMTP_JUNK_MAX) {
			log_info("too many junk commands client=%s", s->client);
			reply_printf(&s->out, "%s\r\n",
			    smtp_replies[R_TOO_MUCH_JUNK]);
			break;
		}
	}
	(void)reply_flush(&s->out);
}
