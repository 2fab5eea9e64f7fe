/* Judging a workload: verdict, culprit and the one-line message. */
#include "lg_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/verdict.h"

#define EN_DASH "\xe2\x80\x93"

/* How the synthetic counters move: base + rate * min(calls, stop). */
typedef struct {
	double rate[LG_METRIC_COUNT];
	int64_t stop; /* calls after which nothing grows; 0 = never */
} growth;

static const int64_t base[LG_METRIC_COUNT] = {
	[LG_METRIC_PYMALLOC_BYTES] = 2000000,
	[LG_METRIC_MALLOC_BYTES] = 5000000,
	[LG_METRIC_FDS] = 5,
	[LG_METRIC_THREADS] = 1,
};

/* n samples every `batch` calls of the agent's usual metrics. */
static void push(lg_workload_result *r, size_t n, int64_t batch, const growth *g)
{
	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES | 1u << LG_METRIC_MALLOC_BYTES |
			    1u << LG_METRIC_FDS | 1u << LG_METRIC_THREADS |
			    1u << LG_METRIC_GC_COLLECTED;
	for (size_t i = 0; i < n; i++) {
		lg_sample s = { 0 };
		int64_t grown;

		s.calls = batch * (int64_t)(i + 1);
		s.elapsed_ns = s.calls * 1000;
		s.cpu_ns = s.elapsed_ns;
		grown = g->stop && s.calls > g->stop ? g->stop : s.calls;
		for (int m = 0; m < LG_METRIC_COUNT; m++)
			s.value[m] = base[m] + (int64_t)llround(g->rate[m] * (double)grown);
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
}

static void judge(lg_workload_result *r)
{
	const lg_fit_options opts = LG_FIT_OPTIONS_INIT;

	assert_lg_ok(lg_judge(r, &opts));
	assert_non_null(r->message);
}

/* detail as the runner leaves it: a copy, or NULL when nothing was said. */
static void set_detail(lg_workload_result *r, const char *detail)
{
	free(r->detail);
	r->detail = NULL;
	if (detail)
		assert_lg_ok(lg_string_set(&r->detail, detail));
}

static void test_clean(void **state)
{
	lg_workload_result *r = *state;
	const growth flat = { { 0 }, 0 };

	push(r, 60, 100, &flat);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	/* Judging again replaces the message (valgrind sees the old one go). */
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
	/* The warm-up cuts 12 samples: the window spans calls 1,300..6,000. */
	assert_string_equal(r->message,
			    "clean: heap 0 B/call (95% CI 0" EN_DASH "0 B) over 4,700 calls");
	assert_true(lg_series_has(&r->series, LG_METRIC_HEAP_BYTES));
	assert_int_equal(r->series.samples[0].value[LG_METRIC_HEAP_BYTES], 7000000);
	assert_true(r->fitted & 1u << LG_METRIC_HEAP_BYTES);
	assert_true(r->fitted & 1u << LG_METRIC_FDS);
	assert_false(r->fitted & 1u << LG_METRIC_REFS);
}

static void test_python_heap_leak(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 312;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_HEAP_BYTES);
	assert_string_equal(r->message,
			    "leaks 312 B/call (95% CI 312" EN_DASH "312 B) over 4,700 calls");
	/* pymalloc_bytes is information, never a culprit of its own. */
	assert_true(r->fits[LG_METRIC_PYMALLOC_BYTES].leaks);
	assert_null(strstr(r->message, "also"));
}

static void test_native_leak_counts_in_heap(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_MALLOC_BYTES] = 512;
	/* A sliver of interpreter growth: sustained, far below the threshold. */
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 0.01;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_HEAP_BYTES);
	assert_true(fabs(r->fits[LG_METRIC_HEAP_BYTES].slope - 512) < 0.1);
	assert_true(r->fits[LG_METRIC_MALLOC_BYTES].leaks);
	assert_true(r->fits[LG_METRIC_PYMALLOC_BYTES].sustained);
	assert_false(r->fits[LG_METRIC_PYMALLOC_BYTES].leaks);
	assert_contains(r->message, "leaks 512 B/call");
}

static void test_below_threshold_is_clean(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 10;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
	assert_contains(r->message, "clean: heap 10 B/call");
	r->workload.threshold = 5;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
}

static void test_fd_leak_that_ran_out(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_FDS] = 1;
	push(r, 10, 100, &g);
	r->outcome = LG_OUTCOME_EXCEPTION;
	set_detail(r, "OSError: [Errno 24] Too many open files");
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_FDS);
	/* Resources leak at any rate: the bytes threshold does not apply. */
	assert_string_equal(r->message,
		"leaks 1 fd/call (95% CI 1" EN_DASH "1 fds) over 700 calls; "
		"stopped at call 1,000: OSError: [Errno 24] Too many open files");
}

static void test_second_leak_is_mentioned(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_FDS] = 1;
	g.rate[LG_METRIC_THREADS] = 0.5;
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 1000;
	push(r, 40, 10, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_HEAP_BYTES);
	assert_contains(r->message, "leaks 1000 B/call");
	assert_contains(r->message, "; also 1 fd/call (fds); also 0.5 thread/call (threads)");
}

