#include "leakgate/verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"
#include "leakgate/format.h"
#include "leakgate/metric.h"


static const char *calls_word(int64_t n)
{
	return n == 1 ? "call" : "calls";
}

/* heap_bytes = pymalloc_bytes + malloc_bytes, from whichever is present. */
static void derive_heap(lg_series *s)
{
	int python = lg_series_has(s, LG_METRIC_PYMALLOC_BYTES);
	int native = lg_series_has(s, LG_METRIC_MALLOC_BYTES);

	if (!python && !native)
		return;
	for (size_t i = 0; i < s->count; i++) {
		int64_t *v = s->samples[i].value;

		v[LG_METRIC_HEAP_BYTES] = (python ? v[LG_METRIC_PYMALLOC_BYTES] : 0) +
					  (native ? v[LG_METRIC_MALLOC_BYTES] : 0);
	}
	s->present |= 1u << LG_METRIC_HEAP_BYTES;
}

/*
 * An exact count leaks at any sustained rate that does not slow down: the
 * second half of the window grew at least half as much as the first, by at
 * least LATE_OBJECTS not counting its jumps, and the last quarter at least
 * half as fast as the window. A cache that takes a slot now and then slows
 * down (ElementTree's: 45 blocks, 43 of them in the first 50,000 calls),
 * one that filled late has a flat end; one object kept per 100 calls adds
 * 400 to the second half of 80,000 calls, at the same pace to the end.
 */
#define LATE_OBJECTS 8

/*
 * A jump: one sample's step of LATE_OBJECTS or more, over JUMP_FACTOR
 * times the median step of the late half. Memory kept at the highs of
 * what a workload holds at once (free lists, pools, a table's size: a
 * record, broken ever more rarely) grows in such jumps: ElementTree's
 * blocks jump by 15 to 211 a few times in 100,000 calls and are flat for
 * the next 600,000. A leak grows in every batch alike (one object per 100
 * calls: 31 a batch of 3,125), or by ones and twos when it is rarer.
 */
#define JUMP_FACTOR 4

