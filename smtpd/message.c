/*
 * DATA: 354, then the message through the byte machine into a spool
 * message (never whole in memory), then one reply. A refused message is
 * still read to its end first (SPEC 3), so its tail never runs as
 * commands and the session stays in step.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "smtpd/data.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

/* Where the byte machine puts the content: the spool message, until -z. */
struct data_sink {
	struct spool_msg	*msg;
	bool			 over;		/* past -z: stop storing */
};

static int data_sink_emit(void *ctx, const char *data, size_t len);
static void smtp_message_id(struct smtp_session *s, char *id, size_t size);
static const char *smtp_with(const struct smtp_session *s);
static void smtp_headers(struct smtp_session *s, struct spool_msg *msg,
	    const char *id, time_t now);
static enum reply_id smtp_spool_reply(enum spool_status st);
static enum reply_id smtp_deliver(struct smtp_session *s,
	    struct spool_msg *msg, const char *id, const char **failed);

/* spool_msg_write buffers and spills by itself; errors are sticky there. */
static int
data_sink_emit(void *ctx, const char *data, size_t len)
{
	struct data_sink *k = ctx;

	if (!k->over)
		(void)spool_msg_write(k->msg, data, len);
	return 0;
}

/* Unique across processes and time: seconds, microseconds, pid, count. */
static void
smtp_message_id(struct smtp_session *s, char *id, size_t size)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(id, size, "%llX%05lX%lX%X", (unsigned long long)now.tv_sec,
	    now.tv_nsec / 1000, (unsigned long)getpid(), s->msg_counter++);
}

/* RFC 3848: SMTP, ESMTP, and S for TLS, A for an authenticated client. */
static const char *
smtp_with(const struct smtp_session *s)
{
	static const char *const with[2][2] = {
		{ "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" },
	};

	if (!s->esmtp)
		return "SMTP";
	return with[s->tls][s->auth_user[0] != '\0'];
}

/* SPEC 3: Return-Path, then Received (RFC 5321 4.4) with an RFC 5322 date. */
static void
smtp_headers(struct smtp_session *s, struct spool_msg *msg, const char *id,
    time_t now)
{
	char head[2 * SMTP_PATH_MAX + 3 * SMTP_DOMAIN_MAX + 256], date[64];
	struct tm tm;
	int n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		snprintf(date, sizeof date, "Thu, 01 Jan 1970 00:00:00 +0000");
	/* The relay is given the message from Received: on. */
	n = snprintf(head, sizeof head, "Return-Path: <%s>\n", s->sender.text);
	s->return_path_len = (size_t)n;
	n += snprintf(head + n, sizeof head - (size_t)n,
	    "Received: from %s%s%s%s\n\tby %s with %s id %s%s%s%s;\n\t%s\n",
	    s->helo, s->peer.addr[0] != '\0' ? " ([" : "", s->peer.addr,
	    s->peer.addr[0] != '\0' ? "])" : "", s->cfg->hostname,
	    smtp_with(s), id,
	    s->rcpt_count == 1 ? "\n\tfor <" : "",
	    s->rcpt_count == 1 ? s->first_rcpt : "",
	    s->rcpt_count == 1 ? ">" : "", date);
	(void)spool_msg_write(msg, head,
	    (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
}

static enum reply_id
smtp_spool_reply(enum spool_status st)
{
	switch (st) {
	case SPOOL_OK:
		return R_SENT;
	case SPOOL_LOCKED:
		return R_TEMP_LOCK;
	case SPOOL_NOSPACE:
		return R_NOSPACE;
	default:
		return R_TEMP_IO;
	}
}

/*
 * Remote recipients first, then local ones: a relay that says no leaves
 * nothing delivered, so the 4xx or 5xx is true for every recipient. Only
 * a local failure after a hand-off splits the message: the client gets
 * 4xx and retries, and the remote recipients may get it twice. Never
 * lost, never 250 for less than all.
 */
static enum reply_id
smtp_deliver(struct smtp_session *s, struct spool_msg *msg, const char *id,
    const char **failed)
{
	enum reply_id r;

	if (s->remote_count > 0 && (r = smtp_relay(s, msg, id)) != R_SENT)
		return r;
	if (s->mailbox_count == 0)
		return R_SENT;
	r = smtp_spool_reply(spool_deliver(msg, s->mailboxes,
	    s->mailbox_count, s->cfg->opts.lock_wait_secs, failed));
	if (r != R_SENT && s->remote_count > 0)
		log_warnx("id=%s: handed to the relay, but not delivered "
		    "locally: the client will retry both", id);
	return r;
}

enum reply_id
smtp_cmd_data(struct smtp_session *s, char *arg)
{
	static struct spool_msg msg;
	struct data_sink sink = { .msg = &msg, .over = false };
	struct data_machine dm;
	enum spool_status st;
	enum reply_id reply;
	const char *failed = NULL;
	int err = 0;
	time_t now = time(NULL);
	char id[64], safe[SMTP_LOG_PATH_SIZE];

	(void)arg;
	smtp_message_id(s, id, sizeof id);
	reply_printf(&s->out, "%s\r\n", smtp_reply_text(R_DATA_GO));
	st = spool_msg_open(&msg, s->cfg->opts.spool_dir,
	    s->sender.null ? NULL : s->sender.text, now);
	smtp_headers(s, &msg, id, now);
	/* SPEC 3: only a local client may end its message at LF.LF */
	data_init(&dm, s->line_end != LINE_END_CRLF &&
	    s->peer.kind == PEER_LOCAL, data_sink_emit, &sink);
	while (dm.seen != DATA_SEEN_END) {
		const char *p;
		ssize_t n = line_peek(&s->in, &p);

		if (n <= 0) {
			/* Nothing is delivered from a session that ends here. */
			spool_msg_close(&msg);
			s->quit = true;
			if (n < 0 && errno == ETIMEDOUT) {
				log_info("timeout client=%s in=DATA", s->client);
				return R_TIMEOUT;
			}
			log_info("lost client=%s in=DATA", s->client);
			return R_NONE;
		}
		line_consume(&s->in, data_feed(&dm, p, (size_t)n));
		if (dm.octets > s->cfg->max_msg_size)
			sink.over = true;
	}

	if (dm.bare_cr)
		reply = R_BARE_CR;
	else if (sink.over)
		reply = R_SIZE;
	else if (dm.received > SMTP_RECEIVED_MAX)
		reply = R_LOOP;
	else if (st != SPOOL_OK)
		reply = smtp_spool_reply(st);
	else
		reply = smtp_deliver(s, &msg, id, &failed);
	err = errno;
	spool_msg_close(&msg);
	if (reply == R_SENT) {
		s->junk = 0;
		reply_printf(&s->out, "250 2.0.0 OK id=%s\r\n", id);
		log_info("delivered client=%s id=%s%s%s from=<%s> size=%jd "
		    "rcpts=%zu", s->client, id,
		    s->auth_user[0] != '\0' ? " auth=" : "", s->auth_user,
		    smtp_log_path(&s->sender, safe, sizeof safe),
		    (intmax_t)dm.octets, s->rcpt_count);
	} else {
		/* a local failure says why: lock timeout, disk, descriptors */
		log_info("reject client=%s id=%s from=<%s>%s%s: %s%s%s%s",
		    s->client, id, smtp_log_path(&s->sender, safe, sizeof safe),
		    failed ? " mailbox=" : "", failed ? failed : "",
		    smtp_reply_text(reply), failed ? " (" : "",
		    failed ? strerror(err) : "", failed ? ")" : "");
	}
	smtp_transaction_reset(s);
	return reply;
}
