/*
 * floor: what the hardware and kernel cost for the work a benchmark asks,
 * with nothing of a mail server in it. Built static, so "hello" is the
 * cheapest exec a superserver could do.
 *
 *   floor hello                 write one line to stdout
 *   floor append FILE N SIZE    append N blocks of SIZE bytes streamed
 *                               from stdin (else 'x'), fsync after each
 *   floor read FILE             read FILE once, sequentially
 *   floor copy SRC DST          copy SRC to DST, fsync DST and its directory
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLOOR_BUF	(128 * 1024)

static char buf[FLOOR_BUF];

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		p += n;
		len -= (size_t)n;
	}
}

static int
floor_append(const char *path, long count, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);

	if (fd == -1)
		die(path);
	/* Each block streams from stdin (padded with 'x' if it runs out). */
	for (long i = 0; i < count; i++) {
		for (size_t left = size; left > 0;) {
			size_t want = left < sizeof buf ? left : sizeof buf;
			ssize_t n = read(0, buf, want);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die("read");
			if (n == 0) {
				memset(buf, 'x', want);
				n = (ssize_t)want;
			}
			write_all(fd, buf, (size_t)n);
			left -= (size_t)n;
		}
		if (fsync(fd) == -1)
			die("fsync");
	}
	return close(fd) == -1;
}

static int
floor_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd == -1)
		die(path);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		continue;
	if (n < 0)
		die("read");
	return close(fd) == -1;
}

static int
floor_copy(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out, dir;
	char dirbuf[4096];
	ssize_t n;

	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in == -1 || out == -1)
		die("open");
	while ((n = read(in, buf, sizeof buf)) > 0)
		write_all(out, buf, (size_t)n);
	if (n < 0 || fsync(out) == -1)
		die("copy");
	snprintf(dirbuf, sizeof dirbuf, "%s", dst);
	if ((dir = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY)) == -1 ||
	    fsync(dir) == -1)
		die("fsync dir");
	return close(in) == -1 || close(out) == -1 || close(dir) == -1;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "hello") == 0) {
		static const char line[] = "220 floor ready\r\n";

		write_all(1, line, sizeof line - 1);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "append") == 0)
		return floor_append(argv[2], atol(argv[3]),
		    (size_t)atol(argv[4]));
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return floor_read(argv[2]);
	if (argc == 4 && strcmp(argv[1], "copy") == 0)
		return floor_copy(argv[2], argv[3]);
	fprintf(stderr, "usage: floor hello | append FILE N SIZE | read FILE |"
	    " copy SRC DST\n");
	return 64;
}