/* The late half's growth without its jumps, into *out; LG_ENOMEM. */
static int late_growth_without_jumps(double *out, const lg_fit *f,
				     const double *y)
{
	const double *w = y + f->warmup;
	size_t mid = (f->used - 1) / 2, n = f->used - 1 - mid;
	double *steps, median, jumps = 0;

	*out = f->late_growth;
	if (n == 0)
		return 0;
	if (!(steps = malloc(n * sizeof(*steps)))) {
		lg_error_set("out of memory judging %zu samples", f->used);
		return LG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		steps[i] = w[mid + 1 + i] - w[mid + i];
	median = lg_fit_median(steps, n);
	for (size_t i = 0; i < n; i++)
		if (steps[i] >= LATE_OBJECTS && steps[i] > JUMP_FACTOR * median)
			jumps += steps[i];
	free(steps);
	*out = f->late_growth - jumps;
	return 0;
}

/*
 * Bytes grow steadily: not slowing down (the window's second half grew at
 * least half as much as the first) and evenly (the interval's lower end at
 * least half the slope, and no sample below the one before: what is kept
 * only adds). A leak in a slow test does (300 B/call: 299–301, up every
 * batch); a hypothesis test's peaks, different data every call, need not
 * (pyrsistent's PVectorBuilderTests, flat in a bare loop of 25: 2,875
 * B/call, 95% CI 640–4,540 B, over 7 calls; in another run 6,196 B/call,
 * 95% CI 3,680–9,272 B, the heap down 2,752 B at the fifth call).
 */
static int slowing_down(const lg_fit *f)
{
	return 2 * f->late_growth < f->early_growth;
}

static int steady_bytes(const lg_fit *f, const double *y)
{
	const double *w = y + f->warmup;

	for (size_t i = 1; i < f->used; i++)
		if (w[i] < w[i - 1])
			return 0;
	return !slowing_down(f) && 2 * f->ci_low >= f->slope;
}

/* Bytes have a tolerated rate, the informational byte counts (pymalloc,
 * malloc) too, or a few hundred bytes of interpreter growth over a long run
 * read as "leaks"; any sustained growth of a count (fds, threads, objects)
 * leaks. */
static double metric_threshold(const lg_workload *wl, lg_metric m)
{
	return strcmp(lg_metric_get(m)->unit, "B") == 0 ? wl->threshold : 0;
}

/* Metric m at sample i (heap_bytes derived on the fly when absent). */
static double value_at(const lg_series *s, size_t i, lg_metric m)
{
	const int64_t *v = s->samples[i].value;

	return m == LG_METRIC_HEAP_BYTES && !lg_series_has(s, m)
		? (double)(v[LG_METRIC_PYMALLOC_BYTES] + v[LG_METRIC_MALLOC_BYTES])
		: (double)v[m];
}

/* Fit metric m over s. */
static int fit_metric(lg_fit *f, const lg_series *s, const lg_workload *wl,
		      lg_metric m, const double *x, double *y,
		      const lg_fit_options *opts)
{
	int rc;

	for (size_t i = 0; i < s->count; i++)
		y[i] = value_at(s, i, m);
	rc = lg_fit_compute(f, x, y, s->count, metric_threshold(wl, m), opts);
	if (rc == 0 && lg_metric_get(m)->kind == LG_METRIC_OBJECTS && f->enough) {
		double late;
		int grows;

		if ((rc = late_growth_without_jumps(&late, f, y)) < 0)
			return rc;
		f->late_steady = late;
		grows = f->leaks && late >= LATE_OBJECTS &&
			2 * late >= f->early_growth && 2 * f->end_slope >= f->slope;

		/* Slowing down shows only over many calls (verdict.h). */
		f->leaks = grows && f->calls >= LG_CLEAN_MIN_CALLS;
		f->undecided = grows && !f->leaks;
	} else if (rc == 0 && lg_metric_get(m)->kind == LG_METRIC_BYTES &&
		   f->leaks && f->calls < LG_CLEAN_MIN_CALLS && !steady_bytes(f, y)) {
		/* Bytes growing ever slower, or unevenly, over few calls (a
		 * slow test): a cache filling, or the noise of what each call
		 * holds at its peak, as likely as a leak (verdict.h). */
		f->leaks = 0;
		f->undecided = 1;
	}
	return rc;
}

/* Fit every metric present, or only the judged ones; LG_EINVALID when the
 * samples cannot be fitted. */
static int fit_series(lg_fit *fits, unsigned *fitted, const lg_series *s,
		      const lg_workload *wl, int judged_only,
		      const lg_fit_options *opts)
{
	unsigned present = s->present;
	double *x, *y;
	int rc = 0;

	if (s->count == 0)
		return 0;
	if (lg_series_has(s, LG_METRIC_PYMALLOC_BYTES) ||
	    lg_series_has(s, LG_METRIC_MALLOC_BYTES))
		present |= 1u << LG_METRIC_HEAP_BYTES;
	x = malloc(s->count * sizeof(*x));
	y = malloc(s->count * sizeof(*y));
	if (!x || !y) {
		free(x);
		free(y);
		lg_error_set("out of memory fitting %zu samples", s->count);
		return LG_ENOMEM;
	}
	for (size_t i = 0; i < s->count; i++)
		x[i] = (double)s->samples[i].calls;
	for (int m = 0; m < LG_METRIC_COUNT && rc == 0; m++) {
		if (!((present >> m) & 1u) || (judged_only &&
		    lg_metric_get((lg_metric)m)->kind == LG_METRIC_INFO))
			continue;
		rc = fit_metric(&fits[m], s, wl, (lg_metric)m, x, y, opts);
		if (rc == 0)
			*fitted |= 1u << m;
	}
	free(x);
	free(y);
	return rc;
}

static int fit_all(lg_workload_result *r, const lg_fit_options *opts)
{
	return fit_series(r->fits, &r->fitted, &r->series, &r->workload, 0, opts);
}

static int fitted(const lg_workload_result *r, lg_metric m)
{
	return (r->fitted >> m) & 1u;
}

static int metric_leaks(const lg_workload_result *r, lg_metric m)
{
	return fitted(r, m) && r->fits[m].leaks &&
	       lg_metric_get(m)->kind != LG_METRIC_INFO;
}

/* The fit excludes any leak with room to spare: its interval's upper end
 * is half the byte threshold; for a count, less growth over the whole
 * window than a leaking count shows in its second half alone, or a second
 * half that grew (jumps aside) by less than half of that: a cache that
 * filled early, and a leak of one object per 250 calls puts 4 in the
 * second half of 2,000 calls. For a resource (one fd, thread ...), none. */
static int clearly_clean(const lg_fit *f, const lg_workload *wl, lg_metric m)
{
	switch (lg_metric_get(m)->kind) {
	case LG_METRIC_BYTES:
		return f->ci_high < wl->threshold / 2;
	case LG_METRIC_OBJECTS:
		return f->ci_high * f->calls < LATE_OBJECTS ||
		       2 * f->late_steady < LATE_OBJECTS;
	case LG_METRIC_RESOURCE:
		return f->ci_high * f->calls < 1;
	case LG_METRIC_INFO:
		break;
	}
	return 1;
}

/*
 * A leaking metric still grows past --calls: over the LG_PAST_SAMPLES or
 * more samples after it, each above the one before, at least half as fast
 * as over the window. Measured from the first sample past --calls, not from
 * the last before it: a cache that fills within --calls is flat there
 * (clean_cache_100k fills at --calls exactly), whatever it grew up to it.
 * So this is a leak's growth, seen in a few batches rather than in a whole
 * quarter of a window past --calls.
 */
static int grows_past_calls(const lg_series *s, const lg_fit *f, lg_metric m,
			    int64_t max_calls)
{
	size_t at = 0, last = s->count - 1;

	if (!f->leaks)
		return 0;
	while (at < s->count && s->samples[at].calls <= max_calls)
		at++;
	if (s->count - at < LG_PAST_SAMPLES)
		return 0;
	for (size_t i = at + 1; i < s->count; i++)
		if (value_at(s, i, m) <= value_at(s, i - 1, m))
			return 0;
	return 2 * (value_at(s, last, m) - value_at(s, at, m)) >=
	       f->slope * (double)(s->samples[last].calls - s->samples[at].calls);
}

void lg_series_flat_end(double *calls, const lg_series *s, const lg_workload *wl)
{
	const lg_sample *first, *last;
	double heap_low, heap_high;
	unsigned counts = 0;

	*calls = 0;
	if (s->count < LG_FLAT_SAMPLES)
		return;
	last = &s->samples[s->count - 1];
	/* More than LG_FLAT_SAMPLES samples when their batches are small (a
	 * slow test's): back to LG_FLAT_CALLS calls before the last. */
	first = &s->samples[s->count - LG_FLAT_SAMPLES];
	while (first > s->samples && last->calls - first->calls < LG_FLAT_CALLS)
		first--;
	if (last->calls - first->calls < LG_FLAT_CALLS)
		return;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		lg_metric_kind kind = lg_metric_get((lg_metric)m)->kind;

		if (lg_series_has(s, (lg_metric)m) &&
		    (kind == LG_METRIC_OBJECTS || kind == LG_METRIC_RESOURCE))
			counts |= 1u << m;
	}
	if (!counts)
		return;
	heap_low = heap_high = value_at(s, s->count - 1, LG_METRIC_HEAP_BYTES);
	for (const lg_sample *p = first; p < last; p++) {
		double heap = value_at(s, (size_t)(p - s->samples), LG_METRIC_HEAP_BYTES);

		for (int m = 0; m < LG_METRIC_COUNT; m++)
			if (((counts >> m) & 1u) && p->value[m] != last->value[m])
				return;
		heap_low = heap < heap_low ? heap : heap_low;
		heap_high = heap > heap_high ? heap : heap_high;
	}
	if (heap_high - heap_low >= wl->threshold / 2 * (double)(last->calls - first->calls))
		return;
	*calls = (double)(last->calls - first->calls);
}

