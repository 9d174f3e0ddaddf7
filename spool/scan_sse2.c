/*
 * The scanner's vector counter, SSE2, sixteen bytes at a time. Built only
 * where SPOOL_SCAN_SIMD is set (spool/internal.h); elsewhere, and in the
 * PORTABLE=1 build that tests the other path on x86, scan.c counts line
 * by line.
 */
#include "spool/internal.h"

#ifdef SPOOL_SCAN_SIMD
#include <emmintrin.h>

/* Vectors of byte counters are summed before a lane can pass 255. */
#define SCAN_SIMD_ROUNDS	255

/*
 * Each lane looks at its byte and the byte before it, so no state runs
 * from one block to the next.
 */
size_t
spool_scan_run(const char *p, const char *end, off_t *lfs, off_t *crlfs)
{
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	const __m128i gt = _mm_set1_epi8('>'), ff = _mm_set1_epi8('F');
	const __m128i zero = _mm_setzero_si128();
	const char *q = p, *last;
	off_t n_lf = 0, n_crlf = 0;
	bool stopped = false;

	while (!stopped && end - q >= 16) {
		size_t blocks = (size_t)(end - q) / 16;
		__m128i lf_acc = zero, crlf_acc = zero, a, c;

		if (blocks > SCAN_SIMD_ROUNDS)
			blocks = SCAN_SIMD_ROUNDS;
		for (; blocks > 0; blocks--, q += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)q);
			__m128i before = _mm_loadu_si128((const __m128i *)(q - 1));
			__m128i is_lf = _mm_cmpeq_epi8(v, lf);
			__m128i starts = _mm_cmpeq_epi8(before, lf);
			__m128i care = _mm_or_si128(
			    _mm_or_si128(is_lf, _mm_cmpeq_epi8(v, cr)),
			    _mm_or_si128(_mm_cmpeq_epi8(v, gt),
			    _mm_cmpeq_epi8(v, ff)));
			int stop = _mm_movemask_epi8(_mm_and_si128(starts, care));

			if (stop != 0) {
				/* The lanes before that line, one by one. */
				int s = __builtin_ctz((unsigned)stop);

				for (int i = 0; i < s; i++) {
					if (q[i] == '\n') {
						n_lf++;
						n_crlf += q[i - 1] == '\r';
					}
				}
				q += s;
				stopped = true;
				break;
			}
			/* A true lane is 0xff: subtracting it counts one. */
			lf_acc = _mm_sub_epi8(lf_acc, is_lf);
			crlf_acc = _mm_sub_epi8(crlf_acc,
			    _mm_and_si128(is_lf, _mm_cmpeq_epi8(before, cr)));
		}
		a = _mm_sad_epu8(lf_acc, zero);
		c = _mm_sad_epu8(crlf_acc, zero);
		n_lf += _mm_cvtsi128_si32(a) + _mm_extract_epi16(a, 4);
		n_crlf += _mm_cvtsi128_si32(c) + _mm_extract_epi16(c, 4);
	}
	last = q;
	/* Out of whole blocks: give back the cut line after the last LF. */
	if (!stopped)
		while (last > p && last[-1] != '\n')
			last--;
	*lfs = n_lf;
	*crlfs = n_crlf;
	return (size_t)(last - p);
}

#endif
