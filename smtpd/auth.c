/*
 * AUTH (RFC 4954): PLAIN, LOGIN and CRAM-MD5 through common/sasl, after
 * EHLO and outside a transaction, once per session. The session loop
 * delays a failure and ends the session at the third.
 */
#include <string.h>

#include "common/log.h"
#include "common/sasl.h"
#include "smtpd/smtpd.h"

/* Client-given names in log lines are escaped (common/log.h). */
#define SMTP_LOG_NAME_MAX	LOG_ESCAPED_SIZE(SASL_USER_MAX)

enum reply_id
smtp_cmd_auth(struct smtp_session *s, char *arg)
{
	struct sasl_session ss = {
		.users = &s->cfg->users, .hostname = s->cfg->hostname,
		.conn = &s->conn, .prompt = "334 ",
		.line_max = SMTP_AUTH_LINE_MAX,
	};
	const struct users_entry *e;
	char user[SASL_USER_MAX], safe[SMTP_LOG_NAME_MAX];
	char *initial;
	enum sasl_mech mech;

	if (!s->esmtp)
		return R_SEQ_EHLO;
	if (s->auth_user[0] != '\0')
		return R_AUTH_AGAIN;
	initial = arg + strcspn(arg, " ");
	if (*initial != '\0')
		*initial++ = '\0';
	if (strchr(initial, ' ') != NULL)
		return R_SYNTAX;
	if ((mech = sasl_mech_find(arg)) == SASL_MECH_NONE)
		return R_AUTH_MECH;
	if (sasl_mech_plaintext(mech) && !s->conn.sasl.plaintext)
		return R_AUTH_ENCRYPT;
	/* CRAM-MD5 is not offered when some secret is a hash (SPEC 3) */
	if (!sasl_mech_offered(mech, s->conn.sasl))
		return R_AUTH_MECH;
	switch (sasl_authenticate(&ss, mech, *initial != '\0' ? initial : NULL,
	    user, &e)) {
	case SASL_OK:
		strcpy(s->auth_user, e->name);
		log_info("auth client=%s user=%s mech=%s", s->conn.client, e->name,
		    sasl_mech_name(mech));
		return R_AUTH_OK;
	case SASL_FAILED:
		log_info("auth failed client=%s user=%s mech=%s", s->conn.client,
		    log_escape(safe, sizeof safe, user, strlen(user)),
		    sasl_mech_name(mech));
		return R_AUTH_FAILED;
	case SASL_CANCELLED:
		return R_AUTH_CANCELLED;
	case SASL_MALFORMED:
		return R_AUTH_MALFORMED;
	case SASL_TOOLONG:
		return R_AUTH_TOOLONG;
	case SASL_EOF:
	default:
		s->quit = true;
		return R_NONE;
	}
}
