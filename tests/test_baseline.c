/* Baselines: the regression rule, judging against an entry, the text. */
#include "lg_test.h"

#include <git2.h>
#include <unistd.h>

#include "leakgate/baseline_rule.h"
#include "leakgate/verdict.h"

#define EN_DASH "\xe2\x80\x93"

static lg_fit fit(double slope, double low, double high, int leaks)
{
	lg_fit f;

	memset(&f, 0, sizeof(f));
	f.enough = 1;
	f.slope = slope;
	f.ci_low = low;
	f.ci_high = high;
	f.leaks = leaks;
	f.sustained = leaks;
	f.used = 48;
	f.calls = 4000;
	return f;
}

static lg_baseline_metric base(double slope, double low, double high, int leaks)
{
	lg_baseline_metric b = { 1, slope, low, high, leaks };

	return b;
}

static lg_baseline_status bytes_rule(lg_fit cur, lg_baseline_metric b)
{
	return lg_baseline_compare_metric(&cur, &b, LG_METRIC_BYTES, 16, 0.25);
}

/* ---- the rule --------------------------------------------------------- */

static void test_margin(void **state)
{
	lg_baseline_metric small = base(20, 19, 21, 1), big = base(-1000, -1010, -990, 1);

	(void)state;
	assert_true(lg_baseline_margin(&small, LG_METRIC_BYTES, 16, 0.25) == 16);
	assert_true(lg_baseline_margin(&big, LG_METRIC_BYTES, 16, 0.25) == 250);
	/* Resources have no floor: any credible rise counts. */
	assert_true(lg_baseline_margin(&small, LG_METRIC_RESOURCE, 16, 0.25) == 5);
}

static void test_known_growth_that_grows_regresses(void **state)
{
	(void)state;
	assert_int_equal(bytes_rule(fit(512, 505, 520, 1), base(128, 120, 131, 1)),
			 LG_BASELINE_REGRESSION);
	/* 145 is inside 131 + max(16, 32): the same. */
	assert_int_equal(bytes_rule(fit(150, 145, 155, 1), base(128, 120, 131, 1)),
			 LG_BASELINE_SAME);
	assert_int_equal(bytes_rule(fit(128, 121, 133, 1), base(128, 120, 131, 1)),
			 LG_BASELINE_SAME);
}

static void test_floor_and_tolerance(void **state)
{
	(void)state;
	/* Floor: 21 + 16 = 37. */
	assert_int_equal(bytes_rule(fit(30, 29, 31, 1), base(20, 19, 21, 1)),
			 LG_BASELINE_SAME);
	assert_int_equal(bytes_rule(fit(40, 38, 42, 1), base(20, 19, 21, 1)),
			 LG_BASELINE_REGRESSION);
	/* Tolerance: 1010 + 250 = 1260. */
	assert_int_equal(bytes_rule(fit(1200, 1190, 1210, 1), base(1000, 990, 1010, 1)),
			 LG_BASELINE_SAME);
	assert_int_equal(bytes_rule(fit(1300, 1280, 1320, 1), base(1000, 990, 1010, 1)),
			 LG_BASELINE_REGRESSION);
	/* Exactly at the bar is not above it. */
	assert_int_equal(bytes_rule(fit(40, 37, 42, 1), base(20, 19, 21, 1)),
			 LG_BASELINE_SAME);
}

static void test_overlapping_intervals_never_regress(void **state)
{
	lg_fit wide = fit(200, 100, 300, 1);

	(void)state;
	/* A slope far above but an interval reaching down to main's. */
	assert_int_equal(bytes_rule(wide, base(128, 120, 131, 1)), LG_BASELINE_SAME);
}

static void test_absolute_rule_must_still_flag(void **state)
{
	lg_fit plateau = fit(500, 480, 520, 0);

	(void)state;
	plateau.plateau = 1;
	/* Credibly above main but bounded (a cache that filled): no regression. */
	assert_int_not_equal(bytes_rule(plateau, base(128, 120, 131, 1)),
			     LG_BASELINE_REGRESSION);
	assert_int_equal(bytes_rule(plateau, base(0, 0, 0, 0)), LG_BASELINE_SAME);
}

static void test_new_leak_on_clean_baseline(void **state)
{
	(void)state;
	/* Main was clean: a leak by the absolute rule is a regression even
	 * below the floor (the threshold is the floor there). */
	assert_int_equal(bytes_rule(fit(17, 16.5, 17.5, 1), base(0, 0, 0, 0)),
			 LG_BASELINE_REGRESSION);
	assert_int_equal(bytes_rule(fit(10, 9, 11, 1), base(0.2, 0, 0.5, 0)),
			 LG_BASELINE_REGRESSION);
	/* Near the threshold, noise across it does not flap the gate. */
	assert_int_equal(bytes_rule(fit(16.6, 16.3, 17, 1), base(15.8, 15.5, 16.2, 0)),
			 LG_BASELINE_SAME);
	assert_int_equal(bytes_rule(fit(0, 0, 0, 0), base(0, 0, 0, 0)),
			 LG_BASELINE_SAME);
}

