/*
 * The PROXY protocol header from a trusted proxy, read from a descriptor
 * as smtpd and pop3d read it: it never reads past the header (the rest
 * of the input is still there, byte for byte), a v1 header ends at its
 * first LF and a v2 one at 16 plus its length, and the address it
 * accepts is one inet_pton(3) takes back.
 */
#include <arpa/inet.h>

#include "fuzz/fuzz.h"
#include "common/proxy.h"

#define FUZZ_PROXY_MAX	(PROXY_V2_HEAD + PROXY_V2_BODY_MAX + 64)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char rest[FUZZ_PROXY_MAX];
	unsigned char bin[sizeof(struct in6_addr)];
	struct proxy_header h;
	enum proxy_status st;
	off_t used;
	ssize_t n;
	int fd;

	if (size > FUZZ_PROXY_MAX)
		return 0;
	fd = fuzz_input(data, size);
	/* a memfd is always readable: no input waits */
	st = proxy_read(fd, deadline_in(1000), &h);
	if ((used = lseek(fd, 0, SEEK_CUR)) < 0 || (size_t)used > size)
		abort();
	/* what follows the header is untouched */
	n = read(fd, rest, sizeof rest);
	if (n != (ssize_t)(size - (size_t)used) ||
	    memcmp(rest, data + used, (size_t)n) != 0)
		abort();
	close(fd);
	if (st != PROXY_OK)
		return 0;
	if (size >= 6 && memcmp(data, "PROXY ", 6) == 0) {
		const uint8_t *lf = memchr(data, '\n', size);

		if (lf == NULL || used != lf - data + 1)
			abort();
	} else if (used != PROXY_V2_HEAD + (data[14] << 8 | data[15])) {
		abort();
	}
	if (!h.local && inet_pton(AF_INET, h.addr, bin) != 1 &&
	    inet_pton(AF_INET6, h.addr, bin) != 1)
		abort();
	return 0;
}
