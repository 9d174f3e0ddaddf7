/*
 * log: one line per event to syslog(3), facility mail.
 *
 * Under a superserver stderr is the client's socket, so nothing goes there
 * unless log_set_stderr() says so (-l, a terminal before the session, or
 * a test tool).
 * log_warn() appends strerror(errno); log_warnx() does not (as err(3)).
 *
 * Lines read "EVENT client=ADDR field=value...[: free text]" (SPEC 2).
 * Every value that came from the client passes through log_escape(), so
 * it holds no space, '=', quote or control byte and cannot forge a field
 * that a fail2ban filter would match.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* openlog(3) as ident, facility mail; call once, before any line. */
void	log_open(const char *ident);
/* Whether lines also go to stderr, with the program's name. */
void	log_set_stderr(bool also_stderr);

/* One line at LOG_INFO, LOG_WARNING with ": strerror(errno)", or without. */
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copies src[0..len) into dst as printable ASCII: bytes outside 0x21-0x7e,
 * '=', quotes and the backslash become \xHH. Stops early rather than
 * overflow; the result is always NUL-terminated (dstsize must be at least
 * 1). Returns dst. LOG_ESCAPED_SIZE(n) always holds n bytes escaped.
 */
#define LOG_ESCAPED_SIZE(n)	(4 * (n) + 1)
char	*log_escape(char *dst, size_t dstsize, const char *src, size_t len);

#endif
