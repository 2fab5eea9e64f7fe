#ifndef LEAKGATE_FIT_H
#define LEAKGATE_FIT_H

#include <stddef.h>

/*
 * Growth per call, fitted on the runner side over plain arrays.
 *
 * The window is the series after a warm-up cut. Over it: a Theil–Sen slope
 * with Sen's rank-based confidence interval; an OLS slope over the last half
 * (the tail, to see a bounded cache that filled and stopped) and over the
 * last quarter (a cache that filled late); and a
 * sustained-growth test (every sample of the last quarter above every sample
 * of the first quarter), which periodic noise such as a buffer flushed every
 * N calls does not pass.
 */

typedef struct {
	double warmup_fraction; /* share of samples discarded at the start */
	double confidence;      /* two-sided level of the slope interval */
	size_t min_samples;     /* fewer samples in the window: no verdict */
} lg_fit_options;

#define LG_FIT_OPTIONS_INIT { \
	.warmup_fraction = 0.2, .confidence = 0.95, .min_samples = 8 \
}

typedef struct {
	int enough;        /* 0: too few samples, nothing below is meaningful */
	double slope;      /* Theil–Sen, units per call */
	double ci_low;
	double ci_high;
	double tail_slope; /* OLS over the last half of the window */
	double end_slope;  /* OLS over the last quarter: still growing at the end? */
	double end_from;   /* calls at the first sample of that last quarter */
	size_t warmup;     /* samples discarded */
	size_t used;       /* samples in the window */
	double calls;      /* calls spanned by the window */
	double growth;     /* last minus first value of the window */
	double early_growth; /* growth over the first half of the window */
	double late_growth;  /* ... and over the second half */
	double late_steady;  /* a count's late growth without its jumps
				(verdict.c); the late growth for bytes */
	int sustained;     /* min(last quarter) > max(first quarter) */
	int plateau;       /* credible growth that stopped in the tail */
	int leaks;         /* credibly above the threshold, sustained, not plateaued */
	int undecided;     /* a count grows as a leak would, over too few calls to
			      tell it from a cache (verdict.c): not judged */
} lg_fit;

/*
 * Fit values[i] observed after calls[i] calls (calls strictly increasing).
 * threshold: growth per call that is still acceptable (0 for "any").
 * Returns 0, or LG_EINVALID for NULL arrays or non-increasing calls.
 */
int lg_fit_compute(lg_fit *out, const double *calls, const double *values,
		   size_t n, double threshold, const lg_fit_options *opts);

/* Building blocks, exposed for tests. */
double lg_fit_median(double *v, size_t n); /* reorders v */
int lg_fit_theil_sen(double *slope, double *ci_low, double *ci_high,
		     const double *x, const double *y, size_t n,
		     double confidence);
double lg_fit_ols_slope(const double *x, const double *y, size_t n);

#endif
