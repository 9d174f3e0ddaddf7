/*
 * The scanner: indexes a mailbox in one sequential pass of large
 * pread(2)s: where each message starts and ends, its header, and its
 * size as POP3 counts it (CRLF line ends, mboxrd quoting undone). The
 * file is never held in memory and never mapped, so another program
 * truncating it cannot crash us with SIGBUS. Runs of plain lines go to
 * the vector counter where there is one (scan_sse2.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool/internal.h"

/*
 * What the lines so far add to the message being scanned: its size as
 * POP3 counts it (each line with CRLF), where its header ends, and
 * whether its last line was empty (the separator before a From_ line).
 */
struct scan_tally {
	off_t	size;
	off_t	header_end;	/* after the first empty line, or -1 */
	off_t	last_off;	/* where the last line starts */
	bool	last_empty;
};

struct scan {
	struct spool_box		*b;
	size_t				 max_msgs;
	size_t				 cap;
	bool				 stop;
	bool				 at_start;	/* feeding the prefix */
	struct spool_prefix_state	 ps;
	enum spool_prefix		 kind;
	off_t				 line_off;
	off_t				 line_len;	/* LF excluded */
	char				 prev;		/* last byte of the line */
	struct scan_tally		 t;
};

static void scan_count_line(struct scan_tally *t, off_t line_off,
	    off_t content, bool terminated, off_t next);
static int scan_begin_message(struct scan *sc);
static void scan_end_message(struct scan *sc, off_t end);
static void scan_end_line(struct scan *sc, bool terminated);
static size_t scan_plain_lines(struct scan *sc, const char *p, size_t len,
	    off_t off);
static void scan_chunk(struct scan *sc, const char *p, size_t len, off_t off);

static int
scan_begin_message(struct scan *sc)
{
	struct spool_box *b = sc->b;

	if (b->count > 0)
		scan_end_message(sc, sc->line_off);
	if (b->count == sc->max_msgs) {
		/* Beyond the cap: kept untouched, like mail not yet arrived. */
		sc->stop = true;
		return -1;
	}
	if (b->count == sc->cap) {
		size_t cap = sc->cap == 0 ? 64 : 2 * sc->cap;
		struct spool_entry *grown = realloc(b->msgs, cap * sizeof *grown);

		if (grown == NULL)
			return -1;
		b->msgs = grown;
		sc->cap = cap;
	}
	b->msgs[b->count++] = (struct spool_entry){ .from_off = sc->line_off };
	sc->t = (struct scan_tally){ .header_end = -1 };
	return 0;
}

static void
scan_end_message(struct scan *sc, off_t end)
{
	struct spool_entry *e = &sc->b->msgs[sc->b->count - 1];

	e->end_off = end;
	e->content_end = end;
	e->size = sc->t.size;
	e->header_end = sc->t.header_end;
	/* The empty line before the next From_ line belongs to the format. */
	if (sc->t.last_empty) {
		e->content_end = sc->t.last_off;
		e->size -= 2;
	}
	if (e->header_end == -1 || e->header_end > e->content_end)
		e->header_end = e->content_end;
	if (e->body_off == 0)
		e->body_off = end;
}

/* A line of content: its bytes, less a CR before its LF, and CR LF. */
static inline void
scan_count_line(struct scan_tally *t, off_t line_off, off_t content,
    bool terminated, off_t next)
{
	t->size += content + 2;
	t->last_empty = terminated && content == 0;
	t->last_off = line_off;
	if (t->last_empty && t->header_end == -1)
		t->header_end = next;
}

static void
scan_end_line(struct scan *sc, bool terminated)
{
	struct spool_entry *e = &sc->b->msgs[sc->b->count - 1];
	off_t content = sc->line_len;
	off_t next = sc->line_off + sc->line_len + (terminated ? 1 : 0);

	if (sc->kind == SPOOL_PREFIX_FROM && e->body_off == 0) {
		e->body_off = next;
		return;
	}
	if (terminated && content > 0 && sc->prev == '\r')
		content--;
	if (sc->kind == SPOOL_PREFIX_QUOTED)
		content--;
	scan_count_line(&sc->t, sc->line_off, content, terminated, next);
}

