/*
 * receive: the two ways a message arrives, and nothing else. DATA
 * (RFC 5321 4.1.1.4) sends 354 and reads to the dot; BDAT (RFC 3030)
 * reads exactly the counted octets after its command line, in any
 * state, so a refused chunk never runs as commands. Both hand the bytes
 * to message.c, which decides; here its outcome is answered, logged and
 * the transaction ended. A refused message is still read to its end
 * first (SPEC 3), so the session stays in step.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "smtpd/message.h"
#include "smtpd/smtpd.h"

static enum reply_id receive_lost(struct smtp_session *s, const char *in);
static enum reply_id receive_end(struct smtp_session *s);
static void receive_log_refusal(const struct smtp_session *s,
	    const struct smtp_outcome *out);
static bool receive_bdat_args(char *arg, unsigned long long *size,
	    bool *last);

/* The input ended inside a message: nothing is delivered. */
static enum reply_id
receive_lost(struct smtp_session *s, const char *in)
{
	bool timeout = errno == ETIMEDOUT;

	smtp_message_abandon(&s->txn.msg);
	s->quit = true;
	log_info("%s client=%s in=%s", timeout ? "timeout" : "lost",
	    s->conn.client, in);
	return timeout ? R_TIMEOUT : R_NONE;
}

/*
 * A refused message's log line. A local failure says where and why: the
 * mailbox, its size and limit (SPEC 3's quota), the free space and the
 * reserve, or the failing call's error (lock timeout, disk, descriptors).
 */
static void
receive_log_refusal(const struct smtp_session *s,
    const struct smtp_outcome *out)
{
	const struct smtp_txn *t = &s->txn;
	const struct spool_refusal *why = &out->why;
	char safe[SMTP_LOG_PATH_SIZE], sizes[SMTP_LOG_SIZES_SIZE] = "";
	bool room = out->spool == SPOOL_FULL || out->spool == SPOOL_RESERVE;

	if (room)
		snprintf(sizes, sizeof sizes, out->spool == SPOOL_FULL ?
		    " size=%jd limit=%jd" : " free=%jd reserve=%jd",
		    (intmax_t)why->size, (intmax_t)why->limit);
	log_info("reject client=%s id=%s from=<%s>%s%s%s: %s%s%s%s",
	    s->conn.client, t->msg.id,
	    smtp_log_path(&t->sender, safe, sizeof safe),
	    why->user != NULL ? " mailbox=" : "",
	    why->user != NULL ? why->user : "", sizes,
	    smtp_reply_text(out->refusal),
	    out->spool != SPOOL_OK && !room ? " (" : "",
	    out->spool != SPOOL_OK && !room ? strerror(why->err) : "",
	    out->spool != SPOOL_OK && !room ? ")" : "");
}

/*
 * The message's end: 250 with its id, or the refusal (the filter's own
 * words when it gave some, as Postfix passes a milter's); one log line
 * either way, and the transaction is over.
 */
static enum reply_id
receive_end(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	struct smtp_outcome out;
	char safe[SMTP_LOG_PATH_SIZE];
	enum reply_id reply = R_SENT;

	smtp_message_end(t, s->cfg, &s->conn, &out);
	if (out.delivered) {
		s->junk = 0;
		reply_printf(&s->conn.out, "250 2.0.0 OK id=%s\r\n", t->msg.id);
		log_info("delivered client=%s id=%s%s%s from=<%s> size=%jd "
		    "rcpts=%zu", s->conn.client, t->msg.id,
		    t->auth_user[0] != '\0' ? " auth=" : "", t->auth_user,
		    smtp_log_path(&t->sender, safe, sizeof safe),
		    (intmax_t)t->msg.octets, t->rcpt_count);
	} else {
		receive_log_refusal(s, &out);
		reply = out.refusal;
		if (reply == R_FILTER_REFUSED && out.reason[0] != '\0') {
			log_info("reject id=%s: filter says: %s", t->msg.id,
			    out.reason);
			reply_printf(&s->conn.out, "554 5.7.1 %s\r\n",
			    out.reason);
			reply = R_SENT;
		}
	}
	smtp_txn_over(s);
	return reply;
}

enum reply_id
smtp_cmd_data(struct smtp_session *s, char *arg)
{
	struct smtp_message *m = &s->txn.msg;

	(void)arg;
	/* SPEC 3: only a local client may end its message at LF.LF */
	smtp_message_begin(&s->txn, s->cfg, &s->conn,
	    s->line_end != LINE_END_CRLF && s->conn.peer.kind == PEER_LOCAL ?
	    DATA_DOT_LF : DATA_DOT_CRLF);
	reply_printf(&s->conn.out, "%s\r\n", smtp_reply_text(R_DATA_GO));
	while (m->framer.seen != DATA_SEEN_END) {
		const char *p;
		ssize_t n = line_peek(&s->conn.in, &p);

		if (n <= 0)
			return receive_lost(s, "DATA");
		line_consume(&s->conn.in, smtp_message_feed(m, p, (size_t)n));
	}
	return receive_end(s);
}

/* "size" or "size LAST" (any case); size in plain decimal digits. */
static bool
receive_bdat_args(char *arg, unsigned long long *size, bool *last)
{
	char *end;

	if (*arg < '0' || *arg > '9')
		return false;
	errno = 0;
	*size = strtoull(arg, &end, 10);
	if (errno == ERANGE)
		return false;
	*last = strcasecmp(end, " LAST") == 0;
	return *end == '\0' || *last;
}

/*
 * RFC 3030 2: each chunk answered on its own; the last one ends the
 * message. A chunk outside a transaction is read and thrown away, and
 * its 503 echoes a refused MAIL or RCPT like DATA's.
 */
enum reply_id
smtp_cmd_bdat(struct smtp_session *s, char *arg)
{
	unsigned long long size, left;
	bool last, taking = s->state & (SMTP_ST_RCPT | SMTP_ST_CHUNKS);

	if (!receive_bdat_args(arg, &size, &last)) {
		/* Where the chunk ends is unknown: no command can be found. */
		reply_printf(&s->conn.out, "%s\r\n",
		    smtp_reply_text(R_SYNTAX_BDAT));
		log_info("reject client=%s: BDAT without a size",
		    s->conn.client);
		s->quit = true;
		return R_OUT_OF_STEP;
	}
	if (taking && s->state == SMTP_ST_RCPT) {
		smtp_message_begin(&s->txn, s->cfg, &s->conn, DATA_COUNTED);
		smtp_set_state(s, SMTP_ST_CHUNKS);
	}
	for (left = size; left > 0;) {
		const char *p;
		ssize_t n = line_peek(&s->conn.in, &p);

		if (n <= 0)
			return receive_lost(s, "BDAT");
		if ((unsigned long long)n > left)
			n = (ssize_t)left;
		if (taking)
			(void)smtp_message_feed(&s->txn.msg, p, (size_t)n);
		line_consume(&s->conn.in, (size_t)n);
		left -= (unsigned long long)n;
	}
	if (!taking)
		return s->state == SMTP_ST_START ? R_SEQ_HELO :
		    last ? R_SEQ_RCPT : R_SEQ_CHUNK;
	if (!last) {
		reply_printf(&s->conn.out, "250 2.0.0 %llu octets received\r\n",
		    size);
		return R_SENT;
	}
	data_finish(&s->txn.msg.framer);
	return receive_end(s);
}
