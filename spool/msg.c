/*
 * Building a message in mbox form before any mailbox is locked: From_
 * line, body with mboxrd quoting, final empty line. Small messages stay in
 * memory; larger ones spill to an unlinked file in the spool directory.
 */
/* O_TMPFILE where Linux has it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool/internal.h"

/* Name clashes of the spill file before giving up (pid and time differ). */
#define MSG_SPILL_TRIES	100

static int msg_emit(void *ctx, const char *data, size_t len);
static int msg_spill(struct spool_msg *m);
static enum spool_status msg_fail(struct spool_msg *m, int err);
static void msg_reset(struct spool_msg *m);
static int msg_insert_take(void *ctx, const char *data, size_t len);
static const char *msg_source_fetch(void *ctx, off_t from, size_t want);

static enum spool_status
msg_fail(struct spool_msg *m, int err)
{
	if (m->error == SPOOL_OK) {
		m->error = spool_errno_status(err);
		m->error_errno = err;
	}
	return m->error;
}

/* Moves the in-memory bytes to an unlinked file: memory stays bounded. */
static int
msg_spill(struct spool_msg *m)
{
#ifdef O_TMPFILE
	/* Never named: a process killed at any moment leaves nothing. */
	if (m->fd == -1) {
		m->fd = io_openat(m->dirfd, ".", O_RDWR | O_TMPFILE |
		    O_CLOEXEC, 0600);
		if (m->fd == -1 && errno != EOPNOTSUPP && errno != EISDIR &&
		    errno != EINVAL)
			return -1;
	}
#endif
	for (int tries = 0; m->fd == -1; tries++) {
		struct timespec now;
		char name[64];

		clock_gettime(CLOCK_REALTIME, &now);
		snprintf(name, sizeof name, ".msg.%ld.%ld.%d", (long)getpid(),
		    (long)now.tv_nsec, tries);
		m->fd = io_openat(m->dirfd, name, O_RDWR | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (m->fd == -1 && (errno != EEXIST || tries >= MSG_SPILL_TRIES))
			return -1;
		/* Unlinked at once: only a kill right here leaves it behind. */
		if (m->fd != -1 && io_unlinkat(m->dirfd, name) == -1)
			return -1;
	}
	if (io_write_all(m->fd, m->mem, m->mem_len) == -1)
		return -1;
	m->mem_len = 0;
	return 0;
}

static int
msg_emit(void *ctx, const char *data, size_t len)
{
	struct spool_msg *m = ctx;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len && m->head_len < sizeof m->head; i++)
		m->head[m->head_len++] = data[i];
	m->size += (off_t)len;
	if (len >= 2) {
		m->last[0] = data[len - 2];
		m->last[1] = data[len - 1];
	} else {
		m->last[0] = m->last[1];
		m->last[1] = data[0];
	}
	while (len > 0) {
		size_t room = sizeof m->mem - m->mem_len;
		size_t n = len < room ? len : room;

		memcpy(m->mem + m->mem_len, data, n);
		m->mem_len += n;
		data += n;
		len -= n;
		if (m->mem_len == sizeof m->mem && msg_spill(m) == -1) {
			msg_fail(m, errno);
			return -1;
		}
	}
	return 0;
}

static void
msg_reset(struct spool_msg *m)
{
	m->fd = -1;
	m->size = 0;
	m->error = SPOOL_OK;
	m->error_errno = 0;
	m->quote.mid_line = false;
	m->quote.gts = m->quote.matched = 0;
	m->finished = false;
	m->last[0] = m->last[1] = '\n';
	m->mem_len = 0;
	m->head_len = 0;
}

enum spool_status
spool_msg_open(struct spool_msg *m, const char *dir, const char *sender,
    time_t when)
{
	char line[SPOOL_FROM_LINE_MAX], date[32];
	struct tm tm;
	size_t len;

	msg_reset(m);
	if ((m->dirfd = spool_dir_open(dir)) == -1)
		return msg_fail(m, errno);

	/* RFC 4155: "From " sender asctime-date; the sender is one word. */
	if (sender == NULL || sender[0] == '\0')
		sender = "MAILER-DAEMON";
	len = (size_t)snprintf(line, sizeof line, "From ");
	for (const char *p = sender; *p != '\0' && len < 5 + SPOOL_SENDER_MAX;
	    p++) {
		unsigned char c = (unsigned char)*p;

		line[len++] = c <= ' ' || c == 0x7f ? '_' : (char)c;
	}
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(date, sizeof date, "Thu Jan  1 00:00:00 1970");
	len += (size_t)snprintf(line + len, sizeof line - len, " %s\n", date);
	msg_emit(m, line, len);
	return m->error;
}

enum spool_status
spool_msg_write(struct spool_msg *m, const char *data, size_t len)
{
	struct spool_prefix_state ps = { .gts = m->quote.gts,
	    .matched = m->quote.matched };

	while (len > 0 && m->error == SPOOL_OK) {
		if (m->quote.mid_line) {
			const char *nl = memchr(data, '\n', len);
			size_t n = nl != NULL ? (size_t)(nl - data) + 1 : len;

			msg_emit(m, data, n);
			data += n;
			len -= n;
			if (nl != NULL) {
				m->quote.mid_line = false;
				ps = (struct spool_prefix_state){ 0 };
			}
			continue;
		}
		switch (spool_prefix_feed(&ps, *data)) {
		case SPOOL_PREFIX_MORE:
			data++;
			len--;
			continue;
		case SPOOL_PREFIX_FROM:
		case SPOOL_PREFIX_QUOTED:
			data++;
			len--;
			spool_prefix_emit(&ps, 1, msg_emit, m);
			break;
		case SPOOL_PREFIX_PLAIN:
			spool_prefix_emit(&ps, 0, msg_emit, m);
			break;
		}
		m->quote.mid_line = true;
	}
	m->quote.gts = ps.gts;
	m->quote.matched = ps.matched;
	return m->error;
}

