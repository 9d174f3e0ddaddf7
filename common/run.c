/*
 * run: fork, exec under /bin/sh, feed stdin, capture stdout and stderr,
 * reap, all under one deadline (common/run.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/run.h"
#include "common/shell.h"

/* Bytes read from the child's outputs at a time. */
#define RUN_READ_CHUNK		4096
/*
 * How often a child that holds no captured output open is asked whether
 * it has exited: first soon (a filter is usually done in a millisecond),
 * then less often, so a slow one costs little.
 */
#define RUN_TICK_FIRST_USECS	100
#define RUN_TICK_MAX_USECS	50000
/* The longest single wait, so the deadline is looked at now and then. */
#define RUN_WAIT_MAX_MSECS	60000

enum { RUN_IN, RUN_OUT, RUN_ERR };

static void run_keep(struct run_capture *c, const char *data, size_t len);
static void run_drain(int *fd, struct run_capture *c);
static int run_poll(struct run *r, bool writing, int ms);
static void run_close_from(int lowest);
static void run_child(const struct run_spec *spec,
	    const struct shell_cmd *sc, const int fds[3]);
static void run_close_all(struct run *r);

static void
run_keep(struct run_capture *c, const char *data, size_t len)
{
	size_t room = c->size - c->len;

	if (len > room) {
		c->overflow = true;
		len = room;
	}
	memcpy(c->buf + c->len, data, len);
	c->len += len;
}

