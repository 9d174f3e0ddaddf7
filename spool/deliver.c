/*
 * Appending one finished message to several mailboxes, all or nothing:
 * lock every mailbox in name order, recover, journal, append, fsync each;
 * on any failure truncate every mailbox touched back to its old size.
 * Each append writes at the size read under the lock, never O_APPEND: a
 * network filesystem's client may append at a size it cached.
 *
 * A mailbox and its journal are two descriptors. When twice the mailboxes
 * would not fit under the descriptor limit, journals are closed after
 * each record and opened again by name for the next ("lean"), so one
 * message can still reach spool_deliver_max() mailboxes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "spool/internal.h"

struct deliver_target {
	char		 name[USERS_NAME_MAX + 1];
	const char	*user;		/* as the caller spelt it */
	int		 fd;
	int		 jfd;		/* the journal, once recovery opened it */
	bool		 begun;		/* a "begin" record is written: undo */
	int64_t		 limit;		/* the largest it may grow to, 0: none */
	struct stat	 st;
	off_t		 before;
	off_t		 after;
	size_t		 sep_len;	/* "\n" or "\n\n" ends the last message */
};

static int deliver_target_cmp(const void *a, const void *b);
static enum spool_status deliver_measure(struct spool_msg *m,
	    struct deliver_target *t);
static enum spool_status deliver_append(struct spool_msg *m,
	    struct deliver_target *t, char *buf, struct deliver_target *all,
	    size_t count, bool lean);
static void deliver_refresh(int dirfd, struct deliver_target *all,
	    size_t count, struct deadline *next);
static void deliver_undo(int dirfd, struct deliver_target *t);
static void deliver_done(int dirfd, struct deliver_target *t);
static int deliver_journal(int dirfd, struct deliver_target *t);

size_t
spool_deliver_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > SIZE_MAX)
		return SIZE_MAX;
	return rl.rlim_cur > SPOOL_FDS_RESERVED ?
	    (size_t)rl.rlim_cur - SPOOL_FDS_RESERVED : 0;
}

/* The journal of t open again (lean mode), or -1. */
static int
deliver_journal(int dirfd, struct deliver_target *t)
{
	char jname[SPOOL_AUX_NAME_MAX];
	struct stat jst;

	if (t->jfd == -1) {
		spool_aux_name(jname, t->name, "journal");
		if (spool_file_open(dirfd, jname, SPOOL_CREATE_NO, &t->jfd,
		    &jst) != SPOOL_OK)
			t->jfd = -1;
	}
	return t->jfd;
}

/*
 * The append is whole and fsync'ed: "done". When the journal cannot be
 * opened again its record stays "begin" for an append that reached its
 * full size, which recovery keeps.
 */
static void
deliver_done(int dirfd, struct deliver_target *t)
{
	if (deliver_journal(dirfd, t) != -1)
		spool_journal_done(t->jfd, &t->st, t->before, t->after);
	t->jfd = -1;
}

static int
deliver_target_cmp(const void *a, const void *b)
{
	const struct deliver_target *ta = a, *tb = b;

	return strcmp(ta->name, tb->name);
}

/* A long copy keeps every held dotlock fresh, so none looks stale. */
static void
deliver_refresh(int dirfd, struct deliver_target *all, size_t count,
    struct deadline *next)
{
	if (!spool_refresh_due(next))
		return;
	for (size_t i = 0; i < count; i++)
		if (all[i].fd != -1)
			spool_lock_refresh(dirfd, all[i].name);
}

/*
 * Where the message will go: the size learned under the lock, and the
 * separator that must come first. The previous message must end in an
 * empty line, or our From_ line would join its last line (a file another
 * program wrote, or one whose last line had no newline).
 */
static enum spool_status
deliver_measure(struct spool_msg *m, struct deliver_target *t)
{
	char tail[2] = { '\n', '\n' };
	size_t k;

	t->before = t->st.st_size;
	k = t->before >= 2 ? 2 : (size_t)t->before;
	if (k > 0 && io_pread_all(t->fd, tail + 2 - k, k,
	    t->before - (off_t)k) == -1)
		return SPOOL_IOERR;
	t->sep_len = tail[1] != '\n' ? 2 : tail[0] != '\n' ? 1 : 0;
	t->after = t->before + (off_t)t->sep_len + m->size;
	return SPOOL_OK;
}

