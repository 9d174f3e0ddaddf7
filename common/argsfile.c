#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/argsfile.h"
#include "common/textfile.h"

struct argsfile_parse {
	const char	*optstring;
	const char	*path;
	char		*words[ARGSFILE_WORDS_MAX];
	size_t		 count;
	char		*why;
	size_t		 why_size;
};

static int argsfile_line(void *ctx, char *line, size_t lineno);
static int argsfile_refuse(struct argsfile_parse *p, size_t lineno,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
argsfile_refuse(struct argsfile_parse *p, size_t lineno, const char *fmt,
    ...)
{
	va_list ap;
	int at = snprintf(p->why, p->why_size, "%s line %zu: ", p->path,
	    lineno);

	if (at >= 0 && (size_t)at < p->why_size) {
		va_start(ap, fmt);
		(void)vsnprintf(p->why + at, p->why_size - (size_t)at, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

/* One line: nothing, a comment, "-X" or "-X argument". */
static int
argsfile_line(void *ctx, char *line, size_t lineno)
{
	struct argsfile_parse *p = ctx;
	const char *spec;
	size_t end;
	char *arg;
	int opt;

	line += strspn(line, " \t");
	end = strlen(line);
	while (end > 0 && strchr(" \t\r", line[end - 1]) != NULL)
		line[--end] = '\0';
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	opt = (unsigned char)line[1];
	if (line[0] != '-' || opt == '\0' || opt == ':' || opt == 'C' ||
	    (spec = strchr(p->optstring, opt)) == NULL)
		return argsfile_refuse(p, lineno, "%.*s is not an option of "
		    "this program", (int)strcspn(line, " \t"), line);
	if (line[2] != '\0' && line[2] != ' ' && line[2] != '\t')
		return argsfile_refuse(p, lineno, "-%c and its argument "
		    "need a blank between them", opt);
	arg = line + 2;
	arg += strspn(arg, " \t");
	if (spec[1] == ':' && arg[0] == '\0')
		return argsfile_refuse(p, lineno, "-%c needs an argument",
		    opt);
	if (spec[1] != ':' && arg[0] != '\0')
		return argsfile_refuse(p, lineno, "-%c takes no argument",
		    opt);
	if (p->count + 2 > ARGSFILE_WORDS_MAX)
		return argsfile_refuse(p, lineno, "more than %d words",
		    ARGSFILE_WORDS_MAX);
	line[2] = '\0';
	p->words[p->count++] = line;
	if (arg[0] != '\0')
		p->words[p->count++] = arg;
	return 0;
}

int
argsfile_expand(const char *optstring, int *argc, char ***argv, char *why,
    size_t why_size)
{
	struct argsfile_parse p = {
		.optstring = optstring, .why = why, .why_size = why_size,
	};
	char *text, **out;
	size_t len;
	int n = 0;

	if (*argc < 2 || strcmp((*argv)[1], "-C") != 0)
		return 0;
	if (*argc < 3) {
		(void)snprintf(why, why_size, "-C needs a file");
		errno = EINVAL;
		return -1;
	}
	p.path = (*argv)[2];
	if (textfile_read(p.path, ARGSFILE_BYTES_MAX, &text, &len) == -1) {
		(void)snprintf(why, why_size, "-C %s: %s", p.path,
		    errno == EFBIG ? "too long for an options file" :
		    strerror(errno));
		return -1;
	}
	if (textfile_each_line(text, argsfile_line, &p) == -1)
		return -1;	/* text stays: the message may point into it */
	if ((out = calloc(p.count + (size_t)*argc, sizeof *out)) == NULL) {
		(void)snprintf(why, why_size, "-C %s: out of memory", p.path);
		return -1;
	}
	out[n++] = (*argv)[0];
	for (size_t i = 0; i < p.count; i++)
		out[n++] = p.words[i];
	for (int i = 3; i < *argc; i++)
		out[n++] = (*argv)[i];
	out[n] = NULL;
	*argc = n;
	*argv = out;
	return 0;
}
