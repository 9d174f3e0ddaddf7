/*
 * Locking a mailbox the way the other mail programs of the box do (spool.h,
 * invariant 1): the dotlock DIR/user.lock, then an fcntl(2) write lock on
 * the whole mailbox, then flock(2) where the filesystem keeps it apart.
 * Every wait polls non-blocking attempts with back-off until the deadline
 * (common/deadline.h): no signal ever interrupts a lock request in
 * flight, which a FUSE or NFS server may take badly. What differs on a
 * shared filesystem is asked of fs.c.
 */
/* O_TMPFILE and AT_EMPTY_PATH where Linux has them; the code does
   without them elsewhere. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "spool/internal.h"

/*
 * make MUTANT=NAME builds with SPOOL_MUTANT_NAME defined: one guarantee
 * switched off, so that t/mutants.bats can show a test fails without it
 * (NO_FRESH_STAT is fs.c's). Never defined in a build of the programs.
 */

/* "PID HOST\n": who holds a dotlock, for the stale rule. */
#define DOTLOCK_TEXT_MAX	(32 + SPOOL_HOST_MAX)

#ifdef SPOOL_MUTANT_NO_DOTLOCK
#define LOCK_MUTANT_NO_DOTLOCK		1
#else
#define LOCK_MUTANT_NO_DOTLOCK		0
#endif
#ifdef SPOOL_MUTANT_NO_ESTALE_RETRY
#define LOCK_MUTANT_NO_ESTALE_RETRY	1
#else
#define LOCK_MUTANT_NO_ESTALE_RETRY	0
#endif

enum lock_check {
	LOCK_CURRENT,		/* fd is the file the name leads to */
	LOCK_REPLACED,		/* renamed over or removed: open again */
	LOCK_ERROR,		/* errno says why */
};

static void lock_backoff_init(struct backoff *bo);
static const char *lock_host(void);
static void dotlock_name(char out[SPOOL_DOTLOCK_NAME_MAX], const char *name);
#ifdef O_TMPFILE
static int dotlock_link_unnamed(int fd, int dirfd, const char *lname);
#endif
static int dotlock_create(int dirfd, const char *name, const char *lname);
static bool dotlock_break_if_stale(int dirfd, const char *name,
	    const char *lname);
static enum spool_status dotlock_take(int dirfd, const char *name,
	    struct deadline deadline);
static void dotlock_drop(int dirfd, const char *name);
static int fcntl_lock_now(int fd, short type);
static int kernel_locks_take(int fd, struct deadline deadline);
static enum lock_check lock_check(int dirfd, const char *name, int fd,
	    struct stat *st);

/* Every lock wait steps alike (internal.h). */
static void
lock_backoff_init(struct backoff *bo)
{
	backoff_init(bo, SPOOL_LOCK_POLL_MIN_USEC, SPOOL_LOCK_POLL_MAX_USEC);
}

static const char *
lock_host(void)
{
	static char host[SPOOL_HOST_MAX + 1];

	if (host[0] == '\0') {
		if (gethostname(host, sizeof host - 1) == -1 || host[0] == '\0')
			strcpy(host, "localhost");
		/* a space would end the field early */
		for (char *p = host; *p != '\0'; p++)
			if (*p <= ' ' || *p > '~')
				*p = '_';
	}
	return host;
}

static void
dotlock_name(char out[SPOOL_DOTLOCK_NAME_MAX], const char *name)
{
	snprintf(out, SPOOL_DOTLOCK_NAME_MAX, "%s" USERS_LOCK_SUFFIX, name);
}

#ifdef O_TMPFILE
/* The unnamed file fd becomes dirfd/lname: 0, or -1 (EEXIST when held). */
static int
dotlock_link_unnamed(int fd, int dirfd, const char *lname)
{
	char proc[64];
	int rc;

	/* Linux 6.10 lets the opener do this; before, only through /proc. */
	rc = io_linkat(fd, "", dirfd, lname, AT_EMPTY_PATH);
	if (rc == 0 || errno == EEXIST)
		return rc;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return io_linkat(AT_FDCWD, proc, dirfd, lname, AT_SYMLINK_FOLLOW);
}
#endif