static void test_improvement(void **state)
{
	(void)state;
	assert_int_equal(bytes_rule(fit(0, 0, 0, 0), base(312, 305, 320, 1)),
			 LG_BASELINE_IMPROVEMENT);
	/* 105 < 305 - 78. */
	assert_int_equal(bytes_rule(fit(100, 95, 105, 1), base(312, 305, 320, 1)),
			 LG_BASELINE_IMPROVEMENT);
	assert_int_equal(bytes_rule(fit(280, 275, 285, 1), base(312, 305, 320, 1)),
			 LG_BASELINE_SAME);
	/* Lower than a clean main is nothing to record. */
	assert_int_equal(bytes_rule(fit(0, 0, 0, 0), base(10, 8, 12, 0)),
			 LG_BASELINE_SAME);
}

static void test_resources_have_no_floor(void **state)
{
	lg_fit two = fit(2, 2, 2, 1), one = fit(1, 1, 1.2, 1);
	lg_baseline_metric was_one = base(1, 1, 1, 1), none = base(0, 0, 0, 0);

	(void)state;
	assert_int_equal(lg_baseline_compare_metric(&two, &was_one, LG_METRIC_RESOURCE,
						    16, 0.25), LG_BASELINE_REGRESSION);
	assert_int_equal(lg_baseline_compare_metric(&one, &was_one, LG_METRIC_RESOURCE,
						    16, 0.25), LG_BASELINE_SAME);
	assert_int_equal(lg_baseline_compare_metric(&one, &none, LG_METRIC_RESOURCE,
						    16, 0.25), LG_BASELINE_REGRESSION);
}

static void test_nothing_to_compare(void **state)
{
	lg_fit cur = fit(512, 505, 520, 1);
	lg_baseline_metric absent = { 0, 0, 0, 0, 0 }, b = base(1, 1, 1, 1);

	(void)state;
	assert_int_equal(lg_baseline_compare_metric(&cur, &absent, LG_METRIC_BYTES,
						    16, 0.25), LG_BASELINE_NONE);
	cur.enough = 0;
	assert_int_equal(lg_baseline_compare_metric(&cur, &b, LG_METRIC_BYTES, 16,
						    0.25), LG_BASELINE_NONE);
	assert_string_equal(lg_baseline_status_name(LG_BASELINE_INCOMPARABLE),
			    "incomparable");
}

static lg_baseline_params params(unsigned given, double threshold, double floor,
			     double tolerance)
{
	lg_baseline_params p = { given, threshold, floor, tolerance };

	return p;
}

static void test_params_effective(void **state)
{
	lg_baseline b = LG_BASELINE_INIT;
	lg_baseline_entry e;
	lg_baseline_params asked = params(LG_PARAM_ALL, 100000, 16, 0.25), out;

	(void)state;
	memset(&e, 0, sizeof(e));
	/* No baseline, or one that recorded nothing (format 1): the run's. */
	assert_int_equal(lg_baseline_params_effective(&out, &asked, NULL, NULL), 0);
	assert_true(out.threshold == 100000 && out.regression_floor == 16 &&
		    out.regression_tolerance == 0.25);
	assert_int_equal(out.given, LG_PARAM_ALL);
	assert_int_equal(lg_baseline_params_effective(&out, &asked, &b, &e), 0);
	assert_true(out.threshold == 100000);

	/* The entry's value where it has one, else main's default; the
	 * smaller of that and the run's. */
	b.defaults = params(LG_PARAM_ALL, 16, 8, 0.5);
	e.params = params(LG_PARAM_THRESHOLD, 64, 0, 0);
	assert_int_equal(lg_baseline_params_effective(&out, &asked, &b, &e),
			 LG_PARAM_THRESHOLD | LG_PARAM_FLOOR);
	assert_true(out.threshold == 64);          /* the entry's, not 16 */
	assert_true(out.regression_floor == 8);    /* main's default */
	assert_true(out.regression_tolerance == 0.25); /* the run's: stricter */

	/* A workload without an entry (new, renamed): main's defaults. */
	assert_int_equal(lg_baseline_params_effective(&out, &asked, &b, NULL),
			 LG_PARAM_THRESHOLD | LG_PARAM_FLOOR);
	assert_true(out.threshold == 16 && out.regression_floor == 8 &&
		    out.regression_tolerance == 0.25);

	/* A stricter run stays as strict: main's looser values never apply. */
	asked = params(LG_PARAM_ALL, 4, 2, 0.1);
	assert_int_equal(lg_baseline_params_effective(&out, &asked, &b, &e), 0);
	assert_true(out.threshold == 4 && out.regression_floor == 2 &&
		    out.regression_tolerance == 0.1);
	/* Equal is not stricter. */
	asked = params(LG_PARAM_ALL, 64, 8, 0.5);
	assert_int_equal(lg_baseline_params_effective(&out, &asked, &b, &e), 0);
}

/* ---- judging a result ------------------------------------------------- */

typedef struct {
	lg_workload_result *r;
	lg_baseline b;
	lg_baseline_judge_options opts;
} judged;

static void set(char **field, const char *value)
{
	assert_lg_ok(lg_string_set(field, value));
}

