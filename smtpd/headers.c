/*
 * headers: header lines a content filter (-f) printed, checked before they
 * go into a message (smtpd/headers.h).
 */
#include <stdbool.h>
#include <string.h>

#include "smtpd/headers.h"

/*
 * The rules are in the header; this walks the lines once, checking and
 * moving them down over the CRs it drops.
 */
const char *
header_lines_fault(char *text, size_t *len)
{
	size_t in = 0, out = 0;
	bool field_seen = false;

	while (in < *len) {
		const char *nl = memchr(text + in, '\n', *len - in);
		size_t end = nl != NULL ? (size_t)(nl - text) : *len;
		size_t line = end - in, name = 0, blank = 0;

		if (line > 0 && text[end - 1] == '\r')
			line--;
		if (line == 0)
			return "an empty line";
		if (line > HEADER_LINE_MAX)
			return "a line over 998 characters";
		if (text[in] == ' ' || text[in] == '\t') {
			if (!field_seen)
				return "a folded line before any field";
			while (blank < line && (text[in + blank] == ' ' ||
			    text[in + blank] == '\t'))
				blank++;
			if (blank == line)
				return "a line of white space";
		} else {
			/* ftext: printable US-ASCII but ':' */
			while (name < line && text[in + name] > ' ' &&
			    text[in + name] < 0x7f && text[in + name] != ':')
				name++;
			if (name == 0 || name == line || text[in + name] != ':')
				return "a line that is not a header field";
			field_seen = true;
		}
		for (size_t i = in; i < in + line; i++) {
			unsigned char c = (unsigned char)text[i];

			if ((c < ' ' && c != '\t') || c == 0x7f)
				return "a control character";
		}
		memmove(text + out, text + in, line);
		out += line;
		text[out++] = '\n';
		in = end + 1;
	}
	*len = out;
	return NULL;
}
