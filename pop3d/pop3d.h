/*
 * pop3d: what the session files share. One session per process: the
 * superserver gives us the connection on fd 0 and fd 1.
 */
#ifndef POP3D_POP3D_H
#define POP3D_POP3D_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/conn.h"
#include "common/startup.h"
#include "common/users.h"
#include "pop3d/params.h"
#include "pop3d/replies.h"
#include "spool/spool.h"

struct pop3d_config {
	struct startup_opts	 opts;		/* -s -p -n -t -U -w -l -P */
	char		 hostname[POP_HOSTNAME_MAX + 1];	/* -n */
	struct users	 users;
	int		 argc;		/* as started: handed on by STLS */
	char		**argv;
};


enum pop_state {
	POP_ST_AUTH = 1 << 0,		/* AUTHORIZATION */
	POP_ST_TRANS = 1 << 1,		/* TRANSACTION: the mailbox is open */
};

struct pop_session {
	const struct pop3d_config *cfg;
	struct conn		 conn;		/* sasl.plaintext: USER/PASS too */
	enum pop_state		 state;
	bool			 quit;
	const char		*end_how;	/* for the log: "quit", "eof" */
	int			 errors;
	int			 auth_failures;
	char			 timestamp[POP_TIMESTAMP_MAX + 1];	/* APOP;
				   "" when not offered */
	/* AUTHORIZATION: the name USER gave, checked only at PASS. */
	bool			 user_given;
	char			 user[POP_CMDLINE_MAX];
	/* TRANSACTION. */
	struct spool_box	 box;
	bool			*deleted;	/* per message, until QUIT */
	size_t			 deleted_count;
	off_t			 deleted_octets;
	size_t			 retrieved_count;	/* for the log */
	off_t			 retrieved_octets;
};

/* Every state change goes through here, so one place can trace it. */
static inline void
pop_set_state(struct pop_session *s, enum pop_state state)
{
	/* TRANSACTION holds an open mailbox and its deletion marks */
	assert(state == POP_ST_AUTH || s->deleted != NULL);
	s->state = state;
}

/* session.c: greets, then runs commands until QUIT, EOF or a limit. */
void	pop_session_run(struct pop_session *s);

/* auth.c: AUTHORIZATION, ending in pop_login(). */
enum reply_id pop_cmd_user(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_pass(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_apop(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_auth(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_stls(struct pop_session *s, char **argv, size_t argc);
/* The greeting's APOP timestamp, unique to this process and moment. */
void	pop_timestamp_make(struct pop_session *s);

/* trans.c: TRANSACTION and UPDATE. */
enum reply_id pop_cmd_capa(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_stat(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_list(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_uidl(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_retr(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_top(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_dele(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_rset(struct pop_session *s, char **argv, size_t argc);
enum reply_id pop_cmd_quit(struct pop_session *s, char **argv, size_t argc);
/* Messages not marked deleted, and their octets. */
void	pop_totals(const struct pop_session *s, size_t *count, off_t *octets);
/* "+OK PREFIXn messages (m octets)", as RFC 1939 shows the maildrop. */
void	pop_maildrop_reply(struct pop_session *s, const char *prefix);
/* Ends the session: the mailbox is closed, nothing deleted without QUIT. */
void	pop_session_end(struct pop_session *s);

#endif