enum spool_status
spool_msg_finish(struct spool_msg *m)
{
	struct spool_prefix_state ps = { .gts = m->quote.gts,
	    .matched = m->quote.matched };

	if (m->finished || m->error != SPOOL_OK)
		return m->error;
	m->finished = true;
	if (!m->quote.mid_line)
		spool_prefix_emit(&ps, 0, msg_emit, m);
	if (m->last[1] != '\n')
		msg_emit(m, "\n", 1);
	msg_emit(m, "\n", 1);
	if (m->error == SPOOL_OK && m->fd != -1 && msg_spill(m) == -1)
		msg_fail(m, errno);
	return m->error;
}

int
spool_msg_from_line(const struct spool_msg *m, char *buf, size_t size,
    size_t *len)
{
	size_t n = m->size < (off_t)size ? (size_t)m->size : size;
	const char *nl;

	if (m->fd == -1)
		memcpy(buf, m->mem, n < m->mem_len ? n : m->mem_len);
	else if (io_pread_all(m->fd, buf, n, 0) == -1)
		return -1;
	if ((nl = memchr(buf, '\n', n)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	*len = (size_t)(nl - buf) + 1;
	return 0;
}

/* The message's stored form as a reader's source: memory, or its file. */
struct msg_source {
	const struct spool_msg	*m;
	char			*buf;		/* SPOOL_IO_BUF bytes, for a file */
};

static const char *
msg_source_fetch(void *ctx, off_t from, size_t want)
{
	struct msg_source *src = ctx;

	if (src->m->fd == -1)
		return src->m->mem + from;
	if (io_pread_all(src->m->fd, src->buf, want, from) == -1)
		return NULL;
	return src->buf;
}

enum spool_status
spool_msg_read(struct spool_msg *m, size_t skip, spool_sink *sink, void *ctx)
{
	struct msg_source ms = { .m = m };
	const struct spool_source src = { msg_source_fetch, &ms };
	enum spool_status st;
	char head[SPOOL_FROM_LINE_MAX];
	size_t from_len;
	off_t body;

	if ((st = spool_msg_finish(m)) != SPOOL_OK)
		return st;
	if (spool_msg_from_line(m, head, sizeof head, &from_len) == -1)
		return errno == EINVAL ? SPOOL_CORRUPT : spool_errno_status(errno);
	body = (off_t)from_len;
	if (body == 0 || body + (off_t)skip + 1 > m->size)
		return SPOOL_CORRUPT;
	if (m->fd != -1 && (ms.buf = malloc(SPOOL_IO_BUF)) == NULL)
		return SPOOL_IOERR;
	/* content only: the final separator line is not the message's */
	st = spool_unquote(&src, body + (off_t)skip, m->size - 1, m->size - 1,
	    -1, SPOOL_EOL_ASIS, sink, ctx);
	free(ms.buf);
	return st;
}

/* The copy spool_msg_insert makes: content, and text once at "at". */
struct msg_insert {
	struct spool_msg	*to;
	size_t			 at;	/* content bytes before text */
	size_t			 seen;
	const char		*text;
	size_t			 len;
	bool			 done;
};

static int
msg_insert_take(void *ctx, const char *data, size_t len)
{
	struct msg_insert *ins = ctx;

	if (!ins->done && ins->seen + len >= ins->at) {
		size_t before = ins->at - ins->seen;

		(void)spool_msg_write(ins->to, data, before);
		(void)spool_msg_write(ins->to, ins->text, ins->len);
		ins->done = true;
		data += before;
		len -= before;
	}
	ins->seen += len;
	if (spool_msg_write(ins->to, data, len) != SPOOL_OK) {
		errno = ins->to->error_errno;
		return -1;
	}
	return 0;
}

enum spool_status
spool_msg_insert(struct spool_msg *m, size_t at, const char *text,
    size_t len)
{
	struct msg_insert ins = { .at = at, .text = text, .len = len };
	char from[SPOOL_FROM_LINE_MAX];
	enum spool_status st;
	size_t from_len;

	if ((st = spool_msg_finish(m)) != SPOOL_OK)
		return st;
	if (spool_msg_from_line(m, from, sizeof from, &from_len) == -1)
		return spool_errno_status(errno);
	if ((ins.to = malloc(sizeof *ins.to)) == NULL)
		return SPOOL_IOERR;
	msg_reset(ins.to);
	ins.to->dirfd = m->dirfd;
	(void)msg_emit(ins.to, from, from_len);
	st = spool_msg_read(m, 0, msg_insert_take, &ins);
	if (ins.to->error != SPOOL_OK)
		st = ins.to->error;
	if (st == SPOOL_OK && !ins.done)
		(void)spool_msg_write(ins.to, text, len);
	if (st == SPOOL_OK)
		st = spool_msg_finish(ins.to);
	if (st != SPOOL_OK) {
		int saved = ins.to->error != SPOOL_OK ? ins.to->error_errno :
		    errno;

		if (ins.to->fd != -1)
			(void)close(ins.to->fd);
		free(ins.to);
		errno = saved;
		return st;
	}
	/* The copy takes the old one's place, directory and all. */
	if (m->fd != -1)
		(void)close(m->fd);
	*m = *ins.to;
	free(ins.to);
	return SPOOL_OK;
}

void
spool_msg_close(struct spool_msg *m)
{
	if (m->fd != -1)
		(void)close(m->fd);
	if (m->dirfd != -1)
		(void)close(m->dirfd);
	m->fd = m->dirfd = -1;
}
