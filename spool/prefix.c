/*
 * The line-start machine for ^>*From  lines. Writer, scanner and reader
 * all run it, so quoting, sizes and unquoting agree on every byte, however
 * the input is cut into pieces.
 */
#include "spool/internal.h"

static const char spool_from[] = "From ";
#define SPOOL_FROM_LEN	(sizeof spool_from - 1)

enum spool_prefix
spool_prefix_feed(struct spool_prefix_state *s, char c)
{
	if (s->matched == 0 && c == '>') {
		s->gts++;
		return SPOOL_PREFIX_MORE;
	}
	if (c != spool_from[s->matched])
		return SPOOL_PREFIX_PLAIN;
	if (++s->matched < SPOOL_FROM_LEN)
		return SPOOL_PREFIX_MORE;
	return s->gts == 0 ? SPOOL_PREFIX_FROM : SPOOL_PREFIX_QUOTED;
}

int
spool_prefix_emit(const struct spool_prefix_state *s, int extra_gts,
    int (*emit)(void *ctx, const char *data, size_t len), void *ctx)
{
	static const char gts[] = ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";
	size_t left = s->gts;

	if (extra_gts > 0)
		left += (size_t)extra_gts;
	else if (extra_gts < 0 && left > 0)
		left--;
	while (left > 0) {
		size_t n = left < sizeof gts - 1 ? left : sizeof gts - 1;

		if (emit(ctx, gts, n) == -1)
			return -1;
		left -= n;
	}
	return s->matched > 0 ? emit(ctx, spool_from, s->matched) : 0;
}
