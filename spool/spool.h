/*
 * spool: mbox mailboxes DIR/user, locked as the other mail programs of a
 * Unix box lock them, safe also when several hosts share DIR.
 *
 * On-disk invariants, for operators and for every process that writes:
 *  1. Lock. Whoever appends to, rewrites or scans DIR/user holds, in this
 *     order: the dotlock DIR/user.lock (Debian Policy 22.6), an fcntl(2)
 *     write lock on the whole mailbox, and flock(2) on it. So does every
 *     other program of the box that locks at all: Exim's appendfile
 *     (fcntl and dotlock), Postfix local (fcntl, dotlock), virtual
 *     (fcntl), procmail, mutt, Python's mailbox (fcntl, dotlock), older
 *     versions of ours and Dovecot set to flock. Waits poll non-blocking
 *     attempts with back-off until -w runs out: a blocking request cut by
 *     a timer signal is what made a GlusterFS brick stop answering.
 *     Several mailboxes are locked in strcmp order of their names, so two
 *     deliveries never deadlock.
 *     - The dotlock says "PID HOST". It is stale when its process is gone
 *       from this host, or when nobody refreshed it for 5 minutes; a
 *       holder touches it every 30 s of a long copy, so a live one is
 *       never broken. A stale one is removed, and logged.
 *     - Which file carries which lock: the dotlock is a name, so it is
 *       what a rename over the mailbox cannot take away, and O_EXCL
 *       creation is atomic on the server of every shared filesystem we
 *       name. The fcntl lock and flock must be on the mailbox itself,
 *       since that is where the other programs look for them; a separate
 *       stable lock file would shut out only ourselves. The mailbox is
 *       opened after the dotlock, and after the kernel locks the name is
 *       checked to still lead to the file locked (a rewrite by a program
 *       that honours only fcntl renames over it), with attributes asked
 *       of the server where DIR is shared (statx AT_STATX_FORCE_SYNC): a
 *       client's cached attributes show one link on a file another host
 *       renamed over. A stale handle (ESTALE) opens the name again. Once
 *       locked, the mailbox's and the journal's cached pages are dropped
 *       there: a GlusterFS client serves pages another host's writes
 *       made stale even to a new open, and a stale journal record could
 *       roll back a delivery that was acknowledged.
 *     - Where flock is only a POSIX lock in disguise (NFS; GlusterFS's
 *       FUSE client), it would conflict with our own fcntl lock, and the
 *       fcntl lock already covers it: flock is skipped there.
 *     - Appends write at the size learned under the lock, never with
 *       O_APPEND, which a network client resolves against a size it
 *       cached.
 *  2. Journal. Before appending, a writer records in DIR/.user.journal the
 *     mailbox's inode, its size before and after the append, and the first
 *     bytes of the message; after fsync it marks the record done. Whoever
 *     takes the lock next and finds a record not done for the same inode,
 *     with the mailbox shorter than "after" and starting at "before" with
 *     those bytes, truncates the mailbox to "before": a writer killed in
 *     the middle leaves nothing a reader sees. A complete append is kept.
 *  3. Rewrite. Deleting messages writes the kept ones and everything
 *     appended since the scan to DIR/.user.rewrite, fsyncs it, renames it
 *     over DIR/user and fsyncs DIR: readers see the old file or the new.
 *  4. Session. A POP3 session holds an fcntl lock on DIR/.user.pop for
 *     its whole life (fcntl, so a session on another host sees it), and
 *     the mailbox locks only while it scans and rewrites. The rewrite
 *     opens the mailbox again under the locks rather than trust pages or
 *     a size cached since the scan.
 * Mailboxes are regular files of mode 0600, owned by the user the program
 * runs as, with one link; anything else (a symlink, a FIFO, a hard link,
 * another owner) is refused before a byte is read or written.
 *
 * Format: each message starts with "From SENDER DATE" (asctime date) and
 * ends with an empty line; body lines matching ^>*From are quoted with one
 * more '>' (mboxrd) and unquoted once when read, which reads mboxo too.
 */
#ifndef SPOOL_SPOOL_H
#define SPOOL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/md5.h"
#include "common/users.h"

enum spool_status {
	SPOOL_OK = 0,
	SPOOL_LOCKED,		/* the lock wait timed out */
	SPOOL_INUSE,		/* another POP3 session has the mailbox */
	SPOOL_NOSPACE,		/* ENOSPC or EDQUOT */
	SPOOL_IOERR,		/* EIO and every other system call failure */
	SPOOL_UNSAFE,		/* symlink, not regular, wrong owner, links */
	SPOOL_BADNAME,		/* not a valid user name: nothing touched */
	SPOOL_CORRUPT,		/* the file is not an mbox */
	SPOOL_CHANGED,		/* changed by another program since the scan */
	SPOOL_FULL,		/* the mailbox would pass its limit */
	SPOOL_RESERVE,		/* the filesystem would pass its reserve */
};

