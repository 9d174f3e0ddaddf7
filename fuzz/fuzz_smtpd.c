/*
 * The smtpd session on arbitrary input: every command, AUTH exchange and
 * DATA byte machine, with aliases, a catch-all and deliveries to a real
 * spool (emptied now and then so it stays small) under a mailbox limit
 * that a few messages reach.
 */
#include <sys/stat.h>

#include "fuzz/fuzz.h"
#include "smtpd/smtpd.h"

#define FUZZ_TRUNCATE_EVERY	500
/* -q for the session: a few messages fill a mailbox */
#define FUZZ_MAILBOX_QUOTA	8192

static struct smtpd_config cfg;
static const char **mailboxes;
static struct spool_rcpt *boxes;
static char (*remote)[SMTP_PATH_MAX + 1];
static int devnull = -1;

static void
fuzz_setup(void)
{
	static const char users[] = "alice:{PLAIN}alice-pw\n"
	    "jones:{PLAIN}jones-pw\nbrown:$6$salt$hash\n";
	static const char aliases[] = "team: alice, brown\nloop: loop2\n"
	    "loop2: loop\njones: jones, team\nbroken: nobody\n";
	static char spool[256];

	if (users_load(&cfg.users, fuzz_file("users", users, sizeof users - 1),
	    1 << 20) == -1 ||
	    aliases_load(&cfg.aliases, fuzz_file("aliases", aliases,
	    sizeof aliases - 1), 1 << 20) == -1)
		abort();
	snprintf(spool, sizeof spool, "%s/spool", fuzz_dir());
	if (mkdir(spool, 0700) == -1)
		abort();
	cfg.opts.spool_dir = spool;
	cfg.opts.lock_wait_secs = 1;
	cfg.opts.idle_secs = 5;
	strcpy(cfg.hostname, "fuzz.example");
	cfg.domains[cfg.domain_count++] = cfg.hostname;
	cfg.domains[cfg.domain_count++] = "localhost";
	cfg.max_msg_size = 65536;
	cfg.max_rcpts = 8;
	cfg.catch_all = "team";
	/* small enough that the limit is met, and checked, often */
	cfg.mailbox_quota = FUZZ_MAILBOX_QUOTA;
	mailboxes = calloc(cfg.users.count + 1, sizeof *mailboxes);
	boxes = calloc(cfg.users.count + 1, sizeof *boxes);
	remote = calloc(cfg.max_rcpts, sizeof *remote);
	if ((devnull = open("/dev/null", O_WRONLY)) == -1 || !mailboxes ||
	    !boxes || !remote)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtp_session s;
	static unsigned runs;
	int fd;

	if (devnull == -1)
		fuzz_setup();
	if (++runs % FUZZ_TRUNCATE_EVERY == 0)
		for (size_t i = 0; i < cfg.users.count; i++) {
			char path[512];

			snprintf(path, sizeof path, "%s/%s", cfg.opts.spool_dir,
			    cfg.users.entries[i].name);
			(void)truncate(path, 0);
		}
	fd = fuzz_input(data, size);
	memset(&s, 0, sizeof s);
	s.cfg = &cfg;
	s.conn.client = "fuzz";
	s.conn.sasl.plaintext = size > 0 && (data[0] & 1);
	s.conn.sasl.cram_md5 = size > 0 && (data[0] & 2);
	s.txn.mailboxes = (struct nameset){ .names = mailboxes,
	    .max = cfg.users.count + 1 };
	s.txn.boxes = boxes;
	s.txn.remote = remote;
	s.txn.mailbox_limit = cfg.users.count + 1;
	line_init(&s.conn.in, fd, cfg.opts.idle_secs);
	reply_init(&s.conn.out, devnull, cfg.opts.idle_secs);
	s.conn.in.before_block = reply_flush_hook;
	s.conn.in.before_block_arg = &s.conn.out;
	smtp_txn_over(&s);
	smtp_session_run(&s);
	close(fd);
	return 0;
}
