/*
 * data: the DATA byte machine (RFC 5321 4.1.1.4, 4.5.2; SPEC 3).
 *
 * Lines end at CRLF or at a bare LF (normalised, as Postfix 3.9 does by
 * default, so an ordinary text file can be sent); either way the content
 * comes out with LF line ends and is counted with CRLF ones. The message
 * ends only at CRLF "." CRLF: a dot line that ends in a bare LF, or that
 * follows one, is content, so no other sequence ends it and nothing after
 * a fake end ever runs as a command (SMTP smuggling). A bare CR anywhere
 * marks the message bad; reading goes on to the real end. With lf_ends (a
 * local client whose DATA line ended in a bare LF: a typed or piped
 * transcript) any dot line ends it. Dot-stuffing is undone.
 *
 * BDAT chunks (RFC 3030) go through the same machine in counted framing:
 * line ends and bare CRs are treated alike, but a dot is only a dot and
 * nothing ends the message: the chunk sizes do, and data_finish() is
 * called after the last one.
 *
 * Output goes to emit() in pieces, text and LF line ends; counting octets
 * and headers is the receiver's business. The machine itself holds no
 * more than one byte.
 */
#ifndef SMTPD_DATA_H
#define SMTPD_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum data_seen {
	DATA_SEEN_LINE_START,	/* after a line end: a dot may come */
	DATA_SEEN_DOT,		/* "." at a line start */
	DATA_SEEN_DOT_CR,	/* "." CR at a line start */
	DATA_SEEN_TEXT,		/* inside a line */
	DATA_SEEN_CR,		/* CR inside a line (or after a stuffed dot) */
	DATA_SEEN_END,		/* the terminator: nothing more is taken */
};

enum data_framing {
	DATA_DOT_CRLF,		/* DATA: ends at CRLF "." CRLF only */
	DATA_DOT_LF,		/* DATA, a local LF session: "." LF ends it too */
	DATA_COUNTED,		/* BDAT: no terminator, no dot-stuffing */
};

struct data_machine {
	enum data_seen	 seen;
	enum data_framing framing;
	bool		 after_crlf;	/* this line began after a CRLF */
	bool		 bare_cr;	/* a CR not followed by LF was seen */
	void		(*emit)(void *ctx, const char *data, size_t len);
	void		*ctx;
};

/* Starts a message in framing; emit gets the content as it comes. */
void	data_init(struct data_machine *d, enum data_framing framing,
	    void (*emit)(void *ctx, const char *data, size_t len), void *ctx);
/*
 * Takes bytes up to and including the terminator; returns how many it
 * took. d->seen is DATA_SEEN_END once the terminator has been taken
 * (never in counted framing: it takes all it is given).
 */
size_t	data_feed(struct data_machine *d, const char *p, size_t len);
/* Counted framing, after the last chunk: a CR left pending was bare. */
void	data_finish(struct data_machine *d);

#endif