/* A short phrase for logs ("lock timeout", "no space"). */
const char *spool_status_text(enum spool_status st);

/* ---- Building and delivering a message ---- */

/*
 * Where a message is streamed to, piece by piece: returns 0, or -1 to stop
 * (with errno set).
 */
typedef int spool_sink(void *ctx, const char *data, size_t len);

/*
 * A message being received, already in mbox form (From_ line, quoted body,
 * final empty line). It lives in memory while small and spills to an
 * unlinked file in the spool directory, so memory stays bounded and no
 * mailbox lock is held while a slow client sends.
 */
#define SPOOL_MSG_MEM	65536	/* bytes kept in memory before spilling */
#define SPOOL_HEAD_MAX	48	/* first bytes kept for the journal check */

struct spool_msg {
	int		 dirfd;
	int		 fd;		/* the spill file, or -1 */
	off_t		 size;		/* bytes of mbox form so far */
	enum spool_status error;	/* sticky: the first failure */
	int		 error_errno;
	struct {
		bool	 mid_line;	/* no line start until the next LF */
		size_t	 gts;		/* else: '>'s seen at the line start */
		size_t	 matched;	/* and bytes of "From " after them */
	}		 quote;		/* mboxrd quoting, across writes */
	bool		 finished;
	char		 last[2];	/* the last two bytes written */
	char		 head[SPOOL_HEAD_MAX];	/* the first bytes written */
	size_t		 head_len;
	size_t		 mem_len;
	char		 mem[SPOOL_MSG_MEM];
};

/*
 * Starts a message from sender (NULL or "" for the null sender) received at
 * when, for the spool directory dir. Returns SPOOL_OK or a failure; the
 * message must be closed in every case.
 */
enum spool_status spool_msg_open(struct spool_msg *m, const char *dir,
	    const char *sender, time_t when);
/*
 * Appends message content with LF line ends (a CR before an LF is content).
 * Failures are sticky and reported again by spool_deliver().
 */
enum spool_status spool_msg_write(struct spool_msg *m, const char *data,
	    size_t len);
void	spool_msg_close(struct spool_msg *m);
/*
 * Ends the message and streams its content back to sink, unquoted, LF
 * line ends, without the From_ line, the first skip bytes of content or
 * the separator: what a relay is given (smtpd -x). The message can still
 * be delivered afterwards.
 */
enum spool_status spool_msg_read(struct spool_msg *m, size_t skip,
	    spool_sink *sink, void *ctx);

/*
 * Ends the message and inserts text (with LF line ends) after its first
 * at bytes of content, as if it had been written there: the message is
 * built again (smtpd -f adds the filter's header lines so). On failure
 * the message is as it was.
 */
enum spool_status spool_msg_insert(struct spool_msg *m, size_t at,
	    const char *text, size_t len);

/* ---- Room: mailbox limits and the free-space reserve (SPEC 3) ---- */

/* A mailbox a message goes to, and the largest it may grow to (0: none). */
struct spool_rcpt {
	const char	*user;
	int64_t		 limit;
};

/*
 * The free space a delivery must leave to the servers' user on the
 * spool's filesystem: bytes, or percent of the filesystem's size (-R).
 */
struct spool_reserve {
	int64_t		 bytes;
	unsigned	 percent;
};

/* Where a delivery failed, for its log line. */
struct spool_refusal {
	const char	*user;	/* the mailbox, as the caller spelt it, or
				   NULL when the filesystem refused */
	int		 err;	/* errno of the failing call, or 0 */
	int64_t		 size;	/* SPOOL_FULL: the mailbox's size; */
	int64_t		 limit;	/* and its limit. SPOOL_RESERVE: the
				   bytes free, and the reserve */
};

/*
 * Whether the count mailboxes of rcpts can each take size more bytes now
 * (a mailbox at its limit takes nothing), and the filesystem all of them
 * within the reserve: SPOOL_OK, SPOOL_FULL or SPOOL_RESERVE with *why
 * filled. Without locks: an early answer (SMTP's RCPT), which
 * spool_deliver() gives again, exactly, under them. A mailbox or
 * filesystem that cannot be measured is not refused here.
 */