static void test_exception_without_growth(void **state)
{
	lg_workload_result *r = *state;
	const growth flat = { { 0 }, 0 };

	push(r, 60, 100, &flat);
	r->outcome = LG_OUTCOME_EXCEPTION;
	set_detail(r, "ValueError: bad input");
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_string_equal(r->message, "raised ValueError: bad input after 6,000 calls");
}

static void test_early_exception_is_not_a_leak(void **state)
{
	lg_workload_result *r = *state;
	const growth first_calls = { { [LG_METRIC_PYMALLOC_BYTES] = 600 }, 0 };

	/* Samples after 1, 2, 3, 4, 5 calls, all growing: first-call warm-up,
	 * too little to call a leak; the exception is the result. */
	push(r, 5, 1, &first_calls);
	r->outcome = LG_OUTCOME_EXCEPTION;
	set_detail(r, "SystemExit: 3");
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_string_equal(r->message, "raised SystemExit: 3 after 5 calls");
}

static void test_crash_without_samples(void **state)
{
	lg_workload_result *r = *state;

	r->outcome = LG_OUTCOME_CRASHED;
	set_detail(r, "killed by signal 6 (SIGABRT)");
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_int_equal(r->fitted, 0);
	assert_string_equal(r->message, "crashed: killed by signal 6 (SIGABRT)");

	set_detail(r, NULL);
	judge(r);
	assert_string_equal(r->message, "crashed");
}

static void test_timeout(void **state)
{
	lg_workload_result *r = *state;
	const growth flat = { { 0 }, 0 };

	push(r, 8, 100, &flat);
	r->outcome = LG_OUTCOME_TIMEOUT;
	set_detail(r, "no result after 2 s (timeout)");
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_string_equal(r->message, "timed out: no result after 2 s (timeout)");
}

static void test_memory_limit_after_a_leak(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_MALLOC_BYTES] = 1 << 20;
	push(r, 20, 100, &g);
	r->outcome = LG_OUTCOME_MEMORY_LIMIT;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	/* No detail: the message still ends at the call it stopped. */
	assert_contains(r->message, "leaks 1048576 B/call");
	assert_string_equal(strstr(r->message, "; stopped"), "; stopped at call 2,000");
}

static void test_errors_before_any_call(void **state)
{
	static const struct {
		lg_outcome outcome;
		const char *detail, *message;
	} cases[] = {
		{ LG_OUTCOME_IMPORT_ERROR, "ModuleNotFoundError: No module named 'nope'",
		  "import failed: ModuleNotFoundError: No module named 'nope'" },
		{ LG_OUTCOME_PROTOCOL_ERROR, "unknown record 'zzz'",
		  "protocol error: unknown record 'zzz'" },
		{ LG_OUTCOME_SPAWN_FAILED, "'/nonexistent/python3' did not start",
		  "could not start: '/nonexistent/python3' did not start" },
		{ LG_OUTCOME_MEMORY_LIMIT, "resident memory reached 4096 MiB",
		  "exceeded the memory limit: resident memory reached 4096 MiB" },
		{ LG_OUTCOME_EXCEPTION, NULL, "raised an exception after 0 calls" },
	};
	lg_workload_result *r = *state;

	/* Even expect = leak cannot turn an unmeasured workload into a pass. */
	r->workload.expect_leak = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		r->outcome = cases[i].outcome;
		set_detail(r, cases[i].detail);
		judge(r);
		assert_int_equal(r->verdict, LG_VERDICT_ERROR);
		assert_string_equal(r->message, cases[i].message);
	}
}

static void test_import_error_ignores_samples(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 312;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_IMPORT_ERROR;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_string_equal(r->message, "import failed");
}

static void test_expected_leak(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 312;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	r->workload.expect_leak = 1;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_EXPECTED_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_HEAP_BYTES);
	assert_string_equal(r->message,
		"known leak: leaks 312 B/call (95% CI 312" EN_DASH "312 B) over 4,700 calls");
}

static void test_expected_leak_fixed(void **state)
{
	lg_workload_result *r = *state;
	const growth flat = { { 0 }, 0 };

	push(r, 60, 100, &flat);
	r->outcome = LG_OUTCOME_COMPLETED;
	r->workload.expect_leak = 1;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK_FIXED);
	assert_string_equal(r->message,
		"expected a leak but found none (clean: heap 0 B/call (95% CI 0" EN_DASH
		"0 B) over 4,700 calls): remove expect = leak");
}

static void test_cycles_are_clean_and_said(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_GC_COLLECTED] = 3;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
	assert_true(r->fits[LG_METRIC_GC_COLLECTED].leaks);
	assert_contains(r->message, "; cyclic garbage 3 objects/call freed by gc "
			"(reference cycles, not a leak)");
}

