#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/io.h"
#include "common/reply.h"

static int reply_send(struct reply_writer *w, const char *p, size_t len);

void
reply_init(struct reply_writer *w, int fd, int timeout_secs)
{
	struct timeval tv = { .tv_sec = timeout_secs };

	w->fd = fd;
	w->failed = false;
	w->len = 0;
	/*
	 * A client that stops reading would block write(2) for ever; on a
	 * socket SO_SNDTIMEO bounds that. ENOTSOCK (a pipe) is expected.
	 */
	if (timeout_secs > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int
reply_send(struct reply_writer *w, const char *p, size_t len)
{
	if (io_write_all(w->fd, p, len) == -1) {
		w->failed = true;
		return -1;
	}
	return 0;
}

int
reply_flush(struct reply_writer *w)
{
	size_t len = w->len;

	if (w->failed)
		return -1;
	w->len = 0;
	return reply_send(w, w->buf, len);
}

void
reply_flush_hook(void *w)
{
	(void)reply_flush(w);
}

int
reply_write(struct reply_writer *w, const void *data, size_t len)
{
	if (w->failed)
		return -1;
	if (len > sizeof w->buf - w->len) {
		if (reply_flush(w) == -1)
			return -1;
		if (len >= sizeof w->buf)
			return reply_send(w, data, len);
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
	return 0;
}

int
reply_printf(struct reply_writer *w, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	/* Replies are short protocol lines; a longer one is a bug, cut it. */
	return reply_write(w, line,
	    (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
