/*
 * Opening a mailbox for a session and indexing it in one sequential pass
 * of large pread(2)s: the file is never held in memory and never mapped,
 * so another program truncating it cannot crash us with SIGBUS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool/internal.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SCAN_SIMD	1
/* Vectors of byte counters are summed before a lane can pass 255. */
#define SCAN_SIMD_ROUNDS	255
#endif

/* Header bytes that go into a message id, after the From_ line. */
#define SCAN_UID_HEAD	512

struct scan {
	struct spool_box		*b;
	size_t				 max_msgs;
	size_t				 cap;
	bool				 stop;
	bool				 at_start;	/* feeding the prefix */
	struct spool_prefix_state	 ps;
	enum spool_prefix		 kind;
	off_t				 line_off;
	off_t				 line_len;	/* LF excluded */
	char				 prev;		/* last byte of the line */
	bool				 last_empty;
	off_t			 last_off;	/* start of the last line, if empty */
};

static int scan_begin_message(struct scan *sc);
static void scan_end_message(struct scan *sc, off_t end);
static void scan_end_line(struct scan *sc, bool terminated);
#ifdef SCAN_SIMD
static size_t scan_plain_run(const char *p, const char *end, off_t *lfs,
	    off_t *crlfs);
#endif
static size_t scan_plain_lines(struct scan *sc, const char *p, size_t len,
	    off_t off);
static void scan_chunk(struct scan *sc, const char *p, size_t len, off_t off);
static enum spool_status scan_file(struct spool_box *b, off_t size,
	    size_t max_msgs);
static int uid_order_cmp(const void *a, const void *b);

static int
scan_begin_message(struct scan *sc)
{
	struct spool_box *b = sc->b;

	if (b->count > 0)
		scan_end_message(sc, sc->line_off);
	if (b->count == sc->max_msgs) {
		/* Beyond the cap: kept untouched, like mail not yet arrived. */
		sc->stop = true;
		return -1;
	}
	if (b->count == sc->cap) {
		size_t cap = sc->cap == 0 ? 64 : 2 * sc->cap;
		struct spool_entry *grown = realloc(b->msgs, cap * sizeof *grown);

		if (grown == NULL)
			return -1;
		b->msgs = grown;
		sc->cap = cap;
	}
	b->msgs[b->count++] = (struct spool_entry){
		.from_off = sc->line_off, .header_end = -1,
	};
	sc->last_empty = false;
	return 0;
}

static void
scan_end_message(struct scan *sc, off_t end)
{
	struct spool_entry *e = &sc->b->msgs[sc->b->count - 1];

	e->end_off = end;
	e->content_end = end;
	/* The empty line before the next From_ line belongs to the format. */
	if (sc->last_empty) {
		e->content_end = sc->last_off;
		e->size -= 2;
	}
	if (e->header_end == -1 || e->header_end > e->content_end)
		e->header_end = e->content_end;
	if (e->body_off == 0)
		e->body_off = end;
}

static void
scan_end_line(struct scan *sc, bool terminated)
{
	struct spool_entry *e = &sc->b->msgs[sc->b->count - 1];
	off_t content = sc->line_len;
	off_t next = sc->line_off + sc->line_len + (terminated ? 1 : 0);

	if (sc->kind == SPOOL_PREFIX_FROM && e->body_off == 0) {
		e->body_off = next;
		return;
	}
	if (terminated && content > 0 && sc->prev == '\r')
		content--;
	if (sc->kind == SPOOL_PREFIX_QUOTED)
		content--;
	e->size += content + 2;
	sc->last_empty = terminated && content == 0;
	sc->last_off = sc->line_off;
	if (sc->last_empty && e->header_end == -1)
		e->header_end = next;
}

#ifdef SCAN_SIMD
/*
 * Sixteen bytes at a time: from p, a line start whose first byte is
 * neither '>', 'F', CR nor LF and whose p[-1] is in the buffer, the
 * whole lines up to the first line that starts with one of those (which
 * need scan_end_line()'s care) or up to the last LF before end. Counts
 * their LFs and their CR LF pairs and returns the bytes they take; 0
 * when there is no whole line. Each lane looks at its byte and the byte
 * before it, so no state runs from one block to the next.
 */
static size_t
scan_plain_run(const char *p, const char *end, off_t *lfs, off_t *crlfs)
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

/*
 * The hot loop: whole lines at the start of p that cannot start a From_
 * line, which is nearly all of them. Does what scan_end_line() does for
 * such a line, with the running state kept in locals. Returns the bytes
 * consumed; it stops at a '>' or 'F' line and at a line the piece cuts.
 */
