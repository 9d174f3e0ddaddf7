#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/line.h"

static enum line_status line_fill(struct line_reader *r);
static int line_wait(struct line_reader *r);
static enum line_status line_take(struct line_reader *r, char *dst,
	    size_t max, size_t *lenp, enum line_end *endp);

void
line_init(struct line_reader *r, int fd, int idle_secs)
{
	r->fd = fd;
	r->idle_secs = idle_secs;
	r->before_block = NULL;
	r->before_block_arg = NULL;
	r->start = r->end = 0;
	r->eof = false;
	r->deadline_set = false;
}

/*
 * Waits until fd is readable: 0, or -1 with errno (ETIMEDOUT when the line
 * under way has had idle_secs). The deadline is set at the first wait of a
 * line and cleared by line_fill() when an LF arrives.
 */
static int
line_wait(struct line_reader *r)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	int ms = -1;

	if (r->idle_secs > 0 && !r->deadline_set) {
		r->deadline = deadline_in(r->idle_secs * 1000L);
		r->deadline_set = true;
	}
	for (;;) {
		if (r->idle_secs > 0 &&
		    (ms = deadline_left_ms(r->deadline, INT_MAX)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		int n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Moves unread bytes to the front and reads more after them. */
static enum line_status
line_fill(struct line_reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->before_block != NULL)
		r->before_block(r->before_block_arg);
	for (;;) {
		if (line_wait(r) == -1)
			return errno == ETIMEDOUT ? LINE_TIMEOUT : LINE_ERROR;
		n = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
		if (n > 0) {
			if (memchr(r->buf + r->end, '\n', (size_t)n) != NULL)
				r->deadline_set = false;
			r->end += (size_t)n;
			return LINE_OK;
		}
		if (n == 0) {
			r->eof = true;
			return LINE_OK;
		}
		if (errno != EINTR && errno != EAGAIN)
			return LINE_ERROR;
	}
}

static enum line_status
line_take(struct line_reader *r, char *dst, size_t max, size_t *lenp,
    enum line_end *endp)
{
	bool dropping = false;	/* inside a line already known to be over max */

	for (;;) {
		char *p = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(p, '\n', dropping || avail < max ? avail : max);

		if (nl != NULL) {
			size_t len = (size_t)(nl - p);

			r->start += len + 1;
			if (dropping)
				return LINE_TOOLONG;
			*endp = LINE_END_LF;
			if (len > 0 && p[len - 1] == '\r') {
				len--;
				*endp = LINE_END_CRLF;
			}
			memcpy(dst, p, len);
			dst[len] = '\0';
			*lenp = len;
			return LINE_OK;
		}
		if (!dropping && avail >= max) {
			/* Over max: look for its end in what follows, unstored. */
			dropping = true;
			r->start += max;
			continue;
		}
		if (dropping)
			r->start = r->end;
		if (r->eof) {
			if (dropping)
				return LINE_TOOLONG;
			if (avail == 0)
				return LINE_EOF;
			memcpy(dst, p, avail);
			dst[avail] = '\0';
			*lenp = avail;
			*endp = LINE_END_NONE;
			r->start = r->end;
			return LINE_OK;
		}
		enum line_status st = line_fill(r);
		if (st != LINE_OK)
			return st;
	}
}

ssize_t
line_peek(struct line_reader *r, const char **p)
{
	if (r->start == r->end && !r->eof) {
		enum line_status st = line_fill(r);

		if (st == LINE_TIMEOUT)
			errno = ETIMEDOUT;
		if (st != LINE_OK)
			return -1;
	}
	*p = r->buf + r->start;
	return (ssize_t)(r->end - r->start);
}

void
line_consume(struct line_reader *r, size_t n)
{
	r->start += n < r->end - r->start ? n : r->end - r->start;
}

enum line_status
line_read(struct line_reader *r, char *dst, size_t max, size_t *lenp,
    enum line_end *endp)
{
	enum line_status st = line_take(r, dst, max, lenp, endp);

	if (st == LINE_OK || st == LINE_TOOLONG)
		r->line_at = deadline_in(0);
	return st;
}
