/*
 * The check of a content filter's header lines (smtpd/headers.h): what it
 * takes is only fields and folded lines, LF ends, no control byte but
 * tab, each line within HEADER_LINE_MAX, and never longer than given
 * plus the one LF it may add.
 */
#include <stdbool.h>

#include "fuzz/fuzz.h"
#include "smtpd/headers.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t len = size, line = 0;
	bool start = true;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	if (header_lines_fault(s, &len) == NULL) {
		if (len > size + 1 || (len > 0 && s[len - 1] != '\n') ||
		    (len > 0 && (s[0] == ' ' || s[0] == '\t')))
			abort();
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '\n') {
				if (line == 0 || line > HEADER_LINE_MAX)
					abort();
				line = 0;
				start = true;
				continue;
			}
			if ((c < ' ' && c != '\t') || c == 0x7f)
				abort();
			/* a field: a name, then ':' on the same line */
			if (start && c != ' ' && c != '\t') {
				const char *nl = memchr(s + i, '\n', len - i);
				const char *colon = memchr(s + i, ':', len - i);

				if (colon == NULL || colon == s + i ||
				    (nl != NULL && colon > nl))
					abort();
			}
			start = false;
			line++;
		}
	}
	free(s);
	return 0;
}
