/*
 * message: one message, from its first byte to its final reply, whatever
 * carried it. DATA (the dot machine) and BDAT (counted chunks) differ
 * only in framing: both begin a message, feed it through the framer into
 * the sink below, and end it here. The sink counts the octets as SPEC 3
 * counts them (CRLF line ends), stops storing past -z, and counts
 * Received: fields in the header for the loop check; the end judges,
 * filters, hands off and delivers, and says what happened (message.h).
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/log.h"
#include "smtpd/message.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

static const char message_received[] = "received:";
#define MESSAGE_RECEIVED_LEN	(sizeof message_received - 1)

static void message_take(void *ctx, const char *data, size_t len);
static void message_header(struct smtp_message *m, const char *p,
	    size_t len);
static void message_new_id(struct smtp_txn *t);
static void message_trace(struct smtp_txn *t, const struct smtpd_config *cfg,
	    const struct conn *conn, time_t now);
static enum reply_id message_judge(const struct smtp_message *m);
static bool message_deliver(struct smtp_txn *t,
	    const struct smtpd_config *cfg, const struct conn *conn,
	    struct smtp_outcome *out);

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
message_new_id(struct smtp_txn *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(t->msg.id, sizeof t->msg.id, "%llX%05lX%lX%X",
	    (unsigned long long)now.tv_sec, now.tv_nsec / 1000,
	    (unsigned long)getpid(), t->msg_counter++);
}

/* SPEC 3: Return-Path, then Received (RFC 5321 4.4) with an RFC 5322 date. */
static void
message_trace(struct smtp_txn *t, const struct smtpd_config *cfg,
    const struct conn *conn, time_t now)
{
	char head[2 * SMTP_PATH_MAX + 3 * SMTP_DOMAIN_MAX + 256], date[64];
	const char *addr = conn->peer.addr;
	struct tm tm;
	int n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		snprintf(date, sizeof date, "Thu, 01 Jan 1970 00:00:00 +0000");
	/* The relay is given the message from Received: on. */
	n = snprintf(head, sizeof head, "Return-Path: <%s>\n", t->sender.text);
	t->msg.return_path_len = (size_t)n;
	n += snprintf(head + n, sizeof head - (size_t)n,
	    "Received: from %s%s%s%s\n\tby %s with %s id %s%s%s%s;\n\t%s\n",
	    t->helo, addr[0] != '\0' ? " ([" : "", addr,
	    addr[0] != '\0' ? "])" : "", cfg->hostname,
	    t->protocol, t->msg.id,
	    t->rcpt_count == 1 ? "\n\tfor <" : "",
	    t->rcpt_count == 1 ? t->first_rcpt : "",
	    t->rcpt_count == 1 ? ">" : "", date);
	(void)spool_msg_write(&t->msg.spool, head,
	    (size_t)n < sizeof head ? (size_t)n : sizeof head - 1);
}

void
smtp_message_begin(struct smtp_txn *t, const struct smtpd_config *cfg,
    const struct conn *conn, enum data_framing framing)
{
	struct smtp_message *m = &t->msg;
	time_t now = time(NULL);

	assert(!m->active && t->rcpt_count > 0);
	m->active = true;
	m->octets = 0;
	m->max_size = cfg->max_msg_size;
	m->over = false;
	m->in_header = true;
	m->received = 0;
	m->prefix_len = 0;
	m->prefix_match = true;
	message_new_id(t);
	m->opened = spool_msg_open(&m->spool, cfg->opts.spool_dir,
	    t->sender.null ? NULL : t->sender.text, now);
	message_trace(t, cfg, conn, now);
	data_init(&m->framer, framing, message_take, m);
}

size_t
smtp_message_feed(struct smtp_message *m, const char *p, size_t len)
{
	return data_feed(&m->framer, p, len);
}

void
smtp_message_abandon(struct smtp_message *m)
{
	if (m->active)
		spool_msg_close(&m->spool);
	m->active = false;
}

/* What refuses the message as received, before anyone else sees it. */
static enum reply_id
message_judge(const struct smtp_message *m)
{
	if (m->framer.bare_cr)
		return R_BARE_CR;
	if (m->over)
		return R_SIZE;
	if (m->received > SMTP_RECEIVED_MAX)
		return R_LOOP;
	if (m->opened != SPOOL_OK)
		return smtp_spool_reply(m->opened);
	return R_NONE;
}

/*
 * Remote recipients first, then local ones: a relay that says no leaves
 * nothing delivered, so the 4xx or 5xx is true for every recipient. Only
 * a local failure after a hand-off splits the message: the client gets
 * 4xx and retries, and the remote recipients may get it twice. Never
 * lost, never 250 for less than all.
 */
static bool
message_deliver(struct smtp_txn *t, const struct smtpd_config *cfg,
    const struct conn *conn, struct smtp_outcome *out)
{
	enum spool_status st;

	if (t->remote_count > 0 && !smtp_relay(cfg, conn, t, &t->msg.spool,
	    &out->refusal))
		return false;
	if (t->mailboxes.count == 0)
		return true;
	st = spool_deliver(&t->msg.spool, t->boxes, t->mailboxes.count,
	    cfg->opts.lock_wait_secs, &cfg->reserve, &out->why);
	if (st == SPOOL_OK)
		return true;
	out->spool = st;
	out->refusal = smtp_spool_reply(st);
	if (t->remote_count > 0)
		log_warnx("id=%s: handed to the relay, but not delivered "
		    "locally: the client will retry both", t->msg.id);
	return false;
}

void
smtp_message_end(struct smtp_txn *t, const struct smtpd_config *cfg,
    const struct conn *conn, struct smtp_outcome *out)
{
	assert(t->msg.active);
	*out = (struct smtp_outcome){ .refusal = message_judge(&t->msg) };
	if (out->refusal == R_NONE && (cfg->filter_cmd == NULL ||
	    smtp_filter(cfg, conn, t, &t->msg.spool, out)))
		out->delivered = message_deliver(t, cfg, conn, out);
	smtp_message_abandon(&t->msg);
}
