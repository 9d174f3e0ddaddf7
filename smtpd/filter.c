/*
 * Content filter (-f, SPEC 9): CMD gets each accepted message before it is
 * delivered or relayed, exactly as it will be stored (Return-Path and
 * Received included, LF line ends) on stdin, and the session in its
 * environment, nothing else (smtpd.8 names the variables). common/run.h
 * runs it, as the relay.
 *
 * Exit 0: deliver, with the header lines it printed on stdout inserted
 * after Return-Path (they are newer than our Received). Exit 20: 554
 * 5.7.1 with the first line of its stderr. Anything else, a signal, the
 * time limit, or output that is not header lines: 451 4.7.1, nothing
 * delivered, the sender's MTA tries again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/run.h"
#include "smtpd/headers.h"
#include "smtpd/message.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

static void filter_reason(const struct run_capture *err, char *reason,
	    size_t size);
static char *filter_env_var(const char *name, const char *value);
static char **filter_env(const struct smtpd_config *cfg,
	    const struct conn *conn, const struct smtp_txn *t);
static void filter_env_free(char **env);
static bool filter_headers(const struct smtp_txn *t, struct spool_msg *msg,
	    struct run_capture *out, struct smtp_outcome *outcome);

/* The first line of stderr as reply text: printable ASCII, trimmed. */
static void
filter_reason(const struct run_capture *err, char *reason, size_t size)
{
	size_t n = 0, i = 0;

	while (i < err->len && (err->buf[i] == ' ' || err->buf[i] == '\t'))
		i++;
	for (; i < err->len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)err->buf[i];

		if (c == '\n' || c == '\r')
			break;
		reason[n++] = c >= ' ' && c < 0x7f ? (char)c : '?';
	}
	while (n > 0 && reason[n - 1] == ' ')
		n--;
	reason[n] = '\0';
}

static char *
filter_env_var(const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *var = malloc(len);

	if (var != NULL)
		snprintf(var, len, "%s=%s", name, value);
	return var;
}

/* SPEC 9: the session, and a PATH; nothing inherited. */
static char **
filter_env(const struct smtpd_config *cfg, const struct conn *conn,
    const struct smtp_txn *t)
{
	const char *const vars[][2] = {
		{ "PATH", SMTP_FILTER_PATH },
		{ "SMTP_CLIENT_ADDR", conn->peer.addr },
		{ "SMTP_HELO", t->helo },
		{ "SMTP_SENDER", t->sender.null ? "" : t->sender.text },
		{ "SMTP_RECIPIENTS", t->rcpt_list },
		{ "SMTP_AUTH_USER", t->auth_user },
		{ "SMTP_PROTOCOL", t->protocol },
		{ "SMTP_MESSAGE_ID", t->msg.id },
		{ "SMTP_HOSTNAME", cfg->hostname },
	};
	size_t count = sizeof vars / sizeof vars[0];
	char **env = calloc(count + 1, sizeof *env);

	for (size_t i = 0; env != NULL && i < count; i++)
		if ((env[i] = filter_env_var(vars[i][0], vars[i][1])) == NULL) {
			filter_env_free(env);
			env = NULL;
		}
	return env;
}

static void
filter_env_free(char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/*
 * Exit 0: the header lines it printed, checked, go in after Return-Path.
 * true when the message may go on.
 */
static bool
filter_headers(const struct smtp_txn *t, struct spool_msg *msg,
    struct run_capture *out, struct smtp_outcome *outcome)
{
	const char *id = t->msg.id, *fault;
	enum spool_status st;

	if (out->overflow) {
		log_warnx("filter id=%s: printed over %d bytes of header", id,
		    SMTP_FILTER_HEADERS_MAX);
		return false;
	}
	if ((fault = header_lines_fault(out->buf, &out->len)) != NULL) {
		log_warnx("filter id=%s: printed %s", id, fault);
		return false;
	}
	if (out->len == 0)
		return true;
	st = spool_msg_insert(msg, t->msg.return_path_len, out->buf, out->len);
	if (st != SPOOL_OK) {
		log_warn("filter id=%s: adding its header: %s", id,
		    spool_status_text(st));
		outcome->refusal = smtp_spool_reply(st);
		return false;
	}
	return true;
}

bool
smtp_filter(const struct smtpd_config *cfg, const struct conn *conn,
    const struct smtp_txn *t, struct spool_msg *msg,
    struct smtp_outcome *outcome)
{
	static char out_buf[SMTP_FILTER_HEADERS_MAX + 1];
	static char err_buf[SMTP_FILTER_STDERR_MAX];
	/* one byte spare: a last line without LF gets one */
	struct run_capture out = { out_buf, sizeof out_buf - 1, 0, false };
	struct run_capture err = { err_buf, sizeof err_buf, 0, false };
	struct run_spec spec = { .cmd = cfg->filter_cmd,
	    .name = "smtpd-filter", .out = &out, .err = &err,
	    .timeout_secs = cfg->opts.idle_secs };
	const char *id = t->msg.id;
	struct run child;
	enum spool_status st;
	int status;

	outcome->refusal = R_FILTER_TEMP;
	outcome->reason[0] = '\0';
	if ((spec.env = filter_env(cfg, conn, t)) == NULL ||
	    run_start(&child, &spec) == -1) {
		log_warn("filter id=%s: unable to start %s", id, spec.cmd);
		filter_env_free((char **)spec.env);
		return false;
	}
	filter_env_free((char **)spec.env);
	st = spool_msg_read(msg, 0, run_write, &child);
	/* A filter may judge by the envelope alone and read nothing. */
	if (st != SPOOL_OK && !child.stopped_reading)
		log_warn("filter id=%s: writing the message: %s", id,
		    spool_status_text(st));
	status = run_exit_code(&spec, run_finish(&child), "filter", id);
	filter_reason(&err, outcome->reason, sizeof outcome->reason);
	if (status == -1)
		return false;
	if (status == SMTP_FILTER_EX_REFUSE) {
		outcome->refusal = R_FILTER_REFUSED;
		return false;
	}
	if (status != 0) {
		log_warnx("filter id=%s: %s exited %d: %s", id, spec.cmd,
		    status, outcome->reason);
		return false;
	}
	if (st != SPOOL_OK && !child.stopped_reading)
		return false;
	outcome->reason[0] = '\0';
	return filter_headers(t, msg, &out, outcome);
}
