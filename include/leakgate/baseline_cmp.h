#ifndef LEAKGATE_BASELINE_CMP_H
#define LEAKGATE_BASELINE_CMP_H

#include <stdint.h>

#include "leakgate/metric.h"

/*
 * A workload's baseline entry and its comparison with the run: plain data,
 * held by the results model (lg_workload_result.baseline) for the sinks.
 * What a baseline is is in baseline.h, the rule that fills these in
 * baseline_rule.h.
 */

/* One metric's fit as main measured it. */
typedef struct {
	int present;      /* 0: the baseline has no figures for this metric */
	double slope;     /* units per call */
	double ci_low;
	double ci_high;
	int leaks;        /* main's run judged it leaking (step 1's rule) */
} lg_baseline_metric;

/* The judging parameters (workload.h) as main used them; a key is set
 * only when its LG_PARAM_* bit is in `given` (older baselines have none). */
enum {
	LG_PARAM_THRESHOLD = 1,   /* threshold: heap bytes per call */
	LG_PARAM_FLOOR = 2,       /* regression-floor */
	LG_PARAM_TOLERANCE = 4,   /* regression-tolerance */
	LG_PARAM_ALL = 7
};

typedef struct {
	unsigned given;
	double threshold;
	double regression_floor;
	double regression_tolerance;
} lg_baseline_params;

/* One workload as main measured it. */
typedef struct {
	char *workload;         /* the [baseline "NAME"]: the workload's name */
	char *target;           /* informational; may be NULL */
	char *python_version;   /* "3.11.2" */
	char *implementation;   /* "cpython" */
	char *platform;         /* "linux-x86_64" */
	char *leakgate_version;
	int64_t calls;          /* calls the run made */
	int64_t recorded;       /* when, in seconds since the epoch (UTC); 0:
				 * unknown (written before format 3) */
	lg_baseline_params params; /* what main judged it by */
	lg_baseline_metric metrics[LG_METRIC_COUNT];
} lg_baseline_entry;

/* Deep copy; out is overwritten, not freed (zeroed on failure). */
int lg_baseline_entry_copy(lg_baseline_entry *out, const lg_baseline_entry *src);
void lg_baseline_entry_dispose(lg_baseline_entry *e);

typedef enum {
	LG_BASELINE_NONE,          /* no baseline for it: the absolute rule */
	LG_BASELINE_SAME,          /* not credibly different from main */
	LG_BASELINE_REGRESSION,    /* credibly worse than main: fails */
	LG_BASELINE_IMPROVEMENT,   /* credibly better: record a new baseline */
	LG_BASELINE_INCOMPARABLE   /* another Python, or not measured: the
				    * absolute rule */
} lg_baseline_status;

/* "none", "same", "regression", "improvement", "incomparable" */
const char *lg_baseline_status_name(lg_baseline_status s);

/* The comparison of one workload with its baseline: plain data for the
 * sinks; owned by lg_workload_result.baseline. */
struct lg_baseline_cmp {
	lg_baseline_status status;
	char *rev;        /* abbreviated commit the baseline was read at, or the
			   * base commit searched when none was found; NULL
			   * when there was no commit to look at */
	char *store;      /* "file" or "notes"; NULL when none was found */
	char *reason;     /* NONE / INCOMPARABLE: one line why; else NULL */
	lg_metric metric; /* the metric the message speaks of */
	double margin;    /* for that metric */
	lg_baseline_status metric_status[LG_METRIC_COUNT]; /* NONE: not compared */
	lg_baseline_entry entry; /* the workload's entry; zeroed when none */
	/* What it was judged by (given: LG_PARAM_ALL once a baseline was
	 * found, else 0), what the run asked, and the bits where main's
	 * stricter value applied. */
	lg_baseline_params params;
	lg_baseline_params asked;
	unsigned stricter;
};
typedef struct lg_baseline_cmp lg_baseline_cmp;

void lg_baseline_cmp_free(lg_baseline_cmp *cmp);

#endif
