/*
 * shell: a command given as an option (-f, -x, -T) run the way /bin/sh
 * runs it, so it may carry its own options ("sendmail -i"):
 * sh -c 'exec CMD "$@"' NAME ARGS..., the arguments as positional
 * parameters, never parsed as shell text. The one place both programs
 * exec a shell.
 */
#ifndef COMMON_SHELL_H
#define COMMON_SHELL_H

#define SHELL_PATH		"/bin/sh"
/* "exec CMD \"$@\"": a longer CMD is refused (ENAMETOOLONG). */
#define SHELL_SCRIPT_MAX	4096

struct shell_cmd {
	char	 script[SHELL_SCRIPT_MAX];
	char	**argv;		/* sh -c script name args... NULL */
};

/*
 * Prepares cmd with $0 name and args (NULL-ended, or NULL for none), in
 * the parent, so the child only execs: 0, or -1 with errno (ENAMETOOLONG,
 * ENOMEM). shell_free() releases it either way.
 */
int	shell_prepare(struct shell_cmd *sc, const char *cmd, const char *name,
	    char *const *args);
/* Execs it with env (NULL-ended; NULL: ours): returns only on failure. */
void	shell_exec(const struct shell_cmd *sc, char *const *env);
void	shell_free(struct shell_cmd *sc);

#endif
