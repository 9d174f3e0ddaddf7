/* Opening, checking and locking spool files; careful I/O. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "spool/internal.h"

static void spool_on_tick(int sig);

const char *
spool_status_text(enum spool_status st)
{
	switch (st) {
	case SPOOL_OK:		return "ok";
	case SPOOL_LOCKED:	return "lock timeout";
	case SPOOL_INUSE:	return "mailbox in use";
	case SPOOL_NOSPACE:	return "no space";
	case SPOOL_IOERR:	return "I/O error";
	case SPOOL_UNSAFE:	return "unsafe mailbox file";
	case SPOOL_BADNAME:	return "invalid mailbox name";
	case SPOOL_CORRUPT:	return "not an mbox file";
	case SPOOL_CHANGED:	return "mailbox changed by another program";
	}
	return "unknown";
}

enum spool_status
spool_errno_status(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return SPOOL_NOSPACE;
	case ETIMEDOUT:
		return SPOOL_LOCKED;
	case ELOOP:
		return SPOOL_UNSAFE;
	default:
		return SPOOL_IOERR;
	}
}

bool
spool_name_lower(const char *user, char out[USERS_NAME_MAX + 1])
{
	size_t len = strlen(user);

	if (!users_name_valid(user, len))
		return false;
	for (size_t i = 0; i <= len; i++)
		out[i] = (user[i] >= 'A' && user[i] <= 'Z') ?
		    (char)(user[i] - 'A' + 'a') : user[i];
	return true;
}

void
spool_aux_name(char out[SPOOL_AUX_NAME_MAX], const char *name,
    const char *suffix)
{
	snprintf(out, SPOOL_AUX_NAME_MAX, ".%s.%s", name, suffix);
}

int
spool_dir_open(const char *dir)
{
	return spool_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    0);
}

void
spool_deadline(struct timespec *deadline, int wait_secs)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += wait_secs;
}

enum spool_status
spool_file_open(int dirfd, const char *name, enum spool_create create,
    int *fdp, struct stat *st)
{
	/* O_NONBLOCK: opening a FIFO or a device must not hang or act. */
	const int flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK;
	bool created = false;
	int fd;

	*fdp = -1;
	for (;;) {
		created = false;
		fd = spool_openat(dirfd, name, flags, 0);
		if (fd == -1 && errno == ENOENT) {
			if (create == SPOOL_CREATE_NO)
				return SPOOL_OK;
			fd = spool_openat(dirfd, name, flags | O_CREAT | O_EXCL,
			    0600);
			created = fd != -1;
			if (fd == -1 && errno == EEXIST)
				continue;
		}
		if (fd == -1)
			return spool_errno_status(errno);
		if (fstat(fd, st) == -1) {
			int saved = errno;

			(void)close(fd);
			errno = saved;
			return SPOOL_IOERR;
		}
		/* No link left: a rewrite renamed over it since we opened it. */
		if (st->st_nlink != 0)
			break;
		(void)close(fd);
	}
	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    st->st_nlink != 1) {
		(void)close(fd);
		errno = EPERM;
		return SPOOL_UNSAFE;
	}
	if (fcntl(fd, F_SETFL, O_APPEND) == -1 ||
	    (created && create == SPOOL_CREATE_DURABLE &&
	    spool_fsync(dirfd) == -1)) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
		return spool_errno_status(errno);
	}
	*fdp = fd;
	return SPOOL_OK;
}

static void
spool_on_tick(int sig)
{
	(void)sig;
}

int
spool_flock_until(int fd, int op, const struct timespec *deadline)
{
	struct sigaction tick_sa = { .sa_handler = spool_on_tick }, old_sa;
	struct itimerval tick = {
		.it_interval = { .tv_usec = SPOOL_LOCK_TICK_USEC },
		.it_value = { .tv_usec = SPOOL_LOCK_TICK_USEC },
	}, old_tick;
	struct timespec now;
	int rc, saved;

	if (spool_flock_now(fd, op) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	/*
	 * Block in flock(2) so the lock is ours the moment it is free, and
	 * let a repeating timer interrupt it (no SA_RESTART) to check the
	 * deadline; repeating, because a tick that fires just before flock()
	 * sleeps would otherwise be lost.
	 */
	sigemptyset(&tick_sa.sa_mask);
	if (sigaction(SIGALRM, &tick_sa, &old_sa) == -1)
		return -1;
	if (setitimer(ITIMER_REAL, &tick, &old_tick) == -1) {
		saved = errno;
		(void)sigaction(SIGALRM, &old_sa, NULL);
		errno = saved;
		return -1;
	}
	for (;;) {
		if ((rc = flock(fd, op)) == 0 || errno != EINTR)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec &&
		    now.tv_nsec >= deadline->tv_nsec)) {
			errno = ETIMEDOUT;
			rc = -1;
			break;
		}
	}
	saved = errno;
	(void)setitimer(ITIMER_REAL, &old_tick, NULL);
	(void)sigaction(SIGALRM, &old_sa, NULL);
	errno = saved;
	return rc;
}

enum spool_status
spool_lock(int dirfd, const char *name, enum spool_create create,
    const struct timespec *deadline, int *fdp, struct stat *st)
{
	for (;;) {
		struct stat now;
		enum spool_status status;
		int fd, saved;

		status = spool_file_open(dirfd, name, create, &fd, st);
		if (status != SPOOL_OK || fd == -1) {
			*fdp = -1;
			return status;
		}
		if (spool_flock_until(fd, LOCK_EX, deadline) == -1)
			goto fail;
		bool gone = fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == -1;

		if (gone && errno != ENOENT)
			goto fail;
		if (!gone && now.st_ino == st->st_ino &&
		    now.st_dev == st->st_dev) {
			if (fstat(fd, st) == -1)
				goto fail;
			*fdp = fd;
			return SPOOL_OK;
		}
		/* Renamed over or removed while we waited: lock what is there. */
		(void)close(fd);
		continue;
fail:
		saved = errno;
		(void)close(fd);
		errno = saved;
		*fdp = -1;
		return spool_errno_status(saved);
	}
}

int
spool_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
spool_pwrite_all(int fd, const void *data, size_t len, off_t off)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
spool_pread_all(int fd, void *data, size_t len, off_t off)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
spool_fsync(int fd)
{
	while (fsync(fd) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int
spool_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd;

	while ((fd = openat(dirfd, name, flags, mode)) == -1 && errno == EINTR)
		continue;
	return fd;
}

int
spool_ftruncate(int fd, off_t len)
{
	int rc;

	while ((rc = ftruncate(fd, len)) == -1 && errno == EINTR)
		continue;
	return rc;
}

int
spool_renameat(int dirfd, const char *from, const char *to)
{
	int rc;

	while ((rc = renameat(dirfd, from, dirfd, to)) == -1 && errno == EINTR)
		continue;
	return rc;
}

int
spool_flock_now(int fd, int op)
{
	int rc;

	while ((rc = flock(fd, op | LOCK_NB)) == -1 && errno == EINTR)
		continue;
	return rc;
}
