/*
 * headers: whether text a content filter printed is header lines to put
 * into a message: RFC 5322 2.2 fields ("Name: value", the name printable
 * US-ASCII without ':') and folded continuations (starting with a space
 * or tab, after a field, not white space alone), each at most
 * HEADER_LINE_MAX characters, no control characters but tab, no empty
 * line. Line ends may be CRLF or LF; they become LF, and a last line
 * without one gets it, in place (*len changes; text needs room for one
 * more byte). Returns NULL when all is well, else what is wrong, for the
 * log.
 */
#ifndef SMTPD_HEADERS_H
#define SMTPD_HEADERS_H

#include <stddef.h>

/* RFC 5322 2.1.1: a line is at most 998 characters. */
#define HEADER_LINE_MAX		998

/* NULL when text is header lines (made LF-ended in place), else why not. */
const char *header_lines_fault(char *text, size_t *len);

#endif
