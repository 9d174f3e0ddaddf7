#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/log.h"

static const char *log_ident = "mail";
static bool log_to_stderr;

static void log_emit(int priority, const char *fmt, va_list ap, int errnum)
    __attribute__((format(printf, 2, 0)));

void
log_open(const char *ident)
{
	log_ident = ident;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_stderr(bool also_stderr)
{
	log_to_stderr = also_stderr;
}

static void
log_emit(int priority, const char *fmt, va_list ap, int errnum)
{
	char line[1024];
	size_t used;
	int n;

	n = vsnprintf(line, sizeof line, fmt, ap);
	if (n < 0)
		return;
	used = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (errnum != 0)
		snprintf(line + used, sizeof line - used, ": %s",
		    strerror(errnum));
	syslog(priority, "%s", line);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_INFO, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

char *
log_escape(char *dst, size_t dstsize, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		bool plain = c > 0x20 && c <= 0x7e && c != '\\' && c != '=' &&
		    c != '"' && c != '\'';
		size_t need = plain ? 1 : 4;

		if (out + need >= dstsize)
			break;
		if (plain) {
			dst[out++] = (char)c;
		} else {
			dst[out++] = '\\';
			dst[out++] = 'x';
			dst[out++] = hex[c >> 4];
			dst[out++] = hex[c & 0xf];
		}
	}
	dst[out] = '\0';
	return dst;
}
