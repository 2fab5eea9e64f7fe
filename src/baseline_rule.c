/*
 * The regression rule: a judged result against main's figures. Pure: reads
 * the result and the baseline, writes r->baseline, r->verdict, r->culprit
 * and r->message, and r->workload's parameters with the judgement they
 * imply (main's where stricter). The rule itself is documented in
 * baseline_rule.h.
 */
#include "leakgate/baseline_rule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/format.h"
#include "leakgate/verdict.h"


double lg_baseline_margin(const lg_baseline_metric *base, lg_metric_kind kind,
			  double floor, double tolerance)
{
	double relative = tolerance * fabs(base->slope);
	double absolute = kind == LG_METRIC_BYTES ? floor : 0;

	return relative > absolute ? relative : absolute;
}

lg_baseline_status lg_baseline_compare_metric(const lg_fit *current,
					      const lg_baseline_metric *base,
					      lg_metric_kind kind, double floor,
					      double tolerance)
{
	double margin;

	if (!current || !base || !base->present || !current->enough)
		return LG_BASELINE_NONE;
	if (!base->leaks) {
		/* A new leak: the absolute rule's threshold is the floor, and
		 * it must still be credibly above what main measured. */
		return current->leaks && current->ci_low >
			base->ci_high + tolerance * fabs(base->slope)
			? LG_BASELINE_REGRESSION : LG_BASELINE_SAME;
	}
	margin = lg_baseline_margin(base, kind, floor, tolerance);
	if (current->leaks && current->ci_low > base->ci_high + margin)
		return LG_BASELINE_REGRESSION;
	if (!current->leaks || current->ci_high < base->ci_low - margin)
		return LG_BASELINE_IMPROVEMENT;
	return LG_BASELINE_SAME;
}

unsigned lg_baseline_params_effective(lg_baseline_params *out,
				      const lg_baseline_params *asked,
				      const lg_baseline *b,
				      const lg_baseline_entry *e)
{
	static const unsigned bits[] = {
		LG_PARAM_THRESHOLD, LG_PARAM_FLOOR, LG_PARAM_TOLERANCE,
	};
	double *fields[] = {
		&out->threshold, &out->regression_floor, &out->regression_tolerance,
	};
	unsigned stricter = 0;

	*out = *asked;
	out->given = LG_PARAM_ALL;
	for (size_t i = 0; b && i < sizeof(bits) / sizeof(*bits); i++) {
		const lg_baseline_params *from =
			e && (e->params.given & bits[i]) ? &e->params
			: (b->defaults.given & bits[i]) ? &b->defaults : NULL;
		double mains;

		if (!from)
			continue;
		mains = bits[i] == LG_PARAM_THRESHOLD ? from->threshold
			: bits[i] == LG_PARAM_FLOOR ? from->regression_floor
			: from->regression_tolerance;
		if (mains < *fields[i]) {
			*fields[i] = mains;
			stricter |= bits[i];
		}
	}
	return stricter;
}

/* "512 B/call (95% CI 505–520 B)" */
static int add_rate(lg_buf *b, lg_metric m, double slope, double low,
		    double high, const lg_fit_options *fit)
{
	char rate[LG_FORMAT_RATE_SIZE];

	return lg_buf_puts(b, lg_format_rate(rate, sizeof(rate), slope, low, high,
					     lg_metric_get(m), fit->confidence,
					     LG_FORMAT_RATE_UNITS));
}

static int add_current(lg_buf *b, const lg_workload_result *r, lg_metric m,
		       const lg_fit_options *fit)
{
	const lg_fit *f = &r->fits[m];

	return add_rate(b, m, f->slope, f->ci_low, f->ci_high, fit);
}

static int add_base(lg_buf *b, const lg_baseline_cmp *cmp, lg_metric m,
		    const lg_fit_options *fit)
{
	const lg_baseline_metric *e = &cmp->entry.metrics[m];

	return add_rate(b, m, e->slope, e->ci_low, e->ci_high, fit);
}

/* "3.11.7" and "3.11.2" share "3.11". */
static int same_minor(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	size_t na, nb;

	if (!da || !db)
		return strcmp(a, b) == 0;
	na = (size_t)(da - a) + 1 + strcspn(da + 1, ".");
	nb = (size_t)(db - b) + 1 + strcspn(db + 1, ".");
	return na == nb && memcmp(a, b, na) == 0;
}

