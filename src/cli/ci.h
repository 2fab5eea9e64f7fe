#ifndef LEAKGATE_CI_H
#define LEAKGATE_CI_H

#include <stdio.h>

#include "leakgate/buf.h"
#include "leakgate/result.h"

/*
 * What leakgate does on its own inside a CI service, read from the
 * service's environment (for the command layer):
 *   GitHub Actions (GITHUB_ACTIONS=true): annotations on standard output
 *     (files relative to GITHUB_WORKSPACE), the markdown summary appended
 *     to the file GITHUB_STEP_SUMMARY names — as pytest's reporters do;
 *   GitLab CI (GITLAB_CI=true): an SVG chart per failing workload next to
 *     the JUnit file, attached to its test case.
 */

/* GITHUB_ACTIONS is "true". */
int lg_ci_in_github(void);

/* In GitHub Actions: write the annotations of run to out. Else nothing. */
int lg_ci_github_annotations(FILE *out, const lg_run_result *run);

/* In GitHub Actions with GITHUB_STEP_SUMMARY set: append the markdown
 * summary of run (title NULL: "leakgate"). Else nothing. */
int lg_ci_github_summary(const lg_run_result *run, const char *title);

#define LG_CI_CHARTS_DIR "leakgate-charts"

/*
 * Where charts go: dir when given; else, in GitLab CI with a JUnit file,
 * "<the JUnit file's directory>/leakgate-charts"; else none (out left
 * empty). Returns 1 when there is a directory.
 */
int lg_ci_charts_dir(lg_buf *out, const char *dir, const char *junit);

/*
 * Write the chart of every failing workload with samples into dir
 * (created; report_svg.h names them) and make each its workload's
 * attachment, so that the JUnit file refers to it. Returns how many.
 */
int lg_ci_write_charts(lg_run_result *run, const char *dir);

#endif
