/*
 * The DATA byte machine, one row per input: where the message ends, what
 * is delivered, whether a bare CR was seen. Each row is fed whole
 * and one byte at a time. Octets are what the message sink counts: the
 * content with each LF as CRLF. Counted rows (BDAT) are ended by
 * data_finish() after their input.
 */
#include <string.h>

#include "smtpd/data.h"
#include "unit.h"

#define DOTS	DATA_DOT_CRLF
#define LF_DOTS	DATA_DOT_LF
#define COUNTED	DATA_COUNTED

static const struct {
	const char	*why;
	enum data_framing framing;
	const char	*input;
	const char	*content;	/* NULL: never ends */
	size_t		 taken;		/* bytes up to the terminator */
	bool		 bare_cr;
	long		 octets;
} rows[] = {
	{ "plain CRLF message", DOTS, "a\r\nb\r\n.\r\nQUIT\r\n", "a\nb\n", 9,
	    false, 6 },
	{ "empty message", DOTS, ".\r\n", "", 3, false, 0 },
	{ "dot-stuffing undone", DOTS, "..x\r\n..\r\n.\r\n", ".x\n.\n", 12,
	    false, 7 },
	{ "a dot inside a line is content", DOTS, "a.b\r\n.\r\n", "a.b\n", 8,
	    false, 5 },
	{ "8-bit and NUL", DOTS, "\xe9\0\r\n.\r\n", "\xe9\0\n", 7, false, 4 },
	{ "no final CRLF before the dot is impossible: .\\r\\n ends only lines",
	    false, "a.\r\n.\r\n", "a.\n", 7, false, 4 },
	/* bare LF: a line end, counted as CRLF (an ordinary text file) */
	{ "a bare LF ends a line", DOTS, "a\nb\r\n.\r\n", "a\nb\n", 8, false,
	    6 },
	{ "a text file, then curl's CRLF . CRLF", DOTS, "x\ny\n\r\n.\r\n",
	    "x\ny\n\n", 9, false, 8 },
	{ "dot-stuffing after a bare LF", DOTS, "a\n..x\r\n.\r\n", "a\n.x\n", 10,
	    false, 7 },
	{ "a dot line after a bare LF is content", DOTS, "a\n.\r\n.\r\n",
	    "a\n.\n", 8, false, 6 },
	{ "a dot line ending in a bare LF is content", DOTS, "a\r\n.\nb\r\n.\r\n",
	    "a\n.\nb\n", 11, false, 9 },
	{ "a bare CR is refused", DOTS, "a\rb\r\n.\r\n", "a\rb\n", 8, true, 0 },
	/* SMTP smuggling: none of these ends the message */
	{ "smuggling \\n.\\n", DOTS, "a\n.\nMAIL FROM:<x@y>\r\n", NULL, 0,
	    false, 0 },
	{ "smuggling \\n.\\r\\n", DOTS, "a\n.\r\nMAIL FROM:<x@y>\r\n", NULL,
	    0, false, 0 },
	{ "smuggling \\r.\\r", DOTS, "a\r.\rMAIL FROM:<x@y>\r\n", NULL, 0,
	    true, 0 },
	{ "smuggling \\r\\n.\\r", DOTS, "a\r\n.\rMAIL FROM:<x@y>\r\n", NULL,
	    0, true, 0 },
	{ "smuggling \\r\\n.\\n", DOTS, "a\r\n.\nMAIL FROM:<x@y>\r\n", NULL,
	    0, false, 0 },
	{ "smuggling \\r.\\r\\n", DOTS, "a\r.\r\nMAIL FROM:<x@y>\r\n", NULL,
	    0, true, 0 },
	{ "smuggled, then the real end", DOTS, "a\n.\nb\r\n.\r\n", "a\n.\nb\n",
	    10, false, 9 },
	/* a local client's LF session: a typed or piped transcript */
	{ "LF session", LF_DOTS, "a\nb\n.\nQUIT\n", "a\nb\n", 6, false, 6 },
	{ "LF session takes CRLF lines too", LF_DOTS, "a\r\n.\r\n", "a\n", 6,
	    false, 3 },
	{ "LF session: a lone CR is still refused", LF_DOTS, "a\rb\n.\n", "a\rb\n",
	    6, true, 0 },
	{ "LF session: dot-stuffing", LF_DOTS, "..\n.\n", ".\n", 5, false, 3 },
	/* BDAT: counted, so a dot is just a dot and nothing ends it early */
	{ "counted: dots are content", COUNTED, "a\r\n.\r\n..\r\nb",
	    "a\n.\n..\nb", 11, false, 11 },
	{ "counted: a bare LF ends a line", COUNTED, "a\nb\r\n", "a\nb\n",
	    5, false, 6 },
	{ "counted: a bare CR is refused", COUNTED, "a\rb\r\n", "a\rb\n",
	    5, true, 0 },
	{ "counted: a CR at the very end is bare", COUNTED, "a\r\nb\r",
	    "a\nb", 5, true, 0 },
};

struct sink {
	char	data[256];
	size_t	len;
};

static void
sink_add(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	if (s->len + len <= sizeof s->data) {
		memcpy(s->data + s->len, data, len);
		s->len += len;
	}
}

/* As message.c counts them (SPEC 3): each LF stands for CRLF. */
static long
sink_octets(const struct sink *s)
{
	long n = (long)s->len;

	for (size_t i = 0; i < s->len; i++)
		n += s->data[i] == '\n';
	return n;
}

int
main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = strlen(rows[i].input);

		/* the 8-bit row has a NUL, so strlen cannot size it */
		bool nul_row = strcmp(rows[i].why, "8-bit and NUL") == 0;

		if (nul_row)
			len = 7;
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			struct data_machine d;
			struct sink s = { .len = 0 };
			size_t taken = 0;

			data_init(&d, rows[i].framing, sink_add, &s);
			if (bytewise)
				while (taken < len && d.seen != DATA_SEEN_END)
					taken += data_feed(&d, rows[i].input + taken, 1);
			else
				taken = data_feed(&d, rows[i].input, len);
			if (rows[i].framing == DATA_COUNTED)
				data_finish(&d);
			if (rows[i].content == NULL) {
				CHECK(d.seen != DATA_SEEN_END && taken == len,
				    "%s: must not end", rows[i].why);
			} else {
				size_t clen = nul_row ? 3 :
				    strlen(rows[i].content);

				CHECK(d.seen == DATA_SEEN_END &&
				    taken == rows[i].taken && s.len == clen &&
				    memcmp(s.data, rows[i].content, clen) == 0,
				    "%s (bytewise=%d): taken %zu", rows[i].why,
				    bytewise, taken);
				if (!rows[i].bare_cr)
					CHECK(sink_octets(&s) == rows[i].octets,
					    "%s: octets %ld", rows[i].why,
					    sink_octets(&s));
			}
			CHECK(d.bare_cr == rows[i].bare_cr, "%s: bare_cr %d",
			    rows[i].why, d.bare_cr);
		}
	}
	return UNIT_DONE();
}
