/*
 * smtpd: what the session files share. One session per process: the
 * superserver gives us the connection on fd 0 and fd 1.
 */
#ifndef SMTPD_SMTPD_H
#define SMTPD_SMTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/aliases.h"
#include "common/conn.h"
#include "common/startup.h"
#include "common/users.h"
#include "smtpd/address.h"
#include "smtpd/data.h"
#include "smtpd/params.h"
#include "spool/spool.h"

struct smtpd_config {
	struct startup_opts	 opts;		/* -s -p -n -t -U -w -l -P */
	char		 hostname[SMTP_DOMAIN_MAX + 1];	/* -n */
	const char	*domains[SMTP_DOMAINS_MAX + 2];	/* -d, -n, localhost */
	size_t		 domain_count;
	off_t		 max_msg_size;			/* -z */
	size_t		 max_rcpts;			/* -r */
	struct users	 users;
	struct aliases	 aliases;			/* -a */
	const char	*catch_all;			/* -c */
	const char	*relay_cmd;			/* -x */
	const char	*filter_cmd;			/* -f */
	int		 argc;		/* as started: handed on by STARTTLS */
	char		**argv;
};

/* Reply ids: texts are in one table in session.c. */
enum reply_id {
	R_SENT,			/* the handler wrote the reply itself */
	R_NONE,			/* no reply (QUIT closing, timeouts) */
	R_DONE, R_MAIL_OK, R_RCPT_OK, R_DATA_GO, R_BYE, R_HELP, R_VRFY,
	R_UNKNOWN, R_TOOLONG, R_NUL, R_UNIMPLEMENTED, R_SEQ_HELO,
	R_SEQ_MAIL, R_SEQ_NESTED, R_SEQ_RCPT, R_SEQ_CHUNK, R_SEQ_CHUNKS, R_SYNTAX,
	R_SYNTAX_HELO, R_SYNTAX_SENDER, R_SYNTAX_RCPT, R_SYNTAX_BDAT, R_PARAM, R_SIZE, R_NOUSER, R_RELAY,
	R_TOO_MANY_RCPTS, R_LOOP, R_BARE_CR, R_TOO_MANY_ERRORS, R_TOO_MUCH_JUNK,
	R_OUT_OF_STEP, R_TIMEOUT,
	R_TEMP_LOCK, R_TEMP_IO, R_NOSPACE, R_SHUTDOWN,
	R_SEQ_EHLO, R_SEQ_AUTH_TXN, R_AUTH_OK, R_AUTH_AGAIN, R_AUTH_MECH,
	R_AUTH_ENCRYPT, R_AUTH_FAILED, R_AUTH_CANCELLED, R_AUTH_MALFORMED,
	R_AUTH_TOOLONG, R_AUTH_CLOSING, R_ALIAS_ERROR, R_RELAY_TEMP, R_RELAY_PERM,
	R_TLS_ACTIVE, R_SEQ_TLS_TXN, R_FILTER_REFUSED, R_FILTER_TEMP,
	R_COUNT
};

enum smtp_state {
	SMTP_ST_START = 1 << 0,		/* no HELO/EHLO yet */
	SMTP_ST_READY = 1 << 1,		/* greeted, no transaction */
	SMTP_ST_MAIL = 1 << 2,		/* MAIL given */
	SMTP_ST_RCPT = 1 << 3,		/* at least one RCPT accepted */
	SMTP_ST_CHUNKS = 1 << 4,	/* BDAT chunks taken, no LAST yet */
};