/* Credible growth of bytes that stopped: over the window's last half and
 * quarter the heap grows by less than half the threshold. */
static int grew_then_flat(const lg_fit *f, double threshold)
{
	return f->plateau || (f->ci_low > 0 && f->tail_slope <= threshold / 2 &&
			      f->end_slope <= threshold / 2);
}

/* The heap's part of the evidence for clean (evidence_of_clean): its
 * interval excludes growth above the threshold, or its growth stopped;
 * heap is NULL when it was not fitted. */
static int heap_says_clean(const lg_fit *heap, double threshold)
{
	return !heap || heap->ci_high <= threshold || grew_then_flat(heap, threshold);
}

static int64_t heap_of(const lg_sample *s)
{
	return s->value[LG_METRIC_PYMALLOC_BYTES] + s->value[LG_METRIC_MALLOC_BYTES];
}

int lg_judge_settled(int *settled, const lg_workload_result *r,
		     const lg_fit_options *opts)
{
	const lg_series *s = &r->series;
	const lg_workload *wl = &r->workload;
	const lg_sample *first, *last;
	lg_fit fits[LG_METRIC_COUNT];
	unsigned fitted = 0;
	int enough = 1, leaks = 0, leaking = 0, resource = 0, clean = 1, past = 0, grown, rc;
	double window = 0, end_from = 0, spent, flat;

	*settled = 0;
	if (s->count == 0)
		return 0;
	memset(fits, 0, sizeof(fits));
	if ((rc = fit_series(fits, &fitted, s, wl, 1, opts)) < 0)
		return rc == LG_EINVALID ? 0 : rc; /* lg_judge will say why */
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		if (!((fitted >> m) & 1u))
			continue;
		enough = enough && fits[m].enough;
		leaks = leaks || fits[m].leaks;
		leaking = leaking || fits[m].leaks || fits[m].undecided;
		/* fds, threads, uncollectable objects: nothing caches them by
		 * the thousand, no plateau to wait for. */
		resource = resource || (fits[m].leaks &&
			   lg_metric_get((lg_metric)m)->kind == LG_METRIC_RESOURCE);
		clean = clean && clearly_clean(&fits[m], wl, (lg_metric)m);
		past = past || grows_past_calls(s, &fits[m], (lg_metric)m, wl->max_calls);
		window = fits[m].calls;
		end_from = fits[m].end_from;
	}
	first = &s->samples[0];
	last = &s->samples[s->count - 1];
	/* The calls' CPU time: how much of it the wall clock shows depends on
	 * the machine's load. A quarter of the wall time bounds a workload
	 * that waits (sleeps, I/O). */
	spent = (double)last->elapsed_ns / LG_EXTEND_FACTOR;
	if ((double)last->cpu_ns > spent)
		spent = (double)last->cpu_ns;
	/* Going on past --calls or --duration ends with LG_EXTEND_HEAP of
	 * growth: before them, a leak runs into --memory-limit as it would. */
	grown = heap_of(first) + LG_EXTEND_HEAP <= heap_of(last);
	lg_series_flat_end(&flat, s, wl);
	if (last->calls >= wl->max_calls) {
		/* Growing at the end of --calls: a cache that fills by then looks
		 * the same until it is flat past --calls. Go on until the growth
		 * shows past --calls, or else until the last quarter of the window
		 * begins there. */
		*settled = !leaking || resource || grown || past ||
			   end_from >= (double)wl->max_calls;
	} else if (spent >= wl->duration * 1e9) {
		/* Growing at --duration: a leak goes on towards --calls (as
		 * above), up to LG_EXTEND_FACTOR x --duration of calls. So does
		 * a run without the evidence for clean yet (a flat end, or the
		 * heap's: evidence_of_clean), which would be inconclusive: a
		 * cache of its own that fills slowly shows its plateau later. */
		int evidence = flat > 0 ||
			       heap_says_clean((fitted >> LG_METRIC_HEAP_BYTES) & 1u
					       ? &fits[LG_METRIC_HEAP_BYTES] : NULL, wl->threshold);

		*settled = enough && ((!leaking && evidence) || resource || grown ||
			   spent >= LG_EXTEND_FACTOR * wl->duration * 1e9);
	} else {
		/* A flat end settles what is undecided, not a fit that says
		 * leak: a count that creeps more slowly than the flat end can
		 * see (one block per 172 calls over 4,000, flat over the last
		 * 384 by chance) goes on, as any leak does. */
		*settled = enough && ((flat > 0 && !leaks) ||
				      (!leaking && clean && window >= LG_CLEAN_MIN_CALLS));
	}
	return 0;
}