static void test_plateau_is_clean_and_said(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	/* A cache that fills at 100 B/call until 60% of the run. */
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 100;
	g.stop = 3600;
	push(r, 60, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
	assert_true(r->fits[LG_METRIC_HEAP_BYTES].plateau);
	assert_contains(r->message, "; grew 230,000 B early, then flat (bounded cache?)");
	assert_null(strstr(r->message, "cyclic"));
}

static void test_too_few_samples(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 5000;
	push(r, 3, 100, &g);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_string_equal(r->message,
			    "too few samples to judge (3): raise --calls or --duration");
}

static void test_unusable_samples(void **state)
{
	lg_workload_result *r = *state;
	const growth flat = { { 0 }, 0 };

	push(r, 10, 100, &flat);
	r->series.samples[4].calls = r->series.samples[3].calls;
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_contains(r->message, "unusable samples: ");
	assert_contains(r->message, "sample 4");
}

/* blocks and gc_objects as well: the counts of objects. */
static void push_objects(lg_workload_result *r, size_t n, int64_t batch,
			 const growth *g, double (*blocks)(int64_t calls))
{
	push(r, n, batch, g);
	r->series.present |= 1u << LG_METRIC_BLOCKS | 1u << LG_METRIC_GC_OBJECTS;
	for (size_t i = 0; i < r->series.count; i++) {
		lg_sample *s = &r->series.samples[i];

		s->value[LG_METRIC_BLOCKS] = 40000 + (int64_t)llround(blocks(s->calls));
		s->value[LG_METRIC_GC_OBJECTS] = 13000;
	}
}

static double one_per_100(int64_t calls) { return (double)(calls / 100); }
static double one_per_250(int64_t calls) { return (double)(calls / 250); }

/* A cache that takes a slot now and then, fewer and fewer: 45 in all. */
static double filling_cache(int64_t calls) { return 45 * (1 - exp(-(double)calls / 1500)); }

static double flat(int64_t calls) { (void)calls; return 0; }

static void test_object_count_leak(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	/* One 56-byte object per 100 calls: 0.56 B/call, far below 16. */
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 0.56;
	push_objects(r, 60, 100, &g, one_per_100);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_BLOCKS);
	assert_false(r->fits[LG_METRIC_HEAP_BYTES].leaks);
	assert_contains(r->message, "leaks 0.01 block/call");
}

static void test_object_cache_that_slows_is_clean(void **state)
{
	lg_workload_result *r = *state;
	const growth none = { { 0 }, 0 };

	push_objects(r, 60, 100, &none, filling_cache);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	/* Still rising at the end, credibly, but slower and slower. */
	assert_true(r->fits[LG_METRIC_BLOCKS].ci_low > 0);
	assert_true(r->fits[LG_METRIC_BLOCKS].late_growth < 8);
	assert_false(r->fits[LG_METRIC_BLOCKS].leaks);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
}

/*
 * ElementTree.fromstring's blocks as leakgate measured them in two runs
 * that it judged leaks (2026-12-02, 150 runs, -j 2): calls and blocks above
 * the first sample. Over 1,000,000 calls they stop at 106 and 212 blocks:
 * jumps at the highs of what a parse holds, ever rarer, then flat.
 */
static const int64_t elementtree_late_jump[][2] = {
	{ 0, 0 }, { 1, 18 }, { 3, 36 }, { 7, 45 }, { 15, 59 }, { 31, 62 },
	{ 63, 70 }, { 127, 72 }, { 255, 74 }, { 511, 77 }, { 1023, 78 },
	{ 2047, 78 }, { 4095, 79 }, { 7220, 79 }, { 10345, 80 }, { 13470, 80 },
	{ 16595, 81 }, { 19720, 81 }, { 22845, 81 }, { 25970, 81 },
	{ 29095, 81 }, { 32220, 81 }, { 35345, 82 }, { 38470, 83 },
	{ 41595, 83 }, { 44720, 83 }, { 47845, 84 }, { 50970, 84 },
	{ 54095, 84 }, { 57220, 84 }, { 60345, 84 }, { 63470, 84 },
	{ 66595, 84 }, { 69720, 84 }, { 72845, 84 }, { 75970, 84 },
	{ 79095, 84 }, { 82220, 84 }, { 85345, 84 }, { 88470, 84 },
	{ 91595, 84 }, { 94720, 295 }, { 97845, 296 }, { 100970, 296 },
	{ 104125, 298 }, { 107378, 298 }, { 110733, 298 }, { 114193, 299 },
	{ 117761, 300 }, { 121441, 300 }, { 125236, 301 }, { 129149, 302 },
	{ 133184, 302 },
};

