/*
 * log: one line per event to syslog(3), facility mail.
 *
 * Under a superserver stderr is the client's socket, so nothing goes there
 * unless log_open() was told to (-l, or a terminal before the session).
 * log_warn() appends strerror(errno); log_warnx() does not (as err(3)).
 * Client bytes must pass through log_escape() before they are logged.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

void	log_open(const char *ident, bool also_stderr);
void	log_set_stderr(bool also_stderr);

void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copies src[0..len) into dst as printable ASCII: bytes outside 0x20-0x7e
 * and the backslash become \xHH. Stops early rather than overflow; the
 * result is always NUL-terminated (dstsize must be at least 1). Returns dst.
 */
char	*log_escape(char *dst, size_t dstsize, const char *src, size_t len);

#endif
