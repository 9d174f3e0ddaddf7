/*
 * The mbox scanner and reader on any file: every message read back in
 * CRLF form is exactly the size the scan counted, the POP3 form is that
 * plus one '.' per line that starts with one, TOP never sends more, and
 * the ids are unique.
 */
#include "fuzz/fuzz.h"
#include "spool/spool.h"

static int
count_sink(void *ctx, const char *data, size_t len)
{
	(void)data;
	*(off_t *)ctx += (off_t)len;
	return 0;
}

struct dot_count {
	off_t	bytes;
	off_t	dot_lines;
	bool	mid_line;	/* the last byte seen was no LF */
};

static int
dot_count_sink(void *ctx, const char *data, size_t len)
{
	struct dot_count *c = ctx;

	c->bytes += (off_t)len;
	for (size_t i = 0; i < len; i++) {
		c->dot_lines += !c->mid_line && data[i] == '.';
		c->mid_line = data[i] != '\n';
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_box b;

	(void)fuzz_file("box", data, size);
	if (spool_open(&b, fuzz_dir(), "box", 1, 1000) != SPOOL_OK)
		return 0;
	if (spool_uids(&b) != SPOOL_OK)
		abort();
	for (size_t i = 0; i < b.count; i++) {
		off_t top = 0, stuffed = 0;
		struct dot_count crlf = { 0 };

		if (spool_read(&b, i, -1, SPOOL_EOL_CRLF, dot_count_sink,
		    &crlf) != SPOOL_OK || crlf.bytes != b.msgs[i].size ||
		    spool_read(&b, i, -1, SPOOL_EOL_DOTS, count_sink,
		    &stuffed) != SPOOL_OK ||
		    stuffed != crlf.bytes + crlf.dot_lines ||
		    spool_read(&b, i, 2, SPOOL_EOL_CRLF, count_sink, &top) !=
		    SPOOL_OK || top > crlf.bytes)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(b.msgs[i].uid, b.msgs[j].uid) == 0)
				abort();
	}
	spool_close(&b);
	return 0;
}