static const int64_t elementtree_jumps[][2] = {
	{ 0, 0 }, { 1, 18 }, { 3, 36 }, { 7, 53 }, { 15, 54 }, { 31, 72 },
	{ 63, 75 }, { 127, 164 }, { 255, 164 }, { 511, 166 }, { 1023, 168 },
	{ 2047, 180 }, { 4095, 180 }, { 7220, 180 }, { 10345, 181 },
	{ 13470, 182 }, { 16595, 182 }, { 19720, 182 }, { 22845, 182 },
	{ 25970, 186 }, { 29095, 186 }, { 32220, 203 }, { 35345, 203 },
	{ 38470, 203 }, { 41595, 203 }, { 44720, 203 }, { 47845, 203 },
	{ 50970, 203 }, { 54095, 203 }, { 57220, 212 }, { 60345, 213 },
	{ 63470, 224 }, { 66595, 223 }, { 69720, 223 }, { 72845, 223 },
	{ 75970, 223 }, { 79095, 223 }, { 82220, 244 }, { 85345, 243 },
	{ 88470, 243 }, { 91595, 244 }, { 94720, 244 }, { 97845, 245 },
	{ 100970, 245 }, { 104125, 246 }, { 107378, 279 },
};

/* The samples of a measured blocks series, every other metric flat. */
static void push_measured(lg_workload_result *r, const int64_t (*points)[2],
			  size_t n)
{
	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES |
			    1u << LG_METRIC_MALLOC_BYTES | 1u << LG_METRIC_BLOCKS |
			    1u << LG_METRIC_GC_OBJECTS;
	for (size_t i = 0; i < n; i++) {
		lg_sample s = { 0 };

		s.calls = points[i][0];
		s.elapsed_ns = s.cpu_ns = s.calls * 13000;
		s.value[LG_METRIC_PYMALLOC_BYTES] = base[LG_METRIC_PYMALLOC_BYTES];
		s.value[LG_METRIC_MALLOC_BYTES] = base[LG_METRIC_MALLOC_BYTES];
		s.value[LG_METRIC_BLOCKS] = 46000 + points[i][1];
		s.value[LG_METRIC_GC_OBJECTS] = 13000;
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->outcome = LG_OUTCOME_COMPLETED;
}

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

static void test_jump_late_is_not_a_leak(void **state)
{
	lg_workload_result *r = *state;

	push_measured(r, elementtree_late_jump, COUNT(elementtree_late_jump));
	judge(r);
	/* Rising, credibly, to the end: but by one jump of 211 and ones. */
	assert_true(r->fits[LG_METRIC_BLOCKS].ci_low > 0);
	assert_true(r->fits[LG_METRIC_BLOCKS].late_growth > 200);
	assert_false(r->fits[LG_METRIC_BLOCKS].leaks);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
}

static void test_jumps_are_not_a_leak(void **state)
{
	lg_workload_result *r = *state;

	push_measured(r, elementtree_jumps, COUNT(elementtree_jumps));
	judge(r);
	/* Jumps of 9, 11, 21 and 33 in the late half, ones between. */
	assert_true(r->fits[LG_METRIC_BLOCKS].late_growth >= 70);
	assert_false(r->fits[LG_METRIC_BLOCKS].leaks);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
}

/* One object per 100 calls, in batches of 3,125: 31 or 32 a batch, every
 * batch, so no step stands out however large. */
static void test_even_steps_are_a_leak(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	push_objects(r, 40, 3125, &g, one_per_100);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_BLOCKS);
}

/* A slow test (20 ms a call) whose blocks rise 0.4 per call, as steadily
 * as a leak, n samples 6 calls apart. */
static double creeping(int64_t calls) { return 0.4 * (double)calls; }

static void push_slow(lg_workload_result *r, size_t n, int64_t batch)
{
	const growth none = { { 0 }, 0 };

	push_objects(r, n, batch, &none, creeping);
	for (size_t i = 0; i < r->series.count; i++) {
		r->series.samples[i].elapsed_ns = r->series.samples[i].calls * 20000000;
		r->series.samples[i].cpu_ns = r->series.samples[i].elapsed_ns;
	}
}

static void test_count_over_few_calls_is_undecided(void **state)
{
	lg_workload_result *r = *state;

	/* 288 calls (228 in the window): a cache that fills slower and slower
	 * looks the same there (simplejson's test_accumulator under pytest,
	 * under load). Clean, and the message says the count was not judged. */
	push_slow(r, 48, 6);
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_true(r->fits[LG_METRIC_BLOCKS].ci_low > 0);
	assert_false(r->fits[LG_METRIC_BLOCKS].leaks);
	assert_true(r->fits[LG_METRIC_BLOCKS].undecided);
	/* Not enough evidence for clean: inconclusive, passing, saying why. */
	assert_int_equal(r->verdict, LG_VERDICT_INCONCLUSIVE);
	assert_contains(r->message, "; blocks not judged: 0.4 block/call over only "
			"228 calls (counts need 2,000)");
	assert_contains(r->message, "inconclusive: heap 0 B/call");
	assert_contains(r->message, "; not enough evidence for clean or leak: a "
			"longer --duration would settle it");
	/* The same growth over a window of 2,000 calls or more: a leak. */
	lg_series_dispose(&r->series);
	push_slow(r, 48, 55);
	judge(r);
	assert_false(r->fits[LG_METRIC_BLOCKS].undecided);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_BLOCKS);
}

/* A slow test's heap: 1,200 calls in batches of 25, growing 385, 70, 31
 * and 19 B/call a quarter (attrs' TestAsDict::test_recurse, a hypothesis
 * cache filling), or 300 B/call throughout. */