/*
 * The hot loop: whole lines at the start of p that cannot start a From_
 * line, which is nearly all of them, counted as scan_end_line() counts
 * them with the tally kept in a local. Returns the bytes consumed; it
 * stops at a '>' or 'F' line and at a line the piece cuts.
 */
static size_t
scan_plain_lines(struct scan *sc, const char *p, size_t len, off_t off)
{
	const char *start = p, *end = p + len;
	struct scan_tally t = sc->t;

	while (p < end && *p != '>' && *p != 'F') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		off_t content, line_off = off + (p - start);

		if (nl == NULL)
			break;
		content = nl - p;
		if (content > 0 && nl[-1] == '\r')
			content--;
		p = nl + 1;
		scan_count_line(&t, line_off, content, true, off + (p - start));
#ifdef SPOOL_SCAN_SIMD
		if (p < end && *p != '>' && *p != 'F' && *p != '\n' &&
		    *p != '\r') {
			off_t lfs, crlfs;
			size_t n = spool_scan_run(p, end, &lfs, &crlfs);

			/* lfs lines, none empty: what scan_count_line adds */
			if (n > 0) {
				t.size += (off_t)n + lfs - crlfs;
				t.last_empty = false;
				p += n;
			}
		}
#endif
	}
	sc->t = t;
	sc->line_off = off + (p - start);
	return (size_t)(p - start);
}

/* One piece of the file; lines may run across pieces. */
static void
scan_chunk(struct scan *sc, const char *p, size_t len, off_t off)
{
	while (len > 0 && !sc->stop) {
		if (sc->at_start && sc->line_len == 0 && sc->b->count > 0) {
			size_t n = scan_plain_lines(sc, p, len, off);

			p += n;
			len -= n;
			off += (off_t)n;
			if (len == 0)
				return;
		}
		if (sc->at_start && spool_prefix_plain_start(&sc->ps, *p)) {
			sc->kind = SPOOL_PREFIX_PLAIN;
			sc->at_start = false;
		}
		if (sc->at_start) {
			enum spool_prefix kind = spool_prefix_feed(&sc->ps, *p);

			if (kind != SPOOL_PREFIX_PLAIN) {
				sc->prev = *p++;
				len--;
				off++;
				sc->line_len++;
			}
			if (kind == SPOOL_PREFIX_MORE)
				continue;
			sc->kind = kind;
			sc->at_start = false;
			if (kind == SPOOL_PREFIX_FROM &&
			    scan_begin_message(sc) == -1)
				sc->stop = true;
			continue;
		}
		const char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) : len;

		if (n > 0)
			sc->prev = p[n - 1];
		sc->line_len += (off_t)n;
		if (nl == NULL)
			return;
		scan_end_line(sc, true);
		p += n + 1;
		len -= n + 1;
		off += (off_t)n + 1;
		sc->line_off = off;
		sc->line_len = 0;
		sc->prev = '\0';
		sc->at_start = true;
		sc->ps = (struct spool_prefix_state){ 0 };
		sc->kind = SPOOL_PREFIX_PLAIN;
	}
}

enum spool_status
spool_scan(struct spool_box *b, off_t size, size_t max_msgs)
{
	struct scan sc = { .b = b, .max_msgs = max_msgs, .at_start = true };
	char first[5];

	if (size == 0)
		return SPOOL_OK;
	/* An mbox starts with a From_ line; anything else is not ours to cut. */
	if (size < (off_t)sizeof first ||
	    io_pread_all(b->fd, first, sizeof first, 0) == -1 ||
	    memcmp(first, "From ", sizeof first) != 0)
		return SPOOL_CORRUPT;
	for (off_t off = 0; off < size && !sc.stop;) {
		size_t want = size - off < SPOOL_IO_BUF ?
		    (size_t)(size - off) : SPOOL_IO_BUF;

		if (io_pread_all(b->fd, b->buf, want, off) == -1)
			return spool_errno_status(errno);
		scan_chunk(&sc, b->buf, want, off);
		off += (off_t)want;
	}
	if (sc.stop && b->count < max_msgs)
		return SPOOL_IOERR;	/* realloc failed */
	if (!sc.stop) {
		if (sc.line_len > 0)
			scan_end_line(&sc, false);
		scan_end_message(&sc, size);
		b->scanned = size;
	} else {
		b->scanned = sc.line_off;
	}
	return SPOOL_OK;
}
