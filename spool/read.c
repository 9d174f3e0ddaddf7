/*
 * Reading one message back: unquoting ^>+From  lines once, optionally
 * CRLF line ends, optionally only the header and N body lines (TOP). It
 * runs the same line-start machine as the scanner, so what it sends is
 * exactly the size the scanner counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool/internal.h"

/* Where the bytes are: a file read through buf, memory, or a box. */
struct reader_src {
	int		 fd;
	char		*buf;		/* SPOOL_IO_BUF bytes, for fd */
	const char	*mem;		/* or the whole stored form */
	struct spool_box *box;		/* or a box, via spool_box_fetch() */
};

struct reader {
	spool_sink *sink;
	void	*ctx;
	bool	 crlf;
	bool	 dots;			/* SPOOL_EOL_DOTS: stuff and batch */
	bool	 line_emitted;		/* a piece of this line went out */
	bool	 at_start;
	struct spool_prefix_state ps;
	char	 prev;			/* last byte of the line so far */
	int	 sink_errno;
	char	*stage;			/* SPOOL_READ_STAGE bytes not yet sunk */
	size_t	 stage_len;
};

static int reader_sink(struct reader *r, const char *data, size_t len);
static int reader_flush(struct reader *r);
static int reader_stage(struct reader *r, bool stuff, const char *data,
	    size_t len, bool lf, bool crlf);
static int reader_emit(void *ctx, const char *data, size_t len);
static int reader_end_line(struct reader *r);
static int reader_whole_line(struct reader *r, const char *p, size_t n);
static int reader_flush_prefix(struct reader *r, enum spool_prefix kind);
static enum spool_status reader_status(const struct reader *r, int rc);
static const char *reader_fetch(const struct reader_src *src, off_t from,
	    size_t want);
static int reader_range(struct reader *r, const struct reader_src *src,
	    off_t from, off_t to, long lines);

static int
reader_sink(struct reader *r, const char *data, size_t len)
{
	if (r->sink(r->ctx, data, len) == -1) {
		r->sink_errno = errno;
		return -1;
	}
	return 0;
}

static int
reader_flush(struct reader *r)
{
	size_t len = r->stage_len;

	r->stage_len = 0;
	return len > 0 ? reader_sink(r, r->stage, len) : 0;
}

/*
 * Puts [stuff '.'] data and a line end (crlf: CR LF, lf: LF, else none)
 * into the batch, flushing it first when there is no room: 1, or 0 when
 * that is too long for any batch (the caller sends it in pieces), or -1
 * on a sink error. Inline: it is the whole cost of most lines.
 */
static inline int
reader_stage(struct reader *r, bool stuff, const char *data, size_t len,
    bool lf, bool crlf)
{
	size_t total = stuff + len + crlf + (lf || crlf);
	char *o;

	if (total > SPOOL_READ_STAGE)
		return 0;
	if (SPOOL_READ_STAGE - r->stage_len < total && reader_flush(r) == -1)
		return -1;
	o = r->stage + r->stage_len;
	if (stuff)
		*o++ = '.';
	memcpy(o, data, len);
	o += len;
	if (crlf)
		*o++ = '\r';
	if (lf || crlf)
		*o = '\n';
	r->stage_len += total;
	return 1;
}

/* A piece of a line: straight to the sink, or stuffed into the batch. */
static int
reader_emit(void *ctx, const char *data, size_t len)
{
	struct reader *r = ctx;
	bool stuff = r->dots && !r->line_emitted && len > 0 && data[0] == '.';
	int staged;

	if (len == 0)
		return 0;
	r->line_emitted = true;
	if (!r->dots)
		return reader_sink(r, data, len);
	if ((staged = reader_stage(r, stuff, data, len, false, false)) != 0)
		return staged == 1 ? 0 : -1;
	/* too long for a batch: what is batched goes first */
	if (reader_flush(r) == -1 || (stuff && reader_sink(r, ".", 1) == -1))
		return -1;
	return reader_sink(r, data, len);
}