/* Why this result cannot be held to its entry, or NULL when it can. */
static int comparable(lg_buf *why, const lg_workload_result *r,
		      const lg_baseline_entry *e)
{
	if (r->verdict == LG_VERDICT_ERROR)
		return lg_buf_puts(why, "the workload could not be measured");
	if (!r->python_version || !r->implementation)
		return lg_buf_puts(why, "the interpreter did not say its version");
	if (strcmp(r->implementation, e->implementation) != 0 ||
	    !same_minor(r->python_version, e->python_version))
		return lg_buf_printf(why, "baseline measured on %s %s, this run "
				     "on %s %s", e->implementation,
				     e->python_version, r->implementation,
				     r->python_version);
	return 0;
}

/* Per judged metric; the workload's status and the metric to speak of. */
static void compare_metrics(lg_baseline_cmp *cmp, const lg_workload_result *r,
			    int *missing)
{
	int regressed = -1, improved = -1;

	*missing = -1;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		lg_metric_kind kind = lg_metric_get((lg_metric)m)->kind;
		const lg_baseline_metric *base = &cmp->entry.metrics[m];
		lg_baseline_status s;

		if (kind == LG_METRIC_INFO || !((r->fitted >> m) & 1u))
			continue;
		if (!base->present) {
			if (r->fits[m].leaks && *missing < 0)
				*missing = m;
			continue;
		}
		s = lg_baseline_compare_metric(&r->fits[m], base, kind,
					       r->workload.regression_floor,
					       r->workload.regression_tolerance);
		cmp->metric_status[m] = s;
		if (s == LG_BASELINE_REGRESSION && regressed < 0)
			regressed = m;
		if (s == LG_BASELINE_IMPROVEMENT && improved < 0)
			improved = m;
	}
	cmp->status = regressed >= 0 ? LG_BASELINE_REGRESSION
		      : *missing >= 0 ? LG_BASELINE_INCOMPARABLE
		      : improved >= 0 ? LG_BASELINE_IMPROVEMENT
		      : LG_BASELINE_SAME;
	cmp->metric = regressed >= 0 ? (lg_metric)regressed
		      : improved >= 0 ? (lg_metric)improved : r->culprit;
	if (cmp->metric < LG_METRIC_COUNT && cmp->entry.metrics[cmp->metric].present)
		cmp->margin = lg_baseline_margin(
			&cmp->entry.metrics[cmp->metric],
			lg_metric_get(cmp->metric)->kind,
			r->workload.regression_floor,
			r->workload.regression_tolerance);
}

/* "regressed: 512 B/call (...) vs baseline 128 B/call (...) at 1a2b3c4" */
static int regression_message(lg_buf *b, const lg_workload_result *r,
			      const lg_baseline_cmp *cmp,
			      const lg_fit_options *fit)
{
	char slope[LG_FORMAT_NUMBER_SIZE], base[LG_FORMAT_NUMBER_SIZE];
	int rc;

	if ((rc = lg_buf_puts(b, "regressed: ")) < 0 ||
	    (rc = add_current(b, r, cmp->metric, fit)) < 0 ||
	    (rc = lg_buf_puts(b, " vs baseline ")) < 0 ||
	    (rc = add_base(b, cmp, cmp->metric, fit)) < 0 ||
	    (rc = lg_buf_printf(b, " at %s", cmp->rev ? cmp->rev : "?")) < 0)
		return rc;
	if (cmp->metric != LG_METRIC_HEAP_BYTES &&
	    (rc = lg_buf_printf(b, " (%s)", lg_metric_get(cmp->metric)->name)) < 0)
		return rc;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		const lg_metric_info *info = lg_metric_get((lg_metric)m);

		if ((lg_metric)m == cmp->metric ||
		    cmp->metric_status[m] != LG_BASELINE_REGRESSION)
			continue;
		lg_format_number(slope, sizeof(slope), r->fits[m].slope);
		lg_format_number(base, sizeof(base), cmp->entry.metrics[m].slope);
		if ((rc = lg_buf_printf(b, "; also %s %s/call vs %s (%s)", slope,
					info->unit, base, info->name)) < 0)
			return rc;
	}
	if (r->outcome != LG_OUTCOME_COMPLETED && r->detail)
		rc = lg_buf_printf(b, "; stopped: %s", r->detail);
	return rc;
}

