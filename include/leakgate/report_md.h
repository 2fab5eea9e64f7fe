#ifndef LEAKGATE_REPORT_MD_H
#define LEAKGATE_REPORT_MD_H

#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/result.h"

/*
 * Markdown for a GitHub step summary or a GitLab merge-request comment:
 * a heading with the totals; a table of workloads (failing first) with the
 * verdict, growth per call with its interval, the baseline's figure when
 * there is one, calls and time; then per failing workload its message, a
 * Mermaid xychart-beta of the judged metric against calls with the fitted
 * line, the explanation when the explain pass ran, and the traceback of
 * an error in a <details> block. Text from workloads is escaped so it can
 * neither break the table nor inject markup.
 *
 * Bounded: GitHub keeps at most 1 MiB of step summary, so the output stays
 * within opts->limit bytes, dropping table rows and then sections (and
 * saying how many) when a run is too large.
 */
#define LG_MARKDOWN_LIMIT (256 * 1024)
#define LG_MARKDOWN_CHART_POINTS 30

typedef struct {
	const char *title;    /* heading; NULL: "leakgate" */
	size_t limit;         /* at most this many bytes; 0: LG_MARKDOWN_LIMIT */
	size_t chart_points;  /* points per chart; 0: LG_MARKDOWN_CHART_POINTS */
} lg_markdown_options;

#define LG_MARKDOWN_OPTIONS_INIT { .title = NULL, .limit = 0, .chart_points = 0 }

/* Append the report to out. */
int lg_report_markdown(lg_buf *out, const lg_run_result *run,
		       const lg_markdown_options *opts);

#endif