static void push_heap(lg_workload_result *r, int slowing)
{
	static const double quarter_rate[] = { 385, 70, 31, 19 };
	double heap = 0;

	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES | 1u << LG_METRIC_MALLOC_BYTES;
	for (int i = 1; i <= 48; i++) {
		lg_sample s = { 0 };

		heap += 25 * (slowing ? quarter_rate[(i - 1) / 12] : 300);
		s.calls = 25 * i;
		s.elapsed_ns = s.cpu_ns = s.calls * 20000000LL;
		s.value[LG_METRIC_PYMALLOC_BYTES] = base[LG_METRIC_PYMALLOC_BYTES] +
						    (int64_t)heap;
		s.value[LG_METRIC_MALLOC_BYTES] = base[LG_METRIC_MALLOC_BYTES];
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->outcome = LG_OUTCOME_COMPLETED;
}

/* A hypothesis test: 7 calls in the time allowed, each holding what its
 * random data left at its peak (pyrsistent's PVectorBuilderTests, flat in
 * a bare loop of 25). */
static void test_uneven_bytes_over_few_calls_are_undecided(void **state)
{
	static const int64_t step[] = { 0, 12000, -9000, 10000, 4000, -8000, 12000, -3000, 8000 };
	lg_workload_result *r = *state;
	int64_t heap = 0;

	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES | 1u << LG_METRIC_MALLOC_BYTES;
	for (int i = 0; i < 9; i++) {
		lg_sample s = { 0 };

		heap += step[i];
		s.calls = i + 1;
		s.elapsed_ns = s.cpu_ns = s.calls * 3000000000LL;
		s.value[LG_METRIC_PYMALLOC_BYTES] = base[LG_METRIC_PYMALLOC_BYTES] + heap;
		s.value[LG_METRIC_MALLOC_BYTES] = base[LG_METRIC_MALLOC_BYTES];
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_true(r->fits[LG_METRIC_HEAP_BYTES].ci_low > 16);
	assert_false(r->fits[LG_METRIC_HEAP_BYTES].leaks);
	assert_true(r->fits[LG_METRIC_HEAP_BYTES].undecided);
	assert_int_equal(r->verdict, LG_VERDICT_INCONCLUSIVE);
	assert_contains(r->message, " B/call over only 7 calls (uneven)");
}

/* The same test in another run (3.8 s a call): up by a credible 6,196
 * B/call (95% CI 3,680-9,272 B), but down once, at the fifth call. */
static void test_bytes_that_fall_over_few_calls_are_undecided(void **state)
{
	static const int64_t heap[] = { 30255808, 30261664, 30266624, 30281488, 30285168,
					30282416, 30284688, 30305488, 30310736 };
	lg_workload_result *r = *state;

	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES | 1u << LG_METRIC_MALLOC_BYTES;
	for (int i = 0; i < 9; i++) {
		lg_sample s = { 0 };

		s.calls = i;
		s.elapsed_ns = s.cpu_ns = s.calls * 3800000000LL;
		s.value[LG_METRIC_PYMALLOC_BYTES] = heap[i];
		s.value[LG_METRIC_MALLOC_BYTES] = 0;
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_true(2 * r->fits[LG_METRIC_HEAP_BYTES].ci_low >= r->fits[LG_METRIC_HEAP_BYTES].slope);
	assert_false(r->fits[LG_METRIC_HEAP_BYTES].leaks);
	assert_int_equal(r->verdict, LG_VERDICT_INCONCLUSIVE);
	assert_contains(r->message, " B/call over only 7 calls (uneven)");
}

static void test_bytes_slowing_over_few_calls_are_undecided(void **state)
{
	lg_workload_result *r = *state;

	push_heap(r, 1);
	judge(r);
	/* Above the threshold to the end, and credibly: but slower and slower. */
	assert_true(r->fits[LG_METRIC_HEAP_BYTES].ci_low > 16);
	assert_true(r->fits[LG_METRIC_HEAP_BYTES].end_slope > 16);
	assert_false(r->fits[LG_METRIC_HEAP_BYTES].leaks);
	assert_true(r->fits[LG_METRIC_HEAP_BYTES].undecided);
	assert_int_equal(r->verdict, LG_VERDICT_INCONCLUSIVE);
	assert_contains(r->message, "inconclusive: heap ");
	assert_contains(r->message, "; heap_bytes not judged: ");
	assert_contains(r->message, " B/call over only 950 calls (slowing down)");
	/* The same calls growing steadily: a leak. */
	lg_series_dispose(&r->series);
	push_heap(r, 0);
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_HEAP_BYTES);
}

static int settled(lg_workload_result *r)
{
	const lg_fit_options opts = LG_FIT_OPTIONS_INIT;
	int yes = -1;

	assert_lg_ok(lg_judge_settled(&yes, r, &opts));
	assert_true(yes == 0 || yes == 1);
	return yes;
}

static void test_settled_when_clearly_clean(void **state)
{
	lg_workload_result *r = *state;
	const growth none = { { 0 }, 0 };

	/* 2 s and 100,000 calls asked; 6,000 calls (6 ms of calls) made. */
	push_objects(r, 60, 100, &none, flat);
	assert_true(settled(r));
	/* A cache that took 45 blocks, fast and then ever more slowly: its
	 * window's second half grew by 3, under half of what a leak shows. */
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &none, filling_cache);
	assert_true(r->series.samples[59].value[LG_METRIC_BLOCKS] -
		    r->series.samples[12].value[LG_METRIC_BLOCKS] > 8);
	assert_true(settled(r));
	/* One block per 250 calls, steadily: about 10 in the second half. */
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &none, one_per_250);
	assert_false(settled(r));
	/* Counts that moved: a window of 1,000 calls is too short to tell
	 * one object per 100 calls from a cache. */
	lg_series_dispose(&r->series);
	push_objects(r, 20, 60, &none, one_per_100);
	assert_false(settled(r));
}