/* The message and verdict for every status but a regression. */
static int passing_message(lg_buf *b, lg_workload_result *r,
			   const lg_baseline_cmp *cmp,
			   const lg_baseline_judge_options *o)
{
	const char *said = r->message ? r->message : "";
	int plain_leak = r->verdict == LG_VERDICT_LEAK;
	int rc = 0;

	if (r->verdict == LG_VERDICT_ERROR)
		return lg_buf_puts(b, said);
	switch (cmp->status) {
	case LG_BASELINE_NONE:
		return lg_buf_printf(b, "%s; no baseline%s", said,
				     o->baseline ? " for this workload" : "");
	case LG_BASELINE_INCOMPARABLE:
		return lg_buf_printf(b, "%s; not compared with the baseline "
				     "(%s): absolute rule", said, cmp->reason);
	case LG_BASELINE_SAME:
		if (!plain_leak && r->verdict != LG_VERDICT_EXPECTED_LEAK)
			return lg_buf_puts(b, said);
		/* Known growth: what main already had passes. */
		r->verdict = LG_VERDICT_EXPECTED_LEAK;
		if (plain_leak)
			rc = lg_buf_printf(b, "no worse than baseline at %s: %s; "
					   "baseline ", cmp->rev, said);
		else
			rc = lg_buf_printf(b, "%s; no worse than baseline ", said);
		if (rc == 0)
			rc = add_base(b, cmp, cmp->metric, &o->fit);
		if (rc == 0 && !plain_leak)
			rc = lg_buf_printf(b, " at %s", cmp->rev);
		return rc;
	case LG_BASELINE_IMPROVEMENT:
		if (plain_leak)
			r->verdict = LG_VERDICT_EXPECTED_LEAK;
		if ((rc = lg_buf_printf(b, "%s; improved on baseline at %s: %s ",
					said, cmp->rev,
					lg_metric_get(cmp->metric)->name)) < 0 ||
		    (rc = add_current(b, r, cmp->metric, &o->fit)) < 0 ||
		    (rc = lg_buf_puts(b, " vs ")) < 0 ||
		    (rc = add_base(b, cmp, cmp->metric, &o->fit)) < 0)
			return rc;
		return lg_buf_printf(b, "; record the new baseline: %s",
				     o->record_command);
	case LG_BASELINE_REGRESSION:
		break;
	}
	return lg_buf_puts(b, said);
}

static int fill(lg_baseline_cmp *cmp, lg_workload_result *r,
		const lg_baseline_judge_options *o)
{
	const lg_baseline *base = o->baseline;
	const lg_baseline_entry *entry;
	lg_buf why = LG_BUF_INIT;
	int missing, rc;

	if ((rc = lg_string_set(&cmp->rev, base ? base->rev : o->rev)) < 0 ||
	    (rc = lg_string_set(&cmp->store, base ? base->store : NULL)) < 0)
		return rc;
	cmp->metric = r->culprit;
	if (!base) {
		cmp->status = LG_BASELINE_NONE;
		return lg_string_set(&cmp->reason, o->none_reason ? o->none_reason
				  : "no baseline");
	}
	entry = lg_baseline_find(base, r->workload.name);
	if (!entry) {
		cmp->status = LG_BASELINE_NONE;
		rc = lg_buf_printf(&why, "no baseline for workload '%s' at %s",
				   r->workload.name, cmp->rev ? cmp->rev : "?");
	} else if ((rc = lg_baseline_entry_copy(&cmp->entry, entry)) == 0 &&
		   (rc = comparable(&why, r, entry)) == 0 && why.len) {
		cmp->status = LG_BASELINE_INCOMPARABLE;
	} else if (rc == 0) {
		compare_metrics(cmp, r, &missing);
		if (missing >= 0)
			rc = lg_buf_printf(&why, "the baseline has no figures for %s",
					   lg_metric_get((lg_metric)missing)->name);
	}
	if (rc == 0 && why.len && !(cmp->reason = lg_buf_detach(&why)))
		rc = lg_error_oom();
	lg_buf_dispose(&why);
	return rc;
}

