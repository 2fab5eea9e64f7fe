#ifndef LEAKGATE_REPORT_SVG_H
#define LEAKGATE_REPORT_SVG_H

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

/*
 * For every failing workload with samples, write "<dir>/<name>.svg" (dir
 * created; the name made safe for a file name, unique within the run) and
 * set its attachment to that path, so that the JUnit file refers to it.
 * Returns how many were written.
 */
int lg_report_svg_charts(lg_run_result *run, const char *dir);

#endif
