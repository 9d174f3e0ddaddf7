/* The check of a content filter's header lines, one row per output. */
#include <string.h>

#include "smtpd/headers.h"
#include "unit.h"

static const struct {
	const char	*input;
	const char	*fault;		/* NULL: taken */
	const char	*output;	/* what it becomes when taken */
} rows[] = {
	{ "", NULL, "" },
	{ "X-A: 1\n", NULL, "X-A: 1\n" },
	{ "X-A: 1", NULL, "X-A: 1\n" },
	{ "X-A: 1\r\nX-B: 2\r\n", NULL, "X-A: 1\nX-B: 2\n" },
	{ "X-A: 1\r\n\tfolded\r\n more\n", NULL, "X-A: 1\n\tfolded\n more\n" },
	{ "X-Spam-Level: \n", NULL, "X-Spam-Level: \n" },
	{ "X-A:\n", NULL, "X-A:\n" },
	{ "X-A:no-space\n", NULL, "X-A:no-space\n" },
	{ "X-A: caf\xc3\xa9\n", NULL, "X-A: caf\xc3\xa9\n" },
	{ "X-A: a\tb\n", NULL, "X-A: a\tb\n" },
	{ "!#$%&'*+-.^_`|~: odd but legal\n", NULL,
	    "!#$%&'*+-.^_`|~: odd but legal\n" },
	/* the empty line would end the header: what follows turns body */
	{ "X-A: 1\n\nX-B: 2\n", "an empty line", NULL },
	{ "X-A: 1\n\n", "an empty line", NULL },
	{ "\n", "an empty line", NULL },
	{ "X-A: 1\r\n\r\n", "an empty line", NULL },
	{ "\tfolded\n", "a folded line before any field", NULL },
	{ "X-A: 1\n \t \n", "a line of white space", NULL },
	{ "X-A: 1\n  ", "a line of white space", NULL },
	{ "not a header\n", "a line that is not a header field", NULL },
	{ "From evil@x.example Mon Nov 30\n",
	    "a line that is not a header field", NULL },
	{ "X-A 1\n", "a line that is not a header field", NULL },
	{ "X A: 1\n", "a line that is not a header field", NULL },
	{ ": no name\n", "a line that is not a header field", NULL },
	{ "X-\xc3\xa9: 1\n", "a line that is not a header field", NULL },
	{ "X-A\x01: 1\n", "a line that is not a header field", NULL },
	{ "X-A: a\x01" "b\n", "a control character", NULL },
	{ "X-A: a\rb\n", "a control character", NULL },
	{ "X-A: a\x7f\n", "a control character", NULL },
	{ "X-A: 1\n\tb\x1b[2J\n", "a control character", NULL },
	{ "X-A: 1\r\r\n", "a control character", NULL },
};

int
main(void)
{
	char buf[2048];

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = strlen(rows[i].input);
		const char *fault;

		memcpy(buf, rows[i].input, len);
		fault = header_lines_fault(buf, &len);
		if (rows[i].fault == NULL) {
			CHECK(fault == NULL, "row %zu: refused (%s)", i, fault);
			CHECK(fault != NULL || (len == strlen(rows[i].output) &&
			    memcmp(buf, rows[i].output, len) == 0),
			    "row %zu: became %.*s", i, (int)len, buf);
		} else {
			CHECK(fault != NULL && strcmp(fault, rows[i].fault) == 0,
			    "row %zu: %s, not %s", i, fault ? fault : "taken",
			    rows[i].fault);
		}
	}
	/* HEADER_LINE_MAX characters, CR LF not counted; one more refused */
	for (size_t n = HEADER_LINE_MAX; n <= HEADER_LINE_MAX + 1; n++) {
		size_t len = n + 2;
		const char *fault;

		memset(buf, 'v', n);
		memcpy(buf, "X-A:", 4);
		memcpy(buf + n, "\r\n", 2);
		fault = header_lines_fault(buf, &len);
		CHECK((fault == NULL) == (n == HEADER_LINE_MAX),
		    "a line of %zu: %s", n, fault ? fault : "taken");
	}
	return UNIT_DONE();
}
