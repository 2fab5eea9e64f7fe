#ifndef LEAKGATE_REPORT_TERM_H
#define LEAKGATE_REPORT_TERM_H

#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/result.h"

typedef struct {
	int verbose;  /* -v: every metric's fit, not only the judged ones */
	int color;    /* ANSI colours (a terminal) */
	size_t width; /* columns to wrap messages at; 0: one line each */
} lg_report_options;

#define LG_REPORT_OPTIONS_INIT { .verbose = 0, .color = 0, .width = 0 }

/* Appends one line per workload (verdict, name, the message wrapped to
 * width, time), then the workloads an interrupted run never started on one
 * line, a totals line and the baseline's. Plain text when color is 0. */
int lg_report_terminal(lg_buf *out, const lg_run_result *run,
		       const lg_report_options *opts);

/* Appends the progress line for a terminal, over the one before it:
 * "\r\033[K[3/10] running orders:parse (1.2 s)", the name cut at its start
 * to fit width columns (0: whole); LG_PROGRESS_CLEAR clears it. Callers
 * only show these on a TTY. */
int lg_report_progress(lg_buf *out, size_t done, size_t total,
		       const char *running, double seconds, size_t width);

#define LG_PROGRESS_CLEAR "\r\033[K"

#endif
