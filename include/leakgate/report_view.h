#ifndef LEAKGATE_REPORT_VIEW_H
#define LEAKGATE_REPORT_VIEW_H

#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/metric.h"
#include "leakgate/result.h"

/*
 * What the renderers (terminal, markdown, GitHub annotations, SVG) show of
 * a workload, decided in one place. The optional passes plug in here: the
 * explain pass (allocation site, explanation text) and the baseline
 * comparison (the base's figure); each renderer only asks these functions.
 */

typedef enum {
	LG_VIEW_PASS,  /* clean */
	LG_VIEW_NOTE,  /* a known leak (expect = leak): passes */
	LG_VIEW_WARN,  /* a known leak that stopped leaking: passes, asks for
			* the configuration to be tightened */
	LG_VIEW_FAIL   /* a leak, a regression, an unmeasured workload */
} lg_view_severity;

lg_view_severity lg_view_severity_of(const lg_workload_result *r);

/* The workload's name as configured (the target when ad hoc); borrowed. */
const char *lg_view_name(const lg_workload_result *r);

/* Not started at all: the run was interrupted first. Reports say these
 * in one line, not one each. */
int lg_view_not_started(const lg_workload_result *r);

/* Where to point a reader: for an error the line that raised (in the
 * user's code), else the allocation site when the explain pass found
 * one, else the workload function's file and line. *file may be NULL
 * (unknown), *line 0. Borrowed. */
void lg_view_site(const lg_workload_result *r, const char **file, int *line);

/* The metric a report headlines: the culprit of a leak, else heap_bytes
 * when fitted, else the first fitted metric; LG_METRIC_COUNT when none. */
lg_metric lg_view_metric(const lg_workload_result *r);

/* "312 B/call (95% CI 305–320)" for metric m, or "–" when it was not
 * fitted or had too few samples. */
int lg_view_rate(lg_buf *out, const lg_workload_result *r, lg_metric m);

/* The calls the shown metric's fit spans (the figure of the message), else
 * the calls made before the workload ended (the last sample); 0 when none. */
long long lg_view_calls(const lg_workload_result *r);

/* Appends the explanation of the explain pass as plain text or nothing;
 * returns 1 when it added. full = 0: a few lines (kind, culprit, site);
 * full = 1: every finding. */
int lg_view_explanation(lg_buf *out, const lg_workload_result *r, int full);

/* Appends the baseline's figure ("296 B/call at 1a2b3c4") or nothing;
 * returns 1 when it added. */
int lg_view_baseline(lg_buf *out, const lg_workload_result *r);

/* Appends the baseline the run was held to, or nothing when it was not
 * compared with one; returns 1 when it added: "baseline: file at 1a2b3c4:
 * 1 regression, 2 same", or "baseline: none (why): every workload judged
 * by the absolute rule". */
int lg_view_run_baseline(lg_buf *out, const lg_run_result *run);

/* Whether any workload of the run has a baseline (a column for it). */
int lg_view_run_has_baseline(const lg_run_result *run);

/*
 * A chart of one metric against calls: at most max_points samples picked
 * evenly from the series, and the fitted line (slope from the fit, the
 * intercept the median residual over the fitted window).
 */
typedef struct {
	lg_metric metric;
	size_t count;
	double *calls;
	double *values;
	size_t window;     /* index of the first point in the fitted window */
	int has_line;      /* the fit had enough samples */
	double slope;
	double intercept;
} lg_view_chart;

#define LG_VIEW_CHART_INIT { .metric = LG_METRIC_HEAP_BYTES }

/* LG_ENOTFOUND (no message) when the series has no samples of m. */
int lg_view_chart_build(lg_view_chart *out, const lg_workload_result *r,
			lg_metric m, size_t max_points);
void lg_view_chart_dispose(lg_view_chart *c);

#endif
