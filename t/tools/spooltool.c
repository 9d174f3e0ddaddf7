/*
 * spooltool: drives spool/ from the shell for the tests.
 *
 *   spooltool [-w SECS] [-c CHUNK] [-T TIME] deliver DIR SENDER USER...  < content
 *   spooltool scan DIR USER             count, then "N size uid" per message
 *   spooltool read DIR USER N [LINES] [crlf]   message N (from 1) to stdout
 *   spooltool delete DIR USER N...      delete messages and commit; with
 *                                       -s SECS, wait SECS between the scan
 *                                       and the commit (mail may arrive)
 *   spooltool pop DIR USER N            print message N, delete it, commit
 *   spooltool hold DIR USER SECS        keep a POP3 session open SECS
 *   spooltool lock DIR USER SECS        hold the mailbox lock SECS
 *
 * Exit 0 on success; on a spool failure "status: TEXT" on stdout and
 * exit 10 + the status number.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/log.h"
#include "spool/internal.h"

#define TOOL_MAX_MSGS	1000000

static int wait_secs = 5;
static unsigned hold_secs;
static size_t chunk = 65536;
static time_t when;

static int fail(enum spool_status st);
static bool box_open(struct spool_box *b, char **argv, int *rc);
static int sink_stdout(void *ctx, const char *data, size_t len);
static int cmd_deliver(int argc, char **argv);
static int cmd_scan(int argc, char **argv);
static int cmd_read(int argc, char **argv);
static int cmd_delete(int argc, char **argv);
static int cmd_pop(int argc, char **argv);
static int cmd_hold(int argc, char **argv);
static int cmd_lock(int argc, char **argv);

static int
fail(enum spool_status st)
{
	printf("status: %s (%s)\n", spool_status_text(st), strerror(errno));
	return 10 + (int)st;
}

/* Opens the mailbox of argv[2] in spool argv[1]; on failure sets *rc. */
static bool
box_open(struct spool_box *b, char **argv, int *rc)
{
	enum spool_status st = spool_open(b, argv[1], argv[2], wait_secs,
	    TOOL_MAX_MSGS);

	if (st != SPOOL_OK)
		*rc = fail(st);
	return st == SPOOL_OK;
}

