#ifndef LEAKGATE_INTERPRETER_H
#define LEAKGATE_INTERPRETER_H

#include <stddef.h>

#include "leakgate/proc.h"

/*
 * The interpreters of one run, each resolved once. A version manager's
 * shim (pyenv's `python3` is a bash script: up to a second per start) is
 * started for the first child only; every later child of the same --python
 * starts the interpreter the shim ran: the sys.executable its agent
 * reported in hello, in the environment the shim made. A script may change
 * the environment before it execs Python (pyenv puts its version's bin
 * directory first on PATH; others set PYTHONPATH, LD_LIBRARY_PATH or
 * PYTHONHOME, or unset variables): those changes are read from the first
 * child (/proc/<pid>/environ, what the script passed to exec), as a
 * difference from the environment the runner gave it, and applied to the
 * runner's environment for every later child, under that child's own extra
 * variables (the explain pass's LD_PRELOAD still wins). When they cannot be
 * read (the process the runner started is not the one that reported: the
 * script ran Python as its child), the script is started every time.
 * Anything that is not a script (`#!`) is started as given: a venv's
 * python (a link to a binary, whose sys.executable is the venv's own), an
 * interpreter named by its path.
 */

typedef struct {
	char *given;    /* --python as written */
	char *path;     /* what to start instead; NULL: start it as given */
	char **env;     /* with path: the environment to start it in (the
			 * runner's, the script's changes applied), NULL-ended */
} lg_interpreter;

typedef struct {
	lg_interpreter *items;
	size_t count;
} lg_interpreters;

#define LG_INTERPRETERS_INIT { NULL, 0 }

/* What to start for given: the interpreter learned for it, else given
 * itself (borrowed either way); *env (may be NULL) becomes the environment
 * to start it in, for lg_proc's base_env (borrowed; NULL: the runner's). */
const char *lg_interpreters_get(const lg_interpreters *t, const char *given,
				const char *const **env);

/*
 * The child started as given (not yet reaped) reported executable (its
 * sys.executable; NULL or "" when it has none) and pid (its os.getpid(),
 * as text): remember executable, and the environment the child runs in,
 * when given is a script, found on PATH when it has no '/', executable is
 * an absolute path to an executable file, pid is the child's and its
 * environment can be read. The first report for given decides. 0, or
 * LG_ENOMEM.
 */
int lg_interpreters_learn(lg_interpreters *t, const char *given,
			  const char *executable, const char *pid,
			  const lg_proc *child);

void lg_interpreters_dispose(lg_interpreters *t);

/*
 * Environments as NULL-ended arrays of "NAME=value"; the first entry of a
 * name is the one that counts (getenv's rule).
 *
 * The changes that turn before into after, into *out (NULL-ended, every
 * string the caller's: lg_interpreter_env_free): "NAME=value" for each
 * name after sets to another value than before, or that before has not,
 * in after's order; then "NAME" for each name before has and after has
 * not, in before's order.
 */
int lg_interpreter_env_diff(char ***out, const char *const *before,
			    const char *const *after);

/* base with diff (as from lg_interpreter_env_diff) applied, into *out
 * (NULL-ended, the caller's: lg_interpreter_env_free): base's entries
 * whose names diff does not name, in order, then diff's settings. */
int lg_interpreter_env_apply(char ***out, const char *const *base,
			     const char *const *diff);

/* Free an array from lg_interpreter_env_diff or _apply (NULL is fine). */
void lg_interpreter_env_free(char **env);

#endif