/*
 * Creates lname holding "PID HOST", or fails with EEXIST when it exists,
 * never leaving it empty: a process killed at any moment leaves a lock
 * that names it (and so is known stale) or none. Where the filesystem has
 * unnamed files the lock is written as one and linked into place; else
 * (NFS, FUSE) it is written under a name of its own, ".user.lock.HOST.PID",
 * and linked (the way Exim and liblockfile make one on NFS), and a kill
 * between the two leaves only that name behind.
 */
static int
dotlock_create(int dirfd, const char *name, const char *lname)
{
	char text[DOTLOCK_TEXT_MAX], post[SPOOL_DOTLOCK_POST_MAX];
	int len = snprintf(text, sizeof text, "%ld %s\n", (long)getpid(),
	    lock_host());
	struct stat st;
	int fd, rc, saved;

#ifdef O_TMPFILE
	/* once told no (FUSE, NFS), a process does not ask again */
	static bool no_tmpfile;

	if (!no_tmpfile) {
		fd = io_openat(dirfd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC,
		    SPOOL_DOTLOCK_MODE);
		if (fd != -1) {
			if (io_write_all(fd, text, (size_t)len) == -1)
				goto fail;
			rc = dotlock_link_unnamed(fd, dirfd, lname);
			if (rc == 0 || errno == EEXIST)
				goto out;
			/* no way to name it here: the other way */
			(void)close(fd);
		} else if (errno == EOPNOTSUPP || errno == EISDIR ||
		    errno == EINVAL) {
			no_tmpfile = true;
		} else {
			return -1;
		}
	}
#endif
	snprintf(post, sizeof post, ".%s" USERS_LOCK_SUFFIX ".%s.%ld", name,
	    lock_host(), (long)getpid());
	fd = io_openat(dirfd, post, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, SPOOL_DOTLOCK_MODE);
	if (fd == -1)
		return -1;
	if (io_write_all(fd, text, (size_t)len) == -1) {
		saved = errno;
		(void)io_unlinkat(dirfd, post);
		(void)close(fd);
		errno = saved;
		return -1;
	}
	rc = io_linkat(dirfd, post, dirfd, lname, 0);
	/* NFS may lose the reply of a link that was made: count the links. */
	if (rc == -1 && errno != EEXIST && fstat(fd, &st) == 0 &&
	    st.st_nlink == 2)
		rc = 0;
	saved = errno;
	(void)io_unlinkat(dirfd, post);
	errno = saved;
#ifdef O_TMPFILE
out:
#endif
	saved = errno;
	(void)close(fd);
	errno = saved;
	return rc;
#ifdef O_TMPFILE
fail:
	saved = errno;
	(void)close(fd);
	errno = saved;
	return -1;
#endif
}

/*
 * A dotlock is stale when it names a process of this host that is gone,
 * or when nobody has refreshed it for SPOOL_DOTLOCK_STALE_SECS (a holder
 * refreshes it every SPOOL_DOTLOCK_REFRESH_SECS). Other programs' locks
 * (empty, or a bare PID that may be another host's) go by age alone.
 * true when it was removed, or was gone already: try again at once.
 */
