/*
 * STARTTLS and STLS through an external engine (tls.h): the state record
 * written, and read back in the fresh server.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"
#include "common/shell.h"
#include "common/tls.h"

/*
 * The record: NUL-terminated fields, in order: magic, our pid, address,
 * timestamp, argc, then argc arguments.
 */
static size_t
tls_put(char *buf, size_t at, const char *field)
{
	size_t len = strlen(field) + 1;

	if (at + len > TLS_STATE_MAX)
		return TLS_STATE_MAX + 1;
	memcpy(buf + at, field, len);
	return at + len;
}

void
tls_handover(const char *cmd, const char *addr, const char *timestamp,
    int argc, char **argv)
{
	static char rec[TLS_STATE_MAX];
	struct shell_cmd sc;
	char num[24];
	size_t len = 0;
	int fds[2], null;

	snprintf(num, sizeof num, "%ld", (long)getpid());
	len = tls_put(rec, len, TLS_STATE_MAGIC);
	len = tls_put(rec, len, num);
	len = tls_put(rec, len, addr);
	len = tls_put(rec, len, timestamp);
	snprintf(num, sizeof num, "%d", argc);
	len = tls_put(rec, len, num);
	for (int i = 0; i < argc && len <= TLS_STATE_MAX; i++)
		len = tls_put(rec, len, argv[i]);
	if (len > TLS_STATE_MAX) {
		log_warnx("starttls: the options are too long to hand over");
		return;
	}
	/* the pipe holds 64 KB: the whole record fits before the exec */
	if (pipe(fds) == -1 || io_write_all(fds[1], rec, len) == -1) {
		log_warn("starttls: state pipe");
		return;
	}
	(void)close(fds[1]);
	if ((fds[0] != TLS_STATE_FD &&
	    dup2(fds[0], TLS_STATE_FD) == -1) ||
	    (null = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(null, STDERR_FILENO) == -1) {
		log_warn("starttls: descriptors");
		return;
	}
	if (fds[0] != TLS_STATE_FD)
		(void)close(fds[0]);
	(void)close(null);
	(void)fcntl(TLS_STATE_FD, F_SETFD, 0);
	/* systemd's socket-activation variables name fd 3, now the pipe */
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDNAMES");
	if (shell_prepare(&sc, cmd, "sh", NULL) == -1) {
		log_warn("starttls: -T");
		shell_free(&sc);
		return;
	}
	shell_exec(&sc, NULL);
	log_warn("starttls: unable to run %s", SHELL_PATH);
	shell_free(&sc);
}

/*
 * The record on TLS_STATE_FD, only if it is all there: tls_handover()
 * writes it whole and closes the pipe before the exec, so a hand-over is
 * readable to its end at once. Any other pipe on fd 3 (a fork server's,
 * a supervisor's) may have a writer that never writes or never closes:
 * its bytes are not waited for. -1 if the record is not complete.
 */
static ssize_t
tls_read_finished(char *rec, size_t max)
{
	struct pollfd p = { .fd = TLS_STATE_FD, .events = POLLIN };
	size_t have = 0;
	char past;

	for (;;) {
		ssize_t n;
		int ready;

		while ((ready = poll(&p, 1, 0)) == -1 && errno == EINTR)
			;
		if (ready != 1)
			return -1;
		/* readable or hung up: this read does not block; past the
		   record's room, only its end may follow */
		while ((n = have < max ? read(TLS_STATE_FD, rec + have,
		    max - have) : read(TLS_STATE_FD, &past, 1)) == -1 &&
		    errno == EINTR)
			;
		if (n == 0)
			return (ssize_t)have;
		if (n == -1 || have == max)
			return -1;
		have += (size_t)n;
	}
}

bool
tls_resume(struct tls_state *st)
{
	static char rec[TLS_STATE_MAX + 1];
	const char *field[5];
	struct stat sb;
	ssize_t n;
	size_t at = 0;
	char *end;
	long pid, argc;
	int null;

	if (fstat(TLS_STATE_FD, &sb) == -1 || !S_ISFIFO(sb.st_mode))
		return false;
	if ((n = tls_read_finished(rec, TLS_STATE_MAX)) <= 0)
		return false;
	rec[n] = '\0';
	for (int i = 0; i < 5; i++) {
		if (at >= (size_t)n)
			return false;
		field[i] = rec + at;
		at += strlen(rec + at) + 1;
	}
	if (strcmp(field[0], TLS_STATE_MAGIC) != 0)
		return false;
	errno = 0;
	pid = strtol(field[1], &end, 10);
	if (errno != 0 || *end != '\0' || pid != (long)getppid())
		return false;
	argc = strtol(field[4], &end, 10);
	if (*end != '\0' || argc < 1 ||
	    argc >= (long)(sizeof st->argv / sizeof st->argv[0]) ||
	    strlen(field[2]) >= sizeof st->addr ||
	    strlen(field[3]) >= sizeof st->timestamp)
		return false;
	for (long i = 0; i < argc; i++) {
		if (at >= (size_t)n)
			return false;
		st->argv[i] = rec + at;
		at += strlen(rec + at) + 1;
	}
	st->argv[argc] = NULL;
	st->argc = (int)argc;
	strcpy(st->addr, field[2]);
	strcpy(st->timestamp, field[3]);
	(void)close(TLS_STATE_FD);
	/* the engine gives us its cleartext socket as stderr too: -l or a
	   startup message there would reach the client inside the TLS */
	if ((null = open("/dev/null", O_WRONLY)) != -1) {
		(void)dup2(null, STDERR_FILENO);
		if (null != STDERR_FILENO)
			(void)close(null);
	}
	return true;
}
