/*
 * data: the DATA byte machine (RFC 5321 4.1.1.4, 4.5.2; SPEC 3).
 *
 * In a CRLF session the message ends only at CRLF "." CRLF; a bare CR or
 * LF anywhere marks it bad (SMTP smuggling), but reading goes on to the
 * real end so that nothing after a fake terminator runs as a command. In
 * an LF session (the DATA line ended in a bare LF: a typed or piped
 * transcript) lines end at LF, a CR before it dropped, and "." LF ends.
 * Dot-stuffing is undone. Output is the content with LF line ends, in
 * pieces, to emit(); the machine itself holds no more than one byte.
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

struct data_machine {
	enum data_seen	 seen;
	bool		 lf_session;
	bool		 bare_eol;	/* CRLF session: bare CR or LF seen */
	off_t		 octets;	/* content with CRLF line ends */
	/* Header tracking for the loop check: Received: lines counted. */
	bool		 in_header;
	size_t		 received;
	size_t		 prefix_len;	/* bytes of this line's start seen */
	bool		 prefix_match;	/* still matching "received:" */
	int		(*emit)(void *ctx, const char *data, size_t len);
	void		*ctx;
};

void	data_init(struct data_machine *d, bool lf_session,
	    int (*emit)(void *ctx, const char *data, size_t len), void *ctx);
/*
 * Takes bytes up to and including the terminator; returns how many it
 * took. d->seen is DATA_SEEN_END once the terminator has been taken.
 */
size_t	data_feed(struct data_machine *d, const char *p, size_t len);

#endif