static size_t
scan_plain_lines(struct scan *sc, const char *p, size_t len, off_t off)
{
	struct spool_entry *e = &sc->b->msgs[sc->b->count - 1];
	const char *start = p, *end = p + len;
	off_t size = e->size, header_end = e->header_end;
	off_t last_off = sc->last_off;
	bool last_empty = sc->last_empty;

	while (p < end && *p != '>' && *p != 'F') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			break;
		off_t content = nl - p;

		if (content > 0 && nl[-1] == '\r')
			content--;
		size += content + 2;
		last_off = off + (p - start);
		last_empty = content == 0;
		p = nl + 1;
		if (last_empty && header_end == -1)
			header_end = off + (p - start);
#ifdef SCAN_SIMD
		if (p < end && *p != '>' && *p != 'F' && *p != '\n' &&
		    *p != '\r') {
			off_t lfs, crlfs;
			size_t n = scan_plain_run(p, end, &lfs, &crlfs);

			/* Each line adds its bytes, less a CR, plus CR LF. */
			if (n > 0) {
				size += (off_t)n + lfs - crlfs;
				last_empty = false;
				p += n;
			}
		}
#endif
	}
	e->size = size;
	e->header_end = header_end;
	sc->last_off = last_off;
	sc->last_empty = last_empty;
	sc->line_off = off + (p - start);
	return (size_t)(p - start);
}

/* One piece of the file; lines may run across pieces. */
static void
scan_chunk(struct scan *sc, const char *p, size_t len, off_t off)
{
	while (len > 0 && !sc->stop) {
		if (sc->at_start && sc->line_len == 0 && sc->b->count > 0) {
			size_t n = scan_plain_lines(sc, p, len, off);

			p += n;
			len -= n;
			off += (off_t)n;
			if (len == 0)
				return;
		}
		if (sc->at_start && spool_prefix_plain_start(&sc->ps, *p)) {
			sc->kind = SPOOL_PREFIX_PLAIN;
			sc->at_start = false;
		}
		if (sc->at_start) {
			enum spool_prefix kind = spool_prefix_feed(&sc->ps, *p);

			if (kind != SPOOL_PREFIX_PLAIN) {
				sc->prev = *p++;
				len--;
				off++;
				sc->line_len++;
			}
			if (kind == SPOOL_PREFIX_MORE)
				continue;
			sc->kind = kind;
			sc->at_start = false;
			if (kind == SPOOL_PREFIX_FROM &&
			    scan_begin_message(sc) == -1)
				sc->stop = true;
			continue;
		}
		const char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) : len;

		if (n > 0)
			sc->prev = p[n - 1];
		sc->line_len += (off_t)n;
		if (nl == NULL)
			return;
		scan_end_line(sc, true);
		p += n + 1;
		len -= n + 1;
		off += (off_t)n + 1;
		sc->line_off = off;
		sc->line_len = 0;
		sc->prev = '\0';
		sc->at_start = true;
		sc->ps = (struct spool_prefix_state){ 0 };
		sc->kind = SPOOL_PREFIX_PLAIN;
	}
}

static enum spool_status
scan_file(struct spool_box *b, off_t size, size_t max_msgs)
{
	struct scan sc = { .b = b, .max_msgs = max_msgs, .at_start = true };
	char first[5];

	if (size == 0)
		return SPOOL_OK;
	/* An mbox starts with a From_ line; anything else is not ours to cut. */
	if (size < (off_t)sizeof first ||
	    spool_pread_all(b->fd, first, sizeof first, 0) == -1 ||
	    memcmp(first, "From ", sizeof first) != 0)
		return SPOOL_CORRUPT;
	for (off_t off = 0; off < size && !sc.stop;) {
		size_t want = size - off < SPOOL_IO_BUF ?
		    (size_t)(size - off) : SPOOL_IO_BUF;

		if (spool_pread_all(b->fd, b->buf, want, off) == -1)
			return spool_errno_status(errno);
		scan_chunk(&sc, b->buf, want, off);
		off += (off_t)want;
	}
	if (sc.stop && b->count < max_msgs)
		return SPOOL_IOERR;	/* realloc failed */
	if (!sc.stop) {
		if (sc.line_len > 0)
			scan_end_line(&sc, false);
		scan_end_message(&sc, size);
		b->scanned = size;
	} else {
		b->scanned = sc.line_off;
	}
	return SPOOL_OK;
}

