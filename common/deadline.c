/* Moments on the monotonic clock (deadline.h). */
#include <errno.h>
#include <unistd.h>

#include "common/deadline.h"

#define NSEC_PER_SEC	1000000000L
#define NSEC_PER_MSEC	1000000L
#define NSEC_PER_USEC	1000L
#define USEC_PER_SEC	1000000L

static long long deadline_left_usec(struct deadline d);

struct deadline
deadline_after(struct deadline d, long msecs)
{
	d.at.tv_sec += msecs / 1000;
	d.at.tv_nsec += (msecs % 1000) * NSEC_PER_MSEC;
	if (d.at.tv_nsec >= NSEC_PER_SEC) {
		d.at.tv_sec++;
		d.at.tv_nsec -= NSEC_PER_SEC;
	}
	return d;
}

struct deadline
deadline_in(long msecs)
{
	struct deadline now;

	clock_gettime(CLOCK_MONOTONIC, &now.at);
	return deadline_after(now, msecs);
}

static long long
deadline_left_usec(struct deadline d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(d.at.tv_sec - now.tv_sec) * USEC_PER_SEC +
	    (d.at.tv_nsec - now.tv_nsec) / NSEC_PER_USEC;
}

int
deadline_left_ms(struct deadline d, int max)
{
	long long ms = deadline_left_usec(d) / 1000;

	return ms <= 0 ? 0 : ms > max ? max : (int)ms;
}

void
deadline_sleep_until(struct deadline d)
{
	/* returns the error number itself, never -1 */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d.at, NULL) ==
	    EINTR)
		;
}

void
backoff_init(struct backoff *bo, long min_usec, long max_usec)
{
	bo->usec = min_usec;
	bo->max_usec = max_usec;
	bo->seed = 0;		/* set at the first wait: most never wait */
}

int
backoff_wait(struct backoff *bo, struct deadline d)
{
	long long left_usec = deadline_left_usec(d);
	struct timespec nap;
	long usec;

	if (left_usec <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (bo->seed == 0)
		bo->seed = (unsigned int)getpid() ^ (unsigned int)left_usec;
	bo->seed = bo->seed * 1103515245u + 12345u;
	usec = bo->usec / 2 +
	    (long)((bo->seed >> 8) % (unsigned long)(bo->usec / 2 + 1));
	if (usec > left_usec)
		usec = (long)left_usec;
	nap.tv_sec = usec / USEC_PER_SEC;
	nap.tv_nsec = (usec % USEC_PER_SEC) * NSEC_PER_USEC;
	while (nanosleep(&nap, &nap) == -1 && errno == EINTR)
		continue;
	if (bo->usec < bo->max_usec)
		bo->usec = bo->usec * 2 > bo->max_usec ? bo->max_usec :
		    bo->usec * 2;
	return 0;
}
