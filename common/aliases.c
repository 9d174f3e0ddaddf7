#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/aliases.h"
#include "common/log.h"
#include "common/textfile.h"

/* One expansion's state: where names go, and how much work is left. */
struct aliases_walk {
	const struct aliases	*a;
	const struct users	*u;
	struct nameset		*out;
	size_t			 visits;
	const char		**bad;
	const struct alias	*path[ALIASES_DEPTH_MAX];
};

static int aliases_parse_line(void *ctx, char *line, size_t lineno);
static int aliases_cmp(const void *x, const void *y);
static const struct alias *aliases_find(const struct aliases *a,
	    const char *name);
static bool aliases_on_path(const struct aliases_walk *w,
	    const struct alias *al, size_t depth);
static enum aliases_status aliases_walk(struct aliases_walk *w,
	    const struct alias *al, size_t depth);

/* Adds the alias on line, or logs why not. -1 only on ENOMEM. */
static int
aliases_parse_line(void *ctx, char *line, size_t lineno)
{
	struct aliases *a = ctx;
	size_t first = a->target_count;
	char *colon, *name, *save, *t;

	line[strcspn(line, "#\r")] = '\0';
	if (line[strspn(line, " \t")] == '\0')
		return 0;
	if ((colon = strchr(line, ':')) == NULL) {
		log_warnx("aliases line %zu: no ':' after the name, skipped",
		    lineno);
		return 0;
	}
	*colon = '\0';
	name = line + strspn(line, " \t");
	name[strcspn(name, " \t")] = '\0';
	if (!users_name_valid(name, strlen(name))) {
		log_warnx("aliases line %zu: invalid alias name, skipped",
		    lineno);
		return 0;
	}
	for (t = strtok_r(colon + 1, ", \t", &save); t != NULL;
	    t = strtok_r(NULL, ", \t", &save)) {
		const char **grown;

		if (!users_name_valid(t, strlen(t))) {
			/* No files, programs or addresses: SPEC 5. */
			log_warnx("aliases line %zu: target is not a user or "
			    "alias name, line skipped", lineno);
			a->target_count = first;
			return 0;
		}
		ascii_lower_copy(t, t, strlen(t));
		grown = realloc(a->targets,
		    (a->target_count + 1) * sizeof *a->targets);
		if (grown == NULL)
			return -1;
		a->targets = grown;
		a->targets[a->target_count++] = t;
	}
	if (a->target_count == first) {
		log_warnx("aliases line %zu: no target, skipped", lineno);
		return 0;
	}
	ascii_lower_copy(name, name, strlen(name));
	struct alias *more = realloc(a->entries,
	    (a->count + 1) * sizeof *a->entries);
	if (more == NULL)
		return -1;
	a->entries = more;
	a->entries[a->count++] = (struct alias){
		.name = name, .first = first,
		.count = a->target_count - first,
	};
	return 0;
}

static int
aliases_cmp(const void *x, const void *y)
{
	const struct alias *ax = x, *ay = y;

	return strcmp(ax->name, ay->name);
}

int
aliases_load(struct aliases *a, const char *path, size_t max_bytes)
{
	int saved;

	*a = (struct aliases){ 0 };
	if (textfile_read(path, max_bytes, &a->text, &a->text_len) == -1)
		return -1;
	if (textfile_each_line(a->text, aliases_parse_line, a) == -1)
		goto fail;
	a->count = textfile_keep_first(a->entries, a->count,
	    sizeof *a->entries, "aliases");
	return 0;
fail:
	saved = errno;
	aliases_free(a);
	errno = saved;
	return -1;
}

void
aliases_free(struct aliases *a)
{
	free(a->entries);
	free(a->targets);
	free(a->text);
	*a = (struct aliases){ 0 };
}

static const struct alias *
aliases_find(const struct aliases *a, const char *name)
{
	char lower[USERS_NAME_MAX + 1];
	struct alias key = { .name = lower };
	size_t len = strlen(name);

	if (a->count == 0 || !users_name_valid(name, len))
		return NULL;
	memcpy(lower, name, len + 1);
	ascii_lower_copy(lower, lower, strlen(lower));
	return bsearch(&key, a->entries, a->count, sizeof *a->entries,
	    aliases_cmp);
}

static bool
aliases_on_path(const struct aliases_walk *w, const struct alias *al,
    size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		if (w->path[i] == al)
			return true;
	return false;
}

static enum aliases_status
aliases_walk(struct aliases_walk *w, const struct alias *al, size_t depth)
{
	*w->bad = al->name;
	if (depth == ALIASES_DEPTH_MAX)
		return ALIASES_TOO_DEEP;
	if (aliases_on_path(w, al, depth))
		return ALIASES_LOOP;
	w->path[depth] = al;
	for (size_t i = al->first; i < al->first + al->count; i++) {
		const char *t = w->a->targets[i];
		const struct alias *sub;
		const struct users_entry *e;
		enum aliases_status st;

		if (++w->visits > ALIASES_VISITS_MAX)
			return ALIASES_TOO_DEEP;
		sub = aliases_find(w->a, t);
		e = users_find(w->u, t);
		/* "jones: jones, brown": the alias's own name is the user. */
		if (sub != NULL && (e == NULL || !aliases_on_path(w, sub,
		    depth + 1))) {
			if ((st = aliases_walk(w, sub, depth + 1)) != ALIASES_OK)
				return st;
			continue;
		}
		if (e == NULL) {
			*w->bad = t;
			return ALIASES_UNKNOWN;
		}
		if (!nameset_add(w->out, e->name))
			return ALIASES_TOO_DEEP;
	}
	return ALIASES_OK;
}

enum aliases_status
aliases_expand(const struct aliases *a, const struct users *u,
    const char *name, struct nameset *out, const char **bad)
{
	struct aliases_walk w = { .a = a, .u = u, .out = out, .bad = bad };
	const struct alias *al = aliases_find(a, name);

	if (al == NULL)
		return ALIASES_NOT_ALIAS;
	return aliases_walk(&w, al, 0);
}
