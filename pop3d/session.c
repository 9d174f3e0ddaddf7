/*
 * The session loop: read a command, check it against the table, run its
 * handler, send the reply, count errors and failed logins, delay those.
 * Only this file writes replies chosen by id, applies delays and ends
 * sessions.
 */
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/sasl.h"
#include "common/secret.h"
#include "pop3d/pop3d.h"

struct pop_cmd {
	const char	*name;
	unsigned	 states;	/* the states in which it is allowed */
	size_t		 min_args;
	size_t		 max_args;
	bool		 rest;		/* one argument: the rest of the line */
	enum reply_id	(*run)(struct pop_session *, char **, size_t);
	enum reply_id	 fixed;		/* the reply when run is NULL */
};

#define ANY	(POP_ST_AUTH | POP_ST_TRANS)

/* RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH. */
static const struct pop_cmd pop_cmds[] = {
	{ "APOP", POP_ST_AUTH, 2, 2, false, pop_cmd_apop, R_NONE },
	{ "AUTH", POP_ST_AUTH, 0, 2, false, pop_cmd_auth, R_NONE },
	{ "CAPA", ANY, 0, 0, false, pop_cmd_capa, R_NONE },
	{ "DELE", POP_ST_TRANS, 1, 1, false, pop_cmd_dele, R_NONE },
	{ "LIST", POP_ST_TRANS, 0, 1, false, pop_cmd_list, R_NONE },
	{ "NOOP", POP_ST_TRANS, 0, 0, false, NULL, R_DONE },
	{ "PASS", POP_ST_AUTH, 1, 1, true, pop_cmd_pass, R_NONE },
	{ "QUIT", ANY, 0, 0, false, pop_cmd_quit, R_NONE },
	{ "RETR", POP_ST_TRANS, 1, 1, false, pop_cmd_retr, R_NONE },
	{ "RSET", POP_ST_TRANS, 0, 0, false, pop_cmd_rset, R_NONE },
	{ "STAT", POP_ST_TRANS, 0, 0, false, pop_cmd_stat, R_NONE },
	{ "STLS", POP_ST_AUTH, 0, 0, false, pop_cmd_stls, R_NONE },
	{ "TOP", POP_ST_TRANS, 2, 2, false, pop_cmd_top, R_NONE },
	{ "UIDL", POP_ST_TRANS, 0, 1, false, pop_cmd_uidl, R_NONE },
	{ "USER", POP_ST_AUTH, 1, 1, false, pop_cmd_user, R_NONE },
};

/* Response codes are RFC 2449's and RFC 3206's. */
static const char *const pop_replies[R_COUNT] = {
	[R_DONE]			= "+OK",
	[R_USER_OK]		= "+OK Send your password",
	[R_DELETED]		= "+OK Message deleted",
	[R_BYE]			= "+OK Bye",
	[R_UNKNOWN]		= "-ERR Unknown command",
	[R_TOOLONG]		= "-ERR Line too long",
	[R_NUL]			= "-ERR NUL byte in command",
	[R_STATE]		= "-ERR Command not valid in this state",
	[R_SYNTAX]		= "-ERR Syntax error in arguments",
	[R_BAD_NUMBER]		= "-ERR Invalid number",
	[R_NO_MSG]		= "-ERR No such message",
	[R_MSG_DELETED]		= "-ERR Message already deleted",
	[R_NEED_USER]		= "-ERR Send USER first",
	[R_PLAINTEXT]		= "-ERR [AUTH] Plaintext authentication "
				  "disallowed on non-secure connections",
	[R_AUTH_FAILED]		= "-ERR [AUTH] Authentication failed",
	[R_AUTH_CLOSING]	= "-ERR [AUTH] Authentication failed, closing "
				  "connection",
	[R_AUTH_MECH]		= "-ERR Unrecognized authentication mechanism",
	[R_APOP_OFF]		= "-ERR APOP is not offered here",
	[R_AUTH_CANCELLED]	= "-ERR Authentication cancelled",
	[R_AUTH_MALFORMED]	= "-ERR Malformed authentication response",
	[R_INUSE]		= "-ERR [IN-USE] Mailbox in use by another "
				  "session",
	[R_LOCKED]		= "-ERR [IN-USE] Mailbox busy, try again later",
	[R_OPEN_FAILED]		= "-ERR [SYS/TEMP] Unable to open the mailbox, "
				  "try again later",
	[R_NOT_MBOX]		= "-ERR [SYS/PERM] The mailbox is not in mbox "
				  "format",
	[R_READ_FAILED]		= "-ERR [SYS/TEMP] Unable to read the mailbox, "
				  "try again later",
	[R_COMMIT_FAILED]	= "-ERR [SYS/TEMP] Unable to remove the deleted "
				  "messages, try again later",
	[R_CHANGED]		= "-ERR [SYS/TEMP] The mailbox was changed by "
				  "another program; none was removed",
	[R_TOO_MANY_ERRORS]	= "-ERR Too many errors, closing connection",
	[R_TIMEOUT]		= "-ERR Idle timeout, closing connection",
	[R_TLS_OFF]		= "-ERR STLS is not offered here",
	[R_TLS_ACTIVE]		= "-ERR Command not permitted when TLS active",
};

