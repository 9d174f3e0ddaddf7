/*
 * preload: what fuzz/afl.sh loads into the AFL++-instrumented smtpd and
 * pop3d (AFL_PRELOAD), so that the real programs, unchanged, run one
 * session per input from AFL's fork server:
 * - openlog(3), the first thing both mains do once the fork server has
 *   forked them, first puts the spool back: every file in FUZZ_SPOOL is
 *   removed and each of FUZZ_SPOOL_TEMPLATE copied in, mode 0600, owned
 *   as the spool directory is (by the user the servers drop to). So every
 *   input starts from the same mailboxes, whatever the one before it
 *   delivered, deleted, or left locked when it crashed.
 * - crypt(3) is the libFuzzer harnesses' stand-in (fuzz/crypt_standin.h).
 * - nanosleep(2) and clock_nanosleep(2) return at once: a failed login
 *   waits a second in the servers (SPEC 3), which AFL would count as a
 *   hang; lock waits then poll without pausing, to the same deadline.
 * Not instrumented and not part of any server: it exists only here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fuzz/crypt_standin.h"

static _Noreturn void
reset_fail(const char *what, const char *name)
{
	fprintf(stderr, "preload: %s %s: %s\n", what, name, strerror(errno));
	abort();
}

static void
copy_file(int from_dir, int to_dir, const char *name, const struct stat *owner)
{
	char buf[65536];
	ssize_t n;
	int in = openat(from_dir, name, O_RDONLY | O_CLOEXEC);
	int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);

	if (in == -1 || out == -1)
		reset_fail("open", name);
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || write(out, buf, (size_t)n) != n)
			reset_fail("copy", name);
	}
	if (fchown(out, owner->st_uid, owner->st_gid) == -1)
		reset_fail("chown", name);
	close(in);
	close(out);
}

/* The spool as the template has it, and nothing else in it. */
static void
spool_reset(void)
{
	const char *spool = getenv("FUZZ_SPOOL");
	const char *template = getenv("FUZZ_SPOOL_TEMPLATE");
	struct dirent *e;
	struct stat owner;
	DIR *d, *t;
	int spool_fd, template_fd;

	if (spool == NULL || template == NULL)
		return;
	if ((d = opendir(spool)) == NULL)
		reset_fail("opendir", spool);
	spool_fd = dirfd(d);
	if (fstat(spool_fd, &owner) == -1)
		reset_fail("stat", spool);
	while ((errno = 0, e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(spool_fd, e->d_name, 0) == -1)
			reset_fail("unlink", e->d_name);
	if (errno != 0)
		reset_fail("readdir", spool);
	if ((template_fd = open(template, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (t = fdopendir(template_fd)) == NULL)
		reset_fail("open", template);
	while ((e = readdir(t)) != NULL)
		if (e->d_name[0] != '.')
			copy_file(template_fd, spool_fd, e->d_name, &owner);
	closedir(t);
	closedir(d);
}

void
openlog(const char *ident, int option, int facility)
{
	void (*real)(const char *, int, int) =
	    (void (*)(const char *, int, int))dlsym(RTLD_NEXT, "openlog");

	spool_reset();
	if (real != NULL)
		real(ident, option, facility);
}

char *
crypt(const char *key, const char *setting)
{
	return crypt_standin(key, setting);
}

int
nanosleep(const struct timespec *want, struct timespec *left)
{
	(void)want;
	if (left != NULL)
		*left = (struct timespec){ 0 };
	return 0;
}

int
clock_nanosleep(clockid_t clock, int flags, const struct timespec *want,
    struct timespec *left)
{
	(void)clock;
	(void)flags;
	return nanosleep(want, left);
}
