#ifndef LEAKGATE_RESULT_H
#define LEAKGATE_RESULT_H

#include <stdint.h>
#include <time.h>

#include "leakgate/buf.h"
#include "leakgate/fit.h"
#include "leakgate/series.h"
#include "leakgate/workload.h"

struct lg_baseline_cmp;

/* How the child ended; every way of ending arrives here. */
typedef enum {
	LG_OUTCOME_COMPLETED,      /* the agent made every call it planned */
	LG_OUTCOME_EXCEPTION,      /* the workload raised */
	LG_OUTCOME_IMPORT_ERROR,   /* the target could not be imported or found */
	LG_OUTCOME_CRASHED,        /* killed by a signal or exited without 'end' */
	LG_OUTCOME_TIMEOUT,        /* still running at --timeout: killed */
	LG_OUTCOME_MEMORY_LIMIT,   /* resident memory passed the limit: killed */
	LG_OUTCOME_PROTOCOL_ERROR, /* the agent's records made no sense */
	LG_OUTCOME_SPAWN_FAILED,   /* the interpreter could not be started */
	LG_OUTCOME_CANCELLED,      /* the run was interrupted (cancel.h) first */
	LG_OUTCOME_SKIPPED         /* a test its runner skipped (or xfail) */
} lg_outcome;

typedef enum {
	LG_VERDICT_CLEAN,
	LG_VERDICT_LEAK,
	LG_VERDICT_ERROR,          /* could not be measured */
	LG_VERDICT_EXPECTED_LEAK,  /* expect = leak, and it leaks: passes */
	LG_VERDICT_LEAK_FIXED,     /* expect = leak, but it no longer leaks */
	LG_VERDICT_REGRESSION,     /* credibly worse than the baseline: fails */
	LG_VERDICT_SKIPPED,        /* a skipped test: not measured, passes */
	LG_VERDICT_INCONCLUSIVE    /* too little evidence for clean or leak:
				    * passes, unless fail_inconclusive */
} lg_verdict;

/* A whole run, as its exit code and summary heading tell it. */
typedef enum {
	LG_RUN_PASSED,     /* every workload clean, or a known leak */
	LG_RUN_FAILED,     /* a leak or a regression (wins over unmeasured) */
	LG_RUN_UNMEASURED  /* a workload could not be measured */
} lg_run_status;

const char *lg_outcome_name(lg_outcome o);  /* "completed", "timeout", ... */
const char *lg_verdict_name(lg_verdict v);  /* "clean", "leak", ... */

typedef struct {
	/* What was asked: a private copy of the workload. */
	lg_workload workload;

	/* Identity and interpreter, as the agent reported them (may stay NULL). */
	char *module;
	char *function;
	char *file;
	int line;
	char *python_version;
	char *implementation;
	char *platform;
	int debug_build;
	int64_t batch;        /* calls per sample in the steady phase */
	int64_t call_ns;      /* calibrated time of one call */

	/* How it ended. */
	lg_outcome outcome;
	char *detail;         /* one line: "OSError: [Errno 24] ...", "killed by SIGABRT" */
	char *traceback;      /* the workload's traceback, when it raised */
	char *raised_file;    /* where it raised, in the user's own code (the */
	int raised_line;      /* agent's pick; NULL/0 when none): an error's place */
	lg_series series;
	lg_tail out;          /* the workload's stdout, tail */
	lg_tail err;          /* the workload's stderr, tail */
	double seconds;       /* wall time of the child */
	double cpu_seconds;   /* CPU time its detection took: the child's, or its
			       * share of a child that runs many tests; 0: unknown */
	double flat_calls;    /* calls over which the exact counts ended flat
			       * (lg_series_flat_end); 0: they did not */

	/* Judgement (lg_judge). */
	lg_fit fits[LG_METRIC_COUNT];
	unsigned fitted;      /* bit per metric with a fit */
	lg_verdict verdict;
	lg_metric culprit;    /* the leaking metric the message speaks of */
	char *message;        /* one line for reports, e.g. "leaks 312 B/call (...)" */

	/* The comparison with a baseline (baseline.h); NULL when not compared. */
	struct lg_baseline_cmp *baseline;

	/* Why it leaks: the explain pass (explanation.h); NULL when not run. */
	struct lg_explanation *explanation;

	/* A file shown with the test case in CI (the SVG chart of a failing
	 * workload), as JUnit's [[ATTACHMENT|path]]; NULL when none. */
	char *attachment;
} lg_workload_result;

typedef struct {
	lg_workload_result *items;
	size_t count;
	time_t started;
	double seconds;
	int cancelled;        /* the signal that interrupted the run, or 0 */
} lg_run_result;

#define LG_RUN_RESULT_INIT { .items = NULL, .count = 0, .started = 0, .seconds = 0.0, \
			     .cancelled = 0 }

/* Prepare r for `wl` (copied); tails bounded by tail_limit bytes each. */
int lg_workload_result_init(lg_workload_result *r, const lg_workload *wl,
			    size_t tail_limit);
void lg_workload_result_dispose(lg_workload_result *r);
void lg_run_result_dispose(lg_run_result *run);

#endif
