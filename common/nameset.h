/*
 * nameset: a bounded list of names, each at most once, in the order they
 * were first added: the mailboxes one message reaches. Names are not
 * copied; they must outlive the set.
 */
#ifndef COMMON_NAMESET_H
#define COMMON_NAMESET_H

#include <stdbool.h>
#include <stddef.h>

struct nameset {
	const char	**names;	/* room for max */
	size_t		  count;
	size_t		  max;
};

/* Adds name unless it is there; false only when it is new and no room. */
bool	nameset_add(struct nameset *set, const char *name);

#endif