static int
reader_flush_prefix(struct reader *r, enum spool_prefix kind)
{
	int rc = spool_prefix_emit(&r->ps, kind == SPOOL_PREFIX_QUOTED ? -1 : 0,
	    reader_emit, r);

	r->at_start = false;
	return rc;
}

static int
reader_end_line(struct reader *r)
{
	const char *eol = "\n";

	if (r->crlf && r->prev != '\r')
		eol = "\r\n";
	/* For an empty line the terminator is the piece that starts it. */
	if (reader_emit(r, eol, strlen(eol)) == -1)
		return -1;
	r->line_emitted = false;
	r->at_start = true;
	r->ps = (struct spool_prefix_state){ 0 };
	r->prev = '\0';
	return 0;
}

/*
 * The common case in one sink call: a line found whole in the buffer,
 * nothing of it sent yet, p[n] its LF. Returns 1 when sent, 0 when the
 * line is too long to stage (the caller sends it in pieces), -1 on error.
 */
static int
reader_whole_line(struct reader *r, const char *p, size_t n)
{
	bool add_cr = r->crlf && (n == 0 || p[n - 1] != '\r');
	bool stuff = r->dots && n > 0 && p[0] == '.';
	int staged;

	if (!add_cr && !r->dots) {
		if (reader_sink(r, p, n + 1) == -1)
			return -1;
	} else {
		if ((staged = reader_stage(r, stuff, p, n, true, add_cr)) != 1)
			return staged;
		/* Unbatched, the line goes now, as a line start. */
		if (!r->dots && reader_flush(r) == -1)
			return -1;
	}
	r->at_start = true;
	r->ps = (struct spool_prefix_state){ 0 };
	r->prev = '\0';
	return 1;
}

const char *
spool_box_fetch(struct spool_box *b, off_t from, size_t want)
{
	if (b->cache == NULL && (b->cache = malloc(SPOOL_IO_BUF)) == NULL)
		return NULL;
	if (b->cache_len == 0 || from < b->cache_off ||
	    from + (off_t)want > b->cache_off + (off_t)b->cache_len) {
		size_t ahead = b->scanned - from < SPOOL_IO_BUF ?
		    (size_t)(b->scanned - from) : SPOOL_IO_BUF;

		if (ahead < want)
			ahead = want;
		b->cache_len = 0;
		if (io_pread_all(b->fd, b->cache, ahead, from) == -1)
			return NULL;
		b->cache_off = from;
		b->cache_len = ahead;
	}
	return b->cache + (from - b->cache_off);
}

/* Where the want bytes at from are, read in if need be; NULL on error. */
static const char *
reader_fetch(const struct reader_src *src, off_t from, size_t want)
{
	if (src->mem != NULL)
		return src->mem + from;
	if (src->box != NULL)
		return spool_box_fetch(src->box, from, want);
	if (io_pread_all(src->fd, src->buf, want, from) == -1)
		return NULL;
	return src->buf;
}

/* Sends [from, to), stopping after lines LFs when lines >= 0. */
static int
reader_range(struct reader *r, const struct reader_src *src, off_t from,
    off_t to, long lines)
{
	while (from < to && lines != 0) {
		size_t want = to - from < SPOOL_IO_BUF ?
		    (size_t)(to - from) : SPOOL_IO_BUF;
		const char *p = reader_fetch(src, from, want);
		size_t len = want;

		if (p == NULL)
			return -1;
		from += (off_t)want;
		while (len > 0 && lines != 0) {
			/* Most lines cannot be (quoted) From_ lines. */
			if (r->at_start && spool_prefix_plain_start(&r->ps, *p))
				r->at_start = false;
			if (r->at_start) {
				enum spool_prefix kind =
				    spool_prefix_feed(&r->ps, *p);

				if (kind != SPOOL_PREFIX_PLAIN) {
					r->prev = *p++;
					len--;
				}
				if (kind != SPOOL_PREFIX_MORE &&
				    reader_flush_prefix(r, kind) == -1)
					return -1;
				continue;
			}
			const char *nl = memchr(p, '\n', len);
			size_t n = nl != NULL ? (size_t)(nl - p) : len;
			int sent = 0;

			if (nl != NULL && !r->line_emitted &&
			    (sent = reader_whole_line(r, p, n)) == -1)
				return -1;
			if (sent == 1) {
				p += n + 1;
				len -= n + 1;
				if (lines > 0)
					lines--;
				continue;
			}
			if (n > 0)
				r->prev = p[n - 1];
			if (reader_emit(r, p, n) == -1)
				return -1;
			if (nl == NULL)
				break;
			if (reader_end_line(r) == -1)
				return -1;
			p += n + 1;
			len -= n + 1;
			if (lines > 0)
				lines--;
		}
	}
	return 0;
}

