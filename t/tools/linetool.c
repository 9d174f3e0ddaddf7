/*
 * linetool: a tiny session over common/line and common/reply, for tests
 * of pipelining, over-long lines and timeouts through real pipes.
 *
 *   linetool MAX IDLE_SECS
 *
 * Answers each line with "OK CRLF|LF|NONE LEN TEXT" (TEXT escaped), an
 * over-long line with "TOOLONG", and ends with "EOF" or "TIMEOUT". After a
 * line "DATA" it reads raw bytes with line_peek() until a line ".", then
 * answers "DATA LEN": the switch must lose no pipelined byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/line.h"
#include "common/log.h"
#include "common/reply.h"

static struct line_reader reader;
static struct reply_writer writer;

static size_t read_data(void);

/* Counts data bytes up to a line "." (LF or CRLF ended). */
static size_t
read_data(void)
{
	size_t total = 0, cur = 0;	/* cur: bytes of this line so far */
	bool dot = false;		/* this line so far is "." or ".\r" */
	const char *p;
	ssize_t n;

	while ((n = line_peek(&reader, &p)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (p[i] == '\n') {
				if (dot) {
					line_consume(&reader, (size_t)i + 1);
					return total;
				}
				total += cur + 1;
				cur = 0;
				continue;
			}
			cur++;
			dot = (cur == 1 && p[i] == '.') ||
			    (cur == 2 && dot && p[i] == '\r');
		}
		line_consume(&reader, (size_t)n);
	}
	return total + cur;
}

int
main(int argc, char **argv)
{
	static const char *ends[] = { "CRLF", "LF", "NONE" };
	char line[LINE_BUF_SIZE], text[4 * LINE_BUF_SIZE];
	size_t max, len;
	enum line_end end;

	if (argc != 3)
		return 64;
	max = (size_t)atol(argv[1]);
	log_open("linetool");
	log_set_stderr(true);
	line_init(&reader, 0, atoi(argv[2]));
	reply_init(&writer, 1, atoi(argv[2]));
	reader.before_block = reply_flush_hook;
	reader.before_block_arg = &writer;
	for (;;) {
		switch (line_read(&reader, line, max, &len, &end)) {
		case LINE_OK:
			if (strcmp(line, "DATA") == 0) {
				reply_printf(&writer, "DATA %zu\n", read_data());
				break;
			}
			log_escape(text, sizeof text, line, len);
			reply_printf(&writer, "OK %s %zu %s\n", ends[end], len,
			    text);
			break;
		case LINE_TOOLONG:
			reply_printf(&writer, "TOOLONG\n");
			break;
		case LINE_EOF:
			reply_printf(&writer, "EOF\n");
			return reply_flush(&writer) == 0 ? 0 : 74;
		case LINE_TIMEOUT:
			reply_printf(&writer, "TIMEOUT\n");
			return reply_flush(&writer) == 0 ? 0 : 74;
		case LINE_ERROR:
			return 74;
		}
	}
}
