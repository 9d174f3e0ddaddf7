/*
 * The DATA/BDAT byte machine (smtpd/data.h) in each framing: fed whole or
 * cut into pieces wherever the input says, it takes the same bytes, ends
 * at the same place, emits the same text and finds the same bare CR; unless
 * a bare CR was seen (the message is refused then) the text has no CR
 * before an LF, and in counted framing every byte is taken. The first byte picks the framing and the cuts.
 */
#include <stdbool.h>

#include "fuzz/fuzz.h"
#include "smtpd/data.h"

struct out {
	char	*buf;
	size_t	 len;
};

static void
take(void *ctx, const char *data, size_t len)
{
	struct out *o = ctx;

	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

/* Feeds p in pieces of 1 + (cut bits) bytes; returns bytes taken. */
static size_t
run(enum data_framing framing, const uint8_t *p, size_t len, unsigned cut,
    struct out *o, bool *bare_cr, enum data_seen *seen)
{
	struct data_machine d;
	size_t taken = 0, off = 0;

	data_init(&d, framing, take, o);
	while (off < len && d.seen != DATA_SEEN_END) {
		size_t piece = cut == 0 ? len - off : 1 + (off * 7 + cut) % (cut + 1);

		if (piece > len - off)
			piece = len - off;
		size_t n = data_feed(&d, (const char *)p + off, piece);

		taken += n;
		if (n < piece)
			break;
		off += piece;
	}
	if (framing == DATA_COUNTED)
		data_finish(&d);
	*bare_cr = d.bare_cr;
	*seen = d.seen;
	return taken;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole, cut;
	enum data_framing framing;
	enum data_seen seen_whole, seen_cut;
	bool cr_whole, cr_cut;
	size_t t_whole, t_cut;

	if (size < 1)
		return 0;
	framing = (enum data_framing)(data[0] % 3);
	whole.buf = malloc(size + 1);
	cut.buf = malloc(size + 1);
	if (whole.buf == NULL || cut.buf == NULL)
		abort();
	whole.len = cut.len = 0;
	t_whole = run(framing, data + 1, size - 1, 0, &whole, &cr_whole,
	    &seen_whole);
	t_cut = run(framing, data + 1, size - 1, 1u + data[0] / 3 % 16, &cut,
	    &cr_cut, &seen_cut);
	if (t_whole != t_cut || cr_whole != cr_cut || seen_whole != seen_cut ||
	    whole.len != cut.len || memcmp(whole.buf, cut.buf, whole.len) != 0)
		abort();
	if (whole.len > t_whole + 1 ||
	    (framing == DATA_COUNTED && t_whole != size - 1))
		abort();
	for (size_t i = 0; !cr_whole && i + 1 < whole.len; i++)
		if (whole.buf[i] == '\r' && whole.buf[i + 1] == '\n')
			abort();
	free(whole.buf);
	free(cut.buf);
	return 0;
}
