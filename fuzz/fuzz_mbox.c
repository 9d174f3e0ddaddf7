/*
 * The mbox scanner and reader on any file: every message read back in
 * CRLF form is exactly the size the scan counted, TOP never sends more,
 * and the ids are unique.
 */
#include "fuzz/fuzz.h"
#include "spool/spool.h"

static int
count_sink(void *ctx, const char *data, size_t len, bool line_start)
{
	(void)data;
	(void)line_start;
	*(off_t *)ctx += (off_t)len;
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
		off_t whole = 0, top = 0;

		if (spool_read(&b, i, -1, SPOOL_EOL_CRLF, count_sink, &whole) !=
		    SPOOL_OK || whole != b.msgs[i].size ||
		    spool_read(&b, i, 2, SPOOL_EOL_CRLF, count_sink, &top) !=
		    SPOOL_OK || top > whole)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(b.msgs[i].uid, b.msgs[j].uid) == 0)
				abort();
	}
	spool_close(&b);
	return 0;
}
