#ifndef LEAKGATE_JUNIT_MERGE_H
#define LEAKGATE_JUNIT_MERGE_H

#include <stddef.h>

#include "leakgate/result.h"

/*
 * Combine the JUnit files of the shards of one run (leakgate run --shard)
 * into one. Every <testsuite> is copied unchanged, in the order given, so
 * nothing a shard wrote is lost (properties of any pass, hostnames,
 * timestamps, output); the <testsuites> totals are recomputed from them
 * and its time is the longest shard's (shards run side by side).
 *
 * The document replaces path, whole (a temporary file, then renamed: file.h),
 * and only when every file merged; run_out receives the combined results
 * model (read with lg_junit_read), for the summary and the exit code,
 * without the samples unless with_samples (only charts need them). Errors
 * name the file: unreadable, not well-formed, not written by leakgate
 * (LG_ENOTFOUND / LG_EINVALID), or a workload in two files (LG_EINVALID:
 * the shards overlapped).
 */
int lg_junit_merge(const char *path, lg_run_result *run_out,
		   const char *const *paths, size_t count, int with_samples);

#endif
