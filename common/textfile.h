/*
 * textfile: reads a whole configuration file (users, aliases) into memory
 * at start, before privileges are dropped. Only regular files, and only
 * up to a size, so a wrong path cannot make the program read a device.
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

#endif
