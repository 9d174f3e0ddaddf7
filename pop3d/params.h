/*
 * params: every limit and default of pop3d, in one place. Options override
 * the *_DEFAULT ones; the others are protocol limits not meant to be tuned.
 */
#ifndef POP3D_PARAMS_H
#define POP3D_PARAMS_H

#include "common/line.h"

/*
 * RFC 2449 4: a command line is at most 255 octets, CRLF included; a
 * longer one gets one -ERR for the whole line (SPEC 4).
 */
#define POP_CMDLINE_MAX			255
/*
 * An AUTH response line (RFC 5034 4), CRLF included: base64 of a user
 * name and a password; the 255-octet command limit would cut long
 * passwords short.
 */
#define POP_SASL_LINE_MAX		4096
/* A command has at most this many space-separated words (TOP n m). */
#define POP_ARGS_MAX			2
/* SPEC 4: the third failed login ends the session. */
#define POP_AUTH_FAILURES_MAX		3
/* SPEC 4: a failed login is answered after this long, against guessing. */
#define POP_AUTH_DELAY_MSECS		1000
/*
 * Protocol errors (unknown commands, bad syntax, over-long lines) a
 * session may make before it is closed: enough for any confused client,
 * few enough that garbage cannot keep a process busy for ever. Refusals of
 * well-formed commands (no such message) do not count.
 */
#define POP_ERRORS_MAX			20
/*
 * Messages indexed per session; memory is about 150 bytes each. Later
 * messages are left untouched, like mail that arrives during a session,
 * and are seen once earlier ones are deleted.
 */
#define POP_MSGS_MAX			1000000
/* The users file is read whole at start; a larger one is refused. */
#define POP_USERS_FILE_MAX		(16 * 1024 * 1024)
/* RFC 1035 2.3.4: a host name, for the greeting and APOP timestamp. */
#define POP_HOSTNAME_MAX		255
/* The APOP timestamp: "<pid.seconds.nanoseconds@" host ">". */
#define POP_TIMESTAMP_MAX		(64 + POP_HOSTNAME_MAX)

#define POP_SPOOL_DEFAULT		"/var/mail"		/* -s */
#define POP_USERS_DEFAULT		"/etc/mail/passwd"	/* -p */
#define POP_IDLE_SECS_DEFAULT		600	/* -t; RFC 1939 3: >= 10 min */
#define POP_LOCK_WAIT_SECS_DEFAULT	30	/* -w */

_Static_assert(POP_CMDLINE_MAX <= LINE_BUF_SIZE &&
    POP_SASL_LINE_MAX <= LINE_BUF_SIZE,
    "a command line must fit the line reader's buffer");

#endif