/* Journals, then writes the separator deliver_measure() found and the
   message. */
static enum spool_status
deliver_append(struct spool_msg *m, struct deliver_target *t, char *buf,
    struct deliver_target *all, size_t count, bool lean)
{
	struct deadline next_refresh = spool_refresh_next();
	static const char sep[] = "\n\n";
	size_t sep_len = t->sep_len, head_len;
	char head[SPOOL_HEAD_MAX];
	off_t at;
	enum spool_status status;

	memcpy(head, sep, sep_len);
	head_len = sep_len + m->head_len < sizeof head ?
	    sep_len + m->head_len : sizeof head;
	memcpy(head + sep_len, m->head, head_len - sep_len);

	status = spool_journal_begin(m->dirfd, t->name, &t->st, t->before,
	    t->after, head, head_len, &t->jfd);
	if (status != SPOOL_OK)
		return status;
	t->begun = true;
	if (lean) {
		(void)close(t->jfd);
		t->jfd = -1;
	}
	if (io_pwrite_all(t->fd, sep, sep_len, t->before) == -1)
		return spool_errno_status(errno);
	at = t->before + (off_t)sep_len;
	if (m->fd == -1) {
		if (io_pwrite_all(t->fd, m->mem, m->mem_len, at) == -1)
			return spool_errno_status(errno);
		return SPOOL_OK;
	}
	for (off_t off = 0; off < m->size;) {
		size_t n = m->size - off < SPOOL_IO_BUF ?
		    (size_t)(m->size - off) : SPOOL_IO_BUF;

		if (io_pread_all(m->fd, buf, n, off) == -1 ||
		    io_pwrite_all(t->fd, buf, n, at + off) == -1)
			return spool_errno_status(errno);
		off += (off_t)n;
		deliver_refresh(m->dirfd, all, count, &next_refresh);
	}
	return SPOOL_OK;
}

/* Takes a failed or unconfirmed append back out of a mailbox. */
static void
deliver_undo(int dirfd, struct deliver_target *t)
{
	int saved = errno;

	if (io_ftruncate(t->fd, t->before) == -1 || io_fsync(t->fd) == -1) {
		/* The journal stays "begin": the next locker retries. */
		log_warn("mailbox %s: rolling back a failed delivery", t->name);
		if (t->jfd != -1)
			(void)close(t->jfd);
		t->jfd = -1;
	} else {
		deliver_done(dirfd, t);
	}
	errno = saved;
}

/*
 * The distinct mailboxes of rcpts, in name order, into *tp (*np of them):
 * SPOOL_OK, or SPOOL_BADNAME (*bad names it) or SPOOL_IOERR.
 */
static enum spool_status
deliver_targets(const struct spool_rcpt *rcpts, size_t count,
    struct deliver_target **tp, size_t *np, const char **bad)
{
	struct deliver_target *t;
	size_t n = 0;

	if ((t = calloc(count, sizeof *t)) == NULL)
		return SPOOL_IOERR;
	for (size_t i = 0; i < count; i++) {
		if (!spool_name_lower(rcpts[i].user, t[i].name)) {
			free(t);
			*bad = rcpts[i].user;
			errno = EINVAL;
			return SPOOL_BADNAME;
		}
		t[i].user = rcpts[i].user;
		t[i].limit = rcpts[i].limit;
		t[i].fd = t[i].jfd = -1;
	}
	qsort(t, count, sizeof *t, deliver_target_cmp);
	for (size_t i = 0; i < count; i++)
		if (n == 0 || strcmp(t[n - 1].name, t[i].name) != 0)
			t[n++] = t[i];
	*tp = t;
	*np = n;
	return SPOOL_OK;
}

/*
 * Under the locks, with the sizes learned there: no mailbox past its
 * limit, the filesystem not into its reserve. *failed is the mailbox at
 * fault, or n for the filesystem.
 */