/* A result of workload "orders" as lg_judge leaves it: heap at `heap`. */
static void measured(lg_workload_result *r, lg_fit heap, const char *message)
{
	r->outcome = LG_OUTCOME_COMPLETED;
	set(&r->python_version, "3.11.7");
	set(&r->implementation, "cpython");
	set(&r->platform, "linux-x86_64");
	r->fitted = 1u << LG_METRIC_HEAP_BYTES | 1u << LG_METRIC_FDS |
		    1u << LG_METRIC_BLOCKS;
	r->fits[LG_METRIC_HEAP_BYTES] = heap;
	r->fits[LG_METRIC_FDS] = fit(0, 0, 0, 0);
	r->fits[LG_METRIC_BLOCKS] = fit(3, 3, 3, 0);
	r->culprit = LG_METRIC_HEAP_BYTES;
	r->verdict = heap.leaks ? LG_VERDICT_LEAK : LG_VERDICT_CLEAN;
	set(&r->message, message);
}

/* A baseline at 1a2b3c4 with "orders" at heap `heap`. */
static void baseline_with(lg_baseline *b, lg_baseline_metric heap,
			  const char *python)
{
	lg_baseline_entry e;
	lg_baseline init = LG_BASELINE_INIT;

	*b = init;
	memset(&e, 0, sizeof(e));
	e.workload = (char *)"orders";
	e.python_version = (char *)python;
	e.implementation = (char *)"cpython";
	e.platform = (char *)"linux-x86_64";
	e.calls = 60000;
	e.metrics[LG_METRIC_HEAP_BYTES] = heap;
	e.metrics[LG_METRIC_FDS] = base(0, 0, 0, 0);
	assert_lg_ok(lg_baseline_add_entry(b, &e));
	set(&b->rev, "1a2b3c4");
	set(&b->store, "file");
}

static int judged_setup(void **state)
{
	judged *j = calloc(1, sizeof(*j));
	lg_baseline_judge_options opts = LG_BASELINE_JUDGE_OPTIONS_INIT;
	void *r;

	assert_non_null(j);
	lg_test_result_setup(&r);
	j->r = r;
	j->opts = opts;
	j->opts.baseline = &j->b;
	j->opts.rev = "1a2b3c4";
	j->opts.record_command = "leakgate baseline record --config x.conf";
	*state = j;
	return 0;
}

static int judged_teardown(void **state)
{
	judged *j = *state;
	void *r = j->r;

	lg_test_result_teardown(&r);
	lg_baseline_dispose(&j->b);
	free(j);
	return 0;
}

static void test_judge_regression(void **state)
{
	judged *j = *state;

	measured(j->r, fit(512, 505, 520, 1), "leaks 512 B/call");
	baseline_with(&j->b, base(128, 120, 131, 1), "3.11.2");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_REGRESSION);
	assert_string_equal(j->r->message,
			    "regressed: 512 B/call (95% CI 505" EN_DASH "520 B) vs "
			    "baseline 128 B/call (95% CI 120" EN_DASH "131 B) at 1a2b3c4");
	assert_non_null(j->r->baseline);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_REGRESSION);
	assert_string_equal(j->r->baseline->rev, "1a2b3c4");
	assert_string_equal(j->r->baseline->store, "file");
	assert_int_equal(j->r->baseline->metric, LG_METRIC_HEAP_BYTES);
	assert_true(j->r->baseline->margin == 32);
	assert_true(j->r->baseline->entry.metrics[LG_METRIC_HEAP_BYTES].slope == 128);
	assert_int_equal(j->r->baseline->metric_status[LG_METRIC_FDS], LG_BASELINE_SAME);
	/* Judging twice replaces the comparison (no leak under valgrind). */
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_REGRESSION);
}

static void test_judge_known_growth_passes(void **state)
{
	judged *j = *state;

	measured(j->r, fit(130, 125, 136, 1), "leaks 130 B/call");
	baseline_with(&j->b, base(128, 120, 131, 1), "3.11.2");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_EXPECTED_LEAK);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_SAME);
	assert_string_equal(j->r->message,
			    "no worse than baseline at 1a2b3c4: leaks 130 B/call; "
			    "baseline 128 B/call (95% CI 120" EN_DASH "131 B)");
}

static void test_judge_expected_leak_may_not_grow(void **state)
{
	judged *j = *state;

	measured(j->r, fit(512, 505, 520, 1), "known leak: leaks 512 B/call");
	j->r->workload.expect_leak = 1;
	j->r->verdict = LG_VERDICT_EXPECTED_LEAK;
	baseline_with(&j->b, base(128, 120, 131, 1), "3.11.2");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_REGRESSION);
}

static void test_judge_improvement(void **state)
{
	judged *j = *state;

	measured(j->r, fit(0, 0, 0, 0), "clean: heap 0 B/call");
	baseline_with(&j->b, base(312, 305, 320, 1), "3.11.2");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_CLEAN);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_IMPROVEMENT);
	assert_contains(j->r->message, "improved on baseline at 1a2b3c4");
	assert_contains(j->r->message, "vs 312 B/call");
	assert_contains(j->r->message,
			"record the new baseline: leakgate baseline record --config x.conf");
}

