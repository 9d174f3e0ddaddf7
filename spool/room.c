/*
 * Room: what a mailbox and the spool's filesystem may still take (SPEC
 * 3). The same two measures serve the early answer at RCPT, from a stat
 * without locks, and the exact one that deliver.c gives under the locks
 * with the sizes learned there. A filesystem that cannot be measured is
 * not refused: the append itself still meets ENOSPC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/log.h"
#include "spool/internal.h"

/* Percent is of a hundred. */
#define ROOM_PERCENT_WHOLE	100

static int room_dir(const char *dir);

/*
 * The spool directory, opened once: a session asks at every RCPT, and
 * a process serves one spool (fs.c); a different one is opened afresh.
 */
static int
room_dir(const char *dir)
{
	static char *open_dir;
	static int fd = -1;

	if (fd != -1 && strcmp(open_dir, dir) == 0)
		return fd;
	if (fd != -1) {
		(void)close(fd);
		free(open_dir);
		fd = -1;
	}
	if ((open_dir = strdup(dir)) == NULL)
		return -1;
	if ((fd = spool_dir_open(dir)) == -1) {
		free(open_dir);
		open_dir = NULL;
	}
	return fd;
}

bool
spool_room_over(int64_t size, int64_t growth, int64_t limit)
{
	return limit > 0 && (size >= limit || growth > limit - size);
}

/* What the reserve keeps of the filesystem fs, in bytes. */
static int64_t
room_reserve_bytes(const struct spool_reserve *r, const struct statvfs *fs)
{
	uint64_t unit = fs->f_frsize != 0 ? fs->f_frsize : fs->f_bsize;
	uint64_t blocks;

	if (r->percent == 0)
		return r->bytes;
	blocks = (uint64_t)fs->f_blocks / ROOM_PERCENT_WHOLE * r->percent +
	    (uint64_t)fs->f_blocks % ROOM_PERCENT_WHOLE * r->percent /
	    ROOM_PERCENT_WHOLE;
	return unit != 0 && blocks > (uint64_t)INT64_MAX / unit ? INT64_MAX :
	    (int64_t)(blocks * unit);
}

enum spool_status
spool_room_reserve(int dirfd, int64_t growth, const struct spool_reserve *r,
    struct spool_refusal *why)
{
	struct statvfs fs;
	uint64_t unit, avail;
	int64_t keep, free_bytes;

	if (r == NULL || (r->bytes == 0 && r->percent == 0))
		return SPOOL_OK;
	if (fstatvfs(dirfd, &fs) == -1) {
		log_warn("spool: statvfs, the free-space reserve not checked");
		return SPOOL_OK;
	}
	unit = fs.f_frsize != 0 ? fs.f_frsize : fs.f_bsize;
	avail = (uint64_t)fs.f_bavail;
	free_bytes = unit != 0 && avail > (uint64_t)INT64_MAX / unit ?
	    INT64_MAX : (int64_t)(avail * unit);
	keep = room_reserve_bytes(r, &fs);
	if (free_bytes >= keep && growth <= free_bytes - keep)
		return SPOOL_OK;
	if (why != NULL)
		*why = (struct spool_refusal){
			.size = free_bytes, .limit = keep,
		};
	return SPOOL_RESERVE;
}

enum spool_status
spool_room(const char *dir, const struct spool_rcpt *rcpts, size_t count,
    int64_t size, const struct spool_reserve *reserve,
    struct spool_refusal *why)
{
	char name[USERS_NAME_MAX + 1];
	enum spool_status status = SPOOL_OK;
	struct stat st;
	int dirfd;

	if ((dirfd = room_dir(dir)) == -1)
		return SPOOL_OK;
	for (size_t i = 0; i < count && status == SPOOL_OK; i++) {
		if (rcpts[i].limit <= 0 || !spool_name_lower(rcpts[i].user,
		    name))
			continue;
		/* a missing mailbox is an empty one */
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT)
				continue;
			st.st_size = 0;
		}
		if (spool_room_over(st.st_size, size, rcpts[i].limit)) {
			if (why != NULL)
				*why = (struct spool_refusal){
					.user = rcpts[i].user,
					.size = st.st_size,
					.limit = rcpts[i].limit,
				};
			status = SPOOL_FULL;
		}
	}
	if (status == SPOOL_OK)
		status = spool_room_reserve(dirfd, size > INT64_MAX /
		    (int64_t)(count + 1) ? INT64_MAX : size * (int64_t)count,
		    reserve, why);
	return status;
}
