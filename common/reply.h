/*
 * reply: the buffered writer on fd 1.
 *
 * Replies wait in the buffer; nothing flushes per reply. The line reader
 * calls reply_flush_hook() just before it would block, so a pipelined
 * session costs few write(2)s and an interactive client never waits.
 * Short writes and EINTR are retried. A failed write (the client went
 * away, or did not read for timeout_secs) makes the writer sticky-failed:
 * later calls return -1 at once and the session should end.
 */
#ifndef COMMON_REPLY_H
#define COMMON_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define REPLY_BUF_SIZE	16384

struct reply_writer {
	int	 fd;
	bool	 failed;
	size_t	 len;			/* bytes waiting in buf */
	char	 buf[REPLY_BUF_SIZE];
};

/* Sets a send timeout on fd when it is a socket (a pipe has none). */
void	reply_init(struct reply_writer *w, int fd, int timeout_secs);
/* Each returns 0, or -1 once the writer has failed (errno from write). */
int	reply_write(struct reply_writer *w, const void *data, size_t len);
int	reply_printf(struct reply_writer *w, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	reply_flush(struct reply_writer *w);
/* reply_flush() with the signature of line_reader.before_block. */
void	reply_flush_hook(void *w);

#endif
