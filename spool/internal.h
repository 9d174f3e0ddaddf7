/*
 * internal: what the spool's files share; programs include spool.h only.
 */
#ifndef SPOOL_INTERNAL_H
#define SPOOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "common/deadline.h"
#include "common/io.h"
#include "common/users.h"
#include "spool/spool.h"

/* Chunk for copying and scanning mailboxes: large reads, few syscalls. */
#ifndef SPOOL_IO_BUF
#define SPOOL_IO_BUF		(256 * 1024)
#endif
/* The reader's output batch (SPOOL_EOL_DOTS); longer lines go in pieces. */
#define SPOOL_READ_STAGE	16384
/*
 * Descriptors a delivery leaves to the rest of the process: stdio, syslog,
 * the spool directory, the spilled message, and the dotlock and journal
 * being opened for the next mailbox, with room to spare.
 */
#define SPOOL_FDS_RESERVED	16
/*
 * Lock waits poll non-blocking attempts (a backoff, common/deadline.h),
 * sleeping from MIN to MAX, doubling: no signal interrupts a lock request
 * a network filesystem has in flight, and a freed lock is seen within MAX.
 */
#define SPOOL_LOCK_POLL_MIN_USEC	1000
#define SPOOL_LOCK_POLL_MAX_USEC	50000
/*
 * A dotlock nobody refreshed for this long is stale (Postfix's
 * stale_lock_time is 500 s, procmail's 1024 s); a holder refreshes its
 * own every REFRESH seconds of a long copy.
 */
#define SPOOL_DOTLOCK_STALE_SECS	300
#define SPOOL_DOTLOCK_REFRESH_SECS	30
/* Other programs read a dotlock to see who holds it. */
#define SPOOL_DOTLOCK_MODE		0644
/* "user.lock" */
#define SPOOL_DOTLOCK_NAME_MAX	(USERS_NAME_MAX + sizeof USERS_LOCK_SUFFIX)
/* ".user.lock.HOST.PID": a dotlock being made where files cannot be
   made unnamed */
#define SPOOL_DOTLOCK_POST_MAX	(SPOOL_DOTLOCK_NAME_MAX + SPOOL_HOST_MAX + 24)
/* A host name in a dotlock, and the same as a scanf width. */
#define SPOOL_HOST_MAX		255
#define SPOOL_HOST_SCAN		"255"
/* ".user.journal", ".user.rewrite", ".user.pop": a dot, the name, a suffix. */
#define SPOOL_AUX_NAME_MAX	(1 + USERS_NAME_MAX + 16)

enum spool_status spool_errno_status(int err);

/* Validates user and writes its lower-case form to out. */
bool	spool_name_lower(const char *user, char out[USERS_NAME_MAX + 1]);
/* ".name.suffix": the journal, rewrite and session files of a mailbox. */
void	spool_aux_name(char out[SPOOL_AUX_NAME_MAX], const char *name,
	    const char *suffix);

/* The spool directory, O_DIRECTORY, its filesystem learned (fs.c): the
   descriptor, or -1 with errno. */
int	spool_dir_open(const char *dir);

/* What spool_file_open() does when the file is missing. */
enum spool_create {
	SPOOL_CREATE_NO,	/* *fdp = -1 and SPOOL_OK */
	SPOOL_CREATE_DURABLE,	/* creates it and fsyncs the directory */
	SPOOL_CREATE_LOCKFILE,	/* creates it: a crash may lose the name,
				   and nothing depends on it then */
};

/*
 * Opens dirfd/name read-write, refusing anything but a regular file of our
 * own with one link; a missing one is created (mode 0600) as create says.
 */
enum spool_status spool_file_open(int dirfd, const char *name,
	    enum spool_create create, int *fdp, struct stat *st);
/*
 * The want (at most SPOOL_IO_BUF) bytes of the box's file at from, read
 * ahead into b->cache up to b->scanned, so readers going through the file
 * in order (RETR after RETR, UIDL's header windows) cost one pread(2) per
 * SPOOL_IO_BUF. NULL with errno on failure.
 */
