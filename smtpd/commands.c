/*
 * Command handlers. Each returns a reply id; the loop in session.c has
 * already checked the state and whether an argument is there.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/sasl.h"
#include "smtpd/smtpd.h"

static bool smtp_greet(struct smtp_session *s, char *arg, bool esmtp);
static const char *smtp_skip_prefix(const char *arg, const char *prefix);
static bool smtp_xtext_valid(const char *p);
static enum reply_id smtp_mail_params(const struct smtp_session *s,
	    char *params, bool *utf8, int64_t *declared);
static int64_t smtp_mailbox_quota(const struct smtpd_config *cfg,
	    const char *mailbox);
static enum reply_id smtp_rcpt_room(struct smtp_session *s,
	    const struct smtp_path *p, size_t before);
static bool smtp_domain_is_local(const struct smtpd_config *cfg,
	    const struct smtp_path *p);
static enum reply_id smtp_rcpt_add(struct smtp_session *s, const char *name);
static enum reply_id smtp_rcpt_resolve(struct smtp_session *s,
	    const struct smtp_path *p);

/*
 * HELO and EHLO take one word: a host name (with '_', which Windows
 * clients send) or an address literal. It is copied into Received:, so
 * nothing else is taken: no parentheses or brackets that could fake a
 * trace field inside it.
 */
static bool
smtp_greet(struct smtp_session *s, char *arg, bool esmtp)
{
	size_t len = strlen(arg);
	bool literal = len > 2 && arg[0] == '[' && arg[len - 1] == ']';

	if (len > SMTP_DOMAIN_MAX)
		return false;
	for (size_t i = literal; i < len - literal; i++)
		if (!isalnum((unsigned char)arg[i]) && arg[i] != '-' &&
		    arg[i] != '.' && !(literal ? arg[i] == ':' : arg[i] == '_'))
			return false;
	memcpy(s->helo, arg, len + 1);
	s->esmtp = esmtp;
	smtp_txn_over(s);
	return true;
}

enum reply_id
smtp_cmd_helo(struct smtp_session *s, char *arg)
{
	if (!smtp_greet(s, arg, false))
		return R_SYNTAX_HELO;
	reply_printf(&s->conn.out, "250 %s\r\n", s->cfg->hostname);
	return R_SENT;
}

enum reply_id
smtp_cmd_ehlo(struct smtp_session *s, char *arg)
{
	const char *mechs = sasl_mech_list(s->conn.sasl);

	if (!smtp_greet(s, arg, true))
		return R_SYNTAX_HELO;
	reply_printf(&s->conn.out, "250-%s\r\n250-PIPELINING\r\n250-SIZE %jd\r\n"
	    "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n"
	    "250-CHUNKING\r\n",
	    s->cfg->hostname, (intmax_t)s->cfg->max_msg_size);
	/* RFC 3207: offered until the connection is under TLS */
	if (s->cfg->opts.tls_cmd != NULL && !s->conn.tls)
		reply_printf(&s->conn.out, "250-STARTTLS\r\n");
	/* RFC 4954 3: no AUTH keyword when no mechanism is on offer */
	if (mechs[0] != '\0')
		reply_printf(&s->conn.out, "250-AUTH %s\r\n", mechs);
	reply_printf(&s->conn.out, "250 HELP\r\n");
	return R_SENT;
}

/* "FROM:" / "TO:" without regard to case, spaces after the colon allowed. */
static const char *
smtp_skip_prefix(const char *arg, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(arg, prefix, n) != 0)
		return NULL;
	arg += n;
	while (*arg == ' ')
		arg++;
	return arg;
}

/* RFC 3461 4: xtext, or RFC 4954 5's "<>". */
static bool
smtp_xtext_valid(const char *p)
{
	if (strcmp(p, "<>") == 0)
		return true;
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++) {
		if (*p == '+') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]) ||
			    islower((unsigned char)p[1]) ||
			    islower((unsigned char)p[2]))
				return false;
			p += 2;
		} else if (*p < '!' || *p > '~' || *p == '=') {
			return false;
		}
	}
	return true;
}

/* RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 4954 AUTH. */
static enum reply_id
smtp_mail_params(const struct smtp_session *s, char *params, bool *utf8,
    int64_t *declared)
{
	for (char *p = strtok(params, " "); p != NULL; p = strtok(NULL, " ")) {
		if (!s->esmtp)
			return R_PARAM;
		if (strncasecmp(p, "SIZE=", 5) == 0) {
			char *end;
			unsigned long long size;

			errno = 0;
			size = strtoull(p + 5, &end, 10);
			if (p[5] < '0' || p[5] > '9' || *end != '\0' ||
			    errno == ERANGE)
				return R_SYNTAX;
			if (size > (unsigned long long)s->cfg->max_msg_size)
				return R_SIZE;
			*declared = (int64_t)size;
		} else if (strcasecmp(p, "BODY=7BIT") == 0 ||
		    strcasecmp(p, "BODY=8BITMIME") == 0) {
			continue;
		} else if (strcasecmp(p, "SMTPUTF8") == 0) {
			*utf8 = true;
		} else if (strncasecmp(p, "AUTH=", 5) == 0) {
			/* RFC 4954 5: noted, not trusted; never relayed on. */
			if (!smtp_xtext_valid(p + 5))
				return R_SYNTAX;
		} else {
			return R_PARAM;
		}
	}
	return R_MAIL_OK;
}

enum reply_id
smtp_cmd_mail(struct smtp_session *s, char *arg)
{
	const char *path = smtp_skip_prefix(arg, "FROM:");
	struct smtp_path p;
	enum reply_id r;
	bool utf8 = false;
	int64_t declared = 0;
	size_t n;

	/* Whatever refuses it, the RCPTs pipelined after it get 503s. */
	txn_refuse(&s->txn);
	if (path == NULL)
		return R_SYNTAX;
	/* The path is parsed with UTF-8 allowed, then again if not asked. */
	if ((n = address_parse_path(path, true, false, &p)) == 0 ||
	    (path[n] != '\0' && path[n] != ' '))
		return R_SYNTAX_SENDER;
	if ((r = smtp_mail_params(s, (char *)path + n, &utf8, &declared)) !=
	    R_MAIL_OK)
		return r;
	if (!utf8 && address_parse_path(path, false, false, &p) == 0)
		return R_SYNTAX_SENDER;
	txn_begin(&s->txn, &p, utf8, declared, s->helo, s->auth_user,
	    smtp_protocol(s));
	smtp_set_state(s, SMTP_ST_MAIL);
	return R_MAIL_OK;
}

static bool
smtp_domain_is_local(const struct smtpd_config *cfg, const struct smtp_path *p)
{
	if (p->literal)
		return false;
	for (size_t i = 0; i < cfg->domain_count; i++)
		if (strcasecmp(p->domain, cfg->domains[i]) == 0)
			return true;
	return false;
}

/*
 * One name: an alias, expanded (it wins over a user, as in /etc/aliases),
 * or a user. R_NOUSER when it is neither; R_ALIAS_ERROR for a broken alias
 * (SPEC 5: a configuration error, logged, 451 for the recipient).
 */