/*
 * The stricter of the run's parameters and main's into r->workload, where
 * the rules read them; the result judged again when the threshold dropped
 * (lg_judge is a pure function of the samples and the workload).
 */
static int apply_params(lg_baseline_cmp *cmp, lg_workload_result *r,
			const lg_baseline_judge_options *o)
{
	const lg_baseline *b = o->baseline;
	double judged_by = r->workload.threshold;

	if (!b)
		return 0;
	/* Judged before: r->workload holds the effective values already,
	 * and the first comparison what the run asked. */
	if (r->baseline && r->baseline->asked.given)
		cmp->asked = r->baseline->asked;
	else
		lg_baseline_params_of(&cmp->asked, &r->workload);
	cmp->stricter = lg_baseline_params_effective(
		&cmp->params, &cmp->asked, b, lg_baseline_find(b, r->workload.name));
	r->workload.threshold = cmp->params.threshold;
	r->workload.regression_floor = cmp->params.regression_floor;
	r->workload.regression_tolerance = cmp->params.regression_tolerance;
	return cmp->params.threshold < judged_by ? lg_judge(r, &o->fit) : 0;
}

/* "; from the baseline: threshold 16 B/call (asked 100000), ..." */
static int params_note(lg_buf *b, const lg_baseline_cmp *cmp)
{
	const struct {
		unsigned bit;
		const char *name, *unit;
		double value, asked;
	} keys[] = {
		{ LG_PARAM_THRESHOLD, "threshold", " B/call", cmp->params.threshold,
		  cmp->asked.threshold },
		{ LG_PARAM_FLOOR, "regression-floor", " B/call",
		  cmp->params.regression_floor, cmp->asked.regression_floor },
		{ LG_PARAM_TOLERANCE, "regression-tolerance", "",
		  cmp->params.regression_tolerance, cmp->asked.regression_tolerance },
	};
	char value[LG_FORMAT_NUMBER_SIZE], asked[LG_FORMAT_NUMBER_SIZE];
	const char *sep = "; from the baseline: ";
	int rc = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys) && rc == 0; i++) {
		if (!(cmp->stricter & keys[i].bit))
			continue;
		lg_format_number(value, sizeof(value), keys[i].value);
		lg_format_number(asked, sizeof(asked), keys[i].asked);
		rc = lg_buf_printf(b, "%s%s %s%s (asked %s)", sep, keys[i].name,
				   value, keys[i].unit, asked);
		sep = ", ";
	}
	return rc;
}

int lg_baseline_judge(lg_workload_result *r, const lg_baseline_judge_options *o)
{
	lg_baseline_cmp *cmp = calloc(1, sizeof(*cmp));
	lg_buf message = LG_BUF_INIT;
	int rc;

	if (r->verdict == LG_VERDICT_SKIPPED) {
		free(cmp); /* a skipped test has nothing to compare */
		return 0;
	}
	if (!cmp)
		return lg_error_oom();
	if ((rc = apply_params(cmp, r, o)) < 0 || (rc = fill(cmp, r, o)) < 0) {
		lg_baseline_cmp_free(cmp);
		return rc;
	}
	if (cmp->status == LG_BASELINE_REGRESSION) {
		r->verdict = LG_VERDICT_REGRESSION;
		r->culprit = cmp->metric;
		rc = regression_message(&message, r, cmp, &o->fit);
	} else {
		rc = passing_message(&message, r, cmp, o);
	}
	if (rc == 0 && r->verdict != LG_VERDICT_ERROR)
		rc = params_note(&message, cmp);
	if (rc == 0 && !message.ptr)
		rc = lg_buf_puts(&message, "");
	if (rc < 0) {
		lg_buf_dispose(&message);
		lg_baseline_cmp_free(cmp);
		return rc;
	}
	free(r->message);
	r->message = lg_buf_detach(&message);
	lg_baseline_cmp_free(r->baseline);
	r->baseline = cmp;
	return 0;
}