/* A sample of a test's counts after `calls` calls of call_ns each: the
 * heap (pymalloc) and blocks over a base, gc objects that never move. */
static void push_counts(lg_workload_result *r, int64_t calls, int64_t call_ns,
			int64_t heap, int64_t blocks)
{
	lg_sample s = { 0 };

	s.calls = calls;
	s.elapsed_ns = s.cpu_ns = calls * call_ns;
	s.value[LG_METRIC_PYMALLOC_BYTES] = base[LG_METRIC_PYMALLOC_BYTES] + heap;
	s.value[LG_METRIC_MALLOC_BYTES] = base[LG_METRIC_MALLOC_BYTES];
	s.value[LG_METRIC_BLOCKS] = 40000 + blocks;
	s.value[LG_METRIC_GC_OBJECTS] = 13000;
	assert_lg_ok(lg_series_push(&r->series, &s));
	r->series.present = 1u << LG_METRIC_PYMALLOC_BYTES | 1u << LG_METRIC_MALLOC_BYTES |
			    1u << LG_METRIC_BLOCKS | 1u << LG_METRIC_GC_OBJECTS;
}

/* Blocks as a test's under pytest: its first calls fill caches, then
 * nothing moves. */
static double warm_then_flat(int64_t calls) { return calls < 30 ? (double)calls : 30; }

static void test_settled_when_counts_end_flat(void **state)
{
	lg_workload_result *r = *state;
	const growth none = { { 0 }, 0 };
	double flat_calls;

	/* The agent's sample before the first call, then batches of 1, 2, 4
	 * ... 128 calls (255 in all): the last 4 samples span 224 calls and
	 * no count moves there. */
	for (int64_t calls = 0, batch = 1; calls <= 255; calls += batch, batch *= 2)
		push_counts(r, calls, 300000, 16 * (int64_t)warm_then_flat(calls),
			    (int64_t)warm_then_flat(calls));
	lg_series_flat_end(&flat_calls, &r->series, &r->workload);
	assert_true(flat_calls == 224);
	assert_true(settled(r));
	/* One block more in the last sample: not flat, not settled so early. */
	r->series.samples[r->series.count - 1].value[LG_METRIC_BLOCKS]++;
	lg_series_flat_end(&flat_calls, &r->series, &r->workload);
	assert_true(flat_calls == 0);
	assert_false(settled(r));
	/* Nor when the heap moves as much as half the threshold a call. */
	r->series.samples[r->series.count - 1].value[LG_METRIC_BLOCKS]--;
	r->series.samples[r->series.count - 1].value[LG_METRIC_MALLOC_BYTES] += 8 * 224;
	assert_false(settled(r));
	r->series.samples[r->series.count - 1].value[LG_METRIC_MALLOC_BYTES] -= 1;
	assert_true(settled(r));
	/* Clean, saying why so few calls are enough. */
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
	assert_contains(r->message, "; counts exactly flat over the last 224 calls");
	/* Fewer calls than LG_FLAT_CALLS: not enough, however flat. */
	lg_series_dispose(&r->series);
	push_objects(r, 8, 20, &none, flat);
	assert_false(settled(r));
}

/* A slow test (1.5 ms a call) in batches of 8: its caches fill over the
 * first 100 calls, then nothing moves. The last 4 samples span 24 calls;
 * the last 26, 200: flat over those. */
static void test_flat_end_of_small_batches(void **state)
{
	lg_workload_result *r = *state;
	double flat_calls;

	for (int64_t calls = 0; calls <= 312; calls += 8)
		push_counts(r, calls, 1500000, 64 * (calls < 100 ? calls : 100),
			    calls < 100 ? calls : 100);
	lg_series_flat_end(&flat_calls, &r->series, &r->workload);
	assert_true(flat_calls == 200);
	assert_true(settled(r));
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_CLEAN);
	assert_contains(r->message, "; counts exactly flat over the last 200 calls");
	/* One block more 150 calls before the end: not flat. */
	r->series.samples[r->series.count - 19].value[LG_METRIC_BLOCKS]++;
	lg_series_flat_end(&flat_calls, &r->series, &r->workload);
	assert_true(flat_calls == 0);
}

