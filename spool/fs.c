/*
 * fs: what differs when the spool is on a filesystem other hosts share
 * (NFS, GlusterFS and other FUSE, CephFS, CIFS, OCFS2, GFS2): which lock
 * calls are separate there, attributes asked of the server rather than
 * the client's cache, and cached pages dropped once a lock is held. A
 * process serves one spool, so the spool directory's filesystem is
 * learned once and taken for all its files.
 */
/* statx() and AT_EMPTY_PATH where Linux has them; plain fstat elsewhere. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "spool/internal.h"
#include "spool/statx.h"

/* statfs(2) f_type of filesystems shared between hosts. */
#define FS_NFS		0x6969
#define FS_FUSE		0x65735546
#define FS_CEPH		0x00c36400
#define FS_CIFS		0xff534d42
#define FS_SMB2		0xfe534d42
#define FS_OCFS2	0x7461636f
#define FS_GFS2		0x01161970

static unsigned int fs_type(int fd);

/* The spool directory's filesystem, learned once: its files are on it. */
static unsigned int spool_dir_fs;
static bool spool_dir_fs_known;

void
spool_fs_learn(int dirfd)
{
	struct statfs sfs;

	if (!spool_dir_fs_known && fstatfs(dirfd, &sfs) == 0) {
		spool_dir_fs = (unsigned int)sfs.f_type;
		spool_dir_fs_known = true;
	}
}

static unsigned int
fs_type(int fd)
{
	struct statfs sfs;

	if (spool_dir_fs_known)
		return spool_dir_fs;
	if (fstatfs(fd, &sfs) == -1)
		return 0;
	return (unsigned int)sfs.f_type;
}

bool
spool_fs_shared(int fd)
{
	switch (fs_type(fd)) {
	case FS_NFS: case FS_FUSE: case FS_CEPH: case FS_CIFS: case FS_SMB2:
	case FS_OCFS2: case FS_GFS2:
		return true;
	}
	return false;
}

/*
 * NFS emulates flock(2) with POSIX locks on the server, and GlusterFS's
 * FUSE client sends it there as one: both conflict with our own fcntl
 * lock, so taking flock after it would wait for ourselves. There the
 * fcntl lock already shuts out whoever uses flock.
 */
bool
spool_fs_flock_separate(int fd)
{
	switch (fs_type(fd)) {
	case FS_NFS: case FS_FUSE: case FS_CIFS: case FS_SMB2:
		return false;
	}
	return true;
}

void
spool_drop_cache(int fd)
{
	/*
	 * Pages cached before we held the lock may predate another host's
	 * writes (a GlusterFS client serves them even to a new open).
	 */
	if (spool_fs_shared(fd))
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

int
spool_fresh_fstat(int fd, struct stat *st)
{
#if defined(AT_STATX_FORCE_SYNC) && !defined(SPOOL_MUTANT_NO_FRESH_STAT)
	struct statx sx;

	/*
	 * A network filesystem answers fstat() from attributes it cached:
	 * a file renamed over on another host still shows one link there.
	 */
	if (spool_fs_shared(fd)) {
		if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_FORCE_SYNC,
		    STATX_BASIC_STATS, &sx) == -1)
			return -1;
		if (fstat(fd, st) == -1)
			return -1;
		st->st_nlink = sx.stx_nlink;
		st->st_size = (off_t)sx.stx_size;
		st->st_ino = (ino_t)sx.stx_ino;
		st->st_mode = sx.stx_mode;
		st->st_uid = sx.stx_uid;
		return 0;
	}
#endif
	return fstat(fd, st);
}
