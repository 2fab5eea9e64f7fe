#include "leakgate/fit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "leakgate/error.h"

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double sorted_median(const double *v, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double lg_fit_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), compare_doubles);
	return sorted_median(v, n);
}

/*
 * Inverse of the standard normal CDF, Acklam's rational approximation
 * (relative error below 1.2e-9): plenty for a confidence level.
 */
static double normal_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
		-3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
		-1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
		4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
		2.445134137142996e+00, 3.754408661907416e+00 };
	const double p_low = 0.02425;
	double q, r;

	if (p < p_low || p > 1 - p_low) {
		/* Tails: symmetric, so compute the lower one and mirror. */
		q = sqrt(-2 * log(p < p_low ? p : 1 - p));
		r = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
		return p < p_low ? r : -r;
	}
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* x strictly increasing and y finite, or LG_EINVALID naming the index. */
static int check_points(const double *x, const double *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i])) {
			lg_error_set("sample %zu is not a finite number", i);
			return LG_EINVALID;
		}
		if (i > 0 && !(x[i] > x[i - 1])) {
			lg_error_set("calls not strictly increasing at sample %zu "
				     "(%g after %g)", i, x[i], x[i - 1]);
			return LG_EINVALID;
		}
	}
	return 0;
}

/* Sen's rank for a bound, 1-based and clamped to [1, count], as an index. */
static size_t rank_index(double rank, size_t count)
{
	if (rank < 1)
		rank = 1;
	if (rank > (double)count)
		rank = (double)count;
	return (size_t)rank - 1;
}

int lg_fit_theil_sen(double *slope, double *ci_low, double *ci_high,
		     const double *x, const double *y, size_t n,
		     double confidence)
{
	size_t count, k = 0;
	double *slopes, z, spread;
	int rc;

	if (!x || !y) {
		lg_error_set("Theil-Sen: NULL %s", x ? "values" : "calls");
		return LG_EINVALID;
	}
	if (n < 2) {
		lg_error_set("Theil-Sen needs at least 2 points (got %zu)", n);
		return LG_EINVALID;
	}
	if (!(confidence > 0 && confidence < 1)) {
		lg_error_set("confidence %g is not between 0 and 1", confidence);
		return LG_EINVALID;
	}
	if ((rc = check_points(x, y, n)) < 0)
		return rc;
	if (n - 1 > SIZE_MAX / n || n * (n - 1) / 2 > SIZE_MAX / sizeof(*slopes)) {
		lg_error_set("too many samples (%zu) for a pairwise fit", n);
		return LG_ENOMEM;
	}
	count = n * (n - 1) / 2;
	slopes = malloc(count * sizeof(*slopes));
	if (!slopes) {
		lg_error_set("out of memory for %zu pairwise slopes", count);
		return LG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			slopes[k++] = (y[j] - y[i]) / (x[j] - x[i]);
	qsort(slopes, count, sizeof(*slopes), compare_doubles);

	/* Sen (1968): the variance of Kendall's S, ties in y ignored. */
	z = normal_quantile(1 - (1 - confidence) / 2);
	spread = z * sqrt((double)n * (double)(n - 1) * (double)(2 * n + 5) / 18.0);
	*slope = sorted_median(slopes, count);
	*ci_low = slopes[rank_index(floor(((double)count - spread) / 2), count)];
	*ci_high = slopes[rank_index(ceil(((double)count + spread) / 2), count)];
	free(slopes);
	return 0;
}

double lg_fit_ols_slope(const double *x, const double *y, size_t n)
{
	double mean_x = 0, mean_y = 0, sxy = 0, sxx = 0;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		mean_x += x[i];
		mean_y += y[i];
	}
	mean_x /= (double)n;
	mean_y /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mean_x) * (y[i] - mean_y);
		sxx += (x[i] - mean_x) * (x[i] - mean_x);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/* Every value of the last quarter above every value of the first. */
static int sustained_growth(const double *y, size_t n)
{
	size_t q = n / 4 ? n / 4 : 1;
	double first_max = y[0], last_min = y[n - 1];

	for (size_t i = 1; i < q; i++)
		if (y[i] > first_max)
			first_max = y[i];
	for (size_t i = n - q; i < n - 1; i++)
		if (y[i] < last_min)
			last_min = y[i];
	return last_min > first_max;
}

int lg_fit_compute(lg_fit *out, const double *calls, const double *values,
		   size_t n, double threshold, const lg_fit_options *opts)
{
	lg_fit fit = { 0 };
	const double *x, *y;
	size_t tail, end;
	int rc;

	if (!calls || !values || !opts) {
		lg_error_set("fit: NULL %s",
			     !calls ? "calls" : !values ? "values" : "options");
		return LG_EINVALID;
	}
	if (!(opts->warmup_fraction >= 0 && opts->warmup_fraction < 1) ||
	    opts->min_samples < 2) {
		lg_error_set("bad fit options: warm-up fraction %g (0 to <1), "
			     "minimum samples %zu (at least 2)",
			     opts->warmup_fraction, opts->min_samples);
		return LG_EINVALID;
	}
	if ((rc = check_points(calls, values, n)) < 0)
		return rc;

	/* The warm-up never gives way: the first calls allocate caches and
	 * code objects, and a short run judged on them calls a warm-up a leak. */
	fit.warmup = (size_t)floor((double)n * opts->warmup_fraction);
	if (opts->warmup_fraction > 0 && fit.warmup == 0 && n > 0)
		fit.warmup = 1;
	fit.used = n - fit.warmup;
	fit.enough = fit.used >= opts->min_samples;
	if (!fit.enough) {
		*out = fit;
		return 0;
	}

	x = calls + fit.warmup;
	y = values + fit.warmup;
	rc = lg_fit_theil_sen(&fit.slope, &fit.ci_low, &fit.ci_high, x, y,
			      fit.used, opts->confidence);
	if (rc < 0)
		return rc;
	/* The last half, so a cache that filled early shows a flat tail. */
	tail = fit.used - fit.used / 2;
	if (tail < 3)
		tail = fit.used < 3 ? fit.used : 3;
	fit.tail_slope = lg_fit_ols_slope(x + fit.used - tail, y + fit.used - tail, tail);
	fit.calls = x[fit.used - 1] - x[0];
	fit.growth = y[fit.used - 1] - y[0];
	fit.early_growth = y[(fit.used - 1) / 2] - y[0];
	fit.late_growth = y[fit.used - 1] - y[(fit.used - 1) / 2];
	fit.late_steady = fit.late_growth;
	fit.sustained = sustained_growth(y, fit.used);
	/* A cache that fills through most of the run still has a rising last
	 * half; its last quarter is flat. A leak still grows there. */
	end = fit.used / 4 < 3 ? 3 : fit.used / 4;
	fit.end_slope = lg_fit_ols_slope(x + fit.used - end, y + fit.used - end, end);
	fit.end_from = x[fit.used - end];
	fit.leaks = fit.ci_low > threshold && fit.tail_slope > threshold &&
		    fit.end_slope > threshold / 2 && fit.sustained;
	fit.plateau = fit.ci_low > threshold &&
		      !(fit.tail_slope > threshold && fit.end_slope > threshold / 2);
	*out = fit;
	return 0;
}
