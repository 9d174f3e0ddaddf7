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
	enum reply_id	 bad_arg;	/* the argument rule broken; R_NONE:
					   R_SYNTAX */
	bool		 junk;		/* moves no mail: counted (SPEC 3) */
};

#define ANY	(SMTP_ST_START | SMTP_ST_READY | SMTP_ST_MAIL | SMTP_ST_RCPT | \
		    SMTP_ST_CHUNKS)

/* One row per verb; VRFY answers 252 without looking (RFC 5321 3.5.3). */
static const struct smtp_cmd smtp_cmds[] = {
	{ .name = "AUTH", .states = SMTP_ST_READY, .arg = ARG_MUST,
	    .run = smtp_cmd_auth, .wrong_state = R_SEQ_AUTH_TXN },
	/* its chunk is read in every state: the handler judges the state */
	{ .name = "BDAT", .states = ANY, .arg = ARG_MAY,
	    .run = smtp_cmd_bdat },
	{ .name = "DATA", .states = SMTP_ST_RCPT, .arg = ARG_NONE,
	    .run = smtp_cmd_data, .wrong_state = R_SEQ_RCPT },
	{ .name = "EHLO", .states = ANY, .arg = ARG_MUST, .run = smtp_cmd_ehlo,
	    .bad_arg = R_SYNTAX_HELO },
	{ .name = "EXPN", .states = ANY, .arg = ARG_MAY,
	    .fixed = R_UNIMPLEMENTED, .junk = true },
	{ .name = "HELO", .states = ANY, .arg = ARG_MUST, .run = smtp_cmd_helo,
	    .bad_arg = R_SYNTAX_HELO },
	{ .name = "HELP", .states = ANY, .arg = ARG_MAY, .fixed = R_HELP,
	    .junk = true },
	{ .name = "MAIL", .states = SMTP_ST_READY, .arg = ARG_MUST,
	    .run = smtp_cmd_mail, .wrong_state = R_SEQ_NESTED },
	{ .name = "NOOP", .states = ANY, .arg = ARG_MAY, .fixed = R_DONE,
	    .junk = true },
	{ .name = "QUIT", .states = ANY, .arg = ARG_NONE,
	    .run = smtp_cmd_quit },
	{ .name = "RCPT", .states = SMTP_ST_MAIL | SMTP_ST_RCPT,
	    .arg = ARG_MUST, .run = smtp_cmd_rcpt, .wrong_state = R_SEQ_MAIL },
	{ .name = "RSET", .states = ANY, .arg = ARG_NONE, .run = smtp_cmd_rset,
	    .junk = true },
	{ .name = "SAML", .states = ANY, .arg = ARG_MAY,
	    .fixed = R_UNIMPLEMENTED },
	{ .name = "SEND", .states = ANY, .arg = ARG_MAY,
	    .fixed = R_UNIMPLEMENTED },
	{ .name = "SOML", .states = ANY, .arg = ARG_MAY,
	    .fixed = R_UNIMPLEMENTED },
	{ .name = "STARTTLS", .states = SMTP_ST_READY, .arg = ARG_NONE,
	    .run = smtp_cmd_starttls, .wrong_state = R_SEQ_TLS_TXN },
	{ .name = "TURN", .states = ANY, .arg = ARG_MAY,
	    .fixed = R_UNIMPLEMENTED },
	{ .name = "VRFY", .states = ANY, .arg = ARG_MUST, .fixed = R_VRFY,
	    .junk = true },
};

static bool smtp_line_fits(const char *line, size_t len, enum line_end end);
static const struct smtp_cmd *smtp_cmd_find(const char *verb);
static bool smtp_counts_as_error(struct smtp_session *s, enum reply_id id);
static enum reply_id smtp_dispatch(struct smtp_session *s, char *line,
	    size_t len, bool *junk);
static void smtp_reply(struct smtp_session *s, enum reply_id id);
static bool smtp_limit_reached(struct smtp_session *s, enum reply_id reply,
	    bool junk);

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
	enum reply_weight w = smtp_reply_weight(id);

	if ((w == REPLY_ECHO || w == REPLY_ECHO_ENDS) && s->txn.refused &&
	    s->txn.echoes++ <= s->cfg->max_rcpts) {
		if (w == REPLY_ECHO_ENDS)
			s->txn.refused = false;
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
		return cmd->bad_arg != R_NONE ? cmd->bad_arg : R_SYNTAX;
	return cmd->run != NULL ? cmd->run(s, arg) : cmd->fixed;
}

static void
smtp_reply(struct smtp_session *s, enum reply_id id)
{
	reply_printf(&s->conn.out, "%s\r\n", smtp_reply_text(id));
}

/*
 * After a command's reply: the failed-login, error and junk limits of
 * SPEC 3, each of which ends the session with its own 421 or 535.
 */
static bool
smtp_limit_reached(struct smtp_session *s, enum reply_id reply, bool junk)
{
	if (reply == R_AUTH_FAILED &&
	    ++s->auth_failures >= SMTP_AUTH_FAILURES_MAX) {
		log_info("too many failed logins client=%s", s->conn.client);
		smtp_reply(s, R_AUTH_CLOSING);
		return true;
	}
	if (smtp_counts_as_error(s, reply) && ++s->errors >= SMTP_ERRORS_MAX) {
		log_info("too many errors client=%s", s->conn.client);
		smtp_reply(s, R_TOO_MANY_ERRORS);
		return true;
	}
	if (junk && ++s->junk > SMTP_JUNK_MAX) {
		log_info("too many junk commands client=%s", s->conn.client);
		smtp_reply(s, R_TOO_MUCH_JUNK);
		return true;
	}
	return false;
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
			smtp_reply(s, R_TIMEOUT);
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
			smtp_reply(s, reply);
		if (smtp_limit_reached(s, reply, junk))
			break;
	}
	/* BDAT chunks without LAST: nothing is delivered */
	txn_reset(&s->txn);
	(void)reply_flush(&s->conn.out);
}