/* A count that creeps, one block per 172 calls, in batches of 128 after
 * the first 255 calls (a suite's test), flat over its last 384 calls by
 * chance (multidict's test_ctor_tuple_arg_and_kwds read so once): its
 * window's fit still says leak, so the flat end does not settle it. */
static void test_flat_end_of_a_creeping_count(void **state)
{
	lg_workload_result *r = *state;
	double flat_calls;
	int64_t stop = 3839;

	for (int64_t calls = 0, batch = 1; calls <= 4223;
	     calls += batch, batch = batch < 128 ? batch * 2 : 128)
		push_counts(r, calls, 200000, 0, (calls < stop ? calls : stop) / 172);
	lg_series_flat_end(&flat_calls, &r->series, &r->workload);
	assert_true(flat_calls == 384);
	assert_false(settled(r));
}

static void test_not_settled_while_unsure(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	/* 10 B/call: below the threshold, not below half of it. */
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 10;
	push_objects(r, 60, 100, &g, flat);
	assert_false(settled(r));
	/* A leak of objects, not yet at --calls: a cache may fill yet. */
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &(growth){ { 0 }, 0 }, one_per_100);
	assert_false(settled(r));
	/* At --duration of calls (6 ms) a leak goes on, towards --calls, for
	 * up to 4x --duration of calls. */
	r->workload.duration = 0.005;
	assert_false(settled(r));
	r->workload.duration = 0.0015;
	assert_true(settled(r));
	/* Calls that wait (no CPU time): a quarter of their wall time counts. */
	for (size_t i = 0; i < r->series.count; i++)
		r->series.samples[i].cpu_ns = 0;
	assert_false(settled(r));
	r->workload.duration = 0.0015 / 4;
	assert_true(settled(r));
	/* 10 B/call at --duration: settled, clean. */
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &g, flat);
	r->workload.duration = 0.005;
	assert_true(settled(r));
}

/* At --duration, a run without the evidence for clean (the heap's interval
 * reaches above the threshold, no plateau, no flat end) goes on, as a leak
 * does, up to 4x --duration, so that it is inconclusive only then. */
static void test_unsure_goes_on_past_duration(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	/* 12 B/call over 400 calls, its samples up to 3,000 B off the line
	 * (15.6 B/call, 95% CI 2.91-62 B): 0.4 ms of calls. */
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 12;
	push(r, 20, 20, &g);
	for (size_t i = 0; i < r->series.count; i++)
		r->series.samples[i].value[LG_METRIC_PYMALLOC_BYTES] +=
			(int64_t)((i * 7919) % 13) * 500 - 3000;
	r->workload.duration = 0.0003;
	assert_false(settled(r));
	r->workload.duration = 0.0001;
	assert_true(settled(r));
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_INCONCLUSIVE);
	/* Without the noise its interval excludes 16 B/call: settled, clean. */
	lg_series_dispose(&r->series);
	push(r, 20, 20, &g);
	r->workload.duration = 0.0003;
	assert_true(settled(r));
}

/* A heap that grew 144 B/call over the 10 calls a slow test had time for
 * (pyparsing's testWordWithIdentChars, about 1 s a call: re's cache
 * filling) could be a cache as well as a leak: inconclusive. At --calls,
 * or past LG_EXTEND_HEAP of growth, the same is a leak; fds too. */
static void test_leak_on_few_calls_is_inconclusive(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 144;
	push(r, 50, 10, &g);
	r->workload.max_calls = 100000;
	r->outcome = LG_OUTCOME_COMPLETED;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_INCONCLUSIVE);
	assert_contains(r->message, "inconclusive: heap 144 B/call");
	assert_contains(r->message, "a longer --duration would settle it");
	/* All the calls asked for (--calls 500): a leak. */
	r->workload.max_calls = 500;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	/* 200 KB a call: 100 MB in 500 calls, no cache of a few hundred. */
	lg_series_dispose(&r->series);
	g.rate[LG_METRIC_PYMALLOC_BYTES] = 200000;
	push(r, 50, 10, &g);
	r->workload.max_calls = 100000;
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	/* An fd a call: nothing caches fds by the hundred. */
	lg_series_dispose(&r->series);
	memset(&g, 0, sizeof(g));
	g.rate[LG_METRIC_FDS] = 1;
	push(r, 50, 10, &g);
	judge(r);
	assert_int_equal(r->verdict, LG_VERDICT_LEAK);
	assert_int_equal(r->culprit, LG_METRIC_FDS);
}

static void test_undecided_count_goes_on(void **state)
{
	lg_workload_result *r = *state;

	/* 5.8 s of calls: past --duration (2 s), an undecided count goes on
	 * towards more calls, as a leak does, up to 4x --duration. */
	push_slow(r, 48, 6);
	assert_false(settled(r));
	r->workload.duration = 1.4;
	assert_true(settled(r));
}

