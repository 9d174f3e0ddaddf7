#include <string.h>

#include "common/nameset.h"

bool
nameset_add(struct nameset *set, const char *name)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->names[i], name) == 0)
			return true;
	if (set->count == set->max)
		return false;
	set->names[set->count++] = name;
	return true;
}
