/*
 * receive: the two ways a message arrives, and nothing else. DATA
 * (RFC 5321 4.1.1.4) sends 354 and reads to the dot; BDAT (RFC 3030)
 * reads exactly the counted octets after its command line, in any
 * state, so a refused chunk never runs as commands. Both hand the bytes
 * to message.c, which does the rest. A refused message is still read to
 * its end first (SPEC 3), so the session stays in step.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "smtpd/smtpd.h"

static enum reply_id receive_lost(struct smtp_session *s, const char *in);
static bool receive_bdat_args(char *arg, unsigned long long *size,
	    bool *last);

/* The input ended inside a message: nothing is delivered. */
static enum reply_id
receive_lost(struct smtp_session *s, const char *in)
{
	bool timeout = errno == ETIMEDOUT;

	smtp_message_abandon(s);
	s->quit = true;
	log_info("%s client=%s in=%s", timeout ? "timeout" : "lost",
	    s->conn.client, in);
	return timeout ? R_TIMEOUT : R_NONE;
}

enum reply_id
smtp_cmd_data(struct smtp_session *s, char *arg)
{
	(void)arg;
	/* SPEC 3: only a local client may end its message at LF.LF */
	smtp_message_begin(s, s->line_end != LINE_END_CRLF &&
	    s->conn.peer.kind == PEER_LOCAL ? DATA_DOT_LF : DATA_DOT_CRLF);
	reply_printf(&s->conn.out, "%s\r\n", smtp_reply_text(R_DATA_GO));
	while (s->msg.framer.seen != DATA_SEEN_END) {
		const char *p;
		ssize_t n = line_peek(&s->conn.in, &p);

		if (n <= 0)
			return receive_lost(s, "DATA");
		line_consume(&s->conn.in, smtp_message_feed(s, p, (size_t)n));
	}
	return smtp_message_end(s);
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
		smtp_message_begin(s, DATA_COUNTED);
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
			(void)smtp_message_feed(s, p, (size_t)n);
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
	data_finish(&s->msg.framer);
	return smtp_message_end(s);
}
