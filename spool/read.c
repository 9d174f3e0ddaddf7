/*
 * Reading one message back: unquoting ^>+From  lines once, optionally
 * CRLF line ends, optionally only the header and N body lines (TOP). It
 * runs the same line-start machine as the scanner, so what it sends is
 * exactly the size the scanner counted. The bytes come from a source
 * (internal.h): a mailbox here (spool_read), the message being built in
 * msg.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool/internal.h"

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
static int reader_range(struct reader *r, const struct spool_source *src,
	    off_t from, off_t to, long lines);
static const char *reader_box_fetch(void *box, off_t from, size_t want);

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

/* Sends [from, to), stopping after lines LFs when lines >= 0. */
static int
reader_range(struct reader *r, const struct spool_source *src, off_t from,
    off_t to, long lines)
{
	while (from < to && lines != 0) {
		size_t want = to - from < SPOOL_IO_BUF ?
		    (size_t)(to - from) : SPOOL_IO_BUF;
		const char *p = src->fetch(src->ctx, from, want);
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
spool_unquote(const struct spool_source *src, off_t from, off_t header_end,
    off_t to, long body_lines, enum spool_eol eol, spool_sink *sink,
    void *ctx)
{
	char stage[SPOOL_READ_STAGE];	/* not zeroed: only stage_len counts */
	struct reader r = { .sink = sink, .ctx = ctx, .stage = stage,
	    .crlf = eol != SPOOL_EOL_ASIS, .dots = eol == SPOOL_EOL_DOTS,
	    .at_start = true };
	int rc;

	if (body_lines < 0) {
		rc = reader_range(&r, src, from, to, -1);
	} else {
		rc = reader_range(&r, src, from, header_end, -1);
		if (rc == 0)
			rc = reader_range(&r, src, header_end, to, body_lines);
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

static const char *
reader_box_fetch(void *box, off_t from, size_t want)
{
	return spool_box_fetch(box, from, want);
}

enum spool_status
spool_read(struct spool_box *b, size_t i, long body_lines, enum spool_eol eol,
    spool_sink *sink, void *ctx)
{
	const struct spool_source src = { reader_box_fetch, b };
	const struct spool_entry *e;

	if (i >= b->count)
		return SPOOL_IOERR;
	e = &b->msgs[i];
	return spool_unquote(&src, e->body_off, e->header_end, e->content_end,
	    body_lines, eol, sink, ctx);
}
