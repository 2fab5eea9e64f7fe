#ifndef LEAKGATE_BASELINE_RULE_H
#define LEAKGATE_BASELINE_RULE_H

#include "leakgate/baseline.h"
#include "leakgate/baseline_cmp.h"
#include "leakgate/fit.h"
#include "leakgate/metric.h"
#include "leakgate/result.h"

/*
 * The regression rule: a judged result against main's figures (baseline.h).
 *
 * Per judged metric (bytes and resources; informational metrics are not
 * compared), with margin = max(floor, tolerance x |baseline slope|), the
 * floor being 0 for resources (fds, threads, ...):
 *
 *   regression   the metric leaks by the absolute rule (fit.leaks: credibly
 *                above the threshold, sustained, still growing) AND
 *                  - main leaked too, and current ci_low > baseline
 *                    ci_high + margin;  or
 *                  - main did not leak (a new leak), and current ci_low >
 *                    baseline ci_high + tolerance x |baseline slope| (the
 *                    absolute threshold serves as the floor here)
 *   improvement  main leaked, and now the metric does not leak, or current
 *                ci_high < baseline ci_low - margin
 *   same         anything else: not credibly different
 *
 * Intervals on both sides plus the margin keep noise from flapping the gate;
 * requiring the absolute rule keeps a bounded cache or a sawtooth from being
 * a regression.
 *
 * The threshold, floor and tolerance are the stricter (smaller) of the
 * run's and main's, key by key: see lg_baseline_params_effective.
 */

double lg_baseline_margin(const lg_baseline_metric *base, lg_metric_kind kind,
			  double floor, double tolerance);

/* One metric: REGRESSION, IMPROVEMENT or SAME; NONE when either side has
 * no figures (base not present, current without enough samples). */
lg_baseline_status lg_baseline_compare_metric(const lg_fit *current,
					      const lg_baseline_metric *base,
					      lg_metric_kind kind, double floor,
					      double tolerance);

/*
 * The parameters a workload is judged by against baseline b: per key the
 * smaller of the run's (`asked`: its configuration and command line, all
 * keys given) and main's, which is the workload's entry e when it recorded
 * the key, else b's recorded default (a workload without an entry, new or
 * renamed, passes e = NULL); the run's own where main recorded neither.
 * b NULL: the run's. Returns the LG_PARAM_* bits where main's value is
 * smaller and so applies.
 */
unsigned lg_baseline_params_effective(lg_baseline_params *out,
				      const lg_baseline_params *asked,
				      const lg_baseline *b,
				      const lg_baseline_entry *e);

typedef struct {
	const lg_baseline *baseline; /* NULL: none was found */
	const char *rev;             /* the base commit searched (for "none") */
	const char *none_reason;     /* why none was found, for the report */
	const char *record_command;  /* shown with an improvement */
	lg_fit_options fit;          /* the confidence level, for messages */
} lg_baseline_judge_options;

#define LG_BASELINE_JUDGE_OPTIONS_INIT { \
	.record_command = "leakgate baseline record", \
	.fit = LG_FIT_OPTIONS_INIT \
}

/*
 * Compare a judged result with its baseline entry; sets r->baseline and,
 * where the comparison decides, r->verdict and r->message. First the
 * parameters: r->workload's threshold, regression-floor and
 * regression-tolerance become the effective ones (above), and when the
 * threshold got stricter the result is judged again (lg_judge with
 * opts->fit), so that neither rule can be loosened by the change under
 * test; the message then ends with "; from the baseline: threshold 16
 * B/call (asked 100000)". Then:
 *   regression  -> LG_VERDICT_REGRESSION, "regressed: 512 B/call (95% CI
 *                  505–520 B) vs baseline 128 B/call (95% CI 120–131 B) at
 *                  1a2b3c4" (even with expect = leak: known leaks may not
 *                  grow either)
 *   same, leaks -> LG_VERDICT_EXPECTED_LEAK: known growth, no worse than main
 *   improvement -> passes; the message says how to record the new baseline
 *   none, incomparable -> the verdict of the absolute rule, and the message
 *                  says so
 */
int lg_baseline_judge(lg_workload_result *r, const lg_baseline_judge_options *opts);

#endif