static void test_judge_without_baseline(void **state)
{
	judged *j = *state;

	measured(j->r, fit(512, 505, 520, 1), "leaks 512 B/call");
	j->opts.baseline = NULL;
	j->opts.none_reason = "no baseline at 1a2b3c4: nothing there";
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	/* The absolute rule stands. */
	assert_int_equal(j->r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_NONE);
	assert_null(j->r->baseline->store);
	assert_string_equal(j->r->baseline->reason, "no baseline at 1a2b3c4: nothing there");
	assert_string_equal(j->r->message, "leaks 512 B/call; no baseline");
}

static void test_judge_new_workload(void **state)
{
	judged *j = *state;

	measured(j->r, fit(0, 0, 0, 0), "clean: heap 0 B/call");
	set(&j->r->workload.name, "brand-new");
	baseline_with(&j->b, base(312, 305, 320, 1), "3.11.2");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_CLEAN);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_NONE);
	assert_string_equal(j->r->message,
			    "clean: heap 0 B/call; no baseline for this workload");
	assert_contains(j->r->baseline->reason, "'brand-new'");
}

static void test_judge_other_python_minor(void **state)
{
	judged *j = *state;

	measured(j->r, fit(512, 505, 520, 1), "leaks 512 B/call");
	baseline_with(&j->b, base(128, 120, 131, 1), "3.12.1");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_INCOMPARABLE);
	assert_string_equal(j->r->baseline->reason,
			    "baseline measured on cpython 3.12.1, this run on cpython 3.11.7");
	assert_contains(j->r->message, "absolute rule");
}

static void test_judge_unmeasured(void **state)
{
	judged *j = *state;

	set(&j->r->message, "import failed: No module named 'orders'");
	j->r->outcome = LG_OUTCOME_IMPORT_ERROR;
	j->r->verdict = LG_VERDICT_ERROR;
	baseline_with(&j->b, base(128, 120, 131, 1), "3.11.2");
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_ERROR);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_INCOMPARABLE);
	assert_string_equal(j->r->message, "import failed: No module named 'orders'");
}

/* 60 samples every 100 calls, the heap growing `rate` bytes a call, judged
 * by the absolute rule at `threshold` as the runner does first. */
static void measured_series(lg_workload_result *r, double rate, double threshold)
{
	const lg_fit_options opts = LG_FIT_OPTIONS_INIT;

	lg_series_dispose(&r->series);
	r->outcome = LG_OUTCOME_COMPLETED;
	set(&r->python_version, "3.11.7");
	set(&r->implementation, "cpython");
	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES | 1u << LG_METRIC_FDS;
	for (int i = 1; i <= 60; i++) {
		lg_sample s = { 0 };

		s.calls = 100 * i;
		s.value[LG_METRIC_PYMALLOC_BYTES] = 2000000 + (int64_t)(rate * (double)s.calls);
		s.value[LG_METRIC_FDS] = 5;
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->workload.threshold = threshold;
	assert_lg_ok(lg_judge(r, &opts));
}

static void test_judge_main_threshold_holds(void **state)
{
	judged *j = *state;

	/* The change raises its threshold far above its new leak. */
	measured_series(j->r, 100, 100000);
	assert_int_equal(j->r->verdict, LG_VERDICT_CLEAN);
	baseline_with(&j->b, base(0, 0, 0.5, 0), "3.11.2");
	j->b.entries[0].params = params(LG_PARAM_ALL, 16, 16, 0.25);
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	/* Judged again at main's 16: a new leak where main had none. */
	assert_int_equal(j->r->verdict, LG_VERDICT_REGRESSION);
	assert_true(j->r->fits[LG_METRIC_HEAP_BYTES].leaks);
	assert_true(j->r->workload.threshold == 16);
	assert_int_equal(j->r->baseline->stricter, LG_PARAM_THRESHOLD);
	assert_true(j->r->baseline->params.threshold == 16);
	assert_true(j->r->baseline->asked.threshold == 100000);
	assert_contains(j->r->message, "regressed: 100 B/call");
	assert_contains(j->r->message,
			"; from the baseline: threshold 16 B/call (asked 100000)");
	/* Judging twice says the same. */
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_REGRESSION);
	assert_contains(j->r->message, "threshold 16 B/call (asked 100000)");
}

static void test_judge_new_workload_held_to_main_default(void **state)
{
	judged *j = *state;

	measured_series(j->r, 100, 100000);
	set(&j->r->workload.name, "brand-new");
	baseline_with(&j->b, base(0, 0, 0.5, 0), "3.11.2");
	j->b.defaults = params(LG_PARAM_ALL, 16, 16, 0.25);
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(j->r->baseline->status, LG_BASELINE_NONE);
	assert_contains(j->r->message, "leaks 100 B/call");
	assert_contains(j->r->message, "; no baseline for this workload; from "
			"the baseline: threshold 16 B/call (asked 100000)");

	/* Without main's defaults (an older baseline): the run's own. */
	measured_series(j->r, 100, 100000);
	j->b.defaults.given = 0;
	lg_baseline_cmp_free(j->r->baseline);
	j->r->baseline = NULL;
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_CLEAN);
	assert_int_equal(j->r->baseline->stricter, 0);
	assert_null(strstr(j->r->message, "from the baseline"));
}

