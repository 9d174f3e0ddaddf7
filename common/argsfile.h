/*
 * argsfile: a program's options kept in a file, named by "-C FILE" as the
 * first argument (SPEC 2, smtpd.8), so that xinetd's server_args and
 * systemd's ExecStart= both say only where the options are, and an
 * upgrade that replaces those files keeps the operator's options.
 *
 * One option a line: "-X" alone, or "-X", blanks, then its argument,
 * which is the rest of the line as written (inner blanks and quotes
 * included, trailing blanks dropped). So "-f /etc/mailservers/spamassassin
 * -d 127.0.0.1" needs no quoting, which xinetd's server_args cannot do.
 * Blank lines and lines whose first non-blank is '#' are skipped. Every
 * option is checked against the program's getopt string, so a flag given
 * an argument or an option missing one is refused, never shifted onto
 * the next option.
 */
#ifndef COMMON_ARGSFILE_H
#define COMMON_ARGSFILE_H

#include <stddef.h>

/*
 * Bytes an options file may hold: its options, with the command line, are
 * handed over at STARTTLS in one record of TLS_STATE_MAX (common/tls.h).
 */
#define ARGSFILE_BYTES_MAX	4096
/* Room for argsfile_expand()'s why: a path and one line of the file. */
#define ARGSFILE_WHY_SIZE	(ARGSFILE_BYTES_MAX + 256)
/* Words (options and arguments) it may add to the command line. */
#define ARGSFILE_WORDS_MAX	256

/*
 * When (*argv)[1] is "-C", replaces "-C FILE" in *argc and *argv with the
 * options FILE holds (new storage, kept for the life of the process), so
 * that the rest of the command line comes after them and adds to them.
 * Returns 0 (also when there is no -C), or -1 with why set (the file,
 * the line and what is wrong with it) and errno.
 */
int	argsfile_expand(const char *optstring, int *argc, char ***argv,
	    char *why, size_t why_size);

#endif
