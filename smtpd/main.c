/*
 * smtpd: receives mail by SMTP on stdin/stdout and delivers it to local
 * mailboxes. Started once per connection by a superserver. See smtpd.8
 * and SPEC sections 2 and 3.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/log.h"
#include "common/priv.h"
#include "smtpd/smtpd.h"

static bool fatal_to_stderr;

static void fatal(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static long number_arg(int opt, const char *s, long min, long max);

/* Logs, tells the client (421) and exits before any session. */
static void
fatal(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_set_stderr(false);
	log_warnx("fatal: %s", msg);
	if (fatal_to_stderr)
		fprintf(stderr, "smtpd: fatal: %s\n", msg);
	printf("421 4.3.0 Service not available\r\n");
	fflush(stdout);
	exit(code);
}

static long
number_arg(int opt, const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		fatal(EX_USAGE, "-%c needs a number from %ld to %ld", opt, min,
		    max);
	return n;
}

int
main(int argc, char **argv)
{
	static struct smtpd_config cfg;
	static struct smtp_session s;
	const char *run_as = NULL;
	char err[256];
	bool log_stderr = false;
	int opt;

	cfg = (struct smtpd_config){
		.spool_dir = SMTP_SPOOL_DEFAULT,
		.users_file = SMTP_USERS_DEFAULT,
		.idle_secs = SMTP_IDLE_SECS_DEFAULT,
		.lock_wait_secs = SMTP_LOCK_WAIT_SECS_DEFAULT,
		.max_msg_size = SMTP_MSG_SIZE_DEFAULT,
		.max_rcpts = SMTP_RCPTS_DEFAULT,
	};
	fatal_to_stderr = isatty(STDERR_FILENO);
	log_open("smtpd", false);
	/* A client gone away must end in EPIPE, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "s:p:n:t:U:w:ld:z:r:")) != -1) {
		switch (opt) {
		case 's':
			cfg.spool_dir = optarg;
			break;
		case 'p':
			cfg.users_file = optarg;
			break;
		case 'n':
			if (strlen(optarg) > SMTP_DOMAIN_MAX)
				fatal(EX_USAGE, "-n: host name too long");
			strcpy(cfg.hostname, optarg);
			break;
		case 't':
			cfg.idle_secs = (int)number_arg(opt, optarg, 1, 86400);
			break;
		case 'U':
			run_as = optarg;
			break;
		case 'w':
			cfg.lock_wait_secs = (int)number_arg(opt, optarg, 0, 3600);
			break;
		case 'l':
			log_stderr = fatal_to_stderr = true;
			break;
		case 'd':
			if (cfg.domain_count == SMTP_DOMAINS_MAX)
				fatal(EX_USAGE, "-d: at most %d domains",
				    SMTP_DOMAINS_MAX);
			cfg.domains[cfg.domain_count++] = optarg;
			break;
		case 'z':
			cfg.max_msg_size = number_arg(opt, optarg, 1, LONG_MAX);
			break;
		case 'r':
			cfg.max_rcpts = (size_t)number_arg(opt, optarg, 1, 100000);
			break;
		default:
			fatal(EX_USAGE, "usage: smtpd [-l] [-s spool] [-p users] "
			    "[-n name] [-t secs] [-U user] [-w secs] "
			    "[-d domain]... [-z bytes] [-r count]");
		}
	}
	if (optind != argc)
		fatal(EX_USAGE, "unexpected argument %s", argv[optind]);
	log_set_stderr(log_stderr);
	if (cfg.hostname[0] == '\0' &&
	    gethostname(cfg.hostname, sizeof cfg.hostname - 1) == -1)
		fatal(EX_OSERR, "unable to get the host name: %s",
		    strerror(errno));
	cfg.domains[cfg.domain_count++] = cfg.hostname;
	cfg.domains[cfg.domain_count++] = "localhost";

	if (users_load(&cfg.users, cfg.users_file, SMTP_USERS_FILE_MAX) == -1)
		fatal(EX_NOINPUT, "unable to read %s: %s", cfg.users_file,
		    strerror(errno));
	if (priv_drop(run_as, cfg.spool_dir, err, sizeof err) == -1)
		fatal(EX_NOPERM, "%s", err);
	if (access(cfg.spool_dir, W_OK | X_OK) == -1)
		fatal(EX_CANTCREAT, "unable to write in %s: %s", cfg.spool_dir,
		    strerror(errno));

	s.cfg = &cfg;
	if ((s.rcpt_users = calloc(cfg.max_rcpts, sizeof *s.rcpt_users)) == NULL ||
	    (s.rcpt_list = calloc(cfg.max_rcpts, sizeof *s.rcpt_list)) == NULL)
		fatal(EX_OSERR, "out of memory");
	peer_identify(&s.peer, STDIN_FILENO);
	s.client = s.peer.addr[0] != '\0' ? s.peer.addr : "local";
	line_init(&s.in, STDIN_FILENO, cfg.idle_secs);
	reply_init(&s.out, STDOUT_FILENO, cfg.idle_secs);
	s.in.before_block = reply_flush_hook;
	s.in.before_block_arg = &s.out;
	smtp_transaction_reset(&s);

	log_info("connect client=%s", s.client);
	smtp_session_run(&s);
	log_info("disconnect client=%s errors=%d", s.client, s.errors);
	return EX_OK;
}