/*
 * Sets r->culprit to the first leaking metric in enum order: heap_bytes comes
 * first, so it headlines whenever it leaks.
 */
static int find_culprit(lg_workload_result *r)
{
	r->culprit = LG_METRIC_HEAP_BYTES;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		if (metric_leaks(r, (lg_metric)m)) {
			r->culprit = (lg_metric)m;
			return 1;
		}
	}
	return 0;
}

/*
 * A leak over fewer than LG_LEAK_MIN_CALLS calls, before --calls and below
 * LG_EXTEND_HEAP of growth: a slow test that ran out of time, whose growth
 * a cache still filling shows as well. Not when fds, threads or
 * uncollectable objects leak too: nothing caches those by the hundred.
 */
static int leak_on_too_few_calls(const lg_workload_result *r)
{
	const lg_series *s = &r->series;
	const lg_sample *last;

	if (s->count == 0)
		return 0;
	for (int m = 0; m < LG_METRIC_COUNT; m++)
		if (metric_leaks(r, (lg_metric)m) &&
		    lg_metric_get((lg_metric)m)->kind == LG_METRIC_RESOURCE)
			return 0;
	last = &s->samples[s->count - 1];
	return last->calls < LG_LEAK_MIN_CALLS && last->calls < r->workload.max_calls &&
	       heap_of(last) - heap_of(&s->samples[0]) < LG_EXTEND_HEAP;
}

