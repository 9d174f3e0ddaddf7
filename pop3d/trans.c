/*
 * TRANSACTION and UPDATE (RFC 1939 5, 6) and CAPA (RFC 2449). Messages
 * are numbered from 1 as the login scan found them; DELE only marks, and
 * QUIT removes the marked ones in one atomic rewrite of the mailbox.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sasl.h"
#include "pop3d/pop3d.h"

static bool pop_number(const char *arg, uintmax_t max, uintmax_t *n);
static enum reply_id pop_msg_arg(struct pop_session *s, const char *arg,
	    size_t *index);
static int pop_reply_sink(void *ctx, const char *data, size_t len);
static enum reply_id pop_send(struct pop_session *s, size_t i, long lines);
static enum reply_id pop_list_one(struct pop_session *s, const char *arg,
	    bool uidl);

/*
 * 1*DIGIT and nothing else: no sign, no space, no junk. A value over max
 * gives max, so a huge number reads as "too big", not as garbage.
 */
static bool
pop_number(const char *arg, uintmax_t max, uintmax_t *n)
{
	uintmax_t v = 0;

	if (*arg == '\0')
		return false;
	for (; *arg != '\0'; arg++) {
		unsigned digit = (unsigned)(*arg - '0');

		if (*arg < '0' || *arg > '9')
			return false;
		v = v > (max - digit) / 10 ? max : v * 10 + digit;
	}
	*n = v;
	return true;
}

/* A message number that names a message not marked deleted. */
static enum reply_id
pop_msg_arg(struct pop_session *s, const char *arg, size_t *index)
{
	uintmax_t n;

	if (!pop_number(arg, SIZE_MAX, &n))
		return R_BAD_NUMBER;
	if (n == 0 || n > s->box.count)
		return R_NO_MSG;
	*index = (size_t)n - 1;
	return s->deleted[*index] ? R_MSG_DELETED : R_NONE;
}

void
pop_totals(const struct pop_session *s, size_t *count, off_t *octets)
{
	*count = 0;
	*octets = 0;
	for (size_t i = 0; i < s->box.count; i++)
		if (!s->deleted[i]) {
			(*count)++;
			*octets += s->box.msgs[i].size;
		}
}

enum reply_id
pop_cmd_capa(struct pop_session *s, char **argv, size_t argc)
{
	const char *mechs = sasl_mech_list(s->conn.sasl);

	(void)argv;
	(void)argc;
	/* RFC 2595 4: STLS only before login, and until under TLS */
	bool stls = s->cfg->opts.tls_cmd != NULL && !s->conn.tls &&
	    s->state == POP_ST_AUTH;

	reply_printf(&s->conn.out, "+OK Capability list follows\r\nTOP\r\n%s"
	    "UIDL\r\n%s%s%s%sRESP-CODES\r\nAUTH-RESP-CODE\r\n"
	    "PIPELINING\r\nEXPIRE NEVER\r\nIMPLEMENTATION pop3d\r\n.\r\n",
	    s->conn.sasl.plaintext ? "USER\r\n" : "",
	    stls ? "STLS\r\n" : "",
	    mechs[0] != '\0' ? "SASL " : "", mechs,
	    mechs[0] != '\0' ? "\r\n" : "");
	return R_SENT;
}

enum reply_id
pop_cmd_stat(struct pop_session *s, char **argv, size_t argc)
{
	size_t count;
	off_t octets;

	(void)argv;
	(void)argc;
	pop_totals(s, &count, &octets);
	reply_printf(&s->conn.out, "+OK %zu %jd\r\n", count, (intmax_t)octets);
	return R_SENT;
}

static enum reply_id
pop_list_one(struct pop_session *s, const char *arg, bool uidl)
{
	enum reply_id r;
	size_t i;

	if ((r = pop_msg_arg(s, arg, &i)) != R_NONE)
		return r;
	if (uidl)
		reply_printf(&s->conn.out, "+OK %zu %s\r\n", i + 1,
		    s->box.msgs[i].uid);
	else
		reply_printf(&s->conn.out, "+OK %zu %jd\r\n", i + 1,
		    (intmax_t)s->box.msgs[i].size);
	return R_SENT;
}

enum reply_id
pop_cmd_list(struct pop_session *s, char **argv, size_t argc)
{
	if (argc == 1)
		return pop_list_one(s, argv[0], false);
	pop_maildrop_reply(s, "");
	for (size_t i = 0; i < s->box.count; i++)
		if (!s->deleted[i])
			reply_printf(&s->conn.out, "%zu %jd\r\n", i + 1,
			    (intmax_t)s->box.msgs[i].size);
	reply_write(&s->conn.out, ".\r\n", 3);
	return R_SENT;
}

/* RFC 1939 7: the ids are computed on the first UIDL, not at login. */
enum reply_id
pop_cmd_uidl(struct pop_session *s, char **argv, size_t argc)
{
	enum spool_status st;

	if ((st = spool_uids(&s->box)) != SPOOL_OK) {
		log_warn("uidl failed client=%s user=%s: %s", s->conn.client, s->user,
		    spool_status_text(st));
		return pop_spool_reply(st, POP_SPOOL_READ);
	}
	if (argc == 1)
		return pop_list_one(s, argv[0], true);
	reply_write(&s->conn.out, "+OK\r\n", 5);
	for (size_t i = 0; i < s->box.count; i++)
		if (!s->deleted[i])
			reply_printf(&s->conn.out, "%zu %s\r\n", i + 1,
			    s->box.msgs[i].uid);
	reply_write(&s->conn.out, ".\r\n", 3);
	return R_SENT;
}