static bool
dotlock_break_if_stale(int dirfd, const char *name, const char *lname)
{
	char text[DOTLOCK_TEXT_MAX + 1], host[SPOOL_HOST_MAX + 1], why[64];
	struct stat seen, again;
	long pid = 0;
	ssize_t n = -1;
	int fd;

	if (fstatat(dirfd, lname, &seen, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT || errno == ESTALE;
	fd = io_openat(dirfd, lname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0);
	if (fd != -1) {
		n = io_read_upto(fd, text, sizeof text - 1);
		(void)close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	why[0] = '\0';
	if (sscanf(text, "%ld %" SPOOL_HOST_SCAN "s", &pid, host) == 2 &&
	    strcmp(host, lock_host()) == 0 && pid > 0 && pid != getpid() &&
	    kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		snprintf(why, sizeof why, "process %ld is gone", pid);
	else if (time(NULL) - seen.st_mtime > SPOOL_DOTLOCK_STALE_SECS)
		snprintf(why, sizeof why, "not refreshed for %lld s",
		    (long long)(time(NULL) - seen.st_mtime));
	if (why[0] == '\0')
		return false;
	/* Only the lock judged: a newer one may have taken its place. */
	if (fstatat(dirfd, lname, &again, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT || errno == ESTALE;
	if (again.st_ino != seen.st_ino || again.st_mtime != seen.st_mtime)
		return false;
	if (io_unlinkat(dirfd, lname) == -1)
		return errno == ENOENT;
	log_warnx("mailbox %s: removed the stale lock file %s (%s)", name,
	    lname, why);
	return true;
}

static enum spool_status
dotlock_take(int dirfd, const char *name, struct deadline deadline)
{
	char lname[SPOOL_DOTLOCK_NAME_MAX];
	struct backoff bo;

	if (LOCK_MUTANT_NO_DOTLOCK)
		return SPOOL_OK;
	dotlock_name(lname, name);
	lock_backoff_init(&bo);
	for (;;) {
		if (dotlock_create(dirfd, name, lname) == 0)
			return SPOOL_OK;
		if (errno == EEXIST) {
			if (dotlock_break_if_stale(dirfd, name, lname))
				continue;
		} else if (errno != ESTALE && errno != EINTR) {
			log_warn("mailbox %s: cannot create the lock file %s",
			    name, lname);
			return spool_errno_status(errno);
		}
		if (backoff_wait(&bo, deadline) == -1)
			return SPOOL_LOCKED;
	}
}

static void
dotlock_drop(int dirfd, const char *name)
{
	char lname[SPOOL_DOTLOCK_NAME_MAX];

	dotlock_name(lname, name);
	if (io_unlinkat(dirfd, lname) == -1 && errno != ENOENT)
		log_warn("mailbox %s: removing the lock file %s", name, lname);
}

void
spool_lock_refresh(int dirfd, const char *name)
{
	char lname[SPOOL_DOTLOCK_NAME_MAX];

	dotlock_name(lname, name);
	if (utimensat(dirfd, lname, NULL, AT_SYMLINK_NOFOLLOW) == -1)
		log_warn("mailbox %s: refreshing the lock file %s", name, lname);
}

struct deadline
spool_refresh_next(void)
{
	return deadline_in(SPOOL_DOTLOCK_REFRESH_SECS * 1000L);
}

bool
spool_refresh_due(struct deadline *next)
{
	if (deadline_left_ms(*next, 1) > 0)
		return false;
	*next = spool_refresh_next();
	return true;
}

static int
fcntl_lock_now(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLK, &fl) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int
spool_fcntl_lock_now(int fd)
{
	return fcntl_lock_now(fd, F_WRLCK);
}

/* fcntl, then flock where it is its own lock: 0, or -1 with errno. */
static int
kernel_locks_take(int fd, struct deadline deadline)
{
	struct backoff bo;

	lock_backoff_init(&bo);
#ifndef SPOOL_MUTANT_NO_FCNTL
	while (fcntl_lock_now(fd, F_WRLCK) == -1) {
		if (errno != EAGAIN && errno != EACCES)
			return -1;
		if (backoff_wait(&bo, deadline) == -1)
			return -1;
	}
#endif
#ifdef SPOOL_MUTANT_NO_FLOCK
	return 0;
#endif
	if (!spool_fs_flock_separate(fd))
		return 0;
	while (io_flock_now(fd, LOCK_EX) == -1) {
		if (errno != EWOULDBLOCK)
			return -1;
		if (backoff_wait(&bo, deadline) == -1)
			return -1;
	}
	return 0;
}

/*
 * Is the locked fd still what the name leads to? Asked of the server
 * where the spool is shared: a rename over the mailbox on another host
 * leaves our cached attributes saying one link.
 */
static enum lock_check
lock_check(int dirfd, const char *name, int fd, struct stat *st)
{
	struct stat path_st;

	if (spool_fresh_fstat(fd, st) == -1)
		return errno == ESTALE && !LOCK_MUTANT_NO_ESTALE_RETRY ?
		    LOCK_REPLACED : LOCK_ERROR;
	if (st->st_nlink == 0)
		return LOCK_REPLACED;
	if (fstatat(dirfd, name, &path_st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT || (errno == ESTALE &&
		    !LOCK_MUTANT_NO_ESTALE_RETRY) ? LOCK_REPLACED : LOCK_ERROR;
	if (path_st.st_ino != st->st_ino || path_st.st_dev != st->st_dev)
		return LOCK_REPLACED;
	return LOCK_CURRENT;
}

enum spool_status
spool_lock(int dirfd, const char *name, enum spool_create create,
    struct deadline deadline, int *fdp, struct stat *st)
{
	struct backoff bo;
	enum spool_status status;
	int fd = -1, saved;

	*fdp = -1;
	if ((status = dotlock_take(dirfd, name, deadline)) != SPOOL_OK)
		return status;
	lock_backoff_init(&bo);
	for (;;) {
		status = spool_file_open(dirfd, name, create, &fd, st);
		if (status == SPOOL_OK && fd == -1) {
			/* No mailbox, none wanted: nothing to hold. */
			dotlock_drop(dirfd, name);
			return SPOOL_OK;
		}
		if (status != SPOOL_OK) {
			if (errno != ESTALE || LOCK_MUTANT_NO_ESTALE_RETRY)
				goto fail;
		} else if (kernel_locks_take(fd, deadline) == -1) {
			if (errno != ESTALE || LOCK_MUTANT_NO_ESTALE_RETRY)
				goto fail;
		} else {
			switch (lock_check(dirfd, name, fd, st)) {
			case LOCK_CURRENT:
				if (!S_ISREG(st->st_mode) ||
				    st->st_uid != geteuid() || st->st_nlink != 1) {
					errno = EPERM;
					status = SPOOL_UNSAFE;
					goto fail;
				}
				spool_drop_cache(fd);
				*fdp = fd;
				return SPOOL_OK;
			case LOCK_REPLACED:
				break;
			case LOCK_ERROR:
				goto fail;
			}
		}
		/*
		 * Renamed over or removed while we waited, or a stale handle
		 * on a shared filesystem: look the name up again, soon.
		 */
		if (fd != -1)
			(void)close(fd);
		fd = -1;
		if (backoff_wait(&bo, deadline) == -1) {
			status = SPOOL_LOCKED;
			goto fail;
		}
	}
fail:
	saved = errno;
	if (status == SPOOL_OK)
		status = spool_errno_status(saved);
	if (fd != -1)
		(void)close(fd);
	dotlock_drop(dirfd, name);
	errno = saved;
	return status;
}

void
spool_unlock_close(int dirfd, const char *name, int fd)
{
	int saved = errno;

	/* closing releases fcntl and flock; the dotlock goes after them */
	if (fd != -1)
		(void)close(fd);
	dotlock_drop(dirfd, name);
	errno = saved;
}

void
spool_unlock(int dirfd, const char *name, int fd)
{
	int saved = errno;

	if (fd != -1) {
		if (spool_fs_flock_separate(fd))
			(void)io_flock_now(fd, LOCK_UN);
		(void)fcntl_lock_now(fd, F_UNLCK);
	}
	dotlock_drop(dirfd, name);
	errno = saved;
}
