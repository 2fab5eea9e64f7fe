#ifndef LEAKGATE_AGENT_BUNDLE_H
#define LEAKGATE_AGENT_BUNDLE_H

#include <stddef.h>

/*
 * The Python agent as the binary carries it: every module of src/agent/,
 * embedded at build time (src/agent/bundle.sh), and the one-line program
 * that starts it from a memory file of them (`python -c BOOTSTRAP ...`,
 * proto.h). Every child the runner or a pytest collection starts is given
 * these; nothing is written to disk.
 */

/* The agent's Python modules (every .py of src/agent/), embedded at build time:
 * {name, NUL-terminated source}, boot first, ending in {NULL, NULL}. */
typedef struct {
	const char *name;
	const char *source;
} lg_agent_module;

extern const lg_agent_module lg_agent_modules[];

/* The one-line program that starts the agent (`python -c BOOTSTRAP ...`). */
const char *lg_agent_bootstrap(void);

/* A new memory file of the agent's modules, for a child's fd
 * LG_PROTO_MODULES_FD (close-on-exec; the caller closes it); -1 with the
 * reason in error when it cannot be made. */
int lg_agent_modules_open(char *error, size_t size);

#endif
