/*
 * message: one message, from its first byte to its final reply, whatever
 * carried it. DATA (the dot machine) and BDAT (counted chunks) differ
 * only in framing: both begin a message, feed it through the framer into
 * the sink below, and end it here. The sink counts the octets as SPEC 3
 * counts them (CRLF line ends), stops storing past -z, and counts
 * Received: fields in the header for the loop check; the end judges,
 * hands off, delivers, replies and logs. Never whole in memory: the
 * spool message spills to disk.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/log.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

static const char message_received[] = "received:";
#define MESSAGE_RECEIVED_LEN	(sizeof message_received - 1)

static void message_take(void *ctx, const char *data, size_t len);
static void message_header(struct smtp_message *m, const char *p,
	    size_t len);
static void message_new_id(struct smtp_session *s, char *id, size_t size);
static void message_trace(struct smtp_session *s, time_t now);
static enum reply_id message_spool_failure(enum spool_status st);
static bool message_deliver(struct smtp_session *s, enum reply_id *refusal,
	    const char **failed);

/* Field names match without regard to case (RFC 5322 1.2.2). */
static void
message_header(struct smtp_message *m, const char *p, size_t len)
{
	for (size_t i = 0; i < len && m->in_header; i++) {
		if (p[i] == '\n') {
			/* the empty line after the header ends it */
			m->in_header = m->prefix_len > 0;
			m->prefix_len = 0;
			m->prefix_match = true;
			continue;
		}
		if (m->prefix_match && m->prefix_len < MESSAGE_RECEIVED_LEN) {
			m->prefix_match = ascii_lower(p[i]) ==
			    message_received[m->prefix_len];
			if (m->prefix_match &&
			    m->prefix_len + 1 == MESSAGE_RECEIVED_LEN)
				m->received++;
		}
		m->prefix_len++;
	}
}

/*
 * The framer's output: text with LF line ends. spool_msg_write buffers
 * and spills by itself; its errors are sticky and seen at the end.
 */
static void
message_take(void *ctx, const char *data, size_t len)
{
	struct smtp_message *m = ctx;
	const char *nl = data, *end = data + len;

	m->octets += (off_t)len;
	/* each LF stands for a CRLF */
	while ((nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL) {
		m->octets++;
		nl++;
	}
	if (m->in_header)
		message_header(m, data, len);
	if (m->octets > m->max_size)
		m->over = true;
	if (!m->over)
		(void)spool_msg_write(&m->spool, data, len);
}

/* Unique across processes and time: seconds, microseconds, pid, count. */
static void
message_new_id(struct smtp_session *s, char *id, size_t size)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(id, size, "%llX%05lX%lX%X", (unsigned long long)now.tv_sec,
	    now.tv_nsec / 1000, (unsigned long)getpid(), s->msg_counter++);
}

/* RFC 3848: SMTP, ESMTP, and S for TLS, A for an authenticated client. */
const char *
smtp_protocol(const struct smtp_session *s)
{
	static const char *const with[2][2] = {
		{ "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" },
	};

	if (!s->esmtp)
		return "SMTP";
	return with[s->conn.tls][s->auth_user[0] != '\0'];
}

