/*
 * Removing deleted messages at QUIT (invariant 3): the kept messages and
 * everything appended since the scan go to DIR/.user.rewrite, which is
 * fsync'ed and renamed over the mailbox; then DIR is fsync'ed. A crash
 * leaves the old file or the new one; the temporary is removed by the
 * next rewrite. The mailbox is opened again under the locks (which drop
 * its cached pages where the spool is shared), not read through the
 * session's descriptor: its size may predate what another host appended.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "spool/internal.h"

static enum spool_status rewrite_check(struct spool_box *b, int fd,
	    struct stat *st);
static bool rewrite_from_at(int fd, off_t at);
static enum spool_status rewrite_copy(struct spool_box *b, int fd, int to,
	    off_t from, off_t end, size_t next);
static enum spool_status rewrite_write(struct spool_box *b, int fd, int tfd,
	    const bool *deleted, const struct stat *st);

/*
 * Is the scanned part still what we scanned? Checked under the lock, on
 * fd (the file the name leads to now, fresh *st): the same inode, not
 * shorter, and (as it is copied, rewrite_copy()) a From_ line where each
 * message began.
 */
static enum spool_status
rewrite_check(struct spool_box *b, int fd, struct stat *st)
{
	if (st->st_ino != b->ino || st->st_dev != b->dev)
		return SPOOL_CHANGED;
	if (spool_journal_recover(b->dirfd, b->name, fd, st, NULL) != SPOOL_OK)
		return SPOOL_IOERR;
	if (st->st_size < b->scanned)
		return SPOOL_CHANGED;
	return SPOOL_OK;
}

/* Does a From_ line still start at at? false also when it cannot tell. */
static bool
rewrite_from_at(int fd, off_t at)
{
	char from[5];

	return io_pread_all(fd, from, sizeof from, at) == 0 &&
	    memcmp(from, "From ", sizeof from) == 0;
}

/*
 * Copies [from, end) to fd to, checking in the buffer on the way that
 * messages next, next + 1, ... that begin there still begin with a From_
 * line: one sequential pass, no read per message.
 */
static enum spool_status
rewrite_copy(struct spool_box *b, int fd, int to, off_t from, off_t end,
    size_t next)
{
	struct deadline next_refresh = spool_refresh_next();

	while (from < end) {
		size_t n = end - from < SPOOL_IO_BUF ?
		    (size_t)(end - from) : SPOOL_IO_BUF;
		off_t stop = from + (off_t)n;

		if (io_pread_all(fd, b->buf, n, from) == -1)
			return spool_errno_status(errno);
		for (; next < b->count && b->msgs[next].from_off < stop; next++) {
			off_t at = b->msgs[next].from_off;
			bool ok = at + 5 <= stop ?
			    memcmp(b->buf + (at - from), "From ", 5) == 0 :
			    rewrite_from_at(fd, at);

			if (!ok)
				return SPOOL_CHANGED;
		}
		if (io_write_all(to, b->buf, n) == -1)
			return spool_errno_status(errno);
		from = stop;
		if (spool_refresh_due(&next_refresh))
			spool_lock_refresh(b->dirfd, b->name);
	}
	return SPOOL_OK;
}

static enum spool_status
rewrite_write(struct spool_box *b, int fd, int tfd, const bool *deleted,
    const struct stat *st)
{
	off_t tail = b->scanned;
	size_t run = SIZE_MAX;
	enum spool_status status;
	char lead[2];

	/* Copy each run of kept messages with one loop. */
	for (size_t i = 0; i <= b->count; i++) {
		bool keep = i < b->count && !deleted[i];

		if (keep && run == SIZE_MAX)
			run = i;
		if (!keep && run != SIZE_MAX) {
			status = rewrite_copy(b, fd, tfd, b->msgs[run].from_off,
			    b->msgs[i - 1].end_off, run);
			if (status != SPOOL_OK)
				return status;
			run = SIZE_MAX;
		}
		/* A deleted message is not copied: check it on its own. */
		if (i < b->count && !keep &&
		    !rewrite_from_at(fd, b->msgs[i].from_off))
			return SPOOL_CHANGED;
	}
	/*
	 * An append after a last line without LF began with the newlines
	 * that ended it; if that message is gone, so are they.
	 */
	if (b->count > 0 && deleted[b->count - 1] && st->st_size > tail) {
		size_t n = st->st_size - tail < 2 ? 1 : 2;

		if (io_pread_all(fd, lead, n, tail) == -1)
			return spool_errno_status(errno);
		for (size_t i = 0; i < n && lead[i] == '\n'; i++)
			tail++;
	}
	status = rewrite_copy(b, fd, tfd, tail, st->st_size, b->count);
	if (status != SPOOL_OK)
		return status;
	if (fchmod(tfd, st->st_mode & 0777) == -1 || io_fsync(tfd) == -1)
		return spool_errno_status(errno);
	return SPOOL_OK;
}

enum spool_status
spool_commit(struct spool_box *b, const bool *deleted, int wait_secs)
{
	char tmp[SPOOL_AUX_NAME_MAX];
	struct deadline deadline;
	enum spool_status status;
	struct stat st;
	bool any = false;
	int fd, tfd, saved;

	for (size_t i = 0; i < b->count; i++)
		any |= deleted[i];
	if (!any || b->fd == -1)
		return SPOOL_OK;
	deadline = deadline_in(wait_secs * 1000L);
	status = spool_lock(b->dirfd, b->name, SPOOL_CREATE_NO, deadline, &fd,
	    &st);
	if (status != SPOOL_OK)
		return status;
	if (fd == -1)
		return SPOOL_CHANGED;	/* removed since the scan */
	if ((status = rewrite_check(b, fd, &st)) != SPOOL_OK)
		goto unlock;

	spool_aux_name(tmp, b->name, "rewrite");
	if (io_unlinkat(b->dirfd, tmp) == -1 && errno != ENOENT) {
		status = spool_errno_status(errno);
		goto unlock;
	}
	tfd = io_openat(b->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (tfd == -1) {
		status = spool_errno_status(errno);
		goto unlock;
	}
	status = rewrite_write(b, fd, tfd, deleted, &st);
	saved = errno;
	if (close(tfd) == -1 && status == SPOOL_OK) {
		saved = errno;
		status = spool_errno_status(errno);
	}
	if (status == SPOOL_OK &&
	    io_renameat(b->dirfd, tmp, b->name) == -1) {
		saved = errno;
		status = spool_errno_status(errno);
	}
	if (status != SPOOL_OK) {
		(void)io_unlinkat(b->dirfd, tmp);
		errno = saved;
		goto unlock;
	}
	/*
	 * The old inode is gone from the directory: unlocking it lets the
	 * waiters in, who notice. b->fd keeps it open until spool_close(),
	 * after the caller's reply: its last close frees the old file's
	 * blocks, which can take a while on a file system mounted with
	 * discard.
	 */
	spool_unlock_close(b->dirfd, b->name, fd);
	if (io_fsync(b->dirfd) == -1) {
		log_warn("mailbox %s: fsync of the spool directory", b->name);
		return spool_errno_status(errno);
	}
	return SPOOL_OK;
unlock:
	saved = errno;
	spool_unlock_close(b->dirfd, b->name, fd);
	errno = saved;
	return status;
}