/* Every metric shares the samples, so any fitted one tells. */
static int enough_samples(const lg_workload_result *r)
{
	for (int m = 0; m < LG_METRIC_COUNT; m++)
		if (fitted(r, (lg_metric)m) && r->fits[m].enough)
			return 1;
	return 0;
}

/*
 * "312 B/call (95% CI 305–320 B) over 4,000 calls". The calls are those the
 * fit spans (after the warm-up cut): the numbers describe that window.
 */
static int add_rate(lg_buf *b, const lg_workload_result *r, lg_metric m,
		    const lg_fit_options *opts)
{
	const lg_fit *f = &r->fits[m];
	char rate[LG_FORMAT_RATE_SIZE], calls[LG_FORMAT_NUMBER_SIZE];
	int64_t n = (int64_t)llround(f->calls);

	lg_format_rate(rate, sizeof(rate), f->slope, f->ci_low, f->ci_high,
		       lg_metric_get(m), opts->confidence, LG_FORMAT_RATE_UNITS);
	lg_format_count(calls, sizeof(calls), n);
	return lg_buf_printf(b, "%s over %s %s", rate, calls, calls_word(n));
}

static int add_leak(lg_buf *b, const lg_workload_result *r,
		    const lg_fit_options *opts)
{
	char slope[LG_FORMAT_NUMBER_SIZE];
	int rc;

	if ((rc = lg_buf_puts(b, "leaks ")) < 0 ||
	    (rc = add_rate(b, r, r->culprit, opts)) < 0)
		return rc;
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		const lg_metric_info *info = lg_metric_get((lg_metric)m);

		/* Objects that a byte leak keeps are that leak, not another. */
		if ((lg_metric)m == r->culprit || !metric_leaks(r, (lg_metric)m) ||
		    (info->kind == LG_METRIC_OBJECTS &&
		     lg_metric_get(r->culprit)->kind != LG_METRIC_OBJECTS))
			continue;
		lg_format_number(slope, sizeof(slope), r->fits[m].slope);
		if ((rc = lg_buf_printf(b, "; also %s %s/call (%s)", slope,
					info->unit, info->name)) < 0)
			return rc;
	}
	return 0;
}

/* "; blocks not judged: 0.42 block/call over only 231 calls (counts need
 * 2,000)" for each undecided count; "(slowing down)" or "(uneven)" for
 * bytes. */