/* SPEC 3: Return-Path, then Received (RFC 5321 4.4) with an RFC 5322 date. */
static void
message_trace(struct smtp_session *s, time_t now)
{
	char head[2 * SMTP_PATH_MAX + 3 * SMTP_DOMAIN_MAX + 256], date[64];
	const char *addr = s->conn.peer.addr;
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
	    s->helo, addr[0] != '\0' ? " ([" : "", addr,
	    addr[0] != '\0' ? "])" : "", s->cfg->hostname,
	    smtp_protocol(s), s->msg.id,
	    s->rcpt_count == 1 ? "\n\tfor <" : "",
	    s->rcpt_count == 1 ? s->first_rcpt : "",
	    s->rcpt_count == 1 ? ">" : "", date);
	(void)spool_msg_write(&s->msg.spool, head,
	    (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
}

void
smtp_message_begin(struct smtp_session *s, enum data_framing framing)
{
	struct smtp_message *m = &s->msg;
	time_t now = time(NULL);

	m->active = true;
	m->octets = 0;
	m->max_size = s->cfg->max_msg_size;
	m->over = false;
	m->in_header = true;
	m->received = 0;
	m->prefix_len = 0;
	m->prefix_match = true;
	message_new_id(s, m->id, sizeof m->id);
	m->opened = spool_msg_open(&m->spool, s->cfg->opts.spool_dir,
	    s->sender.null ? NULL : s->sender.text, now);
	message_trace(s, now);
	data_init(&m->framer, framing, message_take, m);
}

size_t
smtp_message_feed(struct smtp_session *s, const char *p, size_t len)
{
	return data_feed(&s->msg.framer, p, len);
}

void
smtp_message_abandon(struct smtp_session *s)
{
	if (s->msg.active)
		spool_msg_close(&s->msg.spool);
	s->msg.active = false;
}

/* The reply for a spool failure: all of them are temporary. */
static enum reply_id
message_spool_failure(enum spool_status st)
{
	switch (st) {
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
static bool
message_deliver(struct smtp_session *s, enum reply_id *refusal,
    const char **failed)
{
	enum spool_status st;

	if (s->remote_count > 0 && !smtp_relay(s, &s->msg.spool, s->msg.id,
	    refusal))
		return false;
	if (s->mailboxes.count == 0)
		return true;
	st = spool_deliver(&s->msg.spool, s->mailboxes.names,
	    s->mailboxes.count,
	    s->cfg->opts.lock_wait_secs, failed);
	if (st == SPOOL_OK)
		return true;
	*refusal = message_spool_failure(st);
	if (s->remote_count > 0)
		log_warnx("id=%s: handed to the relay, but not delivered "
		    "locally: the client will retry both", s->msg.id);
	return false;
}

enum reply_id
smtp_message_end(struct smtp_session *s)
{
	struct smtp_message *m = &s->msg;
	enum reply_id refusal = R_NONE;
	const char *failed = NULL;
	char safe[SMTP_LOG_PATH_SIZE], reason[SMTP_FILTER_REASON_MAX + 1];
	bool delivered = false;
	int err;

	if (m->framer.bare_cr)
		refusal = R_BARE_CR;
	else if (m->over)
		refusal = R_SIZE;
	else if (m->received > SMTP_RECEIVED_MAX)
		refusal = R_LOOP;
	else if (m->opened != SPOOL_OK)
		refusal = message_spool_failure(m->opened);
	else if (s->cfg->filter_cmd == NULL ||
	    smtp_filter(s, &refusal, reason, sizeof reason))
		delivered = message_deliver(s, &refusal, &failed);
	err = errno;
	smtp_message_abandon(s);
	if (delivered) {
		s->junk = 0;
		reply_printf(&s->conn.out, "250 2.0.0 OK id=%s\r\n", m->id);
		log_info("delivered client=%s id=%s%s%s from=<%s> size=%jd "
		    "rcpts=%zu", s->conn.client, m->id,
		    s->auth_user[0] != '\0' ? " auth=" : "", s->auth_user,
		    smtp_log_path(&s->sender, safe, sizeof safe),
		    (intmax_t)m->octets, s->rcpt_count);
	} else {
		/* a local failure says why: lock timeout, disk, descriptors */
		log_info("reject client=%s id=%s from=<%s>%s%s: %s%s%s%s",
		    s->conn.client, m->id,
		    smtp_log_path(&s->sender, safe, sizeof safe),
		    failed ? " mailbox=" : "", failed ? failed : "",
		    smtp_reply_text(refusal), failed ? " (" : "",
		    failed ? strerror(err) : "", failed ? ")" : "");
		if (refusal == R_FILTER_REFUSED && reason[0] != '\0') {
			/* the filter's words, as Postfix passes a milter's */
			log_info("reject id=%s: filter says: %s", m->id, reason);
			reply_printf(&s->conn.out, "554 5.7.1 %s\r\n", reason);
			refusal = R_SENT;
		}
	}
	smtp_transaction_reset(s);
	return delivered ? R_SENT : refusal;
}
