/*
 * run: one command the operator named, as smtpd runs its relay (-x) and
 * its content filter (-f). It runs as "/bin/sh -c 'exec CMD "$@"' NAME
 * ARG...", so CMD may carry options while the ARGs stay data, never shell
 * text, and the shell execs CMD, so a signal that kills it is seen here.
 *
 * The child gets the descriptors 0, 1 and 2 and nothing else: stdin is a
 * pipe the caller writes the input into; stdout and stderr are captured
 * into bounded buffers (the rest is read and dropped, so a chatty child
 * never blocks), or /dev/null. Under a superserver ours are the client's
 * socket. With env given it gets that environment and no other.
 *
 * One deadline covers writing, reading and waiting; past it the child is
 * killed. The caller must ignore SIGPIPE.
 */
#ifndef COMMON_RUN_H
#define COMMON_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "common/deadline.h"

/* sysexits.h EX_TEMPFAIL: also what the child exits with if exec fails. */
#define RUN_EX_TEMPFAIL	75

/* Where one of the child's outputs goes: the first size bytes. */
struct run_capture {
	char	*buf;		/* the caller's */
	size_t	 size;
	size_t	 len;		/* bytes kept */
	bool	 overflow;	/* the child wrote more than size */
};

struct run_spec {
	const char		*cmd;
	const char		*name;		/* $0: how ps shows it */
	char *const		*args;		/* "$@", NULL-ended; or NULL */
	char *const		*env;		/* NULL-ended; NULL: ours */
	struct run_capture	*out;		/* NULL: /dev/null */
	struct run_capture	*err;		/* NULL: /dev/null */
	int			 timeout_secs;
};

struct run {
	pid_t			 pid;
	int			 in_fd;		/* -1 once closed */
	int			 out_fd;	/* -1 if not captured, or at EOF */
	int			 err_fd;
	struct run_capture	*out;
	struct run_capture	*err;
	struct deadline		 deadline;
	bool			 stopped_reading; /* the child closed stdin */
};

/* Starts the child. 0, or -1 with errno (nothing left running). */
int	run_start(struct run *r, const struct run_spec *spec);
/*
 * Writes all of data to the child's stdin (a spool_sink): 0, or -1 with
 * errno (EPIPE with r->stopped_reading set when the child closed its
 * stdin, ETIMEDOUT past the deadline).
 */
int	run_write(void *ctx, const char *data, size_t len);
/*
 * Closes stdin, reads what the child writes until it exits, and reaps it:
 * its waitpid(2) status, or -1 when the deadline passed (it was killed).
 */
int	run_finish(struct run *r);
/*
 * run_finish()'s status judged for a caller that logs as "WHAT id=ID":
 * the exit code (0-255), or -1 when the child was killed, by the deadline
 * or a signal; that is logged here.
 */
int	run_exit_code(const struct run_spec *spec, int status, const char *what,
	    const char *id);

#endif
