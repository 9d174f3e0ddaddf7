/* Opening and checking spool files, and naming them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ascii.h"
#include "spool/internal.h"

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
	case SPOOL_FULL:	return "mailbox full";
	case SPOOL_RESERVE:	return "free-space reserve reached";
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
	ascii_lower_copy(out, user, len + 1);
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
	int fd = io_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC, 0);

	if (fd != -1)
		spool_fs_learn(fd);
	return fd;
}

enum spool_status
spool_file_open(int dirfd, const char *name, enum spool_create create,
    int *fdp, struct stat *st)
{
	/*
	 * O_NONBLOCK: opening a FIFO or a device must not hang or act. No
	 * O_APPEND: writers write at the size they learned under the lock,
	 * not at one a network filesystem's client cached.
	 */
	const int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK;
	bool created = false;
	int fd;

	*fdp = -1;
	for (;;) {
		created = false;
		fd = io_openat(dirfd, name, flags, 0);
		if (fd == -1 && errno == ENOENT) {
			if (create == SPOOL_CREATE_NO)
				return SPOOL_OK;
			fd = io_openat(dirfd, name, flags | O_CREAT | O_EXCL,
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
	if (io_fcntl_setfl(fd, 0) == -1 ||
	    (created && create == SPOOL_CREATE_DURABLE &&
	    io_fsync(dirfd) == -1)) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
		return spool_errno_status(errno);
	}
	*fdp = fd;
	return SPOOL_OK;
}