static int add_undecided(lg_buf *b, const lg_workload_result *r)
{
	char slope[LG_FORMAT_NUMBER_SIZE], calls[LG_FORMAT_NUMBER_SIZE];
	char least[LG_FORMAT_NUMBER_SIZE], counts_need[64];
	int rc;

	lg_format_count(least, sizeof(least), LG_CLEAN_MIN_CALLS);
	snprintf(counts_need, sizeof(counts_need), "counts need %s", least);
	for (int m = 0; m < LG_METRIC_COUNT; m++) {
		const lg_metric_info *info = lg_metric_get((lg_metric)m);
		const lg_fit *f = &r->fits[m];
		int64_t n = (int64_t)llround(f->calls);

		if (!fitted(r, (lg_metric)m) || !f->undecided)
			continue;
		lg_format_number(slope, sizeof(slope), f->slope);
		lg_format_count(calls, sizeof(calls), n);
		if ((rc = lg_buf_printf(b, "; %s not judged: %s %s/call over only "
					"%s %s (%s)", info->name, slope, info->unit,
					calls, calls_word(n),
					info->kind != LG_METRIC_BYTES ? counts_need
					: slowing_down(f) ? "slowing down" : "uneven")) < 0)
			return rc;
	}
	return 0;
}

/*
 * Evidence enough for clean: the exact counts ended flat; or no count is
 * undecided and the heap's interval excludes growth above the threshold,
 * or its growth stopped. Else inconclusive (verdict.h).
 */
static int evidence_of_clean(const lg_workload_result *r)
{
	const lg_fit *heap = &r->fits[LG_METRIC_HEAP_BYTES];

	if (r->flat_calls > 0)
		return 1;
	for (int m = 0; m < LG_METRIC_COUNT; m++)
		if (fitted(r, (lg_metric)m) && r->fits[m].undecided)
			return 0;
	return heap_says_clean(fitted(r, LG_METRIC_HEAP_BYTES) ? heap : NULL,
			       r->workload.threshold);
}

/* "clean: heap ..." or "inconclusive: heap ...": the rate, and what else
 * the evidence says. */
static int add_clean(lg_buf *b, const lg_workload_result *r,
		     const lg_fit_options *opts)
{
	lg_metric shown = LG_METRIC_HEAP_BYTES;
	const lg_fit *cycles = &r->fits[LG_METRIC_GC_COLLECTED];
	const lg_fit *heap = &r->fits[LG_METRIC_HEAP_BYTES];
	char slope[LG_FORMAT_NUMBER_SIZE], calls[LG_FORMAT_NUMBER_SIZE];
	int rc;

	/* Without heap counters, speak of the first metric that was fitted. */
	while (!fitted(r, shown) && shown + 1 < LG_METRIC_COUNT)
		shown++;
	if ((rc = lg_buf_printf(b, "%s: %s ", r->verdict == LG_VERDICT_INCONCLUSIVE
				? "inconclusive" : "clean", shown == LG_METRIC_HEAP_BYTES
				? "heap" : lg_metric_get(shown)->name)) < 0 ||
	    (rc = add_rate(b, r, shown, opts)) < 0)
		return rc;
	/* The evidence of a short run; a long one's fit says it all. */
	lg_format_count(calls, sizeof(calls), (int64_t)llround(r->flat_calls));
	if (r->flat_calls > 0 && r->fits[shown].calls < LG_CLEAN_MIN_CALLS &&
	    (rc = lg_buf_printf(b, "; counts exactly flat over the last %s calls",
				calls)) < 0)
		return rc;
	if (fitted(r, LG_METRIC_HEAP_BYTES) && heap->ci_high > r->workload.threshold &&
	    grew_then_flat(heap, r->workload.threshold)) {
		lg_format_count(slope, sizeof(slope), llround(heap->early_growth));
		if ((rc = lg_buf_printf(b, "; grew %s B early, then flat (bounded "
					"cache?)", slope)) < 0)
			return rc;
	}
	if (fitted(r, LG_METRIC_GC_COLLECTED) && cycles->ci_low > 0) {
		lg_format_number(slope, sizeof(slope), cycles->slope);
		if ((rc = lg_buf_printf(b, "; cyclic garbage %s objects/call freed by gc "
					"(reference cycles, not a leak)", slope)) < 0)
			return rc;
	}
	if ((rc = add_undecided(b, r)) < 0)
		return rc;
	return r->verdict != LG_VERDICT_INCONCLUSIVE ? 0
	       : lg_buf_puts(b, "; not enough evidence for clean or leak: a longer "
			     "--duration would settle it");
}

