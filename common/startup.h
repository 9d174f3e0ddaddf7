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

#include "common/users.h"

/* prog names the program on stderr; client_line is sent on a failure. */
void	startup_init(const char *prog, const char *client_line);
/* -l: fatal messages go to stderr too. */
void	startup_stderr(bool on);

void	startup_fatal(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* The number in option -opt's argument s, within [min, max], or fatal. */
long	startup_number(int opt, const char *s, long min, long max);

/* -n NAME, or gethostname() when name is NULL, into buf, or fatal. */
void	startup_hostname(char *buf, size_t size, const char *name);

/*
 * Reads the users file while still privileged (it may be readable by root
 * only), drops root for run_as or the spool owner, and checks the spool is
 * writable: each failure is fatal with the code SPEC 2 gives it.
 */
void	startup_prepare(struct users *u, const char *users_file,
	    size_t users_max, const char *run_as, const char *spool_dir);

#endif
