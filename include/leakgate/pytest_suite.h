#ifndef LEAKGATE_PYTEST_SUITE_H
#define LEAKGATE_PYTEST_SUITE_H

#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/proto.h"
#include "leakgate/session.h"

/*
 * A pytest suite as workloads: the node ids of the tests pytest's own
 * collection finds for the suite's arguments (`--pytest 'tests/ -m
 * leakcheck'`, or `pytest =` in the configuration), collected once in a
 * child of the user's interpreter: `PYTHON -c BOOTSTRAP --collect ARGS`
 * (proto.h), so the user's pytest.ini, pyproject.toml and
 * conftest.py apply.
 */
typedef struct lg_pytest_suite {
	char **nodes;    /* node ids, in pytest's order */
	size_t count;
	int ended;       /* the end record came */
	char *error;     /* why the collection failed; NULL when it did not */
	lg_buf notes;    /* warnings for the user (the tests import the source
			  * tree, not the installed package), one a line */
} lg_pytest_suite;

#define LG_PYTEST_SUITE_INIT { NULL, 0, 0, NULL, LG_BUF_INIT }

/* The collection's records go through a session (session.h:
 * lg_session_init_collection): after hello, `test` adds a node id, `note`
 * a warning, `end` ends; anything else, or after the end, is LG_EPROTO.
 * The handlers session.c's table calls (lg_record_handler): */
int lg_collection_test(lg_session *s, const lg_record *rec);
int lg_collection_note(lg_session *s, const lg_record *rec);
int lg_collection_end(lg_session *s, const lg_record *rec);

/*
 * Collect args (one shell-quoted string) with python, killed after timeout
 * seconds. A collection that fails (no pytest beside the interpreter, bad
 * arguments, no tests) is LG_EINVALID with a message, e.g. "--pytest:
 * pytest is not installed for /usr/bin/python3 (...)"; pytest's own usage
 * errors keep their lines, as pytest prints them.
 */
int lg_pytest_collect(lg_pytest_suite *out, const char *python,
		      const char *args, double timeout);

void lg_pytest_suite_dispose(lg_pytest_suite *suite);

#endif