static void test_judge_main_margin_holds(void **state)
{
	judged *j = *state;

	/* 145 is inside 131 + max(16, 0.25 x 128) but not inside main's
	 * margin of 0. */
	measured(j->r, fit(150, 145, 155, 1), "leaks 150 B/call");
	baseline_with(&j->b, base(128, 120, 131, 1), "3.11.2");
	j->b.entries[0].params = params(LG_PARAM_FLOOR | LG_PARAM_TOLERANCE, 0, 0, 0);
	assert_lg_ok(lg_baseline_judge(j->r, &j->opts));
	assert_int_equal(j->r->verdict, LG_VERDICT_REGRESSION);
	assert_true(j->r->baseline->margin == 0);
	assert_contains(j->r->message, "; from the baseline: regression-floor 0 "
			"B/call (asked 16), regression-tolerance 0 (asked 0.25)");
	assert_true(j->r->baseline->params.threshold == 16);
}

/* ---- the text --------------------------------------------------------- */

typedef struct {
	char dir[64];
	char path[128];
} scratch;

static int scratch_setup(void **state)
{
	scratch *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	strcpy(s->dir, "/tmp/lg-baseline-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/.leakgate/baseline", s->dir);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	scratch *s = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
	free(s);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(text);
	assert_true(fread(text, 1, 65535, f) > 0);
	fclose(f);
	return text;
}

static void test_write_then_read(void **state)
{
	scratch *s = *state;
	lg_baseline b = LG_BASELINE_INIT, back;
	const lg_baseline_entry *e;
	char *text;

	baseline_with(&b, base(312.5, 305.25, 320, 1), "3.11.2");
	free(b.rev);
	free(b.store);
	b.rev = b.store = NULL;
	/* Names may hold what a config subsection may: quotes, dots, spaces. */
	{
		lg_baseline_entry odd;

		memset(&odd, 0, sizeof(odd));
		odd.workload = (char *)"a \"quoted\" name.with\\dots";
		odd.target = (char *)"pkg.mod:run";
		odd.python_version = (char *)"3.8.18";
		odd.implementation = (char *)"cpython";
		odd.calls = 7;
		odd.metrics[LG_METRIC_THREADS] = base(-0.000125, -1e-3, 1e-9, 0);
		assert_lg_ok(lg_baseline_add_entry(&b, &odd));
	}
	b.entries[0].params = params(LG_PARAM_ALL, 64, 12.5, 0.125);
	b.defaults = params(LG_PARAM_ALL, 16, 16, 0.25);
	assert_lg_ok(lg_baseline_write(&b, s->path));
	text = slurp(s->path);
	assert_contains(text, "[leakgate]\n\tformat = 3\n\tleakgate-version = 0.1.0\n"
			"\tthreshold = 16\n\tregression-floor = 16\n"
			"\tregression-tolerance = 0.25\n");
	assert_contains(text, "[baseline \"orders\"]");
	assert_contains(text, "\tthreshold = 64\n\tregression-floor = 12.5\n"
			"\tregression-tolerance = 0.125\n");
	assert_contains(text, "heap-bytes-slope = 312.5");
	assert_contains(text, "heap-bytes-leaks = true");
	free(text);

	assert_lg_ok(lg_baseline_read_file(&back, s->path, "the file"));
	assert_int_equal(back.format, 3);
	assert_int_equal(back.count, 2);
	assert_int_equal(back.defaults.given, LG_PARAM_ALL);
	assert_true(back.defaults.threshold == 16);
	assert_true(back.defaults.regression_floor == 16);
	assert_true(back.defaults.regression_tolerance == 0.25);
	e = lg_baseline_find(&back, "orders");
	assert_non_null(e);
	assert_int_equal(e->params.given, LG_PARAM_ALL);
	assert_true(e->params.threshold == 64);
	assert_true(e->params.regression_floor == 12.5);
	assert_true(e->params.regression_tolerance == 0.125);
	assert_string_equal(e->python_version, "3.11.2");
	assert_string_equal(e->implementation, "cpython");
	assert_string_equal(e->platform, "linux-x86_64");
	assert_int_equal(e->calls, 60000);
	assert_true(e->metrics[LG_METRIC_HEAP_BYTES].present);
	assert_true(e->metrics[LG_METRIC_HEAP_BYTES].slope == 312.5);
	assert_true(e->metrics[LG_METRIC_HEAP_BYTES].ci_low == 305.25);
	assert_true(e->metrics[LG_METRIC_HEAP_BYTES].leaks);
	assert_false(e->metrics[LG_METRIC_FDS].leaks);
	assert_false(e->metrics[LG_METRIC_BLOCKS].present);
	e = lg_baseline_find(&back, "a \"quoted\" name.with\\dots");
	assert_non_null(e);
	assert_string_equal(e->target, "pkg.mod:run");
	assert_int_equal(e->params.given, 0); /* none recorded, none written */
	assert_true(e->metrics[LG_METRIC_THREADS].slope == -0.000125);
	assert_true(e->metrics[LG_METRIC_THREADS].ci_high == 1e-9);
	assert_null(lg_baseline_find(&back, "ORDERS"));
	lg_baseline_dispose(&back);
	lg_baseline_dispose(&b);
	/* No temporary file is left next to it. */
	assert_int_equal(access(s->path, F_OK), 0);
}

