/*
 * params: every limit and default of smtpd, in one place. Options override
 * the *_DEFAULT ones; the others are protocol limits not meant to be tuned.
 */
#ifndef SMTPD_PARAMS_H
#define SMTPD_PARAMS_H

#include "common/line.h"

/* RFC 5321 4.5.3.1.4: a command line, CRLF included; longer: 500 5.5.2. */
#define SMTP_CMDLINE_MAX		512
/*
 * RFC 4954 4: an AUTH command or response line, CRLF included (base64 of
 * the credentials); other command lines keep the 512-octet limit.
 */
#define SMTP_AUTH_LINE_MAX		12288
/* SPEC 3: the third failed AUTH ends the session. */
#define SMTP_AUTH_FAILURES_MAX		3
/* SPEC 3: a failed AUTH is answered after this long, against guessing. */
#define SMTP_AUTH_DELAY_MSECS		1000
/* RFC 5321 4.5.3.1.3 and .1.1, .1.2: path, local part, domain. */
#define SMTP_PATH_MAX			256
#define SMTP_LOCALPART_MAX		64
#define SMTP_DOMAIN_MAX			255
/* SPEC 3: the tenth error gets its own reply, then 421 and close. */
#define SMTP_ERRORS_MAX			10
/*
 * SPEC 3: more NOOP, RSET, VRFY, EXPN and HELP than this, and the session
 * is closed (421): a client that keeps a process with them alone. Counted
 * from the last message delivered, as Postfix's smtpd_junk_command_limit,
 * so a long-lived MTA connection that sends RSET between messages is not
 * cut.
 */
#define SMTP_JUNK_MAX			100
/* SPEC 3: more Received: headers than this is a mail loop (554 5.4.6). */
#define SMTP_RECEIVED_MAX		50
/* " free=N reserve=N" in a log line: two 64-bit numbers, their names. */
#define SMTP_LOG_SIZES_SIZE		64
/* A message id (hex time, microseconds, pid, count) and its NUL. */
#define SMTP_ID_SIZE			64
/* -d may be given this many times. */
#define SMTP_DOMAINS_MAX		32
/* The users file is read whole at start; a larger one is refused. */
#define SMTP_USERS_FILE_MAX		(16 * 1024 * 1024)

/* How long a relay command (-x) may take to accept a message. */
#define SMTP_RELAY_TIMEOUT_SECS		600
/*
 * The content filter (-f, SPEC 9). It may take as long as the client may
 * stay idle (-t): as Postfix's milter_content_timeout and smtpd_timeout,
 * both 300 s. Its exit status 20 refuses the message.
 */
#define SMTP_FILTER_EX_REFUSE		20
/* The header lines it may print, all of them; more: 451. */
#define SMTP_FILTER_HEADERS_MAX		16384
/* Its stderr: the first line is the 554 reply's text, cut to this. */
#define SMTP_FILTER_REASON_MAX		200
/* What of its stderr is kept (the rest is read and dropped). */
#define SMTP_FILTER_STDERR_MAX		1024
/*
 * The recipients, one per line, in one environment variable (Linux takes
 * at most 128 KiB in one): with -f, a RCPT that would not fit gets 452
 * 4.5.3 like one past -r, so the client sends it in its next transaction.
 */
#define SMTP_FILTER_RCPTS_MAX		65536
/* Its PATH: nothing of ours or the superserver's environment is passed. */
#define SMTP_FILTER_PATH		"/usr/local/bin:/usr/bin:/bin"

#define SMTP_SPOOL_DEFAULT		"/var/mail"		/* -s */
#define SMTP_USERS_DEFAULT		"/etc/mail/passwd"	/* -p */
#define SMTP_IDLE_SECS_DEFAULT		300	/* -t; RFC 5321 4.5.3.2.7 */
#define SMTP_LOCK_WAIT_SECS_DEFAULT	30	/* -w */
#define SMTP_MSG_SIZE_DEFAULT		10485760	/* -z, advertised SIZE */
#define SMTP_RCPTS_DEFAULT		100	/* -r; RFC 5321 4.5.3.1.8 */
#define SMTP_RCPTS_MAX			100000	/* the largest -r taken */
#define SMTP_QUOTA_DEFAULT		0	/* -q: no mailbox limit */
/*
 * -R: free space every delivery leaves on the spool's filesystem, as a
 * share of it; the box keeps room to work whatever senders do. -R N% is
 * taken up to PERCENT_MAX (100 would refuse every message).
 */
#define SMTP_RESERVE_PERCENT_DEFAULT	2
#define SMTP_RESERVE_PERCENT_MAX	99

_Static_assert(SMTP_CMDLINE_MAX <= SMTP_AUTH_LINE_MAX &&
    SMTP_AUTH_LINE_MAX <= LINE_BUF_SIZE,
    "a command line must fit the line reader's buffer");

#endif
