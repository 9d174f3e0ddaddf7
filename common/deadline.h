/*
 * deadline: moments on the monotonic clock, and waiting for them. One type
 * for every time limit of both programs: the idle timeout, a child's run
 * time, the failed-login delay and a mailbox lock's wait. A backoff polls
 * something until a deadline, sleeping longer each time, so that no
 * signal interrupts a request a network filesystem has in flight.
 */
#ifndef COMMON_DEADLINE_H
#define COMMON_DEADLINE_H

#include <time.h>

struct deadline {
	struct timespec	 at;	/* CLOCK_MONOTONIC */
};

/* msecs from now (0: now). */
struct deadline deadline_in(long msecs);
/* msecs after d. */
struct deadline deadline_after(struct deadline d, long msecs);
/* Milliseconds until d, rounded down: 0 once it has passed; at most max. */
int	deadline_left_ms(struct deadline d, int max);
/* Sleeps until d, whatever signals come; at once if it has passed. */
void	deadline_sleep_until(struct deadline d);

struct backoff {
	long		 usec;		/* the next step */
	long		 max_usec;
	unsigned int	 seed;		/* 0 until the first wait */
};

/* Steps start at min_usec and double up to max_usec. */
void	backoff_init(struct backoff *bo, long min_usec, long max_usec);
/*
 * Sleeps half to all of the next step (so waiters that met do not meet
 * again), cut at d: 0, or -1 with errno ETIMEDOUT when d has passed.
 */
int	backoff_wait(struct backoff *bo, struct deadline d);

#endif
