#ifndef LEAKGATE_INTERPRETER_H
#define LEAKGATE_INTERPRETER_H

#include <stddef.h>

/*
 * The interpreters of one run, each resolved once. A version manager's
 * shim (pyenv's `python3` is a bash script: up to a second per start) is
 * started for the first child only; every later child of the same --python
 * starts the interpreter the shim ran: the sys.executable its agent
 * reported in hello. Anything that is not a script (`#!`) is started as
 * given: a venv's python (a link to a binary, whose sys.executable is the
 * venv's own), an interpreter named by its path.
 */

typedef struct {
	char *given;    /* --python as written */
	char *path;     /* what to start instead; NULL: start it as given */
} lg_interpreter;

typedef struct {
	lg_interpreter *items;
	size_t count;
} lg_interpreters;

#define LG_INTERPRETERS_INIT { NULL, 0 }

/* What to start for given: the interpreter learned for it, else given
 * itself (borrowed either way). */
const char *lg_interpreters_get(const lg_interpreters *t, const char *given);

/*
 * A child started as given reported executable (its sys.executable; NULL
 * or "" when it has none): remember it when given is a script, found on
 * PATH when it has no '/', and executable is an absolute path to an
 * executable file. The first report for given decides. 0, or LG_ENOMEM.
 */
int lg_interpreters_learn(lg_interpreters *t, const char *given,
			  const char *executable);

void lg_interpreters_dispose(lg_interpreters *t);

#endif
