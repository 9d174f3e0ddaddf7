/*
 * fuzz: what the libFuzzer harnesses share. Each harness feeds one input
 * to one entry point: a session reads it as its stdin (a memfd, so
 * poll(2) and read(2) behave as on a pipe that never blocks), files are
 * written to a private directory made at the first input and removed at
 * exit (a crash leaves it, with the state that crashed). Build and run
 * with "make fuzz FUZZ_SECONDS=N" (which defines _GNU_SOURCE for
 * memfd_create).
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/deadline.h"
#include "fuzz/crypt_standin.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_path[64];

static inline int
fuzz_remove(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
fuzz_cleanup(void)
{
	(void)nftw(fuzz_dir_path, fuzz_remove, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A private directory for this run's files, made once: on tmpfs where
 * there is one, since the spool harnesses spend most of their time in the
 * file system (fuzz_mbox runs three times as fast on /dev/shm as on disk).
 */
static inline const char *
fuzz_dir(void)
{
	static int made;

	if (!made) {
		snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/fuzz.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(fuzz_dir_path) == NULL || atexit(fuzz_cleanup) != 0)
			abort();
	}
	made = 1;
	return fuzz_dir_path;
}

/* dir/name, holding len bytes of data; the path is in a static buffer. */
static inline const char *
fuzz_file(const char *name, const void *data, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	return path;
}

/* A descriptor that reads data, as a session's stdin. */
static inline int
fuzz_input(const uint8_t *data, size_t size)
{
	int fd = memfd_create("input", MFD_CLOEXEC);

	if (fd == -1 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) == -1)
		abort();
	return fd;
}

/* Failed logins wait a second in the servers; not here (-Wl,--wrap). */
void	__wrap_sasl_delay(const struct deadline *since, int msecs);
void
__wrap_sasl_delay(const struct deadline *since, int msecs)
{
	(void)since;
	(void)msecs;
}

/* crypt(3) is a stand-in (-Wl,--wrap; fuzz/crypt_standin.h). */
char	*__wrap_crypt(const char *key, const char *setting);
char *
__wrap_crypt(const char *key, const char *setting)
{
	return crypt_standin(key, setting);
}

#endif