/* Reads what is there; at EOF or on an error the descriptor is closed. */
static void
run_drain(int *fd, struct run_capture *c)
{
	char buf[RUN_READ_CHUNK];

	while (*fd != -1) {
		ssize_t n = read(*fd, buf, sizeof buf);

		if (n > 0) {
			run_keep(c, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		(void)close(*fd);
		*fd = -1;
	}
}

/* Waits up to ms for stdin to take more (if writing) or output to come. */
static int
run_poll(struct run *r, bool writing, int ms)
{
	struct pollfd pfd[3];
	nfds_t n = 0;
	int rc;

	if (writing)
		pfd[n++] = (struct pollfd){ .fd = r->in_fd, .events = POLLOUT };
	if (r->out_fd != -1)
		pfd[n++] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
	if (r->err_fd != -1)
		pfd[n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
	if ((rc = poll(pfd, n, ms)) <= 0)
		return rc;
	for (nfds_t i = writing ? 1 : 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == r->out_fd)
			run_drain(&r->out_fd, r->out);
		else
			run_drain(&r->err_fd, r->err);
	}
	return rc;
}

/* Whatever a superserver or we left open must not reach the command. */
static void
run_close_from(int lowest)
{
	struct rlimit rl;
	long fd, max = 1024;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0U) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (long)rl.rlim_cur;
	for (fd = lowest; fd < max; fd++)
		(void)close((int)fd);
}

/* In the child: fds become 0, 1, 2 and nothing else is open. */
static void
run_child(const struct run_spec *spec, const struct shell_cmd *sc,
    const int fds[3])
{
	int lifted[3];

	/* We ignore SIGPIPE; exec would pass that on. */
	signal(SIGPIPE, SIG_DFL);
	/* Above 2 first, so no dup2 below overwrites a source. */
	for (int i = 0; i < 3; i++)
		if ((lifted[i] = fcntl(fds[i], F_DUPFD, 3)) == -1)
			_exit(RUN_EX_TEMPFAIL);
	for (int i = 0; i < 3; i++)
		if (dup2(lifted[i], i) == -1)
			_exit(RUN_EX_TEMPFAIL);
	run_close_from(3);
	shell_exec(sc, spec->env);
	_exit(RUN_EX_TEMPFAIL);
}

static void
run_close_all(struct run *r)
{
	int *fds[] = { &r->in_fd, &r->out_fd, &r->err_fd };

	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (*fds[i] != -1) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
}

int
run_start(struct run *r, const struct run_spec *spec)
{
	struct run_capture *caps[3] = { NULL, spec->out, spec->err };
	int child[3] = { -1, -1, -1 }, ours[3] = { -1, -1, -1 };
	struct shell_cmd sc;
	int saved, null = -1;

	*r = (struct run){ .pid = -1, .in_fd = -1, .out_fd = -1,
	    .err_fd = -1, .out = spec->out, .err = spec->err };
	r->deadline = deadline_in(spec->timeout_secs * 1000L);
	if (shell_prepare(&sc, spec->cmd, spec->name, spec->args) == -1) {
		saved = errno;
		shell_free(&sc);
		errno = saved;
		return -1;
	}

	/* Every end close-on-exec: only the child's dup2'ed copies live on. */
	for (int i = 0; i < 3; i++) {
		int p[2];

		if (i != RUN_IN && caps[i] == NULL) {
			if (null == -1 && (null = open("/dev/null", O_RDWR |
			    O_CLOEXEC)) == -1)
				goto fail;
			child[i] = null;
			continue;
		}
		if (pipe(p) == -1)
			goto fail;
		child[i] = p[i == RUN_IN ? 0 : 1];
		ours[i] = p[i == RUN_IN ? 1 : 0];
		if (fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(ours[i], F_SETFL, O_NONBLOCK) == -1)
			goto fail;
	}
	if ((r->pid = fork()) == 0)
		run_child(spec, &sc, child);
	if (r->pid == -1)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (child[i] != null)
			(void)close(child[i]);
	if (null != -1)
		(void)close(null);
	shell_free(&sc);
	r->in_fd = ours[RUN_IN];
	r->out_fd = ours[RUN_OUT];
	r->err_fd = ours[RUN_ERR];
	return 0;
fail:
	saved = errno;
	for (int i = 0; i < 3; i++) {
		if (child[i] != -1 && child[i] != null)
			(void)close(child[i]);
		if (ours[i] != -1)
			(void)close(ours[i]);
	}
	if (null != -1)
		(void)close(null);
	shell_free(&sc);
	errno = saved;
	return -1;
}

int
run_write(void *ctx, const char *data, size_t len)
{
	struct run *r = ctx;

	while (len > 0) {
		ssize_t n = write(r->in_fd, data, len);
		int ms;

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EPIPE)
			r->stopped_reading = true;
		if (n == -1 && errno != EAGAIN)
			return -1;
		if ((ms = deadline_left_ms(r->deadline,
		    RUN_WAIT_MAX_MSECS)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* A child blocked on its full stdout reads no more stdin. */
		if (run_poll(r, true, ms) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

int
run_finish(struct run *r)
{
	long tick = RUN_TICK_FIRST_USECS;
	int status;
	pid_t got;

	if (r->in_fd != -1) {
		(void)close(r->in_fd);
		r->in_fd = -1;
	}
	for (;;) {
		int ms;

		got = waitpid(r->pid, &status, WNOHANG);
		if (got == r->pid || (got == -1 && errno != EINTR))
			break;
		if ((ms = deadline_left_ms(r->deadline,
		    RUN_WAIT_MAX_MSECS)) == 0) {
			(void)kill(r->pid, SIGKILL);
			while (waitpid(r->pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
			run_close_all(r);
			return -1;
		}
		if (r->out_fd != -1 || r->err_fd != -1) {
			/* the child's exit shows as EOF at once */
			int wait_ms = (int)(tick / 1000) + 1;

			(void)run_poll(r, false, wait_ms < ms ? wait_ms : ms);
		} else {
			struct timespec ts = { 0, tick * 1000 };

			(void)nanosleep(&ts, NULL);
		}
		if (tick < RUN_TICK_MAX_USECS)
			tick *= 2;
	}
	/* What it wrote before exiting is still in the pipes. */
	if (r->out_fd != -1)
		run_drain(&r->out_fd, r->out);
	if (r->err_fd != -1)
		run_drain(&r->err_fd, r->err);
	run_close_all(r);
	return got == r->pid ? status : -1;
}

int
run_exit_code(const struct run_spec *spec, int status, const char *what,
    const char *id)
{
	if (status == -1) {
		log_warnx("%s id=%s: %s took over %d s, killed", what, id,
		    spec->cmd, spec->timeout_secs);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		log_warnx("%s id=%s: killed by signal %d", what, id,
		    WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}