/* The reader stuffs and batches the lines (SPOOL_EOL_DOTS). */
static int
pop_reply_sink(void *ctx, const char *data, size_t len)
{
	return reply_write(ctx, data, len);
}

/*
 * Sends message i (lines < 0) or its header and that many body lines.
 * After "+OK" nothing can be taken back: a read error mid-message ends
 * the session without the final dot, so the client cannot mistake a
 * truncated message for a whole one.
 */
static enum reply_id
pop_send(struct pop_session *s, size_t i, long lines)
{
	enum spool_status st;

	if (lines < 0)
		reply_printf(&s->conn.out, "+OK %jd octets\r\n",
		    (intmax_t)s->box.msgs[i].size);
	else
		reply_write(&s->conn.out, "+OK\r\n", 5);
	st = spool_read(&s->box, i, lines, SPOOL_EOL_DOTS, pop_reply_sink,
	    &s->conn.out);
	if (st != SPOOL_OK) {
		if (!s->conn.out.failed)
			log_warn("read failed client=%s user=%s message=%zu: %s",
			    s->conn.client, s->user, i + 1, spool_status_text(st));
		s->end_how = "read error";
		s->quit = true;
		return R_NONE;
	}
	reply_write(&s->conn.out, ".\r\n", 3);
	return R_SENT;
}

enum reply_id
pop_cmd_retr(struct pop_session *s, char **argv, size_t argc)
{
	enum reply_id r;
	size_t i;

	(void)argc;
	if ((r = pop_msg_arg(s, argv[0], &i)) != R_NONE)
		return r;
	if ((r = pop_send(s, i, -1)) == R_SENT) {
		s->retrieved_count++;
		s->retrieved_octets += s->box.msgs[i].size;
	}
	return r;
}

/* TOP n m: a line count too big for a long means the whole body. */
enum reply_id
pop_cmd_top(struct pop_session *s, char **argv, size_t argc)
{
	enum reply_id r;
	uintmax_t lines;
	size_t i;

	(void)argc;
	if ((r = pop_msg_arg(s, argv[0], &i)) != R_NONE)
		return r;
	if (!pop_number(argv[1], LONG_MAX, &lines))
		return R_BAD_NUMBER;
	return pop_send(s, i, (long)lines);
}

enum reply_id
pop_cmd_dele(struct pop_session *s, char **argv, size_t argc)
{
	enum reply_id r;
	size_t i;

	(void)argc;
	if ((r = pop_msg_arg(s, argv[0], &i)) != R_NONE)
		return r;
	s->deleted[i] = true;
	s->deleted_count++;
	s->deleted_octets += s->box.msgs[i].size;
	return R_DELETED;
}

enum reply_id
pop_cmd_rset(struct pop_session *s, char **argv, size_t argc)
{
	(void)argv;
	(void)argc;
	memset(s->deleted, 0, s->box.count * sizeof *s->deleted);
	s->deleted_count = 0;
	s->deleted_octets = 0;
	pop_maildrop_reply(s, "");
	return R_SENT;
}

/*
 * QUIT: in TRANSACTION the marked messages are removed durably before
 * +OK (SPEC 4). On failure none is removed, and the session ends either
 * way (RFC 1939 6).
 */
enum reply_id
pop_cmd_quit(struct pop_session *s, char **argv, size_t argc)
{
	enum spool_status st;

	(void)argv;
	(void)argc;
	s->quit = true;
	if (s->state != POP_ST_TRANS || s->deleted_count == 0)
		return R_BYE;
	st = spool_commit(&s->box, s->deleted, s->cfg->opts.lock_wait_secs);
	if (st != SPOOL_OK) {
		log_warn("delete failed client=%s user=%s messages=%zu: %s",
		    s->conn.client, s->user, s->deleted_count, spool_status_text(st));
		s->end_how = "delete failed";
		return pop_spool_reply(st, POP_SPOOL_COMMIT);
	}
	log_info("deleted client=%s user=%s messages=%zu octets=%jd",
	    s->conn.client, s->user, s->deleted_count,
	    (intmax_t)s->deleted_octets);
	reply_printf(&s->conn.out, "+OK Bye, %zu deleted\r\n",
	    s->deleted_count);
	return R_SENT;
}

void
pop_maildrop_reply(struct pop_session *s, const char *prefix)
{
	size_t count;
	off_t octets;

	pop_totals(s, &count, &octets);
	reply_printf(&s->conn.out, "+OK %s%zu messages (%jd octets)\r\n", prefix,
	    count, (intmax_t)octets);
}

void
pop_session_end(struct pop_session *s)
{
	if (s->state == POP_ST_TRANS) {
		spool_close(&s->box);
		free(s->deleted);
		s->deleted = NULL;
	}
	log_info("disconnect client=%s user=%s how=%s retrieved=%zu "
	    "retrieved_octets=%jd", s->conn.client,
	    s->state == POP_ST_TRANS ? s->user : "-", s->end_how,
	    s->retrieved_count, (intmax_t)s->retrieved_octets);
}
