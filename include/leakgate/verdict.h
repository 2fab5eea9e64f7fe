#ifndef LEAKGATE_VERDICT_H
#define LEAKGATE_VERDICT_H

#include "leakgate/fit.h"
#include "leakgate/result.h"

/*
 * Judge one finished workload: derive heap_bytes, fit every metric present,
 * decide the verdict and write the one-line message. Pure: reads r->outcome,
 * r->series and r->workload, writes r->fits, r->fitted, r->flat_calls,
 * r->verdict, r->culprit, r->message.
 *
 * A completed run that does not leak is clean only with the evidence for
 * it: its counts ended exactly flat (lg_series_flat_end), or nothing is
 * undecided and the heap's interval excludes growth above the threshold,
 * or the heap grew and then stopped. Otherwise it is inconclusive, which
 * passes unless the workload has fail_inconclusive (lg_run_status_of).
 *
 * A count (blocks, gc_objects) is judged over a window of at least
 * LG_CLEAN_MIN_CALLS calls. Any object kept per call costs more than the
 * byte threshold (a 16-byte block and its slot), so counts matter for
 * rarer growth, and a cache that takes slots slower and slower looks like
 * that over a few hundred calls (a 20 ms test under load). Over fewer calls
 * such a count is `undecided`, and the message says it was not judged.
 * Bytes are judged over any window, but over fewer than LG_CLEAN_MIN_CALLS
 * calls only when their growth is steady: it does not slow down (the
 * second half of the window at least half the first; a slow test's caches
 * fill that way, hypothesis's: 385, 70, 31, 19 B/call a quarter over 1,200
 * calls) and is even (the interval's low end at least half the slope,
 * and no sample below the one before it: what is kept only adds); else
 * they are undecided too.
 *
 * A run that ended abnormally (exception, crash, timeout, memory limit) but
 * whose samples already show a leak is a leak, with the ending in the message
 * ("... ; stopped at call 1,020: OSError: [Errno 24] Too many open files").
 */
int lg_judge(lg_workload_result *r, const lg_fit_options *opts);

/*
 * Exactly flat: over the last LG_FLAT_SAMPLES samples, or as many more as
 * span LG_FLAT_CALLS calls (a slow test's batches are small), no exact
 * count that is judged (blocks, gc_objects,
 * fds, threads, gc_garbage, refs) moved at all, and the heap moved by less
 * than half the byte threshold per call of that span. Counts that do not
 * move need no long window: a steady leak of one object per k calls moves
 * them in any span of k calls or more (one at random every k calls: 95%
 * of the time over 3k calls), so this excludes a leak of one object per
 * LG_FLAT_CALLS / 3 calls or more. The calls spanned, into *calls; 0 when
 * the series does not end flat (or has no exact count).
 */
#define LG_FLAT_SAMPLES 4
#define LG_FLAT_CALLS 200
void lg_series_flat_end(double *calls, const lg_series *s, const lg_workload *wl);

/*
 * Whether the samples so far settle the verdict, so the runner can end the
 * run early (the agent judges nothing). Pure: reads r->series and
 * r->workload. *settled = 1:
 *   - before --calls and --duration: the series ends exactly flat
 *     (lg_series_flat_end) and no fit says leak, or every judged metric is
 *     clearly clean (the interval's upper end at half the byte threshold, a
 *     count's well below what a leak shows) over a window of at least
 *     LG_CLEAN_MIN_CALLS calls; a leak is never settled this early, since a
 *     cache still filling looks the same;
 *   - at --calls: unless something leaks (an undecided count counts as
 *     leaking here: more calls may decide it); then it goes on until the
 *     leak grows on past --calls (over LG_PAST_SAMPLES samples after it,
 *     each above the one before, at least half the window's slope), or else
 *     until the last quarter of the window begins past --calls, so that a
 *     cache that fills within --calls shows its plateau there;
 *   - at --duration of calls (before --calls; their CPU time, or a quarter
 *     of their wall time for a workload that waits): once every fit has enough
 *     samples, unless something leaks or the evidence for clean is missing
 *     (no flat end, the heap's interval above the threshold and no plateau:
 *     it would be inconclusive); then it goes on towards --calls (as
 *     above), up to LG_EXTEND_FACTOR x --duration of calls;
 *   - a leak of fds, threads or uncollectable objects at --calls or
 *     --duration, without going on: nothing caches those by the thousand;
 *   - going on past --calls or --duration ends once the heap grew by
 *     LG_EXTEND_HEAP bytes (before them a leak runs into --memory-limit).
 * The agent stops by itself at LG_EXTEND_FACTOR x --calls.
 * Calls and samples decide the verdict wherever they can; the time of calls
 * only bounds a run too slow to reach --calls. < 0 only when out of memory.
 */
#define LG_CLEAN_MIN_CALLS 2000  /* one object per 100 calls keeps 20; counts
				  are judged over this many calls */
#define LG_EXTEND_FACTOR 4
#define LG_PAST_SAMPLES 3        /* a leak's growth past --calls: 2 batches */
#define LG_EXTEND_HEAP (64LL << 20)
/* Fewest calls a leak is judged on before --calls, below LG_EXTEND_HEAP of
 * growth: common caches hold a few hundred entries (re's 512 patterns,
 * lru_cache's 128), and a slow test out of time after a handful of calls
 * cannot tell one filling from a leak. It is inconclusive instead. */
#define LG_LEAK_MIN_CALLS 512
int lg_judge_settled(int *settled, const lg_workload_result *r,
		     const lg_fit_options *opts);

/* A whole run: failed when a workload leaks or regresses, else unmeasured
 * when one could not be measured, else passed. */
lg_run_status lg_run_status_of(const lg_run_result *run);

#endif