static int
sink_stdout(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

static int
cmd_deliver(int argc, char **argv)
{
	static struct spool_msg m;
	struct spool_refusal why = { .user = NULL };
	struct spool_rcpt *rcpts = calloc((size_t)argc, sizeof *rcpts);
	enum spool_status st;
	char *buf = malloc(chunk);
	ssize_t n;

	if (argc < 4 || buf == NULL || rcpts == NULL)
		return 64;
	for (int i = 3; i < argc; i++)
		rcpts[i - 3].user = argv[i];
	st = spool_msg_open(&m, argv[1], argv[2], when);
	while (st == SPOOL_OK && (n = read(0, buf, chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 74;
		st = spool_msg_write(&m, buf, (size_t)n);
	}
	if (st == SPOOL_OK)
		st = spool_deliver(&m, rcpts, (size_t)argc - 3, wait_secs,
		    NULL, &why);
	spool_msg_close(&m);
	free(buf);
	free(rcpts);
	if (st != SPOOL_OK && why.user != NULL)
		printf("failed: %s\n", why.user);
	return st == SPOOL_OK ? 0 : fail(st);
}

static int
cmd_scan(int argc, char **argv)
{
	struct spool_box b;
	int rc;
	enum spool_status st;

	if (argc != 3)
		return 64;
	if (!box_open(&b, argv, &rc))
		return rc;
	if ((st = spool_uids(&b)) != SPOOL_OK)
		return fail(st);
	printf("%zu\n", b.count);
	for (size_t i = 0; i < b.count; i++)
		printf("%zu %jd %s\n", i + 1, (intmax_t)b.msgs[i].size,
		    b.msgs[i].uid);
	spool_close(&b);
	return 0;
}

static int
cmd_read(int argc, char **argv)
{
	struct spool_box b;
	int rc;
	enum spool_status st;
	long lines = argc > 4 ? atol(argv[4]) : -1;
	bool crlf = argc > 5 && strcmp(argv[5], "crlf") == 0;
	size_t i = (size_t)atol(argv[3]);

	if (argc < 4)
		return 64;
	if (!box_open(&b, argv, &rc))
		return rc;
	if (i < 1 || i > b.count) {
		spool_close(&b);
		return 65;
	}
	st = spool_read(&b, i - 1, lines, crlf ? SPOOL_EOL_CRLF :
	    SPOOL_EOL_ASIS, sink_stdout, NULL);
	spool_close(&b);
	return st == SPOOL_OK ? 0 : fail(st);
}

static int
cmd_delete(int argc, char **argv)
{
	struct spool_box b;
	int rc;
	enum spool_status st;
	bool *deleted;

	if (argc < 3)
		return 64;
	if (!box_open(&b, argv, &rc))
		return rc;
	if ((deleted = calloc(b.count + 1, sizeof *deleted)) == NULL) {
		spool_close(&b);
		return 71;
	}
	for (int i = 3; i < argc; i++) {
		size_t n = (size_t)atol(argv[i]);

		if (n < 1 || n > b.count) {
			spool_close(&b);
			free(deleted);
			return 65;
		}
		deleted[n - 1] = true;
	}
	if (hold_secs > 0) {
		printf("scanned %zu\n", b.count);
		fflush(stdout);
		sleep(hold_secs);
	}
	st = spool_commit(&b, deleted, wait_secs);
	spool_close(&b);
	free(deleted);
	return st == SPOOL_OK ? 0 : fail(st);
}

static int
cmd_pop(int argc, char **argv)
{
	struct spool_box b;
	int rc;
	enum spool_status st;
	bool *deleted;
	size_t i;

	if (argc != 4)
		return 64;
	if (!box_open(&b, argv, &rc))
		return rc;
	i = (size_t)atol(argv[3]);
	if (i < 1 || i > b.count) {
		spool_close(&b);	/* an empty box, when a race emptied it */
		return 65;
	}
	if ((deleted = calloc(b.count, sizeof *deleted)) == NULL) {
		spool_close(&b);
		return 71;
	}
	deleted[i - 1] = true;
	st = spool_read(&b, i - 1, -1, SPOOL_EOL_ASIS, sink_stdout, NULL);
	if (st == SPOOL_OK && fflush(stdout) == 0)
		st = spool_commit(&b, deleted, wait_secs);
	spool_close(&b);
	free(deleted);
	return st == SPOOL_OK ? 0 : fail(st);
}

static int
cmd_hold(int argc, char **argv)
{
	struct spool_box b;
	int rc;

	if (argc != 4)
		return 64;
	if (!box_open(&b, argv, &rc))
		return rc;
	printf("open %zu\n", b.count);
	fflush(stdout);
	sleep((unsigned)atoi(argv[3]));
	spool_close(&b);
	return 0;
}

/* Holds the locks on DIR/USER as a delivery would, to test lock timeouts. */
static int
cmd_lock(int argc, char **argv)
{
	struct deadline deadline;
	struct stat st;
	int dirfd, fd;

	if (argc != 4)
		return 64;
	/*
	 * As root, lock as the spool's owner, as the servers would: for good
	 * (a seteuid() alone leaves LeakSanitizer unable to stop the world
	 * at exit).
	 */
	if (geteuid() == 0 && stat(argv[1], &st) == 0 && st.st_uid != 0 &&
	    (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
	    setuid(st.st_uid) == -1))
		return 74;
	deadline = deadline_in(wait_secs * 1000L);
	if ((dirfd = spool_dir_open(argv[1])) == -1 ||
	    spool_lock(dirfd, argv[2], SPOOL_CREATE_DURABLE, deadline, &fd,
	    &st) != SPOOL_OK) {
		printf("failed: %s\n", strerror(errno));
		return 74;
	}
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[3]));
	spool_unlock(dirfd, argv[2], fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int opt;

	when = time(NULL);
	log_open("spooltool");
	log_set_stderr(true);
	while ((opt = getopt(argc, argv, "+w:c:T:s:")) != -1) {
		switch (opt) {
		case 'w':
			wait_secs = atoi(optarg);
			break;
		case 'c':
			chunk = (size_t)atol(optarg);
			if (chunk == 0)
				return 64;
			break;
		case 's':
			hold_secs = (unsigned)atoi(optarg);
			break;
		case 'T':
			when = (time_t)atoll(optarg);
			break;
		default:
			return 64;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return 64;
	if (strcmp(argv[0], "deliver") == 0)
		return cmd_deliver(argc, argv);
	if (strcmp(argv[0], "scan") == 0)
		return cmd_scan(argc, argv);
	if (strcmp(argv[0], "read") == 0)
		return cmd_read(argc, argv);
	if (strcmp(argv[0], "delete") == 0)
		return cmd_delete(argc, argv);
	if (strcmp(argv[0], "pop") == 0)
		return cmd_pop(argc, argv);
	if (strcmp(argv[0], "hold") == 0)
		return cmd_hold(argc, argv);
	if (strcmp(argv[0], "lock") == 0)
		return cmd_lock(argc, argv);
	return 64;
}
