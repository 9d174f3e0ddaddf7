/*
 * sasl: the server side of the SASL mechanisms both programs offer (RFC
 * 4422): PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login) and
 * CRAM-MD5 (RFC 2195), checked against the users file.
 *
 * sasl_authenticate() runs a whole exchange over the connection: each
 * challenge goes out base64-encoded after the protocol's prompt ("334 "
 * in SMTP, "+ " in POP3), each response is read as one line. The caller sends the final reply, and delays and counts
 * failures. Passwords are wiped before it returns.
 */
#ifndef COMMON_SASL_H
#define COMMON_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/conn.h"
#include "common/deadline.h"
#include "common/users.h"

/* The name a client gave, kept for logs (escape it before logging). */
#define SASL_USER_MAX	(USERS_NAME_MAX + 1)

enum sasl_mech {
	SASL_MECH_NONE,
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_CRAM_MD5,
};

enum sasl_result {
	SASL_OK,		/* authenticated as *entry */
	SASL_FAILED,		/* bad credentials, unknown user, or a hashed
				   secret CRAM-MD5 cannot use */
	SASL_CANCELLED,		/* the client answered "*" */
	SASL_MALFORMED,		/* not base64, or not the mechanism's form */
	SASL_TOOLONG,		/* a response over line_max */
	SASL_EOF,		/* end of input, timeout or read error */
};

struct sasl_session {
	const struct users	*users;
	const char		*hostname;	/* in the CRAM-MD5 challenge */
	struct conn		*conn;
	const char		*prompt;	/* "334 " or "+ " */
	size_t			 line_max;	/* a response, CRLF included */
};

/* The mechanism named (any case), or SASL_MECH_NONE. */
enum sasl_mech sasl_mech_find(const char *name);
/* "PLAIN", "LOGIN", "CRAM-MD5". */
const char *sasl_mech_name(enum sasl_mech mech);
/* PLAIN and LOGIN carry the password itself: they follow -P (SPEC 2). */
bool	sasl_mech_plaintext(enum sasl_mech mech);
/* The mechanisms to offer, space-separated, strongest first; may be "". */
const char *sasl_mech_list(struct sasl_offer offer);
/* Whether mech is among those offered. */
bool	sasl_mech_offered(enum sasl_mech mech, struct sasl_offer offer);

/*
 * Waits until msecs after since (the line reader's line_at, when the
 * credentials arrived): a failed login is answered late
 * (SPEC 3, 4), and at the same moment whatever the check cost, so that
 * an unknown user, a {PLAIN} and a hashed secret cannot be told apart.
 */
void	sasl_delay(const struct deadline *since, int msecs);

/*
 * Runs mechanism mech. initial is the initial response as sent (base64,
 * "=" for an empty one), or NULL when there was none. user receives the
 * name the client gave (may be empty). On SASL_OK *entry is the user.
 */
enum sasl_result sasl_authenticate(const struct sasl_session *ss,
	    enum sasl_mech mech, const char *initial,
	    char user[SASL_USER_MAX], const struct users_entry **entry);

#endif
