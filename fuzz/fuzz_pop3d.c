/*
 * The pop3d session on arbitrary input, over a mailbox put back the same
 * before every input (with a dot line, a quoted From and no final LF), so
 * DELE + QUIT rewrites are exercised every time.
 */
#include "fuzz/fuzz.h"
#include "pop3d/pop3d.h"

static struct pop3d_config cfg;
static int devnull = -1;
static const char mbox[] =
    "From a@b.example Mon Nov 23 10:00:00 2026\nSubject: one\n\nhello\n"
    ".dot line\n>From quoted\n\n"
    "From c@d.example Mon Nov 23 10:00:01 2026\nSubject: two\n\nbody\n"
    "no final newline";

static void
fuzz_setup(void)
{
	static const char users[] = "alice:{PLAIN}alice-pw\nbob:$6$salt$hash\n";

	if (users_load(&cfg.users, fuzz_file("users", users, sizeof users - 1),
	    1 << 20) == -1)
		abort();
	cfg.opts.spool_dir = fuzz_dir();
	cfg.opts.lock_wait_secs = 1;
	cfg.opts.idle_secs = 5;
	strcpy(cfg.hostname, "fuzz.example");
	if ((devnull = open("/dev/null", O_WRONLY)) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pop_session s;
	int fd;

	if (devnull == -1)
		fuzz_setup();
	(void)fuzz_file("alice", mbox, sizeof mbox - 1);
	fd = fuzz_input(data, size);
	memset(&s, 0, sizeof s);
	s.cfg = &cfg;
	s.conn.client = "fuzz";
	s.conn.sasl.plaintext = size > 0 && (data[0] & 1);
	s.conn.sasl.cram_md5 = size > 0 && (data[0] & 2);
	line_init(&s.conn.in, fd, cfg.opts.idle_secs);
	reply_init(&s.conn.out, devnull, cfg.opts.idle_secs);
	s.conn.in.before_block = reply_flush_hook;
	s.conn.in.before_block_arg = &s.conn.out;
	pop_set_state(&s, POP_ST_AUTH);
	strcpy(s.timestamp, s.conn.sasl.cram_md5 ? "<1.2.3@fuzz.example>" : "");
	pop_session_run(&s);
	pop_session_end(&s);
	close(fd);
	return 0;
}
