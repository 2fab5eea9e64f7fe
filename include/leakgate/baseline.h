#ifndef LEAKGATE_BASELINE_H
#define LEAKGATE_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/baseline_cmp.h"
#include "leakgate/buf.h"
#include "leakgate/metric.h"
#include "leakgate/result.h"

/*
 * Baselines: what main measured, so that a change can be held to "no worse
 * than main". The text is git-config syntax, written and read through
 * libgit2's config API:
 *
 *   [leakgate]
 *       format = 3
 *       leakgate-version = 0.1.0
 *       threshold = 16              ; main's run-wide defaults (format 2)
 *       regression-floor = 16
 *       regression-tolerance = 0.25
 *   [baseline "parse-orders"]
 *       target = orders.py:parse_orders
 *       python = 3.11.2
 *       implementation = cpython
 *       platform = linux-x86_64
 *       leakgate-version = 0.1.0
 *       calls = 60000
 *       recorded = 2026-12-07T01:30:00Z   ; when it was measured (format 3)
 *       threshold = 64              ; what main judged it by (format 2)
 *       regression-floor = 16
 *       regression-tolerance = 0.25
 *       heap-bytes-slope = 312
 *       heap-bytes-ci-low = 305
 *       heap-bytes-ci-high = 320
 *       heap-bytes-leaks = true
 *       fds-slope = 0
 *       ...
 *
 * It lives in a commit's tree (LG_BASELINE_PATH, committed by the user) or
 * in a git note on the measured commit (LG_BASELINE_NOTES_REF); see
 * baseline_store.h. Either way it is read at a commit, never from the
 * working tree.
 *
 * A pull request must not loosen its own gate, and the configuration it
 * is run with comes from its own tree (or command line). So the baseline
 * also keeps the judging parameters main used, and a run against it uses
 * the stricter of its own and main's (lg_baseline_params_effective,
 * baseline_rule.h).
 *
 * Format 2 added those parameters; format 1 (without them) is still read,
 * and in either the parameter keys are optional: an entry kept from a
 * format 1 file by a partial record has none. Format 2 exists so that an
 * older leakgate says "written by a newer leakgate" instead of rejecting
 * the new keys one by one. Format 3 added `recorded`, so that records that
 * race (parallel jobs, shards, pushes from several clones) keep each
 * workload's newest measurement (lg_baseline_merge); an entry without it is
 * older than any with it.
 *
 * A figure must be able to be a measurement: finite, at most
 * LG_BASELINE_MAX_RATE per call in size, and ci-low <= ci-high; anything
 * else is refused as corrupt rather than holding a change to it.
 */

#define LG_BASELINE_FORMAT 3
/* 1 TB (or a trillion objects) per call: no run measures more. */
#define LG_BASELINE_MAX_RATE 1e12
#define LG_BASELINE_PATH ".leakgate/baseline"
#define LG_BASELINE_NOTES_REF "refs/notes/leakgate"

/* All three of a workload's (given = LG_PARAM_ALL). */
void lg_baseline_params_of(lg_baseline_params *out, const lg_workload *wl);

typedef struct {
	int format;               /* LG_BASELINE_FORMAT once built; as read */
	char *leakgate_version;   /* of the writer */
	/* Main's run-wide defaults ([leakgate] and the command line over the
	 * built-ins): what a workload without an entry is held to. */
	lg_baseline_params defaults;
	lg_baseline_entry *entries;
	size_t count;
	/* Where it was read (set by the store, NULL when built from a run). */
	char *rev;                /* abbreviated id of the commit it belongs to */
	char *store;              /* "file" or "notes" */
} lg_baseline;

#define LG_BASELINE_INIT { .format = LG_BASELINE_FORMAT }

/*
 * Add (or replace, by workload name) the entry for a measured result,
 * recorded now, with the parameters it was judged by (r->workload); results
 * that could not be measured (LG_VERDICT_ERROR) are not added: returns 1 when added, 0 when
 * skipped, < 0 on error.
 */
int lg_baseline_add_result(lg_baseline *b, const lg_workload_result *r);

/* Add (or replace) a copy of an entry. */
int lg_baseline_add_entry(lg_baseline *b, const lg_baseline_entry *e);

/*
 * Merge from into into, workload by workload: from's entry replaces into's
 * when it was recorded later (or at the same second: from is the newer
 * writer), and is added where into has none; into's other entries stay.
 * The defaults are from's when it has any.
 */
int lg_baseline_merge(lg_baseline *into, const lg_baseline *from);

/* Drop the entries of workloads not among names[0..n). */
void lg_baseline_retain(lg_baseline *b, const char *const *names, size_t n);

/* The entry of a workload, borrowed; NULL when there is none. */
const lg_baseline_entry *lg_baseline_find(const lg_baseline *b,
					  const char *workload);

/*
 * Write b to path in git-config syntax through libgit2 (to
 * a temporary file, then renamed over path: never half written; file.h).
 */
int lg_baseline_write(const lg_baseline *b, const char *path);

/* The same text in memory (for a git note). */
int lg_baseline_format(lg_buf *out, const lg_baseline *b);

/*
 * Read a baseline from a file or from text. `what` names it in messages
 * (".leakgate/baseline at 1a2b3c4"). Errors, all LG_EINVALID with one line
 * naming `what` and the line or key: a syntax error, an unknown section or
 * key, a bad number, a missing key, a format newer than LG_BASELINE_FORMAT
 * ("written by a newer leakgate"), a parameter that is not a number >= 0.
 * LG_EOS / LG_ENOTFOUND when unreadable.
 */
int lg_baseline_read_file(lg_baseline *out, const char *path, const char *what);
int lg_baseline_parse(lg_baseline *out, const char *text, size_t len,
		      const char *what);

void lg_baseline_dispose(lg_baseline *b);

/* "heap_bytes" -> "heap-bytes": metric names as config keys. */
void lg_baseline_metric_key(char *out, size_t size, lg_metric m);

#endif
