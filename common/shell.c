/* Running an option's command through /bin/sh (shell.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/shell.h"

/* sh, -c, the script, $0 and the NULL after the arguments */
#define SHELL_ARGV_EXTRA	5

int
shell_prepare(struct shell_cmd *sc, const char *cmd, const char *name,
    char *const *args)
{
	size_t argc = 0, nargs = 0;

	sc->argv = NULL;
	/* "$@" carries the arguments: never parsed by the shell. */
	if ((size_t)snprintf(sc->script, sizeof sc->script, "exec %s \"$@\"",
	    cmd) >= sizeof sc->script) {
		errno = ENAMETOOLONG;
		return -1;
	}
	while (args != NULL && args[nargs] != NULL)
		nargs++;
	if ((sc->argv = calloc(nargs + SHELL_ARGV_EXTRA,
	    sizeof *sc->argv)) == NULL)
		return -1;
	sc->argv[argc++] = SHELL_PATH;
	sc->argv[argc++] = "-c";
	sc->argv[argc++] = sc->script;
	sc->argv[argc++] = (char *)name;
	for (size_t i = 0; i < nargs; i++)
		sc->argv[argc++] = args[i];
	return 0;
}

void
shell_exec(const struct shell_cmd *sc, char *const *env)
{
	if (env != NULL)
		execve(SHELL_PATH, sc->argv, env);
	else
		execv(SHELL_PATH, sc->argv);
}

void
shell_free(struct shell_cmd *sc)
{
	free(sc->argv);
	sc->argv = NULL;
}