/* An entry named name, measured `when`, with heap slope `slope`. */
static void add_named(lg_baseline *b, const char *name, int64_t when, double slope)
{
	lg_baseline_entry e;

	memset(&e, 0, sizeof(e));
	e.workload = (char *)name;
	e.python_version = (char *)"3.11.2";
	e.implementation = (char *)"cpython";
	e.recorded = when;
	e.metrics[LG_METRIC_HEAP_BYTES] = base(slope, slope - 1, slope + 1, 0);
	assert_lg_ok(lg_baseline_add_entry(b, &e));
}

static double slope_of(const lg_baseline *b, const char *name)
{
	const lg_baseline_entry *e = lg_baseline_find(b, name);

	assert_non_null(e);
	return e->metrics[LG_METRIC_HEAP_BYTES].slope;
}

/* Records that race keep every workload's newest measurement. */
static void test_merge_newest_wins(void **state)
{
	lg_baseline ours = LG_BASELINE_INIT, theirs = LG_BASELINE_INIT, back;
	lg_buf text = LG_BUF_INIT;
	const char *const keep[] = { "a", "c" };

	(void)state;
	add_named(&ours, "a", 1700000100, 10);
	add_named(&ours, "b", 1700000100, 20);
	add_named(&ours, "old", 0, 30);
	add_named(&theirs, "a", 1700000050, 11);   /* older: ours stays */
	add_named(&theirs, "b", 1700000200, 21);   /* newer: theirs wins */
	add_named(&theirs, "c", 1700000000, 31);   /* only theirs: added */
	add_named(&theirs, "old", 0, 40);          /* both unknown: the newer writer */
	theirs.defaults.given = LG_PARAM_THRESHOLD;
	theirs.defaults.threshold = 8;
	assert_lg_ok(lg_baseline_merge(&ours, &theirs));
	assert_int_equal(ours.count, 4);
	assert_true(slope_of(&ours, "a") == 10);
	assert_true(slope_of(&ours, "b") == 21);
	assert_true(slope_of(&ours, "c") == 31);
	assert_true(slope_of(&ours, "old") == 40);
	assert_true(ours.defaults.threshold == 8);

	/* The time is written to the second and read back. */
	assert_lg_ok(lg_baseline_format(&text, &ours));
	assert_contains(text.ptr, "\trecorded = 2023-11-14T22:15:00Z\n");
	assert_lg_ok(lg_baseline_parse(&back, text.ptr, text.len, "merged"));
	assert_int_equal(lg_baseline_find(&back, "b")->recorded, 1700000200);
	assert_int_equal(lg_baseline_find(&back, "old")->recorded, 0);
	lg_baseline_dispose(&back);

	/* A full record drops what the configuration no longer has. */
	lg_baseline_retain(&ours, keep, 2);
	assert_int_equal(ours.count, 2);
	assert_non_null(lg_baseline_find(&ours, "a"));
	assert_non_null(lg_baseline_find(&ours, "c"));
	lg_baseline_dispose(&ours);
	lg_baseline_dispose(&theirs);
	lg_buf_dispose(&text);
}

static void test_format_parses_back(void **state)
{
	lg_baseline b = LG_BASELINE_INIT, back;
	lg_buf text = LG_BUF_INIT;

	(void)state;
	baseline_with(&b, base(1, 0.5, 1.5, 0), "3.13.0");
	assert_lg_ok(lg_baseline_format(&text, &b));
	assert_contains(text.ptr, "python = 3.13.0");
	assert_lg_ok(lg_baseline_parse(&back, text.ptr, text.len, "note"));
	assert_non_null(lg_baseline_find(&back, "orders"));
	lg_baseline_dispose(&back);
	lg_baseline_dispose(&b);
	lg_buf_dispose(&text);
}

/* Format 1 has no parameters: it still reads, with none given; the keys
 * are optional in format 2 too (entries kept by a partial record). */
static void test_reads_format_1(void **state)
{
	static const char v1[] =
		"[leakgate]\n\tformat = 1\n\tleakgate-version = 0.1.0\n"
		"[baseline \"w\"]\n\tpython = 3.11.2\n\timplementation = cpython\n"
		"\tcalls = 10\n\theap-bytes-slope = 3\n\theap-bytes-ci-low = 2\n"
		"\theap-bytes-ci-high = 4\n\theap-bytes-leaks = false\n";
	static const char partial[] =
		"[leakgate]\n\tformat = 2\n\tthreshold = 8\n"
		"[baseline \"w\"]\n\tpython = 3.11.2\n\timplementation = cpython\n"
		"\tregression-tolerance = 0.5\n";
	lg_baseline b;
	const lg_baseline_entry *e;

	(void)state;
	assert_lg_ok(lg_baseline_parse(&b, v1, strlen(v1), "v1"));
	assert_int_equal(b.format, 1);
	assert_int_equal(b.defaults.given, 0);
	assert_non_null(e = lg_baseline_find(&b, "w"));
	assert_int_equal(e->params.given, 0);
	assert_true(e->metrics[LG_METRIC_HEAP_BYTES].slope == 3);
	lg_baseline_dispose(&b);

	assert_lg_ok(lg_baseline_parse(&b, partial, strlen(partial), "partial"));
	assert_int_equal(b.format, 2);
	assert_int_equal(b.defaults.given, LG_PARAM_THRESHOLD);
	assert_true(b.defaults.threshold == 8);
	assert_non_null(e = lg_baseline_find(&b, "w"));
	assert_int_equal(e->params.given, LG_PARAM_TOLERANCE);
	assert_true(e->params.regression_tolerance == 0.5);
	lg_baseline_dispose(&b);
}

