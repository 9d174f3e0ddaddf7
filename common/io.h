/*
 * io: careful system calls, written once. Each call is retried when a
 * signal interrupts it: on NFS mounted intr, or with a lock-wait tick
 * pending, any of them may be interrupted, and an interruption is not a
 * reason to refuse mail. The *_all ones loop over short transfers, so
 * callers see only "all of it" (0) or a real error (-1, errno set).
 */
#ifndef COMMON_IO_H
#define COMMON_IO_H

#include <stddef.h>
#include <sys/types.h>

/* All len bytes, at the file offset or at off: 0, or -1 with errno. */
int	io_write_all(int fd, const void *data, size_t len);
int	io_pwrite_all(int fd, const void *data, size_t len, off_t off);
/* Exactly len bytes at off: a file that ends first is EIO. */
int	io_pread_all(int fd, void *data, size_t len, off_t off);
/* Up to len bytes, stopping early only at end of file: how many, or -1. */
ssize_t	io_read_upto(int fd, void *data, size_t len);
ssize_t	io_pread_upto(int fd, void *data, size_t len, off_t off);

/* The system calls of the same names, retried on EINTR: their results. */
int	io_open(const char *path, int flags);
int	io_openat(int dirfd, const char *name, int flags, mode_t mode);
int	io_fsync(int fd);
int	io_ftruncate(int fd, off_t len);
int	io_renameat(int dirfd, const char *from, const char *to);
int	io_linkat(int fromdir, const char *from, int todir, const char *to,
	    int flags);
int	io_unlinkat(int dirfd, const char *name);
int	io_fcntl_setfl(int fd, int flags);
/* flock(op | LOCK_NB): 0, or -1 with errno (EWOULDBLOCK when held). */
int	io_flock_now(int fd, int op);

#endif
