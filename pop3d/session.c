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
	{ .name = "APOP", .states = POP_ST_AUTH, .min_args = 2, .max_args = 2,
	    .run = pop_cmd_apop },
	{ .name = "AUTH", .states = POP_ST_AUTH, .max_args = 2,
	    .run = pop_cmd_auth },
	{ .name = "CAPA", .states = ANY, .run = pop_cmd_capa },
	{ .name = "DELE", .states = POP_ST_TRANS, .min_args = 1, .max_args = 1,
	    .run = pop_cmd_dele },
	{ .name = "LIST", .states = POP_ST_TRANS, .max_args = 1,
	    .run = pop_cmd_list },
	{ .name = "NOOP", .states = POP_ST_TRANS, .fixed = R_DONE },
	{ .name = "PASS", .states = POP_ST_AUTH, .min_args = 1, .max_args = 1,
	    .rest = true, .run = pop_cmd_pass },
	{ .name = "QUIT", .states = ANY, .run = pop_cmd_quit },
	{ .name = "RETR", .states = POP_ST_TRANS, .min_args = 1, .max_args = 1,
	    .run = pop_cmd_retr },
	{ .name = "RSET", .states = POP_ST_TRANS, .run = pop_cmd_rset },
	{ .name = "STAT", .states = POP_ST_TRANS, .run = pop_cmd_stat },
	{ .name = "STLS", .states = POP_ST_AUTH, .run = pop_cmd_stls },
	{ .name = "TOP", .states = POP_ST_TRANS, .min_args = 2, .max_args = 2,
	    .run = pop_cmd_top },
	{ .name = "UIDL", .states = POP_ST_TRANS, .max_args = 1,
	    .run = pop_cmd_uidl },
	{ .name = "USER", .states = POP_ST_AUTH, .min_args = 1, .max_args = 1,
	    .run = pop_cmd_user },
};


static const struct pop_cmd *pop_cmd_find(const char *verb);
static enum reply_id pop_dispatch(struct pop_session *s, char *line,
	    size_t len);
static void pop_reply(struct pop_session *s, enum reply_id id);

static const struct pop_cmd *
pop_cmd_find(const char *verb)
{
	for (size_t i = 0; i < sizeof pop_cmds / sizeof pop_cmds[0]; i++)
		if (strcasecmp(verb, pop_cmds[i].name) == 0)
			return &pop_cmds[i];
	return NULL;
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
	reply_printf(&s->conn.out, "%s\r\n", pop_reply_text(id));
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
		if (pop_reply_weight(reply) == REPLY_ERROR &&
		    ++s->errors >= POP_ERRORS_MAX) {
			s->end_how = "too many errors";
			pop_reply(s, R_TOO_MANY_ERRORS);
			break;
		}
	}
	if (reply_flush(&s->conn.out) == -1)
		s->end_how = "write error";
}