static void test_add_result(void **state)
{
	lg_workload_result *r;
	lg_baseline b = LG_BASELINE_INIT;
	lg_sample sample = { 0 };
	void *p;

	(void)state;
	lg_test_result_setup(&p);
	r = p;
	measured(r, fit(312, 305, 320, 1), "leaks");
	sample.calls = 4321;
	assert_lg_ok(lg_series_push(&r->series, &sample));
	r->workload.threshold = 64;
	r->workload.regression_tolerance = 0.5;
	assert_int_equal(lg_baseline_add_result(&b, r), 1);
	/* What judged it goes with it. */
	assert_int_equal(b.entries[0].params.given, LG_PARAM_ALL);
	assert_true(b.entries[0].params.threshold == 64);
	assert_true(b.entries[0].params.regression_floor == 16);
	assert_true(b.entries[0].params.regression_tolerance == 0.5);
	/* Again: replaced, not added. */
	r->fits[LG_METRIC_HEAP_BYTES].slope = 300;
	assert_int_equal(lg_baseline_add_result(&b, r), 1);
	assert_int_equal(b.count, 1);
	assert_string_equal(b.entries[0].workload, "orders");
	assert_string_equal(b.entries[0].target, "orders.py:parse");
	assert_int_equal(b.entries[0].calls, 4321);
	assert_true(b.entries[0].metrics[LG_METRIC_HEAP_BYTES].slope == 300);
	assert_true(b.entries[0].metrics[LG_METRIC_HEAP_BYTES].leaks);
	assert_true(b.entries[0].metrics[LG_METRIC_BLOCKS].present);
	assert_false(b.entries[0].metrics[LG_METRIC_THREADS].present);
	/* An unmeasured workload is not recorded. */
	r->verdict = LG_VERDICT_ERROR;
	set(&r->workload.name, "broken");
	assert_int_equal(lg_baseline_add_result(&b, r), 0);
	assert_int_equal(b.count, 1);
	lg_baseline_dispose(&b);
	lg_test_result_teardown(&p);
}

/* Parsing text fails with a message containing every part. */
static void assert_parse_fails(const char *text, const char *part1,
			       const char *part2)
{
	lg_baseline b;

	assert_int_equal(lg_baseline_parse(&b, text, strlen(text),
					   ".leakgate/baseline at 1a2b3c4"),
			 LG_EINVALID);
	assert_contains(lg_error_last(), ".leakgate/baseline at 1a2b3c4");
	assert_contains(lg_error_last(), part1);
	if (part2)
		assert_contains(lg_error_last(), part2);
	/* The temporary copy's name never shows. */
	assert_null(strstr(lg_error_last(), "/tmp/"));
	assert_null(b.entries);
	assert_int_equal(b.count, 0);
}

#define ENTRY "[leakgate]\n\tformat = 1\n[baseline \"w\"]\n\tpython = 3.11.2\n" \
	      "\timplementation = cpython\n\tcalls = 10\n"

static void test_bad_text(void **state)
{
	(void)state;
	assert_parse_fails("[leakgate]\n\tformat = 1\n[baseline \"w\"\n",
			   "line 3", NULL);
	assert_parse_fails("", "not a leakgate baseline", NULL);
	assert_parse_fails("[baseline \"w\"]\n\tpython = 3.11.2\n",
			   "not a leakgate baseline", NULL);
	assert_parse_fails("[leakgate]\n\tformat = 4\n[baseline \"w\"]\n\tnew-key = 1\n",
			   "leakgate.format: 4", "newer leakgate");
	assert_parse_fails("[leakgate]\n\tformat = one\n", "leakgate.format", "'one'");
	assert_parse_fails(ENTRY "\theap-bytes-slope = 3x\n",
			   "baseline.w.heap-bytes-slope", "'3x' is not a number");
	assert_parse_fails(ENTRY "\theap-bytes-wobble = 3\n",
			   "baseline.w.heap-bytes-wobble", "unknown key");
	assert_parse_fails(ENTRY "\theap-bytes-slope = 3\n",
			   "baseline.w.heap-bytes-ci-low", "missing");
	assert_parse_fails(ENTRY "\tfds-leaks = maybe\n", "baseline.w.fds-leaks",
			   "'maybe'");
	assert_parse_fails(ENTRY "\tcalls = -1\n", "baseline.w.calls", "'-1'");
	assert_parse_fails(ENTRY "[workload \"w\"]\n\ttarget = a.py:f\n",
			   "workload.w.target", "unknown section");
	assert_parse_fails(ENTRY "[leakgate]\n\ttimeout = 4\n",
			   "leakgate.timeout", "unknown key");
	assert_parse_fails(ENTRY "[leakgate]\n\tthreshold = -4\n",
			   "leakgate.threshold", "'-4' is not a number >= 0");
	assert_parse_fails(ENTRY "\tregression-floor = lots\n",
			   "baseline.w.regression-floor", "'lots' is not a number");
	assert_parse_fails("[leakgate]\n\tformat = 1\n[baseline \"w\"]\n\tcalls = 1\n",
			   "baseline.w.python", "missing");
	assert_parse_fails("[leakgate]\n\tformat = 1\n[baseline]\n\tcalls = 1\n",
			   "baseline.calls", "needs a name");
	/* Figures no run measures: a leak of 280 B/call must not pass as known. */
	assert_parse_fails(ENTRY "\theap-bytes-slope = 1e299\n\theap-bytes-ci-low = 0\n"
			   "\theap-bytes-ci-high = 1e300\n\theap-bytes-leaks = true\n",
			   "baseline.w.heap-bytes-slope", "1e+299 is not a measurement");
	assert_parse_fails(ENTRY "\tfds-slope = 0\n\tfds-ci-low = 0\n"
			   "\tfds-ci-high = 2e12\n\tfds-leaks = false\n",
			   "baseline.w.fds-ci-high", "2e+12 is not a measurement");
	assert_parse_fails(ENTRY "\theap-bytes-slope = 3\n\theap-bytes-ci-low = 5\n"
			   "\theap-bytes-ci-high = 4\n\theap-bytes-leaks = false\n",
			   "baseline.w.heap-bytes-ci-low", "5 is above heap-bytes-ci-high 4");
	assert_parse_fails(ENTRY "\trecorded = yesterday\n", "baseline.w.recorded",
			   "'yesterday' is not a time");
}

