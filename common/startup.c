#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/log.h"
#include "common/priv.h"
#include "common/startup.h"

static const char *startup_prog = "?";
static const char *startup_client_line = "";
static bool startup_to_stderr;

void
startup_init(const char *prog, const char *client_line)
{
	startup_prog = prog;
	startup_client_line = client_line;
	startup_to_stderr = isatty(STDERR_FILENO);
}

void
startup_stderr(bool on)
{
	startup_to_stderr = startup_to_stderr || on;
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

void
startup_hostname(char *buf, size_t size, const char *name)
{
	if (name != NULL) {
		if (strlen(name) >= size)
			startup_fatal(EX_USAGE, "-n: host name too long");
		strcpy(buf, name);
		return;
	}
	if (gethostname(buf, size - 1) == -1)
		startup_fatal(EX_OSERR, "unable to get the host name: %s",
		    strerror(errno));
	buf[size - 1] = '\0';
}

void
startup_prepare(struct users *u, const char *users_file, size_t users_max,
    const char *run_as, const char *spool_dir)
{
	char err[256];

	if (users_load(u, users_file, users_max) == -1)
		startup_fatal(EX_NOINPUT, "unable to read %s: %s", users_file,
		    strerror(errno));
	if (priv_drop(run_as, spool_dir, err, sizeof err) == -1)
		startup_fatal(EX_NOPERM, "%s", err);
	if (access(spool_dir, W_OK | X_OK) == -1)
		startup_fatal(EX_CANTCREAT, "unable to write in %s: %s",
		    spool_dir, strerror(errno));
}
