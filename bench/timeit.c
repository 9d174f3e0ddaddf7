/*
 * timeit: runs one command as a superserver would, on one end of a
 * socketpair for stdin and stdout, sends it IN and copies what it says to
 * OUT (while sending: a pipelined client), and prints its wall time, CPU
 * time and peak RSS, measured from just before fork(2) to wait4(2), so
 * the harness's own start-up cost is not counted.
 *
 *   timeit [-u UID:GID] IN OUT PROGRAM [ARG...]
 *   -> "wall_us user_us sys_us maxrss_kb exit_status"
 *
 * -u: the child takes that identity before exec, for a peer that must not
 * run as root, without the cost of a setpriv or su in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEIT_BUF	65536

/* Sends in to fd and copies fd to out until the program closes it. */
static int
converse(int fd, int in, int out)
{
	static char inbuf[TIMEIT_BUF], outbuf[TIMEIT_BUF];
	size_t have = 0, sent = 0;
	bool sending = true;

	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	for (;;) {
		struct pollfd pfd = { .fd = fd,
		    .events = POLLIN | (sending ? POLLOUT : 0) };
		ssize_t n;

		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (sending && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
			if (sent == have) {
				n = read(in, inbuf, sizeof inbuf);
				if (n <= 0) {
					sending = false;
					(void)shutdown(fd, SHUT_WR);
					continue;
				}
				have = (size_t)n;
				sent = 0;
			}
			n = write(fd, inbuf + sent, have - sent);
			if (n > 0)
				sent += (size_t)n;
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				sending = false;	/* it stopped reading */
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, outbuf, sizeof outbuf);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR))
				return 0;
			if (n > 0 && write(out, outbuf, (size_t)n) != n)
				return -1;
		}
	}
}

static long long
usec(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec start, end;
	struct rusage ru;
	int in, out, status, sv[2];
	long uid = -1, gid = -1;
	pid_t pid;

	if (argc > 2 && strcmp(argv[1], "-u") == 0) {
		if (sscanf(argv[2], "%ld:%ld", &uid, &gid) != 2)
			return 64;
		argc -= 2;
		argv += 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: timeit [-u UID:GID] IN OUT PROGRAM "
		    "[ARG...]\n");
		return 64;
	}
	if ((in = open(argv[1], O_RDONLY)) == -1 ||
	    (out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		perror("open");
		return 66;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("socketpair");
		return 71;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((pid = fork()) == -1) {
		perror("fork");
		return 71;
	}
	if (pid == 0) {
		if (dup2(sv[1], 0) == -1 || dup2(sv[1], 1) == -1)
			_exit(71);
		(void)close(sv[0]);
		(void)close(sv[1]);
		(void)close(in);
		(void)close(out);
		if (uid != -1 && (setgroups(0, NULL) == -1 ||
		    setgid((gid_t)gid) == -1 || setuid((uid_t)uid) == -1))
			_exit(77);
		execv(argv[3], argv + 3);
		_exit(127);
	}
	(void)close(sv[1]);
	if (converse(sv[0], in, out) == -1)
		perror("timeit");
	if (wait4(pid, &status, 0, &ru) == -1) {
		perror("wait4");
		return 71;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("%lld %lld %lld %ld %d\n",
	    (long long)(end.tv_sec - start.tv_sec) * 1000000 +
	    (end.tv_nsec - start.tv_nsec) / 1000,
	    usec(ru.ru_utime), usec(ru.ru_stime), ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
