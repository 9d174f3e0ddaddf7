/*
 * The append journal of invariant 2: DIR/.user.journal holds one record,
 *   spool-journal 1 STATE ino=N before=N after=N head=HEX
 * with STATE "begin" while an append is under way and "done" after it.
 *
 * Neither write is fsync'ed: a killed process leaves its page-cache writes
 * behind, which is all recovery needs, and recovery never truncates an
 * append that reached its full size, so a stale "begin" that survives a
 * power cut cannot remove an acknowledged message.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "spool/internal.h"

static int journal_hex(int c);
static void journal_mark_done(int jfd, const struct stat *st, off_t before,
	    off_t after);
static void journal_keep(int jfd, int *jfdp);

size_t
journal_format(char *out, size_t outsize, bool begun, uintmax_t ino,
    off_t before, off_t after, const char *head, size_t head_len)
{
	static const char digits[] = "0123456789abcdef";
	int n = snprintf(out, outsize,
	    "spool-journal 1 %s ino=%ju before=%jd after=%jd head=",
	    begun ? "begin" : "done", ino, (intmax_t)before, (intmax_t)after);
	size_t len = (size_t)n;

	for (size_t i = 0; i < head_len && len + 3 < outsize; i++) {
		out[len++] = digits[(unsigned char)head[i] >> 4];
		out[len++] = digits[(unsigned char)head[i] & 0xf];
	}
	/*
	 * Every record has the same length, so each overwrites the last in
	 * place: no truncate, which ext4 would answer with a flush.
	 */
	while (len < outsize - 1)
		out[len++] = ' ';
	out[len++] = '\n';
	return len;
}

static int
journal_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A record someone else wrote is untrusted text: parse it strictly. */
bool
journal_parse(const char *text, struct journal_record *rec)
{
	char state[8];
	int consumed = 0;
	const char *hex;

	if (sscanf(text, "spool-journal 1 %7s ino=%ju before=%jd after=%jd "
	    "head=%n", state, &rec->ino, &rec->before, &rec->after,
	    &consumed) != 4 || consumed == 0)
		return false;
	if (strcmp(state, "begin") != 0 && strcmp(state, "done") != 0)
		return false;
	rec->begun = strcmp(state, "begin") == 0;
	rec->head_len = 0;
	for (hex = text + consumed; journal_hex(hex[0]) >= 0 &&
	    journal_hex(hex[1]) >= 0 && rec->head_len < sizeof rec->head;
	    hex += 2)
		rec->head[rec->head_len++] =
		    (unsigned char)(journal_hex(hex[0]) << 4 | journal_hex(hex[1]));
	return rec->before >= 0 && rec->after >= rec->before;
}

enum spool_status
spool_journal_begin(int dirfd, const char *name, const struct stat *st,
    off_t before, off_t after, const char *head, size_t head_len, int *jfdp)
{
	char jname[SPOOL_AUX_NAME_MAX], text[JOURNAL_RECORD_MAX];
	struct stat jst;
	enum spool_status status;
	size_t len;
	int jfd = *jfdp;

	if (jfd == -1) {
		spool_aux_name(jname, name, "journal");
		status = spool_file_open(dirfd, jname, SPOOL_CREATE_DURABLE, &jfd,
		    &jst);
		if (status != SPOOL_OK)
			return status;
	}
	*jfdp = -1;
	len = journal_format(text, sizeof text, true, (uintmax_t)st->st_ino,
	    before, after, head, head_len);
	if (io_pwrite_all(jfd, text, len, 0) == -1) {
		int saved = errno;

		(void)close(jfd);
		errno = saved;
		return spool_errno_status(saved);
	}
	*jfdp = jfd;
	return SPOOL_OK;
}

static void
journal_mark_done(int jfd, const struct stat *st, off_t before, off_t after)
{
	char text[JOURNAL_RECORD_MAX];
	size_t len = journal_format(text, sizeof text, false,
	    (uintmax_t)st->st_ino, before, after, "", 0);

	/*
	 * If this write fails the record stays "begin" for an append that
	 * reached its full size, which recovery keeps: nothing to report.
	 */
	(void)io_pwrite_all(jfd, text, len, 0);
}

void
spool_journal_done(int jfd, const struct stat *st, off_t before, off_t after)
{
	journal_mark_done(jfd, st, before, after);
	(void)close(jfd);
}

/* Gives the open journal to the caller when it wants it, else closes it. */
static void
journal_keep(int jfd, int *jfdp)
{
	if (jfdp != NULL)
		*jfdp = jfd;
	else
		(void)close(jfd);
}

enum spool_status
spool_journal_recover(int dirfd, const char *name, int boxfd, struct stat *st,
    int *jfdp)
{
	char jname[SPOOL_AUX_NAME_MAX], text[JOURNAL_RECORD_MAX + 1];
	unsigned char found[SPOOL_HEAD_MAX];
	struct journal_record rec;
	struct stat jst;
	enum spool_status status;
	ssize_t n;
	size_t check;
	int jfd;

	if (jfdp != NULL)
		*jfdp = -1;
	spool_aux_name(jname, name, "journal");
	status = spool_file_open(dirfd, jname, SPOOL_CREATE_NO, &jfd, &jst);
	if (status != SPOOL_OK || jfd == -1)
		return status;
	/* read under the mailbox's locks: what another host wrote counts */
	spool_drop_cache(jfd);
	n = io_pread_upto(jfd, text, sizeof text - 1, 0);
	if (n < 0) {
		int saved = errno;

		(void)close(jfd);
		errno = saved;
		return SPOOL_IOERR;
	}
	text[n] = '\0';
	if (n == 0 || !journal_parse(text, &rec) || !rec.begun ||
	    rec.ino != (uintmax_t)st->st_ino || st->st_size >= rec.after) {
		/* No append was cut short in this file. */
		journal_keep(jfd, jfdp);
		return SPOOL_OK;
	}
	check = rec.head_len;
	if ((intmax_t)check > st->st_size - rec.before)
		check = (size_t)(st->st_size - rec.before);
	if (st->st_size < rec.before ||
	    io_pread_all(boxfd, found, check, (off_t)rec.before) == -1 ||
	    memcmp(found, rec.head, check) != 0) {
		log_warnx("mailbox %s: an interrupted append was found, but the "
		    "file was changed since; left as it is", name);
		journal_mark_done(jfd, st, (off_t)rec.before, (off_t)rec.after);
		journal_keep(jfd, jfdp);
		return SPOOL_OK;
	}
	if (io_ftruncate(boxfd, (off_t)rec.before) == -1 ||
	    io_fsync(boxfd) == -1) {
		int saved = errno;

		log_warn("mailbox %s: rolling back an interrupted append", name);
		(void)close(jfd);
		errno = saved;
		return spool_errno_status(saved);
	}
	log_warnx("mailbox %s: rolled back an interrupted append of %jd bytes",
	    name, (intmax_t)(st->st_size - rec.before));
	st->st_size = (off_t)rec.before;
	journal_mark_done(jfd, st, (off_t)rec.before, (off_t)rec.after);
	journal_keep(jfd, jfdp);
	return SPOOL_OK;
}
