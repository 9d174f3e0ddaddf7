#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"
#include "common/textfile.h"

int
textfile_read(const char *path, size_t max_bytes, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t have;
	int fd, saved;

	if ((fd = io_open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max_bytes) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	if ((have = io_read_upto(fd, buf, (size_t)st.st_size)) == -1)
		goto fail;
	buf[have] = '\0';
	(void)close(fd);
	*text = buf;
	*len = (size_t)have;
	return 0;
fail:
	saved = errno;
	free(buf);
	(void)close(fd);
	errno = saved;
	return -1;
}

int
textfile_each_line(char *text,
    int (*parse)(void *ctx, char *line, size_t lineno), void *ctx)
{
	size_t lineno = 0;

	for (char *line = text, *nl; line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (parse(ctx, line, ++lineno) == -1)
			return -1;
	}
	return 0;
}

/*
 * By name, then by place in the text: every name points into one buffer,
 * so the earlier line has the lower address.
 */
static int
textfile_name_order(const void *x, const void *y)
{
	const char *const *nx = x, *const *ny = y;
	int c = strcmp(*nx, *ny);

	return c != 0 ? c : (*nx > *ny) - (*nx < *ny);
}

size_t
textfile_keep_first(void *entries, size_t count, size_t size,
    const char *what)
{
	char *e = entries;
	size_t kept = 0;

	if (count == 0)
		return 0;
	qsort(entries, count, size, textfile_name_order);
	for (size_t i = 0; i < count; i++) {
		const char *const *name = (const void *)(e + i * size);

		if (kept > 0 && strcmp(*(const char *const *)(const void *)
		    (e + (kept - 1) * size), *name) == 0) {
			log_warnx("%s: %s appears more than once; the first "
			    "line counts", what, *name);
			continue;
		}
		if (kept != i)
			memcpy(e + kept * size, e + i * size, size);
		kept++;
	}
	return kept;
}