const char *spool_box_fetch(struct spool_box *b, off_t from, size_t want);

/*
 * Where a reader's bytes come from, the mirror of spool_sink: fetch
 * returns the want bytes at from (want is at most SPOOL_IO_BUF), valid
 * until the next fetch, or NULL with errno.
 */
struct spool_source {
	const char	*(*fetch)(void *ctx, off_t from, size_t want);
	void		*ctx;
};

/*
 * read.c: streams [from, to) of src to sink, unquoted, line ends as eol
 * says; with body_lines >= 0 only [from, header_end) and that many lines
 * after it (TOP). A last line without LF is ended like the others. A
 * sink's -1 is SPOOL_IOERR with its errno.
 */
enum spool_status spool_unquote(const struct spool_source *src, off_t from,
	    off_t header_end, off_t to, long body_lines, enum spool_eol eol,
	    spool_sink *sink, void *ctx);

/*
 * room.c: whether a mailbox of size bytes growing by growth passes limit
 * (0: none); one already at its limit takes nothing more.
 */
bool	spool_room_over(int64_t size, int64_t growth, int64_t limit);
/*
 * Whether dirfd's filesystem can take growth more bytes and keep r (NULL
 * or zero: no reserve): SPOOL_OK, or SPOOL_RESERVE with *why filled.
 */
enum spool_status spool_room_reserve(int dirfd, int64_t growth,
	    const struct spool_reserve *r, struct spool_refusal *why);

/* scan.c: indexes the first size bytes of b->fd, up to max_msgs messages. */
enum spool_status spool_scan(struct spool_box *b, off_t size,
	    size_t max_msgs);

/*
 * scan_sse2.c, the one switch between the vector and the portable scanner
 * (PORTABLE=1 builds the portable one on x86 too): from p, a line start
 * whose first byte is neither '>', 'F', CR nor LF and whose p[-1] is in
 * the buffer, the whole lines up to the first line that starts with one
 * of those or up to the last LF before end. Counts their LFs and their
 * CR LF pairs and returns the bytes they take; 0 when there is no whole
 * line.
 */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(SPOOL_SCAN_PORTABLE)
#define SPOOL_SCAN_SIMD	1
size_t	spool_scan_run(const char *p, const char *end, off_t *lfs,
	    off_t *crlfs);
#endif
/*
 * Invariant 1 (lock.c): takes the dotlock, opens the mailbox (creating it
 * as create says), takes its fcntl lock and flock, and checks with the
 * server that the name still leads to the file locked, opening again
 * until it does. *st is fresh then. A missing mailbox not created:
 * SPOOL_OK, *fdp = -1 and nothing held. On failure nothing is held.
 */
enum spool_status spool_lock(int dirfd, const char *name,
	    enum spool_create create,
	    struct deadline deadline, int *fdp, struct stat *st);
/* Releases what spool_lock() took; fd stays open. */
void	spool_unlock(int dirfd, const char *name, int fd);
/* The same, closing fd (which releases its kernel locks at once). */
void	spool_unlock_close(int dirfd, const char *name, int fd);
/* Touches the dotlock so others know its holder lives. */
void	spool_lock_refresh(int dirfd, const char *name);
/* When a holder next refreshes its dotlock: SPOOL_DOTLOCK_REFRESH_SECS on. */
struct deadline spool_refresh_next(void);
/* true once *next has passed, which then moves on by the same. */
bool	spool_refresh_due(struct deadline *next);
/* fcntl(F_SETLK) write lock on the whole file, once: 0 or -1 (EAGAIN). */
int	spool_fcntl_lock_now(int fd);

/* fs.c: remembers the spool directory's filesystem for the calls below (a
   process serves one spool: the first directory opened is it). */
void	spool_fs_learn(int dirfd);
/* The spool is on a filesystem that other hosts may share. */
bool	spool_fs_shared(int fd);
/* flock(2) there is a lock of its own, not a POSIX lock in disguise. */
bool	spool_fs_flock_separate(int fd);
/* Where shared, forgets fd's cached pages: the next read asks the server. */
void	spool_drop_cache(int fd);
/* fstat(2), with the attributes asked of the server where shared. */
int	spool_fresh_fstat(int fd, struct stat *st);

