/* The growth fit: slopes, intervals, and the shapes that must (not) leak. */
#include "lg_test.h"

#include <math.h>
#include <string.h>

#include "leakgate/fit.h"

#define SAMPLES 60

/* cmocka 1.1 compares only floats; these fits need doubles. */
#define assert_near(actual, expected, eps) \
	assert_near_((actual), (expected), (eps), #actual, __FILE__, __LINE__)

static void assert_near_(double actual, double expected, double eps,
			 const char *expr, const char *file, int line)
{
	if (fabs(actual - expected) <= eps)
		return;
	print_error("%s is %.17g, expected %.17g (within %g)\n", expr, actual,
		    expected, eps);
	_fail(file, line);
}

/* Sample points of one synthetic run; fresh for every test. */
typedef struct {
	double calls[SAMPLES];
	double values[SAMPLES];
	lg_fit_options opts;
	lg_fit fit;
} run;

static int setup(void **state)
{
	static run r;
	const lg_fit_options defaults = LG_FIT_OPTIONS_INIT;

	memset(&r, 0, sizeof(r));
	r.opts = defaults;
	*state = &r;
	return 0;
}

/* Samples every `batch` calls, the first after `batch` calls. */
static void sample_every(run *r, double batch)
{
	for (size_t i = 0; i < SAMPLES; i++)
		r->calls[i] = batch * (double)(i + 1);
}

static void fit(run *r, double threshold)
{
	assert_lg_ok(lg_fit_compute(&r->fit, r->calls, r->values, SAMPLES,
				    threshold, &r->opts));
	assert_true(r->fit.enough);
}

static void test_linear_leak_is_exact(void **state)
{
	run *r = *state;

	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + 312 * r->calls[i];
	fit(r, 16);
	assert_int_equal(r->fit.warmup, 12);
	assert_int_equal(r->fit.used, 48);
	assert_near(r->fit.slope, 312, 1e-9);
	assert_near(r->fit.ci_low, 312, 1e-9);
	assert_near(r->fit.ci_high, 312, 1e-9);
	assert_near(r->fit.tail_slope, 312, 1e-9);
	assert_near(r->fit.calls, 6000 - 1300, 0);
	assert_near(r->fit.growth, 312.0 * 4700, 1e-6);
	assert_true(r->fit.sustained);
	assert_false(r->fit.plateau);
	assert_true(r->fit.leaks);
}

static void test_halves_and_end_by_hand(void **state)
{
	run *r = *state;

	/* 1 per call until call 3,000, then flat: the window (samples 12..59,
	 * calls 1,300..6,000) splits at sample 35 (3,600 calls); its last
	 * quarter starts at sample 48 (4,900 calls). */
	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = r->calls[i] < 3000 ? r->calls[i] : 3000;
	fit(r, 0);
	assert_int_equal(r->fit.warmup, 12);
	assert_near(r->fit.early_growth, 3000 - 1300, 1e-9);
	assert_near(r->fit.late_growth, 0, 1e-9);
	assert_near(r->fit.end_from, 4900, 1e-9);
}

static void test_constant_is_clean(void **state)
{
	run *r = *state;

	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 123456;
	fit(r, 0);
	assert_near(r->fit.slope, 0, 0);
	assert_near(r->fit.ci_low, 0, 0);
	assert_near(r->fit.ci_high, 0, 0);
	assert_false(r->fit.sustained);
	assert_false(r->fit.plateau);
	assert_false(r->fit.leaks);
}

/* Allocator chunks: 640 B every 40 calls is 16 B/call, in steps. */
static void test_staircase_slow_leak(void **state)
{
	run *r = *state;

	sample_every(r, 10);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 5e5 + 640 * floor(r->calls[i] / 40);
	fit(r, 8);
	assert_near(r->fit.slope, 16, 1e-9);
	assert_true(r->fit.leaks);
	/* Exactly the threshold is still acceptable. */
	fit(r, 16);
	assert_false(r->fit.leaks);

	/* Twice the rate leaks at the default threshold. */
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 5e5 + 1280 * floor(r->calls[i] / 40);
	fit(r, 16);
	assert_near(r->fit.slope, 32, 1e-9);
	assert_true(r->fit.ci_low > 16);
	assert_true(r->fit.leaks);
}

/* A buffer of 100 B/call flushed every 100 calls, sampled out of phase. */
static void test_flushed_buffer_sawtooth_is_clean(void **state)
{
	run *r = *state;

	sample_every(r, 37);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + 100 * fmod(r->calls[i], 100);
	fit(r, 0);
	assert_false(r->fit.sustained);
	assert_false(r->fit.leaks);
	fit(r, 16);
	assert_false(r->fit.leaks);

	/*
	 * Flushed every 1,500 calls, 600 calls full at the start: most pairs and
	 * the tail rise at 100 B/call; only the quarters see the flush.
	 */
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + 100 * fmod(r->calls[i] + 600, 1500);
	fit(r, 16);
	assert_true(r->fit.ci_low > 16);
	assert_true(r->fit.tail_slope > 16);
	assert_false(r->fit.sustained);
	assert_false(r->fit.leaks);
}

/* A bounded cache: 100 B/call until call `stop`, flat after. */
static void fill_bounded(run *r, double stop)
{
	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + 100 * fmin(r->calls[i], stop);
}

static void test_bounded_growth_plateaus(void **state)
{
	run *r = *state;

	/* Stops at 60% of the run: half the window grew, half is flat. */
	fill_bounded(r, 0.6 * 100 * SAMPLES);
	fit(r, 16);
	assert_true(r->fit.ci_low > 16);
	assert_near(r->fit.tail_slope, 0, 1e-9);
	assert_true(r->fit.plateau);
	assert_false(r->fit.leaks);

	/* Stops at 78%: the last half still rises, the last quarter is flat. */
	fill_bounded(r, 0.78 * 100 * SAMPLES);
	fit(r, 16);
	assert_true(r->fit.tail_slope > 16);
	assert_near(r->fit.end_slope, 0, 1e-9);
	assert_true(r->fit.plateau);
	assert_false(r->fit.leaks);

	/* Stops at 50%: the interval reaches 0, too weak to call a plateau. */
	fill_bounded(r, 0.5 * 100 * SAMPLES);
	fit(r, 16);
	assert_true(r->fit.slope > 16);
	assert_false(r->fit.plateau);
	assert_false(r->fit.leaks);

	/* Stops at 40%: mostly flat already, clean either way. */
	fill_bounded(r, 0.4 * 100 * SAMPLES);
	fit(r, 16);
	assert_false(r->fit.leaks);

	/* With no warm-up cut, the 40% cache is seen filling, then flat. */
	r->opts.warmup_fraction = 0;
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + 1000 * fmin(r->calls[i], 0.4 * 100 * SAMPLES);
	fit(r, 16);
	assert_true(r->fit.plateau);
	assert_false(r->fit.leaks);
}

/* Deterministic noise: a whole number in [-amplitude, amplitude]. */
static double noise(uint32_t *lcg, uint32_t amplitude)
{
	*lcg = *lcg * 1103515245u + 12345u;
	return (double)((*lcg >> 8) % (2 * amplitude + 1)) - amplitude;
}

static void test_zero_trend_noise_is_clean(void **state)
{
	run *r = *state;
	uint32_t lcg = 12345;

	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + noise(&lcg, 5000);
	fit(r, 0);
	assert_true(r->fit.ci_low <= 0 && r->fit.ci_high >= 0);
	assert_false(r->fit.leaks);
}

/* 18 B/call under heavy noise: the estimate is above 16, the interval not. */
static void test_uncertain_growth_is_not_a_leak(void **state)
{
	run *r = *state;
	uint32_t lcg = 2;

	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1e6 + 18 * r->calls[i] + noise(&lcg, 20000);
	fit(r, 16);
	assert_true(r->fit.slope > 16);
	assert_true(r->fit.tail_slope > 16);
	assert_true(r->fit.sustained);
	assert_true(r->fit.ci_low < 16 && r->fit.ci_high > 16);
	assert_false(r->fit.leaks);
	fit(r, 10);
	assert_true(r->fit.leaks);
}

static void test_threshold_decides_slow_growth(void **state)
{
	run *r = *state;

	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 2e6 + 10 * r->calls[i];
	fit(r, 16);
	assert_false(r->fit.leaks);
	assert_false(r->fit.plateau);
	fit(r, 5);
	assert_true(r->fit.leaks);
}

static void test_too_few_samples(void **state)
{
	run *r = *state;

	sample_every(r, 100);
	for (size_t i = 0; i < SAMPLES; i++)
		r->values[i] = 1000 * r->calls[i];
	/* 8 samples: one is warm-up (it never gives way), 7 are too few. */
	assert_lg_ok(lg_fit_compute(&r->fit, r->calls, r->values, 8, 0, &r->opts));
	assert_false(r->fit.enough);
	assert_false(r->fit.leaks);
	assert_int_equal(r->fit.warmup, 1);
	assert_int_equal(r->fit.warmup + r->fit.used, 8);
	assert_near(r->fit.slope, 0, 0);

	assert_lg_ok(lg_fit_compute(&r->fit, r->calls, r->values, 9, 0, &r->opts));
	assert_true(r->fit.enough);
	assert_int_equal(r->fit.warmup, 1);
	assert_int_equal(r->fit.used, 8);
	assert_true(r->fit.leaks);
}

static void test_rejects_bad_input(void **state)
{
	run *r = *state;

	sample_every(r, 100);
	r->calls[7] = r->calls[6];
	assert_int_equal(lg_fit_compute(&r->fit, r->calls, r->values, SAMPLES, 0,
					&r->opts), LG_EINVALID);
	assert_non_null(strstr(lg_error_last(), "sample 7"));
	r->calls[7] = r->calls[6] - 1;
	assert_int_equal(lg_fit_compute(&r->fit, r->calls, r->values, SAMPLES, 0,
					&r->opts), LG_EINVALID);
	assert_int_equal(lg_fit_compute(&r->fit, NULL, r->values, SAMPLES, 0,
					&r->opts), LG_EINVALID);
	assert_int_equal(lg_fit_compute(&r->fit, r->calls, NULL, SAMPLES, 0,
					&r->opts), LG_EINVALID);
}

static void test_median(void **state)
{
	double odd[] = { 5, -1, 3, 9, 2 };
	double even[] = { 4, 1, 10, 2 };
	double one[] = { 7 };

	(void)state;
	assert_near(lg_fit_median(odd, 5), 3, 0);
	assert_near(lg_fit_median(even, 4), 3, 0);
	assert_near(lg_fit_median(one, 1), 7, 0);
}

static void test_theil_sen_by_hand(void **state)
{
	/* Pairwise slopes: 2, 1, 1.333, 0, 1, 2 -> sorted 0 1 1 1.333 2 2. */
	const double x[] = { 0, 1, 2, 3 };
	const double y[] = { 0, 2, 2, 4 };
	double slope, low, high;

	(void)state;
	assert_lg_ok(lg_fit_theil_sen(&slope, &low, &high, x, y, 4, 0.95));
	assert_near(slope, (1 + 4.0 / 3) / 2, 1e-12);
	/* n=4: C = 1.96 * sqrt(4*3*13/18) = 5.77 > N=6: the full range. */
	assert_near(low, 0, 0);
	assert_near(high, 2, 0);
	/* A low confidence narrows the interval around the median. */
	assert_lg_ok(lg_fit_theil_sen(&slope, &low, &high, x, y, 4, 0.2));
	assert_near(low, 1, 0);
	assert_near(high, 4.0 / 3, 1e-12);
	assert_int_equal(lg_fit_theil_sen(&slope, &low, &high, x, y, 1, 0.95),
			 LG_EINVALID);
	assert_int_equal(lg_fit_theil_sen(&slope, &low, &high, x, y, 4, 1.0),
			 LG_EINVALID);
}

static void test_ols_slope(void **state)
{
	const double x[] = { 1, 2, 4, 8, 16 };
	double y[5];

	(void)state;
	for (size_t i = 0; i < 5; i++)
		y[i] = 7 - 2.5 * x[i];
	assert_near(lg_fit_ols_slope(x, y, 5), -2.5, 1e-12);
	/* Scatter with no trend: +1 -1 around 0 at symmetric x. */
	y[0] = 1; y[1] = -1; y[2] = 0; y[3] = -1; y[4] = 1;
	assert_near(lg_fit_ols_slope((const double[]){ 1, 2, 3, 4, 5 }, y, 5),
			    0, 1e-12);
	assert_near(lg_fit_ols_slope(x, y, 1), 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linear_leak_is_exact, setup),
		cmocka_unit_test_setup(test_halves_and_end_by_hand, setup),
		cmocka_unit_test_setup(test_constant_is_clean, setup),
		cmocka_unit_test_setup(test_staircase_slow_leak, setup),
		cmocka_unit_test_setup(test_flushed_buffer_sawtooth_is_clean, setup),
		cmocka_unit_test_setup(test_bounded_growth_plateaus, setup),
		cmocka_unit_test_setup(test_zero_trend_noise_is_clean, setup),
		cmocka_unit_test_setup(test_uncertain_growth_is_not_a_leak, setup),
		cmocka_unit_test_setup(test_threshold_decides_slow_growth, setup),
		cmocka_unit_test_setup(test_too_few_samples, setup),
		cmocka_unit_test_setup(test_rejects_bad_input, setup),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_theil_sen_by_hand),
		cmocka_unit_test(test_ols_slope),
	};

	return cmocka_run_group_tests_name("fit", tests, NULL, NULL);
}
