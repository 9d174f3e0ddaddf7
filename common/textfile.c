#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/textfile.h"

int
textfile_read(const char *path, size_t max_bytes, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t have = 0;
	int fd, saved;

	while ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != EINTR)
			return -1;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max_bytes) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);

		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		have += (size_t)n;
	}
	buf[have] = '\0';
	(void)close(fd);
	*text = buf;
	*len = have;
	return 0;
fail:
	saved = errno;
	free(buf);
	(void)close(fd);
	errno = saved;
	return -1;
}
