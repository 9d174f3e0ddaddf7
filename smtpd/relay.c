/*
 * Relay hand-off (-x, SPEC 2 and 3): an authenticated client's recipients
 * in other domains are given to "CMD -f SENDER -- RCPT..." with the
 * message on its stdin, as sendmail(1) takes it: LF line ends, our
 * Received: on top, no Return-Path (RFC 5321 4.4: only final delivery
 * adds one). common/run.h runs it: the addresses are positional
 * parameters, never shell text; its stdout and stderr are /dev/null.
 *
 * Exit 0: handed off. EX_TEMPFAIL, a signal or the time limit: 4xx.
 * Anything else: 5xx.
 */
#include <stdlib.h>

#include "common/log.h"
#include "common/run.h"
#include "smtpd/message.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

bool
smtp_relay(const struct smtpd_config *cfg, const struct conn *conn,
    const struct smtp_txn *t, struct spool_msg *msg, enum reply_id *refusal)
{
	/* -f SENDER -- RCPT... NULL */
	const char **args = calloc(t->remote_count + 4, sizeof *args);
	const char *id = t->msg.id;
	struct run_spec spec = { .cmd = cfg->relay_cmd,
	    .name = "smtpd-relay", .timeout_secs = SMTP_RELAY_TIMEOUT_SECS };
	struct run child;
	enum spool_status st;
	size_t n = 0;
	int status;

	*refusal = R_RELAY_TEMP;
	if (args != NULL) {
		args[n++] = "-f";
		args[n++] = t->sender.null ? "<>" : t->sender.text;
		args[n++] = "--";
		for (size_t i = 0; i < t->remote_count; i++)
			args[n++] = t->remote[i];
		/* execve(2)'s argv type; run_start only reads them */
		spec.args = (char *const *)args;
	}
	if (args == NULL || run_start(&child, &spec) == -1) {
		log_warn("relay id=%s: unable to start %s", id,
		    cfg->relay_cmd);
		free(args);
		return false;
	}
	free(args);
	st = spool_msg_read(msg, t->msg.return_path_len, run_write, &child);
	if (st != SPOOL_OK)
		log_warn("relay id=%s: writing the message: %s", id,
		    spool_status_text(st));
	status = run_exit_code(&spec, run_finish(&child), "relay", id);
	if (status == -1)
		return false;
	if (status != 0) {
		log_warnx("relay id=%s: %s exited %d", id, cfg->relay_cmd,
		    status);
		if (status != RUN_EX_TEMPFAIL)
			*refusal = R_RELAY_PERM;
		return false;
	}
	/* It said yes without reading it all: that is no hand-off. */
	if (st != SPOOL_OK)
		return false;
	log_info("relayed client=%s id=%s auth=%s rcpts=%zu", conn->client,
	    id, t->auth_user, t->remote_count);
	return true;
}
