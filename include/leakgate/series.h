#ifndef LEAKGATE_SERIES_H
#define LEAKGATE_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/metric.h"

/* One sample point: the counters read after `calls` calls in total. */
typedef struct {
	int64_t calls;
	int64_t elapsed_ns; /* workload time since the first call */
	int64_t cpu_ns;     /* CPU time since the first call (0: not reported) */
	int64_t value[LG_METRIC_COUNT];
} lg_sample;

typedef struct {
	lg_sample *samples;
	size_t count;
	size_t capacity;
	unsigned present; /* bit (1u << metric) for every metric reported */
} lg_series;

#define LG_SERIES_INIT { .samples = NULL, .count = 0, .capacity = 0, .present = 0 }

/* The calls made by the last sample: how far the workload got; 0 when
 * there is none. */
static inline int64_t lg_series_calls(const lg_series *s)
{
	return s->count ? s->samples[s->count - 1].calls : 0;
}

/* Append a copy of *sample. */
int lg_series_push(lg_series *s, const lg_sample *sample);

/* Room for n samples in all, when the count is known beforehand (a file
 * read back: 10,000 workloads of 40 samples, not of 64 each). */
int lg_series_reserve(lg_series *s, size_t n);

static inline int lg_series_has(const lg_series *s, lg_metric m)
{
	return (s->present >> m) & 1u;
}

/*
 * Index of the i-th of k samples picked evenly from n (k <= n): the first
 * and the last are always picked, so a downsampled series keeps its span.
 */
static inline size_t lg_series_pick(size_t i, size_t k, size_t n)
{
	if (k < 2 || n < 2)
		return k == 1 && n ? n - 1 : 0;
	return (size_t)(((unsigned long long)i * (n - 1) + (k - 1) / 2) / (k - 1));
}

/* Free the samples; the struct itself is the caller's. Accepts NULL. */
void lg_series_dispose(lg_series *s);

#endif
