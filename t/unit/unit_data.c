/*
 * The DATA byte machine, one row per input: where the message ends, what
 * is delivered, whether a bare CR was seen. Each row is fed whole
 * and one byte at a time.
 */
#include <string.h>

#include "smtpd/data.h"
#include "unit.h"

static const struct {
	const char	*why;
	bool		 lf_ends;
	const char	*input;
	const char	*content;	/* NULL: never ends */
	size_t		 taken;		/* bytes up to the terminator */
	bool		 bare_cr;
	long		 octets;
} rows[] = {
	{ "plain CRLF message", false, "a\r\nb\r\n.\r\nQUIT\r\n", "a\nb\n", 9,
	    false, 6 },
	{ "empty message", false, ".\r\n", "", 3, false, 0 },
	{ "dot-stuffing undone", false, "..x\r\n..\r\n.\r\n", ".x\n.\n", 12,
	    false, 7 },
	{ "a dot inside a line is content", false, "a.b\r\n.\r\n", "a.b\n", 8,
	    false, 5 },
	{ "8-bit and NUL", false, "\xe9\0\r\n.\r\n", "\xe9\0\n", 7, false, 4 },
	{ "no final CRLF before the dot is impossible: .\\r\\n ends only lines",
	    false, "a.\r\n.\r\n", "a.\n", 7, false, 4 },
	/* bare LF: a line end, counted as CRLF (an ordinary text file) */
	{ "a bare LF ends a line", false, "a\nb\r\n.\r\n", "a\nb\n", 8, false,
	    6 },
	{ "a text file, then curl's CRLF . CRLF", false, "x\ny\n\r\n.\r\n",
	    "x\ny\n\n", 9, false, 8 },
	{ "dot-stuffing after a bare LF", false, "a\n..x\r\n.\r\n", "a\n.x\n", 10,
	    false, 7 },
	{ "a dot line after a bare LF is content", false, "a\n.\r\n.\r\n",
	    "a\n.\n", 8, false, 6 },
	{ "a dot line ending in a bare LF is content", false, "a\r\n.\nb\r\n.\r\n",
	    "a\n.\nb\n", 11, false, 9 },
	{ "a bare CR is refused", false, "a\rb\r\n.\r\n", "a\rb\n", 8, true, 0 },
	/* SMTP smuggling: none of these ends the message */
	{ "smuggling \\n.\\n", false, "a\n.\nMAIL FROM:<x@y>\r\n", NULL, 0,
	    false, 0 },
	{ "smuggling \\n.\\r\\n", false, "a\n.\r\nMAIL FROM:<x@y>\r\n", NULL,
	    0, false, 0 },
	{ "smuggling \\r.\\r", false, "a\r.\rMAIL FROM:<x@y>\r\n", NULL, 0,
	    true, 0 },
	{ "smuggling \\r\\n.\\r", false, "a\r\n.\rMAIL FROM:<x@y>\r\n", NULL,
	    0, true, 0 },
	{ "smuggling \\r\\n.\\n", false, "a\r\n.\nMAIL FROM:<x@y>\r\n", NULL,
	    0, false, 0 },
	{ "smuggling \\r.\\r\\n", false, "a\r.\r\nMAIL FROM:<x@y>\r\n", NULL,
	    0, true, 0 },
	{ "smuggled, then the real end", false, "a\n.\nb\r\n.\r\n", "a\n.\nb\n",
	    10, false, 9 },
	/* a local client's LF session: a typed or piped transcript */
	{ "LF session", true, "a\nb\n.\nQUIT\n", "a\nb\n", 6, false, 6 },
	{ "LF session takes CRLF lines too", true, "a\r\n.\r\n", "a\n", 6,
	    false, 3 },
	{ "LF session: a lone CR is still refused", true, "a\rb\n.\n", "a\rb\n",
	    6, true, 0 },
	{ "LF session: dot-stuffing", true, "..\n.\n", ".\n", 5, false, 3 },
};

struct sink {
	char	data[256];
	size_t	len;
};

static int
sink_add(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	if (s->len + len <= sizeof s->data) {
		memcpy(s->data + s->len, data, len);
		s->len += len;
	}
	return 0;
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

			data_init(&d, rows[i].lf_ends, sink_add, &s);
			if (bytewise)
				while (taken < len && d.seen != DATA_SEEN_END)
					taken += data_feed(&d, rows[i].input + taken, 1);
			else
				taken = data_feed(&d, rows[i].input, len);
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
					CHECK(d.octets == rows[i].octets,
					    "%s: octets %ld", rows[i].why,
					    (long)d.octets);
			}
			CHECK(d.bare_cr == rows[i].bare_cr, "%s: bare_cr %d",
			    rows[i].why, d.bare_cr);
		}
	}
	/* Received: lines in the header are counted, not in the body. */
	{
		const char *msg = "Received: a\r\nRECEIVED: b\r\nX: c\r\n"
		    "Received-SPF: d\r\n\r\nReceived: body\r\n.\r\n";
		struct data_machine d;
		struct sink s = { .len = 0 };

		data_init(&d, false, sink_add, &s);
		data_feed(&d, msg, strlen(msg));
		CHECK(d.received == 2, "received counted %zu, want 2",
		    d.received);
	}
	return UNIT_DONE();
}
