#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/io.h"

/* rc = call, again while it fails with EINTR. */
#define IO_RETRY(rc, call) \
	do { (rc) = (call); } while ((rc) == -1 && errno == EINTR)

int
io_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n;

		IO_RETRY(n, write(fd, p, len));
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
io_pwrite_all(int fd, const void *data, size_t len, off_t off)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n;

		IO_RETRY(n, pwrite(fd, p, len, off));
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
io_pread_all(int fd, void *data, size_t len, off_t off)
{
	char *p = data;

	while (len > 0) {
		ssize_t n;

		IO_RETRY(n, pread(fd, p, len, off));
		if (n == -1)
			return -1;
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

ssize_t
io_read_upto(int fd, void *data, size_t len)
{
	return io_pread_upto(fd, data, len, -1);
}

/* off -1: read(2) from the file offset; else pread(2) from off. */
ssize_t
io_pread_upto(int fd, void *data, size_t len, off_t off)
{
	char *p = data;
	size_t have = 0;

	while (have < len) {
		ssize_t n;

		if (off == -1)
			IO_RETRY(n, read(fd, p + have, len - have));
		else
			IO_RETRY(n, pread(fd, p + have, len - have,
			    off + (off_t)have));
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

int
io_open(const char *path, int flags)
{
	int fd;

	IO_RETRY(fd, open(path, flags));
	return fd;
}

int
io_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd;

	IO_RETRY(fd, openat(dirfd, name, flags, mode));
	return fd;
}

int
io_fsync(int fd)
{
	int rc;

	IO_RETRY(rc, fsync(fd));
	return rc;
}

int
io_ftruncate(int fd, off_t len)
{
	int rc;

	IO_RETRY(rc, ftruncate(fd, len));
	return rc;
}

int
io_renameat(int dirfd, const char *from, const char *to)
{
	int rc;

	IO_RETRY(rc, renameat(dirfd, from, dirfd, to));
	return rc;
}

int
io_linkat(int fromdir, const char *from, int todir, const char *to, int flags)
{
	int rc;

	IO_RETRY(rc, linkat(fromdir, from, todir, to, flags));
	return rc;
}

int
io_unlinkat(int dirfd, const char *name)
{
	int rc;

	IO_RETRY(rc, unlinkat(dirfd, name, 0));
	return rc;
}

int
io_fcntl_setfl(int fd, int flags)
{
	int rc;

	IO_RETRY(rc, fcntl(fd, F_SETFL, flags));
	return rc;
}

int
io_flock_now(int fd, int op)
{
	int rc;

	IO_RETRY(rc, flock(fd, op | LOCK_NB));
	return rc;
}