static enum reply_id
smtp_rcpt_add(struct smtp_session *s, const char *name)
{
	static const char *const why[] = {
		[ALIASES_LOOP] = "loop", [ALIASES_UNKNOWN] = "unknown target",
		[ALIASES_TOO_DEEP] = "nested too deep",
	};
	struct nameset *mailboxes = &s->txn.mailboxes;
	const struct users_entry *e;
	size_t before = mailboxes->count;
	const char *bad = "";
	enum aliases_status st;

	st = aliases_expand(&s->cfg->aliases, &s->cfg->users, name, mailboxes,
	    &bad);
	if (st == ALIASES_OK)
		return R_RCPT_OK;
	if (st != ALIASES_NOT_ALIAS) {
		mailboxes->count = before;
		log_warnx("aliases: %s at %s, expanding %s: fix the aliases "
		    "file", why[st], bad, name);
		return R_ALIAS_ERROR;
	}
	if ((e = users_find(&s->cfg->users, name)) == NULL)
		return R_NOUSER;
	/* it has room for every user and "postmaster" */
	(void)nameset_add(mailboxes, e->name);
	return R_RCPT_OK;
}

/*
 * SPEC 3: the local part as alias or user, then without its +tag, then the
 * catch-all; postmaster is never refused: failing all that, it goes to
 * the spool file "postmaster".
 */
static enum reply_id
smtp_rcpt_resolve(struct smtp_session *s, const struct smtp_path *p)
{
	bool postmaster = strcasecmp(p->local, "postmaster") == 0;
	char base[USERS_NAME_MAX + 1];
	const char *plus;
	enum reply_id r;

	if (!postmaster && p->domain[0] == '\0')
		return R_SYNTAX_RCPT;
	if ((r = smtp_rcpt_add(s, p->local)) != R_NOUSER)
		return r;
	if ((plus = strchr(p->local, '+')) != NULL &&
	    (size_t)(plus - p->local) < sizeof base) {
		memcpy(base, p->local, (size_t)(plus - p->local));
		base[plus - p->local] = '\0';
		if ((r = smtp_rcpt_add(s, base)) != R_NOUSER)
			return r;
	}
	if (s->cfg->catch_all != NULL)
		return smtp_rcpt_add(s, s->cfg->catch_all);
	if (!postmaster)
		return R_NOUSER;
	log_warnx("mail for postmaster goes to the spool file postmaster: "
	    "give it an alias or a user");
	(void)nameset_add(&s->txn.mailboxes, "postmaster");
	return R_RCPT_OK;
}

/* SPEC 3: the user's own limit from the users file, else -q. */
static int64_t
smtp_mailbox_quota(const struct smtpd_config *cfg, const char *mailbox)
{
	const struct users_entry *e = users_find(&cfg->users, mailbox);

	return e != NULL && e->quota != USERS_QUOTA_UNSET ? e->quota :
	    cfg->mailbox_quota;
}

/*
 * SPEC 3: the mailboxes this RCPT added (from before on) get their
 * limits, and each must have room for the declared size, the filesystem
 * for all of them; else the RCPT is refused, 452, and adds nothing.
 * Only an early answer: the end of the message checks again under the
 * locks.
 */
static enum reply_id
smtp_rcpt_room(struct smtp_session *s, const struct smtp_path *p,
    size_t before)
{
	struct smtp_txn *t = &s->txn;
	char safe[SMTP_LOG_PATH_SIZE];
	struct spool_refusal why;
	enum spool_status st;

	for (size_t i = before; i < t->mailboxes.count; i++)
		t->boxes[i] = (struct spool_rcpt){
			.user = t->mailboxes.names[i],
			.limit = smtp_mailbox_quota(s->cfg,
			    t->mailboxes.names[i]),
		};
	st = spool_room(s->cfg->opts.spool_dir, t->boxes + before,
	    t->mailboxes.count - before, t->declared_size, &s->cfg->reserve,
	    &why);
	if (st == SPOOL_OK)
		return R_RCPT_OK;
	t->mailboxes.count = before;
	if (st == SPOOL_FULL)
		log_info("reject client=%s rcpt=<%s> mailbox=%s size=%jd "
		    "limit=%jd declared=%jd: mailbox full", s->conn.client,
		    smtp_log_path(p, safe, sizeof safe), why.user,
		    (intmax_t)why.size, (intmax_t)why.limit,
		    (intmax_t)t->declared_size);
	else
		log_info("reject client=%s rcpt=<%s> free=%jd reserve=%jd "
		    "declared=%jd: free-space reserve reached", s->conn.client,
		    smtp_log_path(p, safe, sizeof safe), (intmax_t)why.size,
		    (intmax_t)why.limit, (intmax_t)t->declared_size);
	return smtp_spool_reply(st);
}

