/*
 * startup: what both programs do before a session begins.
 *
 * A setup failure (bad option, unreadable file, no way to drop root) is
 * logged, shown on stderr only when stderr is a terminal or -l was given,
 * answered to the client with the protocol's own failure line so it is not
 * left hanging, and ends the program with a sysexits(3) code (SPEC 2).
 */
#ifndef COMMON_STARTUP_H
#define COMMON_STARTUP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cidr.h"
#include "common/users.h"

/*
 * The options of SPEC 2 that both programs take. The leading ':' makes
 * getopt(3) return ':' for a missing argument; startup_init() silences its
 * own messages, which would go to the client's socket (SPEC 2).
 */
#define STARTUP_OPTSTRING	":s:p:n:t:U:w:T:H:lP"

/*
 * The descriptor soft limit is raised towards the hard one, at most to
 * this: one message may reach a mailbox per descriptor (SPEC 3).
 */
#define STARTUP_FDS_WANTED	65536

struct startup_opts {
	const char	*spool_dir;	/* -s */
	const char	*users_file;	/* -p */
	const char	*hostname;	/* -n, or NULL for gethostname() */
	int		 idle_secs;	/* -t */
	const char	*run_as;	/* -U, or NULL for the spool's owner */
	int		 lock_wait_secs;	/* -w */
	bool		 log_stderr;	/* -l */
	bool		 plaintext_any;	/* -P */
	const char	*tls_cmd;	/* -T, or NULL: no STARTTLS/STLS */
	struct cidr_list proxies;	/* -H: trusted PROXY senders */
};

/*
 * The first step of both programs: after STARTTLS/STLS, takes the state
 * the first server handed over (common/tls.h) and its options in place
 * of *argc and *argv; then opens the log as prog, names prog on stderr,
 * keeps client_line to send on a failure, and ignores SIGPIPE. On a new
 * connection, puts the options of "-C FILE" (common/argsfile.h, checked
 * against the program's optstring) in its place, or fails (EX_CONFIG,
 * EX_NOINPUT). Returns the handed-over state, or NULL when this is a new
 * connection.
 */
struct tls_state;
const struct tls_state *startup_begin(const char *prog,
	    const char *client_line, const char *optstring, int *argc,
	    char ***argv);
/*
 * Takes option opt with argument arg into o when it is one of
 * STARTUP_OPTSTRING's (true), else leaves it to the program (false).
 */
bool	startup_option(struct startup_opts *o, int opt, const char *arg);

/*
 * Raises the descriptor soft limit toward the hard one, at most to
 * STARTUP_FDS_WANTED (smtpd: one descriptor a mailbox of a delivery).
 */
void	startup_raise_fds(void);

/*
 * For getopt's '?' and ':': names the option at fault, then the usage
 * line, as a startup failure (EX_USAGE).
 */
void	startup_bad_option(int opt, const char *usage)
	    __attribute__((noreturn));

/* Logs the message, sends the failure line, exits with code (sysexits). */
void	startup_fatal(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* The number in option -opt's argument s, within [min, max], or fatal. */
long	startup_number(int opt, const char *s, long min, long max);

/*
 * After the options: sets up logging, puts the host name in hostname and
 * reads the users file while still privileged (it may be readable by root
 * only). Each failure is fatal with the code SPEC 2 gives it.
 */
void	startup_prepare(const struct startup_opts *o, char *hostname,
	    size_t hostname_size, struct users *u, size_t users_max);
/*
 * Then, once every file is read: drops root for -U or the spool's owner
 * and checks the spool is writable, or fatal.
 */
void	startup_drop(const struct startup_opts *o);

#endif