/* A sink's failure is an I/O error with its errno; else the file's. */
static enum spool_status
reader_status(const struct reader *r, int rc)
{
	if (rc == 0)
		return SPOOL_OK;
	if (r->sink_errno != 0) {
		errno = r->sink_errno;
		return SPOOL_IOERR;
	}
	return spool_errno_status(errno);
}

enum spool_status
spool_read(struct spool_box *b, size_t i, long body_lines, enum spool_eol eol,
    spool_sink *sink, void *ctx)
{
	char stage[SPOOL_READ_STAGE];	/* not zeroed: only stage_len counts */
	struct reader r = { .sink = sink, .ctx = ctx, .stage = stage,
	    .crlf = eol != SPOOL_EOL_ASIS, .dots = eol == SPOOL_EOL_DOTS,
	    .at_start = true };
	const struct reader_src src = { .box = b };
	const struct spool_entry *e;
	int rc;

	if (i >= b->count)
		return SPOOL_IOERR;
	e = &b->msgs[i];
	if (body_lines < 0) {
		rc = reader_range(&r, &src, e->body_off, e->content_end, -1);
	} else {
		rc = reader_range(&r, &src, e->body_off, e->header_end, -1);
		if (rc == 0)
			rc = reader_range(&r, &src, e->header_end,
			    e->content_end, body_lines);
	}
	/* The last line of the content had no LF: end it like the others. */
	if (rc == 0 && (r.line_emitted || !r.at_start ||
	    r.ps.gts + r.ps.matched > 0)) {
		if (r.at_start)
			rc = reader_flush_prefix(&r, SPOOL_PREFIX_PLAIN);
		if (rc == 0 && r.crlf) {
			r.prev = '\0';
			rc = reader_end_line(&r);
		}
	}
	if (rc == 0)
		rc = reader_flush(&r);
	return reader_status(&r, rc);
}

/*
 * The message being built, read back as its content: the From_ line, the
 * first skip content bytes and the final separator left out, unquoted.
 */
enum spool_status
spool_msg_read(struct spool_msg *m, size_t skip,
    spool_sink *sink, void *ctx)
{
	char stage[SPOOL_READ_STAGE];
	struct reader r = { .sink = sink, .ctx = ctx, .stage = stage,
	    .at_start = true };
	struct reader_src src = { .fd = m->fd, .mem = m->mem };
	enum spool_status st;
	char head[SPOOL_FROM_LINE_MAX];
	size_t from_len;
	off_t body;
	int rc;

	if ((st = spool_msg_finish(m)) != SPOOL_OK)
		return st;
	if (spool_msg_from_line(m, head, sizeof head, &from_len) == -1)
		return errno == EINVAL ? SPOOL_CORRUPT : spool_errno_status(errno);
	body = (off_t)from_len;
	if (m->fd != -1)
		src.mem = NULL;
	if (body == 0 || body + (off_t)skip + 1 > m->size)
		return SPOOL_CORRUPT;
	if (src.mem == NULL && (src.buf = malloc(SPOOL_IO_BUF)) == NULL)
		return SPOOL_IOERR;
	rc = reader_range(&r, &src, body + (off_t)skip, m->size - 1, -1);
	free(src.buf);
	return reader_status(&r, rc);
}