/* Reading writes nothing: no writable TMPDIR needed, and a message names
 * the text, never the file libgit2 read it from. */
static void test_read_needs_no_tmpdir(void **state)
{
	const char *saved = getenv("TMPDIR");
	char *copy = saved ? strdup(saved) : NULL;
	lg_baseline b;

	(void)state;
	setenv("TMPDIR", "/nonexistent", 1);
	assert_lg_ok(lg_baseline_parse(&b, ENTRY, strlen(ENTRY), "note"));
	assert_non_null(lg_baseline_find(&b, "w"));
	lg_baseline_dispose(&b);
	assert_int_equal(lg_baseline_parse(&b, ENTRY "\tcalls = x\n",
					   strlen(ENTRY "\tcalls = x\n"), "note"),
			 LG_EINVALID);
	assert_string_equal(lg_error_last(), "note: baseline.w.calls: 'x' is not a "
			    "whole number >= 0");
	assert_int_equal(lg_baseline_parse(&b, "[x", 2, "note"), LG_EINVALID);
	assert_contains(lg_error_last(), "note");
	assert_null(strstr(lg_error_last(), "/proc/"));
	if (copy)
		setenv("TMPDIR", copy, 1);
	else
		unsetenv("TMPDIR");
	free(copy);
}

static void test_binary_text(void **state)
{
	static const char text[] = "[leakgate]\n\tformat = 1\n\0junk";
	lg_baseline b;

	(void)state;
	assert_int_equal(lg_baseline_parse(&b, text, sizeof(text) - 1, "blob"),
			 LG_EINVALID);
	assert_contains(lg_error_last(), "blob: not a leakgate baseline");
}

static void test_missing_file(void **state)
{
	scratch *s = *state;
	lg_baseline b;

	assert_int_equal(lg_baseline_read_file(&b, s->path, LG_BASELINE_PATH),
			 LG_ENOTFOUND);
	assert_contains(lg_error_last(), LG_BASELINE_PATH);
	lg_baseline_dispose(&b);
}

#define JUDGED(test) cmocka_unit_test_setup_teardown(test, judged_setup, judged_teardown)
#define SCRATCH(test) cmocka_unit_test_setup_teardown(test, scratch_setup, scratch_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_margin),
		cmocka_unit_test(test_known_growth_that_grows_regresses),
		cmocka_unit_test(test_floor_and_tolerance),
		cmocka_unit_test(test_overlapping_intervals_never_regress),
		cmocka_unit_test(test_absolute_rule_must_still_flag),
		cmocka_unit_test(test_new_leak_on_clean_baseline),
		cmocka_unit_test(test_improvement),
		cmocka_unit_test(test_resources_have_no_floor),
		cmocka_unit_test(test_nothing_to_compare),
		cmocka_unit_test(test_params_effective),
		JUDGED(test_judge_regression),
		JUDGED(test_judge_known_growth_passes),
		JUDGED(test_judge_expected_leak_may_not_grow),
		JUDGED(test_judge_improvement),
		JUDGED(test_judge_without_baseline),
		JUDGED(test_judge_new_workload),
		JUDGED(test_judge_other_python_minor),
		JUDGED(test_judge_unmeasured),
		JUDGED(test_judge_main_threshold_holds),
		JUDGED(test_judge_new_workload_held_to_main_default),
		JUDGED(test_judge_main_margin_holds),
		SCRATCH(test_write_then_read),
		cmocka_unit_test(test_format_parses_back),
		cmocka_unit_test(test_merge_newest_wins),
		cmocka_unit_test(test_reads_format_1),
		cmocka_unit_test(test_add_result),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_binary_text),
		cmocka_unit_test(test_read_needs_no_tmpdir),
		SCRATCH(test_missing_file),
	};

	return cmocka_run_group_tests_name("baseline", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}
