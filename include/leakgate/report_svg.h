#ifndef LEAKGATE_REPORT_SVG_H
#define LEAKGATE_REPORT_SVG_H

#include <stddef.h>

#include "leakgate/buf.h"
#include "leakgate/result.h"

/*
 * SVG charts, written with libxml2's xmlTextWriter (well-formed, escaped):
 * the judged metric of one workload against calls — axes with ticks and
 * labels, the samples as a line with dots, the fitted growth over the
 * fitted window as a dashed line, the verdict and its message on top.
 * For GitLab, which shows an image attached to a failed test case.
 */

/* Append the chart of r to out. LG_ENOTFOUND (with a message) when r has
 * no samples to chart. */
int lg_report_svg(lg_buf *out, const lg_workload_result *r);

/* A chart ready to be written: whose, where, what. */
typedef struct {
	size_t item;  /* the workload: an index in run->items */
	char *path;   /* "<dir>/<name>.svg" */
	lg_buf svg;
} lg_svg_chart;

/*
 * The chart of every failing workload with samples, in run order, each
 * with its file "<dir>/<name>.svg" (the name made safe for a file name,
 * unique within the run): *count of them in *out, freed with
 * lg_svg_charts_free. Writing them, and making them the workloads' JUnit
 * attachments, is the command's.
 */
int lg_report_svg_charts(lg_svg_chart **out, size_t *count,
			 const lg_run_result *run, const char *dir);
void lg_svg_charts_free(lg_svg_chart *charts, size_t count);

#endif