static const struct pop_cmd *pop_cmd_find(const char *verb);
static bool pop_counts_as_error(enum reply_id id);
static enum reply_id pop_dispatch(struct pop_session *s, char *line,
	    size_t len);
static void pop_reply(struct pop_session *s, enum reply_id id);

void
pop_set_state(struct pop_session *s, enum pop_state state)
{
	s->state = state;
}

static const struct pop_cmd *
pop_cmd_find(const char *verb)
{
	for (size_t i = 0; i < sizeof pop_cmds / sizeof pop_cmds[0]; i++)
		if (strcasecmp(verb, pop_cmds[i].name) == 0)
			return &pop_cmds[i];
	return NULL;
}

static bool
pop_counts_as_error(enum reply_id id)
{
	switch (id) {
	case R_UNKNOWN:
	case R_TOOLONG:
	case R_NUL:
	case R_STATE:
	case R_SYNTAX:
	case R_BAD_NUMBER:
	case R_NEED_USER:
	case R_APOP_OFF:
	case R_TLS_OFF:
	case R_TLS_ACTIVE:
	case R_AUTH_MALFORMED:
		return true;
	default:
		return false;
	}
}

/* Splits the line into verb and arguments and checks them by the table. */
static enum reply_id
pop_dispatch(struct pop_session *s, char *line, size_t len)
{
	const struct pop_cmd *cmd;
	char *argv[POP_ARGS_MAX + 1], *p;
	size_t argc = 0;

	if (strlen(line) != len)
		return R_NUL;
	p = line + strcspn(line, " ");
	if (*p != '\0')
		*p++ = '\0';
	if ((cmd = pop_cmd_find(line)) == NULL)
		return R_UNKNOWN;
	if (!(cmd->states & s->state))
		return R_STATE;
	if (cmd->rest) {
		/* PASS: a password may hold spaces (RFC 1939 7). */
		if (*p != '\0')
			argv[argc++] = p;
	} else {
		while (*p != '\0') {
			if (*p == ' ') {
				p++;
				continue;
			}
			if (argc == POP_ARGS_MAX)
				return R_SYNTAX;
			argv[argc++] = p;
			p += strcspn(p, " ");
			if (*p != '\0')
				*p++ = '\0';
		}
	}
	if (argc < cmd->min_args || argc > cmd->max_args)
		return R_SYNTAX;
	argv[argc] = NULL;
	return cmd->run != NULL ? cmd->run(s, argv, argc) : cmd->fixed;
}

static void
pop_reply(struct pop_session *s, enum reply_id id)
{
	reply_printf(&s->conn.out, "%s\r\n", pop_replies[id]);
}

void
pop_session_run(struct pop_session *s)
{
	char line[POP_CMDLINE_MAX];
	enum reply_id reply;
	enum line_end end;
	size_t len = 0;		/* of the last line read; TOOLONG stores none */

	/* after STLS the client waits for no second greeting (RFC 2595 4) */
	if (!s->conn.resumed)
		reply_printf(&s->conn.out, "+OK %s POP3 ready%s%s\r\n",
		    s->cfg->hostname, s->timestamp[0] != '\0' ? " " : "",
		    s->timestamp);
	s->end_how = "quit";
	while (!s->quit && !s->conn.out.failed) {
		switch (line_read(&s->conn.in, line, sizeof line, &len, &end)) {
		case LINE_OK:
			reply = pop_dispatch(s, line, len);
			break;
		case LINE_TOOLONG:
			reply = R_TOOLONG;
			break;
		case LINE_TIMEOUT:
			s->end_how = "timeout";
			pop_reply(s, R_TIMEOUT);
			(void)reply_flush(&s->conn.out);
			return;
		case LINE_EOF:
			s->end_how = "eof";
			return;
		case LINE_ERROR:
		default:
			s->end_how = "read error";
			return;
		}
		/* The password must not outlive the command. */
		secret_wipe(line, len);
		if (reply == R_AUTH_FAILED) {
			(void)reply_flush(&s->conn.out);
			sasl_delay(&s->conn.in.line_at, POP_AUTH_DELAY_MSECS);
			if (++s->auth_failures >= POP_AUTH_FAILURES_MAX) {
				s->end_how = "too many failed logins";
				pop_reply(s, R_AUTH_CLOSING);
				break;
			}
		}
		if (reply != R_SENT && reply != R_NONE)
			pop_reply(s, reply);
		if (pop_counts_as_error(reply) && ++s->errors >= POP_ERRORS_MAX) {
			s->end_how = "too many errors";
			pop_reply(s, R_TOO_MANY_ERRORS);
			break;
		}
	}
	if (reply_flush(&s->conn.out) == -1)
		s->end_how = "write error";
}
