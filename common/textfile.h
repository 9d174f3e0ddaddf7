/*
 * textfile: reads a whole configuration file (users, aliases) into memory
 * at start, before privileges are dropped, and turns its lines into a
 * table sorted by name. Only regular files, and only up to a size, so a
 * wrong path cannot make the program read a device.
 */
#ifndef COMMON_TEXTFILE_H
#define COMMON_TEXTFILE_H

#include <stddef.h>

/*
 * Reads path into a new NUL-terminated buffer *text of *len bytes.
 * Returns 0, or -1 with errno (EFBIG over max_bytes, EINVAL when not a
 * regular file).
 */
int	textfile_read(const char *path, size_t max_bytes, char **text,
	    size_t *len);

/*
 * Splits text into lines in place and gives each, with its number from 1,
 * to parse(); stops at the first -1 it returns (ENOMEM) and returns it.
 */
int	textfile_each_line(char *text,
	    int (*parse)(void *ctx, char *line, size_t lineno), void *ctx);

/*
 * A table loaded from one text: count entries of size bytes, each
 * beginning with a const char *name that points into that text. Sorts
 * them by name and keeps, of a name given twice, the entry from the
 * earlier line (the later is logged as "WHAT: NAME appears more than
 * once"). Returns how many are kept, at the front.
 */
size_t	textfile_keep_first(void *entries, size_t count, size_t size,
	    const char *what);

#endif