enum spool_status
spool_open(struct spool_box *b, const char *dir, const char *user,
    int wait_secs, size_t max_msgs)
{
	char session[SPOOL_AUX_NAME_MAX];
	struct timespec deadline;
	enum spool_status status;
	struct stat st;

	*b = (struct spool_box){ .dirfd = -1, .fd = -1, .session_fd = -1 };
	if (!spool_name_lower(user, b->name))
		return SPOOL_BADNAME;
	if ((b->dirfd = spool_dir_open(dir)) == -1 ||
	    (b->buf = malloc(SPOOL_IO_BUF)) == NULL) {
		status = spool_errno_status(errno);
		goto fail;
	}
	spool_aux_name(session, b->name, "pop");
	status = spool_file_open(b->dirfd, session, SPOOL_CREATE_LOCKFILE,
	    &b->session_fd, &st);
	if (status != SPOOL_OK)
		goto fail;
	/* fcntl, not flock: another host's session must see it too. */
	if (spool_fcntl_lock_now(b->session_fd) == -1) {
		status = errno == EAGAIN || errno == EACCES ? SPOOL_INUSE :
		    SPOOL_IOERR;
		goto fail;
	}
	spool_deadline(&deadline, wait_secs);
	status = spool_lock(b->dirfd, b->name, SPOOL_CREATE_NO, &deadline, &b->fd,
	    &st);
	if (status != SPOOL_OK || b->fd == -1)
		goto done;
	status = spool_journal_recover(b->dirfd, b->name, b->fd, &st, NULL);
	if (status == SPOOL_OK) {
		b->dev = st.st_dev;
		b->ino = st.st_ino;
		status = scan_file(b, st.st_size, max_msgs);
	}
	spool_unlock(b->dirfd, b->name, b->fd);
done:
	if (status == SPOOL_OK)
		return SPOOL_OK;
fail:
	{
		int saved = errno;

		spool_close(b);
		errno = saved;
	}
	return status;
}

void
spool_close(struct spool_box *b)
{
	if (b->fd != -1)
		(void)close(b->fd);
	if (b->session_fd != -1)
		(void)close(b->session_fd);
	if (b->dirfd != -1)
		(void)close(b->dirfd);
	free(b->msgs);
	free(b->uid_text);
	free(b->buf);
	free(b->cache);
	*b = (struct spool_box){ .dirfd = -1, .fd = -1, .session_fd = -1 };
}

struct uid_order {
	const char	*uid;
	size_t		 index;
};

static int
uid_order_cmp(const void *a, const void *b)
{
	const struct uid_order *oa = a, *ob = b;
	int c = strcmp(oa->uid, ob->uid);

	return c != 0 ? c : (oa->index > ob->index) - (oa->index < ob->index);
}

enum spool_status
spool_uids(struct spool_box *b)
{
	struct uid_order *order;

	if (b->uid_text != NULL || b->count == 0)
		return SPOOL_OK;
	if ((b->uid_text = malloc(b->count * (SPOOL_UID_MAX + 1))) == NULL)
		return SPOOL_IOERR;
	for (size_t i = 0; i < b->count; i++) {
		struct spool_entry *e = &b->msgs[i];
		off_t end = e->header_end < e->body_off + SCAN_UID_HEAD ?
		    e->header_end : e->body_off + SCAN_UID_HEAD;
		size_t n = (size_t)(end - e->from_off);
		unsigned char digest[MD5_DIGEST_LEN];
		char size[24];
		struct md5 md5;
		const char *head;

		if (n > SPOOL_IO_BUF)
			n = SPOOL_IO_BUF;
		/* The windows come in file order: one pread per 256 KB. */
		if ((head = spool_box_fetch(b, e->from_off, n)) == NULL)
			goto fail;
		md5_init(&md5);
		md5_update(&md5, head, n);
		md5_update(&md5, size, (size_t)snprintf(size, sizeof size,
		    " %jd", (intmax_t)e->size));
		md5_final(&md5, digest);
		e->uid = b->uid_text + i * (SPOOL_UID_MAX + 1);
		md5_hex(digest, e->uid);
	}
	/* Equal ids (the same message stored twice): later ones get -N. */
	if ((order = malloc(b->count * sizeof *order)) == NULL)
		goto fail;
	for (size_t i = 0; i < b->count; i++)
		order[i] = (struct uid_order){ b->msgs[i].uid, i };
	qsort(order, b->count, sizeof *order, uid_order_cmp);
	for (size_t i = 1, run = 0; i < b->count; i++) {
		struct spool_entry *prev = &b->msgs[order[i - 1].index];
		struct spool_entry *e = &b->msgs[order[i].index];

		run = strncmp(prev->uid, e->uid, MD5_HEX_LEN) == 0 ? run + 1 : 0;
		if (run > 0)
			snprintf(e->uid + MD5_HEX_LEN, SPOOL_UID_MAX + 1 -
			    MD5_HEX_LEN, "-%zu", run);
	}
	free(order);
	return SPOOL_OK;
fail:
	free(b->uid_text);
	b->uid_text = NULL;
	return SPOOL_IOERR;
}