/* fail-on-cycles: cyclic garbage at any sustained rate fails. Not a leak
 * (the collector frees it), but time spent in gc and memory held until it
 * runs; some code bases want none. */
static int fails_on_cycles(const lg_workload_result *r)
{
	return r->workload.fail_on_cycles && fitted(r, LG_METRIC_GC_COLLECTED) &&
	       r->fits[LG_METRIC_GC_COLLECTED].leaks;
}

static int add_cycles_failure(lg_buf *b, const lg_workload_result *r,
			      const lg_fit_options *opts)
{
	int rc;

	if ((rc = lg_buf_puts(b, "cyclic garbage ")) < 0 ||
	    (rc = add_rate(b, r, LG_METRIC_GC_COLLECTED, opts)) < 0)
		return rc;
	return lg_buf_puts(b, " freed by gc: reference cycles (fail-on-cycles)");
}

/* One line for a workload that could not be measured. */
static int add_error(lg_buf *b, const lg_workload_result *r)
{
	const char *what = NULL;
	char calls[LG_FORMAT_NUMBER_SIZE];
	int64_t n = lg_series_calls(&r->series);

	switch (r->outcome) {
	case LG_OUTCOME_COMPLETED:
		return lg_buf_printf(b, "too few samples to judge (%zu): "
				     "raise --calls or --duration", r->series.count);
	case LG_OUTCOME_EXCEPTION:
		/* A test's failure says which run failed itself. */
		if (lg_workload_target_kind(r->workload.target) != LG_TARGET_FUNCTION)
			return lg_buf_printf(b, "test failed: %s", r->detail
					     ? r->detail : "an exception");
		lg_format_count(calls, sizeof(calls), n);
		return lg_buf_printf(b, "raised %s after %s %s",
				     r->detail ? r->detail : "an exception",
				     calls, calls_word(n));
	case LG_OUTCOME_CRASHED:
		what = "crashed";
		break;
	case LG_OUTCOME_TIMEOUT:
		what = "timed out";
		break;
	case LG_OUTCOME_MEMORY_LIMIT:
		what = "exceeded the memory limit";
		break;
	case LG_OUTCOME_IMPORT_ERROR:
		what = "import failed";
		break;
	case LG_OUTCOME_PROTOCOL_ERROR:
		what = "protocol error";
		break;
	case LG_OUTCOME_SPAWN_FAILED:
		what = "could not start";
		break;
	case LG_OUTCOME_CANCELLED:
		what = "cancelled";
		break;
	case LG_OUTCOME_SKIPPED:
		break;
	}
	if (!what)
		return lg_buf_printf(b, "unknown outcome %d", (int)r->outcome);
	return r->detail ? lg_buf_printf(b, "%s: %s", what, r->detail)
			 : lg_buf_puts(b, what);
}