/*
 * Ends a message: gives back held prefix bytes, ends the last line, adds
 * the empty line and moves spilled bytes to the file. Idempotent.
 */
enum spool_status spool_msg_finish(struct spool_msg *m);
/* Copies the From_ line (LF included) into buf: 0, or -1 with errno. */
int	spool_msg_from_line(const struct spool_msg *m, char *buf, size_t size,
	    size_t *len);
/* RFC 5321 4.5.3.1.3: a path is at most 256 octets; the From_ line of a
   message we build holds one, "From " and a date. */
#define SPOOL_SENDER_MAX	256
#define SPOOL_FROM_LINE_MAX	(SPOOL_SENDER_MAX + 64)

/*
 * Invariant 2: the append journal. Callers hold the mailbox lock.
 * Recovery leaves the journal open in *jfdp (-1 when there is none) when
 * jfdp is not NULL, so a delivery does not open it again; begin uses an
 * open *jfdp or opens the journal, and on success leaves *jfdp to give
 * to spool_journal_done(); on failure *jfdp is -1 and nothing is open.
 */
enum spool_status spool_journal_recover(int dirfd, const char *name,
	    int boxfd, struct stat *st, int *jfdp);
enum spool_status spool_journal_begin(int dirfd, const char *name,
	    const struct stat *st, off_t before, off_t after,
	    const char *head, size_t head_len, int *jfdp);
void	spool_journal_done(int jfd, const struct stat *st, off_t before,
	    off_t after);

/*
 * The line-start machine for ^>*From  lines, fed one byte at a time at
 * the start of a line; its held bytes are only '>'s and a prefix of
 * "From ", so they are re-made from the counts rather than stored.
 */
enum spool_prefix {
	SPOOL_PREFIX_MORE,	/* consumed; still undecided */
	SPOOL_PREFIX_FROM,	/* consumed; the line starts "From " */
	SPOOL_PREFIX_QUOTED,	/* consumed; the line starts ">...>From " */
	SPOOL_PREFIX_PLAIN,	/* not consumed: the line is neither */
};

struct spool_prefix_state {
	size_t	gts;		/* '>'s at the line start */
	size_t	matched;	/* bytes of "From " after them */
};

enum spool_prefix spool_prefix_feed(struct spool_prefix_state *s, char c);

/*
 * True when c, the first byte of a line, already decides PLAIN: only '>'
 * and 'F' can begin "From " or ">From ". Lets the hot loops skip the
 * machine for most lines.
 */
static inline bool
spool_prefix_plain_start(const struct spool_prefix_state *s, char c)
{
	return s->gts == 0 && s->matched == 0 && c != '>' && c != 'F';
}
/*
 * Re-makes the held bytes with gts + extra_gts '>'s: extra_gts is +1 to
 * quote, -1 to unquote, 0 to give them back as they were.
 */
int	spool_prefix_emit(const struct spool_prefix_state *s, int extra_gts,
	    int (*emit)(void *ctx, const char *data, size_t len), void *ctx);

/*
 * journal.c's record, "spool-journal 1 STATE ino=N before=N after=N
 * head=HEX", padded to JOURNAL_RECORD_MAX - 1 with a final LF; parsed
 * strictly (fuzz_journal feeds the parser).
 */
#define JOURNAL_RECORD_MAX	(128 + 2 * SPOOL_HEAD_MAX)

struct journal_record {
	bool		begun;
	uintmax_t	ino;
	intmax_t	before;
	intmax_t	after;
	unsigned char	head[SPOOL_HEAD_MAX];
	size_t		head_len;
};

/* The record into out (its length), and back: false for anything else. */
size_t	journal_format(char *out, size_t outsize, bool begun, uintmax_t ino,
	    off_t before, off_t after, const char *head, size_t head_len);
bool	journal_parse(const char *text, struct journal_record *rec);

#endif
