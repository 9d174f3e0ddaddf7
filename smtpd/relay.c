/*
 * Relay hand-off (-x, SPEC 2 and 3): an authenticated client's recipients
 * in other domains are given to "CMD -f SENDER -- RCPT..." with the
 * message on its stdin, as sendmail(1) takes it: LF line ends, our
 * Received: on top, no Return-Path (RFC 5321 4.4: only final delivery
 * adds one). CMD runs under /bin/sh so it may carry options; the
 * addresses are positional parameters, never shell text, and the shell
 * execs it, so a signal that kills it is seen here. Its stdout and
 * stderr are /dev/null: under a superserver ours are the client's socket.
 *
 * Exit 0: handed off. EX_TEMPFAIL, a signal or the time limit: 4xx.
 * Anything else: 5xx.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

/* The message's way into the relay's stdin, and when to give up. */
struct relay_pipe {
	int		 fd;
	struct timespec	 deadline;
};

static int relay_ms_left(const struct timespec *deadline);
static int relay_write(void *ctx, const char *data, size_t len);
static pid_t relay_start(struct smtp_session *s, int *stdin_fd);
static int relay_wait(pid_t pid, const struct timespec *deadline);

static int
relay_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

/* A sink for spool_msg_read: all of it, or -1 (EPIPE, ETIMEDOUT...). */
static int
relay_write(void *ctx, const char *data, size_t len)
{
	struct relay_pipe *rp = ctx;

	while (len > 0) {
		struct pollfd pfd = { .fd = rp->fd, .events = POLLOUT };
		ssize_t n = write(rp->fd, data, len);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			return -1;
		if (relay_ms_left(&rp->deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, relay_ms_left(&rp->deadline)) == -1 &&
		    errno != EINTR)
			return -1;
	}
	return 0;
}

/* Forks CMD; *stdin_fd is the write end of its stdin. -1 on failure. */
static pid_t
relay_start(struct smtp_session *s, int *stdin_fd)
{
	/* sh -c SCRIPT NAME -f SENDER -- RCPT... NULL */
	size_t argc = 0, n = 8 + s->remote_count;
	char script[4096], **argv;
	int pfd[2];
	pid_t pid;

	/* "$@" carries -f SENDER -- RCPT...: never parsed by the shell. */
	if ((size_t)snprintf(script, sizeof script, "exec %s \"$@\"",
	    s->cfg->relay_cmd) >= sizeof script) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((argv = calloc(n, sizeof *argv)) == NULL)
		return -1;
	argv[argc++] = SMTP_RELAY_SHELL;
	argv[argc++] = "-c";
	argv[argc++] = script;
	argv[argc++] = "smtpd-relay";
	argv[argc++] = "-f";
	argv[argc++] = s->sender.null ? "<>" : s->sender.text;
	argv[argc++] = "--";
	for (size_t i = 0; i < s->remote_count; i++)
		argv[argc++] = s->remote[i];
	argv[argc] = NULL;
	if (pipe(pfd) == -1) {
		free(argv);
		return -1;
	}
	/* Only the child's dup2'ed copy may outlive exec. */
	(void)fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* We ignore SIGPIPE; exec would pass that on. */
		signal(SIGPIPE, SIG_DFL);
		if (null == -1 || dup2(pfd[0], STDIN_FILENO) == -1 ||
		    dup2(null, STDOUT_FILENO) == -1 ||
		    dup2(null, STDERR_FILENO) == -1)
			_exit(SMTP_RELAY_EX_TEMPFAIL);
		execv(SMTP_RELAY_SHELL, argv);
		_exit(SMTP_RELAY_EX_TEMPFAIL);
	}
	free(argv);
	(void)close(pfd[0]);
	if (pid == -1) {
		int saved = errno;

		(void)close(pfd[1]);
		errno = saved;
		return -1;
	}
	if (fcntl(pfd[1], F_SETFL, O_NONBLOCK) == -1)
		log_warn("relay: fcntl");
	*stdin_fd = pfd[1];
	return pid;
}

/* The exit status, or -1 after killing a command past the deadline. */
static int
relay_wait(pid_t pid, const struct timespec *deadline)
{
	struct timespec tick = { 0, 10 * 1000000 };
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 ||
	    (r == -1 && errno == EINTR)) {
		if (r == 0 && relay_ms_left(deadline) == 0) {
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			return -1;
		}
		(void)nanosleep(&tick, NULL);
	}
	return r == -1 ? -1 : status;
}

bool
smtp_relay(struct smtp_session *s, struct spool_msg *msg, const char *id,
    enum reply_id *refusal)
{
	struct relay_pipe rp = { .fd = -1 };
	enum spool_status st;
	pid_t pid;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &rp.deadline);
	rp.deadline.tv_sec += SMTP_RELAY_TIMEOUT_SECS;
	if ((pid = relay_start(s, &rp.fd)) == -1) {
		log_warn("relay id=%s: unable to start %s", id,
		    s->cfg->relay_cmd);
		*refusal = R_RELAY_TEMP;
		return false;
	}
	st = spool_msg_read(msg, s->return_path_len, relay_write, &rp);
	if (st != SPOOL_OK)
		log_warn("relay id=%s: writing the message: %s", id,
		    spool_status_text(st));
	(void)close(rp.fd);
	status = relay_wait(pid, &rp.deadline);
	*refusal = R_RELAY_TEMP;
	if (status == -1) {
		log_warnx("relay id=%s: %s took over %d s, killed", id,
		    s->cfg->relay_cmd, SMTP_RELAY_TIMEOUT_SECS);
		return false;
	}
	if (WIFSIGNALED(status)) {
		log_warnx("relay id=%s: killed by signal %d", id,
		    WTERMSIG(status));
		return false;
	}
	if (WEXITSTATUS(status) != 0) {
		log_warnx("relay id=%s: %s exited %d", id, s->cfg->relay_cmd,
		    WEXITSTATUS(status));
		if (WEXITSTATUS(status) != SMTP_RELAY_EX_TEMPFAIL)
			*refusal = R_RELAY_PERM;
		return false;
	}
	/* It said yes without reading it all: that is no hand-off. */
	if (st != SPOOL_OK)
		return false;
	log_info("relayed client=%s id=%s auth=%s rcpts=%zu", s->conn.client,
	    id, s->auth_user, s->remote_count);
	return true;
}
