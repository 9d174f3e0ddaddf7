/*
 * The line reader, one row per input, each fed through a pipe whole and
 * one byte per write(2): results must not depend on how bytes arrive.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/line.h"
#include "unit.h"

static const struct {
	const char	*why;
	const char	*input;
	size_t		 input_len;	/* 0: strlen(input) */
	size_t		 max;
	const char	*trace;
} rows[] = {
	{ "CRLF and bare LF lines", "HELO a\r\nNOOP\n", 0, 16,
	    "OK CRLF HELO a|OK LF NOOP|EOF" },
	{ "empty lines", "\r\n\n", 0, 16, "OK CRLF |OK LF |EOF" },
	{ "last line without LF", "QUIT", 0, 16, "OK NONE QUIT|EOF" },
	{ "a lone CR is content", "a\rb\r\n", 0, 16, "OK CRLF a\\rb|EOF" },
	{ "CR CR LF keeps one CR", "a\r\r\n", 0, 16, "OK CRLF a\\r|EOF" },
	/* max counts the terminator: 6 bytes + CRLF = 8 fits, 9 does not */
	{ "exactly max with CRLF", "123456\r\n", 0, 8, "OK CRLF 123456|EOF" },
	{ "one over max with CRLF", "1234567\r\nok\r\n", 0, 8,
	    "TOOLONG|OK CRLF ok|EOF" },
	{ "exactly max with LF", "1234567\n", 0, 8, "OK LF 1234567|EOF" },
	{ "far over max: one report, tail never a command",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxQUIT\r\nNOOP\r\n", 0, 8,
	    "TOOLONG|OK CRLF NOOP|EOF" },
	{ "over-long last line without LF", "1234567890", 0, 8, "TOOLONG|EOF" },
	{ "NUL is kept and counted", "a\0b\r\n", 5, 16, "OK CRLF a\\0b|EOF" },
	{ "empty input", "", 0, 16, "EOF" },
};

static void
trace_add(char *trace, size_t size, const char *item)
{
	if (trace[0] != '\0')
		strncat(trace, "|", size - strlen(trace) - 1);
	strncat(trace, item, size - strlen(trace) - 1);
}

static void
run(const char *input, size_t len, size_t max, size_t piece, char *trace,
    size_t size)
{
	static const char *ends[] = { "CRLF", "LF", "NONE" };
	static struct line_reader r;
	char line[LINE_BUF_SIZE], item[256];
	int fds[2];
	pid_t pid;

	trace[0] = '\0';
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		abort();
	if (pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < len; off += piece)
			if (write(fds[1], input + off,
			    len - off < piece ? len - off : piece) < 0)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	line_init(&r, fds[0], 5);
	for (;;) {
		size_t n, o = 0;
		enum line_end end;
		enum line_status st = line_read(&r, line, max, &n, &end);

		if (st == LINE_EOF || st == LINE_ERROR || st == LINE_TIMEOUT) {
			trace_add(trace, size, st == LINE_EOF ? "EOF" : "ERROR");
			break;
		}
		if (st == LINE_TOOLONG) {
			trace_add(trace, size, "TOOLONG");
			continue;
		}
		o = (size_t)snprintf(item, sizeof item, "OK %s ", ends[end]);
		for (size_t i = 0; i < n && o + 3 < sizeof item; i++) {
			if (line[i] == '\r' || line[i] == '\0') {
				item[o++] = '\\';
				item[o++] = line[i] == '\r' ? 'r' : '0';
			} else {
				item[o++] = line[i];
			}
		}
		item[o] = '\0';
		trace_add(trace, size, item);
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	char trace[1024];

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = rows[i].input_len ? rows[i].input_len :
		    strlen(rows[i].input);

		run(rows[i].input, len, rows[i].max, len ? len : 1, trace,
		    sizeof trace);
		CHECK(strcmp(trace, rows[i].trace) == 0, "%s (whole): got %s",
		    rows[i].why, trace);
		run(rows[i].input, len, rows[i].max, 1, trace, sizeof trace);
		CHECK(strcmp(trace, rows[i].trace) == 0, "%s (bytewise): got %s",
		    rows[i].why, trace);
	}
	return UNIT_DONE();
}