/* The verdict and message before expect = leak is applied. */
static int judge_outcome(lg_buf *b, lg_workload_result *r,
			 const lg_fit_options *opts)
{
	int leaks = find_culprit(r);
	char calls[LG_FORMAT_NUMBER_SIZE];
	int rc;

	switch (r->outcome) {
	case LG_OUTCOME_COMPLETED:
		if (!enough_samples(r))
			break;
		if (!leaks && fails_on_cycles(r)) {
			r->verdict = LG_VERDICT_LEAK;
			r->culprit = LG_METRIC_GC_COLLECTED;
			return add_cycles_failure(b, r, opts);
		}
		if (leaks && leak_on_too_few_calls(r)) {
			r->verdict = LG_VERDICT_INCONCLUSIVE;
			return add_clean(b, r, opts);
		}
		r->verdict = leaks ? LG_VERDICT_LEAK : evidence_of_clean(r)
			     ? LG_VERDICT_CLEAN : LG_VERDICT_INCONCLUSIVE;
		return leaks ? add_leak(b, r, opts) : add_clean(b, r, opts);
	case LG_OUTCOME_EXCEPTION:
	case LG_OUTCOME_CRASHED:
	case LG_OUTCOME_TIMEOUT:
	case LG_OUTCOME_MEMORY_LIMIT:
		/* A leak that exhausted something is still the leak it is. */
		if (!leaks)
			break;
		r->verdict = LG_VERDICT_LEAK;
		lg_format_count(calls, sizeof(calls), lg_series_calls(&r->series));
		if ((rc = add_leak(b, r, opts)) < 0 ||
		    (rc = lg_buf_printf(b, "; stopped at call %s", calls)) < 0)
			return rc;
		return r->detail ? lg_buf_printf(b, ": %s", r->detail) : 0;
	case LG_OUTCOME_SKIPPED:
		r->verdict = LG_VERDICT_SKIPPED;
		return lg_buf_printf(b, "skipped: %s", r->detail ? r->detail : "");
	case LG_OUTCOME_IMPORT_ERROR:
	case LG_OUTCOME_PROTOCOL_ERROR:
	case LG_OUTCOME_SPAWN_FAILED:
	case LG_OUTCOME_CANCELLED:
		break;
	}
	r->verdict = LG_VERDICT_ERROR;
	return add_error(b, r);
}

/* expect = leak: a leak passes as known, its absence asks for the config. */
static int apply_expectation(lg_buf *b, lg_workload_result *r)
{
	char *said;
	int rc;

	if (!r->workload.expect_leak || r->verdict == LG_VERDICT_ERROR ||
	    r->verdict == LG_VERDICT_SKIPPED || r->verdict == LG_VERDICT_INCONCLUSIVE)
		return 0;
	said = lg_buf_detach(b);
	if (!said)
		return lg_error_oom();
	if (r->verdict == LG_VERDICT_LEAK) {
		r->verdict = LG_VERDICT_EXPECTED_LEAK;
		rc = lg_buf_printf(b, "known leak: %s", said);
	} else {
		r->verdict = LG_VERDICT_LEAK_FIXED;
		rc = lg_buf_printf(b, "expected a leak but found none (%s): "
				   "remove expect = leak", said);
	}
	free(said);
	return rc;
}

int lg_judge(lg_workload_result *r, const lg_fit_options *opts)
{
	lg_buf message = LG_BUF_INIT;
	int rc;

	memset(r->fits, 0, sizeof(r->fits));
	r->fitted = 0;
	r->culprit = LG_METRIC_HEAP_BYTES;
	r->verdict = LG_VERDICT_ERROR;
	free(r->message);
	r->message = NULL;

	derive_heap(&r->series);
	rc = fit_all(r, opts);
	/* Counts that ended flat are decided, however few the calls. */
	lg_series_flat_end(&r->flat_calls, &r->series, &r->workload);
	for (int m = 0; r->flat_calls > 0 && m < LG_METRIC_COUNT; m++)
		r->fits[m].undecided = 0;
	if (rc == LG_EINVALID) {
		/* Samples the fit rejects (calls not increasing): unmeasurable. */
		rc = lg_buf_printf(&message, "unusable samples: %s", lg_error_last());
	} else if (rc == 0) {
		rc = judge_outcome(&message, r, opts);
		if (rc == 0)
			rc = apply_expectation(&message, r);
	}
	if (rc < 0) {
		lg_buf_dispose(&message);
		return rc;
	}
	r->message = lg_buf_detach(&message);
	if (!r->message)
		return lg_error_oom();
	return 0;
}

lg_run_status lg_run_status_of(const lg_run_result *run)
{
	lg_run_status status = LG_RUN_PASSED;

	for (size_t i = 0; i < run->count; i++) {
		if (run->items[i].verdict == LG_VERDICT_LEAK ||
		    run->items[i].verdict == LG_VERDICT_REGRESSION ||
		    (run->items[i].verdict == LG_VERDICT_INCONCLUSIVE &&
		     run->items[i].workload.fail_inconclusive))
			return LG_RUN_FAILED;
		if (run->items[i].verdict == LG_VERDICT_ERROR)
			status = LG_RUN_UNMEASURED;
	}
	return status;
}
