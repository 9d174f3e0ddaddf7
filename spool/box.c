/*
 * A mailbox as a POP3 session holds it: opened under the session lock,
 * recovered from a crashed rewrite, scanned, closed; the message ids
 * (UIDL), computed only when asked for; and its bytes read ahead for the
 * readers (spool_box_fetch).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool/internal.h"

/* Header bytes that go into a message id, after the From_ line. */
#define BOX_UID_HEAD	512

static int uid_order_cmp(const void *a, const void *b);

const char *
spool_box_fetch(struct spool_box *b, off_t from, size_t want)
{
	if (b->cache == NULL && (b->cache = malloc(SPOOL_IO_BUF)) == NULL)
		return NULL;
	if (b->cache_len == 0 || from < b->cache_off ||
	    from + (off_t)want > b->cache_off + (off_t)b->cache_len) {
		size_t ahead = b->scanned - from < SPOOL_IO_BUF ?
		    (size_t)(b->scanned - from) : SPOOL_IO_BUF;

		if (ahead < want)
			ahead = want;
		b->cache_len = 0;
		if (io_pread_all(b->fd, b->cache, ahead, from) == -1)
			return NULL;
		b->cache_off = from;
		b->cache_len = ahead;
	}
	return b->cache + (from - b->cache_off);
}

enum spool_status
spool_open(struct spool_box *b, const char *dir, const char *user,
    int wait_secs, size_t max_msgs)
{
	char session[SPOOL_AUX_NAME_MAX];
	struct deadline deadline;
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
	deadline = deadline_in(wait_secs * 1000L);
	status = spool_lock(b->dirfd, b->name, SPOOL_CREATE_NO, deadline, &b->fd,
	    &st);
	if (status != SPOOL_OK || b->fd == -1)
		goto done;
	status = spool_journal_recover(b->dirfd, b->name, b->fd, &st, NULL);
	if (status == SPOOL_OK) {
		b->dev = st.st_dev;
		b->ino = st.st_ino;
		status = spool_scan(b, st.st_size, max_msgs);
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
		off_t end = e->header_end < e->body_off + BOX_UID_HEAD ?
		    e->header_end : e->body_off + BOX_UID_HEAD;
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
