#ifndef LEAKGATE_JUNIT_READ_H
#define LEAKGATE_JUNIT_READ_H

#include <stddef.h>

#include "leakgate/result.h"

/*
 * Read a JUnit file leakgate wrote (junit.h) back into the results model,
 * so that a saved run can be rendered again (leakgate report) and shards
 * merged (leakgate merge). The inverse of lg_junit_render for everything a
 * report shows: identity, verdict, outcome, message, detail, culprit, every
 * fit, the traceback, the output tails, the attachment, and the series as
 * far as the file keeps it (LG_JUNIT_SAMPLES_MAX samples of heap_bytes and
 * of the culprit). Not kept by the file, so not restored: the interpreter
 * path, the other metrics' samples, the fits' growth and span.
 *
 * Properties it does not know are ignored, so newer files still read.
 * Errors name the file and the line: LG_ENOTFOUND when it cannot be read,
 * LG_EINVALID when it is not well-formed XML or not a leakgate report
 * ("run.xml: line 12: testsuite 'orders': property 'heap_bytes.slope':
 * 'abc' is not a number").
 */
int lg_junit_read(lg_run_result *out, const char *path);

/* The same from memory; name is used in messages. */
int lg_junit_read_memory(lg_run_result *out, const char *data, size_t len,
			 const char *name);

/* lg_junit_read, calling each(ctx, suite) with every <testsuite> element
 * (an xmlNode) that holds a workload, as written (indentation kept), once
 * its result is in out; the node is freed when each returns. A negative
 * return stops the read with that error. For lg_junit_merge, which copies
 * the suites as it reads them. */
struct _xmlNode;
typedef int (*lg_junit_suite_fn)(void *ctx, const struct _xmlNode *suite);
int lg_junit_read_each(lg_run_result *out, const char *path,
		       lg_junit_suite_fn each, void *ctx);

#endif