static enum spool_status
deliver_room(struct spool_msg *m, struct deliver_target *t, size_t n,
    const struct spool_reserve *reserve, struct spool_refusal *why,
    size_t *failed)
{
	int64_t growth = 0;
	enum spool_status status;

	for (size_t i = 0; i < n; i++) {
		if ((status = deliver_measure(m, &t[i])) != SPOOL_OK) {
			*failed = i;
			return status;
		}
		if (spool_room_over(t[i].before, t[i].after - t[i].before,
		    t[i].limit)) {
			if (why != NULL) {
				why->size = t[i].before;
				why->limit = t[i].limit;
			}
			*failed = i;
			errno = EDQUOT;
			return SPOOL_FULL;
		}
		growth += t[i].after - t[i].before;
	}
	*failed = n;
	if ((status = spool_room_reserve(m->dirfd, growth, reserve, why)) !=
	    SPOOL_OK)
		errno = ENOSPC;
	return status;
}

/*
 * Everything under the locks, in order: lock each mailbox and recover
 * its journal, check the room, append, fsync, mark done. On failure
 * *failed is the mailbox at fault, or n for none in particular; what has
 * a "begin" record is the caller's to undo.
 */
static enum spool_status
deliver_locked(struct spool_msg *m, struct deliver_target *t, size_t n,
    int wait_secs, const struct spool_reserve *reserve,
    struct spool_refusal *why, size_t *failed)
{
	struct deadline deadline = deadline_in(wait_secs * 1000L);
	/* one mailbox needs no getrlimit(2) */
	size_t i = n, max = n > 1 ? spool_deliver_max() : SIZE_MAX;
	bool lean = n > max / 2;
	enum spool_status status = SPOOL_IOERR;
	char *buf = NULL;
	int saved;

	if (n > max) {
		i = n - 1;
		errno = EMFILE;
		goto out;
	}
	if (m->fd != -1 && (buf = malloc(SPOOL_IO_BUF)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		status = spool_lock(m->dirfd, t[i].name, SPOOL_CREATE_DURABLE,
		    deadline, &t[i].fd, &t[i].st);
		if (status == SPOOL_OK)
			status = spool_journal_recover(m->dirfd, t[i].name,
			    t[i].fd, &t[i].st, lean ? NULL : &t[i].jfd);
		if (status != SPOOL_OK)
			goto out;
	}
	if ((status = deliver_room(m, t, n, reserve, why, &i)) != SPOOL_OK)
		goto out;
	for (i = 0; i < n; i++)
		if ((status = deliver_append(m, &t[i], buf, t, n, lean)) !=
		    SPOOL_OK)
			goto out;
	for (i = 0; i < n; i++)
		if (io_fsync(t[i].fd) == -1) {
			status = spool_errno_status(errno);
			goto out;
		}
	for (i = 0; i < n; i++)
		deliver_done(m->dirfd, &t[i]);
	status = SPOOL_OK;
out:
	saved = errno;
	free(buf);
	*failed = i;
	errno = saved;
	return status;
}

enum spool_status
spool_deliver(struct spool_msg *m, const struct spool_rcpt *rcpts,
    size_t count, int wait_secs, const struct spool_reserve *reserve,
    struct spool_refusal *why)
{
	struct deliver_target *t = NULL;
	enum spool_status status;
	size_t n = 0, failed;
	const char *bad = NULL;
	int saved;

	if (why != NULL)
		*why = (struct spool_refusal){ .user = NULL };
	if ((status = spool_msg_finish(m)) != SPOOL_OK) {
		errno = m->error_errno;
		goto refused;
	}
	if (count == 0)
		return SPOOL_OK;
	if ((status = deliver_targets(rcpts, count, &t, &n, &bad)) !=
	    SPOOL_OK)
		goto refused;
	status = deliver_locked(m, t, n, wait_secs, reserve, why, &failed);
	saved = errno;
	if (status != SPOOL_OK) {
		bad = failed < n ? t[failed].user : NULL;
		/* Whatever has a "begin" record was written to: take it out. */
		for (size_t i = 0; i < n; i++)
			if (t[i].begun)
				deliver_undo(m->dirfd, &t[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].jfd != -1)
			(void)close(t[i].jfd);
		if (t[i].fd != -1)
			spool_unlock_close(m->dirfd, t[i].name, t[i].fd);
	}
	free(t);
	errno = saved;
	if (status == SPOOL_OK)
		return status;
refused:
	if (why != NULL) {
		why->user = bad;
		why->err = errno;
	}
	return status;
}
