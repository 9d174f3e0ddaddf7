#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/argsfile.h"
#include "common/log.h"
#include "common/priv.h"
#include "common/startup.h"
#include "common/tls.h"

static const char *startup_prog = "?";
static const char *startup_client_line = "";
static bool startup_to_stderr;

const struct tls_state *
startup_begin(const char *prog, const char *client_line,
    const char *optstring, int *argc, char ***argv)
{
	static struct tls_state resumed;
	char why[ARGSFILE_WHY_SIZE];
	/* first: nothing else may touch fd 3 before the record is read */
	bool tls = tls_resume(&resumed);

	if (tls) {
		*argc = resumed.argc;
		*argv = resumed.argv;
	}
	startup_prog = prog;
	startup_client_line = client_line;
	startup_to_stderr = isatty(STDERR_FILENO);
	opterr = 0;
	log_open(prog);
	/* A client gone away must end in EPIPE, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	/* after STARTTLS the handed-over argv has the file's options in it */
	if (!tls && argsfile_expand(optstring, argc, argv, why,
	    sizeof why) == -1)
		startup_fatal(errno == EINVAL ? EX_CONFIG : EX_NOINPUT, "%s",
		    why);
	return tls ? &resumed : NULL;
}

bool
startup_option(struct startup_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 's':
		o->spool_dir = arg;
		break;
	case 'p':
		o->users_file = arg;
		break;
	case 'n':
		o->hostname = arg;
		break;
	case 't':
		o->idle_secs = (int)startup_number(opt, arg, 1, 86400);
		break;
	case 'U':
		o->run_as = arg;
		break;
	case 'w':
		o->lock_wait_secs = (int)startup_number(opt, arg, 0, 3600);
		break;
	case 'l':
		o->log_stderr = startup_to_stderr = true;
		break;
	case 'P':
		o->plaintext_any = true;
		break;
	case 'T':
		o->tls_cmd = arg;
		break;
	case 'H':
		if (!cidr_list_parse(arg, &o->proxies))
			startup_fatal(EX_USAGE, "-H %s: not a comma-separated "
			    "list of at most %d addresses or prefixes", arg,
			    CIDR_LIST_MAX);
		break;
	default:
		return false;
	}
	return true;
}

void
startup_fatal(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* stderr gets it once, below, whatever log_set_stderr() said. */
	log_set_stderr(false);
	log_warnx("fatal: %s", msg);
	if (startup_to_stderr)
		fprintf(stderr, "%s: fatal: %s\n", startup_prog, msg);
	fputs(startup_client_line, stdout);
	fflush(stdout);
	exit(code);
}

void
startup_bad_option(int opt, const char *usage)
{
	if (opt == ':')
		startup_fatal(EX_USAGE, "option -%c needs an argument; %s",
		    optopt, usage);
	if (optopt > ' ' && optopt < 0x7f)
		startup_fatal(EX_USAGE, "unknown option -%c; %s", optopt, usage);
	startup_fatal(EX_USAGE, "unknown option; %s", usage);
}

long
startup_number(int opt, const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		startup_fatal(EX_USAGE, "-%c needs a number from %ld to %ld",
		    opt, min, max);
	return n;
}

/* The soft limit is only a default; the hard one is the operator's. */
void
startup_raise_fds(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur >= STARTUP_FDS_WANTED || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max < STARTUP_FDS_WANTED ? rl.rlim_max :
	    STARTUP_FDS_WANTED;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("raising the descriptor limit to %ju",
		    (uintmax_t)rl.rlim_cur);
}

void
startup_prepare(const struct startup_opts *o, char *hostname,
    size_t hostname_size, struct users *u, size_t users_max)
{
	log_set_stderr(o->log_stderr);
	if (o->hostname != NULL) {
		if (strlen(o->hostname) >= hostname_size)
			startup_fatal(EX_USAGE, "-n: host name too long");
		strcpy(hostname, o->hostname);
	} else {
		if (gethostname(hostname, hostname_size - 1) == -1)
			startup_fatal(EX_OSERR, "unable to get the host name: "
			    "%s", strerror(errno));
		hostname[hostname_size - 1] = '\0';
	}
	if (users_load(u, o->users_file, users_max) == -1)
		startup_fatal(EX_NOINPUT, "unable to read %s: %s",
		    o->users_file, strerror(errno));
}

void
startup_drop(const struct startup_opts *o)
{
	struct stat st;
	char err[256];

	if (priv_drop(o->run_as, o->spool_dir, err, sizeof err) == -1)
		startup_fatal(EX_NOPERM, "%s", err);
	/* every mailbox operation makes a dotlock there first (SPEC 6) */
	if (access(o->spool_dir, W_OK | X_OK) == -1)
		startup_fatal(EX_CANTCREAT, "cannot create lock files in %s: %s",
		    o->spool_dir, strerror(errno));
	/*
	 * Mail stays whole there, but any local user can plant the lock and
	 * session files that keep a mailbox busy (README, "The spool").
	 */
	if (stat(o->spool_dir, &st) == 0 && (st.st_mode & S_IWOTH))
		log_warnx("the spool %s is writable by every user (mode %04o): "
		    "anyone can keep a mailbox busy; make it 0775 or 2775 "
		    "with the servers' user or group owning it", o->spool_dir,
		    (unsigned)(st.st_mode & 07777));
}
