/*
 * statx(2) where the C library names the flag but not the call: musl
 * before 1.2.5 defines AT_STATX_FORCE_SYNC in <fcntl.h> but has neither
 * statx() nor struct statx. Then this gives both, from the kernel's
 * stable ABI (linux/stat.h), through syscall(2), so a static musl build
 * asks the server for a shared spool's attributes as a glibc one does.
 */
#ifndef SPOOL_STATX_H
#define SPOOL_STATX_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(AT_STATX_FORCE_SYNC) && !defined(STATX_BASIC_STATS) && \
    defined(SYS_statx)
struct statx_timestamp {
	int64_t		tv_sec;
	uint32_t	tv_nsec;
	int32_t		reserved;
};

struct statx {
	uint32_t	stx_mask;
	uint32_t	stx_blksize;
	uint64_t	stx_attributes;
	uint32_t	stx_nlink;
	uint32_t	stx_uid;
	uint32_t	stx_gid;
	uint16_t	stx_mode;
	uint16_t	spare0;
	uint64_t	stx_ino;
	uint64_t	stx_size;
	uint64_t	stx_blocks;
	uint64_t	stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t	stx_rdev_major, stx_rdev_minor;
	uint32_t	stx_dev_major, stx_dev_minor;
	uint64_t	spare2[14];
};

#define STATX_BASIC_STATS	0x7ffU

static inline int
statx(int dirfd, const char *path, int flags, unsigned mask,
    struct statx *sx)
{
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, sx);
}
#endif

#endif
