#ifndef LEAKGATE_REPORT_H
#define LEAKGATE_REPORT_H

#include <stdio.h>

#include "leakgate/result.h"

typedef struct {
	int verbose;  /* -v: every metric's fit, not only the judged ones */
	int color;    /* ANSI colours (a terminal) */
} lg_report_options;

#define LG_REPORT_OPTIONS_INIT { 0, 0 }

/* One line per workload (verdict, slope and CI per judged metric), then a
 * totals line. Plain text when color is 0. */
int lg_report_terminal(FILE *out, const lg_run_result *run,
		       const lg_report_options *opts);

/* The progress line for a terminal: "\r[3/10] running orders:parse (1.2 s)"
 * cleared with lg_progress_clear. Callers only use these on a TTY. */
void lg_progress_show(FILE *tty, size_t done, size_t total,
		      const char *running, double seconds);
void lg_progress_clear(FILE *tty);

#endif
