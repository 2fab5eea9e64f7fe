#ifndef LEAKGATE_SCHEDULE_H
#define LEAKGATE_SCHEDULE_H

#include <stddef.h>

#include "leakgate/workload.h"

/*
 * Which workload a runner's slot starts next. A suite's tests (pytest:
 * targets with the suite's arguments) share children: one child runs test
 * after test of one interpreter and suite (lg_schedule_shares_child),
 * collected once. Two tests of one file never run at once, in two slots:
 * tests of a file or class may share a fixed path on disk, as
 * pytest-xdist's --dist loadfile assumes. A child goes on with its file
 * before it takes another. Pure: over plain arrays.
 */

/* 1 when wl is a suite's test, and its file: "tests/test_a.py" of the
 * target "pytest:tests/test_a.py::TestA::test_b[x]" (*file points into the
 * target, *len its length); empty in "pytest:::TestA::test_b", as pytest
 * names the tests of the module that `--pyargs pkg.module` collects.
 * 0 when wl is not a suite's test. */
int lg_schedule_file(const lg_workload *wl, const char **file, size_t *len);

/* a and b are tests of one suite, run by one interpreter: one child can
 * run both. */
int lg_schedule_shares_child(const lg_workload *a, const lg_workload *b);

/*
 * The index of the workload to start next, or -1 when none may start now.
 * started[i]: workload i has started (those before `from` all have).
 * running: the n_running workloads the other slots are measuring.
 * served: the test the slot's child ran last, when it has a child that
 * runs many: then only a test that child can run, of served's file first;
 * NULL: any workload.
 */
long lg_schedule_next(const lg_workload *workloads, size_t count,
		      const unsigned char *started, size_t from,
		      const lg_workload *const *running, size_t n_running,
		      const lg_workload *served);

#endif
