#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/passwd.h"
#include "common/textfile.h"

static bool passwd_id(const char *field, size_t len, unsigned long long *id);

/* A uid or gid field: digits only, no sign, and not (uid_t)-1. */
static bool
passwd_id(const char *field, size_t len, unsigned long long *id)
{
	unsigned long long v = 0;

	if (len == 0 || len > 10)	/* 10 digits hold any 32-bit id */
		return false;
	for (size_t i = 0; i < len; i++) {
		if (field[i] < '0' || field[i] > '9')
			return false;
		v = v * 10 + (unsigned long long)(field[i] - '0');
	}
	if (v >= (unsigned long long)(uid_t)-1 ||
	    v >= (unsigned long long)(gid_t)-1)
		return false;
	*id = v;
	return true;
}

int
passwd_find(const char *path, const char *name, uid_t uid, uid_t *uidp,
    gid_t *gidp)
{
	char *text, *line, *next;
	size_t len;
	int found = 0;

	if (textfile_read(path, PASSWD_FILE_MAX, &text, &len) == -1)
		return -1;
	for (line = text; found == 0 && line < text + len; line = next) {
		/* name:password:uid:gid:... */
		const char *field[4];
		size_t flen[4], n = 0;
		const char *p = line;
		unsigned long long u, g;
		char *nl = memchr(line, '\n', (size_t)(text + len - line));

		next = nl != NULL ? nl + 1 : text + len;
		while (n < 4) {
			const char *end = memchr(p, ':', (size_t)(next - p));

			if (end == NULL)
				break;
			field[n] = p;
			flen[n++] = (size_t)(end - p);
			p = end + 1;
		}
		if (n < 4 || !passwd_id(field[2], flen[2], &u) ||
		    !passwd_id(field[3], flen[3], &g))
			continue;
		if (name != NULL ? flen[0] == strlen(name) &&
		    memcmp(field[0], name, flen[0]) == 0 : (uid_t)u == uid) {
			*uidp = (uid_t)u;
			*gidp = (gid_t)g;
			found = 1;
		}
	}
	free(text);
	return found;
}
