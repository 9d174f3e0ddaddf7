#include <string.h>

#include "smtpd/data.h"

static void data_out(struct data_machine *d, const char *p, size_t len);
static void data_line_start(struct data_machine *d, bool after_crlf);
static const char *data_next(const char *from, const char *end, char c,
	    const char **seen);

void
data_init(struct data_machine *d, enum data_framing framing,
    void (*emit)(void *ctx, const char *data, size_t len), void *ctx)
{
	memset(d, 0, sizeof *d);
	d->seen = DATA_SEEN_LINE_START;
	d->framing = framing;
	d->after_crlf = true;	/* the DATA command was a whole line */
	d->emit = emit;
	d->ctx = ctx;
}

/* Content bytes, no line end among them. */
static void
data_out(struct data_machine *d, const char *p, size_t len)
{
	if (len > 0)
		d->emit(d->ctx, p, len);
}

/*
 * A line end, CRLF or a bare LF: LF out. Whether it was CRLF decides if a
 * dot line after it may end the message.
 */
static void
data_line_start(struct data_machine *d, bool after_crlf)
{
	d->after_crlf = after_crlf;
	d->emit(d->ctx, "\n", 1);
	d->seen = DATA_SEEN_LINE_START;
}

/*
 * The first c at or after from, or end; *seen keeps the last answer so
 * that each byte is searched at most once per call, however many bare
 * CRs a hostile client puts before an LF.
 */
static const char *
data_next(const char *from, const char *end, char c, const char **seen)
{
	if (*seen == NULL || *seen < from) {
		const char *hit = memchr(from, c, (size_t)(end - from));

		*seen = hit != NULL ? hit : end;
	}
	return *seen;
}

size_t
data_feed(struct data_machine *d, const char *p, size_t len)
{
	const char *next_cr = NULL, *next_lf = NULL;
	size_t i = 0;

	while (i < len && d->seen != DATA_SEEN_END) {
		char c = p[i];

		switch (d->seen) {
		case DATA_SEEN_LINE_START:
			if (c == '.' && d->framing != DATA_COUNTED) {
				d->seen = DATA_SEEN_DOT;
				i++;
				continue;
			}
			d->seen = DATA_SEEN_TEXT;
			continue;
		case DATA_SEEN_DOT:
			if (c == '\r') {
				d->seen = DATA_SEEN_DOT_CR;
				i++;
				continue;
			}
			if (c == '\n') {
				i++;
				if (d->framing == DATA_DOT_LF) {
					d->seen = DATA_SEEN_END;
					continue;
				}
				/* "." LF: a line of content, never the end */
				data_out(d, ".", 1);
				data_line_start(d, false);
				continue;
			}
			/* A stuffed dot: the line goes on without it. */
			d->seen = DATA_SEEN_TEXT;
			continue;
		case DATA_SEEN_DOT_CR:
			if (c == '\n') {
				i++;
				if (d->after_crlf || d->framing == DATA_DOT_LF) {
					d->seen = DATA_SEEN_END;
					continue;
				}
				/* LF "." CRLF: content too (smuggling) */
				data_out(d, ".", 1);
				data_line_start(d, true);
				continue;
			}
			/* "." CR then not LF: a bare CR after a stuffed dot. */
			d->bare_cr = true;
			data_out(d, "\r", 1);
			d->seen = DATA_SEEN_TEXT;
			continue;
		case DATA_SEEN_TEXT: {
			const char *cr = data_next(p + i, p + len, '\r', &next_cr);
			const char *lf = data_next(p + i, p + len, '\n', &next_lf);
			size_t run = (size_t)((cr < lf ? cr : lf) - p);

			data_out(d, p + i, run - i);
			i = run;
			if (i == len)
				continue;
			if (p[i] == '\r')
				d->seen = DATA_SEEN_CR;
			else
				data_line_start(d, false);	/* a bare LF */
			i++;
			continue;
		}
		case DATA_SEEN_CR:
			if (c == '\n') {
				i++;
				data_line_start(d, true);
				continue;
			}
			d->bare_cr = true;
			data_out(d, "\r", 1);
			d->seen = DATA_SEEN_TEXT;
			continue;
		case DATA_SEEN_END:
			break;
		}
	}
	return i;
}

void
data_finish(struct data_machine *d)
{
	if (d->seen == DATA_SEEN_CR)
		d->bare_cr = true;
	d->seen = DATA_SEEN_END;
}