static void test_leak_settles_past_calls(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	g.rate[LG_METRIC_PYMALLOC_BYTES] = 300;
	push_objects(r, 60, 100, &g, flat);
	/* Two samples past --calls: one batch, a cache may just have filled. */
	r->workload.max_calls = 5850;
	assert_false(settled(r));
	/* Three past it, each above the one before, as fast: the leak goes on. */
	r->workload.max_calls = 5700;
	assert_true(settled(r));
	/* A cache that fills at 5,500 calls, just past --calls, is flat after
	 * it: it goes on until the last quarter of the window (from 4,900
	 * calls) begins past --calls. */
	g.stop = 5500;
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &g, flat);
	r->workload.max_calls = 5400;
	assert_false(settled(r));
	r->workload.max_calls = 4900;
	assert_true(settled(r));
	/* Growth past --calls at half the window's pace or less: not yet. */
	lg_series_dispose(&r->series);
	g.stop = 0;
	push_objects(r, 60, 100, &g, flat);
	for (size_t i = 58; i < 60; i++)
		r->series.samples[i].value[LG_METRIC_PYMALLOC_BYTES] -=
			(int64_t)(i - 57) * 300 * 55;
	r->workload.max_calls = 5700;
	assert_false(settled(r));
	/* Clean at --calls: settled, whatever the window. */
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &(growth){ { 0 }, 0 }, flat);
	r->workload.max_calls = 6000;
	assert_true(settled(r));
}

static void test_leak_settles_at_heap_cap(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	/* 12 KiB per call: 64 MiB within 5,462 calls. */
	g.rate[LG_METRIC_MALLOC_BYTES] = 12288;
	push_objects(r, 60, 100, &g, flat);
	/* Before --calls it goes on, into --memory-limit if it must. */
	assert_false(settled(r));
	r->workload.max_calls = 5000;
	assert_true(settled(r));
	g.rate[LG_METRIC_MALLOC_BYTES] = 10000;
	lg_series_dispose(&r->series);
	push_objects(r, 60, 100, &g, flat);
	r->workload.max_calls = 5950;
	assert_false(settled(r));
}

static void test_resource_leak_settles_at_calls(void **state)
{
	lg_workload_result *r = *state;
	growth g = { { 0 }, 0 };

	/* One fd per 50 calls: no pool fills by the thousand, no waiting. */
	g.rate[LG_METRIC_FDS] = 0.02;
	push_objects(r, 60, 100, &g, flat);
	assert_false(settled(r));
	r->workload.max_calls = 6000;
	assert_true(settled(r));
}

static void test_run_status(void **state)
{
	lg_workload_result items[3];
	lg_run_result run = LG_RUN_RESULT_INIT;

	(void)state;
	memset(items, 0, sizeof(items));
	run.items = items;

	run.count = 0;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_PASSED);

	items[0].verdict = LG_VERDICT_ERROR;
	items[1].verdict = LG_VERDICT_LEAK;
	items[2].verdict = LG_VERDICT_CLEAN;
	run.count = 3;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_FAILED);

	items[1].verdict = LG_VERDICT_CLEAN;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_UNMEASURED);

	items[0].verdict = LG_VERDICT_EXPECTED_LEAK;
	items[1].verdict = LG_VERDICT_LEAK_FIXED;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_PASSED);
	/* Inconclusive passes, unless the workload asks it to fail. */
	items[2].verdict = LG_VERDICT_INCONCLUSIVE;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_PASSED);
	items[2].workload.fail_inconclusive = 1;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_FAILED);
	items[2].workload.fail_inconclusive = 0;
	items[2].verdict = LG_VERDICT_CLEAN;
	run.count = 1;
	assert_int_equal(lg_run_status_of(&run), LG_RUN_PASSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_python_heap_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_native_leak_counts_in_heap, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_below_threshold_is_clean, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_fd_leak_that_ran_out, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_second_leak_is_mentioned, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_exception_without_growth, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_early_exception_is_not_a_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_crash_without_samples, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_memory_limit_after_a_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_errors_before_any_call, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_import_error_ignores_samples, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_expected_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_expected_leak_fixed, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_cycles_are_clean_and_said, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_plateau_is_clean_and_said, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_too_few_samples, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_unusable_samples, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_object_count_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_object_cache_that_slows_is_clean, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_jump_late_is_not_a_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_uneven_bytes_over_few_calls_are_undecided, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_bytes_that_fall_over_few_calls_are_undecided, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_bytes_slowing_over_few_calls_are_undecided, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_jumps_are_not_a_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_even_steps_are_a_leak, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_count_over_few_calls_is_undecided, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_unsure_goes_on_past_duration, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_leak_on_few_calls_is_inconclusive,
						lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_undecided_count_goes_on, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_settled_when_clearly_clean, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_settled_when_counts_end_flat, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_flat_end_of_a_creeping_count, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_flat_end_of_small_batches, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_not_settled_while_unsure, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_leak_settles_past_calls, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_leak_settles_at_heap_cap, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_resource_leak_settles_at_calls, lg_test_result_setup, lg_test_result_teardown),
		cmocka_unit_test(test_run_status),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
