/*
 * smtpd: what the session files share. One session per process: the
 * superserver gives us the connection on fd 0 and fd 1. The session
 * (who the client is, where the dialogue stands) holds one transaction
 * (txn.h); replies are ids (replies.h) that only the loop in session.c
 * and the handlers that send numbers write.
 */
#ifndef SMTPD_SMTPD_H
#define SMTPD_SMTPD_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/aliases.h"
#include "common/conn.h"
#include "common/startup.h"
#include "common/users.h"
#include "smtpd/address.h"
#include "smtpd/params.h"
#include "smtpd/replies.h"
#include "smtpd/txn.h"
#include "spool/spool.h"

struct smtpd_config {
	struct startup_opts	 opts;		/* -s -p -n -t -U -w -l -P */
	char		 hostname[SMTP_DOMAIN_MAX + 1];	/* -n */
	const char	*domains[SMTP_DOMAINS_MAX + 2];	/* -d, -n, localhost */
	size_t		 domain_count;
	off_t		 max_msg_size;			/* -z */
	size_t		 max_rcpts;			/* -r */
	int64_t		 mailbox_quota;			/* -q, 0: none */
	struct spool_reserve reserve;			/* -R */
	struct users	 users;
	struct aliases	 aliases;			/* -a */
	const char	*catch_all;			/* -c */
	const char	*relay_cmd;			/* -x */
	const char	*filter_cmd;			/* -f */
	int		 argc;		/* as started: handed on by STARTTLS */
	char		**argv;
};

enum smtp_state {
	SMTP_ST_START = 1 << 0,		/* no HELO/EHLO yet */
	SMTP_ST_READY = 1 << 1,		/* greeted, no transaction */
	SMTP_ST_MAIL = 1 << 2,		/* MAIL given */
	SMTP_ST_RCPT = 1 << 3,		/* at least one RCPT accepted */
	SMTP_ST_CHUNKS = 1 << 4,	/* BDAT chunks taken, no LAST yet */
};

struct smtp_session {
	const struct smtpd_config *cfg;
	struct conn		 conn;
	char			 auth_user[USERS_NAME_MAX + 1];	/* "" if none */
	int			 auth_failures;
	enum smtp_state		 state;
	bool			 esmtp;		/* EHLO, not HELO */
	bool			 quit;
	int			 errors;
	int			 junk;		/* NOOP RSET VRFY EXPN HELP since
						   the last delivered message */
	enum line_end		 line_end;	/* of the command being run */
	char			 helo[SMTP_DOMAIN_MAX + 1];
	struct smtp_txn		 txn;
};

/* Every state change goes through here, so one place can trace it. */
static inline void
smtp_set_state(struct smtp_session *s, enum smtp_state state)
{
	/* a transaction's states need a greeting, and MAIL a sender */
	assert(state == SMTP_ST_START || s->helo[0] != '\0');
	s->state = state;
}

/* The one way a transaction ends: forgotten, and the state after it. */
static inline void
smtp_txn_over(struct smtp_session *s)
{
	txn_reset(&s->txn);
	smtp_set_state(s, s->helo[0] != '\0' ? SMTP_ST_READY : SMTP_ST_START);
}

/* The Received: "with" word (RFC 3848): SMTP, ESMTP, ESMTPSA... */
static inline const char *
smtp_protocol(const struct smtp_session *s)
{
	static const char *const with[2][2] = {
		{ "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" },
	};

	if (!s->esmtp)
		return "SMTP";
	return with[s->conn.tls][s->auth_user[0] != '\0'];
}

/* session.c: greets, then runs commands until QUIT, EOF or a limit. */
void	smtp_session_run(struct smtp_session *s);

/* commands.c: handlers, one per verb; the loop has checked state and
   argument presence. Each returns the reply id, R_SENT if it wrote one. */
enum reply_id smtp_cmd_helo(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_ehlo(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_mail(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_rcpt(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_rset(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_quit(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_starttls(struct smtp_session *s, char *arg);

/* auth.c: AUTH (RFC 4954). */
enum reply_id smtp_cmd_auth(struct smtp_session *s, char *arg);

/* receive.c: the two framings, DATA (RFC 5321) and BDAT (RFC 3030);
   each replies to the message's end, logs it and ends the transaction. */
enum reply_id smtp_cmd_data(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_bdat(struct smtp_session *s, char *arg);

#endif
