/*
 * Opening a mailbox for a session and indexing it in one sequential pass
 * of large pread(2)s: the file is never held in memory and never mapped,
 * so another program truncating it cannot crash us with SIGBUS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "spool/internal.h"

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
	off_t				 last_off;	/* start of the last line */
};

static int scan_begin_message(struct scan *sc);
static void scan_end_message(struct scan *sc, off_t end);
static void scan_end_line(struct scan *sc, bool terminated);
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

/* One piece of the file; lines may run across pieces. */
static void
scan_chunk(struct scan *sc, const char *p, size_t len, off_t off)
{
	while (len > 0 && !sc->stop) {
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
	status = spool_file_open(b->dirfd, session, true, &b->session_fd, &st);
	if (status != SPOOL_OK)
		goto fail;
	if (spool_flock_now(b->session_fd, LOCK_EX) == -1) {
		status = errno == EWOULDBLOCK ? SPOOL_INUSE : SPOOL_IOERR;
		goto fail;
	}
	spool_deadline(&deadline, wait_secs);
	status = spool_lock(b->dirfd, b->name, false, &deadline, &b->fd, &st);
	if (status != SPOOL_OK || b->fd == -1)
		goto done;
	status = spool_journal_recover(b->dirfd, b->name, b->fd, &st, NULL);
	if (status == SPOOL_OK) {
		b->dev = st.st_dev;
		b->ino = st.st_ino;
		status = scan_file(b, st.st_size, max_msgs);
	}
	(void)flock(b->fd, LOCK_UN);
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
	/*
	 * The windows come in file order: read the file in large pieces and
	 * hash from the buffer, not one pread(2) per message.
	 */
	off_t buf_off = 0;
	size_t buf_len = 0;

	for (size_t i = 0; i < b->count; i++) {
		struct spool_entry *e = &b->msgs[i];
		off_t end = e->header_end < e->body_off + SCAN_UID_HEAD ?
		    e->header_end : e->body_off + SCAN_UID_HEAD;
		size_t n = (size_t)(end - e->from_off);
		unsigned char digest[MD5_DIGEST_LEN];
		char size[24];
		struct md5 md5;

		if (n > SPOOL_IO_BUF)
			n = SPOOL_IO_BUF;
		if (e->from_off < buf_off ||
		    e->from_off + (off_t)n > buf_off + (off_t)buf_len) {
			buf_off = e->from_off;
			buf_len = b->scanned - buf_off < SPOOL_IO_BUF ?
			    (size_t)(b->scanned - buf_off) : SPOOL_IO_BUF;
			if (buf_len < n)
				buf_len = n;
			if (spool_pread_all(b->fd, b->buf, buf_len, buf_off) == -1)
				goto fail;
		}
		md5_init(&md5);
		md5_update(&md5, b->buf + (e->from_off - buf_off), n);
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