/*
 * The path's domain decides: another domain only for an authenticated
 * client with -x (SPEC 3), else a local name as smtp_rcpt_resolve finds
 * it, within what one delivery can hold open.
 */
enum reply_id
smtp_cmd_rcpt(struct smtp_session *s, char *arg)
{
	const char *path = smtp_skip_prefix(arg, "TO:");
	struct smtp_txn *t = &s->txn;
	char safe[SMTP_LOG_PATH_SIZE];
	struct smtp_path p;
	enum reply_id r;
	size_t n, before = t->mailboxes.count;
	bool remote;

	/* Until one is taken, a pipelined DATA gets a 503 echo. */
	if (t->rcpt_count == 0)
		txn_refuse(t);
	if (path == NULL)
		return R_SYNTAX;
	if ((n = address_parse_path(path, t->utf8, true, &p)) == 0 || p.null)
		return R_SYNTAX_RCPT;
	if (path[n] != '\0')
		return path[n] == ' ' && s->esmtp ? R_PARAM : R_SYNTAX_RCPT;
	if (t->rcpt_count >= s->cfg->max_rcpts || !txn_rcpt_fits(t, p.text))
		return R_TOO_MANY_RCPTS;
	remote = p.domain[0] != '\0' && !smtp_domain_is_local(s->cfg, &p);
	if (remote && (s->auth_user[0] == '\0' || s->cfg->relay_cmd == NULL)) {
		log_info("reject client=%s rcpt=<%s>: relay denied",
		    s->conn.client, smtp_log_path(&p, safe, sizeof safe));
		return R_RELAY;
	}
	if (!remote && (r = smtp_rcpt_resolve(s, &p)) != R_RCPT_OK) {
		if (r == R_NOUSER)
			log_info("reject client=%s rcpt=<%s>: no such user",
			    s->conn.client, smtp_log_path(&p, safe, sizeof safe));
		return r;
	}
	if (t->mailboxes.count > t->mailbox_limit) {
		/* SPEC 3: refused now, not accepted and deferred for ever */
		t->mailboxes.count = before;
		log_info("reject client=%s rcpt=<%s>: more than %zu mailboxes "
		    "for one message", s->conn.client,
		    smtp_log_path(&p, safe, sizeof safe), t->mailbox_limit);
		return R_TOO_MANY_RCPTS;
	}
	if (!remote && (r = smtp_rcpt_room(s, &p, before)) != R_RCPT_OK)
		return r;
	txn_add_rcpt(t, p.text, remote);
	smtp_set_state(s, SMTP_ST_RCPT);
	return R_RCPT_OK;
}

enum reply_id
smtp_cmd_rset(struct smtp_session *s, char *arg)
{
	(void)arg;
	smtp_txn_over(s);
	return R_DONE;
}

/* RFC 3207: the engine (-T) starts a fresh smtpd on its cleartext side. */
enum reply_id
smtp_cmd_starttls(struct smtp_session *s, char *arg)
{
	(void)arg;
	if (s->cfg->opts.tls_cmd == NULL)
		return R_UNIMPLEMENTED;
	if (s->conn.tls)
		return R_TLS_ACTIVE;
	conn_starttls(&s->conn, "220 2.0.0 Ready to start TLS",
	    s->cfg->opts.tls_cmd, "", s->cfg->argc, s->cfg->argv);
	s->quit = true;
	return R_NONE;
}

enum reply_id
smtp_cmd_quit(struct smtp_session *s, char *arg)
{
	(void)arg;
	s->quit = true;
	return R_BYE;
}