/* message.c: the message being received, whichever command carries it. */
struct smtp_message {
	bool			 active;	/* begun and not yet ended */
	struct spool_msg	 spool;
	enum spool_status	 opened;	/* how spool_msg_open went */
	char			 id[SMTP_ID_SIZE];
	struct data_machine	 framer;	/* DATA's dots or BDAT's counts */
	off_t			 octets;	/* with CRLF line ends (SPEC 3) */
	off_t			 max_size;	/* -z */
	bool			 over;		/* past -z: nothing more stored */
	/* The loop check: Received: fields in the header. */
	bool			 in_header;
	size_t			 received;
	size_t			 prefix_len;	/* bytes of this line seen */
	bool			 prefix_match;	/* still "received:" so far */
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
	/* MAIL or a RCPT of this transaction was refused: the 503s its
	   pipelined RCPTs and DATA then get are echoes, not errors (SPEC 3,
	   RFC 2920 3.1), up to max_rcpts + 1 of them. */
	bool			 txn_refused;
	size_t			 echoes;
	enum line_end		 line_end;	/* of the command being run */
	char			 helo[SMTP_DOMAIN_MAX + 1];
	/* The transaction. */
	struct smtp_path	 sender;
	bool			 utf8;		/* MAIL ... SMTPUTF8 */
	size_t			 rcpt_count;	/* RCPTs accepted (-r) */
	/* The local mailboxes they reach, each once (names point into the
	   users file, or are "postmaster"); room for all of them. */
	struct nameset		 mailboxes;
	/* What one delivery can hold open at once (spool_deliver_max). */
	size_t			 mailbox_limit;
	/* Recipients in other domains, for the relay (-x, authenticated). */
	char			(*remote)[SMTP_PATH_MAX + 1];
	size_t			 remote_count;
	size_t			 return_path_len;	/* not relayed */
	char			 first_rcpt[SMTP_PATH_MAX + 1];
	/* With -f: the accepted recipients, one per line, for the filter. */
	char			*rcpt_list;
	size_t			 rcpt_list_len;
	unsigned		 msg_counter;	/* for ids */
	struct smtp_message	 msg;
};

/* A path as a log field value: escaped (common/log.h). */
#define SMTP_LOG_PATH_SIZE	LOG_ESCAPED_SIZE(SMTP_PATH_MAX)
const char *smtp_log_path(const struct smtp_path *p, char *buf, size_t size);

/* session.c */
void	smtp_session_run(struct smtp_session *s);
void	smtp_set_state(struct smtp_session *s, enum smtp_state state);
void	smtp_transaction_reset(struct smtp_session *s);
void	smtp_transaction_refused(struct smtp_session *s);
const char *smtp_reply_text(enum reply_id id);

/* commands.c: handlers, one per verb. */
enum reply_id smtp_cmd_helo(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_ehlo(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_mail(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_rcpt(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_rset(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_quit(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_starttls(struct smtp_session *s, char *arg);

/* auth.c: AUTH (RFC 4954). */
enum reply_id smtp_cmd_auth(struct smtp_session *s, char *arg);

/*
 * relay.c: the hand-off to -x. true when the command took the message;
 * else *refusal says what to answer.
 */
bool	smtp_relay(struct smtp_session *s, struct spool_msg *msg,
	    const char *id, enum reply_id *refusal);

/*
 * filter.c: the content filter (-f). true when the message may go on
 * (with the filter's header lines in it); else *refusal says what to
 * answer, and for R_FILTER_REFUSED reason holds the filter's own words
 * (printable ASCII, may be empty).
 */
bool	smtp_filter(struct smtp_session *s, enum reply_id *refusal,
	    char *reason, size_t size);

/* The Received: "with" word (RFC 3848): SMTP, ESMTP, ESMTPSA... */
const char *smtp_protocol(const struct smtp_session *s);

/*
 * message.c: begin (id, spool message, our trace headers), feed the
 * framing's bytes (returns how many the framer took), end (judge,
 * deliver, reply, log, reset the transaction; R_SENT when it answered
 * 250) or abandon (the input ended: nothing delivered).
 */
void	smtp_message_begin(struct smtp_session *s, enum data_framing framing);
size_t	smtp_message_feed(struct smtp_session *s, const char *p, size_t len);
enum reply_id smtp_message_end(struct smtp_session *s);
void	smtp_message_abandon(struct smtp_session *s);

/* receive.c: the two framings, DATA (RFC 5321) and BDAT (RFC 3030). */
enum reply_id smtp_cmd_data(struct smtp_session *s, char *arg);
enum reply_id smtp_cmd_bdat(struct smtp_session *s, char *arg);

#endif
