/*
 * line: the one buffered reader on fd 0 for commands, AUTH continuations
 * and message data alike, so no pipelined byte is lost when a session
 * changes phase.
 *
 * line_read() returns one line and how it ended. A line longer than the
 * caller's maximum is reported once (LINE_TOOLONG) and its rest dropped up
 * to the LF without being stored; its tail never reads as a new line.
 * line_peek()/line_consume() give the same buffer to a byte machine (DATA).
 * Before any read(2) that may block, before_block is called, so a reply
 * writer can flush what it batched while pipelined input was buffered.
 * Waits are bounded by idle_secs with poll(2), per line rather than per
 * read: the clock starts at the first wait after the last LF arrived and
 * stops at the next LF, so a client that trickles a byte at a time (a
 * slowloris) is cut off after idle_secs just like a silent one, as
 * Postfix's smtpd_per_record_deadline does.
 */
#ifndef COMMON_LINE_H
#define COMMON_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "common/deadline.h"

/* Internal buffer; every maximum passed to line_read() must fit in it. */
#define LINE_BUF_SIZE	16384

enum line_status {
	LINE_OK,	/* a line is in dst */
	LINE_TOOLONG,	/* a line over max was read and dropped */
	LINE_EOF,	/* end of input, nothing pending */
	LINE_TIMEOUT,	/* nothing arrived for idle_secs */
	LINE_ERROR,	/* read(2) or poll(2) failed; errno says why */
};

enum line_end {
	LINE_END_CRLF,
	LINE_END_LF,	/* a bare LF (typed or piped transcripts) */
	LINE_END_NONE,	/* the last line of the input had no LF */
};

struct line_reader {
	int	 fd;
	int	 idle_secs;		/* 0: wait for ever */
	void	(*before_block)(void *arg);
	void	*before_block_arg;
	size_t	 start;			/* first unread byte in buf */
	size_t	 end;			/* one past the last byte in buf */
	bool	 eof;
	bool	 deadline_set;		/* a line is under way: deadline counts */
	struct deadline deadline;	/* when the line under way times out */
	/* When line_read() last returned a line: failed logins are
	   answered a fixed time after it (common/sasl.h). */
	struct deadline line_at;
	char	 buf[LINE_BUF_SIZE];
};

/* Reads fd, waiting at most idle_secs for a line (0: for ever). */
void	line_init(struct line_reader *r, int fd, int idle_secs);

/*
 * Reads one line of at most max bytes including its terminator into dst,
 * which has room for max bytes; dst is NUL-terminated without the
 * terminator and *lenp is its length (a NUL inside the line is kept, so
 * compare *lenp with strlen to find one). Requires 2 <= max <= LINE_BUF_SIZE.
 */
enum line_status line_read(struct line_reader *r, char *dst, size_t max,
	    size_t *lenp, enum line_end *endp);

/*
 * Makes at least one byte available unless at end of input: returns the
 * number of buffered bytes and points *p at them; 0 at end of input; -1 on
 * error or timeout (errno ETIMEDOUT). Bytes stay until line_consume().
 */
ssize_t	line_peek(struct line_reader *r, const char **p);
void	line_consume(struct line_reader *r, size_t n);

#endif
