/*
 * aliases: the aliases file of SPEC 5, "name: target[, target...]" with
 * '#' comments. Targets are users or other aliases, never files or
 * programs. An alias wins over a user of the same name, as in
 * /etc/aliases, except as a target inside its own expansion
 * ("jones: jones, brown" reaches the user jones and brown). Expansion walks depth-first keeping its path, so a loop is
 * reported at the alias that closes it; depth and work are bounded.
 */
#ifndef COMMON_ALIASES_H
#define COMMON_ALIASES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/nameset.h"
#include "common/users.h"

/* Aliases nested deeper than this are a configuration error. */
#define ALIASES_DEPTH_MAX	16
/* Names looked at in one expansion: bounds a file of many shared targets. */
#define ALIASES_VISITS_MAX	4096

struct alias {
	const char	*name;		/* lower case */
	size_t		 first;		/* its targets: targets[first...] */
	size_t		 count;
};

struct aliases {
	struct alias	*entries;	/* sorted by name */
	size_t		 count;
	const char	**targets;	/* lower case, into text */
	size_t		 target_count;
	char		*text;
	size_t		 text_len;
};

enum aliases_status {
	ALIASES_OK,
	ALIASES_NOT_ALIAS,	/* the name is no alias */
	ALIASES_LOOP,		/* *bad names the alias met twice */
	ALIASES_UNKNOWN,	/* *bad names a target that is nothing */
	ALIASES_TOO_DEEP,	/* over the depth or work bounds */
};

/*
 * Reads and parses path; malformed lines are logged and skipped, and the
 * first line for a name wins. 0, or -1 with errno.
 */
int	aliases_load(struct aliases *a, const char *path, size_t max_bytes);
void	aliases_free(struct aliases *a);

/*
 * Expands name (any case) into the users it reaches, adding each one's
 * name to out (TOO_DEEP when it is full). The names point into u. On a
 * failure out may hold some of them: the caller takes them back.
 */
enum aliases_status aliases_expand(const struct aliases *a,
	    const struct users *u, const char *name, struct nameset *out,
	    const char **bad);

#endif