enum spool_status spool_room(const char *dir, const struct spool_rcpt *rcpts,
	    size_t count, int64_t size, const struct spool_reserve *reserve,
	    struct spool_refusal *why);

/*
 * Appends the message to the count mailboxes of rcpts (duplicates
 * allowed), all or nothing: on success every mailbox holds it and is
 * fsync'ed; on failure none was changed. Waits at most wait_secs for each
 * lock. Under the locks, with every size learned there, no mailbox may
 * pass its limit (SPOOL_FULL) and the filesystem must keep reserve
 * (SPOOL_RESERVE; NULL: no reserve). On failure *why (when not NULL)
 * says where; errno is that of the failing call.
 */
enum spool_status spool_deliver(struct spool_msg *m,
	    const struct spool_rcpt *rcpts, size_t count, int wait_secs,
	    const struct spool_reserve *reserve, struct spool_refusal *why);
/*
 * How many distinct mailboxes one spool_deliver() can take under this
 * process's descriptor limit: each holds one descriptor (and its journal's
 * too while that fits) from its lock to the end.
 */
size_t	spool_deliver_max(void);

/* ---- Reading and rewriting a mailbox (POP3) ---- */

#define SPOOL_UID_MAX	(MD5_HEX_LEN + 1 + 20)	/* hex, '-', a count */

struct spool_entry {
	off_t	 from_off;	/* the From_ line */
	off_t	 body_off;	/* the first byte after the From_ line */
	off_t	 header_end;	/* one past the empty line after the header */
	off_t	 content_end;	/* one past the content: no separator line */
	off_t	 end_off;	/* one past the message, separator included */
	off_t	 size;		/* octets with CRLF line ends, unquoted */
	char	*uid;		/* filled by spool_uids() */
};

struct spool_box {
	int			 dirfd;
	int			 fd;		/* the mailbox, or -1 if none */
	int			 session_fd;	/* DIR/.user.pop, fcntl-locked */
	char			 name[USERS_NAME_MAX + 1];
	dev_t			 dev;
	ino_t			 ino;
	off_t			 scanned;	/* bytes covered by msgs[] */
	struct spool_entry	*msgs;
	size_t			 count;
	char			*uid_text;	/* storage for msgs[].uid */
	char			*buf;		/* read buffer */
	/* spool_box_fetch()'s read-ahead: bytes [cache_off, +cache_len) */
	char			*cache;
	off_t			 cache_off;
	size_t			 cache_len;
};

/*
 * Opens the mailbox of user for a session: takes the session lock
 * (SPOOL_INUSE if another session has it), locks the mailbox, recovers an
 * interrupted append, indexes at most max_msgs messages (later ones are
 * kept untouched, like mail that arrives during the session) and unlocks.
 * A missing mailbox is an empty one. On failure the box is closed.
 */
enum spool_status spool_open(struct spool_box *b, const char *dir,
	    const char *user, int wait_secs, size_t max_msgs);
void	spool_close(struct spool_box *b);

/*
 * Fills msgs[].uid: an MD5 of the From_ line, the first header bytes and
 * the size, so ids are the same in every session; a repeated id gets
 * "-N" appended (N counts earlier equal ones), so ids are unique.
 */
enum spool_status spool_uids(struct spool_box *b);

enum spool_eol {
	SPOOL_EOL_ASIS,		/* line ends as stored (LF, or CRLF) */
	SPOOL_EOL_CRLF,		/* every line ends CRLF */
	SPOOL_EOL_DOTS,		/* CRLF, and a line that starts with '.'
				   gets one more (RFC 1939 3), in large
				   batches: a POP3 multi-line reply */
};

/*
 * Streams message i, unquoted, to sink in pieces (for SPOOL_EOL_DOTS,
 * batches of whole lines but the last). body_lines < 0 sends the
 * whole message, else the header, the empty line and that many body lines
 * (TOP). A sink returns 0, or -1 to stop (spool_read then returns
 * SPOOL_IOERR with the sink's errno).
 */
enum spool_status spool_read(struct spool_box *b, size_t i, long body_lines,
	    enum spool_eol eol, spool_sink *sink, void *ctx);

/*
 * Removes the messages i with deleted[i] set, atomically and durably
 * (invariant 3), keeping everything appended after the scan. With nothing
 * deleted it does nothing. SPOOL_CHANGED when another program changed the
 * scanned part: then nothing is removed. The replaced file stays open,
 * unlocked, until spool_close(), so that freeing it can wait until the
 * caller has replied.
 */
enum spool_status spool_commit(struct spool_box *b, const bool *deleted,
	    int wait_secs);

#endif
